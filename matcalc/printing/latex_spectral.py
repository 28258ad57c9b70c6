r"""LaTeX of the matrix functions and spectral operations (notation: docs/matrix-functions.md).

- ``expm(X)`` is ``\exp(X)``, ``logm(X)`` is ``\log(X)``, ``sqrtm(X)`` is ``X^{1/2}``,
  ``X^c`` is ``X^{c}``;
- the Fréchet derivative ``L_f^{(k)}(X; E_1, \dots)`` follows Higham, *Functions of
  Matrices* (2008), §3.1 and Higham & Relton, "Higher order Fréchet derivatives of
  matrix functions" (SIMAX 2014); an open slot is ``\cdot``;
- ``eigvals`` is ``\lambda(S)``, ``svdvals`` is ``\sigma(X)``, the nuclear and spectral
  norms are ``\|X\|_*`` and ``\|X\|_2``; the other spectral operations are named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matcalc.expr import MatFun, Spectral
from matcalc.printing.tex import ATOM, POW, Tex, combined, delimited, wrap
from matcalc.spectral_ops import SPECTRAL_KINDS

if TYPE_CHECKING:
    from matcalc.printing.matrix import Printer

__all__ = ["matfun_tex", "spectral_tex"]

_NAMES = {"expm": r"\exp", "logm": r"\log"}


def matfun_tex(p: Printer, e: MatFun) -> Tex:
    r"""``\exp(X)``, ``X^{1/2}``, ``X^{c}``, or ``L_{\exp}(X; E, \cdot)``."""
    c = p.tex(e.params[0]).text if e.params else ""
    if e.order == 0:
        if e.func in _NAMES:
            arg = delimited("(", p.tex(e.body), ")")
            return combined(_NAMES[e.func] + arg.text, ATOM, [arg])
        base = wrap(p.tex(e.body), ATOM)
        sup = "1/2" if e.func == "sqrtm" else c
        return combined(f"{base.text}^{{{sup}}}", POW, [base])
    name = _NAMES.get(e.func) or (r"\sqrt{\cdot}" if e.func == "sqrtm" else rf"(\cdot)^{{{c}}}")
    order = f"^{{({e.order})}}" if e.order > 1 else ""
    args = [p.tex(e.body), *(p.tex(d) for d in e.directions)]
    slots = [a.text for a in args[1:]] + [r"\cdot"] * (e.order - len(e.directions))
    inner = combined(f"{args[0].text}; {', '.join(slots)}", ATOM, args)
    wrapped = delimited("(", inner, ")")
    return combined(f"L{order}_{{{name}}}{wrapped.text}", ATOM, [wrapped])


def spectral_tex(p: Printer, e: Spectral) -> Tex:
    r"""``\lambda(S)``, ``\sigma(X)``, ``\|X\|_*``, ``\operatorname{chol}(S)``, ..."""
    body = p.tex(e.body)
    if e.kind in ("nuclear_norm", "spectral_norm"):
        bars = delimited(r"\|", body, r"\|")
        return combined(bars.text + ("_*" if e.kind == "nuclear_norm" else "_2"), ATOM, [bars])
    arg = delimited("(", body, ")")
    return combined(SPECTRAL_KINDS[e.kind].latex + arg.text, ATOM, [arg])
