"""Elementwise products and quotients: one quotient, cancellation, repeated factors, the logistic.

And division by a scalar as a paper writes it: ``X/c``, not ``1/c*X``, one quotient over a product.
"""

from __future__ import annotations

from matcalc import build
from matcalc.expr import Add, Apply, ElemDiv, Expr, Hadamard, MatMul, Number, Scale, Transpose
from matcalc.rewrite import Pat, rule
from matcalc.rules.common import is_one, product

__all__ = [
    "logistic", "quotient_cancel", "quotient_merge", "quotient_of_quotient", "quotient_out_of_product",
    "reciprocal_scale", "repeated_factors",
]  # fmt: skip


def _hadamard_all(first: Expr, rest: list[Expr]) -> Expr:
    """``first .* rest[0] .* ...``; a scalar scales (`build.hadamard` does)."""
    return build.fold(build.hadamard, [first, *rest])


@rule(Pat(Hadamard, name="h", having=(ElemDiv,)), example="x.*(y./w)")
def quotient_merge(h: Hadamard) -> Expr | None:
    """One quotient per elementwise product: x ∘ (u ⊘ y) = (x∘u) ⊘ y.

    Terminates: fewer quotients.
    """
    fs = list(h.factors)
    for n, f in enumerate(fs):
        if isinstance(f, ElemDiv) and not f.den.is_scalar:
            return build.elem_div(_hadamard_all(f.num, fs[:n] + fs[n + 1 :]), f.den)
    return None


def _one_plus_exp(e: Add) -> Expr | None:
    """The ``v`` of ``1 + exp(v)``, else None."""
    if len(e.terms) == 2:
        a, b = e.terms
        if is_one(b):
            a, b = b, a
        if is_one(a) and isinstance(b, Apply) and b.func == "exp":
            return b.arg
    return None


def _is_exp_of(f: Expr, v: Expr) -> bool:
    return isinstance(f, Apply) and f.func == "exp" and f.arg is v


@rule(Pat(ElemDiv, name="q", den=Pat(Add, name="den")), example="x.*exp(y)./(1+exp(y))")
def logistic(q: ElemDiv, den: Add) -> Expr | None:
    """exp(v) ⊘ (1+exp(v)) = sigmoid(v) (also with more factors on top).

    Terminates: removes exp and the quotient.
    """
    v = _one_plus_exp(den)
    if v is None:
        return None
    if _is_exp_of(q.num, v):
        return build.apply("sigmoid", v)
    if isinstance(q.num, Hadamard) and any(_is_exp_of(f, v) for f in q.num.factors):
        rest = [f for f in q.num.factors if not _is_exp_of(f, v)]
        return _hadamard_all(build.apply("sigmoid", v), rest)
    return None


@rule(Pat(Hadamard, name="h"), example="x.*y.*x")
def repeated_factors(h: Hadamard) -> Expr | None:
    """x∘x = x.^2 (for Hadamard products; matrix products are `matrix_powers`).

    Terminates: fewer factors.
    """
    fs = h.factors
    for n, f in enumerate(fs):
        if f in fs[n + 1 :]:
            rest = [g for g in fs if g is not f]
            return _hadamard_all(build.power(f, build.number(fs.count(f))), rest)
    return None


@rule(Pat(ElemDiv, name="q", where=lambda q: q.num.is_scalar == q.den.is_scalar), example="(x.*y)./x+y./y")
def quotient_cancel(q: ElemDiv) -> Expr | None:
    """Quotients cancel: u ⊘ u = 1,  (u∘v) ⊘ u = v.

    Terminates: removes the quotient or a factor.
    """
    if q.num is q.den:
        return build.ones(q.shape, q.row)
    if isinstance(q.num, Hadamard) and q.den in q.num.factors:
        fs = list(q.num.factors)
        fs.remove(q.den)
        return _hadamard_all(fs[0], fs[1:])
    return None


def _unit(n: Number) -> bool:
    return n.value in (1, -1)


@rule(
    Pat(Scale, name="s", coef=Pat(ElemDiv, num=Pat(Number, name="n", where=_unit), den=Pat.var("c")),
        where=lambda s: not s.is_scalar),
    example="1/norm2(x)*eye-1/tr(A)*A",
    kinds={"x": "vector"},
)
def reciprocal_scale(s: Scale, n: Number, c: Expr) -> Expr:
    """(1/c) X = X/c and (-1/c) X = -(X/c) for a scalar c: the 1 over a quotient is not written.

    (``eye/norm2(x-a)`` as the Matrix Cookbook prints eq. 130, not ``1/norm2(x-a)*eye``.)
    Terminates: removes a product and the number 1.
    """
    q = build.elem_div(s.body, c)
    return q if n.value == 1 else build.neg(q)


def _over_scalar(f: Expr) -> tuple[Expr, Expr] | None:
    """``(X, c)`` for a factor ``X/c`` or ``(X/c)'`` (``X'`` then) with a scalar ``c`` and an array ``X``."""
    body = f.body if isinstance(f, Transpose) else f
    if isinstance(body, ElemDiv) and body.den.is_scalar and not body.num.is_scalar:
        return (build.transpose(body.num) if body is not f else body.num), body.den
    return None


def _has_scalar_quotient(m: MatMul) -> bool:
    return any(isinstance(f, ElemDiv | Transpose) and _over_scalar(f) is not None for f in m.factors)


@rule(Pat(MatMul, name="m", having=((ElemDiv, Transpose),), where=_has_scalar_quotient),
      example="A*(B/c)*((x/d)'*A)'")
def quotient_out_of_product(m: MatMul) -> Expr | None:
    """A (B/c) x = (A B x)/c and A (x/c)' = (A x')/c for a scalar c: it divides the product, as a scale would.

    Terminates: moves a quotient up, out of a product.
    """
    fs = list(m.factors)
    for n, f in enumerate(fs):
        found = _over_scalar(f)
        if found is not None:
            fs[n] = found[0]
            return build.elem_div(product(fs), found[1])
    return None


@rule(Pat(ElemDiv, num=Pat(ElemDiv, num=Pat.var("x"), den=Pat.var("a")), den=Pat.var("b"),
          where=lambda q: q.den.is_scalar and not q.is_scalar),
      example="(A/c)/tr(A)")
def quotient_of_quotient(x: Expr, a: Expr, b: Expr) -> Expr | None:
    """(X/a)/b = X/(a b) for scalars a and b: one quotient (whose denominator the scalar rules merge).

    Terminates: one quotient fewer.
    """
    if not a.is_scalar:
        return None
    return build.elem_div(x, build.mul(a, b))
