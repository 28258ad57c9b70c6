"""Stable logarithms and quotients (`matcalc.stable`): evaluation and generated code agree and stay finite.

References are computed with mpmath at 400 digits from the plain formula
(``log(1/(1+exp(-t)))``, ``log(Φ(u))``, ``φ(u)/Φ(u)``), independently of the
identities the table uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
from numpy.testing import assert_allclose
from optional import array_maker
from scaling import LINEAR, growth

import matcalc as mc
from matcalc.expr import Apply, ElemDiv, Power
from matcalc.stable import STABLE_LOGS, stable_log
from matcalc.testing import check_derivative
from matcalc.traversal import walk

mp = mpmath.mp
mp.dps = 400  # 1-sigmoid(800) and 1-Φ(40) are below 1e-340

BACKENDS = ["numpy", "jax", "torch", "array_api"]


def _sigmoid(t: Any) -> Any:
    return 1 / (1 + mp.exp(-t))


def _log_softmax(x: list[float]) -> list[float]:
    total = mp.fsum(mp.exp(mp.mpf(v)) for v in x)
    return [float(mp.log(mp.exp(mp.mpf(v)) / total)) for v in x]


def _mills(u: Any) -> Any:
    """φ(u)/Φ(u), the inverse Mills ratio."""
    return mp.npdf(u) / mp.ncdf(u)


#: text, the value of its one scalar ``a``, and the reference as a function of ``a``.
SCALAR_CASES: list[tuple[str, float, Callable[[Any], Any]]] = [
    ("log(1+exp(a))", 800.0, lambda t: mp.log(1 + mp.exp(t))),
    ("log(sigmoid(a))", -800.0, lambda t: mp.log(_sigmoid(t))),
    ("log(1-sigmoid(a))", 800.0, lambda t: mp.log(1 - _sigmoid(t))),
    ("log(normcdf(a))", -40.0, lambda t: mp.log(mp.ncdf(t))),
    ("log(normcdf(a))", -1e4, lambda t: mp.log(mp.ncdf(t))),
    ("log(1-normcdf(a))", 40.0, lambda t: mp.log(1 - mp.ncdf(t))),
    ("log(exp(a))", 1000.0, lambda t: t),
    ("lognormcdf(a)", -40.0, lambda t: mp.log(mp.ncdf(t))),
    # quotients: exp(a)./D is exp(a - log(D))
    ("exp(a)/(1+exp(a))", 800.0, _sigmoid),
    ("exp(a)/exp(a/2)", 1000.0, lambda t: mp.exp(t / 2)),
    ("exp(-a^2/2)/normcdf(a)", -40.0, lambda t: mp.exp(-(t**2) / 2) / mp.ncdf(t)),
    ("exp(-a^2/2)^2/normcdf(a)^2", -40.0, lambda t: (mp.exp(-(t**2) / 2) / mp.ncdf(t)) ** 2),
    ("exp(-a^2/2)/(1-normcdf(a))", 40.0, lambda t: mp.exp(-(t**2) / 2) / (1 - mp.ncdf(t))),
]


def _code_value(e: mc.Expr, values: dict[str, Any], backend: str) -> np.ndarray:
    to = array_maker(backend)
    fn = mc.lambdify(e, backend=backend)
    out = fn(**{k: to(np.asarray(v, dtype=np.float64)) for k, v in values.items()})
    return np.asarray(out, dtype=np.float64)


@pytest.mark.parametrize(("text", "a", "reference"), SCALAR_CASES)
def test_evaluation_is_finite_and_right_at_extreme_arguments(text: str, a: float, reference: Any) -> None:
    want = float(reference(mp.mpf(a)))
    got = mc.evaluate(mc.parse(text), {"a": a})
    assert np.isfinite(got)
    assert got == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "a", "reference"), SCALAR_CASES)
def test_generated_code_agrees_with_evaluation(text: str, a: float, reference: Any, backend: str) -> None:
    e = mc.parse(text)
    got = _code_value(e, {"a": a}, backend)
    assert np.isfinite(got)
    assert_allclose(got, mc.evaluate(e, {"a": a}), rtol=1e-9)  # JAX's log_ndtr(-40) is good to ~1e-11
    assert_allclose(got, float(reference(mp.mpf(a))), rtol=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("log(softmax(x))", np.array([0.0, -1000.0, 5.0])),
        ("log(softmax(X, 1))", np.array([[0.0, -1000.0], [5.0, 3.0], [-2e3, 1.0]])),
        ("log(softmax(X, 2))", np.array([[0.0, -1000.0], [5.0, 3.0], [-2e3, 1.0]])),
    ],
)
def test_log_softmax_is_finite_in_evaluation_and_code(text: str, value: np.ndarray, backend: str) -> None:
    e = mc.parse(text)
    name = "x" if value.ndim == 1 else "X"
    if "X, 1" in text:
        want = np.array([_log_softmax(list(col)) for col in value.T]).T
    elif "X, 2" in text:
        want = np.array([_log_softmax(list(row)) for row in value])
    else:
        want = np.array(_log_softmax(list(value)))
    got = mc.evaluate(e, {name: value})
    assert_allclose(got, want, rtol=1e-13)
    assert_allclose(_code_value(e, {name: value}, backend), want, rtol=1e-13)


@pytest.mark.parametrize("backend", BACKENDS)
def test_derivatives_of_log_normcdf_are_finite_in_the_lower_tail(backend: str) -> None:
    """d log Φ(u)/du = φ(u)/Φ(u) is 0/0 = nan below u ≈ -38 if computed as written; here it is ≈ -u."""
    f = mc.parse("sum(log(normcdf(x)))")
    x = np.array([-1e3, -40.0, -39.0, -10.0, 0.0, 5.0])
    first = [float(_mills(mp.mpf(u))) for u in x]
    # the second derivative as differentiation writes it, -u*r - r^2 (r = φ/Φ ≈ -u), cancels: |u| <= 40 here
    near = x[1:]
    second = [float(-_mills(mp.mpf(u)) * (mp.mpf(u) + _mills(mp.mpf(u)))) for u in near]
    g, h = mc.diff(f, "x"), mc.diff(f, "x", "x")
    assert "normcdf(x)" in str(g)  # the printed result is the textbook one; only its computation changed
    assert_allclose(mc.evaluate(g, {"x": x}), first, rtol=1e-9)  # exp(-u^2/2 - log Φ): error ~ u^2 eps
    assert_allclose(np.diag(mc.evaluate(h, {"x": near})), second, rtol=1e-7)
    assert_allclose(_code_value(g, {"x": x}, backend), first, rtol=1e-9)
    assert_allclose(np.diag(_code_value(h, {"x": near}, backend)), second, rtol=1e-7)


def test_probit_gradient_is_finite_where_the_margin_is_far_negative() -> None:
    f = mc.parse("sum(log(normcdf(y.*(X*w))))")
    values = {"X": np.array([[40.0, 1.0], [-1.0, 2.0]]), "w": np.array([-1.0, 0.5]),
              "y": np.array([1.0, -1.0])}
    margin = values["y"] * (values["X"] @ values["w"])
    r = np.array([float(_mills(mp.mpf(m))) for m in margin])
    want = values["X"].T @ (values["y"] * r)
    g = mc.diff(f, "w")
    assert_allclose(mc.evaluate(g, values), want, rtol=1e-12)
    assert_allclose(_code_value(g, values, "numpy"), want, rtol=1e-12)
    loss = float(mp.fsum(mp.log(mp.ncdf(m)) for m in margin))
    assert mc.evaluate(f, values) == pytest.approx(loss, rel=1e-13)


def test_lognormcdf_has_a_stable_derivative_of_its_own() -> None:
    f = mc.parse("sum(lognormcdf(X*w))")
    for order in (1, 2):
        result = check_derivative(f, *["w"] * order, seed=order)
        assert result.ok, f"order {order}: {result.derivative}, error {result.max_error}"
    g = mc.diff(mc.parse("lognormcdf(a)"), "a")
    assert mc.evaluate(g, {"a": -40.0}) == pytest.approx(float(_mills(mp.mpf(-40))), rel=1e-12)


def _lse(values: Any) -> float:
    return float(mp.log(mp.fsum(mp.exp(mp.mpf(float(v))) for v in values)))


X_BIG = np.array([[1000.0, 1.0], [999.0, -800.0], [3.0, 2.0]])
x_BIG = np.array([1000.0, 999.0, -5.0])

#: log-sum-exp forms and quotients whose numerator and divisor differ in rank, with their references.
ARRAY_CASES: list[tuple[str, dict[str, Any], Any]] = [
    ("log(sum(exp(x)))", {"x": x_BIG}, _lse(x_BIG)),
    ("log(sum(exp(X)))", {"X": X_BIG}, _lse(X_BIG.ravel())),
    ("log(sum(exp(X), 1))", {"X": X_BIG}, [_lse(col) for col in X_BIG.T]),
    ("log(sum(exp(X), 2))", {"X": X_BIG}, [_lse(row) for row in X_BIG]),
    ("log(vector(1)'*exp(x))", {"x": x_BIG}, _lse(x_BIG)),
    ("exp(x)./sum(exp(x))", {"x": x_BIG}, [float(mp.exp(mp.mpf(v) - _lse(x_BIG))) for v in x_BIG]),
    ("exp(-x.^2/2)/normcdf(a)", {"x": np.array([40.0, 39.0]), "a": -40.0},
     [float(mp.exp(-mp.mpf(v) ** 2 / 2) / mp.ncdf(-40)) for v in (40.0, 39.0)]),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "values", "want"), ARRAY_CASES)
def test_log_sum_exp_and_mixed_quotients(text: str, values: dict[str, Any], want: Any, backend: str) -> None:
    e = mc.parse(text, {"a": "scalar"})
    assert_allclose(mc.evaluate(e, values), want, rtol=1e-12)
    assert_allclose(_code_value(e, values, backend), want, rtol=1e-9)


def test_every_table_entry_is_exercised() -> None:
    """Each stable logarithm of the table is met by a case above, as a logarithm's argument or a divisor."""
    used = set()
    for text in [text for text, _, _ in SCALAR_CASES + ARRAY_CASES] + ["log(softmax(x))"]:
        for node in walk(mc.parse(text)):
            arg = node.arg if isinstance(node, Apply) and node.func == "log" else None
            if isinstance(node, ElemDiv):
                arg = node.den.base if isinstance(node.den, Power) else node.den
            found = stable_log(arg) if arg is not None else None
            if found is not None:
                used.add(found[0].identity)
    assert used == {entry.identity for entry in STABLE_LOGS}


def test_the_unstable_children_are_not_computed() -> None:
    """log(1+exp(800)) takes softplus(800): exp(800) itself is never formed (no overflow warning)."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow of exp(-800) is right
        assert mc.evaluate(mc.parse("log(1+exp(a))"), {"a": 800.0}) == 800.0
        assert mc.evaluate(mc.parse("log(sigmoid(a))"), {"a": -800.0}) == -800.0


def test_a_long_quotient_chain_costs_linear_time() -> None:
    """Each node of ``exp(x)./normcdf(x)./y./y...`` reads a bounded part of the chain, not all of it."""

    def make(n: int) -> Callable[[], object]:
        e = mc.parse("exp(x)./normcdf(x)" + "./y" * n)
        values = {"x": np.array([-3.0, 1.0]), "y": np.full(2, 1.001)}
        return lambda: (mc.evaluate(e, values), mc.numpy_code(e))

    ratio = growth(make, 400)
    assert ratio < LINEAR, f"1,600 quotients took {ratio:.1f} times as long as 400"
