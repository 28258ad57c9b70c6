"""Generic traversal of matrix-level nodes, through their dataclass fields.

`walk` visits every distinct node, children before parents; `rebuild` maps a
node's children and dimensions; `substitute_dims` renames dimensions through a
whole tree; `tree_repr` spells out the constructor form.  All work on any node
class (`matcalc.tree.node_fields` names its structural fields) and none
recurses, so deep trees do not exhaust Python's stack.  `children` (a node's
direct subexpressions) lives with the base class in `matcalc.tree`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

from matcalc.dims import Dim, substituted
from matcalc.tree import Expr, children, node_fields

__all__ = ["rebuild", "substitute_dims", "tree_repr", "walk"]

#: Largest expanded tree that `tree_repr` spells out in full.
_REPR_LIMIT = 2_000


def rebuild(e: Expr, child: Callable[[Expr], Expr], dim: Callable[[Dim], Dim]) -> Expr:
    """``e`` with every child mapped by ``child`` and every dim by ``dim``.

    The structure is kept; smart-constructor checks are not rerun, so the
    mapping must preserve shapes (as a dimension substitution does).
    """
    shape = tuple(dim(d) for d in e.shape)
    if e.holds_tensor:  # an IndexForm: map inside its index expression
        cls: Any = type(e)
        label = (e.lhs,) if e.lhs is not None else ()  # type: ignore[attr-defined]
        return cast(Expr, cls(e.tensor.map(child, dim), *label, shape=shape, row=e.row))  # type: ignore[attr-defined]
    args: list[Any] = []
    for name in node_fields(type(e)):
        value = getattr(e, name)
        if isinstance(value, Expr):
            value = child(value)
        elif isinstance(value, tuple) and value and isinstance(value[0], Expr):
            value = tuple(child(v) for v in value)
        elif name == "parts" and e.holds_dims:  # dimensions beyond the shape (`Commutation`)
            value = tuple(dim(d) for d in value)
        args.append(value)
    return type(e)(*args, shape=shape, row=e.row)


def substitute_dims(e: Expr, sub: Mapping[Dim, Dim]) -> Expr:
    """Rename dimensions throughout ``e``; subtrees that mention none are kept as they are."""
    keys = sub.keys()  # set-like: isdisjoint below walks the smaller side, not the whole substitution
    if keys.isdisjoint(e.dims):  # (an operand that unification leaves as it is: most of them)
        return e
    done: dict[Expr, Expr] = {}
    stack: list[tuple[Expr, bool]] = [(e, False)]
    while stack:  # iterative post-order: no recursion limit on deep trees
        x, expanded = stack.pop()
        if x in done:
            continue
        if keys.isdisjoint(x.dims):
            done[x] = x
        elif expanded:
            done[x] = rebuild(x, lambda k: done[k], lambda d: substituted(d, sub))
        else:
            stack.append((x, True))
            stack.extend((k, False) for k in children(x))
    return done[e]


def tree_repr(e: Expr) -> str:
    """The constructor form ``MatMul(Symbol('A', 'matrix'), ...)``, built without recursion.

    Trees larger than `_REPR_LIMIT` nodes when expanded show as a summary.
    """
    if e.tree_size > _REPR_LIMIT:
        return f"<{type(e).__name__} of shape {e.shape}, {e.tree_size} nodes expanded>"
    done: dict[Expr, str] = {}
    for x in walk(e):  # children before parents: each one's text is ready when needed
        parts: list[str] = []
        for f in node_fields(type(x)):
            value = getattr(x, f)
            if value is None:  # an optional field left out (an index form's lhs)
                continue
            items = value if isinstance(value, tuple) else (value,)
            parts.extend(done[v] if isinstance(v, Expr) else repr(v) for v in items)
        done[x] = f"{type(x).__name__}({', '.join(parts)})"
    return done[e]


def walk(e: Expr) -> Iterator[Expr]:
    """Every distinct node of ``e``, children before parents (each once)."""
    if not e.kids:  # a leaf (the orderings walk many)
        yield e
        return
    seen: set[Expr] = set()  # (nodes hash by identity)
    stack: list[tuple[Expr, bool]] = [(e, False)]
    while stack:
        x, expanded = stack.pop()
        if expanded:
            yield x
        elif x not in seen:
            seen.add(x)
            stack.append((x, True))
            stack.extend([(k, False) for k in reversed(x.kids)])
