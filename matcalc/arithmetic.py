"""The smart constructors of arithmetic: sums, scaling, matrix products and elementwise operations.

They call each other (a scalar added to an array is that scalar times ones,
``2*(3/q)`` folds to ``6/q``, a scalar operand of ``.*`` scales), so they are
one module; the canonical forms they keep are listed in :mod:`matcalc.build`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction

from matcalc.dims import Dim, fresh_dim
from matcalc.errors import ShapeError
from matcalc.expr import Add, ElemDiv, Expr, Hadamard, Identity, MatMul, Number, Ones, Power, Scale, Zero
from matcalc.leaves import number, ones, zeros
from matcalc.operands import describe, unified, unified_all, unify

__all__ = [
    "CHAIN", "add", "add_all", "div", "elem_div", "fill", "hadamard", "hadamard_all", "long_product",
    "matmul", "matmul_all", "mul", "mul_all", "neg", "power", "scale", "sub",
]  # fmt: skip


def fill(value: Expr, ndim: int, shape: tuple[Dim, ...] | None = None) -> Expr:
    """``vector(c)`` (ndim 1) or ``matrix(c)`` (ndim 2): filled with the scalar ``c``.

    Its dimensions are inferred from context, unless ``shape`` gives them
    (``vector(c, size(y, 1))``).
    """
    if not value.is_scalar:
        raise ShapeError(f"{'vector' if ndim == 1 else 'matrix'}(c) needs a scalar c, got {describe(value)}")
    if shape is not None and len(shape) != ndim:
        name = "vector" if ndim == 1 else "matrix"
        raise ShapeError(f"{name}(c, ...) takes {ndim} size(s), got {len(shape)}")
    if shape is None:
        shape = tuple(fresh_dim() for _ in range(ndim))
    if isinstance(value, Number) and value.value == 0:
        return zeros(shape)  # vector(0) is the zero vector, as a zero prints
    return mul(value, ones(shape))


# ---- sums --------------------------------------------------------------------------


def _like(s: Expr, target: Expr) -> Expr:
    """A scalar broadcast to the shape and orientation of ``target``."""
    return mul(s, ones(target.shape, target.row))


def add(a: Expr, b: Expr) -> Expr:
    """``a+b``; a scalar added to an array adds to every entry."""
    if a.is_scalar and not b.is_scalar:
        a = _like(a, b)
    elif b.is_scalar and not a.is_scalar:
        b = _like(b, a)
    if a.ndim != b.ndim or a.row != b.row:
        raise ShapeError(f"cannot add {describe(a)} and {describe(b)}: shapes differ")
    a, b = unified([a, b], zip(a.shape, b.shape, strict=True))
    if isinstance(a, Number) and isinstance(b, Number):
        return number(a.value + b.value)
    terms = [*(a.terms if isinstance(a, Add) else (a,)), *(b.terms if isinstance(b, Add) else (b,))]
    if not _ZERO_TYPES.isdisjoint(map(type, terms)):  # (read at C speed: a+(b+(c+...)) copies long sums)
        terms = [t for t in terms if not _is_zero(t)]
    if not terms:
        return zeros(a.shape, a.row)
    if len(terms) == 1:
        return terms[0]
    return Add(tuple(terms), shape=a.shape, row=a.row)


def add_all(operands: Sequence[Expr]) -> Expr:
    """``x1 + x2 + ...`` of operands of one rank and orientation, in time linear in their number.

    The node `add` builds from left to right (numbers that meet fold, zeros drop),
    without copying the growing list of terms at every step.
    """
    first = operands[0]
    if any(x.ndim != first.ndim or x.row != first.row for x in operands):
        raise ShapeError("add_all needs operands of one rank and orientation")
    equal = [pair for x in operands[1:] for pair in zip(first.shape, x.shape, strict=True)]
    xs = unified_all(operands, equal)
    terms = list(xs[0].terms) if isinstance(xs[0], Add) else [xs[0]]
    for x in xs[1:]:
        if len(terms) == 1 and isinstance(terms[0], Number) and isinstance(x, Number):
            terms = [number(terms[0].value + x.value)]
            continue
        if not terms and first.is_scalar and isinstance(x, Number):  # the sum so far is the number 0
            terms = [number(0 + x.value)]
            continue
        if len(terms) == 1 and _is_zero(terms[0]):
            terms = []
        terms.extend(t for t in (x.terms if isinstance(x, Add) else (x,)) if not _is_zero(t))
    if not terms:
        return zeros(xs[0].shape, xs[0].row)
    if len(terms) == 1:
        return terms[0]
    return Add(tuple(terms), shape=xs[0].shape, row=xs[0].row)


#: The node types `_is_zero` can be true of.
_ZERO_TYPES = frozenset({Zero, Number})


def _is_zero(e: Expr) -> bool:
    return isinstance(e, Zero) or (isinstance(e, Number) and e.value == 0)


def neg(a: Expr) -> Expr:
    """``-a``."""
    return mul(number(-1), a)


def sub(a: Expr, b: Expr) -> Expr:
    """``a-b``."""
    if not a.is_scalar and not b.is_scalar and (a.ndim != b.ndim or a.row != b.row):
        # checked here so that the message shows b as written, not as -b
        raise ShapeError(f"cannot subtract {describe(b)} from {describe(a)}: shapes differ")
    return add(a, neg(b))


# ---- products ----------------------------------------------------------------------


#: Factors a product of scalars holds as one chain, ``((a*b)*c)*d``: Scale nodes nested along
#: the coefficient, numbers folded in front, the canonical form every rule reads.  A longer
#: product keeps the grouping it was built with, and `mul_all` (the parser, the rules) builds
#: it balanced, so its depth grows with the logarithm of its length, not one level per factor.
CHAIN = 64


def scale(s: Expr, x: Expr) -> Expr:
    """The scalar ``s`` times ``x`` (any shape), with scalars folded to the front."""
    if not s.is_scalar:
        raise ShapeError(f"{describe(s)} is not a scalar")
    s, x = unified([s, x])
    if x.is_scalar:
        return _times(s, x)
    if isinstance(x, Scale):
        return scale(_times(s, x.coef), x.body)
    return _scaled(s, x)


def _times(s: Expr, x: Expr) -> Expr:
    """The product of the scalars ``s`` and ``x`` (unified): one chain, or two long products side by side."""
    if isinstance(x, Number) and not isinstance(s, Number):
        s, x = x, s  # numbers in front
    if not isinstance(x, Scale):
        return _scaled(s, x)
    if _chain_length(s) + _chain_length(x) > CHAIN:
        return x if isinstance(s, Number) and s.value == 1 else Scale(s, x, shape=(), row=False)
    for f in _chain_factors(x):  # the chain s, then x's factors: each joins at the end
        s = _times(s, f)
    return s


def _scaled(s: Expr, x: Expr) -> Expr:
    """``s x`` for an ``x`` that is not a product with a scalar factor: numbers folded, 1 dropped."""
    if isinstance(s, Number):
        if isinstance(x, Number):
            return number(s.value * x.value)
        if isinstance(x, ElemDiv) and isinstance(x.num, Number):  # 2*(3/q) is 6/q
            return elem_div(number(s.value * x.num.value), x.den)
        if s.value == 1:
            return x
        if s.value == -1:
            s = number(-1)  # -1.0*x is -x, as 1.0*x is x (it prints as -x)
    if isinstance(x, Zero):
        return x
    return Scale(s, x, shape=x.shape, row=x.row)


def _chain_length(e: Expr) -> int:
    """The factors of a product of scalars along its chain; ``CHAIN + 1`` for any longer product."""
    n = 1
    while isinstance(e, Scale) and e.body.is_scalar:
        if isinstance(e.body, Scale) or n > CHAIN:
            return CHAIN + 1
        e, n = e.coef, n + 1
    return n


def long_product(e: Expr) -> bool:
    """True for a product of more than `CHAIN` scalars (not one chain: passes treat it as n-ary)."""
    return isinstance(e, Scale) and e.is_scalar and _chain_length(e) > CHAIN


def _chain_factors(e: Expr) -> list[Expr]:
    """The factors of a chain ``((a*b)*c)*d`` (at most `CHAIN`), first to last."""
    out: list[Expr] = []
    while isinstance(e, Scale) and e.body.is_scalar:
        out.append(e.body)
        e = e.coef
    out.append(e)
    return out[::-1]


def mul_all(operands: Sequence[Expr]) -> Expr:
    """``x1 * x2 * ...`` (the input language's ``*``), built as a balanced tree beyond `CHAIN` operands.

    Up to `CHAIN` operands it is the left-to-right product; a longer one groups
    into halves, so that a product of 100,000 scalars is not 100,000 levels deep.
    """
    if len(operands) > CHAIN and all(x.is_scalar for x in operands):
        # numbers in front at once, not walked through each chain
        c: Expr = number(1)
        rest: list[Expr] = []
        for x in operands:
            if isinstance(x, Number):
                c = number(c.value * x.value)  # type: ignore[attr-defined]
            elif isinstance(x, Scale) and isinstance(x.coef, Number) and not isinstance(x.body, Scale):
                c = number(c.value * x.coef.value)  # type: ignore[attr-defined]
                rest.append(x.body)
            else:
                rest.append(x)
        if rest and any(isinstance(x, Number) or x is not y for x, y in zip(operands, rest, strict=False)):
            return mul(c, _balanced(rest, {}))
    return _balanced(operands, {})


def _balanced(operands: Sequence[Expr], built: dict[tuple[int, ...], Expr]) -> Expr:
    """The product of ``operands``: left to right up to `CHAIN`, else the product of the two halves.

    ``built`` remembers the product of each run of operands (by their identities),
    so a repeated run (``a*a*...*a``) is built once, not once per occurrence.
    """
    if len(operands) <= CHAIN:
        out = operands[0]
        for x in operands[1:]:
            out = mul(out, x)
        return out
    key = tuple(map(id, operands))
    found = built.get(key)
    if found is None:
        mid = len(operands) // 2
        found = built[key] = mul(_balanced(operands[:mid], built), _balanced(operands[mid:], built))
    return found


def _split(x: Expr) -> tuple[Expr | None, Expr]:
    """``(coef, body)`` of a Scale, else ``(None, x)``."""
    return (x.coef, x.body) if isinstance(x, Scale) else (None, x)


def _rescale(coefs: Iterable[Expr | None], body: Expr) -> Expr:
    for c in coefs:
        if c is not None:
            body = scale(c, body)
    return body


def matmul(a: Expr, b: Expr) -> Expr:
    """The matrix product of two non-scalar operands (``A*B``, ``x'*y``, ``x*y'``)."""
    na, nb = len(a.shape), len(b.shape)  # (read once: `ndim`, `is_vector` ... cost a call each)
    if not na or not nb:
        raise ShapeError(f"matrix product needs two arrays, got {describe(a)} and {describe(b)}; "
                         "use * to scale by a scalar")
    if na > 2 or nb > 2:
        raise ShapeError(
            f"matrix product of {describe(a)} and {describe(b)}: only vectors and matrices multiply"
        )
    (ca, a), (cb, b) = _split(a), _split(b)
    shape: tuple[Dim, ...]
    if na == 1 and not a.row:  # column on the left: only an outer product with a row
        if not (nb == 1 and b.row):
            raise ShapeError(f"cannot multiply {describe(a)} by {describe(b)}: "
                             "a column vector can only be multiplied by a row vector (outer product); "
                             "did you mean a transpose?")
        shape, row = (a.shape[0], b.shape[0]), False
        equal: list[tuple[Dim, Dim]] = []
    elif nb == 1 and b.row:
        raise ShapeError(f"cannot multiply {describe(a)} by {describe(b)}: a row vector on the right "
                         "needs a column vector on the left")
    else:
        equal = [(a.shape[-1], b.shape[0])]
        if na == 1 and nb == 1:
            shape, row = (), False
        elif na == 1:
            shape, row = (b.shape[1],), True
        elif nb == 1:
            shape, row = (a.shape[0],), False
        else:
            shape, row = (a.shape[0], b.shape[1]), False
    (a2, b2), uf = unify([a, b], equal)
    if a2 is not a or b2 is not b:  # (else no dimension of theirs, so none of the shape, is renamed)
        a, b, shape = a2, b2, tuple(uf.resolve(d) for d in shape)
    if isinstance(a, Zero) or isinstance(b, Zero):
        return _rescale((), zeros(shape, row))
    if isinstance(a, Identity):
        return _rescale((ca, cb), b)
    if isinstance(b, Identity):
        return _rescale((ca, cb), a)
    factors = [f for x in (a, b) for f in (x.factors if isinstance(x, MatMul) else (x,))]
    return _rescale((ca, cb), _chain(factors))


def _is_col(e: Expr) -> bool:
    return e.is_vector and not e.row


def _is_row(e: Expr) -> bool:
    return e.is_vector and e.row


def _chain(factors: list[Expr]) -> Expr:
    """The product of a well-typed factor list, with scalar sub-products split off.

    ``x'*(x*y')`` flattens to ``x', x, y'``, whose first two factors make a
    scalar: that is ``(x'*x)*y'``, a Scale, never a chain with a scalar inside.
    A row vector at ``k`` and the next column vector at ``j`` enclose such a
    scalar; what is left around it (ending in a column, starting with a row)
    is again a product, so the form does not depend on how the chain was grouped.
    """
    if len(factors) == 1:
        return factors[0]
    for k, f in enumerate(factors):
        if f.row and len(f.shape) == 1:  # (`_is_row`, `row` read first: false for most factors)
            j = next((j for j in range(k + 1, len(factors)) if _is_col(factors[j])), None)
            if j is not None and (k, j) != (0, len(factors) - 1):
                rest = factors[:k] + factors[j + 1 :]
                return scale(_chain(factors[k : j + 1]), _chain(rest))
            break
    first, last = factors[0], factors[-1]
    left = () if _is_row(first) else (first.shape[0],)
    right = () if _is_col(last) else (last.shape[-1],)
    row = _is_row(first) and not _is_col(last)
    return MatMul(tuple(factors), shape=left + right, row=row)


def matmul_all(operands: Sequence[Expr]) -> Expr:
    """``A1 * A2 * ...`` of matrices, in one pass: linear in their number.

    The node the pairwise products build (operands that are themselves products
    are flattened); a run with an identity, a zero or a scalar factor is left
    to them.
    """
    if any(not x.is_matrix or isinstance(x, (Identity, Zero, Scale)) for x in operands):
        return _grouped(operands, matmul)
    equal = [(a.shape[1], b.shape[0]) for a, b in itertools.pairwise(operands)]
    xs = unified_all(operands, equal)
    return _chain([f for x in xs for f in (x.factors if isinstance(x, MatMul) else (x,))])


def hadamard_all(operands: Sequence[Expr]) -> Expr:
    """``x1 .* x2 .* ...`` of arrays of one rank and orientation, in one pass: linear in their number.

    The node the pairwise products build; a run with ones, a zero or a scalar
    factor is left to them.
    """
    first = operands[0]
    if any(x.ndim != first.ndim or x.row != first.row or x.is_scalar or isinstance(x, (Ones, Zero, Scale))
           for x in operands):
        return _grouped(operands, hadamard)
    equal = [pair for x in operands[1:] for pair in zip(first.shape, x.shape, strict=True)]
    xs = unified_all(operands, equal)
    factors = tuple(f for x in xs for f in (x.factors if isinstance(x, Hadamard) else (x,)))
    return Hadamard(factors, shape=xs[0].shape, row=xs[0].row)


def _grouped(operands: Sequence[Expr], op: Callable[[Expr, Expr], Expr]) -> Expr:
    """``operands`` combined by ``op`` as a balanced tree."""
    if len(operands) == 1:
        return operands[0]
    mid = len(operands) // 2
    return op(_grouped(operands[:mid], op), _grouped(operands[mid:], op))


def mul(a: Expr, b: Expr) -> Expr:
    """The input language's ``*``: scaling if either side is scalar, else a matrix product."""
    if a.is_scalar:
        return scale(a, b)
    if b.is_scalar:
        return scale(b, a)
    return matmul(a, b)


def _elementwise_operands(op: str, a: Expr, b: Expr) -> tuple[Expr, Expr]:
    """Unify two same-shaped operands of an elementwise operation."""
    if a.ndim != b.ndim or (a.is_vector and a.row != b.row):
        raise ShapeError(f"elementwise {op} of {describe(a)} and {describe(b)}: shapes differ")
    a, b = unified([a, b], zip(a.shape, b.shape, strict=True))
    return a, b


def hadamard(a: Expr, b: Expr) -> Expr:
    """``a.*b``; a scalar operand scales the other."""
    if a.is_scalar or b.is_scalar:
        return mul(a, b)
    (ca, a), (cb, b) = _split(a), _split(b)
    a, b = _elementwise_operands("product .*", a, b)
    if isinstance(a, Zero) or isinstance(b, Zero):
        return zeros(a.shape, a.row)
    if isinstance(a, Ones):
        return _rescale((ca, cb), b)
    if isinstance(b, Ones):
        return _rescale((ca, cb), a)
    factors = [f for x in (a, b) for f in (x.factors if isinstance(x, Hadamard) else (x,))]
    return _rescale((ca, cb), Hadamard(tuple(factors), shape=a.shape, row=a.row))


def _broadcast(op: str, a: Expr, b: Expr) -> tuple[Expr, Expr, Expr]:
    """Two operands of one shape, or one of them scalar, unified; and the one whose shape the result has."""
    if not a.is_scalar and not b.is_scalar:
        a, b = _elementwise_operands(op, a, b)
    else:
        a, b = unified([a, b])
    return a, b, (b if a.is_scalar else a)


def elem_div(a: Expr, b: Expr) -> Expr:
    """``a./b`` (and ``a/s``); a scalar operand broadcasts."""
    a, b, out = _broadcast("division ./", a, b)
    if isinstance(b, Number) and b.value == 1:
        return a
    if isinstance(a, Number) and isinstance(b, Number) and b.value != 0:
        exact = not isinstance(a.value, float) and not isinstance(b.value, float)
        return number(Fraction(a.value) / Fraction(b.value) if exact else a.value / b.value)
    if isinstance(b, Number) and b.value != 0 and not isinstance(b.value, float):
        return scale(number(1 / Fraction(b.value)), a)  # u/2 is (1/2)*u: one node for one value
    if isinstance(a, Scale):  # (c u) ./ v = c (u ./ v): scalar factors in front, as in products
        return scale(a.coef, elem_div(a.body, b))
    return ElemDiv(a, b, shape=out.shape, row=out.row)


def div(a: Expr, b: Expr) -> Expr:
    """The input language's ``/``: division by a scalar."""
    if not b.is_scalar:
        raise ShapeError(f"'/' divides by a scalar, but the divisor is {describe(b)}; "
                         "use ./ for elementwise division")
    return elem_div(a, b)


def power(a: Expr, p: Expr) -> Expr:
    """Elementwise ``a.^p`` (``s^p`` for scalars); a scalar operand broadcasts."""
    a, p, out = _broadcast("power .^", a, p)
    if isinstance(p, Number) and p.value == 1:
        return a
    return Power(a, p, shape=out.shape, row=out.row)
