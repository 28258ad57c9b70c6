"""Axis reductions and row/column-wise functions: sum(X, k), mean, softmax(X, k), logsumexp, size."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import matcalc as mc
from matcalc.testing import check_derivative, random_values

KINDS = {"Y": "matrix"}


def _softmax(x: np.ndarray, axis: int | None) -> np.ndarray:
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)


def _lse(x: np.ndarray, axis: int | None) -> np.ndarray:
    return np.log(np.sum(np.exp(x), axis=axis))


X0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])

VALUES = [
    ("sum(X, 1)", X0.sum(axis=0), (3,), True),
    ("sum(X, 2)", X0.sum(axis=1), (2,), False),
    ("mean(X, 1)", X0.mean(axis=0), (3,), True),
    ("mean(X, 2)", X0.mean(axis=1), (2,), False),
    ("mean(X)", X0.mean(), (), False),
    ("softmax(X, 1)", _softmax(X0, 0), (2, 3), False),
    ("softmax(X, 2)", _softmax(X0, 1), (2, 3), False),
    ("logsumexp(X, 1)", _lse(X0, 0), (3,), True),
    ("logsumexp(X, 2)", _lse(X0, 1), (2,), False),
    ("logsumexp(X)", _lse(X0, None), (), False),
    ("size(X, 1)*size(X, 2)", 6.0, (), False),
]


@pytest.mark.parametrize(("text", "expected", "shape", "row"), VALUES)
def test_values_and_orientation(text: str, expected: object, shape: tuple[int, ...], row: bool) -> None:
    e = mc.parse(text)
    value = mc.evaluate(e, {"X": X0})
    assert np.shape(value) == shape
    assert e.row is row
    assert_allclose(value, expected)  # type: ignore[arg-type]
    assert mc.parse(str(e)) is e


def test_softmax_and_logsumexp_do_not_overflow() -> None:
    big = np.array([[1000.0, 1000.0], [-1000.0, 0.0]])
    assert_allclose(mc.evaluate(mc.parse("softmax(X, 2)"), {"X": big}), [[0.5, 0.5], [0.0, 1.0]])
    assert_allclose(mc.evaluate(mc.parse("logsumexp(X, 2)"), {"X": big}), [1000 + np.log(2), 0.0])
    assert_allclose(mc.evaluate(mc.parse("logsumexp(x)"), {"x": np.array([800.0, 800.0])}), 800 + np.log(2))
    assert mc.evaluate(mc.parse("logsumexp(x)"), {"x": np.array([-np.inf, -np.inf])}) == -np.inf


# (text, variable): each checked against finite differences at first and second order.
DERIVATIVES = [
    ("softmax(X, 2)", "X"),
    ("softmax(X, 1)", "X"),
    ("logsumexp(X, 2)", "X"),
    ("logsumexp(X, 1)", "X"),
    ("logsumexp(X)", "X"),
    ("logsumexp(A*x)", "x"),
    ("-sum(Y.*log(softmax(X*W, 2)))", "W"),
    ("sum(Y.*log(softmax(X*W, 1)))", "W"),
    ("sum(logsumexp(X*W, 2))", "W"),
    ("y'*logsumexp(X*W, 2)", "X"),
    ("sum(X, 1)*w", "X"),
    ("sum(X, 2)'*sum(X, 2)", "X"),
    ("mean(exp(X*w))", "w"),
    ("mean(X.*X, 2)'*y", "X"),
    ("norm2(mean(X, 1))^2", "X"),
    ("tr(softmax(Q*K'/c, 2)*V)", "K"),
]


@pytest.mark.parametrize(("text", "wrt"), DERIVATIVES)
def test_derivatives_match_finite_differences(text: str, wrt: str) -> None:
    f = mc.parse(text, KINDS)
    for order in (1, 2):
        result = check_derivative(f, *[wrt] * order, seed=order)
        assert result.ok, f"order {order}: {result.derivative}, error {result.max_error}"


def test_batched_cross_entropy_gradient_is_the_textbook_formula() -> None:
    g = mc.diff(mc.parse("-sum(Y.*log(softmax(X*W, 2)))", KINDS), "W")
    # X'*(diag(Y*1)*S - Y): a paper writes X'*(S - Y), since each row of Y sums to 1
    assert str(g) == "X'*(diag(Y*vector(1))*softmax(X*W, 2)-Y)"


def test_rows_of_a_row_softmax_sum_to_one() -> None:
    # softmax(Z, 2)*1 = 1 (rule softmax_lines_total): soft targets that are a row softmax, as in
    # knowledge distillation, give the textbook gradient without diag(Y*vector(1))
    g = mc.diff(mc.parse("-sum(softmax(Z, 2).*log(softmax(X*W, 2)))", {"Z": "matrix"}), "W")
    assert str(g) == "X'*(softmax(X*W, 2)-softmax(Z, 2))"
    assert check_derivative(mc.parse("-sum(softmax(Z, 2).*log(softmax(X*W, 2)))", {"Z": "matrix"}), "W").ok
    assert mc.simplify(mc.parse("vector(1)'*softmax(X, 1)*B")) is mc.simplify(mc.parse("vector(1)'*B"))


def test_closed_forms() -> None:
    assert str(mc.diff(mc.parse("logsumexp(x)"), "x")) == "softmax(x)"
    assert str(mc.diff(mc.parse("logsumexp(X)"), "X")) == "exp(X-logsumexp(X))"
    assert str(mc.diff(mc.parse("sum(logsumexp(X*W, 2))"), "W")) == "X'*softmax(X*W, 2)"
    jac = mc.diff(mc.parse("softmax(x)"), "x")
    assert str(jac) == "diag(softmax(x))-softmax(x)*softmax(x)'"


def test_jacobian_of_row_softmax_is_block_diagonal() -> None:
    f = mc.parse("softmax(X, 2)")
    values = random_values(f)
    jac = np.asarray(mc.evaluate(mc.diff(f, "X"), values))
    s = _softmax(np.asarray(values["X"]), 1)
    for i in range(s.shape[0]):
        assert_allclose(jac[i, :, i, :], np.diag(s[i]) - np.outer(s[i], s[i]), atol=1e-12)
        other = [k for k in range(s.shape[0]) if k != i]
        assert not np.any(jac[i][:, other, :])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sum(X, 3)", r"the axis k is 1 \(down each column\) or 2 \(along each row\), got 3"),
        ("softmax(X, a)", "the axis k is 1"),
        ("softmax(x, 2)", "needs a matrix, got column vector x"),
        ("logsumexp(x, 1)", "logsumexp\\(X, 1\\) works on each column of a matrix"),
        ("size(X)", "'size' takes 2 arguments, got 1"),
        ("size(x, 2)", "column vector x has no axis 2"),
        ("mean(X, 1, 2)", "'mean' takes 1 or 2 arguments, got 3"),
        ("softmax(A)", "softmax\\(X, 2\\) normalizes each row"),
    ],
)
def test_bad_axis_arguments_are_clear_errors(text: str, message: str) -> None:
    # Kinds declared by first letter: undeclared, the uses would pick kinds that fit.
    kinds = {"x": "vector", "X": "matrix", "A": "matrix", "a": "scalar"}
    with pytest.raises(mc.MatcalcError, match=message):
        mc.parse(text, {n: k for n, k in kinds.items() if n in text})
