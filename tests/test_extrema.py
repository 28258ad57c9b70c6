"""max and min: entry by entry (max(x, y), max(x, 0)) and the largest/smallest entry, with subgradients."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.testing import assert_allclose
from optional import require

import matcalc as mc
from matcalc.testing import check_derivative

X0, Y0 = np.array([0.5, -1.0, 2.0, 2.0]), np.array([1.0, -2.0, 0.0, 2.0])


@pytest.mark.parametrize(
    ("text", "expected", "printed"),
    [
        ("max(x, y)", np.maximum(X0, Y0), "y+relu(x-y)"),
        ("min(x, y)", np.minimum(X0, Y0), "x-relu(x-y)"),
        ("max(x, 0)", np.maximum(X0, 0), "relu(x)"),
        ("max(0, x)", np.maximum(X0, 0), "relu(x)"),
        ("min(x, 0)", np.minimum(X0, 0), "-relu(-x)"),
        ("min(0, x)", np.minimum(X0, 0), "-relu(-x)"),
        ("max(0, 0)", 0.0, "relu(0)"),  # once an endless recursion (both sides zero)
        ("min(0, 0)", 0.0, "-relu(0)"),
        ("max(x, 1.5)", np.maximum(X0, 1.5), None),
        ("max(x)", X0.max(), "max(x)"),
        ("min(x)", X0.min(), "min(x)"),
        ("max(x'*y)", X0 @ Y0, "x'*y"),
    ],
)
def test_values_and_text(text: str, expected: object, printed: str | None) -> None:
    e = mc.parse(text)
    assert_allclose(mc.evaluate(e, {"x": X0, "y": Y0}), expected)  # type: ignore[arg-type]
    if printed is not None:
        assert str(e) == printed
    assert mc.parse(str(e), {s.name: s.kind for s in e.symbols}) is e  # kinds: x-1.5 alone makes x a scalar


@pytest.mark.parametrize(
    ("text", "wrt"),
    [
        ("sum(max(X*w, y))", "w"),
        ("sum(min(X*w, y).^2)", "w"),
        ("norm2(max(X*w, 0))^2", "w"),
        ("max(exp(X*w))", "w"),
        ("min(X*w)", "w"),
        ("max(A)", "A"),
        ("max(A*x)*min(A*x)", "x"),
        ("sum(max(exp(x), a))", "a"),
    ],
)
def test_derivatives_match_finite_differences(text: str, wrt: str) -> None:
    # random values have no ties, where max and min are differentiable
    f = mc.parse(text)
    for order in (1, 2):
        result = check_derivative(f, *[wrt] * order, seed=order)
        assert result.ok, f"order {order}: {result.derivative}, error {result.max_error}"


def test_subgradients_at_ties() -> None:
    # max(x): the mean of the tied entries' gradients; max(x, y) at x = y: all of it to y (relu'(0) = 0)
    x = np.array([1.0, 3.0, 3.0])
    assert_allclose(mc.evaluate(mc.diff(mc.parse("max(x)"), "x"), {"x": x}), [0.0, 0.5, 0.5])
    assert_allclose(mc.evaluate(mc.diff(mc.parse("min(x)"), "x"), {"x": -x}), [0.0, 0.5, 0.5])
    tie = {"x": np.array([2.0]), "y": np.array([2.0])}
    assert_allclose(mc.evaluate(mc.diff(mc.parse("sum(max(x, y))"), "x"), tie), [0.0])
    assert_allclose(mc.evaluate(mc.diff(mc.parse("sum(max(x, y))"), "y"), tie), [1.0])
    assert_allclose(mc.evaluate(mc.diff(mc.parse("sum(min(x, y))"), "x"), tie), [1.0])


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "array_api"])
def test_code_on_every_backend(backend: str) -> None:
    f = mc.parse("max(exp(X*w)) - min(X*w) + sum(max(X*w, y))")
    outputs = {"f": f, "g": mc.diff(f, "w")}
    rng = np.random.default_rng(0)
    values = {"X": rng.normal(size=(4, 3)), "w": rng.normal(size=3), "y": rng.normal(size=4)}
    to = lambda v: np.asarray(v, dtype=np.float64)  # noqa: E731
    if backend == "array_api":
        require("array_api_compat")
    if backend == "jax":
        jax = require("jax")
        jax.config.update("jax_enable_x64", True)
    if backend == "torch":
        torch = require("torch")
        to = lambda v: torch.as_tensor(np.asarray(v, dtype=np.float64))  # noqa: E731
    out = mc.lambdify(outputs, args=sorted(values), backend=backend)(**{k: to(v) for k, v in values.items()})
    for key, e in outputs.items():
        assert_allclose(np.asarray(out[key]), mc.evaluate(e, values), rtol=1e-10, err_msg=key)


def test_bad_calls_are_clear_errors() -> None:
    with pytest.raises(mc.ParseError, match="'max' takes 1 argument"):
        mc.parse("max(x, y, a)")
    with pytest.raises(mc.ShapeError, match="max\\(a, b\\) entry by entry needs operands of one shape"):
        mc.parse("max(x, A)")


# The tie indicator of d max(U)/dU compares U with its own max (the node ismax(U)); written
# 1-sign(min(U)-U), the simplifier distributed U (2*x-min(...)-trigamma(exp(x))) and rounding
# left no entry exactly tied: the derivative was 0/0 at this point.
TIE_CASE = ("min(x+x-trigamma(exp(x)))", {"x": np.array([1.7199, 1.8691])})


def test_reduction_tie_survives_rewriting() -> None:
    text, values = TIE_CASE
    f = mc.parse(text, {"x": "vector"})
    with np.errstate(invalid="raise", divide="raise"):
        value = mc.evaluate(mc.diff(f, "x"), values)
    assert np.all(np.isfinite(value))
    assert check_derivative(f, "x", values=values).ok


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "array_api"])
def test_reduction_tie_survives_rewriting_in_generated_code(backend: str) -> None:
    text, values = TIE_CASE
    g = mc.diff(mc.parse(text, {"x": "vector"}), "x")
    to = _converter(backend)
    out = mc.lambdify(g, args=["x"], backend=backend)(to(values["x"]))
    assert_allclose(np.asarray(out), mc.evaluate(g, values), rtol=1e-12)


@pytest.mark.parametrize("kind", ["max", "min"])
def test_tie_indicator(kind: str) -> None:
    # ismax(U) is 1 exactly where U attains max(U), computed from the same array; it is piecewise
    # constant, so its derivative is zero, and it prints, parses and renders like max
    u = np.array([[1.0, 3.0], [3.0, -2.0]]) * (1 if kind == "max" else -1)
    e = mc.parse(f"is{kind}(A*B)", {"A": "matrix", "B": "matrix"})
    assert isinstance(e, mc.expr.Attained) and str(e) == f"is{kind}(A*B)"
    assert mc.parse(str(e), {"A": "matrix", "B": "matrix"}) is e
    assert_allclose(mc.evaluate(e, {"A": u, "B": np.eye(2)}), [[0.0, 1.0], [1.0, 0.0]])
    assert_allclose(mc.evaluate(mc.diff(e, "A"), {"A": u, "B": np.eye(2)}), np.zeros((2, 2, 2, 2)))
    assert mc.parse(f"is{kind}(s)", {"s": "scalar"}) is mc.parse("1")
    assert rf"\operatorname{{is{kind}}}" in mc.latex(e)


def _converter(backend: str) -> Callable[[np.ndarray], object]:
    if backend == "jax":
        jax = require("jax")
        jax.config.update("jax_enable_x64", True)
        return jax.numpy.asarray
    if backend == "torch":
        torch = require("torch")
        return lambda v: torch.as_tensor(np.asarray(v, dtype=np.float64))
    return lambda v: np.asarray(v, dtype=np.float64)


# ---- along an axis: max(X, [], k), min(X, [], k) and their tie indicators ismax(X, k) ------------

M0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


@pytest.mark.parametrize(
    ("text", "expected", "row"),
    [
        ("max(X, [], 1)", M0.max(axis=0), True),  # of each column: a row vector
        ("max(X, [], 2)", M0.max(axis=1), False),  # of each row: a column vector
        ("min(X, [], 1)", M0.min(axis=0), True),
        ("min(X, [ ], 2)", M0.min(axis=1), False),
        ("ismax(X, 2)", (M0.max(axis=1, keepdims=True) == M0).astype(float), False),
        ("ismin(X, 1)", (M0.min(axis=0, keepdims=True) == M0).astype(float), False),
    ],
)
def test_along_an_axis_values_text_and_latex(text: str, expected: np.ndarray, row: bool) -> None:
    e = mc.parse(text, {"X": "matrix"})
    assert_allclose(mc.evaluate(e, {"X": M0}), expected)
    assert e.row is row and np.shape(mc.evaluate(e, {"X": M0})) == expected.shape
    assert str(e) == text.replace("[ ]", "[]")
    assert mc.parse(str(e), {"X": "matrix"}) is e
    side = r"_{\mathrm{col}}" if text.endswith("1)") else r"_{\mathrm{row}}"
    assert side in mc.latex(e)


def test_two_arguments_stay_entry_by_entry() -> None:
    # MATLAB's spelling: max(X, 2) is the entry-by-entry maximum of X and 2, max(X, [], 2) per row
    e = mc.parse("max(X, 2)", {"X": "matrix"})
    assert_allclose(mc.evaluate(e, {"X": M0}), np.maximum(M0, 2))
    assert mc.parse("max(A, [], 2)").shape == mc.parse("A*x").shape  # A inferred a matrix


@pytest.mark.parametrize(
    ("text", "wrt"),
    [
        ("sum(max(X, [], 2))", "X"),
        ("y'*min(X, [], 2)", "X"),
        ("max(X*W, [], 1)*z", "W"),
        ("sum(max(X*W+1-Y, [], 2))-sum(Y.*(X*W))", "W"),  # the multiclass hinge loss
        ("norm2(max(exp(A*X), [], 1))^2", "X"),
        ("logsumexp(min(X*W, [], 2))", "W"),
        ("max(X, [], 2)", "X"),  # a Jacobian of a vector by a matrix
    ],
)
def test_along_an_axis_derivatives_match_finite_differences(text: str, wrt: str) -> None:
    f = mc.parse(text, {"X": "matrix", "W": "matrix", "Y": "matrix", "A": "matrix", "z": "vector"})
    for order in (1, 2):
        result = check_derivative(f, *[wrt] * order, seed=order)
        assert result.ok, f"order {order}: {result.derivative}, error {result.max_error}"


def test_along_an_axis_closed_forms() -> None:
    # the indicator of each row's maximum, each row scaled by 1/(its number of ties), is one node,
    # argmax(X*W, 2): the one-hot a paper writes (the textbook form, ismax, away from ties)
    g = mc.diff(mc.parse("sum(max(X*W, [], 2))"), "W")
    assert str(g) == "X'*argmax(X*W, 2)"
    g = mc.diff(mc.parse("sum(min(X*W, [], 1))"), "W")
    assert str(g) == "X'*argmin(X*W, 1)"
    g = mc.diff(mc.parse("sum(max(X*W+1-Y, [], 2))-sum(Y.*(X*W))"), "W")  # the multiclass hinge loss
    assert str(g) == "X'*(argmax(1+X*W-Y, 2)-Y)"
    assert str(mc.diff(mc.parse("max(X*w)"), "w")) == "X'*argmax(X*w)"


@pytest.mark.parametrize("kind", ["max", "min"])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_shared_one_hot(kind: str, axis: int) -> None:
    # argmax(X) is ismax(X) over its number of ties (of the array, of each column, of each row):
    # each tie gets an equal share, the weights sum to 1; it prints, parses and renders back
    x = np.array([[1.0, 3.0, 3.0], [3.0, 0.0, -1.0], [5.0, 5.0, 5.0]]) * (1 if kind == "max" else -1)
    call = f"X, {axis}" if axis else "X"
    shared, plain = mc.parse(f"arg{kind}({call})"), mc.parse(f"is{kind}({call})")
    assert isinstance(shared, mc.expr.Attained) and shared.shared and not plain.shared
    assert str(shared) == f"arg{kind}({call})" and mc.parse(str(shared)) is shared
    ties = mc.evaluate(plain, {"X": x})
    count = ties.sum(axis=axis - 1, keepdims=True) if axis else ties.sum()
    assert_allclose(mc.evaluate(shared, {"X": x}), ties / count)
    assert_allclose(mc.evaluate(shared, {"X": x}).sum(axis=axis - 1) if axis else 1.0, 1.0)
    assert rf"\operatorname{{arg{kind}}}" in mc.latex(shared)
    assert not np.any(mc.evaluate(mc.diff(shared, "X"), {"X": x}))  # piecewise constant
    for backend in ("numpy", "jax", "torch", "array_api"):
        out = mc.lambdify(shared, args=["X"], backend=backend)(_converter(backend)(x))
        assert_allclose(np.asarray(out), ties / count, err_msg=backend)


def test_derivative_of_max_is_the_shared_one_hot() -> None:
    # d max(x)/dx = argmax(x): the gradient where the maximum is unique, the mean of the tied
    # entries' gradients at a tie (a subgradient); the same by rows and columns
    x = np.array([1.0, 3.0, 3.0, -2.0])
    g = mc.diff(mc.parse("max(x)"), "x")
    assert str(g) == "argmax(x)"
    assert_allclose(mc.evaluate(g, {"x": x}), [0.0, 0.5, 0.5, 0.0])
    assert str(mc.diff(mc.parse("min(X, [], 1)*z"), "X")) == "argmin(X, 1)*diag(z)"


def test_along_an_axis_subgradient_at_ties() -> None:
    # each row's (column's) maximum: the mean of its tied entries' gradients, rows do not mix;
    # the same as max(x) of that row alone
    x = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0], [5.0, 5.0, 5.0]])
    grad = mc.evaluate(mc.diff(mc.parse("sum(max(X, [], 2))"), "X"), {"X": x})
    assert_allclose(grad, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    grad = mc.evaluate(mc.diff(mc.parse("sum(min(X, [], 1))"), "X"), {"X": -x.T})
    assert_allclose(grad, [[0.0, 1.0, 1 / 3], [0.5, 0.0, 1 / 3], [0.5, 0.0, 1 / 3]])
    by_rows = mc.evaluate(mc.diff(mc.parse("sum(max(X, [], 2))"), "X"), {"X": x})
    for i in range(3):
        assert_allclose(by_rows[i], mc.evaluate(mc.diff(mc.parse("max(x)"), "x"), {"x": x[i]}))
    jac = mc.evaluate(mc.diff(mc.parse("max(X, [], 2)"), "X"), {"X": x})
    for i in range(3):  # row i of the maxima depends on row i of X only
        assert not np.any(np.delete(jac[i], i, axis=0))


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "array_api"])
def test_along_an_axis_code_on_every_backend(backend: str) -> None:
    f = mc.parse("sum(max(X*W, [], 2)) - sum(min(exp(X*W), [], 1))")
    outputs = {"f": f, "g": mc.diff(f, "W"), "m": mc.parse("max(X*W, [], 1)")}
    rng = np.random.default_rng(0)
    values = {"X": rng.normal(size=(4, 3)), "W": rng.normal(size=(3, 5))}
    tie = {"X": np.array([[1.0, 0.0], [0.0, 1.0]]), "W": np.array([[2.0, 2.0, 0.0], [1.0, 0.0, 0.0]])}
    to = _converter(backend)
    fn = mc.lambdify(outputs, args=["W", "X"], backend=backend)
    for vals in (values, tie):  # the second has ties in a row and in a column
        out = fn(**{k: to(v) for k, v in vals.items()})
        for key, e in outputs.items():
            assert_allclose(np.asarray(out[key]), mc.evaluate(e, vals), rtol=1e-10, err_msg=key)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max(X, [], 3)", r"max\(X, \[\], k\): the axis k is 1 \(down each column\) or 2"),
        ("max(x, [], 1)", r"max\(X, \[\], 1\) works on each column of a matrix, got column vector x"),
        ("max(X, [])", r"'max' along an axis is max\(X, \[\], k\): the axis k comes third"),
        ("max(X, [], 2, 1)", r"'max' along an axis is max\(X, \[\], k\)"),
        ("sum(X, [], 2)", r"'\[\]' \(MATLAB's empty array\) is only the placeholder of max\(X, \[\], k\)"),
        ("max([], X, 2)", r"'\[\]' \(MATLAB's empty array\) is only the placeholder"),
        ("X+[]", r"'\[\]' \(MATLAB's empty array\) is only the placeholder"),
        ("ismax(X, [], 2)", r"'\[\]' \(MATLAB's empty array\) is only the placeholder"),
        ("ismax(x, 2)", r"ismax\(X, 2\) works on each row of a matrix"),
        ("max(X, Y, 2)", r"'max' takes 1 argument \(the max entry\), 2 \(entry by entry\) or 3"),
    ],
)
def test_along_an_axis_bad_calls_are_clear_errors(text: str, message: str) -> None:
    kinds = {"x": "vector", "X": "matrix", "Y": "matrix"}
    with pytest.raises(mc.MatcalcError, match=message):
        mc.parse(text, {n: k for n, k in kinds.items() if n in text})


def test_along_an_axis_has_no_sympy_form() -> None:
    with pytest.raises(mc.MatcalcError, match="SymPy's matrix expressions have no counterpart of max"):
        mc.to_sympy(mc.parse("max(X, [], 2)", {"X": "matrix"}))


def test_along_an_axis_of_an_empty_array() -> None:
    with pytest.raises(mc.EvaluationError, match="max of an empty array"):
        mc.evaluate(mc.parse("max(X, [], 2)", {"X": "matrix"}), {"X": np.zeros((2, 0))})
    assert mc.evaluate(mc.parse("max(X, [], 2)", {"X": "matrix"}), {"X": np.zeros((0, 2))}).shape == (0,)
