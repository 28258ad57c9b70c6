"""`mc.latex`: the entry point, names and numbers, where-lists, Jupyter, robustness.

What each node prints as is pinned by the golden snapshots
(test_latex_snapshots.py); that every string renders, by KaTeX
(test_latex_render.py).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from strategies import expressions

import matcalc as mc
from matcalc import build
from matcalc.errors import MatcalcError
from matcalc.printing import latex as latex_module
from matcalc.printing.latex import shared_names
from matcalc.printing.tex import number_tex, symbol_tex


def _deep_net(layers: int) -> mc.Expr:
    """The gradient by W1 of ``norm2(W_n*tanh(...tanh(W1*x)))^2``."""
    text = "x"
    for k in range(1, layers):
        text = f"tanh(W{k}*{text})"
    return mc.diff(mc.parse(f"norm2(W{layers}*{text})^2"), "W1")


def _balanced(latex: str) -> bool:
    depth = 0
    for ch in latex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0 and latex.count(r"\left") == latex.count(r"\right")


# ---- the entry point --------------------------------------------------------------------


def test_exported() -> None:
    assert "latex" in mc.__all__
    assert mc.latex(mc.parse("x'*A*x")) == r"x^\top A x"


def test_forms() -> None:
    g = mc.diff(mc.parse("W*x"), "W")
    assert mc.latex(g) == r"\frac{\partial f_{i}}{\partial W_{jk}} = \delta_{ij} x_{k}"  # index notation
    assert mc.latex(g, form="index") == r"\frac{\partial f_{i}}{\partial W_{jk}} = \delta_{ij} x_{k}"
    h = mc.diff(mc.parse("tr(A*X*B)"), "X")
    assert mc.latex(h) == r"A^\top B^\top"
    assert mc.latex(h, form="index") == r"A_{pi} B_{jp}"


def test_unknown_form() -> None:
    with pytest.raises(MatcalcError, match=r"unknown LaTeX form 'tex'.*'matrix', 'index', 'vec'"):
        mc.latex(mc.parse("A"), form="tex")


def test_wrt_is_for_the_vec_form_only() -> None:
    with pytest.raises(MatcalcError, match="wrt= is for form='vec' only"):
        mc.latex(mc.parse("W*x"), wrt="W")
    with pytest.raises(MatcalcError, match="where=True is not available for form='vec'"):
        mc.latex(mc.parse("W*x"), form="vec", wrt="W", where=True)


def test_vec_form_calls_the_vec_printer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, object]] = []

    def to_latex_vec(expr: object, wrt: object) -> str:
        calls.append((expr, wrt))
        return "VEC"

    monkeypatch.setattr(latex_module, "to_latex_vec", to_latex_vec)
    f = mc.parse("W*x")
    assert mc.latex(f, form="vec", wrt="W") == "VEC"
    assert calls == [(f, "W")]


def test_vec_form_end_to_end() -> None:
    assert mc.latex(mc.parse("A*X*B"), form="vec", wrt="X") == r"B^\top \otimes A"


def test_repr_latex() -> None:
    assert mc.parse("x'*A*x")._repr_latex_() == r"$$x^\top A x$$"
    tensor = mc.diff(mc.parse("W*x"), "W")
    assert tensor._repr_latex_() == r"$$\frac{\partial f_{i}}{\partial W_{jk}} = \delta_{ij} x_{k}$$"
    big = _deep_net(12)
    assert big.tree_size > 200
    shown = big._repr_latex_()
    assert shown.startswith(r"$$\begin{aligned}") and shown.endswith(r"\end{aligned}$$")


# ---- names and numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "latex"),
    [
        ("x", "x"),
        ("A", "A"),
        ("W1", "W_{1}"),
        ("x0", "x_{0}"),
        ("x_12", "x_{12}"),
        ("Sigma", r"\Sigma"),
        ("lambda", r"\lambda"),
        ("beta2", r"\beta_{2}"),
        ("bias", r"\mathit{bias}"),
        ("x_max", r"x_{\mathit{max}}"),
        ("W_out", r"W_{\mathit{out}}"),
        ("a_b_c", r"a_{\mathit{b\_c}}"),
        ("_x", r"\mathit{\_x}"),
    ],
)
def test_symbol_names(name: str, latex: str) -> None:
    assert symbol_tex(name) == latex


@pytest.mark.parametrize(
    ("value", "latex"),
    [
        (2, "2"),
        (-3, "-3"),
        (0.5, "0.5"),
        (Fraction(1, 3), r"\frac{1}{3}"),
        (Fraction(-2, 3), r"-\frac{2}{3}"),
        (Fraction(4, 1), "4"),
        (2.5e-8, r"2.5 \cdot 10^{-8}"),
        (1e20, "10^{20}"),
        (-1e-10, "-10^{-10}"),
        (float("inf"), r"\infty"),
        (float("-inf"), r"-\infty"),
        (float("nan"), r"\mathrm{NaN}"),
    ],
)
def test_numbers(value: int | float | Fraction, latex: str) -> None:
    assert number_tex(value).text == latex


def test_subscripted_symbols_are_bracketed_in_index_form() -> None:
    e = mc.parse("W1*x")
    assert mc.latex(e, form="index") == r"[W_{1}]_{ip} x_{p}"


def test_signs_come_out_in_front() -> None:
    assert mc.latex(mc.parse("c - (-a)/b")) == r"c + \frac{a}{b}"
    assert mc.latex(mc.parse("(-a)/b*x")) == r"-\frac{a}{b} x"
    assert mc.latex(mc.parse("(-a)/b*x"), form="index") == r"-\frac{a}{b} x_{i}"


def test_a_quotient_by_a_scalar_opens_in_index_form() -> None:
    # X/c is how the simplifier writes 1/c*X; its entries are 1/c X_ij, not a bracket [X/c]_ij
    assert mc.latex(mc.parse("X/c+A"), form="index") == r"\frac{1}{c} X_{ij} + A_{ij}"
    assert mc.latex(mc.parse("-2*(A*B)/c"), form="index") == r"-\frac{2}{c} A_{ip} B_{pj}"
    hess = mc.diff(mc.parse("norm2(x-a)", {"x": "vector", "a": "vector"}), "x", "x")
    assert mc.latex(hess, form="index").startswith(r"\frac{1}{\|x - a\|_2} \delta_{ij} - ")


def test_explicit_sums_where_einstein_is_ambiguous() -> None:
    assert mc.latex(mc.parse("sum(x)"), form="index") == r"\sum_{p} x_{p}"  # once
    assert mc.latex(mc.parse("x'*y"), form="index") == r"x_{p} y_{p}"  # twice: implicit
    assert mc.latex(mc.parse("(x.*y)'*z"), form="index") == r"\sum_{p} x_{p} y_{p} z_{p}"


# ---- where ------------------------------------------------------------------------------


def test_where_names_shared_subexpressions() -> None:
    g = _deep_net(3)
    assert mc.latex(g, where=True) == "\n".join([
        r"\begin{aligned}",
        r"&2 \biggl((\mathbf{1} - t_{1}^{\odot 2}) \odot \Bigl(W_{2}^\top"
        r" \bigl((W_{3}^\top W_{3} t_{2}) \odot (\mathbf{1} - t_{2}^{\odot 2})\bigr)\Bigr)\biggr)"
        r" x^\top, \\",
        r"&\text{where }t_{1} = \tanh(W_{1} x), \\",
        r"&\phantom{\text{where }}t_{2} = \tanh(W_{2} t_{1})",
        r"\end{aligned}",
    ])  # fmt: skip


def test_where_grows_linearly_with_depth() -> None:
    plain = {n: len(mc.latex(_deep_net(n), where=False)) for n in (4, 8, 16)}
    where = {n: len(mc.latex(_deep_net(n), where=True)) for n in (4, 8, 16)}
    auto = {n: len(mc.latex(_deep_net(n))) for n in (4, 8, 16)}  # the default names what is big
    # Doubling the layers from 8 to 16 adds twice what 4 to 8 added when the text is linear,
    # four times when it is quadratic.
    assert (where[16] - where[8]) / (where[8] - where[4]) < 2.3
    assert (auto[16] - auto[8]) / (auto[8] - auto[4]) < 2.3
    assert (plain[16] - plain[8]) / (plain[8] - plain[4]) > 2.8
    assert where[16] < plain[16]


def test_where_without_sharing_is_the_plain_form() -> None:
    e = mc.parse("x'*A*y")
    assert mc.latex(e, where=True) == mc.latex(e)
    assert mc.latex(e, form="index", where=True) == mc.latex(e, form="index")


def test_small_shared_subexpressions_keep_their_form() -> None:
    g = mc.diff(mc.parse("a'*inv(X)*b", {"a": "vector", "b": "vector"}), "X")  # inv(X)' twice: too small
    assert shared_names(g) == {}
    assert mc.latex(g) == r"-X^{-\top} a b^\top X^{-\top}"


def test_temporary_names_avoid_the_symbols() -> None:
    g = mc.diff(mc.parse("det(A+t*B)", {"t": "scalar"}), "t")
    assert mc.latex(g, where=True).count("u_{1}") == 3  # t is taken
    assert "t_{1}" not in mc.latex(g, where=True)


def test_where_in_index_form_defines_index_forms_with_indices() -> None:
    g = mc.diff(mc.parse("W*exp(X*w)"), "W")  # δ_ij exp(X*w)_k, used twice
    e = build.add(build.apply("exp", g), build.apply("sin", g))
    for form in ("matrix", "index"):
        assert mc.latex(e, form=form, where=True) == "\n".join([
            r"\begin{aligned}",
            r"&\bigl[\exp(t_{1})\bigr]_{ijk} + \bigl[\sin(t_{1})\bigr]_{ijk}, \\",
            r"&\text{where }[t_{1}]_{ijk} = \delta_{ij} \bigl[\exp(X w)\bigr]_{k}",
            r"\end{aligned}",
        ])  # fmt: skip


# ---- robustness -------------------------------------------------------------------------


@settings(deadline=None)
@given(e=expressions())
def test_every_expression_prints(e: mc.Expr) -> None:
    for form in ("matrix", "index"):
        for where in (False, True):
            latex = mc.latex(e, form=form, where=where)
            assert latex and _balanced(latex), latex


def test_deep_expressions_print() -> None:
    e = mc.parse("x")
    for _ in range(1_500):
        e = build.apply("tanh", e)
    for form in ("matrix", "index"):
        latex = mc.latex(e, form=form)
        assert latex.count(r"\tanh") == 1_500
