r"""LaTeX for papers: the entry point `latex`, which picks the matrix, index or vec form.

The matrix form reads like a paper (`matcalc.printing.matrix`): ``x^\top A
x``, ``A \odot B``, ``\operatorname{tr}(X)``, ``X^{-1}``, ``\|x\|_2``.  The
index form writes any expression in Einstein notation with Kronecker deltas
(``\delta_{ij} x_{k}``), structural nodes opened by their index forms
(`matcalc.printing.latex_index`).  The vec (Kronecker) form lives in
`matcalc.printing.vec`.  Precedences, numbers and names are shared
(`matcalc.printing.tex`).

Subexpressions used more than once are named ``t_{1}, t_{2}, ...``
(children before parents) and defined below the result, so the text grows
with the DAG, not with the expanded tree: by default those big enough to
matter, with ``where=True`` all of them (`matcalc.printing.shared`).
"""

from __future__ import annotations

import re

from matcalc.errors import MatcalcError
from matcalc.expr import Expr, IndexForm
from matcalc.index import IndexExpr, index_form
from matcalc.printing.latex_index import index_latex, lhs_latex, lowered_for_display, needs_index_form, render
from matcalc.printing.matrix import Printer
from matcalc.printing.shared import ALL_WEIGHT, AUTO_WEIGHT, shared
from matcalc.printing.vec import to_latex_vec
from matcalc.recursion import deep

__all__ = ["FORMS", "index_expr_latex", "latex", "lowered", "shared_names", "to_latex"]

#: The forms `latex` knows.
FORMS = ("matrix", "index", "vec")

#: Letters for the names of shared subexpressions, the first one no symbol uses.
_TEMP_LETTERS = "tuvszTUV"

def latex(
    expr: Expr, form: str = "matrix", where: bool | None = None, wrt: Expr | str | None = None
) -> str:
    """The LaTeX of ``expr`` (without ``$`` delimiters).

    Args:
        expr: any expression, including derivative results in index form.
        form: ``"matrix"`` (like a paper; an expression with no matrix form
            falls back to index notation), ``"index"`` (Einstein notation with
            Kronecker deltas, for any expression) or ``"vec"`` (the
            Magnus-Neudecker vec/Kronecker form of a derivative by ``wrt``).
        where: ``True``: name every subexpression used more than once
            (``t_{1}, t_{2}, ...``) and define them in a "where" list below the
            result; ``None`` (the default): only those big enough that writing
            them out at each use would make the LaTeX grow faster than the
            expression (`matcalc.printing.shared`); ``False``: none, the whole tree.
        wrt: the variable of the vec form; only for ``form="vec"``.

    Raises:
        MatcalcError: for an unknown form, or an argument the form does not take.
    """
    if not isinstance(expr, Expr):
        hint = " (parse text first with matcalc.parse)" if isinstance(expr, str) else ""
        raise MatcalcError(f"latex needs an expression, got {type(expr).__name__}{hint}")
    if not isinstance(form, str):
        raise MatcalcError(f"form must be a string, one of {', '.join(map(repr, FORMS))}; got {form!r}")
    if form == "vec":
        if where:
            raise MatcalcError("where=True is not available for form='vec'")  # None: no names there
        return to_latex_vec(expr, wrt)
    if form not in FORMS:
        raise MatcalcError(f"unknown LaTeX form {form!r}; the forms are {', '.join(map(repr, FORMS))}")
    if wrt is not None:
        raise MatcalcError(f"wrt= is for form='vec' only, not for form={form!r}")
    with deep():
        names = {} if where is False else shared_names(expr, ALL_WEIGHT if where else AUTO_WEIGHT)
        printer = Printer(names, open_bases=form == "index")
        if form == "index" or needs_index_form(expr):
            main = index_latex(printer, expr, printer.open_bases)
            if isinstance(expr, IndexForm) and expr.lhs is not None:  # a derivative: show what of
                main = f"{lhs_latex(expr.ndim, expr.lhs)} = {main}"
        else:
            main = printer.tex(expr).text
        definitions = [printer.definition(node) for node in printer.names]
    return _where_layout(main, definitions)


#: The name `Expr._repr_latex_` calls.
to_latex = latex


def _where_layout(main: str, definitions: list[tuple[str, str]]) -> str:
    """``main``, then ``where t_1 = ..., t_2 = ...`` one per line, in an ``aligned`` block."""
    if not definitions:
        return main
    lines = [f"&{main},"]
    for n, (lhs, rhs) in enumerate(definitions):
        lead = r"\text{where }" if n == 0 else r"\phantom{\text{where }}"
        end = "," if n < len(definitions) - 1 else ""
        lines.append(f"&{lead}{lhs} = {rhs}{end}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _stem_of(name: str) -> str:
    m = re.match(r"[A-Za-z]+", name)
    return m[0] if m else name


def shared_names(e: Expr, min_weight: int = ALL_WEIGHT) -> dict[Expr, str]:
    r"""Names ``t_{1}, t_{2}, ...`` for the subexpressions of ``e`` used more than once.

    A subexpression is named when it is used more than once and has at least
    ``min_weight`` nodes besides transposes and numbers, a named subexpression
    inside it counting as one (so ``X^{-\top}`` and ``t_{1}^{-1}`` keep their
    form; see `matcalc.printing.shared`).  The numbering follows the
    dependency order, children first.
    """
    stems = {_stem_of(s.name) for s in e.symbols}
    letter = next((c for c in _TEMP_LETTERS if c not in stems), "t")
    return {n: f"{letter}_{{{k}}}" for k, n in enumerate(shared(e, min_weight), start=1)}


def lowered(e: Expr) -> IndexExpr:
    """``e`` in index notation (products, transposes, traces ... opened), for display."""
    with deep():
        return lowered_for_display(Printer({}, open_bases=True), e)


def index_expr_latex(ix: IndexExpr) -> str:
    r"""The LaTeX of the terms of an index expression (the right-hand side only).

    Bases shared by the terms and big enough to matter are named, as in `latex`,
    and defined after the terms (``\quad\text{where } t_{1} = ...``): the
    steps of a derivation repeat them in every term.
    """
    with deep():
        names = shared_names(index_form(ix.free, ix.terms), AUTO_WEIGHT) if ix.terms else {}
        printer = Printer(names)
        main = render(printer, ix)
        if not names:
            return main
        definitions = ", ".join(f"{lhs} = {rhs}" for lhs, rhs in map(printer.definition, names))
        return rf"{main} \quad 	ext{{where }} {definitions}"
