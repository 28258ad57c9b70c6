"""Signs: no double negation, and no negated base under an integer power.

A negative scale of something whose printed form starts with a minus
(``-(-2./u)'.*s``, ``-A'*diag(-1./v)*A`` when the minus sits in a factor) is
the same value with both signs dropped; ``(-u)^2`` is ``u^2`` and ``(-u)^3``
is ``-u^3``, for scalar and elementwise powers and for matrix powers alike
(``(-A)^2`` is ``A^2``).  `flipped` says when an expression starts with a minus that can
be taken off: a negative number leading it, through scales, quotients,
transposes and the factors of products.
"""

from __future__ import annotations

from matcalc import build
from matcalc.expr import (
    Add,
    DiagMatrix,
    ElemDiv,
    Expr,
    Hadamard,
    Inverse,
    MatMul,
    MatPow,
    Number,
    Power,
    Scale,
    Transpose,
)
from matcalc.rewrite import Pat, rule

__all__ = ["double_negation", "flipped", "negated_base", "negated_matrix_base", "sign_of_term"]


def flipped(e: Expr) -> Expr | None:
    """``-e`` with one negative number in it made positive, if ``e`` has such a sign to give; else None.

    The sign is looked for where it multiplies the whole of ``e``: the number
    itself, the coefficient or the body of a scale, the numerator of a quotient, under a
    transpose or a ``diag``, in one factor of a matrix or Hadamard product, or
    in every term of a sum.
    """
    match e:
        case Number(value=v) if v < 0:
            return build.number(-v)
        case Scale(coef=c, body=b):
            f = flipped(c)
            if f is not None:
                return build.scale(f, b)
            f = flipped(b)
            return None if f is None else build.scale(c, f)
        case ElemDiv(num=n, den=d):
            f = flipped(n)
            return None if f is None else build.elem_div(f, d)
        case Transpose(body=b) | DiagMatrix(body=b):
            f = flipped(b)
            return None if f is None else (build.transpose(f) if isinstance(e, Transpose) else build.diag(f))
        case Add(terms=ts):  # -(-a-2b) = a+2b: every term must give its sign
            flips: list[Expr] = []
            for t in ts:
                f = flipped(t)
                if f is None:
                    return None
                flips.append(f)
            return build.fold(build.add, flips)
        case MatMul(factors=fs) | Hadamard(factors=fs):
            join = build.matmul if isinstance(e, MatMul) else build.hadamard
            for i, factor in enumerate(fs):
                f = flipped(factor)
                if f is not None:
                    return build.fold(join, [*fs[:i], f, *fs[i + 1 :]])
    return None


def _negative(n: Number) -> bool:
    return n.value < 0


@rule(Pat(Scale, coef=Pat(Number, name="c", where=_negative), body=Pat.var("x")),
      example="-(-2./x')'.*y+A*x")
def double_negation(c: Number, x: Expr) -> Expr | None:
    """(-c) (-u) = c u: a negative scale of a body that starts with a minus drops both signs.

    Terminates: two negative numbers fewer.
    """
    f = flipped(x)
    return None if f is None else build.scale(build.number(-c.value), f)


def _integer(n: Number) -> bool:
    return float(n.value).is_integer()


@rule(Pat(Power, base=Pat.var("u"), exponent=Pat(Number, name="k", where=_integer)),
      example="exp(-(-a)^2)+(-2*x).^3")
def negated_base(u: Expr, k: Number) -> Expr | None:
    """(-u)^k = u^k for an even integer k, -(u^k) for an odd one.

    Terminates: the minus leaves the base of the power, and no rule puts it back.
    """
    f = flipped(u)
    if f is None:
        return None
    powered = build.power(f, k)
    return powered if int(k.value) % 2 == 0 else build.neg(powered)


@rule(Pat((MatPow, Inverse), name="p"), example="A-(-A)^2+(-2*B)^3+inv(-C)")
def negated_matrix_base(p: MatPow | Inverse) -> Expr | None:
    """(-X)^k = X^k for an even k, -(X^k) for an odd one; inv(-X) = -inv(X) (k = -1).

    Terminates: the minus leaves the base of the matrix power, and no rule puts it back.
    """
    f = flipped(p.body)
    if f is None:
        return None
    if isinstance(p, Inverse):
        return build.neg(build.inv(f))
    powered = build.matpow(f, p.k)
    return powered if p.k % 2 == 0 else build.neg(powered)


def _inner_sign(t: Expr) -> Expr | None:
    """``-t`` for a term whose minus sits inside a product or over a quotient (``-2./x*x'``), else None.

    (A number, a scale by a negative number and a negative number over something
    print their minus in front already.)
    """
    if isinstance(t, MatMul | Hadamard) or (isinstance(t, ElemDiv) and not isinstance(t.num, Number)):
        return flipped(t)
    if isinstance(t, Scale) and not isinstance(t.coef, Number):
        return flipped(t)
    return None


@rule(Pat(Add, name="s", where=lambda s: any(_inner_sign(t) is not None for t in s.terms)),
      example="x*x'+(-2./x)*x'", kinds={"x": "vector"})
def sign_of_term(s: Add) -> Expr:
    """A term's minus stands in front of it: a + (-u) v = a - u v (never ``+-``).

    Terminates: a negative number fewer inside the terms; `double_negation` may
    then take a second one, and no rule puts a sign back into a product.
    """
    terms = []
    for t in s.terms:
        f = _inner_sign(t)
        terms.append(t if f is None else build.neg(f))
    return build.fold(build.add, terms)
