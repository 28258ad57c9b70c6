"""Transposes: moved to the leaves, dropped on symmetric matrices, outside inverses, traces and sums.

One exception, decided by the printed cost: a sum of matrix terms whose
transposes have fewer transpose marks is written as the transpose of that sum
(``B'*X'+X'*B'`` is ``(X*B+B*X)'``, as the Matrix Cookbook prints eq. 107).
`transpose_out_of_sum` pulls the transpose out, and `transpose_down` leaves
exactly those transposed sums alone, so the two agree on one form.
"""

from __future__ import annotations

from matcalc import build
from matcalc.expr import (
    Add,
    Apply,
    DiagMatrix,
    ElemDiv,
    Expr,
    Hadamard,
    Identity,
    Inverse,
    MatFun,
    MatMul,
    MatPow,
    Scale,
    SumEntries,
    Symbol,
    Trace,
    Transpose,
)
from matcalc.rewrite import Pat, memoized, rule
from matcalc.rules.common import product, total
from matcalc.rules.cost import operators

__all__ = [
    "flip", "inverse_outside", "is_symmetric", "sum_of_transposes", "trace_of_transposes", "transpose_down",
    "transpose_out_of_sum",
]  # fmt: skip


@rule(Pat(Transpose, body=Pat.var("x")), example="(A'*B+2*C^2)'")
def transpose_down(x: Expr) -> Expr | None:
    """(AB)' = B'A', (A+B)' = A'+B', (cA)' = cA', (A/c)' = A'/c, (A^k)' = (A')^k, S' = S for symmetric S.

    A transposed vector-valued sum stays as it is (``u'`` is just ``u`` as a
    row; spelling it out would break the sharing with ``u``), and no transpose
    goes into elementwise operations, where it gains nothing.  A transposed
    matrix sum stays when `transpose_out_of_sum` would take the transpose out
    again (``(A*B+2*C^2)'`` prints shorter than ``B'*A'+2*C'^2``).
    Terminates: each step moves a transpose strictly closer to the leaves.
    """
    if is_symmetric(x):
        return x
    t = build.transpose
    if x.is_vector and not isinstance(x, (MatMul, Scale)):
        return _vector_quotient(x)
    match x:
        case MatMul(factors=fs):
            return product([t(f) for f in reversed(fs)])
        case Add(terms=ts):
            # the sum rule's own form: pushing the transpose in would let it pull one out again
            # (kept whenever it would pull any, not only this very sum, so the two cannot cycle
            # through forms that differ in term order or in which terms share the transpose)
            kept = _pulled(total([flip(s) for s in ts])) is not None
            return None if kept else total([t(s) for s in ts])
        case Scale(coef=c, body=b):
            return build.scale(c, t(b))
        case ElemDiv(num=n, den=d) if d.is_scalar:  # (X/c)' = X'/c, as (cX)' = cX'
            return build.elem_div(t(n), d)
        case MatPow(body=b, k=k):
            return build.matpow(t(b), k)
    return None


def _vector_quotient(x: Expr) -> Expr | None:
    """``(v/c)' = v'/c`` for a vector quotient by a scalar, when that prints shorter.

    (``(x'*A/c)'`` is ``A'*x/c``; ``mean(X, 1)'`` stays, which is a quotient too.)
    """
    if not (isinstance(x, ElemDiv) and x.den.is_scalar):
        return None
    pushed = build.elem_div(flip(x.num), x.den)
    return pushed if operators(pushed) < operators(build.transpose(x)) else None


@memoized
def flip(e: Expr) -> Expr:
    """``e'`` as the rules leave it: transposes moved to the leaves of products, scales, quotients, powers.

    On such a normal form, ``flip(flip(e)) is e``.  Memoized while the rewrite runs
    (`matcalc.rewrite.memoized`): the transpose rules and `is_symmetric` flip the terms
    of every matrix sum they meet, and `transpose_down` and `transpose_out_of_sum` ask
    `_pulled` of the same sums.
    """
    if e.is_scalar or is_symmetric(e):
        return e
    match e:
        case Transpose(body=b):
            return b
        case MatMul(factors=fs):
            return product([flip(f) for f in reversed(fs)])
        case Scale(coef=c, body=b):
            return build.scale(c, flip(b))
        case ElemDiv(num=n, den=d) if d.is_scalar:
            return build.elem_div(flip(n), d)
        case MatPow(body=b, k=k):
            return build.matpow(flip(b), k)
        case Add(terms=ts) if not e.is_vector:
            pushed = total([flip(s) for s in ts])
            return _pulled(pushed) or pushed
    return build.transpose(e)


@memoized
def _pulled(s: Expr) -> Expr | None:
    """``s`` with the transpose taken out of its terms that print shorter transposed, if that pays.

    The terms ``t`` whose ``flip(t)`` has fewer operators go into one transposed
    sum ``(flip(t1)+flip(t2)+...)'`` when they are at least two and save at least
    two operators together (the transpose of the sum costs one).
    """
    if not isinstance(s, Add) or s.ndim != 2 or s.is_vector:
        return None
    memo: dict[Expr, int] = {}
    out: list[Expr] = []
    keep: list[Expr] = []
    saved = 0
    for t in s.terms:
        f = flip(t)
        gain = operators(t, memo) - operators(f, memo)
        if gain > 0:
            out.append(f)
            saved += gain
        else:
            keep.append(t)
    if len(out) < 2 or saved < 2:
        return None
    inner = total(out)
    if is_symmetric(inner):
        return None
    return total([build.transpose(inner), *keep])


@rule(Pat(Add, name="s", where=lambda s: s.ndim == 2 and not s.is_vector),
      example="B'*X'+X'*B'+A'*C")
def transpose_out_of_sum(s: Add) -> Expr | None:
    """A'+B' = (A+B)' (Matrix Cookbook §1.1): terms that print shorter transposed share one transpose.

    Terminates: strictly fewer operators (`matcalc.rules.cost`), and `transpose_down`
    leaves the result alone.
    """
    return _pulled(s)


@memoized
def is_symmetric(e: Expr) -> bool:
    """True when ``e`` is symmetric by construction (a sufficient test, not a necessary one).

    A sum is symmetric when each term is, or is the transpose of another term as
    the rules write it (``A*B+B'*A'``, ``M+M'``).  Memoized while a rewrite (or a
    `matcalc.rewrite.memo_scope`) runs: `flip` of a sum asks again for its terms,
    which would make nested sums exponential.  (Not a process-wide cache: that kept
    every node it saw alive, so a later call found them built.)
    """
    match e:
        case Symbol(kind=kind):
            return kind == "symmetric"
        case Identity() | DiagMatrix():
            return True
        case Inverse(body=b) | MatPow(body=b) | Apply(arg=b) | MatFun(order=0, body=b):
            return is_symmetric(b)  # f(S) of a symmetric S is symmetric
        case MatFun(body=b, directions=ds, order=k) if len(ds) == k:
            # f(X)' = f(X') for a primary matrix function, so L_f(X; E..)' = L_f(X'; E'..)
            return is_symmetric(b) and all(is_symmetric(d) for d in ds)
        case Scale(body=b):
            return is_symmetric(b)
        case Add(terms=ts) if e.ndim == 2 and not e.is_vector:
            present = set(ts)
            return all(is_symmetric(t) or flip(t) in present for t in ts)
        case Hadamard(factors=ts):
            return all(is_symmetric(t) for t in ts)
        case MatMul(factors=fs):  # A' B A with B symmetric, or A' A
            n = len(fs)
            return all(_mirror(fs[i], fs[n - 1 - i]) for i in range((n + 1) // 2))
    return False


def _mirror(a: Expr, b: Expr) -> bool:
    if a is b:
        return is_symmetric(a)
    return a is build.transpose(b) if not b.is_vector else False


@rule(Pat(Inverse, body=Pat(Transpose, body=Pat.var("x"))), example="inv(A')")
def inverse_outside(x: Expr) -> Expr:
    """inv(X') = inv(X)': one spelling for one matrix.

    Terminates: the transpose moves up once, and no rule moves it back into an inverse.
    """
    return build.transpose(build.inv(x))


def _untransposed(m: MatMul | Transpose) -> Expr | None:
    """``X`` for ``X'``, and ``B*A`` for ``A'*B'`` (every factor transposed); else None."""
    if isinstance(m, Transpose):
        return m.body
    bodies = [f.body for f in m.factors if isinstance(f, Transpose)]
    return product(bodies[::-1]) if len(bodies) == len(m.factors) else None


@rule(Pat(Trace, body=Pat((MatMul, Transpose), name="m")), example="tr(A'*B')+tr((A*B+B*A)')")
def trace_of_transposes(m: MatMul | Transpose) -> Expr | None:
    """tr(X') = tr(X) (Matrix Cookbook eq. 13), so tr(A' B') = tr((B A)') = tr(B A).

    The first reaches what `transpose_down` leaves transposed (a sum that prints
    shorter so: ``tr((A+B)')`` is ``tr(A+B)``).
    Terminates: removes transposes.
    """
    x = _untransposed(m)
    return None if x is None else build.trace(x)


@rule(Pat(SumEntries, body=Pat((MatMul, Transpose), name="m")), example="sum(A'*B')+sum((mean(X, 1))')")
def sum_of_transposes(m: MatMul | Transpose) -> Expr | None:
    """sum(X') = sum(X): the entries of X' are those of X, so sum(A' B') = sum((B A)') = sum(B A).

    The sum's twin of `trace_of_transposes`: it reaches what `transpose_down` leaves
    transposed (``sum((x+y)')``, ``sum((mean(X, 1))')``).
    Terminates: removes transposes.
    """
    x = _untransposed(m)
    return None if x is None else build.sum_entries(x)

