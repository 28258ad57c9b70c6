"""The ``matcalc`` command line: output, exit codes and error messages."""

from __future__ import annotations

import ast
import doctest
import io
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from optional import require

import matcalc
from matcalc import cli
from matcalc.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run a command that must fail with status 2; return its stderr."""
    status, out, err = run(capsys, *argv)
    assert status == 2, (out, err)
    assert out == ""
    return err


# ---- matcalc parse ----------------------------------------------------------------------


def test_parse_prints_expression_shape_and_symbols(capsys):
    status, out, err = run(capsys, "parse", "x'*A*x")
    assert status == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "expression: " + str(matcalc.parse("x'*A*x"))
    assert lines[1] == "shape: scalar"
    assert lines[2] == "symbols:"
    assert lines[3].split() == ["A", "matrix", "A.0", "x", "A.0", "guessed", "from", "first", "letter"]
    assert lines[4].split() == ["x", "vector", "A.0", "guessed", "from", "first", "letter"]
    assert lines[5] == "guessed from the first letter: x, A (declare with --kind NAME=KIND to be sure)"


def test_parse_tells_declared_inferred_and_guessed_kinds(capsys):
    status, out, _ = run(capsys, "parse", "norm2(X*w-y)^2 + lam*norm2(w)^2", "--kind", "X=matrix")
    assert status == 0
    rows = {line.split()[0]: line for line in out.splitlines()[3:7]}
    assert rows["X"].endswith("declared")
    assert rows["lam"].split()[1:] == ["scalar", "inferred", "from", "use"]
    assert rows["w"].endswith("guessed from first letter")
    assert out.splitlines()[7].startswith("guessed from the first letter: w, y ")


def test_parse_infers_dimensions_by_unification(capsys):
    # In X*w-y, X is n x m, w has length m and y has length n.
    status, out, _ = run(capsys, "parse", "X*w-y")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == f"expression: {matcalc.parse('X*w-y')}"
    assert lines[1] == "shape: column vector of length X.0"
    assert [line.split()[:5] for line in lines[3:6]] == [
        ["X", "matrix", "X.0", "x", "X.1"],
        ["w", "vector", "X.1", "guessed", "from"],
        ["y", "vector", "X.0", "guessed", "from"],
    ]


def test_parse_row_vector_and_matrix_shapes(capsys):
    assert "shape: row vector of length x.0" in run(capsys, "parse", "x'")[1]
    assert "shape: x.0 x x.0 matrix" in run(capsys, "parse", "x*x'")[1]


def test_parse_with_kinds(capsys):
    status, out, _ = run(capsys, "parse", "x'*S*x", "--kind", "S=symmetric", "-k", "x=vector")
    assert status == 0
    assert out.splitlines()[3].split()[:2] == ["S", "symmetric"]
    # A kind overrides the default from the first letter (a would be a scalar).
    status, out, _ = run(capsys, "parse", "a", "--kind", "a=vector")
    assert status == 0
    assert "shape: column vector" in out


def test_parse_expression_without_symbols(capsys):
    status, out, _ = run(capsys, "parse", "2*3")
    assert status == 0
    assert "shape: scalar" in out
    assert "symbols: none" in out


def test_parse_output_parses_back(capsys):
    text = "logdet(S) + tr(inv(S)*A)"
    _, out, _ = run(capsys, "parse", text, "--kind", "S=symmetric")
    printed = out.splitlines()[0].removeprefix("expression: ")
    kinds = {"S": "symmetric"}
    assert matcalc.parse(printed, kinds) == matcalc.parse(text, kinds)


# ---- matcalc eval -------------------------------------------------------------------------


def test_eval_quadratic_form(capsys):
    status, out, err = run(capsys, "eval", "x'*A*x", "--value", "x=[1,2]", "--value", "A=[[2,0],[0,3]]")
    assert (status, out, err) == (0, "14.0\n", "")


def test_eval_vector_result(capsys):
    status, out, _ = run(capsys, "eval", "A*x", "--value", "x=[1,2]", "--value", "A=[[2,0],[0,3]]")
    assert status == 0
    assert out == np.array2string(np.array([2.0, 6.0])) + "\n"


def test_eval_matrix_result(capsys):
    status, out, _ = run(capsys, "eval", "x*y'", "--value", "x=[1,2]", "--value", "y=[3,4,5]")
    assert status == 0
    assert out == np.array2string(np.outer([1.0, 2.0], [3.0, 4.0, 5.0])) + "\n"


def test_eval_scalar_values_and_broadcast(capsys):
    status, out, _ = run(capsys, "eval", "a*x + 1", "-v", "a=2.5", "-v", "x=[1,2,3]")
    assert status == 0
    assert out == np.array2string(np.array([3.5, 6.0, 8.5])) + "\n"


def test_eval_with_kind(capsys):
    status, out, _ = run(capsys, "eval", "logdet(S)", "--kind", "S=symmetric", "--value", "S=[[2,1],[1,2]]")
    assert status == 0
    assert float(out) == pytest.approx(np.log(3.0))


def test_eval_expression_starting_with_minus_after_double_dash(capsys):
    status, out, _ = run(capsys, "eval", "--value", "a=2", "--", "-a^2")
    assert (status, out) == (0, "-4.0\n")


# ---- errors ----------------------------------------------------------------------------------


def test_bad_expression_shows_caret(capsys):
    err = fails(capsys, "parse", "x'*A*")
    assert err.startswith("matcalc: error: ")
    assert "x'*A*" in err
    assert "^" in err.splitlines()[-1]


def test_unbalanced_parenthesis_in_eval(capsys):
    err = fails(capsys, "eval", "(x'*x", "--value", "x=[1]")
    assert err.startswith("matcalc: error: ")
    assert "^" in err


def test_unknown_function(capsys):
    err = fails(capsys, "parse", "foo(x)")
    assert err.startswith("matcalc: error: ")
    assert "foo" in err


def test_shape_error(capsys):
    err = fails(capsys, "parse", "x*x", "--kind", "x=vector")  # two column vectors have no matrix product
    assert err.startswith("matcalc: error: ")
    assert "x" in err


def test_deep_nesting_is_a_clear_error(capsys):
    err = fails(capsys, "parse", "(" * 10_000 + "x" + ")" * 10_000)
    assert err.startswith("matcalc: error: ")
    assert "Traceback" not in err


def test_bad_json(capsys):
    err = fails(capsys, "eval", "x'*x", "--value", "x=[1,2")
    assert "argument -v/--value" in err
    assert "the value of 'x' is not valid JSON" in err


def test_json_is_never_evaluated_as_python(capsys):
    err = fails(capsys, "eval", "a", "--value", "a=__import__('os').getcwd()")
    assert "not valid JSON" in err


@pytest.mark.parametrize("value", ['x="12"', "x=[1,true]", "x=null", 'x={"a": 1}'])
def test_non_numeric_json(capsys, value):
    err = fails(capsys, "eval", "x'*x", "--value", value)
    assert "the value of 'x' must be a number or nested lists of numbers" in err


def test_ragged_json(capsys):
    err = fails(capsys, "eval", "sum(A)", "--value", "A=[[1,2],[3]]")
    assert "the value of 'A' is not a rectangular array" in err


def test_malformed_value_spec(capsys):
    err = fails(capsys, "eval", "x'*x", "--value", "[1,2]")
    assert "expected NAME=JSON" in err


def test_unknown_kind(capsys):
    err = fails(capsys, "parse", "x'*x", "--kind", "x=vec")
    assert "unknown kind 'vec' for 'x'; kinds are scalar, vector, matrix, symmetric" in err


@pytest.mark.parametrize("spec", ["x", "x=", "=vector", "1x=vector"])
def test_malformed_kind_spec(capsys, spec):
    err = fails(capsys, "parse", "x'*x", "--kind", spec)
    assert "argument -k/--kind" in err


def test_conflicting_kinds(capsys):
    err = fails(capsys, "parse", "x", "--kind", "x=vector", "--kind", "x=matrix")
    assert err == "matcalc: error: --kind gives 'x' two kinds: vector and matrix\n"


def test_missing_value(capsys):
    err = fails(capsys, "eval", "x'*A*x", "--value", "x=[1,2]")
    assert err == "matcalc: error: no value for 'A'; give one with --value NAME=JSON\n"


def test_unused_value(capsys):
    err = fails(capsys, "eval", "2*a", "--value", "a=1", "--value", "b=2")
    assert err == "matcalc: error: --value given for 'b', which the expression does not use\n"


def test_repeated_value(capsys):
    err = fails(capsys, "eval", "2*a", "--value", "a=1", "--value", "a=2")
    assert err == "matcalc: error: --value gives 'a' more than once\n"


def test_value_of_wrong_shape(capsys):
    err = fails(capsys, "eval", "x'*A*x", "--value", "x=[1,2]", "--value", "A=[[1,0,0],[0,1,0],[0,0,1]]")
    assert err.startswith("matcalc: error: ")


def test_value_of_wrong_kind(capsys):
    err = fails(capsys, "eval", "x'*x", "--kind", "x=vector", "--value", "x=[[1,2],[3,4]]")
    assert err.startswith("matcalc: error: ")
    assert "x" in err


def test_no_command_is_a_usage_error(capsys):
    status, _, err = run(capsys)
    assert status == 2
    assert "usage: matcalc" in err


def test_unknown_command(capsys):
    status, _, err = run(capsys, "frobnicate", "x")
    assert status == 2
    assert "invalid choice" in err


# ---- help and version -------------------------------------------------------------------------


def test_help_shows_examples(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0
    assert "examples:" in out
    assert 'matcalc eval "x\'*A*x"' in out


@pytest.mark.parametrize("command", ["parse", "eval"])
def test_command_help_shows_examples(capsys, command):
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    assert f"usage: matcalc {command}" in out
    assert f'  matcalc {command} "' in out


def test_version(capsys):
    status, out, _ = run(capsys, "--version")
    assert (status, out) == (0, f"matcalc {matcalc.__version__}\n")


# ---- the entry points, as separate processes ------------------------------------------------

EXAMPLE = ["eval", "x'*A*x", "--value", "x=[1,2]", "--value", "A=[[2,0],[0,3]]"]


def test_python_dash_m_matcalc():
    done = subprocess.run(
        [sys.executable, "-m", "matcalc", *EXAMPLE], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "14.0\n", "")
    done = subprocess.run(
        [sys.executable, "-m", "matcalc", "parse", "x+"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("matcalc: error: ")


def test_console_script():
    script = shutil.which("matcalc", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the matcalc console script is not installed next to this Python")
    done = subprocess.run([script, *EXAMPLE], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "14.0\n", "")


# ---- matcalc diff --------------------------------------------------------------------------


def test_diff_gradient_of_quadratic_form(capsys):
    assert main(["diff", "x'*A*x", "--wrt", "x"]) == 0
    assert capsys.readouterr().out.strip() == "(A+A')*x"


def test_diff_hessian_by_repeating_wrt(capsys):
    assert main(["diff", "x'*A*x", "--wrt", "x", "--wrt", "x"]) == 0
    assert capsys.readouterr().out.strip() == "A+A'"


def test_diff_with_kind(capsys):
    assert main(["diff", "x'*S*x", "--wrt", "x", "--kind", "S=symmetric"]) == 0
    assert capsys.readouterr().out.strip() == "2*S*x"


def test_diff_third_order_prints_index_notation(capsys):
    assert main(["diff", "W*x", "--wrt", "W"]) == 0
    assert capsys.readouterr().out.strip() == "∂f[i]/∂W[j,k] = x[k]*δ[i,j]"


def test_diff_output_parses_back_to_the_same_numbers(capsys):
    assert main(["diff", "sum(log(1+exp(-y.*(X*w))))", "--wrt", "w"]) == 0
    printed = capsys.readouterr().out.strip()
    g = matcalc.diff(matcalc.parse("sum(log(1+exp(-y.*(X*w))))"), "w")
    rng = np.random.default_rng(0)
    values = {"X": rng.normal(size=(5, 3)), "w": rng.normal(size=3), "y": rng.choice([-1.0, 1.0], 5)}
    np.testing.assert_allclose(matcalc.evaluate(matcalc.parse(printed), values), matcalc.evaluate(g, values))


def test_diff_bad_expression_shows_caret_and_exits_2(capsys):
    assert main(["diff", "x'*A*", "--wrt", "x"]) == 2
    err = capsys.readouterr().err
    assert "expected an operand" in err and "^" in err


def test_diff_needs_wrt(capsys):
    assert main(["diff", "x'*x"]) == 2
    assert "--wrt" in capsys.readouterr().err


def test_diff_by_a_bad_name_is_a_clear_error(capsys):
    assert main(["diff", "x'*x", "--wrt", "2x"]) == 2
    assert "not a symbol name" in capsys.readouterr().err


def test_diff_steps_shows_the_derivation(capsys):
    assert main(["diff", "W*x", "--wrt", "W", "--steps"]) == 0
    out = capsys.readouterr().out
    assert "x[p]*δ[i,j]*δ[p,k]" in out  # the deltas before contraction
    assert "x[k]*δ[i,j]" in out  # after: ∂f_i/∂W_mn = δ_im x_n
    assert out.index("Differentiate") < out.index("Contract")


def test_diff_as_latex_index_and_vec(capsys):
    assert main(["diff", "x'*A*x", "--wrt", "x", "--as", "latex"]) == 0
    assert capsys.readouterr().out.strip() == r"(A + A^\top) x"
    assert main(["diff", "W*x", "--wrt", "W", "--as", "index"]) == 0
    assert capsys.readouterr().out.strip() == r"\frac{\partial f_{i}}{\partial W_{jk}} = \delta_{ij} x_{k}"
    assert main(["diff", "W*x", "--wrt", "W", "--as", "vec"]) == 0
    assert capsys.readouterr().out.strip() == r"x^\top \otimes I_{n}"
    assert main(["diff", "A*X*B", "--wrt", "X", "--as", "vec"]) == 0
    assert capsys.readouterr().out.strip() == r"B^\top \otimes A"


def test_diff_as_vec_needs_one_variable(capsys):
    assert main(["diff", "W*x", "--wrt", "W", "--wrt", "x", "--as", "vec"]) == 2
    assert "one --wrt" in capsys.readouterr().err


def test_diff_as_numpy_prints_a_function(capsys):
    assert main(["diff", "x'*A*x", "--wrt", "x", "--as", "numpy"]) == 0
    source = capsys.readouterr().out
    assert "def f(" in source
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # generated code, not user text
    A, x = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0])
    out = namespace["f"](A=A, x=x)
    np.testing.assert_allclose(out["f"], x @ A @ x)
    np.testing.assert_allclose(out["dx"], (A + A.T) @ x)


# ---- the question matcalc started from, from the command line --------------------------------
# Let W be n x m and x an m-vector: what is d(Wx)/dW?


def test_seed_question_index_form(capsys):
    # Answer 1: a third-order tensor, ∂(Wx)_i/∂W_jk = δ_ij x_k.
    assert run(capsys, "diff", "W*x", "--wrt", "W") == (0, "∂f[i]/∂W[j,k] = x[k]*δ[i,j]\n", "")
    index = "\\frac{\\partial f_{i}}{\\partial W_{jk}} = \\delta_{ij} x_{k}\n"
    assert run(capsys, "diff", "W*x", "--wrt", "W", "--as", "index") == (0, index, "")


def test_seed_question_vec_form(capsys):
    # Answer 1 by vectorization: d(Wx)/d vec(W) = xᵀ ⊗ I.
    assert run(capsys, "diff", "W*x", "--wrt", "W", "--as", "vec") == (0, "x^\\top \\otimes I_{n}\n", "")


def test_seed_question_backpropagation(capsys):
    # Answer 2: through a scalar loss L, the derivative by W is an outer product.
    kinds = ["--kind", "L=scalar function", "--kind", "b=vector"]
    assert run(capsys, "diff", "L(W*x+b)", "--wrt", "W", *kinds) == (0, "grad(L)(W*x+b)*x'\n", "")


def test_seed_question_wrong_claim_is_refuted_with_shapes(capsys):
    # Answer 3 claims every entry is 1: (xᵀ1)1, an n-vector, where the derivative is n x n x m.
    status, out, err = run(capsys, "check", "W*x", "--wrt", "W", "--claim", "(x'*vector(1))*vector(1)")
    assert (status, err) == (1, "")
    assert out.startswith("claim refuted: The claim has the wrong shape.")
    assert "has shape (3, 3, 4)" in out  # the derivative's shape at the counterexample
    assert "The claim has shape (3,)" in out
    assert "matcalc's derivative is ∂f[i]/∂W[j,k] = x[k]*δ[i,j]." in out
    lines = out.splitlines()
    assert lines[1] == "counterexample:"
    assert lines[2].startswith("  W = [[") and lines[-1].startswith("  x = [")
    assert all(len(number.split(".")[1]) <= 4 for number in lines[-1][7:-1].split())  # precision 4


def test_seed_question_right_claim_is_accepted(capsys):
    argv = ["check", "norm2(W*x+b)^2", "--wrt", "W", "--claim", "2*(W*x+b)*x'", "--kind", "b=vector"]
    status, out, err = run(capsys, *argv)
    assert (status, err) == (0, "")
    assert out.startswith("claim accepted: The claim equals matcalc's derivative at 5 random point(s)")
    assert "counterexample" not in out


# ---- matcalc check ---------------------------------------------------------------------------


def test_check_claim_right_only_for_symmetric_matrices(capsys):
    status, out, _ = run(capsys, "check", "x'*A*x", "--wrt", "x", "--claim", "2*A*x")
    assert status == 1
    assert "It is right only when A is symmetric" in out
    assert "  A = [[" in out


def test_check_with_kinds_and_functions(capsys):
    argv = ["check", "logdet(S)", "--wrt", "S", "--claim", "inv(S)"]
    assert run(capsys, *argv, "--kind", "S=symmetric")[0] == 0
    argv = ["check", "L(W*x+b)", "--wrt", "W", "--claim", "grad(L)(W*x+b)*x'"]
    assert run(capsys, *argv, "--kind", "L=scalar function", "--kind", "b=vector")[0] == 0


def test_check_higher_derivative(capsys):
    assert run(capsys, "check", "x'*A*x", "--wrt", "x", "--wrt", "x", "--claim", "A+A'")[0] == 0
    assert run(capsys, "check", "x'*A*x", "--wrt", "x", "--wrt", "x", "--claim", "2*A")[0] == 1


def test_check_bad_expression_shows_caret(capsys):
    err = fails(capsys, "check", "x'*A*", "--wrt", "x", "--claim", "x")
    assert err == (
        "matcalc: error: expected an operand, found the end of the expression\n  x'*A*\n       ^\n"
    )


def test_check_bad_claim_shows_caret_and_says_it_is_the_claim(capsys):
    err = fails(capsys, "check", "x'*A*x", "--wrt", "x", "--claim", "2*A*x*")
    assert err == (
        "matcalc: error: in --claim: expected an operand, found the end of the expression\n"
        "  2*A*x*\n"
        "        ^\n"
    )
    err = fails(capsys, "check", "x'*A*x", "--wrt", "x", "--claim", "x*x")
    assert err.startswith("matcalc: error: in --claim: cannot multiply column vector x by column vector x")
    assert err.endswith("  x*x\n   ^\n")


def test_check_claim_with_a_foreign_symbol(capsys):
    err = fails(capsys, "check", "x'*x", "--wrt", "x", "--claim", "2*z")
    assert err == "matcalc: error: the claim uses 'z', which the expression does not\n"


def test_check_by_a_function_is_an_error(capsys):
    err = fails(capsys, "check", "L(x)", "--wrt", "L", "--claim", "x", "--kind", "L=scalar function")
    assert "'L' is a scalar function, not a variable" in err


@pytest.mark.parametrize("missing", ["-w/--wrt", "-c/--claim"])
def test_check_needs_wrt_and_claim(capsys, missing):
    argv = {"-w/--wrt": ["--wrt", "x"], "-c/--claim": ["--claim", "2*x"]}
    del argv[missing]
    err = fails(capsys, "check", "x'*x", *(a for pair in argv.values() for a in pair))
    assert f"the following arguments are required: {missing}" in err


# ---- matcalc code ----------------------------------------------------------------------------


def generated(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status, out, err = run(capsys, "code", *argv)
    assert (status, err) == (0, "")
    return out


def run_module(source: str, tmp_path: Path, name: str = "generated.py") -> subprocess.CompletedProcess[str]:
    path = tmp_path / name
    path.write_text(source)
    return subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, cwd=tmp_path, check=False
    )


def check_passed(done: subprocess.CompletedProcess[str], function: str = "f") -> float:
    """The error the module's gradient check printed; asserts it passed."""
    assert (done.returncode, done.stderr) == (0, ""), done
    match = re.fullmatch(
        rf"gradient check of {function}: relative error (\S+) \(ok, tolerance 1e-06\)\n", done.stdout
    )
    assert match, done.stdout
    return float(match[1])


def test_code_least_squares_runs_its_gradient_check(capsys, tmp_path):
    source = generated(capsys, "norm2(X*w-y)^2", "--wrt", "w")
    assert check_passed(run_module(source, tmp_path)) < 1e-8
    tree = ast.parse(source)
    imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert imported == {"numpy"}
    assert not any(isinstance(node, ast.ImportFrom) for node in ast.walk(tree))


def test_code_function_returns_value_and_gradient(capsys):
    source = generated(capsys, "norm2(X*w-y)^2", "--wrt", "w")
    namespace: dict = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)  # our generated code, not user text
    rng = np.random.default_rng(1)
    X, w, y = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=5)
    out = namespace["f"](X=X, w=w, y=y)
    assert set(out) == {"f", "grad_w"}
    np.testing.assert_allclose(out["f"], np.sum((X @ w - y) ** 2))
    np.testing.assert_allclose(out["grad_w"], 2 * X.T @ (X @ w - y))
    assert namespace["check_f"]() < 1e-8
    assert namespace["check_f"](seed=7) < 1e-8


def test_code_check_catches_a_wrong_gradient(capsys, tmp_path):
    source = generated(capsys, "norm2(X*w-y)^2", "--wrt", "w")
    head, main_block = source.split('if __name__ == "__main__":')
    wrong = (
        "_right = f\n\n\ndef f(**arrays):\n"
        "    out = _right(**arrays)\n"
        "    return {**out, 'grad_w': 1.001 * out['grad_w']}\n\n\n"
    )
    done = run_module(head + wrong + 'if __name__ == "__main__":' + main_block, tmp_path)
    assert done.returncode == 1
    assert re.fullmatch(r"gradient check of f: relative error \S+ \(FAILED, tolerance 1e-06\)\n", done.stdout)


@pytest.mark.parametrize(
    ("argv", "keys"),
    [
        (["x'*A*x", "--wrt", "x", "--wrt", "A"], {"f", "grad_x", "grad_A"}),
        (["logdet(S) + tr(inv(S)*A)", "--wrt", "S", "--kind", "S=symmetric"], {"f", "grad_S"}),
        (["sum(log(1+exp(-y.*(X*w))))", "--wrt", "w", "--wrt", "X"], {"f", "grad_w", "grad_X"}),
        (["a*sum(log(x))", "--wrt", "a", "--wrt", "x"], {"f", "grad_a", "grad_x"}),  # needs x > 0
        (["W*x", "--wrt", "W"], {"f", "jac_W"}),  # a Jacobian, not a gradient
        (["logdet(X'*X)", "--wrt", "X"], {"f", "grad_X"}),  # needs X at least as tall as wide
        # y as long as kron(A, B) has rows, z as vec(X): the inputs size such axes as products
        (["norm2(kron(A, B)*vec(X)-y)^2", "--wrt", "X"], {"f", "grad_X"}),
        (["z'*vec(X)+tr(kron(X, X))", "--wrt", "X"], {"f", "grad_X"}),
    ],
)
def test_code_gradient_check_passes(capsys, tmp_path, argv, keys):
    source = generated(capsys, *argv)
    namespace: dict = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)  # our generated code, not user text
    inputs = namespace["_random_inputs_f"](np.random.default_rng(0), positive=True)
    assert set(namespace["f"](**inputs)) == keys
    assert check_passed(run_module(source, tmp_path)) < 1e-7


def test_code_symmetric_inputs_are_symmetric_and_square_ones_well_conditioned(capsys):
    source = generated(capsys, "x'*S*x + tr(inv(A))", "--wrt", "S", "--kind", "S=symmetric")
    namespace: dict = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)  # our generated code, not user text
    for seed in range(20):
        inputs = namespace["_random_inputs_f"](np.random.default_rng(seed))
        S, A, x = inputs["S"], inputs["A"], inputs["x"]
        assert 2 <= len(x) <= 5 and S.shape == (len(x), len(x))
        np.testing.assert_array_equal(S, S.T)
        assert np.linalg.cond(A) < 50


def test_code_with_a_name(capsys, tmp_path):
    source = generated(capsys, "sum(log(1+exp(-y.*(X*w))))", "--wrt", "w", "--name", "logistic")
    assert "def logistic(X, w, y):" in source and "def check_logistic(seed=0, points=3):" in source
    assert check_passed(run_module(source, tmp_path), "logistic") < 1e-8


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_code_other_backends_run_their_gradient_check(capsys, tmp_path, backend):
    require(backend)
    argv = ["logdet(S) + x'*S*x", "--wrt", "S", "--wrt", "x", "--kind", "S=symmetric"]
    source = generated(capsys, *argv, "--backend", backend)
    assert source.startswith(f'"""Generated by matcalc ({backend})')
    assert check_passed(run_module(source, tmp_path)) < 1e-7


def test_code_check_says_when_it_finds_no_usable_inputs(capsys, tmp_path):
    done = run_module(generated(capsys, "sum(log(-exp(x)))", "--wrt", "x"), tmp_path)
    assert (done.returncode, done.stderr) == (2, "")
    assert (
        done.stdout
        == "gradient check of f: not run: no usable random inputs in 60 tries (the last: not finite)\n"
    )


def test_code_check_skips_nearly_singular_inputs(capsys):
    # inv(X'*C*X) is singular when X is wider than tall: such sizes must be skipped, not fail.
    source = generated(capsys, "tr(inv(X'*C*X)*A)", "--wrt", "X")
    namespace: dict = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)  # our generated code, not user text
    assert max(namespace["check_f"](seed) for seed in range(20)) < 1e-6


def test_code_with_abstract_functions_skips_the_check(capsys, tmp_path):
    source = generated(capsys, "L(W*x+b)", "--wrt", "W", "--kind", "L=scalar function", "--kind", "b=vector")
    assert "def f(L, W, b, grad_L, x):" in source
    assert "# No built-in gradient check: f takes the functions L, grad_L as arguments," in source
    done = run_module(source, tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "f takes the functions L, grad_L: no built-in gradient check (it needs them)\n"


def test_code_bad_expression_shows_caret(capsys):
    err = fails(capsys, "code", "norm2(X*w-y", "--wrt", "w")
    assert err.startswith("matcalc: error: ")
    assert "expected ')' to close the call of 'norm2'" in err
    assert err.endswith("  norm2(X*w-y\n             ^\n")  # where the ')' is missing


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x'*x", "--wrt", "y"], "the expression does not contain 'y' (its symbols are x)"),
        (["x'*x", "--wrt", "x", "--wrt", "x"], "the variable 'x' is given twice"),
        (
            ["x'*x", "--wrt", "x", "--name", "np"],
            "the function cannot be called 'np': the gradient check uses",
        ),
        (["x'*x", "--wrt", "x", "--name", "1f"], "function name '1f' is not a Python identifier"),
        (["L(x)", "--wrt", "L", "--kind", "L=scalar function"], "'L' is a scalar function, not a variable"),
    ],
)
def test_code_errors(capsys, argv, message):
    err = fails(capsys, "code", *argv)
    assert err.startswith("matcalc: error: ")
    assert message in err


def test_code_unknown_backend(capsys):
    err = fails(capsys, "code", "x'*x", "--wrt", "x", "--backend", "tensorflow")
    assert "argument -b/--backend: invalid choice: 'tensorflow'" in err


# ---- matcalc latex ---------------------------------------------------------------------------


def test_latex_quadratic_form(capsys):
    assert run(capsys, "latex", "x'*A*x") == (0, "x^\\top A x\n", "")


def test_latex_forms_and_kinds(capsys):
    assert run(capsys, "latex", "x'*A*x", "--form", "index")[1] == "x_{p} A_{pq} x_{q}\n"
    out = run(capsys, "latex", "logdet(S) + tr(inv(S)*A)", "--kind", "S=symmetric")[1]
    assert out == "\\log\\det(S) + \\operatorname{tr}(S^{-1} A)\n"
    out = run(capsys, "latex", "L(W*x+b)", "--kind", "L=scalar function", "--kind", "b=vector")[1]
    assert out == "L(W x + b)\n"


def test_latex_where_names_repeated_subexpressions(capsys):
    status, out, _ = run(capsys, "latex", "exp(A*x)'*exp(A*x)", "--where")
    assert status == 0
    assert out == matcalc.latex(matcalc.parse("exp(A*x)'*exp(A*x)"), where=True) + "\n"
    assert "t_{1}^\\top t_{1}" in out and "\\text{where }t_{1} = \\exp(A x)" in out


def test_latex_bad_expression_shows_caret(capsys):
    err = fails(capsys, "latex", "x'*A*x)")
    assert err.startswith("matcalc: error: ")
    assert err.endswith("  x'*A*x)\n        ^\n")


def test_latex_unknown_form(capsys):
    assert "argument --form: invalid choice: 'kron'" in fails(capsys, "latex", "x", "--form", "kron")


# ---- function kinds in --kind ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["scalar function", "vector function", "matrix function", " scalar  function "]
)
def test_function_kinds_are_accepted(capsys, kind):
    status, out, _ = run(capsys, "parse", "F(x)", "--kind", f"F={kind}")
    assert status == 0
    assert out.splitlines()[2:4] == ["symbols:", out.splitlines()[3]]
    assert " ".join(kind.split()) in out


def test_unknown_kind_lists_the_function_kinds(capsys):
    err = fails(capsys, "parse", "F(x)", "--kind", "F=function")
    kinds = "scalar, vector, matrix, symmetric, square, scalar function, vector function, matrix function"
    assert f"kinds are {kinds}" in err


# ---- help: every command shows examples, and every example runs ------------------------------


def help_text(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status, out, _ = run(capsys, *argv, "--help")
    assert status == 0
    return out


@pytest.mark.parametrize("command", ["diff", "check", "code", "latex"])
def test_new_commands_help_shows_examples(capsys, command):
    out = help_text(capsys, command)
    assert f"usage: matcalc {command}" in out
    assert "\nexamples:\n" in out
    assert f'  matcalc {command} "' in out


def test_main_help_lists_every_command_with_an_example(capsys):
    out = help_text(capsys)
    for command in ("diff", "check", "code", "latex", "parse", "eval"):
        assert f"  matcalc {command} " in out.split("examples:")[1]
        assert f"    {command} " in out.split("examples:")[0]


def help_examples() -> list[list[str]]:
    """Every example command in the help texts: the words after ``matcalc``, up to a redirection."""
    texts = [cli.MAIN_EXAMPLES, *(c.examples for c in cli.COMMANDS)]
    examples = []
    for line in (line for text in texts for line in text.splitlines()):
        if line.startswith("  matcalc "):
            words = shlex.split(line, comments=True)[1:]
            for stop in (">", "&&"):
                words = words[: words.index(stop)] if stop in words else words
            # `matcalc serve` runs until stopped: tests/test_web_api.py starts and stops it
            if "--help" not in words and words[0] != "serve":
                examples.append(words)
    return examples


@pytest.mark.parametrize("argv", help_examples(), ids=" ".join)
def test_help_example_runs(capsys, argv):
    status, out, err = run(capsys, *argv)
    refuted = argv[0] == "check" and (out.startswith("claim refuted") or '"verdict": "claim refuted"' in out)
    assert (status, err) == (1 if refuted else 0, ""), err
    assert out


# ---- the command-line examples of README.md and docs/ run ------------------------------------


def console_sessions() -> list[list[tuple[str, str]]]:
    """The ``console`` blocks of README.md and docs/: (command, expected output) pairs, in order."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    blocks = [b for page in pages for b in re.findall(r"```console\n(.*?)```", page.read_text(), re.DOTALL)]
    sessions = []
    for block in blocks:
        steps: list[tuple[str, str]] = []
        for line in block.splitlines(keepends=True):
            if line.startswith("$ "):
                steps.append((line[2:].strip(), ""))
            else:
                steps[-1] = (steps[-1][0], steps[-1][1] + line)
        sessions.append(steps)
    return sessions


@pytest.mark.parametrize("session", console_sessions())
def test_console_examples(capsys, tmp_path, monkeypatch, session):
    """``$ matcalc ...`` runs main (``> FILE`` writes its output there); ``$ python FILE`` runs FILE.

    ``$ echo TEXT | matcalc ...`` gives main TEXT on stdin.
    """
    monkeypatch.chdir(tmp_path)
    checker = doctest.OutputChecker()
    for command, expected in session:
        words = shlex.split(command)
        if words[0] == "python":
            done = subprocess.run([sys.executable, *words[1:]], capture_output=True, text=True, check=False)
            output = done.stdout + done.stderr
        else:
            if words[0] == "echo" and "|" in words:  # echo TEXT | matcalc ...: TEXT on stdin
                pipe = words.index("|")
                stdin = io.TextIOWrapper(io.BytesIO((" ".join(words[1:pipe]) + "\n").encode()))
                monkeypatch.setattr(sys, "stdin", stdin)
                words = words[pipe + 1 :]
            assert words[0] == "matcalc", command
            target = words[words.index(">") + 1] if ">" in words else None
            status, out, err = run(capsys, *words[1 : words.index(">") if target else None])
            assert status in (0, 1, 2)
            if target:
                Path(target).write_text(out)
                out = ""
            output = out + err
        assert checker.check_output(expected, output, doctest.ELLIPSIS), f"$ {command}\n{output}"
