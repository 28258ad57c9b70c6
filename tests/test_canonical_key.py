"""Canonical keys of index terms: equal exactly up to factor order and summed-index names.

`simplify_terms` collects like terms by `canonical_key`; if the key depended on
the order in which a term's factors were written (``A[p,q] A[q,r]`` against
``A[q,r] A[p,q]``), like terms would be collected or not depending on how the
derivative rules happened to build them.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from matcalc import build
from matcalc.index import Factor, Idx, Term, fresh
from matcalc.simplify_index import canonical_key, simplify_terms

S = build.symbol("S", "symmetric")  # square: any index fits any slot
A = build.symbol("A")
A = build.matmul(A, S)  # A*S: square, same dims as S
V = build.symbol("x")
V = build.matmul(S, V)  # S*x: a vector of S's dimension
N = S.shape[0]
BASES = (S, A, V)


def _term(factors: list[tuple[object, tuple[Idx, ...]]]) -> Term:
    return Term(1, tuple(Factor(b, ix) for b, ix in factors))  # type: ignore[arg-type]


def test_the_issue_example() -> None:
    p, q, r = fresh(N), fresh(N), fresh(N)
    one = _term([(A, (p, q)), (A, (q, r))])
    other = _term([(A, (q, r)), (A, (p, q))])
    assert canonical_key(one, ()) == canonical_key(other, ())
    assert [t.coef for t in simplify_terms([one, other], ())] == [2]


def test_different_terms_keep_different_keys() -> None:
    p, q, r = fresh(N), fresh(N), fresh(N)
    chain = _term([(A, (p, q)), (A, (q, r))])  # sum(A*A)
    trace = _term([(A, (p, q)), (A, (q, p))])  # tr(A*A)
    transposed = _term([(A, (p, q)), (A, (r, q))])  # sum(A*A')
    keys = {canonical_key(t, ()) for t in (chain, trace, transposed)}
    assert len(keys) == 3
    assert len(simplify_terms([chain, trace, transposed], ())) == 3


@st.composite
def _random_term(draw: st.DrawFn) -> tuple[Term, tuple[Idx, ...]]:
    pool = [fresh(N) for _ in range(draw(st.integers(1, 5)))]
    n_free = draw(st.integers(0, min(2, len(pool))))
    free = tuple(pool[:n_free])
    factors = []
    for _ in range(draw(st.integers(1, 6))):
        base = draw(st.sampled_from(BASES))
        factors.append((base, tuple(draw(st.sampled_from(pool)) for _ in range(base.ndim))))
    for i in free:  # every free index occurs in the term
        factors.append((V, (i,)))
    return _term(factors), free


@settings(deadline=None)  # six alike factors are tried in 720 orders: slow on a loaded machine
@given(_random_term(), st.randoms(use_true_random=False))
def test_key_ignores_factor_order_and_summed_names(
    case: tuple[Term, tuple[Idx, ...]], rnd: random.Random
) -> None:
    term, free = case
    factors = list(term.factors)
    rnd.shuffle(factors)
    renamed = {i: fresh(i.dim) for i in term.indices() if i not in free}
    shuffled = Term(3, tuple(Factor(f.base, tuple(renamed.get(i, i) for i in f.indices)) for f in factors))
    assert canonical_key(shuffled, free) == canonical_key(term, free)
    assert [t.coef for t in simplify_terms([term, shuffled], free)] == [4]
