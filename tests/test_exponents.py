"""Scalar exponents that are symbols or non-integers (issue 10, item 5): x.^c, s^c, abs(x).^p."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import matcalc as mc
from matcalc.testing import check_derivative

KINDS = {"c": "scalar", "p": "scalar", "s": "scalar"}


@pytest.mark.parametrize(
    ("text", "wrt"),
    [
        ("sum(exp(x).^c)", "x"),
        ("sum(exp(x).^c)", "c"),
        ("s^c", "s"),
        ("s^c", "c"),
        ("s^2.5", "s"),
        ("sum(abs(x).^p)", "x"),
        ("sum(abs(x).^p)", "p"),
        ("sum(abs(x).^p)^(1/p)", "x"),
        ("sum(exp(X*w).^0.5)", "w"),
        ("(x'*x)^c", "x"),
    ],
)
def test_derivatives_match_finite_differences(text: str, wrt: str) -> None:
    # random values are away from x = 0, where abs(x).^p is not smooth for p < 2
    f = mc.parse(text, KINDS)
    for order in (1, 2):
        result = check_derivative(f, *[wrt] * order, seed=order)
        assert result.ok, f"order {order}: {result.derivative}, error {result.max_error}"


def test_closed_forms() -> None:
    assert str(mc.diff(mc.parse("s^c", KINDS), "s")) == "c*s^(c-1)"
    assert str(mc.diff(mc.parse("sum(abs(x).^p)", KINDS), "x")) == "p*sign(x).*abs(x).^(p-1)"
    values = {"x": np.array([0.5, -2.0]), "p": 3.0}
    assert_allclose(mc.evaluate(mc.parse("sum(abs(x).^p)", KINDS), values), 0.125 + 8.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x^c", "use .\\^ for elementwise power"),
    ],
)
def test_where_the_maths_does_not_allow_it(text: str, message: str) -> None:
    # (X^c and X^0.5 of a matrix are principal matrix powers: tests/test_matrix_functions.py)
    declared = {"X": "matrix", "x": "vector"} | KINDS  # undeclared, the uses would make X and x scalars
    with pytest.raises(mc.ShapeError, match=message):
        mc.parse(text, declared)
