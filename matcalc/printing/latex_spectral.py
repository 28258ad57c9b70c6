r"""LaTeX of the matrix functions and spectral operations, from their records.

Notation (docs/matrix-functions.md):

- a primary function is its record's name applied (``\exp(X)``, ``\log(X)``) or, in
  the ``power`` style, a superscript (``X^{1/2}``, ``X^{c}``);
- the Fréchet derivative ``L_f^{(k)}(X; E_1, \dots)`` follows Higham, *Functions of
  Matrices* (2008), §3.1 and Higham & Relton, "Higher order Fréchet derivatives of
  matrix functions" (SIAM J. Matrix Anal. Appl. 2014); an open slot is ``\cdot``,
  and a power-style function is named ``(\cdot)^{1/2}``;
- a spectral operation is its record's name applied (``\lambda(S)``, ``\sigma(X)``),
  or in the ``norm`` style bars with the record's subscript (``\|X\|_*``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matcalc.expr import MatFun, Spectral
from matcalc.ops.primary import PRIMARY_FUNCTIONS
from matcalc.ops.spectral import SPECTRAL_OPS
from matcalc.printing.tex import ATOM, POW, Tex, combined, delimited, wrap

if TYPE_CHECKING:
    from matcalc.printing.matrix import Printer

__all__ = ["matfun_tex", "spectral_tex"]


def matfun_tex(p: Printer, e: MatFun) -> Tex:
    r"""``\exp(X)``, ``X^{1/2}``, ``X^{c}``, or ``L_{\exp}(X; E, \cdot)``."""
    record = PRIMARY_FUNCTIONS[e.func]
    sup = p.tex(e.params[0]).text if e.params else record.latex
    if e.order == 0:
        if record.latex_style == "call":
            arg = delimited("(", p.tex(e.body), ")")
            return combined(record.latex + arg.text, ATOM, [arg])
        base = wrap(p.tex(e.body), ATOM)
        return combined(f"{base.text}^{{{sup}}}", POW, [base])
    name = record.latex if record.latex_style == "call" else rf"(\cdot)^{{{sup}}}"
    order = f"^{{({e.order})}}" if e.order > 1 else ""
    args = [p.tex(e.body), *(p.tex(d) for d in e.directions)]
    slots = [a.text for a in args[1:]] + [r"\cdot"] * (e.order - len(e.directions))
    inner = combined(f"{args[0].text}; {', '.join(slots)}", ATOM, args)
    wrapped = delimited("(", inner, ")")
    return combined(f"L{order}_{{{name}}}{wrapped.text}", ATOM, [wrapped])


def spectral_tex(p: Printer, e: Spectral) -> Tex:
    r"""``\lambda(S)``, ``\sigma(X)``, ``\|X\|_*``, ``\operatorname{chol}(S)``, ..."""
    record = SPECTRAL_OPS[e.kind]
    body = p.tex(e.body)
    if record.latex_style == "norm":
        bars = delimited(r"\|", body, r"\|")
        sub = record.latex if len(record.latex) == 1 else f"{{{record.latex}}}"
        return combined(f"{bars.text}_{sub}", ATOM, [bars])
    arg = delimited("(", body, ")")
    return combined(record.latex + arg.text, ATOM, [arg])
