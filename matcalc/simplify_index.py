"""Simplification at the index level: contract deltas, collect like terms.

Contracting a delta renames one index to the other and removes the delta:
``δ_im δ_jn x_j = δ_im x_n``.  A delta between two free indices stays (it is
an identity); ``δ_ii`` is 1 for each ``i``, kept as ``1_i`` so that the sum over
``i`` (if ``i`` is summed) still spans the term.
Like terms, equal up to the names of their summed indices, are collected by
a canonical key (`canonical_key`), never by ``==``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from matcalc import build
from matcalc.index import Coef, Delta, Factor, Idx, Term, rename

__all__ = ["canonical_key", "contract", "simplify_terms"]


def contract(term: Term, free: frozenset[Idx]) -> Term:
    """``term`` with every delta that touches a summed index contracted."""
    deltas = list(term.deltas)
    extra: list[Factor] = []
    kept: list[Delta] = []
    while deltas:
        d = deltas.pop()
        if d.a == d.b:  # δ_ii = 1 for each i; 1_i keeps i in the term (alone and summed: n)
            extra.append(Factor(build.ones((d.a.dim,)), (d.a,)))
            continue
        if d.a not in free:
            old, new = d.a, d.b
        elif d.b not in free:
            old, new = d.b, d.a
        else:
            kept.append(d)
            continue
        mapping = {old: new}
        term = rename(Term(term.coef, term.factors + tuple(extra), ()), mapping)
        extra = []
        deltas = [Delta(mapping.get(x.a, x.a), mapping.get(x.b, x.b)) for x in deltas]
        kept = [Delta(mapping.get(x.a, x.a), mapping.get(x.b, x.b)) for x in kept]
    return Term(term.coef, term.factors + tuple(extra), tuple(kept))


def canonical_key(term: Term, free: Sequence[Idx]) -> tuple[object, ...]:
    """A key equal for two terms that differ only in coefficient and summed-index names."""
    positions = {i: n for n, i in enumerate(free)}

    def shape_key(f: Factor) -> tuple[object, ...]:
        return (f.base.skey, tuple(positions.get(i, -1) for i in f.indices))

    ordered = sorted(term.factors, key=shape_key)
    names: dict[Idx, str] = {}
    for f in ordered:
        for i in f.indices:
            if i not in positions and i not in names:
                names[i] = f"s{len(names)}"

    def label(i: Idx) -> str:
        return f"f{positions[i]}" if i in positions else names.get(i, "?")

    factors = tuple((f.base, tuple(label(i) for i in f.indices)) for f in ordered)
    deltas = tuple(sorted(tuple(sorted((label(d.a), label(d.b)))) for d in term.deltas))
    return factors, deltas


def simplify_terms(terms: Iterable[Term], free: Sequence[Idx]) -> list[Term]:
    """Contract deltas, drop zero terms and collect like terms (first occurrence order)."""
    free_set = frozenset(free)
    collected: dict[tuple[object, ...], tuple[Term, Coef]] = {}
    for term in terms:
        if term.coef == 0:
            continue
        term = contract(term, free_set)
        key = canonical_key(term, free)
        if key in collected:
            first, coef = collected[key]
            collected[key] = (first, coef + term.coef)
        else:
            collected[key] = (term, term.coef)
    return [Term(coef, t.factors, t.deltas) for t, coef in collected.values() if coef != 0]
