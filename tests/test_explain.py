"""mc.explain: the derivation step by step, in text and LaTeX."""

from __future__ import annotations

import numpy as np
import pytest

import matcalc as mc
from matcalc.explain import explain
from matcalc.testing import random_values


def test_quadratic_form_shows_deltas_contractions_and_matrix_form() -> None:
    e = explain(mc.parse("x'*A*x"), "x")
    titles = [s.title for s in e.steps]
    texts = [s.text for s in e.steps]
    assert titles[0] == "The expression" and texts[0] == "x'*A*x"
    assert texts[1] == "x[p]*A[p,q]*x[q]"
    assert "δ[p,i]" in texts[2] and "δ[q,i]" in texts[2]  # the deltas the variable gives
    assert sum(t.startswith("Contract δ") for t in titles) == 2  # one step per contraction
    assert "δ" not in texts[-3]  # all contracted
    assert texts[-1] == "(A+A')*x"
    assert e.result is mc.diff(mc.parse("x'*A*x"), "x")


def test_the_question_we_started_from() -> None:
    # ∂f_i/∂W_mn = δ_im δ_jn x_j = δ_im x_n
    e = explain(mc.parse("W*x"), "W")
    texts = [s.text for s in e.steps]
    assert texts[2] == "∂f[i]/∂W[j,k] = x[p]*δ[i,j]*δ[p,k]"
    assert texts[3] == "∂f[i]/∂W[j,k] = x[k]*δ[i,j]"
    assert r"\delta_{ij} x_{k}" in e.steps[-1].latex or r"x_{k} \delta_{ij}" in e.steps[-1].latex


@pytest.mark.parametrize(
    ("text", "wrt"),
    [("sum(log(1+exp(-y.*(X*w))))", "w"), ("logdet(X)", "X"), ("tr(A*X*B)", "X"), ("softmax(x)", "x")],
)
def test_every_step_is_the_same_tensor(text: str, wrt: str) -> None:
    f = mc.parse(text)
    e = explain(f, wrt)
    assert e.steps[-1].text == str(mc.diff(f, wrt))
    values = random_values(f, 4)
    # the matrix-notation step and the answer agree numerically
    matrix_steps = [s for s in e.steps if s.title == "In matrix notation"]
    if matrix_steps:
        np.testing.assert_allclose(
            mc.evaluate(mc.parse(matrix_steps[0].text), values), mc.evaluate(e.result, values), rtol=1e-9
        )


def test_latex_is_one_aligned_block_and_jupyter_shows_it() -> None:
    e = explain(mc.parse("x'*A*x"), "x")
    tex = e.latex()
    assert tex.startswith("\\begin{aligned}") and tex.endswith("\\end{aligned}")
    assert r"\frac{\partial f}{\partial x_{i}}" in tex
    assert e._repr_latex_().startswith("$$")


def test_hessian_explains_each_derivative_in_turn() -> None:
    e = explain(mc.parse("x'*A*x"), "x", "x")
    assert [s.title for s in e.steps].count("The expression") == 2
    assert e.result is mc.diff(mc.parse("x'*A*x"), "x", "x")


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(mc.DifferentiationError, match="needs at least one variable"):
        explain(mc.parse("x'*x"))
    with pytest.raises(mc.DifferentiationError, match="needs an expression"):
        explain("x'*x", "x")  # type: ignore[arg-type]
