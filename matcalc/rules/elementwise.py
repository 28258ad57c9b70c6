"""Elementwise products and quotients: one quotient, cancellation, repeated factors, the logistic."""

from __future__ import annotations

from matcalc import build
from matcalc.expr import Add, Apply, ElemDiv, Expr, Hadamard
from matcalc.rewrite import Pat, rule
from matcalc.rules.common import is_one

__all__ = ["logistic", "quotient_cancel", "quotient_merge", "repeated_factors"]


def _hadamard_all(first: Expr, rest: list[Expr]) -> Expr:
    """``first .* rest[0] .* ...``; a scalar scales (`build.hadamard` does)."""
    return build.fold(build.hadamard, [first, *rest])


@rule(Pat(Hadamard, name="h"), example="x.*(y./w)")
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
