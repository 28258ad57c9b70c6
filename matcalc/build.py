"""Smart constructors: the one way nodes are built.

Each constructor checks that its operands fit (raising `ShapeError` that says
which operation and which operands), unifies the dimensions the operation
forces to agree together with the dimensions of same-named symbols in
different operands, and applies a few canonical forms that keep equal things
identical without changing the user's structure:

- sums, matrix products and Hadamard products are flattened (associativity);
- scalar factors move to the front as one `Scale` whose body is never a Scale,
  also out of the numerator of a quotient (``(2*x)./y`` is ``2*(x./y)``), and a
  division by an exact number is a scale (``x/2`` is ``1/2*x``, printed ``x/2``);
  a product of scalars is a chain along the coefficient, ``((a*b)*c)*d``, up to
  `arithmetic.CHAIN` factors; longer ones keep their grouping (`mul_all` builds
  them balanced), the only Scales whose body is a Scale;
- numbers fold (``2*3 -> 6``, ``-(2) -> -2``), ``1*X -> X`` (but ``0*X`` stays, so
  that it prints back: a zero array has no text that fixes its shape);
- ``(X')' -> X``, ``S' -> S`` for symmetric ``S``, ``s' -> s`` for a scalar;
- a scalar added to an array is that scalar times the array of ones.

This module is the one import path of all constructors: the leaves live in
:mod:`matcalc.leaves`, sums, products and elementwise arithmetic in
:mod:`matcalc.arithmetic`, operand messages and unification in
:mod:`matcalc.operands`; here are the transposes, powers, matrix functions and
rebuilding (`remake`, `replace`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matcalc.arithmetic import (
    CHAIN,
    add,
    add_all,
    div,
    elem_div,
    fill,
    hadamard,
    hadamard_all,
    long_product,
    matmul,
    matmul_all,
    mul,
    mul_all,
    neg,
    power,
    scale,
    sub,
)
from matcalc.dims import Dim
from matcalc.errors import ShapeError
from matcalc.expr import (
    FUNCTION_KINDS,
    Add,
    Apply,
    Call,
    Commutation,
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
)
from matcalc.leaves import as_expr, commutation, default_kind, eye, number, ones, symbol, symmetrizer, zeros
from matcalc.operands import describe, unified
from matcalc.ops import ELEMENTWISE

__all__ = [
    "CHAIN", "add", "add_all", "apply", "as_expr", "call", "call_partial", "commutation", "default_kind",
    "describe", "det", "diag", "div", "elem_div", "eye", "fill", "fold", "hadamard", "hadamard_all", "inv",
    "logdet",
    "long_product", "matmul", "matmul_all", "matpow", "mul", "mul_all", "neg", "norm", "number", "ones",
    "power", "remake", "replace", "require_square", "scale", "softmax", "sub", "sum_entries", "symbol",
    "symmetrizer", "trace", "transpose", "unified", "zeros",
]  # fmt: skip



def require_square(what: str, x: Expr) -> Expr:
    """``x`` with its two dimensions unified, or a `ShapeError` naming ``what`` if it is not a matrix."""
    if not x.is_matrix:
        raise ShapeError(f"{what} needs a square matrix, got {describe(x)}")
    (x,) = unified([x], [(x.shape[0], x.shape[1])])
    return x


def matpow(x: Expr, k: int) -> Expr:
    """``X^k`` for a square matrix and an integer ``k`` (``X^-1`` is the inverse)."""
    x = require_square(f"the matrix power ^{k}", x)
    if k == 0:
        return eye(x.shape[0])
    if k == 1:
        return x
    if k == -1:
        return inv(x)
    return MatPow(x, k, shape=x.shape)


def transpose(x: Expr) -> Expr:
    """``x'``."""
    n = len(x.shape)  # (read once: `is_scalar`, `is_vector` ... cost a call each)
    if not n:
        return x
    if n > 2:
        raise ShapeError(f"transpose of {describe(x)}: only vectors and matrices transpose")
    if isinstance(x, Transpose):
        return x.body
    if (isinstance(x, Symbol) and x.kind == "symmetric") or isinstance(x, Identity):
        return x
    shape = x.shape if n == 1 else (x.shape[1], x.shape[0])
    row = n == 1 and not x.row
    if isinstance(x, (Zero, Ones)):
        return type(x)(shape=shape, row=row)
    if isinstance(x, Commutation):  # K_pq' = K_qp (a permutation's inverse), N_n' = N_n
        return x if x.symmetric else Commutation(x.parts[::-1], False, shape=shape)
    return Transpose(x, shape=shape, row=row)


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
    x = require_square("tr", x)
    return Trace(x, shape=())


def det(x: Expr) -> Expr:
    """``det(X)``."""
    return Det(require_square("det", x), shape=())


def logdet(x: Expr) -> Expr:
    """``logdet(X)``."""
    return LogDet(require_square("logdet", x), shape=())


def inv(x: Expr) -> Expr:
    """``inv(X)``."""
    x = require_square("inv", x)
    if isinstance(x, Identity):
        return x
    if isinstance(x, Inverse):
        return x.body
    return Inverse(x, shape=x.shape)


def diag(x: Expr) -> Expr:
    """``diag(v)`` (vector to diagonal matrix) or ``diag(X)`` (a square matrix's diagonal); zeros of zeros."""
    if x.is_vector:
        n = x.shape[0]
        return zeros((n, n)) if isinstance(x, Zero) else DiagMatrix(x, shape=(n, n))
    if x.is_matrix:
        x = require_square("diag of a matrix", x)
        return zeros((x.shape[0],)) if isinstance(x, Zero) else DiagVector(x, shape=(x.shape[0],))
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
    """The abstract function ``name`` of one argument at ``arg``, or its ``order``-th derivative there.

    ``kind`` is ``"scalar function"``, ``"vector function"`` or ``"matrix function"``.
    """
    return call_partial(name, kind, (arg,), (0,) * order)


def call_partial(name: str, kind: str, args: Sequence[Expr], partials: Sequence[int] = ()) -> Call:
    """The abstract function ``name`` of ``args``, or its partial derivative by the arguments ``partials``.

    ``partials`` holds 0-based argument positions, in any order (mixed partials
    commute: they are stored sorted, the axes following in that order).
    """
    if kind not in FUNCTION_KINDS:
        kinds = ", ".join(FUNCTION_KINDS)
        raise ShapeError(f"unknown function kind {kind!r} for '{name}'; kinds are {kinds}")
    if not isinstance(name, str) or not name.isidentifier():
        raise ShapeError(f"function name {name!r} is not an identifier")
    if not args:
        raise ShapeError(f"{name}() needs at least one argument")
    for arg in args:
        if arg.ndim > 2:
            raise ShapeError(f"{name}(...) of {describe(arg)}: functions take scalars, vectors or matrices")
    order = tuple(sorted(partials))
    args = unified(args)  # a symbol in two arguments has one shape
    for p in order:
        if not 0 <= p < len(args):
            raise ShapeError(f"{name} has {len(args)} arguments: no partial derivative by argument {p + 1}")
    value = tuple(Dim.of(name, k) for k in range(FUNCTION_KINDS[kind]))
    axes = tuple(d for p in order for d in args[p].shape)
    return Call(name, kind, order, tuple(args), shape=value + axes)


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
            return fold(add, [child(t) for t in terms])
        case MatMul(factors=fs):
            return fold(matmul, [child(f) for f in fs])
        case Hadamard(factors=fs):
            return fold(hadamard, [child(f) for f in fs])
        case Scale(coef=c, body=b):
            return scale(child(c), child(b))
        case ElemDiv(num=a, den=b):
            return elem_div(child(a), child(b))
        case Power(base=a, exponent=p):
            return power(child(a), child(p))
        case Apply(func=f, arg=a):
            return apply(f, child(a))
        case Call(name=n, kind=k, partials=ps, args=xs):
            return call_partial(n, k, [child(a) for a in xs], ps)
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
    if (new.ndim, new.row) != (old.ndim, old.row):  # dimensions may still differ by name
        raise ShapeError(f"cannot replace {describe(old)} by {describe(new)}: their shapes differ")
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


def fold(op: Callable[[Expr, Expr], Expr], items: list[Expr]) -> Expr:
    """``items`` (at least one) combined left to right by the constructor ``op``."""
    out = items[0]
    for item in items[1:]:
        out = op(out, item)
    return out


_UNARY: dict[type, Callable[[Expr], Expr]] = {
    Transpose: transpose, Trace: trace, Det: det, LogDet: logdet, Inverse: inv,
    SumEntries: sum_entries,
}  # fmt: skip
