"""What a reader counts: the operators of an expression as the text printer spells it.

The cost model of the rules that choose between two equal forms (`matcalc.rules.monomials`,
`matcalc.rules.known`): every binary and unary operator, transpose mark and function
applied, with a subexpression used twice counted once (as issue 9 defines the cost:
what a reader sees when repeated subexpressions are named).  It follows the printer
closely enough to rank two forms of one expression; `benchmarks/paper_form.py`
counts the printed text itself.

Between two forms that print as many operators, the one that costs fewer
floating-point operations to evaluate is cheaper (`flops`, `cheaper`), as
issue 9 defines the tie-break.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from matcalc.expr import (
    Add,
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
    Number,
    Ones,
    Power,
    Scale,
    Symbol,
    Trace,
    Transpose,
    Zero,
    walk,
)

__all__ = ["cheaper", "flops", "operators"]

#: The size every dimension is taken to have when `flops` counts: a matrix is N x N, a vector N long.
N = 64


def operators(e: Expr, memo: dict[Expr, int] | None = None) -> int:
    """The operators of ``e`` with each distinct subexpression counted once (as if named when repeated).

    ``memo`` caches each node's own count across calls.
    """
    memo = {} if memo is None else memo
    total = 0
    for x in walk(e):
        own = memo.get(x)
        if own is None:
            own = memo[x] = _own(x)
        total += own
    return total


def _fraction(v: object) -> int:
    return 1 if isinstance(v, Fraction) and v.denominator != 1 else 0


def _sign(e: Expr) -> int:
    """1 for a negative number (its minus is counted where it is used: a node is counted once)."""
    return 1 if isinstance(e, Number) and e.value < 0 else 0


def _own(e: Expr) -> int:
    """The operators ``e`` adds to those of its operands."""
    match e:
        case Number(value=v):
            return _fraction(v)
        case Symbol() | Identity() | Zero() | Ones():
            return 0
        case Add(terms=ts):
            return len(ts) - 1 - sum(1 for t in ts[1:] if _negative(t))
        case Scale(coef=Number(value=v) as c):
            return _sign(c) + (0 if abs(v) == 1 else 1)
        case MatMul(factors=fs) | Hadamard(factors=fs):
            return len(fs) - 1
        case ElemDiv(num=a) | Power(exponent=a):
            return 1 + _sign(a)
    return 1


def _negative(t: Expr) -> bool:
    """A term that prints with a leading minus (which replaces the ``+`` before it)."""
    match t:
        case Number(value=v):
            return bool(v < 0)
        case Scale(coef=c):
            return _negative(c)
        case ElemDiv(num=a):
            return _negative(a)
    return False


def cheaper(a: Expr, b: Expr, memo: dict[Expr, int] | None = None) -> bool:
    """True when ``a`` prints fewer operators than ``b``, or as many and costs fewer FLOPs to evaluate."""
    memo = {} if memo is None else memo
    ours, theirs = operators(a, memo), operators(b, memo)
    return ours < theirs or (ours == theirs and flops(a) < flops(b))


def _rows_cols(e: Expr) -> tuple[int, int]:
    if e.is_scalar:
        return 1, 1
    if e.is_vector:
        return (1, N) if e.row else (N, 1)
    return N, N


def _entries(e: Expr) -> int:
    r, c = _rows_cols(e)
    return r * c if e.ndim <= 2 else N**e.ndim


def flops(e: Expr) -> int:
    """Floating-point operations to evaluate ``e`` once, every distinct node once, each dimension `N`.

    A matrix product is evaluated left to right or right to left, whichever is
    cheaper (``A*B*x`` costs 2N² multiply-adds); an inverse or determinant N³; transposes, symbols and
    numbers nothing; every other node one operation per entry of its result and
    operand beyond the first.
    """
    return sum(_own_flops(x) for x in walk(e))


class _Flipped:
    """A factor read transposed: its rows and columns swapped (for a chain read from the right)."""

    def __init__(self, e: Expr) -> None:
        r, c = _rows_cols(e)
        self.shape = (c, r)


def _chain(fs: Sequence[Expr | _Flipped]) -> int:
    """Multiply-adds of a product evaluated from its first factor on."""
    rows, inner = _dims(fs[0])
    cost = 0
    for f in fs[1:]:
        _, cols = _dims(f)
        cost += rows * inner * cols
        inner = cols
    return cost


def _dims(f: Expr | _Flipped) -> tuple[int, int]:
    return f.shape if isinstance(f, _Flipped) else _rows_cols(f)


def _own_flops(e: Expr) -> int:
    match e:
        case Number() | Symbol() | Identity() | Zero() | Ones() | Transpose():
            return 0
        case MatMul(factors=fs):
            return min(_chain(fs), _chain([_Flipped(f) for f in reversed(fs)]))
        case Inverse() | Det() | LogDet():
            return N**3
        case MatPow(k=k):
            return abs(k) * N**3
        case Trace() | DiagMatrix() | DiagVector():
            return N
        case Add(terms=ts) | Hadamard(factors=ts):
            return (len(ts) - 1) * _entries(e)
    return _entries(e)
