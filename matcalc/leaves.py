"""The leaves of expressions: symbols, numbers and the constant arrays (zeros, ones, identity, K and N)."""

from __future__ import annotations

import numbers
import sys
from fractions import Fraction

import numpy as np

from matcalc.dims import Dim, fresh_dim
from matcalc.errors import ShapeError
from matcalc.expr import KINDS, Commutation, Expr, Identity, Number, Ones, Symbol, Zero

__all__ = [
    "as_expr", "commutation", "default_kind", "eye", "number", "ones", "symbol", "symmetrizer", "zeros",
]  # fmt: skip



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
    if type(value) is int and abs(value) <= _FLOAT_MAX:  # (most constants: no checks against numbers' ABCs)
        return Number(value, shape=())
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


def commutation(p: Dim, q: Dim) -> Commutation:
    """``K_{pq}``, the commutation matrix of a p x q matrix: ``K_{pq} vec(X) = vec(Xᵀ)``."""
    return Commutation((p, q), False, shape=(Dim.product((p, q)), Dim.product((q, p))))


def symmetrizer(n: Dim) -> Commutation:
    """``N_n = (I + K_nn)/2``: ``N_n vec(X) = vec((X + Xᵀ)/2)`` for an n x n matrix ``X``."""
    both = Dim.product((n, n))
    return Commutation((n, n), True, shape=(both, both))
