"""Operands of the smart constructors: how messages name them, and unifying their dimensions.

Every constructor (:mod:`matcalc.build`, :mod:`matcalc.arithmetic`, :mod:`matcalc.axes`, ...)
unifies the dimensions its operation forces to agree together with those of
same-named symbols in different operands, through `unified`, and names its
operands in a `ShapeError` with `describe`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from operator import attrgetter

from matcalc.dims import Dim, Unifier
from matcalc.errors import ShapeError
from matcalc.expr import FUNCTION_KINDS, Expr, Symbol, substitute_dims
from matcalc.limits import charge
from matcalc.node_sets import ON_FORGET, interned

__all__ = ["describe", "unified", "unified_all", "unify"]


# ---- describing operands in messages -------------------------------------------------


def describe(e: Expr) -> str:
    """A short phrase for an operand: ``'column vector x'``, ``'matrix A*B'``."""
    if e.is_scalar:
        what = "scalar"
    elif e.is_vector:
        what = "row vector" if e.row else "column vector"
    elif e.is_matrix:
        what = "matrix"
    else:
        what = f"order-{e.ndim} tensor"
    text = str(e)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{what} {text}"


# ---- unification -------------------------------------------------------------------------


def unified(operands: Sequence[Expr], equal: Iterable[tuple[Dim, Dim]] = ()) -> list[Expr]:
    """The operands with forced-equal dims and same-named symbols' dims unified."""
    found = _renaming(operands, equal)
    return list(operands) if found is None else _renamed(operands, *found)[0]


def unify(
    operands: Sequence[Expr], equal: Iterable[tuple[Dim, Dim]] = ()
) -> tuple[list[Expr], Unifier]:
    """`unified`, and the unifier (to map further dims such as a result shape)."""
    found = _renaming(operands, equal)
    return (list(operands), Unifier()) if found is None else _renamed(operands, *found)


def _renaming(
    operands: Sequence[Expr], equal: Iterable[tuple[Dim, Dim]]
) -> tuple[list[tuple[Symbol, Symbol]], Sequence[tuple[Dim, Dim]]] | None:
    """What unifying has to do: the same-named symbols that differ, and the pairs of equal dims.

    None when nothing needs renaming (most operations: then no unifier is made).
    """
    charge()  # the work budget of the public call (matcalc.limits)
    if len(operands) == 2:  # (most operations: two operands)
        clashes = _clashes(operands[0].symbols, operands[1].symbols)
    else:
        clashes = [pair for i, op in enumerate(operands) for other in operands[i + 1 :]
                   for pair in _clashes(op.symbols, other.symbols)]  # fmt: skip
    equal = equal if isinstance(equal, list | tuple) else list(equal)
    if clashes:
        return clashes, equal
    for a, b in equal:
        if a != b:
            return clashes, equal
    return None


def _renamed(
    operands: Sequence[Expr], clashes: list[tuple[Symbol, Symbol]], equal: Sequence[tuple[Dim, Dim]]
) -> tuple[list[Expr], Unifier]:
    """The operands renamed once the clashing symbols' dims and the ``equal`` pairs are unified."""
    uf = Unifier(lambda owner: _is_function(operands, owner))
    for prev, s in clashes:
        if prev.kind != s.kind:
            raise ShapeError(f"'{s.name}' is used both as a {prev.kind} and as a {s.kind}")
        uf.unify_all(zip(prev.shape, s.shape, strict=True))
    uf.unify_all(equal)
    sub = uf.substitution()
    return [substitute_dims(op, sub) for op in operands], uf


def unified_all(operands: Sequence[Expr], equal: Iterable[tuple[Dim, Dim]] = ()) -> list[Expr]:
    """`unified` for many operands in one pass, linear in their number (not in its square).

    Each symbol is unified with the first symbol of its name, which gives the
    classes that unifying every pair of same-named symbols gives.
    """
    charge()  # the work budget of the public call (matcalc.limits)
    uf = Unifier()
    first: dict[str, Symbol] = {}
    sets: set[int] = set()
    for op in operands:
        if id(op.symbols) in sets:  # the same symbols as an earlier operand
            continue
        sets.add(id(op.symbols))
        for s in op.symbols:
            prev = first.setdefault(s.name, s)
            if prev is not s:
                if prev.kind != s.kind:
                    raise ShapeError(f"'{s.name}' is used both as a {prev.kind} and as a {s.kind}")
                uf.unify_all(zip(prev.shape, s.shape, strict=True))
    uf.unify_all(equal)
    sub = uf.substitution()
    done: dict[Expr, Expr] = {}  # operands repeat in long inputs (A*B*A*B*...): each is renamed once
    return [done[op] if op in done else done.setdefault(op, substitute_dims(op, sub)) for op in operands]


#: The name of a symbol, the key of the binary searches (read in C: no Python call per probe).
_name = attrgetter("name")


def _is_function(operands: Sequence[Expr], owner: str) -> bool:
    """True when ``owner`` names an abstract function of the operands (its dims yield to others)."""
    for op in operands:
        symbols = op.symbols  # sorted by name
        n = bisect.bisect_left(symbols, owner, key=_name)
        if n < len(symbols) and symbols[n].name == owner:
            return symbols[n].kind in FUNCTION_KINDS
    return False


#: Pairs of symbol sets (interned tuples) known to hold no two different symbols of one name;
#: cleared with the interned sets, so an id here always belongs to its tuple.
_CONSISTENT: set[tuple[int, int]] = set()
ON_FORGET.append(_CONSISTENT.clear)


def _clashes(a: tuple[Symbol, ...], b: tuple[Symbol, ...]) -> list[tuple[Symbol, Symbol]]:
    """The pairs of different symbols with one name, one from each set."""
    if a is b or not a or not b:
        return []
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if (id(small), id(large)) in _CONSISTENT:
        return []
    found = []
    for s in small:  # sorted by name: look each one up in the larger set
        n = bisect.bisect_left(large, s.name, key=_name)
        if n < len(large) and large[n].name == s.name and large[n] is not s:
            found.append((large[n], s))
    if not found and interned(small) and interned(large):  # their ids stay theirs while interned
        _CONSISTENT.add((id(small), id(large)))
    return found
