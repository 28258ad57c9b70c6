"""Scalars: zero scales, powers of powers, one fraction with common factors cancelled."""

from __future__ import annotations

from fractions import Fraction

from matcalc import build
from matcalc.expr import Apply, ElemDiv, Expr, Number, Power, Scale
from matcalc.limits import charge
from matcalc.rewrite import Pat, rule
from matcalc.rules.common import HALF, Exponent, exponent_sum, power, product

__all__ = ["scalar_fraction", "scalar_powers", "sqrt_squared", "squared_scalar", "zero_scale"]


@rule(Pat(Scale, name="s", coef=Pat(Number, where=lambda n: n.value == 0)), example="0*A+B")
def zero_scale(s: Scale) -> Expr:
    """0 X = 0.

    Terminates: a leaf replaces the product.
    """
    return build.zeros(s.shape, s.row)


def _integer_number(e: Expr) -> bool:
    return isinstance(e, Number) and float(e.value).is_integer()


def _is_two(e: Expr) -> bool:
    return isinstance(e, Number) and e.value == 2


@rule(Pat(Power, base=Pat(Apply, func="sqrt", arg=Pat.var("u")), exponent=Pat(Number, where=_is_two)),
      example="sqrt(a)^2+b")
def sqrt_squared(u: Expr) -> Expr:
    """sqrt(u)^2 = u.

    Terminates: fewer powers.
    """
    return u


@rule(Pat(Power, base=Pat(Power, base=Pat.var("u"), exponent=Pat(Number, name="a")),
          exponent=Pat(Number, name="k", where=_integer_number)),
      example="sqrt(a)^2+(a^0.5)^4")
def scalar_powers(u: Expr, a: Number, k: Number) -> Expr:
    """(u^a)^k = u^(a k) for an integer k.

    Terminates: fewer powers.
    """
    return build.power(u, build.number(a.value * k.value))


@rule(Pat(Scale, name="s", where=lambda s: s.coef is s.body and s.body.is_scalar), example="tr(A)*tr(A)")
def squared_scalar(s: Scale) -> Expr:
    """Squares: t t = t^2 for a scalar t.

    Terminates: a power replaces the product; no rule turns a power back into a product.
    """
    return build.power(s.body, build.number(2))


@rule(Pat((Scale, ElemDiv), name="e", where=lambda e: e.is_scalar), example="-2/tr(A)*(0.5/sqrt(tr(A)))")
def scalar_fraction(e: Expr) -> Expr | None:
    """A scalar product or quotient as number * numerators / denominators, powers of one base merged.

    ``-2/(x'x) * (0.5/√(x'x))`` is ``-1/(x'x)^(3/2)``; exponents may be fractions
    (``u^a u^b = u^(a+b)``, which holds where ``u ≥ 0``: where a non-integer power is real).
    The denominator of an exact number goes below the line: ``-1/(2*c)``.
    Terminates: the result is its own normal form (the rule returns None on it).
    """
    value, ups, downs = _fraction_parts(e)
    charge(len(ups) + len(downs))  # reading a product costs like building one (matcalc.limits)
    powers: dict[Expr, Exponent] = {}
    for factors, sign in ((ups, 1), (downs, -1)):
        for f in factors:
            base, k = _scalar_power(f)
            powers[base] = exponent_sum(powers.get(base, 0), sign * k)
    top_parts = [power(b, k) for b, k in powers.items() if k > 0]
    bottom_parts = [power(b, -k) for b, k in powers.items() if k < 0]
    if bottom_parts and isinstance(value, Fraction) and value.denominator != 1:
        # one fraction, as a paper writes it: -1/(2*c), not -1/2/c
        bottom_parts.insert(0, build.number(value.denominator))
        value = value.numerator
    top = build.mul(build.number(value), product(top_parts)) if top_parts else build.number(value)
    return build.elem_div(top, product(bottom_parts)) if bottom_parts else top


def _scalar_power(s: Expr) -> tuple[Expr, Exponent]:
    """``(u, k)`` for ``s = u^k`` with a number ``k`` (``sqrt(u)`` is ``u^(1/2)``), else ``(s, 1)``."""
    if isinstance(s, Power) and isinstance(s.exponent, Number) and s.exponent.value != 0:
        return s.base, s.exponent.value
    if isinstance(s, Apply) and s.func == "sqrt":
        return s.arg, HALF
    return s, 1



def _fraction_parts(s: Expr) -> tuple[int | float | Fraction, list[Expr], list[Expr]]:
    """``(number, numerator factors, denominator factors)`` of a scalar."""
    match s:
        case Number(value=v):
            return v, [], []
        case Scale(coef=a, body=b) if b.is_scalar:
            va, ua, da = _fraction_parts(a)
            vb, ub, db = _fraction_parts(b)
            return va * vb, ua + ub, da + db
        case ElemDiv(num=a, den=b) if a.is_scalar and b.is_scalar:
            va, ua, da = _fraction_parts(a)
            vb, ub, db = _fraction_parts(b)
            if vb == 0:
                return 1, [s], []
            exact = not isinstance(va, float) and not isinstance(vb, float)
            return (Fraction(va) / Fraction(vb) if exact else va / vb), ua + db, da + ub
    return 1, [s], []
