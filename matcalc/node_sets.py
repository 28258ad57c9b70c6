"""The symbols and dimensions of a node, merged from its children's (`matcalc.tree` derives them).

A node's ``symbols`` is the union of its children's sorted symbol tuples, and its
``dims`` the union of their dimension sets with its own. Both reuse a child's
object whenever it already holds the others, so building a chain stays linear.
Symbol tuples are interned (one tuple object per set), so that checks keyed by
a tuple's id can be memoized; `forget_symbol_sets` drops them, with every memo
registered in `ON_FORGET`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING

from matcalc.dims import Dim

if TYPE_CHECKING:
    from matcalc.expr import Symbol
    from matcalc.tree import Expr

__all__ = [
    "CACHE_LIMIT",
    "ON_FORGET",
    "forget_symbol_sets",
    "interned",
    "merged_dims",
    "merged_symbols",
    "own_dims",
]


def merged_symbols(groups: list[tuple[Symbol, ...]]) -> tuple[Symbol, ...]:
    """The union of sorted symbol tuples, sorted by name; a tuple that holds all the others is reused.

    (Reusing keeps building a chain linear: a node over a big subexpression
    and one more symbol copies the symbols only when the symbol is new.)
    """
    groups = list(filter(None, groups))
    if not groups:
        return ()
    largest = max(groups, key=len)
    if groups.count(largest) == len(groups):  # (equal tuples hold the same symbols)
        return largest
    others = [s for g in groups if g is not largest for s in g]
    if len(others) <= _FEW:  # a few symbols into a big set (a chain): binary search, one tuple copy each
        out = largest
        for s in others:
            n = bisect.bisect_left(out, s.name, key=_symbol_name)
            if n == len(out) or out[n].name != s.name:
                out = (*out[:n], s, *out[n:])
        if out is largest:
            return largest
    else:
        names = {s.name for s in largest}
        extra = {s.name: s for s in others if s.name not in names}
        if not extra:
            return largest
        for s in largest:
            extra.setdefault(s.name, s)
        out = tuple(extra[n] for n in sorted(extra))
    if len(_SYMBOL_SETS) >= CACHE_LIMIT:
        forget_symbol_sets()
    return _SYMBOL_SETS.setdefault(out, out)  # one tuple object per set: checks can be memoized


#: Most new symbols `_merged_symbols` inserts one at a time.
_FEW = 4


#: The name of a symbol, the key of the binary searches (read in C: no Python call per probe).
_symbol_name = attrgetter("name")


#: Interned symbol tuples (symbols hash by identity, so equal tuples hold the same objects).
_SYMBOL_SETS: dict[tuple[Symbol, ...], tuple[Symbol, ...]] = {}
#: Entries the caches of this module keep before they start again (they only save time).
CACHE_LIMIT = 50_000
#: Called when the interned symbol sets are dropped (build registers its memo of them).
ON_FORGET: list[Callable[[], None]] = []


def interned(symbols: tuple[Symbol, ...]) -> bool:
    """True while ``symbols`` is the interned tuple for its set (so its id is its own)."""
    return _SYMBOL_SETS.get(symbols) is symbols


def forget_symbol_sets() -> None:
    """Drop the interned symbol sets, and every memo keyed by their ids."""
    _SYMBOL_SETS.clear()
    for forget in ON_FORGET:
        forget()


def own_dims(e: Expr) -> frozenset[Dim]:
    """The dimensions of ``e``'s own: its shape's, with the parts of products (so substitutions see them).

    A node that `holds_dims` adds those of its ``parts``.
    """
    shape = e.shape
    own = frozenset(shape)
    for d in shape:
        if d.parts:
            own = own.union(*(d.parts for d in shape))
            break
    if e.holds_dims:
        own = own.union(*(d.atoms() for d in e.parts), e.parts)  # type: ignore[attr-defined]
    return own


def merged_dims(own: frozenset[Dim], groups: list[frozenset[Dim]]) -> frozenset[Dim]:
    """The union of the dimension sets; a set that holds all the others is reused."""
    if not groups:
        return own
    largest = max(groups, key=len)
    if own <= largest and all(map(largest.issuperset, groups)):
        return largest
    return own.union(*groups)
