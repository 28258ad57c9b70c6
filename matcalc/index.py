"""The index-level IR: Einstein notation with Kronecker deltas.

An `IndexExpr` is a sum of `Term` s over named free indices.  A term is a
number times a product of factors ``base[i, j]`` (``base`` is any matrix-level
expression with one index per axis) and deltas ``δ[i, k]``.  Every index of a
term that is not free is summed over its range (generalized Einstein notation,
as in ``np.einsum``: an index may appear in any number of factors, so ``x_i
y_i`` with ``i`` free is a Hadamard product and ``x_i`` summed alone is a sum).

Indices carry their dimension and are named, never positional.  Fresh names
come from one counter, so indices introduced by different rules never clash;
printers rename them to ``i, j, k, ...``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from matcalc import build
from matcalc.dims import Dim
from matcalc.expr import Expr, IndexForm
from matcalc.limits import charge

__all__ = [
    "Delta",
    "Factor",
    "Idx",
    "IndexExpr",
    "Term",
    "fresh",
    "fresh_like",
    "index_form",
    "instantiate",
    "product",
    "rename",
    "verify",
]

Coef = int | float | Fraction


class Idx(NamedTuple):
    """A named index ranging over ``dim``.

    A named tuple, as `Dim` is: indices are hashed and compared in every
    dictionary of the index passes, and a tuple does both in C (ordered by
    name, then dimension).
    """

    name: str
    dim: Dim

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Factor:
    """``base[indices]``: one index per axis of the matrix-level expression ``base``."""

    base: Expr
    indices: tuple[Idx, ...]


@dataclass(frozen=True, slots=True)
class Delta:
    """The Kronecker delta ``δ[a, b]``."""

    a: Idx
    b: Idx


@dataclass(frozen=True, slots=True)
class Term:
    """``coef * Π factors * Π deltas``."""

    coef: Coef
    factors: tuple[Factor, ...] = ()
    deltas: tuple[Delta, ...] = ()

    def indices(self) -> Counter[Idx]:
        """How many times each index occurs (in factors and deltas)."""
        count: Counter[Idx] = Counter()
        for f in self.factors:
            count.update(f.indices)
        for d in self.deltas:
            count.update((d.a, d.b))
        return count


@dataclass(frozen=True, slots=True)
class IndexExpr:
    """A sum of terms with the free indices ``free`` (the result's axes, in order)."""

    free: tuple[Idx, ...]
    terms: tuple[Term, ...]

    @property
    def shape(self) -> tuple[Dim, ...]:
        """The dimensions of the free indices."""
        return tuple(i.dim for i in self.free)

    def bases(self) -> list[Expr]:
        """The distinct factor bases, in order of appearance."""
        seen: dict[int, Expr] = {}
        for t in self.terms:
            for f in t.factors:
                seen.setdefault(id(f.base), f.base)
        return list(seen.values())

    def map(self, base: Callable[[Expr], Expr], dim: Callable[[Dim], Dim]) -> IndexExpr:
        """This expression with every factor base and every index dimension mapped."""

        def idx(i: Idx) -> Idx:
            return Idx(i.name, dim(i.dim))

        def term(t: Term) -> Term:
            factors = tuple(Factor(base(f.base), tuple(map(idx, f.indices))) for f in t.factors)
            deltas = tuple(Delta(idx(d.a), idx(d.b)) for d in t.deltas)
            return Term(t.coef, factors, deltas)

        return IndexExpr(tuple(map(idx, self.free)), tuple(map(term, self.terms)))


_counter = itertools.count(1)


def fresh(dim: Dim) -> Idx:
    """A new index no other index shares."""
    return Idx(f"_{next(_counter)}", dim)


def fresh_like(shape: Iterable[Dim]) -> tuple[Idx, ...]:
    """New indices for the axes of ``shape``."""
    return tuple(fresh(d) for d in shape)


def product(*terms: Term) -> Term:
    """The product of terms."""
    coef: Coef = 1
    factors: list[Factor] = []
    deltas: list[Delta] = []
    for t in terms:
        coef = coef * t.coef
        factors.extend(t.factors)
        deltas.extend(t.deltas)
    return Term(coef, tuple(factors), tuple(deltas))


def rename(term: Term, mapping: Mapping[Idx, Idx]) -> Term:
    """``term`` with indices renamed (an index renamed onto another takes a diagonal)."""
    if not mapping:
        return term
    factors = tuple(Factor(f.base, tuple(mapping.get(i, i) for i in f.indices)) for f in term.factors)
    deltas = tuple(Delta(mapping.get(d.a, d.a), mapping.get(d.b, d.b)) for d in term.deltas)
    return Term(term.coef, factors, deltas)


def instantiate(terms: Iterable[Term], free: Sequence[Idx], to: Sequence[Idx]) -> list[Term]:
    """Terms over free indices ``free`` re-expressed over ``to``, summed indices made fresh."""
    out: list[Term] = []
    for t in terms:
        mapping = dict(zip(free, to, strict=True))
        for i in t.indices():
            if i not in mapping:
                mapping[i] = fresh(i.dim)
        charge(1 + len(mapping))  # a renamed copy of the term (the work budget, matcalc.limits)
        out.append(rename(t, mapping))
    return out


def index_form(free: Sequence[Idx], terms: Iterable[Term]) -> Expr:
    """The terms as an expression node (`IndexForm`), or ``0`` if there are none."""
    free = tuple(free)
    terms = tuple(terms)
    shape = tuple(i.dim for i in free)
    if not terms:
        return build.zeros(shape)
    return IndexForm(IndexExpr(free, terms), shape=shape)


def verify(ix: IndexExpr) -> None:
    """Check the invariants of an index expression; raise AssertionError if broken."""
    if len(set(ix.free)) != len(ix.free):
        raise AssertionError(f"free indices repeat: {ix.free}")
    names: dict[str, Dim] = {}
    for t in ix.terms:
        for f in t.factors:
            if len(f.indices) != f.base.ndim:
                raise AssertionError(f"factor {f.base} has {len(f.indices)} indices for {f.base.ndim} axes")
            for i, d in zip(f.indices, f.base.shape, strict=True):
                if i.dim != d:
                    raise AssertionError(f"index {i} of dim {i.dim} on an axis of dim {d} of {f.base}")
        count = t.indices()
        for i in count:
            if names.setdefault(i.name, i.dim) != i.dim:
                raise AssertionError(f"index name {i.name} used with two dimensions")
        for i in ix.free:
            if i not in count:
                raise AssertionError(f"free index {i} missing from a term")
