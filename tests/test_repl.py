"""What the REPL and Jupyter show (issue 11, item 4).

``repr`` of an expression is its text form (as SymPy shows its expressions),
which parses back; ``mc.srepr`` is the tree.  A derivative in index form
carries its left-hand side (``∂f[i]/∂W[j,k] = ...``) in text, LaTeX and
Jupyter, one index group for the function and one per variable.  Explanations,
check results and vec-form Jacobians show their text form at the REPL; every
Jupyter display renders with KaTeX (`test_latex_render`).
"""

from __future__ import annotations

import re

import pytest
from test_latex_render import _render_all

import matcalc as mc
from matcalc.cookbook import IDENTITIES
from matcalc.expr import IndexForm

# ---- repr is the text form --------------------------------------------------------------------


def test_repr_of_an_expression_is_its_text() -> None:
    f = mc.parse("x'*(A+A')*x + 2*tr(X)")
    assert repr(f) == str(f) == "x'*(A+A')*x+2*tr(X)"
    assert repr([mc.vector("x"), mc.parse("inv(X)")]) == "[x, inv(X)]"  # as the REPL shows a list
    assert repr(mc.parse_result("x'*A*x")).startswith("ParseResult(expr=x'*A*x, kinds=")


def test_srepr_is_the_tree() -> None:
    f = mc.parse("exp(a)")
    assert mc.srepr(f) == "Apply('exp', Symbol('a', 'scalar'))"
    g = mc.diff(mc.parse("W*x"), "W")
    assert mc.srepr(g).startswith("IndexForm(IndexExpr(") and "Partials(variables=(('W', 2),))" in mc.srepr(g)
    plain = IndexForm(g.tensor, shape=g.shape)  # an index form that is no result of diff
    assert mc.srepr(plain).startswith("IndexForm(IndexExpr(") and "Partials" not in mc.srepr(plain)
    assert str(plain) == "(i,j,k) -> x[k]*eye(size(W, 1))[i,j]"  # no left-hand side sizes i and j


def test_a_huge_expression_shows_as_a_summary() -> None:
    e = mc.parse("x")
    for _ in range(16):  # a DAG whose expanded tree has 2^16 leaves
        e = mc.parse("a") * e + e
    assert e.tree_size > 20_000
    assert re.fullmatch(r"<Add of shape \(x\.0,\), \d+ nodes expanded: str\(\) prints it>", repr(e))


@pytest.mark.parametrize("r", IDENTITIES, ids=lambda r: r.name)
def test_repr_parses_back(r: object) -> None:
    """The REPL's text of each corpus expression and of each derivative parses back to it."""
    f = mc.parse(r.expr, r.kinds)  # type: ignore[attr-defined]
    kinds = {s.name: s.kind for s in f.symbols}
    assert mc.parse(repr(f), kinds) is f
    g = mc.diff(f, *r.wrt)  # type: ignore[attr-defined]
    back = mc.parse(repr(g), kinds)  # index notation too (tests/test_einstein.py)
    assert back.ndim == g.ndim and str(back) == str(g)


# ---- index results carry their left-hand side ------------------------------------------------

CASES = [
    # (expression, variables, text left-hand side, LaTeX left-hand side)
    ("W*x", ("W",), "∂f[i]/∂W[j,k]", r"\frac{\partial f_{i}}{\partial W_{jk}}"),
    ("inv(X)", ("X",), "∂f[i,j]/∂X[k,l]", r"\frac{\partial f_{ij}}{\partial X_{kl}}"),
    ("logdet(X)", ("X", "X"), "∂²f/∂X[i,j]∂X[k,l]",
     r"\frac{\partial^{2} f}{\partial X_{ij} \partial X_{kl}}"),
    ("sum(x.^3)", ("x", "x", "x"), "∂³f/∂x[i]∂x[j]∂x[k]",
     r"\frac{\partial^{3} f}{\partial x_{i} \partial x_{j} \partial x_{k}}"),
    ("x*y'", ("x", "y"), "∂²f[i,j]/∂x[k]∂y[l]", r"\frac{\partial^{2} f_{ij}}{\partial x_{k} \partial y_{l}}"),
    ("exp(a*X)", ("a", "X"), "∂²f[i,j]/∂a∂X[k,l]", r"\frac{\partial^{2} f_{ij}}{\partial a \partial X_{kl}}"),
    ("W1*x", ("W1",), "∂f[i]/∂W1[j,k]", r"\frac{\partial f_{i}}{\partial [W_{1}]_{jk}}"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "wrt", "lhs", "tex"), CASES, ids=[c[0] for c in CASES])
def test_index_results_carry_their_left_hand_side(
    text: str, wrt: tuple[str, ...], lhs: str, tex: str
) -> None:
    g = mc.diff(mc.parse(text, {"a": "scalar"}), *wrt)
    assert isinstance(g, IndexForm)
    assert str(g).startswith(f"{lhs} = ") and repr(g) == str(g)
    for form in ("matrix", "index"):
        assert mc.latex(g, form=form).startswith(f"{tex} = ")
    assert mc.latex(g, where=True).removeprefix("\\begin{aligned}\n&").startswith(f"{tex} = ")
    assert g._repr_latex_() == f"$${mc.latex(g, where=g.tree_size > 200)}$$"


def test_the_groups_follow_the_shape() -> None:
    """Each variable's group has its rank; the function's group has the rest (checked on the corpus)."""
    for r in IDENTITIES:
        f = mc.parse(r.expr, r.kinds)
        g = mc.diff(f, *r.wrt)
        if not isinstance(g, IndexForm):
            continue
        lhs = str(g).split(" = ", 1)[0]
        m = re.fullmatch(r"∂[²³⁴]?f(?:\[([a-z,]+)\])?/((?:∂\w+(?:\[[a-z,]+\])?)+)", lhs)
        assert m, lhs
        own = m[1].split(",") if m[1] else []
        groups = re.findall(r"∂(\w+)(?:\[([a-z,]+)\])?", m[2])
        assert len(own) == f.ndim, lhs
        assert [name for name, _ in groups] == list(r.wrt), lhs
        ranks = {s.name: s.ndim for s in f.symbols}
        assert [len(ix.split(",")) if ix else 0 for _, ix in groups] == [ranks[w] for w in r.wrt], lhs
        names = own + [i for _, ix in groups for i in (ix.split(",") if ix else [])]
        assert names == ["i", "j", "k", "l", "m", "n"][: g.ndim], lhs


def test_only_the_result_itself_shows_a_left_hand_side() -> None:
    g = mc.diff(mc.parse("W*x"), "W")
    assert str(g + g).count("∂") == 0  # inside a larger expression: no equation
    assert "∂" not in str(mc.simplify(g + g))
    h = mc.diff(g, "x")  # the derivative of a labelled result is labelled by its own variable
    assert str(h).startswith("∂f[i,j,k]/∂x[l] = ")


def test_a_matrix_form_result_stays_an_expression() -> None:
    g = mc.diff(mc.parse("x'*A*x"), "x")
    assert repr(g) == "(A+A')*x" and mc.latex(g) == r"(A + A^\top) x"


# ---- explanations, check results, vec forms --------------------------------------------------


def test_explanation_repr_is_its_steps() -> None:
    e = mc.explain(mc.parse("W*x"), "W")
    assert repr(e) == str(e)
    assert repr(e).startswith("1. The expression\n   W*x\n2. In index notation")
    assert repr(e).endswith("Simplified: the derivative\n   ∂f[i]/∂W[j,k] = x[k]*δ[i,j]")


def test_check_result_repr_shows_the_verdict_and_both_forms() -> None:
    ok = mc.check("x'*A*x", "x", "(A+A')*x")
    assert repr(ok).splitlines()[1:] == ["derivative: (A+A')*x", "claim:      (A+A')*x"]
    bad = mc.check("W*x", "W", "x'")
    lines = repr(bad).splitlines()
    assert lines[0].startswith("claim refuted: The claim has the wrong shape.")
    assert lines[1:3] == ["derivative: ∂f[i]/∂W[j,k] = x[k]*δ[i,j]", "claim:      x'"]
    assert lines[3] == "counterexample:" and lines[4].startswith("  W = [[")


def test_check_result_markdown_escapes_the_prose() -> None:
    md = mc.check("x'*A*x", "x", "2*A*x")._repr_markdown_()
    assert md.startswith("**claim refuted**: ")
    prose = md.split("\n\n", 1)[0]
    assert "*" not in prose.replace("\\*", "").replace("**claim refuted**", "")
    assert "matcalc's derivative: $$(A + A^\\top) x$$" in md and "the claim: $$2 A x$$" in md
    assert "```\ncounterexample:\n  A = " in md


def test_vec_jacobian_repr() -> None:
    jac = mc.vec_jacobian(mc.parse("W*x"), "W")
    assert repr(jac) == f"∂vec(f)/∂vec(W)' = {jac}" and str(jac) == "kron(x', eye(size(W, 1)))"
    claim = mc.check("W*x", "W", jac)
    assert repr(claim).splitlines()[2] == f"claim:      ∂vec(f)/∂vec(W)' = {jac}"


# ---- every Jupyter display renders with KaTeX ------------------------------------------------


def _displays() -> list[str]:
    """The LaTeX of the Jupyter display of each kind of object (``$$...$$`` pieces of markdown too)."""
    out: list[str] = []
    for r in IDENTITIES[::7]:
        f = mc.parse(r.expr, r.kinds)
        out += [f._repr_latex_(), mc.diff(f, *r.wrt)._repr_latex_()]
        out.append(mc.explain(f, *r.wrt)._repr_latex_())
    for text, wrt in (("W*x", "W"), ("X*A", "X"), ("x'*A*x", "x")):
        out.append(mc.vec_jacobian(mc.parse(text), wrt)._repr_latex_())
    for claim in ("x'", "vector(1)", "x*x'"):
        out.append(mc.check("W*x", "W", claim)._repr_markdown_())
    out.append(mc.check("W*x", "W", mc.vec_jacobian(mc.parse("W*x"), "W"))._repr_markdown_())
    out.append(mc.check("x'*A*x", "x", "(A+A')*x")._repr_markdown_())
    pieces = [m for d in out for m in re.findall(r"\$\$(.+?)\$\$", d, flags=re.S)]
    assert len(pieces) >= len(out)
    return pieces


def test_every_display_renders() -> None:
    pieces = _displays()
    report = _render_all(pieces)
    assert report["rendered"] == len(pieces)
    assert not report["failures"], report["failures"]
