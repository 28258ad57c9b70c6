"""Abstract functions: L(W*x+b), F(W)*x0 — the chain rule through functions nobody wrote down."""

from __future__ import annotations

import numpy as np
import pytest

import matcalc as mc
from matcalc.testing import check_derivative

KINDS = {"L": "scalar function", "F": "matrix function", "G": "vector function", "b": "vector"}


def test_backpropagation_collapses_to_an_outer_product() -> None:
    # answer 2 of the question we started from: dL/dW = (dL/dz) x' with z = W x + b
    g = mc.diff(mc.parse("L(W*x+b)", KINDS), "W")
    assert str(g) == "grad(L)(W*x+b)*x'"
    assert mc.latex(g) == r"\nabla L(W x + b) x^\top"
    assert mc.parse(str(g), KINDS) is g


def test_the_dependent_case_is_a_contraction_with_the_functions_jacobian() -> None:
    g = mc.diff(mc.parse("F(W)*x0", KINDS), "W")
    assert str(g) == "∂f[i]/∂W[j,k] = x0[p]*jac(F)(W)[i,p,j,k]"


@pytest.mark.parametrize(
    ("text", "wrt"),
    [
        ("L(W*x+b)", "W"),
        ("L(W*x+b)", "x"),
        ("L(W*x+b)", "b"),
        ("F(W)*x0", "W"),
        ("G(x)'*G(x)", "x"),
        ("L(G(x))", "x"),
        ("L(X)*tr(X)", "X"),
        ("sum(exp(F(W)*x0))", "W"),
    ],
)
def test_derivatives_through_functions_match_finite_differences(text: str, wrt: str) -> None:
    f = mc.parse(text, KINDS)
    for order in (1, 2):
        result = check_derivative(f, *[wrt] * order, seed=order)
        assert result.ok, f"order {order}: {result.derivative}, error {result.max_error}"


def test_evaluation_takes_the_function_and_its_derivatives_as_callables() -> None:
    f = mc.parse("L(W*x+b)", KINDS)
    g = mc.diff(f, "W")
    rng = np.random.default_rng(0)
    values = {"W": rng.normal(size=(3, 4)), "x": rng.normal(size=4), "b": rng.normal(size=3)}
    z = values["W"] @ values["x"] + values["b"]
    as_tuple = {**values, "L": (lambda u: np.sum(np.exp(u)), np.exp)}
    by_name = {**values, "L": lambda u: np.sum(np.exp(u)), "grad(L)": np.exp}
    for v in (as_tuple, by_name):
        np.testing.assert_allclose(mc.evaluate(f, v), np.sum(np.exp(z)))
        np.testing.assert_allclose(mc.evaluate(g, v), np.outer(np.exp(z), values["x"]))


def test_missing_or_misshapen_callables_are_clear_errors() -> None:
    g = mc.diff(mc.parse("L(W*x+b)", KINDS), "W")
    values = {"W": np.eye(2), "x": np.ones(2), "b": np.ones(2)}
    with pytest.raises(mc.EvaluationError, match=r"grad\(L\)"):
        mc.evaluate(g, {**values, "L": np.sum})
    with pytest.raises(mc.ShapeError, match="returned shape"):
        mc.evaluate(mc.parse("L(x)", KINDS), {"x": np.ones(2), "L": lambda u: u})


def test_check_accepts_answer_two_and_refutes_a_wrong_claim() -> None:
    assert mc.check("L(W*x+b)", "W", "grad(L)(W*x+b)*x'", KINDS).ok
    wrong = mc.check("L(W*x+b)", "W", "grad(L)(W*x+b)*x'*2", KINDS)
    assert not wrong.ok


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("L", "scalar function: write L(...)"),
        ("grad(L)(x, y)", r"write partial\(L, k\)"),
        ("partial(L, 3)(x, y)", "no argument 3"),
        ("partial(L, 0)(x, y)", "whole number from 1"),
        ("partial(L)(x, y)", "expected ','"),
        ("L(" + "x, " * 8 + "x)", "at most 8 arguments"),
        ("grad(x)(x)", "abstract function declared in kinds"),
        ("deriv(L,0)(x)", "whole number from 1"),
        ("M(x)", "unknown function 'M'"),
    ],
)
def test_bad_function_syntax(text: str, message: str) -> None:
    with pytest.raises(mc.ParseError, match=message):
        mc.parse(text, KINDS)


def test_a_function_is_not_a_variable() -> None:
    with pytest.raises(mc.MatcalcError):
        mc.diff(mc.parse("L(x)", KINDS), "L")


def test_a_function_symbol_object_is_not_a_variable_either() -> None:
    f = mc.parse("L(x)", KINDS)
    function = next(s for s in f.symbols if s.name == "L")
    with pytest.raises(mc.DifferentiationError, match="not a variable"):
        mc.diff(f, function)


def test_bare_derivative_names_are_reserved() -> None:
    with pytest.raises(mc.ParseError, match="reserved"):
        mc.parse("grad")
