"""Smart constructors: the one way nodes are built.

Each constructor checks that its operands fit (raising `ShapeError` that says
which operation and which operands), unifies the dimensions the operation
forces to agree together with the dimensions of same-named symbols in
different operands, and applies a few canonical forms that keep equal things
identical without changing the user's structure:

- sums, matrix products and Hadamard products are flattened (associativity);
- scalar factors move to the front as one `Scale` whose body is never a Scale;
- numbers fold (``2*3 -> 6``, ``-(2) -> -2``), ``1*X -> X`` (but ``0*X`` stays, so
  that it prints back: a zero array has no text that fixes its shape);
- ``(X')' -> X``, ``S' -> S`` for symmetric ``S``, ``s' -> s`` for a scalar;
- a scalar added to an array is that scalar times the array of ones.
"""

from __future__ import annotations

import bisect
import numbers
import sys
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction

import numpy as np

from matcalc.dims import Dim, Unifier, fresh_dim
from matcalc.errors import ShapeError
from matcalc.expr import (
    FUNCTION_KINDS,
    KINDS,
    Add,
    Apply,
    Call,
    Det,
    DiagMatrix,
    DiagVector,
    ElemDiv,
    Expr,
    Hadamard,
    Identity,
    Inverse,
    LogDet,
    MatMul,
    MatPow,
    Norm,
    Number,
    Ones,
    Power,
    Scale,
    Softmax,
    SumEntries,
    Symbol,
    Trace,
    Transpose,
    Zero,
    rebuild,
    substitute_dims,
)
from matcalc.limits import charge
from matcalc.ops import ELEMENTWISE
from matcalc.tree import _ON_FORGET, interned

__all__ = [
    "add", "apply", "as_expr", "default_kind", "det", "diag", "elem_div", "eye", "fill",
    "hadamard", "inv", "logdet", "matmul", "matpow", "mul", "neg", "norm", "number",
    "ones", "power", "scale", "softmax", "sub", "sum_entries", "symbol", "trace",
    "transpose", "zeros",
]  # fmt: skip


# ---- describing operands in messages -------------------------------------------------


def describe(e: Expr) -> str:
    """A short phrase for an operand: ``'column vector x'``, ``'matrix A*B'``."""
    if e.is_scalar:
        what = "scalar"
    elif e.is_vector:
        what = "row vector" if e.row else "column vector"
    elif e.is_matrix:
        what = "matrix"
    else:
        what = f"order-{e.ndim} tensor"
    text = str(e)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{what} {text}"


# ---- unification -------------------------------------------------------------------------


def _unified(operands: Sequence[Expr], equal: Iterable[tuple[Dim, Dim]] = ()) -> list[Expr]:
    """The operands with forced-equal dims and same-named symbols' dims unified."""
    return _unify(operands, equal)[0]


def _unify(
    operands: Sequence[Expr], equal: Iterable[tuple[Dim, Dim]] = ()
) -> tuple[list[Expr], Unifier]:
    """`_unified`, and the unifier (to map further dims such as a result shape)."""
    charge()  # the work budget of the public call (matcalc.limits)
    uf = Unifier()
    for i, op in enumerate(operands):
        for other in operands[i + 1 :]:
            for prev, s in _clashes(op.symbols, other.symbols):
                if prev.kind != s.kind:
                    raise ShapeError(f"'{s.name}' is used both as a {prev.kind} and as a {s.kind}")
                uf.unify_all(zip(prev.shape, s.shape, strict=True))
    uf.unify_all(equal)
    sub = uf.substitution()
    return [substitute_dims(op, sub) for op in operands], uf


def _name(s: Symbol) -> str:
    return s.name


#: Pairs of symbol sets (interned tuples) known to hold no two different symbols of one name;
#: cleared with the interned sets, so an id here always belongs to its tuple.
_CONSISTENT: set[tuple[int, int]] = set()
_ON_FORGET.append(_CONSISTENT.clear)


def _clashes(a: tuple[Symbol, ...], b: tuple[Symbol, ...]) -> list[tuple[Symbol, Symbol]]:
    """The pairs of different symbols with one name, one from each set."""
    small, large = sorted((a, b), key=len)
    if not small or small is large or (id(small), id(large)) in _CONSISTENT:
        return []
    found = []
    for s in small:  # sorted by name: look each one up in the larger set
        n = bisect.bisect_left(large, s.name, key=_name)
        if n < len(large) and large[n].name == s.name and large[n] is not s:
            found.append((large[n], s))
    if not found and interned(small) and interned(large):  # their ids stay theirs while interned
        _CONSISTENT.add((id(small), id(large)))
    return found


# ---- leaves ----------------------------------------------------------------------------


def default_kind(name: str) -> str:
    """matrixcalculus.org's default kind from the first letter: a-g scalar, h-z vector, A-Z matrix."""
    first = name[0]
    if "a" <= first <= "g":
        return "scalar"
    if "h" <= first <= "z":
        return "vector"
    return "matrix"


def symbol(name: str, kind: str | None = None) -> Symbol:
    """A symbol of the given kind (default from its first letter)."""
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        raise ShapeError(f"symbol name {name!r} is not an identifier")
    if name.startswith("_"):
        raise ShapeError(f"{name!r} cannot be a symbol name: names starting with '_' are matcalc's own")
    kind = default_kind(name) if kind is None else kind
    if not isinstance(kind, str):
        raise ShapeError(f"the kind of '{name}' must be a string, got {type(kind).__name__}")
    if kind not in KINDS:
        raise ShapeError(f"unknown kind {kind!r} for '{name}'; kinds are {', '.join(KINDS)}")
    shape: tuple[Dim, ...]
    if kind == "scalar":
        shape = ()
    elif kind == "vector":
        shape = (Dim.of(name, 0),)
    elif kind == "matrix":
        shape = (Dim.of(name, 0), Dim.of(name, 1))
    else:
        shape = (Dim.of(name, 0), Dim.of(name, 0))
    return Symbol(name, kind, shape=shape)


_FLOAT_MAX = int(sys.float_info.max)


def number(value: object) -> Number:
    """A numeric constant (int, float or Fraction; NumPy scalars accepted)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ShapeError(f"{value!r} is not a real number")
    v: int | float | Fraction
    if isinstance(value, numbers.Integral):
        v = int(value)
    elif isinstance(value, Fraction):
        v = value if value.denominator != 1 else int(value)
        if isinstance(v, Fraction) and max(abs(v.numerator), v.denominator) > _FLOAT_MAX:
            try:
                v = float(v)  # keep exact fractions printable and convertible to float
            except OverflowError:
                raise ShapeError(f"the constant {_digits(value)} is too large for floating point") from None
    else:
        v = float(value)
        if not np.isfinite(v):  # inf also where folding constants overflowed (1e300*1e300)
            why = "too large for floating point" if np.isinf(v) else "not a number"
            raise ShapeError(f"the constant {value!r} is {why}")
        if v.is_integer() and abs(v) < 2**53:
            v = int(v)  # 2.0 is the number 2: one value, one node
    if isinstance(v, int) and abs(v) > _FLOAT_MAX:
        # Values are computed in floating point: an integer beyond its range cannot be.
        raise ShapeError("an integer of more than 308 digits is too large for floating point")
    return Number(v, shape=())


def _digits(value: object) -> str:
    """A number for a message, shortened if it has hundreds of digits."""
    text = str(value)
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} characters)"


def as_expr(value: object) -> Expr:
    """``value`` if it is an expression, else a `Number`."""
    return value if isinstance(value, Expr) else number(value)


def zeros(shape: tuple[Dim, ...], row: bool = False) -> Expr:
    """The zero of a shape (``Number(0)`` for a scalar)."""
    return Zero(shape=shape, row=row) if shape else number(0)


def ones(shape: tuple[Dim, ...], row: bool = False) -> Expr:
    """The array of ones of a shape (``Number(1)`` for a scalar)."""
    return Ones(shape=shape, row=row) if shape else number(1)


def eye(n: Dim | None = None) -> Identity:
    """The identity matrix; its size is inferred from context unless given."""
    n = fresh_dim() if n is None else n
    return Identity(shape=(n, n))


def fill(value: Expr, ndim: int) -> Expr:
    """``vector(c)`` (ndim 1) or ``matrix(c)`` (ndim 2): filled with the scalar ``c``."""
    if not value.is_scalar:
        raise ShapeError(f"{'vector' if ndim == 1 else 'matrix'}(c) needs a scalar c, got {describe(value)}")
    return mul(value, ones(tuple(fresh_dim() for _ in range(ndim))))


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
    a, b = _unified([a, b], zip(a.shape, b.shape, strict=True))
    if isinstance(a, Number) and isinstance(b, Number):
        return number(a.value + b.value)
    terms = [t for x in (a, b) for t in (x.terms if isinstance(x, Add) else (x,))]
    terms = [t for t in terms if not _is_zero(t)]
    if not terms:
        return zeros(a.shape, a.row)
    if len(terms) == 1:
        return terms[0]
    return Add(tuple(terms), shape=a.shape, row=a.row)


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


def scale(s: Expr, x: Expr) -> Expr:
    """The scalar ``s`` times ``x`` (any shape), with scalars folded to the front."""
    if not s.is_scalar:
        raise ShapeError(f"{describe(s)} is not a scalar")
    s, x = _unified([s, x])
    if x.is_scalar and isinstance(x, Number) and not isinstance(s, Number):
        s, x = x, s  # numbers in front (before the check below: x may now be a Scale)
    if isinstance(x, Scale):
        return scale(scale(s, x.coef), x.body)
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
    if a.is_scalar or b.is_scalar:
        raise ShapeError(f"matrix product needs two arrays, got {describe(a)} and {describe(b)}; "
                         "use * to scale by a scalar")
    if a.ndim > 2 or b.ndim > 2:
        raise ShapeError(
            f"matrix product of {describe(a)} and {describe(b)}: only vectors and matrices multiply"
        )
    (ca, a), (cb, b) = _split(a), _split(b)
    shape: tuple[Dim, ...]
    inner_a = a.shape[-1]
    inner_b = b.shape[0]
    if a.is_vector and not a.row:  # column on the left: only an outer product with a row
        if not (b.is_vector and b.row):
            raise ShapeError(f"cannot multiply {describe(a)} by {describe(b)}: "
                             "a column vector can only be multiplied by a row vector (outer product); "
                             "did you mean a transpose?")
        shape, row = (a.shape[0], b.shape[0]), False
        equal: list[tuple[Dim, Dim]] = []
    elif b.is_vector and b.row:
        raise ShapeError(f"cannot multiply {describe(a)} by {describe(b)}: a row vector on the right "
                         "needs a column vector on the left")
    else:
        equal = [(inner_a, inner_b)]
        if a.is_vector and b.is_vector:
            shape, row = (), False
        elif a.is_vector:
            shape, row = (b.shape[1],), True
        elif b.is_vector:
            shape, row = (a.shape[0],), False
        else:
            shape, row = (a.shape[0], b.shape[1]), False
    (a, b), uf = _unify([a, b], equal)
    shape = tuple(uf.find(d) for d in shape)
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
        if _is_row(f):
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
    a, b = _unified([a, b], zip(a.shape, b.shape, strict=True))
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


def elem_div(a: Expr, b: Expr) -> Expr:
    """``a./b`` (and ``a/s``); a scalar operand broadcasts."""
    if not a.is_scalar and not b.is_scalar:
        a, b = _elementwise_operands("division ./", a, b)
    else:
        a, b = _unified([a, b])
    if isinstance(b, Number) and b.value == 1:
        return a
    if isinstance(a, Number) and isinstance(b, Number) and b.value != 0:
        exact = not isinstance(a.value, float) and not isinstance(b.value, float)
        return number(Fraction(a.value) / Fraction(b.value) if exact else a.value / b.value)
    out = b if a.is_scalar else a
    return ElemDiv(a, b, shape=out.shape, row=out.row)


def div(a: Expr, b: Expr) -> Expr:
    """The input language's ``/``: division by a scalar."""
    if not b.is_scalar:
        raise ShapeError(f"'/' divides by a scalar, but the divisor is {describe(b)}; "
                         "use ./ for elementwise division")
    return elem_div(a, b)


def power(a: Expr, p: Expr) -> Expr:
    """Elementwise ``a.^p`` (``s^p`` for scalars); a scalar operand broadcasts."""
    if not a.is_scalar and not p.is_scalar:
        a, p = _elementwise_operands("power .^", a, p)
    else:
        a, p = _unified([a, p])
    if isinstance(p, Number) and p.value == 1:
        return a
    out = p if a.is_scalar else a
    return Power(a, p, shape=out.shape, row=out.row)


def _require_square(what: str, x: Expr) -> Expr:
    if not x.is_matrix:
        raise ShapeError(f"{what} needs a square matrix, got {describe(x)}")
    (x,) = _unified([x], [(x.shape[0], x.shape[1])])
    return x


def matpow(x: Expr, k: int) -> Expr:
    """``X^k`` for a square matrix and an integer ``k`` (``X^-1`` is the inverse)."""
    x = _require_square(f"the matrix power ^{k}", x)
    if k == 0:
        return eye(x.shape[0])
    if k == 1:
        return x
    if k == -1:
        return inv(x)
    return MatPow(x, k, shape=x.shape)


def transpose(x: Expr) -> Expr:
    """``x'``."""
    if x.is_scalar:
        return x
    if x.ndim > 2:
        raise ShapeError(f"transpose of {describe(x)}: only vectors and matrices transpose")
    if isinstance(x, Transpose):
        return x.body
    if (isinstance(x, Symbol) and x.kind == "symmetric") or isinstance(x, Identity):
        return x
    shape = x.shape if x.is_vector else (x.shape[1], x.shape[0])
    if isinstance(x, (Zero, Ones)):
        return type(x)(shape=shape, row=x.is_vector and not x.row)
    return Transpose(x, shape=shape, row=x.is_vector and not x.row)


# ---- functions ----------------------------------------------------------------------


def apply(func: str, x: Expr) -> Expr:
    """An elementwise function applied to ``x``."""
    if func not in ELEMENTWISE:
        raise ShapeError(f"unknown elementwise function {func!r}; the functions are {', '.join(ELEMENTWISE)}")
    return Apply(func, x, shape=x.shape, row=x.row)


def trace(x: Expr) -> Expr:
    """``tr(X)``; the trace of a scalar is the scalar."""
    if x.is_scalar:
        return x
    x = _require_square("tr", x)
    return Trace(x, shape=())


def det(x: Expr) -> Expr:
    """``det(X)``."""
    return Det(_require_square("det", x), shape=())


def logdet(x: Expr) -> Expr:
    """``logdet(X)``."""
    return LogDet(_require_square("logdet", x), shape=())


def inv(x: Expr) -> Expr:
    """``inv(X)``."""
    x = _require_square("inv", x)
    if isinstance(x, Identity):
        return x
    if isinstance(x, Inverse):
        return x.body
    return Inverse(x, shape=x.shape)


def diag(x: Expr) -> Expr:
    """``diag(v)`` (vector to diagonal matrix) or ``diag(X)`` (square matrix to its diagonal)."""
    if x.is_vector:
        return DiagMatrix(x, shape=(x.shape[0], x.shape[0]))
    if x.is_matrix:
        x = _require_square("diag of a matrix", x)
        return DiagVector(x, shape=(x.shape[0],))
    raise ShapeError(f"diag needs a vector or a square matrix, got {describe(x)}")


def sum_entries(x: Expr) -> Expr:
    """``sum(X)``; the sum of a scalar is the scalar."""
    if x.is_scalar:
        return x
    if x.ndim > 2:
        raise ShapeError(f"sum of {describe(x)}: only vectors and matrices")
    return SumEntries(x, shape=())


def norm(x: Expr, p: int) -> Expr:
    """``norm1(x)`` (p=1, entrywise) or ``norm2(x)`` (p=2, Frobenius for a matrix)."""
    if p not in (1, 2):
        raise ShapeError(f"norm{p} is not supported; use norm1 or norm2")
    if x.ndim > 2:
        raise ShapeError(f"norm of {describe(x)}: only scalars, vectors and matrices")
    return Norm(x, p, shape=())


def call(name: str, kind: str, arg: Expr, order: int = 0) -> Call:
    """The abstract function ``name`` applied to ``arg``, or its ``order``-th derivative there.

    ``kind`` is ``"scalar function"``, ``"vector function"`` or ``"matrix function"``.
    """
    if kind not in FUNCTION_KINDS:
        kinds = ", ".join(FUNCTION_KINDS)
        raise ShapeError(f"unknown function kind {kind!r} for '{name}'; kinds are {kinds}")
    if not isinstance(name, str) or not name.isidentifier():
        raise ShapeError(f"function name {name!r} is not an identifier")
    if arg.ndim > 2:
        raise ShapeError(f"{name}(...) of {describe(arg)}: functions take scalars, vectors or matrices")
    value = tuple(Dim.of(name, k) for k in range(FUNCTION_KINDS[kind]))
    return Call(name, kind, order, arg, shape=value + arg.shape * order)


def softmax(x: Expr, axis: int = 0) -> Expr:
    """``softmax(x)`` of a vector; of each column (``axis`` 1) or row (2) of a matrix."""
    if axis == 0:
        if not x.is_vector:
            raise ShapeError(
                f"softmax needs a vector, got {describe(x)}; "
                "softmax(X, 2) normalizes each row of a matrix, softmax(X, 1) each column"
            )
        return Softmax(x, 0, shape=x.shape, row=x.row)
    if not x.is_matrix:
        raise ShapeError(
            f"softmax(X, {axis}) needs a matrix, got {describe(x)}; softmax(x) of a vector needs no axis"
        )
    return Softmax(x, axis, shape=x.shape)


# ---- rebuilding ------------------------------------------------------------------------


def remake(e: Expr, child: Callable[[Expr], Expr]) -> Expr:
    """``e`` with each child mapped by ``child``, rebuilt through the smart constructors."""
    match e:
        case Add(terms=terms):
            return _fold(add, [child(t) for t in terms])
        case MatMul(factors=fs):
            return _fold(matmul, [child(f) for f in fs])
        case Hadamard(factors=fs):
            return _fold(hadamard, [child(f) for f in fs])
        case Scale(coef=c, body=b):
            return scale(child(c), child(b))
        case ElemDiv(num=a, den=b):
            return elem_div(child(a), child(b))
        case Power(base=a, exponent=p):
            return power(child(a), child(p))
        case Apply(func=f, arg=a):
            return apply(f, child(a))
        case Call(name=n, kind=k, order=o, arg=a):
            return call(n, k, child(a), o)
        case MatPow(body=b, k=k):
            return matpow(child(b), k)
        case Norm(body=b, p=p):
            return norm(child(b), p)
        case Softmax(body=b, axis=k):
            return softmax(child(b), k)
        case Transpose() | Trace() | Det() | LogDet() | Inverse() | SumEntries():
            return _UNARY[type(e)](child(e.body))
        case DiagMatrix(body=b) | DiagVector(body=b):
            return diag(child(b))
    return rebuild(e, child, lambda d: d)  # leaves and index forms


def replace(e: Expr, old: Symbol, new: Expr) -> Expr:
    """``e`` with the symbol ``old`` replaced by ``new`` (of the same shape); untouched subtrees are kept."""
    memo: dict[Expr, Expr] = {}

    def go(x: Expr) -> Expr:
        if old not in x.symbols:
            return x
        if x is old:
            return new
        done = memo.get(x)
        if done is None:
            done = memo[x] = remake(x, go)
        return done

    return go(e)


def _fold(op: Callable[[Expr, Expr], Expr], items: list[Expr]) -> Expr:
    out = items[0]
    for item in items[1:]:
        out = op(out, item)
    return out


_UNARY: dict[type, Callable[[Expr], Expr]] = {
    Transpose: transpose, Trace: trace, Det: det, LogDet: logdet, Inverse: inv,
    SumEntries: sum_entries,
}  # fmt: skip
