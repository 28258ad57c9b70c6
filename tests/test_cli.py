"""The ``matcalc`` command line: output, exit codes and error messages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import matcalc
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
    assert lines[3].split() == ["A", "matrix", "A.0", "x", "A.0"]
    assert lines[4].split() == ["x", "vector", "A.0"]


def test_parse_infers_dimensions_by_unification(capsys):
    # In X*w-y, X is n x m, w has length m and y has length n.
    status, out, _ = run(capsys, "parse", "X*w-y")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == f"expression: {matcalc.parse('X*w-y')}"
    assert lines[1] == "shape: column vector of length X.0"
    assert [line.split() for line in lines[3:]] == [
        ["X", "matrix", "X.0", "x", "X.1"],
        ["w", "vector", "X.1"],
        ["y", "vector", "X.0"],
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
    err = fails(capsys, "parse", "x*x")  # two column vectors have no matrix product
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
    err = fails(capsys, "eval", "x'*x", "--value", "x=[[1,2],[3,4]]")
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
    assert capsys.readouterr().out.strip() == "(i,j,k) -> x[k]*δ[i,j]"


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
    assert capsys.readouterr().out.strip() == r"\delta_{ij} x_{k}"
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
