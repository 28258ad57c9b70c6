"""The gamma-function family (lgamma, digamma, trigamma, polygamma(k, u)) and the special-function records."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
from numpy.testing import assert_allclose
from optional import require

import matcalc as mc
from matcalc.testing import check_derivative

X0 = np.array([0.3, 1.7, 4.2])


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("lgamma(x)", scipy.special.gammaln(X0)),
        ("digamma(x)", scipy.special.psi(X0)),
        ("trigamma(x)", scipy.special.polygamma(1, X0)),
        ("polygamma(3, x)", scipy.special.polygamma(3, X0)),
        ("polygamma(0, x)", scipy.special.psi(X0)),
    ],
)
def test_values_and_round_trip(text: str, reference: np.ndarray) -> None:
    e = mc.parse(text)
    assert_allclose(mc.evaluate(e, {"x": X0}), reference, rtol=1e-13)
    assert mc.parse(str(e)) is e


def test_each_derivative_raises_the_order() -> None:
    f = mc.parse("sum(lgamma(x))")
    assert str(mc.diff(f, "x")) == "digamma(x)"
    assert str(mc.diff(f, "x", "x")) == "diag(trigamma(x))"
    assert str(mc.diff(mc.parse("polygamma(4, a)"), "a")) == "polygamma(5, a)"
    assert mc.latex(mc.parse("lgamma(a)+digamma(a)+polygamma(2, a)")) == (
        r"\log\Gamma(a) + \psi(a) + \psi^{(2)}(a)"
    )


@pytest.mark.parametrize(
    ("text", "wrt"),
    [
        ("sum(lgamma(exp(x)))", "x"),
        ("sum(digamma(exp(X*w)))", "w"),
        ("trigamma(exp(a))", "a"),
        ("sum(polygamma(2, exp(x)))", "x"),
        ("lgamma(sum(exp(x)))-sum(lgamma(exp(x)))", "x"),
        ("sum(softplus(X*w))", "w"),
        ("sum(log(normcdf(X*w)))", "w"),
        ("sum(erf(X*w).^2)", "w"),
        ("sum(log1p(exp(X*w)))", "w"),
        ("sum(expm1(X*w))", "w"),
    ],
)
def test_first_and_second_derivatives_match_finite_differences(text: str, wrt: str) -> None:
    f = mc.parse(text)
    for order in (1, 2):
        result = check_derivative(f, *[wrt] * order, seed=order)
        assert result.ok, f"order {order}: {result.derivative}, error {result.max_error}"


def test_third_derivative_of_lgamma_is_polygamma_2() -> None:
    f = mc.parse("lgamma(exp(a))")
    result = check_derivative(f, "a", "a", "a", seed=3)
    assert result.ok and "polygamma(2, exp(a))" in str(result.derivative)


def test_stable_in_the_tails() -> None:
    tail = mc.evaluate(mc.parse("normcdf(a)"), {"a": -30.0})
    assert tail == pytest.approx(4.906713927148187e-198, rel=1e-12)  # (1+erf(-30/√2))/2 would be 0
    assert mc.evaluate(mc.parse("log1p(a)"), {"a": 1e-18}) == 1e-18
    assert mc.evaluate(mc.parse("expm1(a)"), {"a": 1e-18}) == 1e-18
    assert mc.evaluate(mc.parse("softplus(a)"), {"a": 1000.0}) == 1000.0
    big = mc.evaluate(mc.parse("lgamma(a)"), {"a": 1e6})
    assert big == pytest.approx(scipy.special.gammaln(1e6), rel=1e-14)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("polygamma(x)", "'polygamma' takes 2 arguments"),
        ("polygamma(1.5, x)", "the order k is a whole number from 0, got 1.5"),
        ("polygamma(a, x)", "the order k is a whole number from 0, got a"),
        ("lgamma(x, 2)", "'lgamma' takes 1 argument, got 2"),
    ],
)
def test_bad_calls_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(mc.MatcalcError, match=message):
        mc.parse(text)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "array_api"])
def test_code_on_every_backend(backend: str) -> None:
    f = mc.parse("sum(lgamma(exp(x)))+trigamma(a)+polygamma(3, a)")
    outputs = {"f": f, "g": mc.diff(f, "x"), "h": mc.diff(f, "x", "x")}
    values = {"x": np.array([0.1, -0.4, 1.2]), "a": 0.7}
    if backend == "array_api":
        require("array_api_compat")
    if backend == "jax":
        jax = require("jax")
        jax.config.update("jax_enable_x64", True)
    to = lambda v: np.asarray(v, dtype=np.float64)  # noqa: E731
    if backend == "torch":
        torch = require("torch")
        to = lambda v: torch.as_tensor(np.asarray(v, dtype=np.float64))  # noqa: E731
    fn = mc.lambdify(outputs, args=["a", "x"], backend=backend)
    out = fn(**{k: to(v) for k, v in values.items()})
    for key, e in outputs.items():
        assert_allclose(np.asarray(out[key]), mc.evaluate(e, values), rtol=1e-10, err_msg=key)
