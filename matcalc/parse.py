"""Parse the input language (matrixcalculus.org's syntax) into an expression.

The tokens are read by :mod:`matcalc.lexer`, the grammar by
:mod:`matcalc.grammar`, and :mod:`matcalc.vocabulary` holds the built-in
names; here are the entry points and the two passes (kinds of undeclared names
inferred from their uses, then the expression built).  Nodes are built with
the smart constructors of :mod:`matcalc.build`, so shapes are checked as the
text is read; a `ShapeError` shows the text with a caret under the operator at
fault.  The text is never evaluated as Python.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from matcalc import build
from matcalc.errors import ParseError, ShapeError
from matcalc.expr import FUNCTION_KINDS, KINDS, Expr
from matcalc.grammar import MAX_NESTING, Parser
from matcalc.kinds import Contradiction, infer
from matcalc.lexer import tokenize
from matcalc.limits import DEFAULT_LENGTH, max_length
from matcalc.recursion import deep
from matcalc.spellings import check_caret_t
from matcalc.vocabulary import RESERVED

__all__ = ["MAX_LENGTH", "MAX_NESTING", "RESERVED", "ParseResult", "parse", "parse_result"]

#: Longest text accepted by default (`matcalc.limits.DEFAULT_LENGTH`); ``limits(length=N)`` raises it.
MAX_LENGTH = DEFAULT_LENGTH


def parse(text: str, kinds: Mapping[str, str] | None = None) -> Expr:
    """Parse ``text`` into an expression.

    ``kinds`` maps symbol names to ``"scalar"``, ``"vector"``, ``"matrix"``,
    ``"symmetric"`` or ``"square"`` (or an abstract function kind).  A name not in it takes the
    kind its uses demand (``lam`` in ``norm2(w)^2 + lam*norm2(w)^2`` is a
    scalar); only what the uses leave open is decided by the first letter
    (a-g scalar, h-z vector, A-Z matrix).  `parse_result` tells which kinds
    were guessed that way.
    """
    return parse_result(text, kinds).expr


@dataclass(frozen=True, slots=True)
class ParseResult:
    """An expression with the kinds of its names: declared, inferred from use, or guessed.

    ``kinds`` has every symbol of ``expr``; ``inferred`` the undeclared names
    whose kind the uses decided, ``guessed`` those whose kind the first letter
    decided (what a user may want to declare).
    """

    expr: Expr
    kinds: dict[str, str]
    inferred: dict[str, str]
    guessed: dict[str, str]


def parse_result(text: str, kinds: Mapping[str, str] | None = None) -> ParseResult:
    """Parse ``text`` like `parse`, and say how the kind of each name was decided."""
    if not isinstance(text, str):
        raise ParseError(f"expected the expression as a string, got {type(text).__name__}")
    limit = max_length()
    if len(text) > limit:
        raise ParseError(
            f"expression is longer than {limit} characters ({len(text):,}), the parser's limit against "
            "hostile input; to read a longer text you trust, such as a printed result, raise it with "
            "`with matcalc.limits(length=N):` (CLI: --max-length N)"
        )
    declared = _checked_kinds(kinds)
    with deep(), _no_cyclic_gc():
        tokens = tokenize(text)
        check_caret_t(text, tokens, declared)
        decided: dict[str, str] = {}
        guessed: frozenset[str] = frozenset()
        if any(t.kind == "name" and t.text not in declared and t.text not in RESERVED for t in tokens):
            typing = Parser(text, declared, tokens, typing=True)
            try:
                typing.parse()
                found = infer(typing.ops, list(typing.names.values()), build.default_kind)
                decided, guessed = found.kinds, found.guessed
            except (Contradiction, AttributeError, TypeError):
                # Contradicting uses, or a construct whose parsing inspects its operands
                # (not typed yet): the first-letter kinds, guessed, and the builder says where.
                decided = {n: build.default_kind(n) for n in typing.names}
                guessed = frozenset(decided)
        expr = Parser(text, {**decided, **declared}, tokens).parse()
    return ParseResult(
        expr,
        {s.name: s.kind for s in expr.symbols},
        {n: k for n, k in decided.items() if n not in guessed},
        {n: k for n, k in decided.items() if n in guessed},
    )


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a text is read.

    Reading a long text allocates hundreds of thousands of small objects (tokens,
    the operations of kind inference, nodes) that stay alive until the end; each
    collection would walk them all again (a quarter of the time of a
    100,000-character input).  What becomes garbage is collected after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _checked_kinds(kinds: Mapping[str, str] | None) -> dict[str, str]:
    if kinds is not None and not isinstance(kinds, Mapping):
        raise ShapeError(f"kinds must map symbol names to kinds, got {type(kinds).__name__}")
    checked = dict(kinds or {})
    for name, kind in checked.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise ShapeError(f"kinds: {name!r} is not a symbol name")
        if name in RESERVED:
            raise ShapeError(f"kinds: {name!r} is a built-in function, not a symbol")
        if not isinstance(kind, str):
            raise ShapeError(f"kinds: the kind of '{name}' must be a string such as 'vector', got {kind!r}")
        if kind not in KINDS and kind not in FUNCTION_KINDS:
            raise ShapeError(f"kinds: unknown kind {kind!r} for '{name}'; kinds are {', '.join(KINDS)}")
    return checked

