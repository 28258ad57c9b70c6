"""Issue 12 (and issue 11, item 5): names in generated code never collide; generated functions check inputs.

See docs/codegen.md, "Names" and "Input checks".
"""

from __future__ import annotations

import numpy as np
import pytest
from optional import require

import matcalc as mc
from matcalc.codegen.names import RESERVED, python_name

SIG = mc.parse("sigmoid(x)")


@pytest.mark.parametrize(
    "name", ["np", "_sigmoid", "\uff46", "\uff4e\uff50", "float", "print", "lambda", "range", "max"]
)
def test_function_names_never_break_the_module(name: str) -> None:
    # np shadowed numpy; _sigmoid recursed forever; fullwidth f and np (NFKC) gave KeyError
    f = mc.lambdify(SIG, name=name)
    assert np.allclose(f(np.zeros(2)), 0.5)
    assert f.__name__ == python_name(name, "function name")
    assert f.__name__ not in RESERVED


def test_keyword_and_builtin_symbols_become_parameters_with_an_underscore() -> None:
    # issue 11, item 5: names from papers, such as lambda
    e = mc.parse("lambda*norm2(x)^2+print", {"lambda": "scalar", "print": "scalar"})
    f = mc.lambdify(e)
    assert "def f(lambda_, print_, x)" in f.__matcalc_source__
    assert f(lambda_=2.0, print_=1.0, x=np.ones(2)) == 5.0
    g = mc.lambdify(mc.diff(e, "x"))
    assert np.allclose(g(lambda_=2.0, x=np.array([1.0, 3.0])), [4.0, 12.0])


def test_symbol_and_abstract_function_parameter_of_one_name() -> None:
    e = mc.parse("L(x)*grad_L", {"L": "scalar function", "grad_L": "scalar"})
    f = mc.lambdify({"f": e, "g": mc.diff(e, "x")})
    assert "def f(L, grad_L, grad_L_, x)" in f.__matcalc_source__
    out = f(L=lambda u: u @ u, grad_L=3.0, grad_L_=lambda u: 2 * u, x=np.array([1.0, 2.0]))
    assert out["f"] == 15.0 and np.allclose(out["g"], [6.0, 12.0])


def test_function_named_like_the_library() -> None:
    src = mc.numpy_code(mc.parse("np(x)+exp(x)", {"np": "vector function"}))
    assert "import numpy as np\n" in src and "def f(np_, x)" in src and "np_(x) + np.exp(x)" in src


def test_output_names_with_nul_and_backslash() -> None:
    f = mc.lambdify({"a\0b\\": mc.parse("x+y"), "\uff46": mc.parse("x-y")})
    out = f(np.ones(2), np.ones(2))
    assert set(out) == {"a\0b\\", "\uff46"} and "a\\x00b" in (f.__doc__ or "")


def test_names_that_are_not_identifiers_are_refused() -> None:
    for name in ("1x", "f-g", "", 3):
        with pytest.raises(mc.MatcalcError, match=r"function name|must be a string"):
            mc.numpy_code(SIG, name=name)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["float", "print", "range", "max", "lambda", "\uff46"])
def test_cli_code_module_runs_with_any_name(name: str, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import runpy

    from matcalc.cli import main

    assert main(["code", "norm2(X*w-y)^2", "--wrt", "w", "--name", name]) == 0
    path = tmp_path / "m.py"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    namespace = runpy.run_path(str(path))
    error = namespace[f"check_{python_name(name, 'function name')}"]()
    assert error < 1e-6


@pytest.mark.parametrize("name", ["rng", "inputs", "np", "variable"])
def test_cli_code_refuses_names_the_check_uses(name: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from matcalc.cli import main

    assert main(["code", "norm2(X*w-y)^2", "--wrt", "w", "--name", name]) == 2
    assert "the gradient check uses" in capsys.readouterr().err


# ---- input checks -------------------------------------------------------------------------

GRAD = mc.lambdify(mc.diff(mc.parse("x'*x"), "x"))


def test_lists_are_converted_not_concatenated() -> None:
    # the gradient of x'*x at the list [1, 2] was [1, 2, 1, 2]
    assert np.array_equal(GRAD([1, 2]), [2.0, 4.0])


def test_integers_become_floats_and_do_not_overflow() -> None:
    f = mc.lambdify(mc.parse("a*a"))
    assert f(np.int64(2**62)) == float(2**124)


@pytest.mark.parametrize(
    ("text", "kinds", "args", "error", "match"),
    [
        ("x+y", {}, (np.ones(3), np.ones(1)), ValueError, r"the length of x \(3\) and the length of y \(1\)"),
        ("tr(X)", {}, (np.ones((2, 3)),), ValueError, r"X must be square, got shape \(2, 3\)"),
        ("tr(S)", {"S": "symmetric"}, (np.array([[1.0, 2.0], [3.0, 4.0]]),), ValueError, "not symmetric"),
        ("sum(x)", {}, (np.ones((2, 2)),), ValueError, "x must have 1 axes"),
        ("sum(x)", {}, ([1j, 2j],), TypeError, "x must hold real numbers"),
        ("sum(x)", {}, (np.array([True, False]),), TypeError, "x must hold real numbers"),
        ("X*w", {}, (np.ones((2, 3)), np.ones(2)), ValueError, r"the columns of X \(3\) and the length of w"),
    ],
)
def test_bad_inputs_are_refused(
    text: str, kinds: dict[str, str], args: tuple[object, ...], error: type[Exception], match: str
) -> None:
    f = mc.lambdify(mc.parse(text, kinds))
    with pytest.raises(error, match=match):
        f(*args)
    unchecked = mc.lambdify(mc.parse(text, kinds), checks=False)
    assert "_input" not in unchecked.__matcalc_source__


def test_an_array_only_read_for_its_size_is_checked_too() -> None:
    eye = mc.lambdify(mc.diff(mc.parse("x"), "x"))  # eye of x's length
    assert np.array_equal(eye([5, 6]), np.eye(2))
    with pytest.raises(ValueError, match="x must have 1 axes"):
        eye(0.0)


@pytest.mark.parametrize("backend", ["jax", "torch", "array_api"])
def test_other_backends_check_too(backend: str) -> None:
    require({"array_api": "array_api_compat"}.get(backend, backend))
    f = mc.lambdify(mc.parse("x+y"), backend=backend)
    with pytest.raises(ValueError, match="must agree"):
        f([1.0, 2.0, 3.0], [1.0])
    assert float(f([1, 2], [3, 4])[1]) == 6.0  # lists and integers become float64
    g = mc.lambdify(mc.parse("x'*S*x+tr(A)", {"S": "symmetric"}), backend=backend)
    good = {"A": np.eye(2), "S": np.array([[1.0, 2.0], [2.0, 1.0]]), "x": np.ones(2)}
    assert float(g(**good)) == 8.0
    for bad, error, match in [
        ({"S": np.array([[1.0, 2.0], [3.0, 1.0]])}, ValueError, "not symmetric"),
        ({"A": np.ones((2, 3))}, ValueError, "A must be square"),
        ({"x": np.ones((2, 1))}, ValueError, "x must have 1 axes"),
        ({"x": np.array([1j, 2j])}, TypeError, "x must hold real numbers"),
    ]:
        with pytest.raises(error, match=match):
            g(**{**good, **bad})
    assert "_input" not in mc.code(mc.parse("x+y"), backend=backend, checks=False)


def test_array_api_checks_keep_the_namespace_of_the_arguments() -> None:
    xs, torch = require("array_api_strict"), require("torch")
    f = mc.lambdify(mc.parse("a*x"), backend="array_api")
    assert type(f(x=xs.asarray([1.0, 2.0]), a=1)).__module__.startswith("array_api_strict")
    assert isinstance(f(x=torch.tensor([1.0, 2.0]), a=1.0), torch.Tensor)
    with pytest.raises(TypeError, match="x must hold real numbers"):
        f(x=xs.asarray([True, False]), a=1.0)
    assert float(mc.lambdify(mc.diff(mc.parse("a"), "a"), backend="array_api")()) == 1.0  # no arguments


def test_jax_checks_symmetry_of_concrete_values_only() -> None:
    jax = require("jax")
    f = mc.lambdify(mc.parse("x'*S*x", {"S": "symmetric"}), backend="jax")
    skew = np.array([[1.0, 2.0], [3.0, 1.0]])
    with pytest.raises(ValueError, match="not symmetric"):
        f(skew, np.ones(2))
    assert float(jax.jit(f)(skew, np.ones(2))) == 7.0  # traced under jit: no truth value to check


def test_the_checks_benchmark_runs() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "checks.py"), "--sizes", "40x5", "--repeats", "1"],
        capture_output=True, text=True, check=True, env={**__import__("os").environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert out.stdout.count("| logreg |") == 2 and "overhead" in out.stdout


def test_integer_to_a_negative_power_in_generated_code() -> None:
    # y+2^-1 raised "Integers to negative integer powers are not allowed"
    f = mc.lambdify(mc.parse("y+2^-1", {"y": "vector"}))  # undeclared, y+0.5 makes y a scalar
    assert np.array_equal(f(np.zeros(2)), [0.5, 0.5])


#: Constants whose Python-float arithmetic raises, is complex or is refused by PyTorch
#: (torch.pow(2.0, -1), torch.exp(2)); the code must give evaluate's IEEE values.
CONSTANTS = [
    "y+2^-1", "y+(-2)^-3", "y+0^-1", "y+(-8)^(1/3)", "y+1/0", "y-1/0", "y+exp(2)", "y+exp(1000)",
    "y+log(0)", "y+1e200^2", "y+sqrt(-1)", "y+2^0.5", "y+(1+2^0.5)^-1", "y+sigmoid(1)", "y+trigamma(2)",
    "y+lgamma(3)+max(2, 3)", "y.*x.^-1+2.^-x", "y*(x.^-2)+x*(0-0)^-1",
]  # fmt: skip


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "array_api"])
def test_constants_and_negative_integer_powers_on_every_backend(backend: str) -> None:
    # docs/codegen.md promises IEEE behaviour: y+2^-1 raised in PyTorch (torch.pow of two numbers)
    to = {
        "jax": lambda v: require("jax").numpy.asarray(v),
        "torch": lambda v: require("torch").as_tensor(np.asarray(v, dtype=np.float64)),
    }.get(backend, np.asarray)
    if backend == "jax":
        require("jax").config.update("jax_enable_x64", True)
    values = {"y": 1.5, "x": np.array([2.0, -3.0])}
    for text in CONSTANTS:
        e = mc.parse(text, {"y": "scalar", "x": "vector"})
        args = sorted(s.name for s in e.symbols)
        with np.errstate(all="ignore"):
            want = mc.evaluate(e, values)
            got = mc.lambdify(e, args=args, backend=backend)(*[to(values[a]) for a in args])
        np.testing.assert_array_equal(np.asarray(got), want, err_msg=f"{text} on {backend}")


def test_integers_beyond_double_precision_are_floats_in_code() -> None:
    # the literal 100000010000001000000 stayed a Python int (an object array in NumPy)
    value = mc.lambdify(mc.parse("100000010000001000000"))()
    assert type(value) is float and value == mc.evaluate(mc.parse("100000010000001000000"))


def _backend_array(backend: str):  # type: ignore[no-untyped-def]
    """How a test hands an array to a backend's function (NumPy arrays work for all but torch)."""
    if backend == "torch":
        torch = require("torch")
        return lambda v: torch.as_tensor(np.asarray(v, dtype=np.float64))
    if backend == "jax":
        require("jax").config.update("jax_enable_x64", True)
    if backend == "array_api":
        require("array_api_compat")
    return np.asarray


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "array_api"])
def test_kronecker_and_vec_sizes_are_checked(backend: str) -> None:
    # kron(A,B)*v and x+vec(X) unify v and x with a product of other sizes; NumPy broadcast a
    # length-1 x against vec(X), and a wrong v only failed inside the product with NumPy's message
    to = _backend_array(backend)
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(2, 3)), rng.normal(size=(4, 5))
    f = mc.lambdify(mc.parse("kron(A,B)*v", {"v": "vector"}), backend=backend)
    np.testing.assert_allclose(np.asarray(f(to(A), to(B), to(np.ones(15)))), np.kron(A, B) @ np.ones(15))
    with pytest.raises(ValueError, match=r"length of v \(14\) must be the columns of A times the columns"):
        f(to(A), to(B), to(np.ones(14)))
    g = mc.lambdify(mc.parse("x+vec(X)"), backend=backend)
    with pytest.raises(ValueError, match=r"length of x \(1\) must be the columns of X times the rows of X"):
        g(to(A), to(np.ones(1)))
    h = mc.lambdify(mc.diff(mc.parse("x'*vec(X)"), "X"), backend=backend)  # x reshaped to X's shape
    np.testing.assert_allclose(np.asarray(h(to(A), to(np.arange(6.0)))), np.arange(6.0).reshape(3, 2).T)
    with pytest.raises(ValueError, match=r"x \(5\) must be dimension 2 of X times dimension 1 of X"):
        h(to(A), to(np.ones(5)))  # X is read for its shape only
    sq = mc.lambdify(mc.parse("tr(kron(X,Y))"), backend=backend)
    assert float(sq(to(np.eye(2)), to(np.eye(3)))) == 6.0
    with pytest.raises(ValueError, match="must be the columns of X times the columns of Y"):
        sq(to(A), to(np.eye(3)))


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "array_api"])
def test_every_backend_converts_lists_and_refuses_what_is_not_real(backend: str) -> None:
    _backend_array(backend)
    f = mc.lambdify(mc.parse("x'*S*x", {"S": "symmetric"}), backend=backend)
    assert float(f([[2, 1], [1, 2]], [1, 1])) == 6.0  # lists of integers: float64
    for S, x, error, match in [
        ([[2, 1], [0, 2]], [1, 1], ValueError, "S is a symmetric matrix, but its value is not symmetric"),
        ([[2, 1], [1, 2]], [1, 1, 1], ValueError, "must agree"),
        ([[2, 1], [1, 2]], [[1, 1]], ValueError, "x must have 1 axes"),
        ([[2, 1], [1, 2]], 1.0, ValueError, "x must have 1 axes"),
        ([[2, 1], [1, 2]], [1j, 1], TypeError, "x must hold real numbers"),
        ([[2, 1], [1, 2]], [True, False], TypeError, "x must hold real numbers"),
    ]:
        with pytest.raises(error, match=match):
            f(S, x)


def test_array_api_without_checks_takes_python_numbers() -> None:
    # with checks=False the namespace came from array_namespace(y), which refuses Python numbers
    require("array_api_compat")
    f = mc.lambdify(mc.parse("y+2^-1"), backend="array_api", checks=False)
    assert float(f(2.0)) == 2.5
    g = mc.lambdify(mc.parse("a*x"), backend="array_api", checks=False)
    np.testing.assert_array_equal(np.asarray(g(2.0, np.ones(2))), [2.0, 2.0])
    assert "_input" not in g.__matcalc_source__
