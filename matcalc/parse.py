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
from collections.abc import Mapping
from dataclasses import dataclass

from matcalc import build
from matcalc.calls import Departs
from matcalc.errors import MatcalcError, ParseError, ShapeError
from matcalc.expr import FUNCTION_KINDS, KINDS, Expr
from matcalc.grammar import MAX_NESTING, Parser
from matcalc.kinds import Contradiction, infer
from matcalc.lexer import Token, tokenize
from matcalc.limits import DEFAULT_LENGTH, max_length
from matcalc.recursion import deep
from matcalc.spellings import check_caret_t
from matcalc.vocabulary import RESERVED, VEC_CONSTANTS, WHERE

__all__ = ["MAX_LENGTH", "MAX_NESTING", "RESERVED", "ParseResult", "parse", "parse_result"]

#: Longest text accepted by default (`matcalc.limits.DEFAULT_LENGTH`); ``limits(length=N)`` raises it.
MAX_LENGTH = DEFAULT_LENGTH

#: A symbol name, as the lexer reads one.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def parse(text: str, kinds: Mapping[str, str] | None = None) -> Expr:
    """Parse ``text`` into an expression.

    ``kinds`` maps symbol names to ``"scalar"``, ``"vector"``, ``"matrix"``,
    ``"symmetric"`` or ``"square"`` (or an abstract function kind).  A name not in it takes the
    kind its uses demand (``lam`` in ``norm2(w)^2 + lam*norm2(w)^2`` is a
    scalar); only what the uses leave open is decided by the first letter
    (a-g scalar, h-z vector, A-Z matrix).  `parse_result` tells which kinds
    were guessed that way.
    """
    return _read(text, kinds, quick=True)  # type: ignore[return-value]  # (quick: the expression)


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
    return _read(text, kinds, quick=False)  # type: ignore[return-value]  # (not quick: the result)


def _read(text: str, kinds: Mapping[str, str] | None, quick: bool) -> ParseResult | Expr:
    """`parse_result`; with ``quick``, only the expression, by `_first_letters` where that holds."""
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
    with deep(), _NoCyclicGC():
        tokens = tokenize(text)
        names = {t.text for t in tokens if t.kind == "name"}
        if "T" in names:
            check_caret_t(text, tokens, declared)
        decided: dict[str, str] = {}
        guessed: frozenset[str] = frozenset()
        undeclared = names.difference(declared, RESERVED)
        if quick and undeclared:
            expr = _first_letters(text, declared, tokens, undeclared)
            if expr is not None:
                return expr
        if undeclared:
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
    if quick:
        return expr
    return ParseResult(
        expr,
        {s.name: s.kind for s in expr.symbols},
        {n: k for n, k in decided.items() if n not in guessed},
        {n: k for n, k in decided.items() if n in guessed},
    )


def _first_letters(
    text: str, declared: dict[str, str], tokens: list[Token], undeclared: set[str]
) -> Expr | None:
    """The expression with the undeclared names of their first-letter kinds, when inference would agree.

    Inference (`matcalc.kinds`) narrows the kinds of the undeclared names to the
    types every operation accepts (arc consistency), then takes the first letter
    for each name still open.  When the first-letter kinds build the whole text, they
    are types every operation accepts, so arc consistency keeps each of them and
    inference decides exactly them, unless one of its two rules beyond the
    constructors applies: no scalar broadcast against a name in a sum (so: no sum of a
    scalar and an array other than an elementwise function's value, which carries no
    name), and no reduced name taken as a scalar.  The parser watches for both while
    it builds, and stops at the first (`matcalc.calls.Cursor.watch`).  So this build
    is the expression `parse_result` gives, without the typing pass; None where the
    full inference must run (a sum of a scalar and another array, a reduced scalar name,
    a text that fails to build, a 'where' list, index notation, abstract functions,
    the constants of the vec form).
    """
    if any(k in FUNCTION_KINDS for k in declared.values()) or not _plain(tokens):
        return None
    letters = {n: build.default_kind(n) for n in undeclared}
    parser = Parser(text, {**letters, **declared}, tokens)
    parser.watched = frozenset(undeclared)
    try:
        return parser.parse()
    except (Departs, MatcalcError):  # the full passes decide (and an error is theirs to say)
        return None


#: Tokens of the constructs `_first_letters` leaves to the full passes: index notation, 'where',
#: and the vec constants (which stand in the typing pass for what they are not).
_NOT_PLAIN = frozenset({"->", "[", "]", "=", "δ", WHERE, *VEC_CONSTANTS})


def _plain(tokens: list[Token]) -> bool:
    """True if no token is one of `_NOT_PLAIN` or a '∂' (one set of the texts: a long text repeats them)."""
    spelled = {t.text for t in tokens if t.kind != "number"}
    return spelled.isdisjoint(_NOT_PLAIN) and not any(s.startswith("∂") for s in spelled)


class _NoCyclicGC:
    """Pause Python's cyclic garbage collector while a text is read.

    Reading a long text allocates hundreds of thousands of small objects (tokens,
    the operations of kind inference, nodes) that stay alive until the end; each
    collection would walk them all again (a quarter of the time of a
    100,000-character input).  What becomes garbage is collected after.
    (A class, not a generator: entered once per parse, it is cheaper.)
    """

    __slots__ = ("enabled",)

    def __enter__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            gc.enable()


def _checked_kinds(kinds: Mapping[str, str] | None) -> dict[str, str]:
    if kinds is not None and not isinstance(kinds, Mapping):
        raise ShapeError(f"kinds must map symbol names to kinds, got {type(kinds).__name__}")
    checked = dict(kinds or {})
    for name, kind in checked.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ShapeError(f"kinds: {name!r} is not a symbol name")
        if name in RESERVED:
            raise ShapeError(f"kinds: {name!r} is a built-in function, not a symbol")
        if not isinstance(kind, str):
            raise ShapeError(f"kinds: the kind of '{name}' must be a string such as 'vector', got {kind!r}")
        if kind not in KINDS and kind not in FUNCTION_KINDS:
            raise ShapeError(f"kinds: unknown kind {kind!r} for '{name}'; kinds are {', '.join(KINDS)}")
    return checked
