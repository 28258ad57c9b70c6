"""Index-level identities of the pair index δ[r, (a, b)], the index form of kron and vec.

``δ[r, (a, b)]`` is 1 where ``r = a*|b| + b`` (`PairIndex`): ``r`` runs over the
pairs (a, b) once each, so, summing over repeated indices (the bijection between
``r`` and the pairs; Magnus & Neudecker, ch. 2):

- ``Σ_r δ[r, (a, b)] δ[r, (c, d)] = δ[a, c] δ[b, d]`` (two splits of one index
  into the same parts: ``tr(kron(A, B)) = tr(A) tr(B)``, ``vec(A)'*vec(B) =
  tr(A'*B)``);
- ``Σ_{a,b} δ[r, (a, b)] δ[s, (a, b)] = δ[r, s]``;
- ``Σ_r δ[r, (a, b)] = 1`` and ``Σ_{a,b} δ[r, (a, b)] = 1``;
- a factor of ones over indices that other factors span is 1 (``Σ_p 1_p δ[p, (j, i)]``),
  and a scalar times ones is that scalar.

Each holds when the two pair indices split the same dimensions (the same `Dim`
objects; two products of equal size need not split alike, 2x6 and 3x4), so a
rule fires only then.  Each removes a pair index, so applying them terminates.
"""

from __future__ import annotations

from collections import Counter

from matcalc import build
from matcalc.expr import Expr, Kron, MatMul, Ones, PairIndex, Scale, Vec
from matcalc.index import Delta, Factor, Idx, Term
from matcalc.lower import atom, lower

__all__ = ["contract_pairs"]


def contract_pairs(term: Term, free: frozenset[Idx]) -> Term | None:
    """``term`` with one identity of pair indices applied, or None if none applies."""
    splits = [n for n, f in enumerate(term.factors) if isinstance(f.base, PairIndex)]
    if not splits:
        return None
    count = term.indices()
    ones = _spare_ones(term, count)
    if ones is not None:
        n, scale = ones
        return _without(term, (n,), (), () if scale is None else (Factor(scale, ()),))
    for n in splits:
        for m in splits:
            if m > n:
                found = _two(term, n, m, count, free)
                if found is not None:
                    return found
    for n in splits:
        found = _marginal(term, n, count, free)
        if found is not None:
            return found
    return _opened(term, count, free)


def _opened(term: Term, count: Counter[Idx], free: frozenset[Idx]) -> Term | None:
    """A vec or kron factor summed against a pair index that splits it alike, opened to its index form.

    ``Σ_p vec(A)[p] δ[p, (j, i)] = A[i, j]``: opened, the two splits contract.
    """
    heads = {f.indices[0] for f in term.factors if isinstance(f.base, PairIndex)}
    for n, f in enumerate(term.factors):
        if not any(i in heads and i not in free for i in f.indices):
            continue
        scaled = atom(f.base, f.indices)  # 2*vec(A) is 2 times vec(A)
        if len(scaled.factors) != 1 or not isinstance(scaled.factors[0].base, Vec | Kron):
            continue
        (inner,) = lower(scaled.factors[0].base, scaled.factors[0].indices)
        rest = tuple(g for k, g in enumerate(term.factors) if k != n)
        coef = term.coef * scaled.coef * inner.coef
        opened = Term(coef, rest + inner.factors, term.deltas + scaled.deltas + inner.deltas)
        firsts = [k for k, g in enumerate(opened.factors) if isinstance(g.base, PairIndex)]
        seen = opened.indices()
        if any(_two(opened, a, b, seen, free) is not None for a in firsts for b in firsts if b > a):
            return opened
    return None


def _spare_ones(term: Term, count: Counter[Idx]) -> tuple[int, Expr | None] | None:
    """A factor of ones, or a scalar times ones, whose indices all appear elsewhere, and that scalar.

    Multiplying by it multiplies by the scalar (``Σ_{p,q} (a*1)[p,q] δ[p,(r,s)] δ[q,(t,u)] …``).
    """
    for n, f in enumerate(term.factors):
        scale, body = (f.base.coef, f.base.body) if isinstance(f.base, Scale) else (None, f.base)
        if _all_ones(body) and f.indices and all(count[i] > f.indices.count(i) for i in f.indices):
            return n, scale
    return None


def _all_ones(e: Expr) -> bool:
    """``vector(1)``, ``matrix(1)``, or the outer product ``vector(1)*vector(1)'``."""
    if isinstance(e, MatMul) and len(e.factors) == 2:
        col, row = e.factors
        return isinstance(col, Ones) and isinstance(row, Ones) and col.is_vector and row.is_vector
    return isinstance(e, Ones)


def _summed_here(i: Idx, times: int, count: Counter[Idx], free: frozenset[Idx]) -> bool:
    return i not in free and count[i] == times


def _two(term: Term, n: int, m: int, count: Counter[Idx], free: frozenset[Idx]) -> Term | None:
    """δ[r,(a,b)] δ[r,(c,d)] = δ[a,c] δ[b,d], or δ[r,(a,b)] δ[s,(a,b)] = δ[r,s] (summed as shown)."""
    p, q = term.factors[n], term.factors[m]
    if p.base.shape[1:] != q.base.shape[1:]:
        return None
    (r, a, b), (s, c, d) = p.indices, q.indices
    if r == s and len({r, a, b, c, d}) == 5 and _summed_here(r, 2, count, free):
        return _without(term, (n, m), (Delta(a, c), Delta(b, d)))
    alike = (a, b) == (c, d) and a != b and r != s and r.dim == s.dim
    if alike and _summed_here(a, 2, count, free) and _summed_here(b, 2, count, free):
        return _without(term, (n, m), (Delta(r, s),))
    return None


def _marginal(term: Term, n: int, count: Counter[Idx], free: frozenset[Idx]) -> Term | None:
    """Σ_r δ[r,(a,b)] = 1 and Σ_{a,b} δ[r,(a,b)] = 1, keeping the other indices in the term."""
    r, a, b = term.factors[n].indices
    if len({r, a, b}) < 3:
        return None
    if _summed_here(r, 1, count, free):
        kept: tuple[Idx, ...] = (a, b)
    elif _summed_here(a, 1, count, free) and _summed_here(b, 1, count, free):
        kept = (r,)
    else:
        return None
    ones = tuple(Factor(build.ones((i.dim,)), (i,)) for i in kept if count[i] == 1)
    return _without(term, (n,), (), ones)


def _without(
    term: Term, drop: tuple[int, ...], deltas: tuple[Delta, ...], extra: tuple[Factor, ...] = ()
) -> Term:
    factors = tuple(f for k, f in enumerate(term.factors) if k not in drop) + extra
    return Term(term.coef, factors, term.deltas + deltas)
