"""Wrong derivatives found by the property tests, kept so they stay fixed."""

from __future__ import annotations

import numpy as np
import pytest

import matcalc as mc
from matcalc.testing import check_derivative

CASES = [
    # ones_outer once turned matrix(1)*matrix(1)' into matrix(1): tr of it was n, not m*n
    ("sum(A+a)", "a"),
    ("sum(A.*matrix(1)+a)", "a"),
    ("tr(A*matrix(1)')*a+sum(B)*a", "a"),
    # x'*(x*x') used to flatten to a chain with a scalar inside, which diff could not split
    ("2.^(x'*(x*x'))", "x"),
    ("x'*(x*y')*A*z", "x"),
]


@pytest.mark.parametrize(("text", "wrt"), CASES, ids=[f"d({t})/d{w}" for t, w in CASES])
def test_regression(text: str, wrt: str) -> None:
    result = check_derivative(mc.parse(text), wrt, seed=3)
    assert result.ok, f"{result.derivative}: error {result.max_error}"


SECOND_ORDER = [
    # the derivative memo was keyed by id(node); a temporary node (inv(B)^2 from
    # the rule for B^-2) could die and its id be reused by another node
    ("B^-2*B^-2", "B"),
    ("(B^-2)^3", "B"),
    ("diag((B^-2)^2)'", "B"),
]


@pytest.mark.parametrize(("text", "wrt"), SECOND_ORDER, ids=[f"d2({t})/d{w}2" for t, w in SECOND_ORDER])
def test_second_order_regression(text: str, wrt: str) -> None:
    result = check_derivative(mc.parse(text), wrt, wrt, seed=1)
    assert result.ok, f"{result.derivative}: error {result.max_error}"


def test_derivatives_stay_right_when_the_caches_start_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # The caches of symbol sets only save time: at a tiny limit they are dropped
    # (with every memo keyed by their ids) over and over, and nothing changes.
    from matcalc import node_sets

    monkeypatch.setattr(node_sets, "CACHE_LIMIT", 3)
    for text, wrt in [("x'*A*x", "x"), ("norm2(W2*tanh(W1*x)-y)^2", "W1"), ("logdet(X)+tr(A*X*B)", "X")]:
        result = check_derivative(mc.parse(text), wrt, seed=5)
        assert result.ok, f"{text}: {result.derivative}"


@pytest.mark.parametrize("order", [1, 2])
def test_transposed_sums_do_not_cycle(order: int) -> None:
    # transpose_down pushed (t1*U+U*t1)' into its terms while transpose_out_of_sum pulled a
    # transpose out again in another term order: 100,000 rewrite steps, then RewriteLimitError.
    f = mc.parse("max((S-relu(S-A)+X)^2)", {"S": "symmetric"})
    result = check_derivative(f, *["S"] * order, seed=2)
    assert result.ok, f"{result.derivative}: error {result.max_error}"


def test_a_transposed_symmetric_sum_inside_a_term_does_not_cycle() -> None:
    # (P - A/a*(M+M'))' was pushed down to P' - (M+M')'*(A/a)', whose (M+M')' (not yet dropped:
    # M+M' is symmetric) made the term look shorter transposed, so transpose_out_of_sum pulled it
    # back: "simplification cycles" (found by the thorough matrix-function run); the cycle now
    # settles on its smallest form
    f = mc.parse("spectral_norm(A/a)", {"A": "matrix", "a": "scalar"})
    result = check_derivative(f, "a", "a", seed=0)
    assert result.ok, f"{result.derivative}: error {result.max_error}"


def test_a_diagonal_of_zeros_is_zero() -> None:
    # max(x, y).*min(x, y) is x.*y: its Hessian by x is 0, printed diag(vector(0, size(x, 1)))
    # before diag of a zero folded to the zero matrix
    f = mc.parse("sum(max(x, y).*min(x, y))", {"x": "vector", "y": "vector"})
    hessian = mc.diff(f, "x", "x")
    assert str(hessian) == "matrix(0, size(x, 1), size(x, 1))"
    assert str(mc.parse("diag(vector(0))")) == "matrix(0)" and str(mc.parse("diag(matrix(0))")) == "vector(0)"


def test_a_step_gating_its_relu_is_dropped() -> None:
    # the squared hinge's gradient printed -2*X'*(y.*relu(u).*step(u)); relu(u).*step(u) is relu(u)
    f = mc.parse("sum(max(1-y.*(X*w), 0).^2)", {"y": "vector"})
    assert str(mc.diff(f, "w")) == "-2*X'*(y.*relu(1-y.*(X*w)))"
    assert str(mc.diff(mc.parse("sum(relu(x).^2)/2"), "x")) == "relu(x)"
    for wrt in (("w",), ("w", "w")):
        assert check_derivative(f, *wrt, seed=3).ok


def test_the_log_softmax_jacobian_is_finite_where_softmax_underflows() -> None:
    # diag(1./softmax(x))*(diag(softmax(x))-softmax(x)*softmax(x)') was 0*inf = nan at x = [-800, 0, 800]
    f = mc.parse("log(softmax(x))", {"x": "vector"})
    jacobian = mc.diff(f, "x")
    assert str(jacobian) == "eye-vector(1)*softmax(x)'"
    got = mc.evaluate(jacobian, {"x": np.array([-800.0, 0.0, 800.0])})
    np.testing.assert_allclose(got, [[1.0, 0.0, -1.0], [0.0, 1.0, -1.0], [0.0, 0.0, 0.0]], atol=1e-300)
    assert check_derivative(f, "x", seed=1).ok
