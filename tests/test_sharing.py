"""Output that shares: subexpressions used more than once are named, and named text parses back.

The text form is ``expression where t1 = ..., t2 = ...`` (docs/syntax.md):
definitions children first, each using only the names before it.  LaTeX
names them in its ``where`` list, `explain` in each step.  The printed size is
then linear in the DAG: the gradient of ``sum(softmax(...(x)))`` nested n deep
grows by about the same number of characters per level up to n = 30.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note
from strategies import expressions, kinds_of

import matcalc as mc
from matcalc.expr import Expr
from matcalc.printing.text import to_text
from matcalc.testing import random_values


def _nested(n: int) -> Expr:
    text = "x"
    for _ in range(n):
        text = f"softmax({text})"
    return mc.parse(f"w'*{text}", {"w": "vector", "x": "vector"})  # sum(...) has gradient 0


def test_a_where_list_reads_back() -> None:
    e = mc.parse("diag(t1)-t1*t1' where t1 = softmax(x)")
    assert e is mc.parse("diag(softmax(x))-softmax(x)*softmax(x)'")
    chained = mc.parse("t2+t2 where t1 = exp(x), t2 = t1.*t1")
    assert chained is mc.parse("exp(x).*exp(x)+exp(x).*exp(x)")


def test_text_names_what_is_shared() -> None:
    e = mc.parse("diag(softmax(A*x))-softmax(A*x)*softmax(A*x)'")
    assert to_text(e, where=True) == "diag(t1)-t1*t1' where t1 = softmax(A*x)"
    assert to_text(e, where=False) == str(e) == "diag(softmax(A*x))-softmax(A*x)*softmax(A*x)'"  # small
    # a name that is a symbol's is not taken
    t = mc.parse("t1*exp(x'*y)+exp(x'*y)", {"t1": "scalar"})
    assert to_text(t, where=True) == "t1*u1+u1 where u1 = exp(x'*y)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("t1 where t1 = t2, t2 = x", "'t2' is used before its definition"),
        ("t1 where t1 = t1", "'t1' is used before its definition"),
        ("t1 where t1 = x, t1 = y", "'t1' is defined twice"),
        ("x where sum = x", "'sum' is a built-in name"),
        ("t1(x) where t1 = x", "'t1' names a subexpression, not a function"),
        ("where t1 = x", "empty expression before 'where'"),
        ("t1 where t1 =", "'t1 =' needs an expression"),
        ("t1 where t1 = x y", "unexpected 'y' in the 'where' list"),
        ("(x where t1 = x)", "'where' comes after the whole expression"),
        ("x = y", "'=' names a subexpression only after 'where'"),
        ("x where 2 = x", "expected a name to define after 'where'"),
    ],
)
def test_bad_where_lists(text: str, message: str) -> None:
    with pytest.raises(mc.ParseError, match=message):
        mc.parse(text)


def test_a_declared_symbol_cannot_be_redefined() -> None:
    with pytest.raises(mc.ParseError, match="'x' is a declared symbol"):
        mc.parse("x where x = y", {"x": "vector"})


@given(expressions(conditioned=False))
def test_named_text_round_trips(e: Expr) -> None:
    text = to_text(e, where=True)
    note(f"text: {text}")
    back = mc.parse(text, kinds_of(e))
    assert back is e, f"{text!r} parses back to {back!r}"
    values = random_values(e, 0)
    with np.errstate(all="ignore"):
        try:
            want = mc.evaluate(e, values)
        except mc.EvaluationError:
            return
        np.testing.assert_array_equal(mc.evaluate(back, values), want)


def test_nested_softmax_prints_in_linear_size() -> None:
    sizes = {}
    for n in (1, 2, 4, 8, 15, 30):
        f = _nested(n)
        g = mc.diff(f, "x")
        text = str(g)
        assert mc.parse(text) is g  # the named text reads back to the very node
        sizes[n] = (len(text), len(mc.latex(g)))
    for form, most in ((0, 300), (1, 1200)):  # characters per level at most, text and LaTeX
        per_level = (sizes[30][form] - sizes[15][form]) / 15
        early = (sizes[15][form] - sizes[8][form]) / 7
        assert per_level < 1.5 * early + 50, sizes  # linear: the same growth per level
        assert sizes[30][form] < most * 30, sizes  # (the tree would be about 2.2**30 characters)


def test_a_gradient_where_list_evaluates_like_the_tree() -> None:
    f = _nested(6)
    g = mc.diff(f, "x")
    values = {"x": np.array([0.3, -1.2, 2.0]), "w": np.array([1.0, -2.0, 0.5])}
    kinds = {"w": "vector", "x": "vector"}
    tree = mc.parse(to_text(g, where=False), kinds)
    np.testing.assert_allclose(mc.evaluate(mc.parse(str(g), kinds), values), mc.evaluate(tree, values))


def test_explain_and_latex_name_shared_bases() -> None:
    small, large = (mc.explain(_nested(n), "x") for n in (4, 8))
    assert len(large.latex()) < 4 * len(small.latex())  # linear-ish in n (the forward derivation has n terms)
    assert r"\text{where }" in mc.latex(mc.diff(_nested(8), "x"))
    assert r"\text{where }" not in mc.latex(mc.diff(_nested(8), "x"), where=False)
