"""Bounds on the entries of an expression, for code that needs a sign: ``sqrt(v)`` of a weight ``v >= 0``.

Interval arithmetic over the few nodes whose range is known for any input:
numbers, the functions whose record states a range (``exp``, ``sigmoid``,
``tanh``, ``softmax``, the orders of ``polygamma`` ...), even powers, and sums,
products and scalings of those (``1-sigmoid(t)`` lies in [0, 1]).  Everything else is
unbounded.  The bounds hold in floating point too, not only for real numbers:
each operation used here rounds monotonically and the library functions
respect their ranges (``sigmoid`` is at most 1, ``tanh`` at most 1 in
magnitude), so a computed value cannot leave an interval whose ends are
exact (0 and ±1).
"""

from __future__ import annotations

import math

from matcalc.expr import (
    Add,
    Apply,
    Attained,
    Commutation,
    ElemDiv,
    Expr,
    Extremum,
    Hadamard,
    Kron,
    Norm,
    Number,
    Ones,
    PairIndex,
    Polygamma,
    Power,
    Scale,
    Size,
    Softmax,
    Spectral,
    Transpose,
    Vec,
    Zero,
)
from matcalc.ops import ELEMENTWISE
from matcalc.ops.gamma import POLYGAMMA
from matcalc.ops.matrix import matrix_function
from matcalc.ops.spectral import SPECTRAL_OPS

__all__ = ["bounds", "nonnegative"]

Interval = tuple[float, float]

_ANY: Interval = (-math.inf, math.inf)
_NONNEGATIVE: Interval = (0.0, math.inf)



def nonnegative(e: Expr) -> bool:
    """Whether every entry of ``e`` is ``>= 0`` (or nan), whatever the values of its symbols."""
    return bounds(e)[0] >= 0


def bounds(e: Expr) -> Interval:  # noqa: C901 - one case per node type
    """An interval containing every entry of ``e``; ``(-inf, inf)`` when nothing is known."""
    match e:
        case Number() if isinstance(e.value, int | float):
            return float(e.value), float(e.value)
        case Ones():
            return 1.0, 1.0
        case Zero():
            return 0.0, 0.0
        case Transpose():
            return bounds(e.body)
        case Apply():
            return ELEMENTWISE[e.func].range  # each record states its range
        case Softmax() | Size() | Norm() | Attained():
            return matrix_function(e).range  # each record states its range
        case Spectral():
            return SPECTRAL_OPS[e.kind].range
        case Extremum() | Vec():
            return bounds(e.body)
        case Kron():  # products of an entry of each
            return _times(bounds(e.left), bounds(e.right))
        case PairIndex() | Commutation():  # 0/1 entries (N_n: 0, 1/2 and 1)
            return 0.0, 1.0
        case Polygamma():
            return POLYGAMMA.range(e.order)  # the record states the range of each order
        case Power():
            return _power(e)
        case Scale():
            return _times(bounds(e.coef), bounds(e.body))
        case Hadamard():
            out: Interval = (1.0, 1.0)
            for f in e.factors:
                out = _times(out, bounds(f))
            return out
        case Add():
            lo, hi = 0.0, 0.0
            for t in e.terms:
                a, b = bounds(t)
                lo, hi = lo + a, hi + b
            return lo, hi
        case ElemDiv() if nonnegative(e.num) and nonnegative(e.den):
            return _NONNEGATIVE
    return _ANY


def _power(e: Power) -> Interval:
    p = e.exponent.value if isinstance(e.exponent, Number) else None
    if isinstance(p, int) and p > 0:  # monotone in |base| (even p) or in base (odd p)
        lo, hi = bounds(e.base)
        try:
            if p % 2:
                return lo**p, hi**p
            low = 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi)) ** p
            return low, max(abs(lo), abs(hi)) ** p
        except OverflowError:  # a huge number in the expression
            return _NONNEGATIVE if p % 2 == 0 or lo >= 0 else _ANY
    if isinstance(p, int) and p % 2 == 0:
        return _NONNEGATIVE  # 1/x^2, ...
    return _NONNEGATIVE if nonnegative(e.base) else _ANY


def _times(a: Interval, b: Interval) -> Interval:
    """The product of two intervals (0 times an infinite end is 0)."""
    ends = [x * y if x and y else 0.0 for x in a for y in b]
    return min(ends), max(ends)
