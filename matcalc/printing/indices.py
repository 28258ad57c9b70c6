"""Index notation for tensors with no matrix form: ``(i,j,k) -> δ[i,j]*x[k]``.

Index names are chosen for reading: the free indices in order get
``i, j, k, l, m, n``, the summed ones ``p, q, r, s, t, u``, then numbered.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

from matcalc.expr import Expr, PairIndex, Partials
from matcalc.index import Factor, Idx, IndexExpr, Term
from matcalc.rules.signs import flipped

__all__ = ["free_names", "index_names", "index_text", "lhs_groups", "lhs_text"]

_FREE = "ijklmn"
_SUMMED = "pqrstuvw"


def index_names(ix: IndexExpr) -> dict[Idx, str]:
    """Readable names for every index of ``ix``: free ones first, then summed, per term."""
    names = {i: _pick(_FREE, n) for n, i in enumerate(ix.free)}
    for term in ix.terms:
        present = term.indices()
        taken = {names[i] for i in present if i in names}  # a summed index another term named too
        fresh = (name for name in map(lambda n: _pick(_SUMMED, n), itertools.count()) if name not in taken)
        for i in [i for i in present if i not in names]:
            names[i] = next(fresh)
    return names


def free_names(n: int) -> list[str]:
    """The names of ``n`` free indices, as `index_names` gives them: ``i, j, k, ...``."""
    return [_pick(_FREE, k) for k in range(n)]


def _pick(letters: str, n: int) -> str:
    return letters[n] if n < len(letters) else f"{letters[0]}{n}"


def index_text(
    ix: IndexExpr,
    base: Callable[[Expr], str],
    lhs: Partials | None = None,
    sizes: Mapping[Idx, str] | None = None,
) -> str:
    """``(i,j) -> term + term``; ``base(expr)`` gives the text of a factor's base.

    With ``lhs`` the header is the derivative it is: ``∂f[i]/∂W[j,k] = term + term``.
    ``sizes`` gives the size text (``size(A, 1)``) of free indices whose size
    nothing else in the text fixes (`matcalc.printing.sizes.open_axes`): the
    first term shows it, a δ over such an index as ``eye(size(A, 1))[i,j]``,
    another as a factor ``vector(1, size(A, 1))[i]``; a zero tensor, which has
    no term, is ``0*vector(1, size(A, 1))[i]``.
    """
    names = index_names(ix)
    terms = [_term(t, names, base, sizes if n == 0 else None) for n, t in enumerate(ix.terms)]
    if not terms:
        carriers = [f"vector(1, {size})[{names[i]}]" for i, size in (sizes or {}).items()]
        terms = ["*".join(["0", *carriers])]
    body = terms[0]
    for t in terms[1:]:
        body += t if t.startswith("-") else f"+{t}"
    free = [names[i] for i in ix.free]
    if lhs is not None:
        return f"{lhs_text(free, lhs)} = {body}"
    return f"({','.join(free)}) -> {body}"


#: Superscript digits for the order of a derivative: ``∂²f``.
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def lhs_groups(free: Sequence[str], lhs: Partials) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The index names of the function, and of each variable in turn, from the free ones in order."""
    rank, variables = lhs.groups(len(free))
    rest = list(free[rank:])
    groups: list[tuple[str, list[str]]] = []
    for name, r in variables:
        groups.append((name, rest[:r]))
        rest = rest[r:]
    return list(free[:rank]), groups


def lhs_text(free: Sequence[str], lhs: Partials) -> str:
    """``∂f[i]/∂W[j,k]``, ``∂²f/∂x[i]∂x[j]``: the left-hand side of a derivative in index form."""
    own, groups = lhs_groups(free, lhs)
    order = "" if len(groups) == 1 else str(len(groups)).translate(_SUPERSCRIPT)
    den = "".join(f"∂{name}{_brackets(ix)}" for name, ix in groups)
    return f"∂{order}f{_brackets(own)}/{den}"


def _brackets(names: Sequence[str]) -> str:
    return f"[{','.join(names)}]" if names else ""


def _pair(f: Factor, names: dict[Idx, str]) -> str:
    """A pair index δ[r,(a,b)]: r runs over the pairs (a, b), a the slower."""
    r, a, b = (names[i] for i in f.indices)
    return f"δ[{r},({a},{b})]"


def _term(
    t: Term, names: dict[Idx, str], base: Callable[[Expr], str], sizes: Mapping[Idx, str] | None
) -> str:
    coef = t.coef
    parts = []
    todo = dict(sizes or {})  # free indices whose size this term shows
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
    for d in t.deltas:
        size = todo.pop(d.a, None) or todo.pop(d.b, None)
        if size is not None:
            todo.pop(d.b, None)
        parts.append(f"eye({size})[{names[d.a]},{names[d.b]}]" if size else f"δ[{names[d.a]},{names[d.b]}]")
    parts += [f"vector(1, {size})[{names[i]}]" for i, size in todo.items()]
    if not parts:
        return repr(coef)
    text = "*".join(parts)
    if coef == 1:
        return text
    if coef == -1:
        return f"-{text}"
    return f"{coef}*{text}"
