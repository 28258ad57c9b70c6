"""Simplification at the index level: contract deltas, collect like terms.

Contracting a delta renames one index to the other and removes the delta:
``δ_im δ_jn x_j = δ_im x_n``.  A delta between two free indices stays (it is
an identity); ``δ_ii`` is 1 for each ``i``, kept as ``1_i`` so that the sum over
``i`` (if ``i`` is summed) still spans the term.
Like terms, equal up to the names of their summed indices, are collected by
a canonical key (`canonical_key`), never by ``==``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence

from matcalc import build, pairs
from matcalc.expr import Add, Expr, IndexForm, Number, Scale, Transpose
from matcalc.index import Coef, Delta, Factor, Idx, IndexExpr, Term, fresh_like, rename
from matcalc.limits import charge
from matcalc.lower import atom, lower

__all__ = ["canonical_key", "contract", "merged_index_form", "simplify_terms"]


def contract(term: Term, free: frozenset[Idx]) -> Term:
    """``term`` with every delta that touches a summed index contracted."""
    if not term.deltas:
        return term
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


#: Most orders of interchangeable factors `canonical_key` compares (6! = 720); beyond it the
#: refined order stands (one order-dependent key: like terms may then stay apart, never merge wrongly).
MAX_ORDERS = 720


def canonical_key(term: Term, free: Sequence[Idx]) -> tuple[object, ...]:
    """A key equal for two terms that differ only in coefficient, factor order and summed-index names.

    Summed indices are named by where they first occur once the factors are in a canonical
    order.  Factors are ordered by base and free-index pattern, refined once by the
    neighbourhood of their summed indices; factors still alike (``A[p,q]`` and ``A[q,r]``
    in ``A[p,q] A[q,r]``) are tried in every order (up to `MAX_ORDERS`), and the
    smallest labelling wins, so the key does not depend on the order the term was built in.
    """
    return _canonical_key(term, {i: n for n, i in enumerate(free)})


def _canonical_key(term: Term, positions: Mapping[Idx, int]) -> tuple[object, ...]:
    """`canonical_key` with the free indices given by their positions."""
    keys = _sort_keys(term.factors, positions)
    order = sorted(range(len(keys)), key=keys.__getitem__)
    ordered = [term.factors[n] for n in order]
    runs = _tied_runs([keys[n] for n in order])
    if runs:
        ordered = min(_orders(ordered, runs), key=lambda fs: _labelled(fs, term.deltas, positions)[0])
    return _labelled(ordered, term.deltas, positions)[1]


def _sort_keys(factors: Sequence[Factor], positions: Mapping[Idx, int]) -> list[tuple[object, ...]]:
    """Per factor: base and free-index slots, refined (on a tie) by what its summed indices meet."""
    plain = [(f.base.skey, tuple(positions.get(i, -1) for i in f.indices)) for f in factors]
    if len(set(plain)) == len(plain):
        return plain  # type: ignore[return-value]
    meets: dict[Idx, list[tuple[object, int]]] = {}
    for f, p in zip(factors, plain, strict=True):
        for slot, i in enumerate(f.indices):
            if i not in positions:
                meets.setdefault(i, []).append((p, slot))
    sig = {i: tuple(sorted(m, key=repr)) for i, m in meets.items()}
    return [(p, tuple(sig.get(i, ()) for i in f.indices)) for f, p in zip(factors, plain, strict=True)]


def _tied_runs(keys: Sequence[object]) -> list[tuple[int, int]]:
    """``(start, stop)`` of each run of two or more equal keys in a sorted list."""
    runs, start = [], 0
    for n in range(1, len(keys) + 1):
        if n == len(keys) or keys[n] != keys[start]:
            if n - start > 1:
                runs.append((start, n))
            start = n
    return runs


def _orders(ordered: list[Factor], runs: list[tuple[int, int]]) -> Iterator[list[Factor]]:
    """Every order of ``ordered`` that permutes factors only within the tied runs (bounded)."""
    total = math.prod(math.factorial(b - a) for a, b in runs)
    if total > MAX_ORDERS:
        yield ordered
        return
    choices = [itertools.permutations(ordered[a:b]) for a, b in runs]
    for picks in itertools.product(*choices):
        out = list(ordered)
        for (a, b), pick in zip(runs, picks, strict=True):
            out[a:b] = pick
        yield out


def _labelled(
    ordered: Sequence[Factor], deltas: Sequence[Delta], positions: Mapping[Idx, int]
) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """(a comparable labelling, the key) for the factors in this order."""
    charge(len(ordered))  # up to MAX_ORDERS orders of a term are labelled (the work budget, matcalc.limits)
    names: dict[Idx, int] = {}
    for f in ordered:
        for i in f.indices:
            if i not in positions and i not in names:
                names[i] = len(names)

    def label(i: Idx) -> int:  # free indices negative, summed ones from 0 in order of appearance
        return -1 - positions[i] if i in positions else names.setdefault(i, len(names))

    labels = tuple(tuple(label(i) for i in f.indices) for f in ordered)
    delta_labels = tuple(sorted(tuple(sorted((label(d.a), label(d.b)))) for d in deltas))
    factors = tuple((f.base, ls) for f, ls in zip(ordered, labels, strict=True))
    return (labels, delta_labels), (factors, delta_labels)


def simplify_terms(terms: Iterable[Term], free: Sequence[Idx]) -> list[Term]:
    """Contract deltas, drop zero terms and collect like terms (first occurrence order)."""
    free_set = frozenset(free)
    contracted: list[Term] = []
    for term in terms:
        charge(1 + len(term.factors) + len(term.deltas))  # reading a term costs like building one (limits)
        if term.coef == 0:
            continue
        term = contract(term, free_set)
        while (paired := pairs.contract_pairs(term, free_set)) is not None:
            term = contract(paired, free_set)
        contracted.append(term)
    if len(contracted) < 2:  # nothing to collect: no key needed (most nodes' derivatives are one term)
        return contracted
    positions = {i: n for n, i in enumerate(free)}
    collected: dict[tuple[object, ...], tuple[Term, Coef]] = {}
    for term in contracted:
        key = _canonical_key(term, positions)
        if key in collected:
            first, coef = collected[key]
            collected[key] = (first, coef + term.coef)
        else:
            collected[key] = (term, term.coef)
    return [Term(coef, t.factors, t.deltas) for t, coef in collected.values() if coef != 0]


def merged_index_form(e: Expr) -> Expr:
    """A sum, scaling or transpose with an index form inside as one index form; anything else as it is.

    Raising can leave part of a result in matrix form and part in index
    notation (``((i,j) -> ...)+A'*x*x'``, or ``(T+T')/2`` of an index form ``T``
    by a symmetric matrix); as one `IndexForm` it has one set of free indices,
    so a derivative's left-hand side can name them.
    """
    if isinstance(e, IndexForm) or not _holds_index_form(e):
        return e
    free = fresh_like(e.shape)
    ix = IndexExpr(free, tuple(simplify_terms(_opened(e, free), free)))
    return IndexForm(ix, shape=e.shape, row=e.row) if ix.terms else build.zeros(e.shape)


def _linear(e: Expr) -> bool:
    """A node whose index form is its operands' (a sum, a transpose, a scaling by a number)."""
    return isinstance(e, Add | Transpose | IndexForm) or (isinstance(e, Scale) and isinstance(e.coef, Number))


def _holds_index_form(e: Expr) -> bool:
    """Whether an index form is reached from ``e`` through sums, transposes and scalings by numbers."""
    if isinstance(e, IndexForm):
        return True
    if isinstance(e, Add):
        return any(_holds_index_form(t) for t in e.terms)
    if isinstance(e, Transpose) or (isinstance(e, Scale) and isinstance(e.coef, Number)):
        return _holds_index_form(e.body)
    return False


def _opened(e: Expr, idx: Sequence[Idx]) -> list[Term]:
    """``e[idx]`` as terms, sums, transposes, scalings by numbers and index forms opened."""
    if isinstance(e, Scale) and isinstance(e.coef, Number):
        return [Term(e.coef.value * t.coef, t.factors, t.deltas) for t in _opened(e.body, idx)]
    if not _linear(e):
        return [atom(e, idx)]
    out: list[Term] = []
    for t in lower(e, idx):
        if len(t.factors) == 1 and not t.deltas and _linear(t.factors[0].base):
            f = t.factors[0]
            out += [Term(t.coef * u.coef, u.factors, u.deltas) for u in _opened(f.base, f.indices)]
        else:
            out.append(t)
    return out
