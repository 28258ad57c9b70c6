"""Union-find (disjoint sets), the one implementation every pass uses.

Dimension unification (`matcalc.dims`), delta contraction in einsum plans
(`matcalc.einsum_plan`), SymPy dimension matching (`matcalc.sympy_from`) and
the grouping of factors linked by summed indices (`matcalc.vec.kron`) all
merge classes; they differ only in which member stands for a class, so
`union` lets the caller say which root survives.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

__all__ = ["UnionFind"]

T = TypeVar("T", bound=Hashable)


class UnionFind(Generic[T]):
    """Classes of equal elements; an element never merged is its own class."""

    __slots__ = ("_parent",)

    def __init__(self) -> None:
        self._parent: dict[T, T] = {}

    def find(self, x: T) -> T:
        """The representative of ``x``'s class."""
        parent = self._parent
        root = x
        while root in parent:
            root = parent[root]
        while x != root:  # path compression
            nxt = parent[x]
            parent[x] = root
            x = nxt
        return root

    def union(self, keep: T, other: T) -> T:
        """Merge the classes of ``keep`` and ``other``; ``keep``'s representative stands for both."""
        root, gone = self.find(keep), self.find(other)
        if root != gone:
            self._parent[gone] = root
        return root

    def merged(self) -> Iterator[T]:
        """Every element that was merged into another class (its representative differs)."""
        return iter(list(self._parent))
