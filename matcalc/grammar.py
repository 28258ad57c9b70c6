"""The grammar of the input language: a recursive-descent parser over the tokens.

Grammar, loosest first::

    text    := sum ('where' NAME '=' sum (',' NAME '=' sum)*)?
    sum     := product (('+' | '-') product)*
    product := unary (('*' | '/' | '.*' | './') unary)*
    unary   := '-' unary | power
    power   := postfix (('^' | '.^') unary)?          # right-associative
    postfix := atom ("'" | "ᵀ" | ".T")*                # three spellings of the transpose
    atom    := NUMBER | NAME | NAME '(' arg (',' arg)* ')' | '(' sum ')'
    arg     := sum | '[]'                               # '[]' only in max(X, [], k), min(X, [], k)

The ``where`` list names subexpressions, as the printers write them when a
subexpression is used more than once: ``diag(t1)-t1*t1' where t1 =
softmax(x)``.  Each definition may use the names defined before it (and the
expression all of them); a name is used only after its definition, and a
defined name is no symbol.

Nodes are built with the smart constructors of :mod:`matcalc.build` as the
text is read (or, in typing mode, recorded as `matcalc.kinds.Op` nodes); a
`ShapeError` points at the operator at fault.  The calls of built-in
functions are read by `matcalc.builtin_calls.BuiltinCalls`, the base class of
`Parser`; the token cursor and the calls of abstract functions, their
derivatives and the Fréchet derivatives by `matcalc.calls.Cursor`, its base.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from matcalc import build
from matcalc.builtin_calls import EMPTY_CALLS, BuiltinCalls
from matcalc.calls import MAX_NESTING
from matcalc.dims import Dim
from matcalc.einstein import header_ahead, index_notation
from matcalc.errors import ShapeError
from matcalc.expr import FUNCTION_KINDS, Expr, Scale
from matcalc.kinds import Name
from matcalc.lexer import EMPTY, TRANSPOSES, Token, is_float, shorten
from matcalc.spellings import unknown_function
from matcalc.vocabulary import (
    DERIVATIVES,
    EXTREMA,
    FAMILY_CALLS,
    FRECHET,
    ONE_ARG,
    RESERVED,
    TWO_ARG,
    VEC_CONSTANTS,
    WHERE,
    WITH_AXIS,
    caret_power,
)

__all__ = ["MAX_NESTING", "Parser"]

#: Every name that can be called: built-in functions, reductions, derivatives (for suggestions).
CALLABLE = (*ONE_ARG, *WITH_AXIS, *EXTREMA, *TWO_ARG, *FAMILY_CALLS, *FRECHET, *DERIVATIVES, *VEC_CONSTANTS)

#: The built-in functions whose calls `matcalc.builtin_calls.BuiltinCalls.call` reads (one set: one lookup).
_BUILT_IN_CALLS = frozenset().union(ONE_ARG, WITH_AXIS, EXTREMA, TWO_ARG, FAMILY_CALLS, VEC_CONSTANTS)


class Parser(BuiltinCalls):
    """One pass over the tokens: builds the expression, or in typing mode the `Op` graph."""

    # ---- grammar ----------------------------------------------------------------------
    def parse(self) -> Expr:
        """The whole text as one expression (its 'where' list read first)."""
        if self.tok.kind == "end":
            raise self.error("empty expression")
        cut = self._where()
        if cut is not None:
            self.definitions(cut)
            self.tokens = [*self.tokens[:cut], Token("end", "", self.tokens[cut].pos)]
            self.i = 0
            if self.tok.kind == "end":
                raise self.error("empty expression before 'where'")
        e = self.expression()
        if self.tok.kind != "end":
            if self.tok.text == ")":
                raise self.error("unbalanced ')': no '(' to close")
            hint = _INDEX_HINTS.get(self.tok.text, "missing operator?")
            raise self.error(f"unexpected {self._found()} after a complete expression ({hint})")
        return e

    def _where(self) -> int | None:
        """The position of the token 'where' outside parentheses, if there is one."""
        depth = 0
        for n, t in enumerate(self.tokens):
            if t.kind == "op" and t.text in "()":
                depth += 1 if t.text == "(" else -1
            elif t.kind == "name" and t.text == WHERE and depth == 0:
                return n
        return None

    def definitions(self, cut: int) -> None:
        """``where t1 = u, t2 = v``: each name bound to its value, in order."""
        self.i = cut + 1
        self.pending = {
            t.text for t, after in zip(self.tokens[cut + 1 :], self.tokens[cut + 2 :], strict=False)
            if t.kind == "name" and after.text == "="
        }
        while True:
            tok = self.take()
            if tok.kind != "name":
                raise self.error(f"expected a name to define after '{WHERE}' (as in {WHERE} t1 = ...)", tok)
            if tok.text in RESERVED or tok.text in self.kinds:
                what = "a built-in name" if tok.text in RESERVED else "a declared symbol"
                raise self.error(f"'{tok.text}' is {what}; it cannot be defined in the '{WHERE}' list", tok)
            if tok.text in self.bound:
                raise self.error(f"'{tok.text}' is defined twice in the '{WHERE}' list", tok)
            self.expect("=", f"after '{tok.text}' in the '{WHERE}' list")
            if self.tok.kind == "end":
                raise self.error(f"'{tok.text} =' needs an expression")
            value = self.expression()
            self.pending.discard(tok.text)
            self.bound[tok.text] = value
            if self.tok.kind == "end":
                return
            if not self.at(","):
                raise self.error(f"unexpected {self._found()} in the '{WHERE}' list (definitions are "
                                 "separated by ',')")
            self.take()

    def expression(self) -> Expr:
        """``expression := index_notation | sum``: a whole expression, the text or a parenthesized part."""
        return index_notation(self) if header_ahead(self) else self.sum()

    def sum(self) -> Expr:
        """``sum := product (('+' | '-') product)*``."""
        first = self.product()
        operands: list[tuple[Token, Expr]] = []
        op = self.tokens[self.i]  # (the token itself, not the `tok` property: the grammar's hot loops)
        while op.kind == "op" and op.text in "+-":
            self.i += 1
            operands.append((op, self.product()))
            op = self.tokens[self.i]
        if len(operands) > 8 and _same_shaped(first, [x for _, x in operands]):
            # Nothing broadcasts: one pass builds the sum that adding from left to right
            # builds, without re-copying a growing term list n times; if it fails, the
            # left-to-right build below runs, so that the error points at the operator.
            signed = [x if o.text == "+" else self.make(o, build.neg, x) for o, x in operands]
            try:
                return build.add_all([first, *signed])
            except ShapeError:
                pass
        e = first
        for op, rhs in operands:
            e = self.make(op, build.add if op.text == "+" else build.sub, e, rhs)
        return e

    _PRODUCT_OPS: ClassVar[dict[str, Callable[[Expr, Expr], Expr]]] = {
        "*": build.mul, "/": build.div, ".*": build.hadamard, "./": build.elem_div,
    }  # fmt: skip

    def product(self) -> Expr:
        """``product := unary (('*' | '/' | '.*' | './') unary)*``."""
        e = self.unary()
        run: list[tuple[Token, Expr]] = []  # operands not yet applied (see `apply_run`)
        while (op := self.tokens[self.i]).kind == "op" and op.text in self._PRODUCT_OPS:
            self.i += 1
            rhs = self.unary()
            if run and not _joins(op.text, rhs, run[0]):
                e = self.apply_run(e, run)
                run = []
            if _joins(op.text, rhs, run[0] if run else (op, rhs)):
                run.append((op, rhs))
            else:
                e = self.make(op, self._PRODUCT_OPS[op.text], e, rhs)
        return self.apply_run(e, run)

    def apply_run(self, e: Expr, run: list[tuple[Token, Expr]]) -> Expr:
        """``e op x1 op x2 ...``: linear in the run's length, and not one level deeper per operand.

        A run of matrix or Hadamard products is built in one pass
        (`build.matmul_all`, `build.hadamard_all`): its operands are plain arrays
        of one shape class, so this is the node every grouping builds.  A product
        of scalars is `build.mul_all` (one chain up to `build.CHAIN` factors,
        balanced beyond).  A run of more than `build.CHAIN` operands with
        divisions is one quotient, ``e*a*c/(b*d)`` for ``e*a/b*c/d`` (of arrays:
        ``(x.*z)./(y.*w)`` for ``x./y.*z./w``).  Shorter runs, and runs whose one-pass
        build fails, are built left to right, so that an error points at the
        operator at fault.
        """
        if not run:
            return e
        if not isinstance(e, Expr):  # typing mode (see matcalc.kinds): one Op per operation
            return self.left_to_right(e, run)
        if len(run) == 1:  # (the common case, read without the sets below: what they decide for it)
            return self.one_operation(e, *run[0])
        ops = {tok.text for tok, _ in run}
        xs = [x for _, x in run]
        try:
            if xs[0].is_scalar and e.is_scalar and ops <= set(_ASSOCIATIVE):
                return build.mul_all([e, *xs])
            if xs[0].is_scalar and e.is_scalar and len(run) > build.CHAIN:
                top = build.mul_all([e, *(x for tok, x in run if tok.text in _ASSOCIATIVE)])
                bottom = build.mul_all([x for tok, x in run if tok.text not in _ASSOCIATIVE])
                return build.elem_div(top, bottom)
            if ops == {"*"} and len(run) > 8:
                return build.mul(e, build.matmul_all(xs))
            if ops == {".*"} and len(run) > 8:
                return build.hadamard(e, build.hadamard_all(xs))
            if "./" in ops and ops <= {".*", "./"} and len(run) > build.CHAIN:
                numerators = [x for tok, x in run if tok.text == ".*"]
                above = build.hadamard(e, build.hadamard_all(numerators)) if numerators else e
                return build.elem_div(above, build.hadamard_all([x for tok, x in run if tok.text == "./"]))
        except ShapeError:
            pass
        return self.left_to_right(e, run)

    def one_operation(self, e: Expr, tok: Token, x: Expr) -> Expr:
        """``e op x``, a run of one operation: of scalars by `build.mul`, as `build.mul_all` builds it."""
        if tok.text in _ASSOCIATIVE and x.is_scalar and e.is_scalar:
            try:
                return build.mul(e, x)
            except ShapeError:
                pass
        return self.make(tok, self._PRODUCT_OPS[tok.text], e, x)

    def left_to_right(self, e: Expr, run: list[tuple[Token, Expr]]) -> Expr:
        """``((e op x1) op x2) ...``, each operation built by `make` (errors point at their operator)."""
        for tok, rhs in run:
            e = self.make(tok, self._PRODUCT_OPS[tok.text], e, rhs)
        return e

    def unary(self) -> Expr:
        """``unary := '-' unary | power``."""
        tok = self.tokens[self.i]
        if tok.kind == "name" and self.tokens[self.i + 1].text in _ENDS_OPERAND:
            plain = self.plain.get(tok.text)  # a name read before, and no call, power or transpose
            if plain is not None:
                self.i += 1
                return plain
        if tok.kind == "op" and tok.text == "-":
            op = self.take()
            self.enter()
            e = self.make(op, build.neg, self.unary())
            self.nesting -= 1
            return e
        return self.power()

    def power(self) -> Expr:
        """``power := postfix (('^' | '.^') unary)?``, right-associative."""
        base = self.postfix()
        op = self.tokens[self.i]
        if op.kind == "op" and op.text in ("^", ".^"):
            self.i += 1
            self.enter()
            exponent = self.unary()
            self.nesting -= 1
            if op.text == ".^":
                return self.make(op, build.power, base, exponent)
            return self.make(op, caret_power, base, exponent)
        return base

    def postfix(self) -> Expr:
        """``postfix := atom ("'" | "ᵀ" | ".T")*``: MATLAB's, papers' and NumPy's transpose."""
        e = self.atom()
        while (op := self.tokens[self.i]).kind == "op" and op.text in TRANSPOSES:
            self.i += 1
            e = self.make(op, build.transpose, e)
        return e

    def atom(self) -> Expr:
        """``atom := NUMBER | NAME | NAME '(' sum (',' sum)* ')' | '(' sum ')'``."""
        tok = self.tokens[self.i]
        if tok.kind == "number":
            self.take()
            value = float(tok.text)
            if value == float("inf"):
                raise self.error(f"the number {shorten(tok.text)} is too large for floating point", tok)
            if not is_float(tok.text):  # an integer below 1.8e308: at most 309 significant digits
                return build.number(int(tok.text.lstrip("0") or "0"))
            return build.number(value)
        if tok.kind == "name":
            return self.name()
        if tok.kind == "op" and tok.text == "(":
            self.take()
            self.enter()
            if self.at(")"):
                raise self.error("empty parentheses")
            e = self.expression()  # ((i,j) -> ...) inside
            self.expect(")", f"to close the '(' at character {tok.pos}")
            self.nesting -= 1
            return e
        if tok.kind == "end":
            raise self.error("expected an operand, found the end of the expression")
        if tok.text == ")":
            raise self.error("expected an operand before ')'")
        if tok.text == EMPTY:
            raise self.error(f"'[]' (MATLAB's empty array) is only the placeholder of {EMPTY_CALLS}")
        if tok.text == "δ":
            raise self.error(f"expected an operand, found 'δ' at character {tok.pos}: it is the Kronecker "
                             "delta of index notation (∂f[i]/∂x[j] = δ[i,j]); for a name, write delta")
        raise self.error(f"expected an operand, found '{tok.text}'")

    def name(self) -> Expr:
        """A name: a symbol, ``eye``, or a call of a built-in, derivative or abstract function."""
        tok = self.take()
        name = tok.text
        after = self.tokens[self.i]
        called = after.kind == "op" and after.text == "("
        if name == "eye":
            return self.call(tok) if called else build.eye()
        if name in _BUILT_IN_CALLS:
            if not called:
                raise self.error(_uncalled(name), tok)
            return self.call(tok)
        if name in FRECHET:
            if not called:
                raise self.error(f"'{name}' is a Fréchet derivative: write {name}(X, E, ...)", tok)
            return self.frechet_call(tok)
        if name in DERIVATIVES:
            if not called:
                raise self.error(
                    f"'{name}' is reserved: {name}(F)(u) is a derivative of an abstract function F", tok
                )
            return self.derivative_call(tok)
        if name in self.bound or name in self.pending or name == WHERE:
            return self.defined(tok, called)
        kind = self.kinds.get(name)
        if kind in FUNCTION_KINDS:
            if not called and self.sizing and [t.text for t in self.tokens[self.i - 3 : self.i + 1]] == [
                    "size", "(", name, ","]:
                # size(F, k) in a constant's size: axis k of F's value (what a zero derivative prints)
                return build.zeros(tuple(Dim.of(name, k) for k in range(FUNCTION_KINDS[kind])))
            if not called:
                raise self.error(f"'{name}' is a {kind}: write {name}(...)", tok)
            return self.apply_function(tok, name, kind, 0)
        if called:
            declare = (
                f"declare an abstract function with kinds={{'{name}': 'scalar function'}}, "
                "or 'vector function' / 'matrix function'"
            )
            functions = [n for n, k in self.kinds.items() if k in FUNCTION_KINDS]
            raise self.error(unknown_function(name, [*CALLABLE, *functions], declare), tok)
        if self.typing and name not in self.kinds:
            plain: Expr = self.names.setdefault(name, Name(name))  # type: ignore[assignment]  # typing mode
        else:
            plain = self.symbol(tok)
        self.plain[name] = plain
        return plain

    def symbol(self, tok: Token) -> Expr:
        """The symbol named by ``tok``, built once per name (long inputs repeat names)."""
        symbol = self.symbols.get(tok.text)
        if symbol is None:
            symbol = self.symbols[tok.text] = self.make(tok, build.symbol, tok.text, self.kinds.get(tok.text))
        return symbol

    def defined(self, tok: Token, called: bool) -> Expr:
        """The value of a name of the 'where' list."""
        if tok.text == WHERE:
            raise self.error(f"'{WHERE}' comes after the whole expression, outside parentheses", tok)
        if tok.text in self.pending:
            raise self.error(f"'{tok.text}' is used before its definition in the '{WHERE}' list", tok)
        if called:
            raise self.error(f"'{tok.text}' names a subexpression, not a function", tok)
        return self.bound[tok.text]

def _uncalled(name: str) -> str:
    """The message for a built-in function's name without its call."""
    if name not in VEC_CONSTANTS:
        return f"'{name}' is a function: write {name}(...)"
    rank = VEC_CONSTANTS[name][0]
    return f"'{name}' takes its size{'s' * (rank > 1)}: {name}({', '.join(['size(X, k)'] * rank)})"


#: What a token of index notation met outside it means (docs/syntax.md, "Index notation").
_INDEX_HINTS = {
    "[": "indices such as A[i,j] are written in index notation only: (i,j) -> A[i,j]",
    "=": "'=' names a subexpression only after 'where' (... where t1 = u), or follows the left-hand side "
         "of a derivative in index notation: ∂f[i]/∂x[j] = ...",
    "->": "'->' follows the free indices of index notation: (i,j) -> A[i,j]",
}

#: Tokens after which a name is a plain operand (no call, power, transpose or index follows).
_ENDS_OPERAND = frozenset({"+", "-", "*", "/", ".*", "./", ")", ",", ""})

#: Product operators whose operands, when plain arrays, may be grouped in any way.
_ASSOCIATIVE = ("*", ".*")


def _joins(op: str, x: Expr, first: tuple[Token, Expr]) -> bool:
    """True if ``op x`` may join a run whose first operation is ``first`` (see `Parser.apply_run`).

    Scalars join a run of scalars, whatever the operators.  Otherwise the
    operator must be the run's, and ``x`` a matrix (``*``) or array (``.*``,
    ``./``) with no scalar factor, of the rank and orientation of the run's
    first operand.
    """
    like = first[1]
    if not isinstance(x, Expr) or not isinstance(like, Expr):
        return False  # typing mode (see matcalc.kinds)
    if x.is_scalar or like.is_scalar:
        return x.is_scalar and like.is_scalar
    if op not in (*_ASSOCIATIVE, "./") or isinstance(x, Scale):
        return False
    if op != first[0].text and {op, first[0].text} != {".*", "./"}:  # .* and ./ of arrays mix
        return False
    return x.ndim == like.ndim and x.row == like.row and (op != "*" or x.ndim == 2)


def _same_shaped(first: Expr, rest: list[Expr]) -> bool:
    """True when every operand is a built expression of the rank and orientation of ``first``."""
    if not isinstance(first, Expr):
        return False  # typing mode (see matcalc.kinds)
    return all(isinstance(x, Expr) and x.ndim == first.ndim and x.row == first.row for x in rest)



