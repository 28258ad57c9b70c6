"""Symbolic dimensions and their unification.

Every axis of every expression is a `Dim`.  A symbol's dimensions are named
after the symbol (``A`` has rows ``Dim("A", 0)`` and columns ``Dim("A", 1)``);
constants such as ``eye`` start with anonymous dimensions that unification
with their context resolves.  When two dimensions must agree, the smaller one
(named before anonymous, then by symbol name and axis) stands for both, so the
dimensions of an expression depend only on its structure, never on the order
in which it was built.

A Kronecker product or ``vec`` has a *product* dimension (``Dim.product``):
the rows of ``kron(A, B)`` are ``(A.0*B.0)``, the length of ``vec(X)`` is
``(X.1*X.0)`` (its parts, slowest-varying first).  Its size is the product of
its parts' sizes; renaming a part renames the product (`substituted`).  A
product unified with a named dimension gives way to it (``x'*vec(X)``: the
length of ``x``), so only anonymous dimensions resolve to a product.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from matcalc.errors import ShapeError
from matcalc.unionfind import UnionFind

__all__ = ["Dim", "Unifier", "fresh_dim", "substituted"]

#: The owner of a product dimension: after every symbol name, before anonymous dimensions.
_PRODUCT = "~"


class Dim(NamedTuple):
    """One symbolic dimension: axis ``axis`` of symbol ``owner``.

    An anonymous dimension has ``owner == ""`` and a serial number as ``axis``;
    a product dimension (`product`) has its factors as ``parts``.
    A named tuple: dimensions are hashed and compared very often, and a
    tuple does both in C (named before products before anonymous, then by
    owner and axis).
    """

    anonymous: bool
    owner: str
    axis: int
    parts: tuple[Dim, ...] = ()

    @staticmethod
    def product(parts: Iterable[Dim]) -> Dim:
        """The dimension whose size is the product of ``parts`` (slowest first; nested ones flattened)."""
        flat: list[Dim] = []
        for p in parts:
            flat.extend(p.parts or (p,))
        if len(flat) == 1:
            return flat[0]
        return Dim(False, _PRODUCT, 0, tuple(flat))

    def atoms(self) -> tuple[Dim, ...]:
        """The dimensions this one is made of: its parts, or itself."""
        return self.parts or (self,)

    @staticmethod
    def of(owner: str, axis: int) -> Dim:
        """The dimension of axis ``axis`` of the symbol named ``owner``."""
        return Dim(False, owner, axis)

    def describe(self) -> str:
        """A phrase for error messages: 'the rows of A', 'the length of x'."""
        if self.anonymous:
            return "an inferred dimension"
        if self.parts:
            return "the product of " + " and ".join(p.describe() for p in self.parts)
        return f"dimension {self.axis + 1} of {self.owner}"

    def __repr__(self) -> str:
        if self.parts:
            return f"({'*'.join(map(repr, self.parts))})"
        return f"?{self.axis}" if self.anonymous else f"{self.owner}.{self.axis}"


_serial = itertools.count(1)


def fresh_dim() -> Dim:
    """A new anonymous dimension, to be resolved by unification."""
    return Dim(True, "", next(_serial))


class Unifier(UnionFind[Dim]):
    """Classes of equal dimensions; the smallest member stands for its class (dims never clash).

    ``late(owner)`` says which named dimensions stand for a class only when no
    other named one is in it: an abstract function's value, whose size only
    a call measures, yields to the symbol the caller gives a value for.
    """

    __slots__ = ("_late",)

    def __init__(self, late: Callable[[str], bool] | None = None) -> None:
        super().__init__()
        self._late = late

    def _rank(self, d: Dim) -> tuple[bool, bool, Dim]:
        return d.anonymous, not d.anonymous and self._late is not None and self._late(d.owner), d

    def unify(self, a: Dim, b: Dim) -> None:
        """Record that ``a`` and ``b`` are the same dimension."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.union(*((ra, rb) if self._rank(ra) < self._rank(rb) else (rb, ra)))

    def unify_all(self, pairs: Iterable[tuple[Dim, Dim]]) -> None:
        """Unify each pair."""
        for a, b in pairs:
            self.unify(a, b)

    def substitution(self) -> Mapping[Dim, Dim]:
        """Every dimension that changes, mapped to its representative."""
        return {d: self.find(d) for d in self.merged()}

    def resolve(self, d: Dim) -> Dim:
        """The representative of ``d``, the parts of a product resolved too."""
        if not d.parts:
            return self.find(d)
        return substituted(d, self.substitution())


def substituted(d: Dim, sub: Mapping[Dim, Dim], _depth: int = 0) -> Dim:
    """``d`` renamed by ``sub``, and so are the parts of a product dimension."""
    d = sub.get(d, d)
    if not d.parts:
        return d
    if _depth > 100:
        raise ShapeError(f"dimension {d!r} would be a product that contains itself")
    return Dim.product(substituted(p, sub, _depth + 1) for p in d.parts)
