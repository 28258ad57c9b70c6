"""Show a derivation the way a person writes it: ``mc.explain(f, "x")``.

The steps: the expression in index notation; its derivative by the product
and chain rules, with the Kronecker deltas the variable gives
(``∂x_j/∂x_k = δ_jk``); each delta contracted in turn; like terms
collected; the result raised back to matrix notation and simplified.  Every
step comes as text and as LaTeX.

The derivation is the forward one (a student's); `matcalc.diff` may reach
the same result by reverse accumulation, and the last step is its answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from matcalc.diff import OPT_OUT, diff, differentiate, variable
from matcalc.errors import DifferentiationError
from matcalc.expr import Expr, IndexForm, Partials, Symbol
from matcalc.index import Idx, IndexExpr, Term, fresh_like, index_form, rename
from matcalc.printing.indices import index_names
from matcalc.printing.latex import index_expr_latex, latex, lowered
from matcalc.printing.latex_index import lhs_latex
from matcalc.raise_ import raise_index
from matcalc.recursion import deep
from matcalc.simplify_index import simplify_terms

__all__ = ["Explanation", "Step", "explain"]


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a derivation: what was done, and the result as text and LaTeX."""

    title: str
    text: str
    latex: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """The steps of a derivation; ``str()`` gives the text, `latex` the LaTeX."""

    steps: tuple[Step, ...]
    result: Expr

    def __str__(self) -> str:
        return "\n".join(f"{n}. {s.title}\n   {s.text}" for n, s in enumerate(self.steps, 1))

    def __repr__(self) -> str:
        """The REPL shows the numbered steps, as `str` does."""
        return str(self)

    def latex(self) -> str:
        """The derivation as an ``aligned`` block, a line a step with its title."""
        rows = [rf"&\text{{{_title_tex(s.title)}}} \\ &\quad {s.latex}" for s in self.steps]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        """Jupyter's display: the steps as one ``aligned`` block."""
        return f"$${self.latex()}$$"


def _title_tex(title: str) -> str:
    r"""A step title for ``\text{...}``: the maths in it as inline maths (``$\delta_{pi}$``)."""
    title = re.sub(r"δ\[(\w+),(\w+)\]", r"$\\delta_{\1\2}$", title)
    title = re.sub(r"∂(\w+)\[([\w,]+)\]", lambda m: f"$\\partial {m[1]}_{{{m[2].replace(',', '')}}}$", title)
    return title.replace("∂", "$\\partial$ ").replace("*", " ")


def explain(f: Expr, *wrt: str | Expr, if_absent: str = "error") -> Explanation:
    """The derivation of ``diff(f, *wrt)``, step by step (one section per variable).

    ``if_absent`` as for `diff`: a variable ``f`` does not contain is an error,
    or with ``"zero"`` a derivative of zero.
    """
    if not isinstance(f, Expr):
        raise DifferentiationError(f"explain needs an expression, got {type(f).__name__}")
    if not wrt:
        raise DifferentiationError("explain needs at least one variable to differentiate by")
    steps: list[Step] = []
    with deep():
        for var in [variable(f, w, if_absent=if_absent, opt_out=OPT_OUT) for w in wrt]:
            steps.extend(_derivation(f, var))
            f = diff(f, var, if_absent="zero")  # a later variable may have left the derivative
    return Explanation(tuple(steps), f)


def _derivation(f: Expr, var: Symbol) -> list[Step]:
    free, wfree = fresh_like(f.shape), fresh_like(var.shape)
    lhs_tex = _lhs(free, wfree, var)
    ix = lowered(f)
    steps = [
        Step("The expression", str(f), latex(f)),
        Step("In index notation", _text(ix), index_expr_latex(ix)),
    ]
    terms = differentiate(f, var, free, wfree, contract=False)
    all_free = (*free, *wfree)

    def show(title: str, ts: Sequence[Term]) -> None:
        ix = IndexExpr(all_free, tuple(ts))
        step = IndexForm(ix, Partials(((var.name, var.ndim),)), shape=ix.shape)  # sized as a result is
        steps.append(Step(title, str(step), f"{lhs_tex} = {index_expr_latex(ix)}"))

    rule = _symmetric_rule(var.name) if var.kind == "symmetric" else _VARIABLE_RULE[var.ndim](var.name)
    show(f"Differentiate by the product and chain rules, with {rule}", terms)
    for (a, b), contracted in _contractions(list(terms), all_free):
        show(f"Contract δ[{a},{b}]: summing over {a} sets {a} = {b}", contracted)
        terms = contracted
    collected = simplify_terms(terms, all_free)
    if len(collected) != len(terms):
        show("Collect like terms", collected)
    raised = raise_index(IndexExpr(all_free, tuple(collected))) if collected else None
    if raised is not None and not isinstance(raised, IndexForm):  # else there is no matrix form
        steps.append(Step("In matrix notation", str(raised), latex(raised)))
    answer = diff(f, var, if_absent="zero")
    steps.append(Step("Simplified: the derivative", str(answer), latex(answer)))
    return steps


_VARIABLE_RULE = {
    0: lambda v: f"∂{v}/∂{v} = 1",
    1: lambda v: f"∂{v}[a]/∂{v}[c] = δ[a,c]",
    2: lambda v: f"∂{v}[a,b]/∂{v}[c,d] = δ[a,c]*δ[b,d]",
}


def _symmetric_rule(v: str) -> str:
    """The variable rule for a symmetric matrix: the symmetric part (docs/conventions.md)."""
    return f"∂{v}[a,b]/∂{v}[c,d] = 1/2*δ[a,c]*δ[b,d]+1/2*δ[a,d]*δ[b,c] ({v} symmetric)"


def _contractions(terms: list[Term], free: tuple[Idx, ...]) -> list[tuple[tuple[str, str], list[Term]]]:
    """Each contraction of a delta that touches a summed index: (the summed name, the kept name), terms."""
    out: list[tuple[tuple[str, str], list[Term]]] = []
    for n in range(len(terms)):
        while True:
            term = terms[n]
            delta = next((d for d in term.deltas if d.a != d.b and not (d.a in free and d.b in free)), None)
            if delta is None:
                break
            old, new = (delta.a, delta.b) if delta.a not in free else (delta.b, delta.a)
            rest = tuple(d for d in term.deltas if d is not delta)
            named = index_names(IndexExpr(free, tuple(terms)))
            terms = [*terms[:n], rename(Term(term.coef, term.factors, rest), {old: new}), *terms[n + 1 :]]
            out.append(((named[old], named[new]), terms))
    return out


def _text(ix: IndexExpr) -> str:
    """The terms of ``ix`` as text, without the ``(i,j) ->`` header."""
    text = str(index_form(ix.free, ix.terms)) if ix.terms else "0"
    return text.split(" -> ", 1)[1] if " -> " in text else text


def _lhs(free: tuple[Idx, ...], wfree: tuple[Idx, ...], var: Symbol) -> str:
    """``∂f[i]/∂x[k]`` in LaTeX."""
    return lhs_latex(len(free) + len(wfree), Partials(((var.name, var.ndim),)))
