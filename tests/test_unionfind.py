"""The one union-find (`matcalc.unionfind`) and the einsum plan built on it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from matcalc.dims import Dim
from matcalc.unionfind import UnionFind

pairs = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=20)


def _components(edges: list[tuple[int, int]]) -> dict[int, frozenset[int]]:
    """Connected components by repeated closure (the naive oracle)."""
    comp = {n: frozenset([n]) for n in range(10)}
    for _ in range(10):
        for a, b in edges:
            both = comp[a] | comp[b]
            for n in both:
                comp[n] = both
    return comp


@given(pairs)
def test_classes_are_connected_components(edges: list[tuple[int, int]]) -> None:
    uf: UnionFind[int] = UnionFind()
    for a, b in edges:
        uf.union(a, b)
    comp = _components(edges)
    for a in range(10):
        for b in range(10):
            assert (uf.find(a) == uf.find(b)) == (b in comp[a])


@given(pairs)
def test_the_kept_root_stands_for_the_class(edges: list[tuple[int, int]]) -> None:
    uf: UnionFind[int] = UnionFind()
    for a, b in edges:
        root = uf.union(a, b)
        assert uf.find(a) == uf.find(b) == root


def test_dimension_classes_keep_their_smallest_member() -> None:
    from matcalc.dims import Unifier

    uf = Unifier()
    a, b, c = Dim.of("C", 0), Dim.of("A", 1), Dim.of("B", 0)
    uf.unify(a, c)
    uf.unify(c, b)
    assert {uf.find(d) for d in (a, b, c)} == {b}
    assert uf.substitution() == {a: b, c: b}
