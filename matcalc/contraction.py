"""One term of an index expression as one ``einsum``: the plan both evaluation and codegen follow.

A delta ``δ[a, b]`` with a summed index is contracted by merging that index
into the other (the sum over it picks the diagonal); a delta between two free
indices either stays, as an identity-matrix operand, or (``merge_free``) merges
the second free index onto the first, so the term lives on a diagonal of the
result.  An index no operand carries is a vector of ones if it is free, and a
factor of its size if it is summed.  `matcalc.evaluate` turns the plan into a
`numpy.einsum` call, `matcalc.codegen.einsum` into source code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from matcalc.index import Delta, Idx
from matcalc.unionfind import UnionFind

__all__ = ["Plan", "plan"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Plan(Generic[T]):
    """The operands of one einsum over a term's factors.

    ``operands``: each factor's payload with its indices after merging;
    ``eyes``: the deltas between free indices kept as identity operands;
    ``out``: each free index's representative (two free indices share one
    when a delta merged them: the term lies on that diagonal);
    ``unused``: representatives no operand carries, in order of appearance
    (free ones: vectors of ones; summed ones: factors of their sizes).
    """

    operands: list[tuple[T, list[Idx]]]
    eyes: list[tuple[Idx, Idx]]
    out: tuple[Idx, ...]
    unused: list[Idx]


def plan(
    factors: Iterable[tuple[T | None, Sequence[Idx]]],
    deltas: Iterable[Delta],
    free: Sequence[Idx],
    merge_free: bool = False,
) -> Plan[T]:
    """The einsum plan of ``Π factors Π deltas`` over the free indices ``free``.

    A factor with payload None is a factor of ones: its indices take part, but
    it is no operand.
    """
    deltas = tuple(deltas)
    classes: UnionFind[Idx] = UnionFind()
    is_free = set(free)
    eyes: list[tuple[Idx, Idx]] = []
    for d in deltas:
        ra, rb = classes.find(d.a), classes.find(d.b)
        if ra == rb:
            continue  # δ[i, i] = 1
        if ra in is_free and rb in is_free and not merge_free:
            eyes.append((ra, rb))  # free indices are never merged, so they stay roots
        elif ra in is_free:
            classes.union(ra, rb)
        else:
            classes.union(rb, ra)
    find = classes.find
    operands: list[tuple[T, list[Idx]]] = []
    seen = [find(i) for i in free]
    for payload, indices in factors:
        merged = [find(i) for i in indices]
        seen += merged
        if payload is not None:
            operands.append((payload, merged))
    for d in deltas:
        seen += (find(d.a), find(d.b))
    used = {i for _, idx in operands for i in idx} | {i for eye in eyes for i in eye}
    unused = [i for i in dict.fromkeys(seen) if i not in used]
    return Plan(operands, eyes, tuple(find(i) for i in free), unused)
