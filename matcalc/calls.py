"""The token cursor of the parser, and the calls that are not built-in functions.

`Cursor` holds the parser's state and token helpers (the current token,
errors with a caret, smart-constructor calls that point a `ShapeError` at an
operator, the nesting limit) and reads the calls of names the vocabulary does
not build: an abstract function ``F(u, v)`` declared in the kinds, its
derivatives ``grad(F)(u)``, ``hess(F)(u)``, ``jac(F)(u)``, ``deriv(F, k)(u)``,
``partial(F, i, ...)(u, v, ...)``, and the Fréchet derivatives
``L_f(X, [c,] E1, ..., :)`` of the primary matrix functions.
`matcalc.builtin_calls.BuiltinCalls` reads the calls of built-in functions on
top of it, and `matcalc.grammar.Parser` is the recursive-descent grammar on top
of that; the arguments of a call are read with its ``sum``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from matcalc import build
from matcalc.errors import ParseError, ShapeError
from matcalc.expr import FUNCTION_KINDS, Apply, Expr, Symbol
from matcalc.kinds import Name, Op, node, reduces
from matcalc.lexer import Token
from matcalc.ops.primary import PRIMARY_FUNCTIONS, frechet
from matcalc.vocabulary import DERIVATIVES, FRECHET, WHERE

__all__ = ["MAX_ARGUMENTS", "MAX_NESTING", "Cursor", "Departs"]

#: Deepest nesting of parentheses, calls, unary minus and powers accepted.
MAX_NESTING = 1_000

#: Most arguments an abstract function takes (and partial derivatives written at once).
MAX_ARGUMENTS = 8


class Departs(Exception):
    """Raised by `Cursor.watch`: here kind inference may decide other kinds than the first letters."""


class Cursor:
    """The parser's state and token helpers, and the calls of abstract functions and Fréchet derivatives."""

    def __init__(
        self, text: str, kinds: Mapping[str, str], tokens: list[Token], typing: bool = False
    ) -> None:
        self.text = text
        self.kinds = kinds
        self.tokens = tokens
        self.i = 0
        self.nesting = 0
        # Typing mode (see matcalc.kinds): what depends on an undeclared name
        # becomes an `Op` over `Name`s instead of being built.
        self.typing = typing
        # Watching (see `matcalc.parse`): the undeclared names, built with their first-letter
        # kinds; `watch` stops the build where inference would decide other kinds.
        self.watched: frozenset[str] = frozenset()
        self.ops: list[Op] = []
        self.names: dict[str, Name] = {}
        self.symbols: dict[str, Expr] = {}  # built once per name (see `matcalc.grammar.Parser.symbol`)
        self.plain: dict[str, Expr] = {}  # what a name alone reads as, once read (`Parser.unary`)
        self.built: dict[tuple[object, ...], Expr] = {}  # results of the constructors in `_PURE`
        # The 'where' list: names defined so far, and those still to come.
        self.bound: dict[str, Expr] = {}
        self.pending: set[str] = set()

    # ---- token helpers ----------------------------------------------------------------
    @property
    def tok(self) -> Token:
        """The current token."""
        return self.tokens[self.i]

    def take(self) -> Token:
        """The current token; moves past it."""
        t = self.tokens[self.i]
        self.i += 1
        return t

    def error(self, message: str, tok: Token | None = None) -> ParseError:
        """A `ParseError` pointing at ``tok`` (default: the current token)."""
        return ParseError(message, self.text, (tok or self.tok).pos)

    def at(self, op: str) -> bool:
        """True if the current token is the operator ``op``."""
        t = self.tokens[self.i]
        return t.kind == "op" and t.text == op

    def expect(self, op: str, context: str) -> None:
        """Move past the operator ``op``, or raise saying what was found instead."""
        t = self.tokens[self.i]
        if t.kind == "op" and t.text == op:
            self.i += 1
            return
        if self.tok.kind == "name" and self.tok.text == WHERE:
            raise self.error(f"'{WHERE}' comes after the whole expression, outside parentheses")
        raise self.error(f"expected '{op}' {context}, found {self._found()}")

    def _found(self) -> str:
        t = self.tok
        return "the end of the expression" if t.kind == "end" else f"'{t.text}'"

    def make(self, tok: Token, make: Callable[..., Expr], *args: object) -> Expr:
        """Call a smart constructor, pointing a ShapeError at ``tok``."""
        if self.typing and _depends_on_a_name(args):
            op = node(make, args)
            self.ops.append(op)
            return op  # type: ignore[return-value]  # typing mode only
        pure = make in _PURE
        if pure:
            key = (make, *args)
            built = self.built.get(key)
            if built is not None:
                return built
        try:
            out = make(*args)
        except ShapeError as err:
            raise ShapeError(str(err), self.text, tok.pos) from None
        if pure:
            self.built[key] = out
        if self.watched:
            self.watch(make, args)
        return out

    def watch(self, make: Callable[..., Expr], args: tuple[object, ...]) -> None:
        """Raise `Departs` where kind inference may depart from the first-letter kinds of `watched`.

        At a sum of a scalar and an array, unless the array is an elementwise function
        (inference refuses to broadcast a scalar against a name, alone or scaled, but an
        elementwise function's value carries no name: `matcalc.kinds`), and at a name
        of a scalar first letter as the one operand of a reduction (inference does not
        take a reduced name as a scalar); see `matcalc.parse`.
        """
        if make is build.add or make is build.sub:
            a, b = args
            if not (isinstance(a, Expr) and isinstance(b, Expr)):
                raise Departs
            if a.is_scalar != b.is_scalar and not isinstance(b if a.is_scalar else a, Apply):
                # (`kinds._carrier` stops at a function; the constructors that it looks through,
                # neg, div, transpose and mul, build no `Apply` but return one only as it came)
                raise Departs
            return
        for a in args:  # (a loop, not any(): most operations have no scalar watched name as an operand)
            if isinstance(a, Symbol) and a.kind == "scalar" and a.name in self.watched:
                break
        else:
            return
        named = [n for n, a in enumerate(args) if isinstance(a, Expr) and self._has_watched(a)]
        if len(named) == 1:
            x = args[named[0]]
            if isinstance(x, Symbol) and x.kind == "scalar" and reduces(make, args, named[0]):
                raise Departs

    def _has_watched(self, e: Expr) -> bool:
        return any(s.name in self.watched for s in e.symbols)

    def enter(self) -> None:
        """One level deeper; refuses nesting beyond `MAX_NESTING`."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(f"expression is nested more than {MAX_NESTING} levels deep")

    def sum(self) -> Expr:
        """One operand of a call (the grammar's ``sum``, `matcalc.grammar.Parser.sum`)."""
        raise NotImplementedError

    # ---- calls of abstract functions and Fréchet derivatives -------------------------------
    def apply_function(self, tok: Token, name: str, kind: str, order: int, by: tuple[int, ...] = ()) -> Expr:
        """``F(u, ...)`` (or a derivative of F) once ``F`` and the derivative are read; at the '('.

        ``order`` counts the derivatives of a function of one argument
        (``grad``, ``deriv``); ``by`` lists the (0-based) arguments of a ``partial``.
        """
        self.expect("(", f"after '{tok.text}'")
        self.enter()
        args = [self.sum()]
        while self.at(","):
            self.take()
            args.append(self.sum())
            if len(args) > MAX_ARGUMENTS:
                raise self.error(f"'{name}' takes at most {MAX_ARGUMENTS} arguments")
        self.expect(")", f"to close the call of '{name}' at character {tok.pos}")
        self.nesting -= 1
        if order and len(args) > 1:
            raise self.error(
                f"'{tok.text}({name})' is a derivative of a function of one argument; '{name}' has "
                f"{len(args)} here: write partial({name}, k)(...) for the derivative by argument k",
                tok,
            )
        if any(p >= len(args) for p in by):
            raise self.error(f"'{name}' has {len(args)} arguments here: no argument {max(by) + 1}", tok)
        return self.make(tok, _function_call, name, kind, by or (0,) * order, *args)

    def derivative_call(self, tok: Token) -> Expr:
        """``grad(F)(u)``, ``hess(F)(u)``, ``jac(F)(u)``, ``deriv(F,k)(u)``, ``partial(F,i,...)(u,v,...)``."""
        self.take()  # '('
        target = self.tok
        kind = self.kinds.get(target.text) if target.kind == "name" else None
        if kind not in FUNCTION_KINDS:
            raise self.error(f"'{tok.text}(...)' takes an abstract function declared in kinds", target)
        self.take()
        order = DERIVATIVES[tok.text]
        by: tuple[int, ...] = ()
        if tok.text == "deriv":
            self.expect(",", f"in 'deriv({target.text}, k)'")
            order = self.whole_number("the order k of deriv(F, k)")
        elif tok.text == "partial":
            self.expect(",", f"in 'partial({target.text}, i, j, ...)'")
            by = (self.whole_number("an argument number of partial(F, i, ...)") - 1,)
            while self.at(","):
                self.take()
                by += (self.whole_number("an argument number of partial(F, i, ...)") - 1,)
                if len(by) > MAX_ARGUMENTS:
                    raise self.error(f"at most {MAX_ARGUMENTS} partial derivatives at once")
        self.expect(")", f"to close '{tok.text}({target.text}'")
        return self.apply_function(tok, target.text, str(kind), order or 0, by)

    def whole_number(self, what: str) -> int:
        """A whole number from 1 (an order, an argument number)."""
        k = self.take()
        if k.kind != "number" or not k.text.isdigit() or int(k.text) < 1:
            raise self.error(f"{what} is a whole number from 1", k)
        return int(k.text)

    def frechet_call(self, tok: Token) -> Expr:
        """``L_f(X, [c,] E1, ..., Ek)``: directions are matrices or ':' (an open slot, last)."""
        self.take()  # '('
        self.enter()
        args: list[Expr | None] = []
        while True:
            if self.at(":"):
                self.take()
                args.append(None)
            else:
                args.append(self.sum())
            if not self.at(","):
                break
            self.take()
        self.expect(")", f"to close the call of '{tok.text}' at character {tok.pos}")
        self.nesting -= 1
        func = FRECHET[tok.text]
        power = PRIMARY_FUNCTIONS[func].params == 1  # X^c: the exponent comes second
        first = 2 if power else 1
        head, slots = args[:first], args[first:]
        if any(a is None for a in head) or len(head) < first or not slots:
            need = "X, c" if power else "X"
            then = "then directions (matrices, or ':' for open slots)"
            raise self.error(f"'{tok.text}' takes {need}, {then}", tok)
        given = [a for a in slots if a is not None]
        if any(a is not None for a in slots[len(given) :]):
            raise self.error(f"the open slots ':' of '{tok.text}' come after its directions", tok)
        x, c = head[0], (head[1] if power else None)
        assert x is not None
        return self.make(tok, frechet, func, x, tuple(given), len(slots), c)


#: Smart constructors whose result depends on their (interned) operands alone: a long input
#: repeats operations (``-a*-a*...``), and `Cursor.make` builds each distinct one once.
_PURE = frozenset({build.neg, build.transpose, build.add, build.sub, build.mul, build.div, build.hadamard,
                   build.elem_div, build.power})


def _depends_on_a_name(args: tuple[object, ...]) -> bool:
    """True if an argument is an `Op` or `Name` (typing mode, see `matcalc.kinds`)."""
    return any(isinstance(a, (Op, Name)) for a in args)


def _function_call(name: str, kind: str, partials: tuple[int, ...], *args: Expr) -> Expr:
    """``name(args...)`` or a partial derivative of it (the operands last, for kind inference)."""
    return build.call_partial(name, kind, args, partials)
