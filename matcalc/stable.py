"""Numerically stable forms of logarithms and quotients, one table for evaluation and generated code.

Why: ``log(sigmoid(t))`` is -inf at t = -800 once ``sigmoid(t)`` has underflowed
to 0, although its value is -800; ``log(normcdf(u))`` is -inf below u ≈ -38; the
derivative of ``log(normcdf(u))``, ``φ(u)/Φ(u)``, is ``0/0 = nan`` there,
although it is about ``-u``.  The cure is to compute the logarithm from the
argument of the function it is the logarithm of, and a quotient of
exponentials by such functions as one exponential of a difference.

`STABLE_LOGS` holds each ``log(f(t))`` that has such a form, as a pattern
(what the argument of ``log`` must be) and the expression that replaces it.
`matcalc.evaluate` and `matcalc.codegen` both ask `stable_form` for every
node, and compute the replacement instead of the node, so that the two cannot
disagree about which forms are stable:

- ``log(1+exp(t)) = softplus(t)``, ``log(sigmoid(t)) = -softplus(-t)``,
  ``log(1-sigmoid(t)) = -softplus(t)``;
- ``log(normcdf(t)) = lognormcdf(t)`` (SciPy's ``log_ndtr``),
  ``log(1-normcdf(t)) = lognormcdf(-t)``;
- ``log(exp(t)) = t``; ``log(sum(exp(X))) = logsumexp(X)``, and per column or
  row (``log(vector(1)'*exp(X)) = logsumexp(X, 1)``);
- ``log(softmax(x)) = z - logsumexp(z)`` with ``z = x - max(x)`` (per column or
  row with an axis); generated code calls the library's log-softmax instead
  (`StableLog.code_form`).

A quotient ``exp(a) ./ D`` (any elementwise product and quotient, with powers)
whose divisor ``D`` is an exponential or has a stable logarithm is
``exp(a - log(D))``, with ``log(D)`` taken from the table: the derivative of
``log(normcdf(u))``, ``φ(u)/Φ(u)``, becomes ``exp(-u²/2 - lognormcdf(u))/√(2π)``,
the inverse Mills ratio without underflow.  The forms are exact identities;
printed results (``mc.diff``, ``str``) are not changed, only how they are
computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from matcalc import axes, build
from matcalc.expr import (
    Add,
    Apply,
    ElemDiv,
    Expr,
    Hadamard,
    MatMul,
    Number,
    Ones,
    Power,
    Scale,
    Softmax,
    SumEntries,
)

__all__ = ["STABLE_LOGS", "StableLog", "log_form", "quotient_form", "stable_form", "stable_log"]


@dataclass(frozen=True, slots=True)
class StableLog:
    """``log(f(t))`` computed from ``t``.

    Attributes:
        identity: the identity, for readers (``log(sigmoid(t)) = -softplus(-t)``).
        reads: the argument of ``log`` to ``t`` (None: not this form).
        form: ``form(argument, t)``, the expression equal to ``log(argument)``.
        code_form: the matrix function's code form of the logarithm (`matcalc.ops.matrix.code_op`),
            which generated code uses instead of ``form`` (``softmax``: ``"log"``, the library's
            log-softmax); empty: generated code computes ``form`` too.
    """

    identity: str
    reads: Callable[[Expr], Expr | None]
    form: Callable[[Expr, Expr], Expr]
    code_form: str = ""


def _is_one(e: Expr) -> bool:
    return isinstance(e, Ones) or (isinstance(e, Number) and e.value == 1)


def _of(func: str) -> Callable[[Expr], Expr | None]:
    """Reads ``func(t)``."""

    def reads(e: Expr) -> Expr | None:
        return e.arg if isinstance(e, Apply) and e.func == func else None

    return reads


def _one_plus(func: str) -> Callable[[Expr], Expr | None]:
    """Reads ``1+func(t)`` (either order)."""

    def reads(e: Expr) -> Expr | None:
        if isinstance(e, Add) and len(e.terms) == 2:
            for one, other in (e.terms, e.terms[::-1]):
                if _is_one(one) and isinstance(other, Apply) and other.func == func:
                    return other.arg
        return None

    return reads


def _one_minus(func: str) -> Callable[[Expr], Expr | None]:
    """Reads ``1-func(t)`` (either order)."""

    def reads(e: Expr) -> Expr | None:
        if isinstance(e, Add) and len(e.terms) == 2:
            for one, other in (e.terms, e.terms[::-1]):
                if _is_one(one) and isinstance(other, Scale) and isinstance(other.coef, Number) \
                        and other.coef.value == -1 and _of(func)(other.body) is not None:
                    return _of(func)(other.body)
        return None

    return reads


def _exp_sum_axis(e: Expr) -> tuple[Expr, int] | None:
    """``(X, k)`` if ``e`` sums ``exp(X)``: all its entries (k = 0), by column (k = 1) or by row (k = 2)."""
    if isinstance(e, SumEntries) and _of("exp")(e.body) is not None:
        return e.body.arg, 0  # type: ignore[attr-defined]
    if isinstance(e, MatMul) and len(e.factors) == 2:
        left, right = e.factors
        if isinstance(left, Ones) and _of("exp")(right) is not None:
            return right.arg, (1 if right.is_matrix else 0)  # type: ignore[attr-defined]
        if isinstance(right, Ones) and _of("exp")(left) is not None and left.is_matrix:
            return left.arg, 2  # type: ignore[attr-defined]
    return None


def _exp_sum(e: Expr) -> Expr | None:
    found = _exp_sum_axis(e)
    return None if found is None else found[0]


def _logsumexp(e: Expr, x: Expr) -> Expr:
    found = _exp_sum_axis(e)
    assert found is not None, "read by _exp_sum"
    return axes.logsumexp(x, found[1])


def _softmax_body(e: Expr) -> Expr | None:
    return e.body if isinstance(e, Softmax) else None


def _spread(v: Expr, axis: int, like: Expr) -> Expr:
    """A reduction of ``like`` along ``axis`` (a scalar, row or column) repeated to the shape of ``like``."""
    if axis == 1:
        return build.matmul(build.ones(like.shape[:1]), v)
    if axis == 2:
        return build.matmul(v, build.ones(like.shape[1:], row=True))
    return v  # a scalar broadcasts


def _log_softmax(s: Expr, x: Expr) -> Expr:
    """``log(softmax(x)) = z - logsumexp(z)``, ``z = x - max(x)`` (each over the softmax's axis)."""
    axis = s.axis if isinstance(s, Softmax) else 0
    z = build.sub(x, _spread(axes.extremum("max", x, axis), axis, x))
    return build.sub(z, _spread(axes.logsumexp(z, axis), axis, x))


def _neg_softplus(t: Expr) -> Expr:
    return build.neg(build.apply("softplus", t))


#: Every ``log(f(t))`` with a stable form (each a one-line identity).
STABLE_LOGS: tuple[StableLog, ...] = (
    StableLog("log(1+exp(t)) = softplus(t)", _one_plus("exp"), lambda e, t: build.apply("softplus", t)),
    StableLog("log(sigmoid(t)) = -softplus(-t)", _of("sigmoid"), lambda e, t: _neg_softplus(build.neg(t))),
    StableLog("log(1-sigmoid(t)) = log(sigmoid(-t)) = -softplus(t)", _one_minus("sigmoid"),
              lambda e, t: _neg_softplus(t)),
    StableLog("log(normcdf(t)) = lognormcdf(t)", _of("normcdf"), lambda e, t: build.apply("lognormcdf", t)),
    StableLog("log(1-normcdf(t)) = log(normcdf(-t)) = lognormcdf(-t)", _one_minus("normcdf"),
              lambda e, t: build.apply("lognormcdf", build.neg(t))),
    StableLog("log(exp(t)) = t", _of("exp"), lambda e, t: t),
    StableLog("log(sum(exp(X))) = logsumexp(X), and per column or row", _exp_sum, _logsumexp),
    StableLog("log(softmax(x)) = x - logsumexp(x), shifted by max(x)", _softmax_body, _log_softmax, "log"),
)  # fmt: skip


def stable_log(arg: Expr) -> tuple[StableLog, Expr] | None:
    """The table entry for ``log(arg)`` and its ``t``, or None where ``log(arg)`` has no stable form."""
    for entry in STABLE_LOGS:
        t = entry.reads(arg)
        if t is not None:
            return entry, t
    return None


def log_form(arg: Expr) -> Expr | None:
    """The stable expression equal to ``log(arg)``, or None."""
    found = stable_log(arg)
    if found is None:
        return None
    entry, t = found
    return entry.form(arg, t)


Exponent = int | float | Fraction


#: How many nested elementwise products, quotients and powers a quotient is read through (derivatives
#: need two: ``y.*exp(a)./normcdf(u)``, ``exp(a).^2./normcdf(u).^2``).
_READ_DEPTH = 4


def _factors(e: Expr, p: Exponent) -> list[tuple[Expr, Exponent]]:
    """``e`` as a product of powers ``base^p`` (elementwise products, quotients and number powers).

    Read through at most `_READ_DEPTH` levels of them, deeper ones are factors as they
    are: so that every node of a long chain ``exp(x)./y./y./...`` costs a bounded time.
    """
    out: list[tuple[Expr, Exponent]] = []
    stack: list[tuple[Expr, Exponent, int]] = [(e, p, 0)]
    while stack:
        x, q, depth = stack.pop()
        if depth >= _READ_DEPTH:
            out.append((x, q))
        elif isinstance(x, ElemDiv):
            stack += [(x.den, -q, depth + 1), (x.num, q, depth + 1)]
        elif isinstance(x, Hadamard):
            stack += [(f, q, depth + 1) for f in reversed(x.factors)]
        elif isinstance(x, Power) and isinstance(x.exponent, Number):
            stack.append((x.base, q * x.exponent.value, depth + 1))
        else:
            out.append((x, q))
    return out


def _times(p: Exponent, e: Expr) -> Expr:
    return e if p == 1 else build.scale(build.number(p), e)


def quotient_form(e: Expr) -> Expr | None:
    """``exp(a) ./ D`` as ``exp(a - log(D))``, where ``D`` is an exponential or has a stable log; else None.

    ``e`` is read as a product of powers; the exponentials and the divisors with a
    stable logarithm (`stable_log`) join one exponential, the other factors stay.
    """
    if not isinstance(e, ElemDiv | Hadamard):
        return None
    exponent: list[Expr] = []
    rest: list[tuple[Expr, Exponent]] = []
    numerator = divisor = False
    for base, p in _factors(e, 1):
        if isinstance(base, Apply) and base.func == "exp":
            exponent.append(_times(p, base.arg))
            numerator, divisor = numerator or p > 0, divisor or p < 0
        elif p < 0 and stable_log(base) is not None:
            exponent.append(_times(p, build.apply("log", base)))
            divisor = True
        else:
            rest.append((base, p))
    if not (numerator and divisor):
        return None
    out = build.apply("exp", build.fold(build.add, exponent))  # a scalar exponent broadcasts
    for base, p in rest:
        if p > 0:
            out = build.hadamard(out, base if p == 1 else build.power(base, build.number(p)))
        else:
            out = build.elem_div(out, base if p == -1 else build.power(base, build.number(-p)))
    return out if out.shape == e.shape and out.row == e.row else None


def stable_form(e: Expr) -> Expr | None:
    """The stable expression to compute in place of ``e`` (a logarithm or quotient above), or None."""
    if isinstance(e, Apply) and e.func == "log":
        return log_form(e.arg)
    return quotient_form(e)
