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
