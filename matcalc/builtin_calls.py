"""The calls of the built-in functions: their arguments, axes, orders and sizes.

`BuiltinCalls` reads what follows the name of a built-in function of
:mod:`matcalc.vocabulary` at its ``(``: the arguments (``[]`` only in
``max(X, [], k)`` and ``min(X, [], k)``), and the node they build, by the number
of arguments: the function itself, the entry-by-entry ``max(a, b)``, a function
along an axis (``sum(X, k)``), the order ``k`` of a family (``polygamma(k, u)``), or
a constant of given sizes (``eye(size(X, 1))``, ``vector(c, size(x, 1))``,
``commutation(size(X, 1), size(X, 2))``).  `matcalc.grammar.Parser` is the
grammar on top of it; the arguments are read with its ``sum``.
"""

from __future__ import annotations

from collections.abc import Callable

from matcalc import axes, build
from matcalc.calls import Cursor
from matcalc.dims import Dim
from matcalc.expr import Expr, Scale, Size
from matcalc.lexer import EMPTY, Token
from matcalc.vocabulary import (
    AXIS_CALLS,
    EMPTY_BEFORE_AXIS,
    EXTREMA,
    FAMILY_CALLS,
    ONE_ARG,
    SIZED,
    TWO_ARG,
    VEC_CONSTANTS,
    WITH_AXIS,
    family_call,
)

__all__ = ["EMPTY_CALLS", "BuiltinCalls"]


class BuiltinCalls(Cursor):
    """The calls of built-in functions, read by the grammar (`matcalc.grammar.Parser`) at their ``(``."""

    sizing = False  # reading the size of a constant, where size(F, k) names an axis of a function's value

    def call(self, tok: Token) -> Expr:
        """The arguments of the built-in ``tok`` and the node it builds; at the '('."""
        self.take()  # '('
        self.enter()
        if self.at(")"):
            raise self.error(f"'{tok.text}' needs an argument")
        args = [self.argument(tok, 0)]
        while self.at(","):
            self.take()
            args.append(self.argument(tok, len(args)))
        self.expect(")", f"to close the call of '{tok.text}' at character {tok.pos}")
        self.nesting -= 1
        name = tok.text
        sized = (name in SIZED and (name == "eye" or len(args) > 1)) or name in VEC_CONSTANTS
        if sized and None not in args:
            return self.sized(tok, [a for a in args if a is not None])
        if None in args:  # '[]', read only as the second argument of max and min
            if len(args) != 3:
                raise self.error(f"'{name}' along an axis is {AXIS_CALLS[name]}: the axis k comes third", tok)
            return self.along(tok, args[0], args[2])
        if name in EXTREMA and len(args) > 1:
            if len(args) != 2:
                raise self.error(f"'{name}' takes 1 argument (the {name} entry), 2 (entry by entry) or 3 "
                                 f"({AXIS_CALLS[name]}, along an axis)", tok)
            return self.make(tok, EXTREMA[name], *args)
        if name in TWO_ARG:
            if len(args) != 2:
                raise self.error(f"'{name}' takes 2 arguments, got {len(args)}", tok)
            return self.make(tok, TWO_ARG[name], *args)
        if name in FAMILY_CALLS:
            if len(args) != 2:
                raise self.error(f"'{name}' takes 2 arguments, the order k and u, got {len(args)}", tok)
            return self.make(tok, _FAMILY[name], *args)
        if len(args) == 2 and name in WITH_AXIS:
            return self.along(tok, args[0], args[1])
        if len(args) != 1 or name not in ONE_ARG:
            takes = "1 or 2 arguments" if name in ONE_ARG else "2 arguments"
            takes = takes if name in WITH_AXIS else "1 argument"
            raise self.error(f"'{name}' takes {takes}, got {len(args)}", tok)
        return self.make(tok, ONE_ARG[name], args[0])

    def argument(self, tok: Token, position: int) -> Expr | None:
        """One argument of the call of ``tok``; None for the empty ``[]`` of ``max(X, [], k)``."""
        if not self.at(EMPTY):
            if self.sizing or not (tok.text in VEC_CONSTANTS or (tok.text in SIZED and (
                    position > 0 or tok.text == "eye"))):
                return self.sum()
            self.sizing = True  # a constant's size: size(F, k) of a function F names an axis of its value
            try:
                return self.sum()
            finally:
                self.sizing = False
        if tok.text not in EMPTY_BEFORE_AXIS or position != 1:
            raise self.error(f"'[]' (MATLAB's empty array) is only the placeholder of {EMPTY_CALLS}")
        self.take()
        return None

    def along(self, tok: Token, x: Expr | None, k: Expr | None) -> Expr:
        """``name(X, k)`` or ``name(X, [], k)``: the function of ``tok`` along the axis ``k``."""
        name = tok.text
        if x is None or k is None:
            raise self.error(f"'{name}' along an axis is {AXIS_CALLS[name]}", tok)
        return self.make(tok, _ALONG[name], x, k)

    def sized(self, tok: Token, args: list[Expr]) -> Expr:
        """``eye(n)``, ``vector(c, n)``, ``matrix(c, m, n)``: a constant of the size ``size(X, k)`` gives."""
        if tok.text in VEC_CONSTANTS:
            return self.vec_constant(tok, args)
        name, rank = tok.text, SIZED[tok.text]
        value, sizes = (None, args) if name == "eye" else (args[0], args[1:])
        if len(sizes) != rank:
            usage = "one size, eye(size(X, 1))" if name == "eye" else (
                f"c and {rank} size(s), {name}(c{', size(X, k)' * rank})")
            raise self.error(f"'{name}' takes {usage}, or no size (inferred from context)", tok)
        if self.typing:  # each size(X, k) is an operation of its own; the constant's type is its rank
            return build.eye() if value is None else self.make(tok, build.fill, value, rank)
        dims = tuple(self.dimension(tok, n) for n in sizes)
        if value is None:
            return build.eye(dims[0])
        return self.make(tok, build.fill, value, rank, dims)

    def vec_constant(self, tok: Token, sizes: list[Expr]) -> Expr:
        """``commutation(size(X, 1), size(X, 2))`` (K_pq), ``symmetrizer(size(S, 1))`` (N_n)."""
        rank, make = VEC_CONSTANTS[tok.text]
        if len(sizes) != rank:
            usage = ", ".join(["size(X, k)"] * rank)
            raise self.error(f"'{tok.text}' takes {rank} size{'s' * (rank > 1)}, {tok.text}({usage}); "
                             f"got {len(sizes)} argument{'s' * (len(sizes) != 1)}", tok)
        if self.typing:  # each size(X, k) is an operation of its own; the constant is a matrix
            return build.eye()
        return make(*(self.dimension(tok, n) for n in sizes))

    def dimension(self, tok: Token, size: Expr) -> Dim:
        """The dimension ``size(X, k)`` counts, axis k of X; a product of sizes, a product dimension.

        ``size(x, 1)*size(A, 1)`` is the rows of ``kron(x, A)`` (`Dim.product`, parts in order).
        """
        parts: list[Dim] = []
        todo = [size]
        while todo:
            e = todo.pop()
            if isinstance(e, Scale):
                todo += [e.body, e.coef]  # popped coef first: the parts in the order written
            elif isinstance(e, Size):
                parts.append(e.body.shape[e.axis - 1])
            else:
                raise self.error(
                    f"a size in '{tok.text}(...)' is written size(X, k), the number of rows (k = 1) or "
                    f"columns (k = 2) of X, or a product of them, size(x, 1)*size(A, 1); "
                    f"got {build.describe(size)}", tok)
        return Dim.product(parts)


def _along(name: str) -> Callable[[Expr, Expr], Expr]:
    """The constructor of ``name(X, k)``, the function along the axis ``k`` (one per name)."""
    call, make = AXIS_CALLS[name], WITH_AXIS[name]

    def along(x: Expr, k: Expr) -> Expr:
        return make(x, axes.axis_number(name, k, call))

    return along


def _family(name: str) -> Callable[[Expr, Expr], Expr]:
    """The constructor of ``name(k, u)``, the order ``k`` of a family (one per name)."""

    def order(k: Expr, x: Expr) -> Expr:
        return family_call(name, k, x)

    return order


#: One constructor per name, so that kind inference (`matcalc.kinds`) meets the same
#: function in every parse and reuses what it read off it, instead of a new one per call.
_ALONG = {name: _along(name) for name in WITH_AXIS}
_FAMILY = {name: _family(name) for name in FAMILY_CALLS}


#: Where ``[]`` may stand, for messages: ``max(X, [], k) and min(X, [], k)``.
EMPTY_CALLS = " and ".join(AXIS_CALLS[name] for name in sorted(EMPTY_BEFORE_AXIS))
