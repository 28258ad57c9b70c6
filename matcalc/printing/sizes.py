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
from matcalc.expr import FUNCTION_KINDS, Expr, IndexForm, children, walk
from matcalc.limits import limits, max_length
from matcalc.parse import parse

__all__ = ["open_axes", "parsed_back", "printable", "size_text", "unfixed_constants"]

#: True while a text is being parsed back (printing inside that parse does not recurse).
_CHECKING: ContextVar[bool] = ContextVar("_CHECKING", default=False)


def size_text(d: Dim) -> str:
    """``size(X, 2)``: the text of a named dimension; a product's, ``size(x, 1)*size(A, 1)``."""
    return "*".join(f"size({p.owner}, {p.axis + 1})" for p in d.atoms())


def parsed_back(e: Expr, text: str) -> Expr | None:
    """``text``, the text of ``e``, parsed with the kinds of ``e``'s symbols; None if it does not parse.

    None too while a text is being parsed back (printing inside that parse does not recurse).
    """
    if _CHECKING.get():
        return None
    token = _CHECKING.set(True)
    try:
        with limits(length=max(len(text), max_length())):  # the printer's own text: trusted
            return parse(text, _kinds(e))
    except MatcalcError:  # no size would make it parse
        return None
    finally:
        _CHECKING.reset(token)


def _kinds(e: Expr) -> dict[str, str]:
    """The kinds of ``e``'s symbols, and of the variables its left-hand side names.

    A zero derivative holds no symbol: ``∂²f[i,j]/∂A[k,l]∂lam = 0`` reads ``lam`` by its rank.
    """
    kinds = (
        {name: _RANK_KINDS[rank] for name, rank in e.lhs.variables}
        if isinstance(e, IndexForm) and e.lhs
        else {}
    )
    return {**kinds, **{s.name: s.kind for s in e.symbols}}


_RANK_KINDS = {0: "scalar", 1: "vector", 2: "matrix"}


def printable(e: Expr, d: Dim) -> bool:
    """True if ``d``, a dimension in ``e``, has a text: each part an axis of a symbol, not of a function."""
    functions = {s.name for s in e.symbols if s.kind in FUNCTION_KINDS}
    return all(not a.anonymous and a.owner not in functions for a in d.atoms())


def unfixed_constants(
    e: Expr, back: Expr, printed: frozenset[Expr], sized: frozenset[Expr] = frozenset()
) -> frozenset[Expr]:
    """The constants of ``e`` that must print their size for its text, parsed ``back``, to keep every size.

    ``printed`` are the constants the text shows somewhere, ``sized`` those it
    shows with their size.  A constant node can occur where the text shows it
    and where it does not (the ones of a scalar broadcast in a sum, ``a+X``, are
    ``a*matrix(1)``, and the same ``matrix(1)`` may be printed elsewhere); an
    occurrence of a sized constant that still comes back with an open size is
    one the text does not show, so it fixes nothing and another constant of
    its class must print the size.  Only constants whose dimensions all belong to symbols
    can print a size (a dimension of an abstract function's value cannot); a
    product dimension, the rows of ``kron(x, A)``, prints as the product of its
    parts' sizes, ``size(x, 1)*size(A, 1)``.  When the text parses back to
    another structure with a size left open, every such constant prints its size.
    """
    sizable = {n for n in printed if n.ndim > 0 and all(printable(e, d) for d in n.shape)}
    if not sizable:
        return frozenset()
    pairs = _paired(e, back)
    if pairs is None:  # another structure (an index form's terms in another order): all or nothing
        open_size = any(a.anonymous for n in walk(back) for a in atoms(n.shape))
        return frozenset(sizable - sized) if open_size else frozenset()
    more: set[Expr] = set()
    fixed: set[Dim] = set()
    for mine, theirs in pairs:  # in the order of the text: the first constant of each class prints it
        loose = {d for d in theirs.shape if d.anonymous} - fixed
        if mine in sizable and loose and mine not in sized:
            more.add(mine)
            fixed |= loose
    return frozenset(more)


def open_axes(e: Expr, back: Expr) -> frozenset[int]:
    """The axes of ``e`` whose size its text, parsed ``back``, leaves open, and that have a size to print.

    Only an index form prints such a size (`matcalc.printing.indices.index_text`):
    the function's axes in ``∂f[i,j]/∂x[k] = 2*x[k]*δ[i,j]`` are the rows of a
    matrix no longer in the text.
    """
    if back.ndim != e.ndim:
        return frozenset()
    return frozenset(
        n for n, (mine, theirs) in enumerate(zip(e.shape, back.shape, strict=True))
        if any(a.anonymous for a in theirs.atoms()) and printable(e, mine)
    )  # fmt: skip


def atoms(shape: tuple[Dim, ...]) -> Iterator[Dim]:
    """The dimensions a shape is made of (the parts of its product dimensions)."""
    for d in shape:
        yield from d.atoms()


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
