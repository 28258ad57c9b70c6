"""Helpers the rule modules share: folding lists into sums and products, splitting off scales, exponents."""

from __future__ import annotations

from fractions import Fraction

from matcalc import build
from matcalc.expr import ElemDiv, Expr, Number, Ones, Scale

__all__ = [
    "HALF", "Exponent", "coef_body", "col", "exponent_sum", "int_if_whole", "is_one", "power", "product",
    "scalar_factors", "total",
]  # fmt: skip

#: An exponent (or a numeric coefficient): exact while its operands are.
Exponent = int | float | Fraction
HALF = Fraction(1, 2)

_ONE = build.number(1)  # held here: building the number anew costs more than the rest of coef_body


def total(items: list[Expr]) -> Expr:
    """The sum of ``items`` (at least one), built left to right."""
    return build.fold(build.add, items)


def product(items: list[Expr]) -> Expr:
    """The product (``*`` of the input language) of ``items`` (at least one), left to right.

    (`build.mul_all`: beyond `build.CHAIN` factors, balanced instead of one level per factor.)
    """
    return build.mul_all(items)


def scalar_factors(s: Expr) -> list[Expr]:
    """The factors of a product of scalars (``a*b*c`` as ``[a, b, c]``); ``[s]`` for anything else."""
    if isinstance(s, Scale) and s.is_scalar:
        return scalar_factors(s.coef) + scalar_factors(s.body)
    return [s]


def col(v: Expr) -> Expr:
    """A row vector as a column; anything else as it is."""
    return build.transpose(v) if v.is_vector and v.row else v


def coef_body(term: Expr) -> tuple[Expr, Expr]:
    """``(c, X)`` for a term ``c X`` (``c = 1`` if the term is not a scale)."""
    if isinstance(term, Scale):
        return term.coef, term.body
    if isinstance(term, ElemDiv) and term.den.is_scalar and not term.num.is_scalar:  # X/c is (1/c) X
        return build.elem_div(_ONE, term.den), term.num
    return _ONE, term


def is_one(e: Expr) -> bool:
    """True for the number 1 and an array of ones."""
    return (isinstance(e, Number) and e.value == 1) or isinstance(e, Ones)


def int_if_whole(k: Exponent) -> Exponent:
    """``k``, a whole `Fraction` as an ``int``."""
    if isinstance(k, Fraction) and k.denominator == 1:
        return int(k)
    return k


def exponent_sum(a: Exponent, b: Exponent) -> Exponent:
    """``a + b``, exact unless one of them is a float."""
    if type(a) is int and type(b) is int:  # (most exponents: no Fraction to build)
        return a + b
    if isinstance(a, float) or isinstance(b, float):
        return float(a) + float(b)
    return int_if_whole(Fraction(a) + Fraction(b))


def power(base: Expr, k: Exponent) -> Expr:
    """``base^k``: ``base`` itself for 1, ``sqrt(base)`` for 1/2."""
    if k == 1:
        return base
    if k == HALF:
        return build.apply("sqrt", base)
    return build.power(base, build.number(k))
