"""Print an expression in the input syntax, with minimal parentheses.

``parse(to_text(e), kinds) is e`` for every expression whose dimensions are
fixed by its symbols: each node prints as the text that the parser turns back
into that very node.  Parentheses come from one precedence table.

Subexpressions used more than once are named (`matcalc.printing.shared`):
``diag(t1)-t1*t1' where t1 = softmax(softmax(...))``; the definitions come
children first, each may use the names before it, and the parser reads them
back.  So the text grows with the DAG, never exponentially.
"""

from __future__ import annotations

from fractions import Fraction
from typing import assert_never, cast

from matcalc import build
from matcalc.dims import Dim
from matcalc.expr import (
    Add,
    Apply,
    Call,
    Commutation,
    ElemDiv,
    Expr,
    Hadamard,
    Identity,
    IndexForm,
    MatFun,
    MatMul,
    MatPow,
    Named,
    Node,
    Number,
    Ones,
    PairIndex,
    Polygamma,
    Power,
    Scale,
    Spectral,
    Symbol,
    Transpose,
    Zero,
    children,
)
from matcalc.limits import max_length
from matcalc.ops.gamma import POLYGAMMA
from matcalc.ops.matrix import matrix_function
from matcalc.ops.primary import PRIMARY_FUNCTIONS
from matcalc.printing.indices import free_names, index_text
from matcalc.printing.shared import ALL_WEIGHT, AUTO_WEIGHT, mean_of, shared
from matcalc.printing.sizes import open_axes, parsed_back, printable, size_text, unfixed_constants
from matcalc.recursion import deep

__all__ = ["ADD", "ATOM", "MUL", "POSTFIX", "POW", "UNARY", "to_text"]

# Precedence, loosest to tightest.
ADD, MUL, UNARY, POW, POSTFIX, ATOM = range(1, 7)

#: Index notation, ``(i,j) -> a + b``: its body runs to the end of the text, so as an operand it is
#: always parenthesized.
INDEX = 0

#: Nodes that pull scalar factors out of themselves, so ``-A*B`` or ``2*x.*y``
#: parse back to a scale of the whole product.
_SCALAR_TRANSPARENT = (MatMul, Hadamard)

def to_text(e: Expr, where: bool | None = None) -> str:
    """The input-syntax text of ``e``.

    ``where``: ``None`` (the default) names the subexpressions used more than
    once that are big enough to matter, ``True`` every one used more than once,
    ``False`` none (the whole tree, which can be exponentially long).

    A constant (``vector(1)``, ``eye``) whose size nothing else in the text fixes
    prints with it, ``vector(1, size(y, 1))``, so that the text parses back to
    an expression of the same size (`sizes.unfixed_constants`); in the
    expression or in the definition of a named subexpression alike.  An index
    form does the same for its free indices (`sizes.open_axes`):
    ``∂f[i,j]/∂x[k] = 2*x[k]*eye(size(A, 1))[i,j]``, ``∂²f[i]/∂W[j,k]∂W[l,m] =
    0*vector(1, size(W, 1))[i]``.

    A text longer than `parse` reads (``limits(length=N)``, 100,000 characters by
    default) is printed again with every shared subexpression named, if that is
    shorter; a result longer still parses back only under a raised limit.
    """
    with deep():
        text = _sized_text(e, ALL_WEIGHT if where else AUTO_WEIGHT, where is not False)
        if where is None and len(text) > max_length():  # longer than `parse` reads: name every shared part
            text = min(text, _sized_text(e, ALL_WEIGHT, True), key=len)
        return text


def _sized_text(e: Expr, weight: int, naming: bool) -> str:
    """The text of ``e`` with the shared subexpressions of ``weight`` named, and the sizes it needs."""
    chosen = shared(e, weight) if naming else []
    names = _names(e, chosen)
    sized: frozenset[Expr] = frozenset()
    axes: frozenset[int] = frozenset()
    for _ in range(_SIZE_ROUNDS):
        printer = _Printer(names, sized, axes)
        text = printer.whole(e)
        if not (isinstance(e, IndexForm) or any(n.ndim for n in printer.constants)):
            return text  # nothing whose size the text could leave open
        back = parsed_back(e, text)
        if back is None:
            return text
        more = unfixed_constants(e, back, frozenset(printer.constants), sized)
        wider = frozenset() if more or not isinstance(e, IndexForm) else open_axes(e, back) - axes
        if not (more or wider):
            return text
        sized, axes = sized | more, axes | wider
    every = frozenset(n for n in printer.constants if n.ndim and all(printable(e, d) for d in n.shape))
    return _Printer(names, every, axes).whole(e)  # every constant that can, with its size


#: Rounds of `to_text` that add sizes where the parsed-back text still leaves one open (each
#: adds at least one constant or axis; a round after the first is needed where a sized constant
#: also occurs unshown, as the ones of a broadcast scalar, and its class needs another, and for
#: the axes of an index form, which are judged once the constants are).
_SIZE_ROUNDS = 6

#: Letters for the names of shared subexpressions (``t1, t2, ...``): the first no symbol uses so.
_LETTERS = "tuvsTUVS"


def _names(e: Expr, chosen: list[Expr]) -> dict[Expr, str]:
    if not chosen:
        return {}
    symbols = {s.name for s in e.symbols}
    taken = lambda c: any(n[:1] == c and n[1:].isdigit() for n in symbols)  # noqa: E731
    letter = next((c for c in _LETTERS if not taken(c)), None)
    if letter is None:
        return {}  # every letter is a symbol's: print the tree
    return {node: f"{letter}{k}" for k, node in enumerate(chosen, start=1)}


def _wrap(part: tuple[str, int], at_least: int) -> str:
    """The text of ``part``, parenthesized unless its precedence is ``>= at_least``."""
    text, prec = part
    return text if prec >= at_least else f"({text})"


def _number(value: int | float | Fraction) -> tuple[str, int]:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}", MUL
    text = repr(value)
    return text, (UNARY if text.startswith("-") else ATOM)  # -0.0 too


def _negated(e: Expr) -> Expr | None:
    """``m`` with ``-m`` building ``e``, when ``e`` prints with a leading minus."""
    if isinstance(e, Number) and e.value < 0:
        return build.number(-e.value)
    if isinstance(e, ElemDiv) and isinstance(e.num, Number) and e.num.value < 0:
        return build.elem_div(build.number(-e.num.value), e.den)
    if isinstance(e, Scale):
        coef = _negated(e.coef)
        if coef is not None:
            return build.scale(coef, e.body)
    return None


def _absorbs_numbers(e: Expr) -> bool:
    """True for ``2./x``, ``2./x'*A``: a number times it folds into it (``-(2./x)`` is ``-2./x``).

    The leftmost operand of the printed run decides (a quotient's numerator, a
    product's first factor): the parser applies a coefficient (or a minus)
    written in front of the text to it first, so ``2*(2./x'*A/a)`` printed
    without parentheses would read back as ``4./x'*A/a``.
    """
    while True:
        if isinstance(e, ElemDiv) and not isinstance(e.num, Number):
            e = e.num
        elif isinstance(e, MatMul | Hadamard):
            e = e.factors[0]
        else:
            return isinstance(e, ElemDiv)


def _broadcast(e: Expr) -> Expr | None:
    """The scalar ``s`` of a term ``s*vector(1)`` / ``s*matrix(1)``, else None."""
    if isinstance(e, Ones):
        return build.number(1)
    if isinstance(e, Scale) and isinstance(e.body, Ones):
        return e.coef
    return None


class _Printer:
    """Memoized text of each node, with the precedence of its outermost operator."""

    def __init__(
        self, names: dict[Expr, str] | None = None, sized: frozenset[Expr] = frozenset(),
        axes: frozenset[int] = frozenset(),
    ) -> None:
        # Keyed by the node itself, not id(): printing builds temporary nodes
        # (`_negated`), and a freed temporary's id can be reused by the next one.
        self._memo: dict[Expr, tuple[str, int]] = {}
        self.names = names or {}
        self._sized = sized  # constants that print with their size
        self._axes = axes  # the axes of an index form at the top that print their size
        self.constants: set[Expr] = set()  # the constants the text shows

    def whole(self, e: Expr) -> str:
        """The text of ``e`` and its 'where' list (a labelled index form: with its left-hand side)."""
        if isinstance(e, IndexForm):  # a derivative: its left-hand side too
            free = e.tensor.free
            sizes = {free[n]: size_text(free[n].dim) for n in sorted(self._axes)}
            main = index_text(e.tensor, lambda b: _wrap(self.text(b), ATOM), e.lhs, sizes)
        else:
            main = self.text(e)[0]
        if not self.names:
            return main
        definitions = [f"{name} = {self.definition(node)}" for node, name in self.names.items()]
        return f"{main} where {', '.join(definitions)}"

    def text(self, e: Expr) -> tuple[str, int]:
        """The text of ``e`` where it is used (its name, if it has one) and its precedence."""
        done = self._memo.get(e)
        if done is None:
            name = self.names.get(e)
            done = self._memo[e] = (name, ATOM) if name is not None else self._print(e)
        return done

    def definition(self, e: Expr) -> str:
        """The text of a named subexpression (the right-hand side of its definition)."""
        return self._print(e)[0]

    def _print(self, e: Expr) -> tuple[str, int]:  # noqa: C901 - one case per node type
        e = cast(Node, e)  # the closed set of nodes: assert_never below names a missing case
        match e:
            case Symbol():
                return e.name, ATOM
            case Number():
                return _number(e.value)
            case Zero() | Ones():
                return self._filled("0" if isinstance(e, Zero) else "1", e)
            case Identity():
                self.constants.add(e)
                return (f"eye({size_text(e.shape[0])})" if e in self._sized else "eye"), ATOM
            case Commutation():  # its sizes always: a product dimension does not say its factors
                return f"{e.name}({', '.join(map(size_text, e.sizes))})", ATOM
            case Add():
                return self._sum(e)
            case Scale():
                return self._scale(e)
            case MatMul() | Hadamard():
                return self._factors(e, MUL), MUL
            case ElemDiv():
                return self._quotient(e, MUL), MUL
            case Power():
                op = "^" if e.base.is_scalar and e.exponent.is_scalar else ".^"
                return f"{_wrap(self.text(e.base), POSTFIX)}{op}{_wrap(self.text(e.exponent), UNARY)}", POW
            case MatPow():
                return f"{_wrap(self.text(e.body), POSTFIX)}^{e.k}", POW
            case Transpose():
                return f"{_wrap(self.text(e.body), POSTFIX)}'", POSTFIX
            case Apply():
                return f"{e.func}({self.text(e.arg)[0]})", ATOM
            case Polygamma():
                name = POLYGAMMA.named.get(e.order)
                arg = self.text(e.arg)[0]
                return (f"{name}({arg})" if name else f"{POLYGAMMA.name}({e.order}, {arg})"), ATOM
            case Call():
                return f"{e.function}({', '.join(self.text(a)[0] for a in e.args)})", ATOM
            case IndexForm():
                return index_text(e.tensor, lambda b: _wrap(self.text(b), ATOM)), INDEX
            case MatFun():
                return self._matfun(e)
            case Spectral():
                return f"{e.kind}({self.text(e.body)[0]})", ATOM
            case Named():  # its record's spelling: tr(X), softmax(X, 2), max(X, [], 1), kron(A, B)
                args = ", ".join(self.text(c)[0] for c in children(e))
                return matrix_function(e).call_text(args, getattr(e, "axis", 0)), ATOM
            case PairIndex():  # only inside an index form: δ[r,(a,b)]
                return "δ", ATOM
        assert_never(e)

    def _matfun(self, e: MatFun) -> tuple[str, int]:
        """``expm(X)``, ``X^c``; a Fréchet derivative ``L_expm(X, E1, ..., :)`` (``:`` an open slot)."""
        if e.order == 0 and PRIMARY_FUNCTIONS[e.func].params:  # the exponent of X^c
            return f"{_wrap(self.text(e.body), POSTFIX)}^{_wrap(self.text(e.params[0]), UNARY)}", POW
        if e.order == 0:
            return f"{e.func}({self.text(e.body)[0]})", ATOM
        args = [self.text(a)[0] for a in (e.body, *e.params, *e.directions)]
        args += [":"] * (e.order - len(e.directions))
        return f"L_{e.func}({', '.join(args)})", ATOM

    def _filled(self, value: str, e: Expr) -> tuple[str, int]:
        self.constants.add(e)
        if e.ndim > 2:
            return self._tensor(value, e)
        sizes = "".join(f", {size_text(d)}" for d in e.shape) if e in self._sized else ""
        text = f"{'vector' if e.is_vector else 'matrix'}({value}{sizes})"
        return (f"{text}'", POSTFIX) if e.row else (text, ATOM)

    def _tensor(self, value: str, e: Expr) -> tuple[str, int]:
        """An array of 0s or 1s of order 3 or more, in index notation: a product of vectors of ones.

        ``(i,j,k) -> 0*vector(1, size(x, 1))[i]*...``: an axis whose size a symbol names is a
        sized vector; another (inferred) is ``vector(1)``, which 0s need only to tie it to an
        earlier axis of the same dimension, as ``eye[i,j]`` (a term 0*... need not hold every
        free index, so ``(i,j,k) -> 0`` is a zero whose sizes are all open).
        """
        names = free_names(e.ndim)
        first: dict[Dim, str] = {}
        parts: list[str] = []
        for d, n in zip(e.shape, names, strict=True):
            if not any(a.anonymous for a in d.atoms()):
                parts.append(f"vector(1, {size_text(d)})[{n}]")
            elif value == "1":
                parts.append(f"vector(1)[{n}]")
            elif d in first:
                parts.append(f"eye[{first[d]},{n}]")
            first.setdefault(d, n)
        body = "*".join(parts) if value == "1" else "*".join([value, *parts])
        return f"({','.join(names)}) -> {body}", INDEX

    def _factors(self, e: MatMul | Hadamard, first_at: int) -> str:
        """The factors of a product, the first parenthesized below precedence ``first_at``.

        ``first_at`` is above MUL where the product follows a coefficient (``2*(a./x).*y``),
        so that the parser does not fold the coefficient into the first factor.
        """
        if isinstance(e, Hadamard):
            return self._chain(".*", e.factors, first_at)
        return self._product(e.factors, first_at)

    def _product(self, factors: tuple[Expr, ...], first_at: int) -> str:
        """A matrix product; ``u'*(v*w'*A)`` where a row times a column would end early.

        The parser reads ``u'*v*w'*A`` as the scalar ``u'*v`` times ``w'*A``, a
        different node from the flat product of the four factors.
        """
        first, rest = factors[0], factors[1:]
        if first.is_vector and first.row and any(f.is_vector and not f.row for f in rest[:-1]):
            return f"{_wrap(self.text(first), first_at)}*({self._product(rest, MUL)})"
        return self._chain("*", factors, first_at)

    def _chain(self, op: str, factors: tuple[Expr, ...], first_at: int) -> str:
        first, *rest = factors
        parts = [_wrap(self.text(first), first_at)]
        parts += [_wrap(self.text(f), MUL + 1) for f in rest]
        return op.join(parts)

    def _quotient(self, e: ElemDiv, first_at: int) -> str:
        """``u/s`` or ``u./v``, the numerator parenthesized below precedence ``first_at``."""
        mean = mean_of(e)
        if mean is not None:
            body, axis = mean
            return f"mean({self.text(body)[0]}{f', {axis}' if axis else ''})"
        op = "/" if e.den.is_scalar else "./"
        return f"{_wrap(self.text(e.num), first_at)}{op}{_wrap(self.text(e.den), MUL + 1)}"

    def _scale(self, e: Scale) -> tuple[str, int]:
        """``c*u``, ``-u``; a fraction as a paper writes it: ``(A+A')/2``, ``-x/2``, ``3*x/4``.

        ``p*u/q`` parses back to the scale by ``p/q``: the parser divides ``p*u`` by ``q``, and
        a division by a number is a scale (`matcalc.build.elem_div`).
        """
        c: Expr = e.coef
        body = e.body
        lead = c  # the leading number, if any: peeling the chain rebuilds it (quadratic in its length)
        while isinstance(lead, Scale) and lead.is_scalar and lead not in self.names:
            lead = lead.coef
        if not (isinstance(lead, Number) and isinstance(lead.value, Fraction)) or lead.value.denominator == 1:
            return self._scaled(e)
        while isinstance(c, Scale) and c.is_scalar and c not in self.names:  # 1/2*a*b*X as a*b*X/2
            outer: Scale = c
            c, body = outer.coef, build.scale(outer.body, body)
        if isinstance(c, Number) and isinstance(c.value, Fraction) and c.value.denominator != 1:
            top = build.scale(build.number(c.value.numerator), body)
            return f"{_wrap(self.text(top), MUL)}/{c.value.denominator}", MUL
        return self._scaled(e)

    def _scaled(self, e: Scale) -> tuple[str, int]:
        body = self.text(e.body)
        minus = isinstance(e.coef, Number) and e.coef.value == -1
        named = e.body in self.names
        # -f*g is (-f)*g and c*f*g is (c*f)*g: the product (and the quotient -u/v, c*u/v)
        # pulls the scalar out again, provided the first factor f binds tighter than the
        # minus / the '*'.  A number on top of a quotient is its own (c*(2./x)).
        first_at = POW if minus else MUL + 1
        text: str | None = None
        if named:
            pass  # c*t1: the name stands for the whole body
        elif isinstance(e.body, _SCALAR_TRANSPARENT) and not _absorbs_numbers(e.body.factors[0]):
            text = self._factors(e.body, first_at)
        elif isinstance(e.body, ElemDiv) and not _absorbs_numbers(e.body):
            text = self._quotient(e.body, MUL)  # the run c*u or -u is built before the division
        if text is not None:
            return (f"-{text}" if minus else f"{_wrap(self.text(e.coef), MUL)}*{text}"), MUL
        if minus:
            return f"-{_wrap(body, UNARY)}", UNARY
        return f"{_wrap(self.text(e.coef), MUL)}*{_wrap(body, MUL + 1)}", MUL

    def _sum(self, e: Add) -> tuple[str, int]:
        return self._terms(e.terms), ADD

    def _terms(self, terms: tuple[Expr, ...]) -> str:
        if len(terms) > 2 and isinstance(terms[0], Number) and isinstance(terms[1], Number):
            # The parser folds 3+3+a to 6+a; 3+(3+a) gives back the sum of three terms.
            return f"{self._term(terms[0], None, first=True)}+({self._terms(terms[1:])})"
        # A term s*vector(1) prints as plain s where the parser will broadcast
        # it back: after a non-broadcast term, or first when the second is not.
        scalars = [None if t in self.names else _broadcast(t) for t in terms]  # a name stands as it is
        seen_array = False
        out: list[str] = []
        for i, term in enumerate(terms):
            bare = scalars[i] is not None and (seen_array or (i == 0 and scalars[1] is None))
            seen_array = seen_array or scalars[i] is None
            out.append(self._term(term, scalars[i] if bare else None, first=(i == 0)))
        return "".join(out)

    def _term(self, term: Expr, bare_scalar: Expr | None, first: bool) -> str:
        shown = term if bare_scalar is None else bare_scalar
        positive = None if shown in self.names else _negated(shown)
        if positive is not None and not first:
            return f"-{_wrap(self.text(positive), ADD + 1)}"
        text = _wrap(self.text(shown), ADD + 1 if bare_scalar is not None else ADD)
        return text if first else f"+{text}"
