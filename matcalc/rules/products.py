"""Products: matrix powers, diag against vectors, outer products, traces and sums of products."""

from __future__ import annotations

from matcalc import build
from matcalc.expr import (
    DiagMatrix,
    DiagVector,
    ElemDiv,
    Expr,
    Inverse,
    MatMul,
    MatPow,
    Ones,
    Scale,
    Trace,
    Transpose,
)
from matcalc.rewrite import Pat, rule
from matcalc.rules.common import col, product

__all__ = [
    "diag_of_ones",
    "diag_of_outer",
    "diag_times_vector",
    "matrix_powers",
    "ones_outer",
    "power_form",
    "quotient_dot",
    "trace_of_scale",
]


@rule(Pat(MatMul, name="m"), example="x'*diag(y)*diag(w)*diag(x)*y")
def diag_times_vector(m: MatMul) -> Expr | None:
    """diag(v) x = v∘x,  x' diag(v) = (v∘x)',  diag(v) diag(w) = diag(v∘w).

    Terminates: removes a diag and shortens the product.
    """
    fs = m.factors
    for n in range(len(fs) - 1):
        a, b = fs[n], fs[n + 1]
        merged: Expr | None = None
        if isinstance(a, DiagMatrix) and isinstance(b, DiagMatrix):
            merged = build.diag(build.hadamard(col(a.body), col(b.body)))
        elif isinstance(a, DiagMatrix) and b.is_vector and not b.row:
            merged = build.hadamard(col(a.body), b)
        elif a.is_vector and a.row and isinstance(b, DiagMatrix):
            merged = build.transpose(build.hadamard(col(a), col(b.body)))
        if merged is not None:
            return product([*fs[:n], merged, *fs[n + 2 :]])
    return None


@rule(Pat(MatMul, name="m"), example="A*inv(X^3)'*X'^2*X'*B")
def matrix_powers(m: MatMul) -> Expr | None:
    """X^j X^k = X^(j+k), with inverses and transposes read as powers: inv(X^3)' X'^2 = inv(X)'.

    Each factor is read as an integer power of a base (`power_form`), so
    ``inv(X) X = I``, ``X X = X^2`` and their transposed forms are one rule.
    Terminates: shortens the product.
    """
    fs = m.factors
    for n in range(len(fs) - 1):
        a, b = fs[n], fs[n + 1]
        if not (a.is_matrix and b.is_matrix):
            continue
        (base, j), (other, k) = power_form(a), power_form(b)
        if base is other:
            return product([*fs[:n], _power(base, j + k), *fs[n + 2 :]])
    return None


def power_form(e: Expr) -> tuple[Expr, int]:
    """``(B, k)`` with ``e = B^k``, reading inverses, powers and transposes of a square base."""
    match e:
        case MatPow(body=b, k=k):
            base, j = power_form(b)
            return base, j * k
        case Inverse(body=b):
            base, j = power_form(b)
            return base, -j
        case Transpose(body=b) if b.is_matrix:
            base, j = power_form(b)
            return build.transpose(base), j
    return e, 1


def _power(base: Expr, k: int) -> Expr:
    """``base^k``, with a negative power as a transposed inverse when the base is a transpose."""
    if k < 0 and isinstance(base, Transpose):
        return build.transpose(build.matpow(build.inv(base.body), -k))
    return build.matpow(base, k) if k >= 0 else build.matpow(build.inv(base), -k)


@rule(Pat(DiagVector, body=Pat(MatMul, name="m")), example="diag(x*y')")
def diag_of_outer(m: MatMul) -> Expr | None:
    """diag(a b') = a∘b.

    Terminates: removes the product.
    """
    if len(m.factors) == 2:
        a, b = m.factors
        if a.is_vector and b.is_vector:
            return build.hadamard(a, col(b))
    return None


@rule(Pat(MatMul, name="m"), example="vector(1)*vector(1)'+x*y'")
def ones_outer(m: MatMul) -> Expr | None:
    """1 1' = the matrix of ones, for vectors only (for matrices, 1 1' is n times that).

    Terminates: removes a product.
    """
    if len(m.factors) == 2:
        a, b = m.factors
        if isinstance(a, Ones) and isinstance(b, Ones) and col(a) is a and a.is_vector and b.row:
            return build.ones(m.shape)
    return None


@rule(Pat(Trace, body=Pat(Scale, name="s")), example="tr(a*A)")
def trace_of_scale(s: Scale) -> Expr:
    """tr(c X) = c tr(X).

    Terminates: moves a scalar out of the trace; no rule moves it back.
    """
    return build.scale(s.coef, build.trace(s.body))


@rule(Pat(MatMul, name="m"), example="(x./y)'*y")
def quotient_dot(m: MatMul) -> Expr | None:
    """(u ⊘ p)' p = sum(u).

    Terminates: removes the product.
    """
    if len(m.factors) == 2:
        a, b = m.factors
        a = col(a)
        for q, p in ((a, b), (b, a)):
            if isinstance(q, ElemDiv) and q.den is p and q.num.ndim == 1:
                return build.sum_entries(q.num)
    return None


@rule(Pat(DiagMatrix, name="d", body=Pat(Ones)), example="diag(vector(1))*x")
def diag_of_ones(d: DiagMatrix) -> Expr:
    """diag(1) = I.

    Terminates: a leaf replaces the node.
    """
    return build.eye(d.shape[0])
