"""Which constants must print their size for the text to parse back to the same sizes.

``vector(1)``, ``matrix(c)`` and ``eye`` take their size from their context
when parsed.  A derivative may leave one whose context fixes nothing, such as
the sample count ``vector(1)'*vector(1)`` of ``d sum(y-c)/dc``, whose size is
the length of ``y``; its text would parse back to an expression that cannot be
evaluated.  Such a constant prints with its size, ``vector(1, size(y, 1))``,
and only such a one: which they are is read off by parsing the plain text
back (the parser is the one judge of what context fixes) and finding the
constants whose dimensions came back anonymous; one per anonymous dimension
is enough, unification sizes the others.  The printer repeats this until the
text parses back with every size (`matcalc.printing.text.to_text`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar

from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import FUNCTION_KINDS, Expr, children
from matcalc.parse import parse

__all__ = ["size_text", "unfixed_constants"]

#: True while a text is being parsed back (printing inside that parse does not recurse).
_CHECKING: ContextVar[bool] = ContextVar("_CHECKING", default=False)

def size_text(d: Dim) -> str:
    """``size(X, 2)``: the text of a named dimension."""
    return f"size({d.owner}, {d.axis + 1})"


def unfixed_constants(e: Expr, text: str, printed: frozenset[Expr]) -> frozenset[Expr]:
    """The constants of ``e`` that must print their size for ``text``, ``e`` as printed, to parse back.

    ``printed`` are the constants the text shows (a scalar broadcast in a sum,
    ``2+x``, shows none).  Only constants whose dimensions all belong to symbols
    can print a size (a dimension of an abstract function's value cannot, nor
    a product dimension, the rows of ``kron(A, B)``: ``size(X, k)`` names one axis).
    When ``text`` does not parse back, no size would make it; when it parses
    back to another structure, every such constant prints its size.
    """
    if _CHECKING.get():
        return frozenset()
    functions = {s.name for s in e.symbols if s.kind in FUNCTION_KINDS}
    sizable = {
        n for n in printed
        if n.ndim > 0 and all(not d.anonymous and not d.parts and d.owner not in functions for d in n.shape)
    }  # fmt: skip
    if not sizable:
        return frozenset()
    token = _CHECKING.set(True)
    try:
        back = parse(text, {s.name: s.kind for s in e.symbols})
    except MatcalcError:
        return frozenset()
    finally:
        _CHECKING.reset(token)
    pairs = _paired(e, back)
    if pairs is None:
        return frozenset(sizable)
    sized: set[Expr] = set()
    fixed: set[Dim] = set()
    for mine, theirs in pairs:  # in the order of the text: the first constant of each class prints it
        loose = {d for d in theirs.shape if d.anonymous} - fixed
        if mine in sizable and loose:
            sized.add(mine)
            fixed |= loose
    return frozenset(sized)


def _paired(e: Expr, back: Expr) -> list[tuple[Expr, Expr]] | None:
    """The nodes of ``e`` and ``back`` side by side, left to right; None if their structures differ."""
    out: list[tuple[Expr, Expr]] = []
    seen: set[tuple[Expr, Expr]] = set()
    stack = [(e, back)]
    while stack:
        a, b = stack.pop()
        if type(a) is not type(b):
            return None
        if (a, b) in seen:
            continue
        seen.add((a, b))
        out.append((a, b))
        kids = list(_zipped(a, b))
        if kids is None or any(k is None for k in kids):
            return None
        stack.extend(reversed(kids))  # type: ignore[arg-type]
    return out


def _zipped(a: Expr, b: Expr) -> Iterator[tuple[Expr, Expr] | None]:
    ka, kb = list(children(a)), list(children(b))
    if len(ka) != len(kb):
        yield None
        return
    yield from zip(ka, kb, strict=True)
