"""Index notation for tensors with no matrix form: ``(i,j,k) -> δ[i,j]*x[k]``.

Index names are chosen for reading: the free indices in order get
``i, j, k, l, m, n``, the summed ones ``p, q, r, s, t, u``, then numbered.
"""

from __future__ import annotations

from collections.abc import Callable

from matcalc.expr import Expr, PairIndex
from matcalc.index import Factor, Idx, IndexExpr, Term
from matcalc.rules.signs import flipped

__all__ = ["index_names", "index_text"]

_FREE = "ijklmn"
_SUMMED = "pqrstuvw"


def index_names(ix: IndexExpr) -> dict[Idx, str]:
    """Readable names for every index of ``ix``: free ones first, then summed, per term."""
    names = {i: _pick(_FREE, n) for n, i in enumerate(ix.free)}
    for term in ix.terms:
        summed = [i for i in term.indices() if i not in names]
        for n, i in enumerate(summed):
            names[i] = _pick(_SUMMED, n)
    return names


def _pick(letters: str, n: int) -> str:
    return letters[n] if n < len(letters) else f"{letters[0]}{n}"


def index_text(ix: IndexExpr, base: Callable[[Expr], str]) -> str:
    """``(i,j) -> term + term``; ``base(expr)`` gives the text of a factor's base."""
    names = index_names(ix)
    terms = [_term(t, names, base) for t in ix.terms]
    body = terms[0] if terms else "0"
    for t in terms[1:]:
        body += t if t.startswith("-") else f"+{t}"
    return f"({','.join(names[i] for i in ix.free)}) -> {body}"


def _pair(f: Factor, names: dict[Idx, str]) -> str:
    """A pair index δ[r,(a,b)]: r runs over the pairs (a, b), a the slower."""
    r, a, b = (names[i] for i in f.indices)
    return f"δ[{r},({a},{b})]"


def _term(t: Term, names: dict[Idx, str], base: Callable[[Expr], str]) -> str:
    coef = t.coef
    parts = []
    for f in t.factors:
        if isinstance(f.base, PairIndex):
            parts.append(_pair(f, names))
            continue
        shown = flipped(f.base)  # (-2*A)[i,j] shows as -(2*A)[i,j]: the sign joins the coefficient
        if shown is None:
            shown = f.base
        else:
            coef = -coef
        parts.append(f"{base(shown)}[{','.join(names[i] for i in f.indices)}]" if f.indices else base(shown))
    parts += [f"δ[{names[d.a]},{names[d.b]}]" for d in t.deltas]
    if not parts:
        return repr(coef)
    text = "*".join(parts)
    if coef == 1:
        return text
    if coef == -1:
        return f"-{text}"
    return f"{coef}*{text}"
