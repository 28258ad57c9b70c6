"""Kronecker products and vec: the identities of Magnus & Neudecker, *Matrix Differential Calculus*, ch. 2.

Each rule goes toward the smaller and cheaper side (a Kronecker product of
n x n matrices has n^4 entries): ``(B ⊗ A) vec(X) = vec(A X Bᵀ)`` (Magnus &
Neudecker, ch. 2, Theorem 2; Matrix Cookbook §10.2.2), and from §10.2.1 of the
Cookbook (2012-11-15 edition) ``(A ⊗ B)(C ⊗ D) = AC ⊗ BD``,
``(A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ``, ``(A ⊗ B)⁻¹ = A⁻¹ ⊗ B⁻¹`` and
``tr(A ⊗ B) = tr A tr B`` (Magnus & Neudecker, ch. 2, sec. 2).

A Kronecker product's dimensions are products, and two products of one size
need not split alike (2x6 and 3x4): each rule checks that the parts it pairs
are the same dimensions (A's columns those of C ...), or that a matrix is
square, before it fires.
"""

from __future__ import annotations

from matcalc import build, kronecker
from matcalc.dims import Dim
from matcalc.expr import (
    Expr,
    IndexForm,
    Inverse,
    Kron,
    MatMul,
    Ones,
    PairIndex,
    SumEntries,
    Trace,
    Transpose,
    Vec,
)
from matcalc.index import IndexExpr
from matcalc.raise_ import raise_index
from matcalc.rewrite import Pat, rule
from matcalc.rules.common import product
from matcalc.simplify_index import simplify_terms

__all__ = [
    "inverse_of_kron", "kron_of_products", "kron_times_ones", "kron_times_vec", "pair_indices", "sum_of_kron",
    "trace_of_kron", "transpose_of_kron",
]  # fmt: skip


def _matrices(k: Kron) -> bool:
    return k.left.is_matrix and k.right.is_matrix


def _square(k: Kron) -> bool:
    return k.left.is_square and k.right.is_square


@rule(Pat(MatMul, name="m", having=(Kron, Vec)), example="kron(B, A)*vec(X)+vec(A*X*B')")
def kron_times_vec(m: MatMul) -> Expr | None:
    """(B ⊗ A) vec(X) = vec(A X Bᵀ).

    Terminates: removes a Kronecker product from the chain.
    """
    fs = m.factors
    for n in range(len(fs) - 1):
        k, v = fs[n], fs[n + 1]
        if not (isinstance(k, Kron) and isinstance(v, Vec) and _matrices(k)):
            continue
        outer, inner, x = k.left, k.right, v.body  # (outer ⊗ inner) vec(X) = vec(inner X outerᵀ)
        if inner.shape[1] == x.shape[0] and outer.shape[1] == x.shape[1]:
            product_ = build.matmul(build.matmul(inner, x), build.transpose(outer))
            return product([*fs[:n], kronecker.vec(product_), *fs[n + 2 :]])
    return None


@rule(Pat(MatMul, name="m", having=(Kron,)), example="kron(A, B)*kron(A', B')")
def kron_of_products(m: MatMul) -> Expr | None:
    """(A ⊗ B)(C ⊗ D) = AC ⊗ BD, where A's columns are C's rows and B's columns D's rows.

    Terminates: shortens the chain by one factor.
    """
    fs = m.factors
    for n in range(len(fs) - 1):
        p, q = fs[n], fs[n + 1]
        if not (isinstance(p, Kron) and isinstance(q, Kron) and _matrices(p) and _matrices(q)):
            continue
        if p.left.shape[1] == q.left.shape[0] and p.right.shape[1] == q.right.shape[0]:
            merged = kronecker.kron(build.matmul(p.left, q.left), build.matmul(p.right, q.right))
            return product([*fs[:n], merged, *fs[n + 2 :]])
    return None


def _split_other(other: tuple[Dim, ...]) -> tuple[tuple[Dim, ...], tuple[Dim, ...]]:
    """The other axis of an array of ones split between the two ones it becomes.

    A product of two parts splits (1 of (nm)x(rs) is 1 of nxr ⊗ 1 of mxs); any other axis
    goes with the right-hand ones.
    """
    if other and len(other[0].parts) == 2:
        return other[0].parts[:1], other[0].parts[1:]
    return (), other


@rule(
    Pat(MatMul, name="m", having=(Kron, Ones)),
    example="kron(x', A)*matrix(1, size(x, 1)*size(A, 2), size(B, 2))+B",
    kinds={"x": "vector"},
)
def kron_times_ones(m: MatMul) -> Expr | None:
    """(A ⊗ B) 1 = (A 1) ⊗ (B 1) and 1 (A ⊗ B) = (1 A) ⊗ (1 B): ones over a product dimension are 1 ⊗ 1.

    Where the product dimension splits as the Kronecker product's does (Magnus &
    Neudecker, ch. 2: (A ⊗ B)(C ⊗ D) = AC ⊗ BD with C, D of ones).
    Terminates: removes the array of ones from the chain.
    """
    fs = m.factors
    for n in range(len(fs) - 1):
        p, q = fs[n], fs[n + 1]
        if isinstance(p, Kron) and isinstance(q, Ones) and not q.row:
            a, b = kronecker.cols(p.left), kronecker.cols(p.right)
            if a and b and q.shape[0] == Dim.product(a + b):
                c, d = _split_other(q.shape[1:])
                merged = kronecker.kron(
                    build.matmul(p.left, build.ones(a + c)), build.matmul(p.right, build.ones(b + d))
                )
                return product([*fs[:n], merged, *fs[n + 2 :]])
        if isinstance(q, Kron) and isinstance(p, Ones) and (p.is_matrix or p.row):
            a, b = kronecker.rows(q.left), kronecker.rows(q.right)
            if a and b and p.shape[-1] == Dim.product(a + b):
                c, d = _split_other(p.shape[:-1])
                left, right = build.ones(c + a, row=not c), build.ones(d + b, row=not d)
                merged = kronecker.kron(build.matmul(left, q.left), build.matmul(right, q.right))
                return product([*fs[:n], merged, *fs[n + 2 :]])
    return None


@rule(Pat(Transpose, body=Pat(Kron, name="k")), example="kron(A, B)'")
def transpose_of_kron(k: Kron) -> Expr:
    """(A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ.

    Terminates: moves a transpose strictly closer to the leaves, as transpose_down does.
    """
    return kronecker.kron(build.transpose(k.left), build.transpose(k.right))


@rule(
    Pat(Inverse, body=Pat(Kron, name="k", where=_square)),
    example="inv(kron(A, B))",
    kinds={"A": "symmetric", "B": "symmetric"},
)
def inverse_of_kron(k: Kron) -> Expr:
    """(A ⊗ B)⁻¹ = A⁻¹ ⊗ B⁻¹ for square A and B.

    Terminates: moves an inverse onto smaller matrices; no rule moves it out of a kron.
    """
    return kronecker.kron(build.inv(k.left), build.inv(k.right))


@rule(
    Pat(Trace, body=Pat(Kron, name="k", where=_square)),
    example="tr(kron(A, B))",
    kinds={"A": "symmetric", "B": "symmetric"},
)
def trace_of_kron(k: Kron) -> Expr:
    """tr(A ⊗ B) = tr(A) tr(B) for square A and B.

    Terminates: removes a Kronecker product.
    """
    return build.mul(build.trace(k.left), build.trace(k.right))


@rule(Pat(SumEntries, body=Pat(Kron, name="k")), example="sum(kron(A, B))")
def sum_of_kron(k: Kron) -> Expr:
    """sum(A ⊗ B) = sum(A) sum(B): the entries of A ⊗ B are the products a_ij b_kl, each pair once.

    Terminates: removes a Kronecker product.
    """
    return build.mul(build.sum_entries(k.left), build.sum_entries(k.right))


def _pairs(e: IndexForm) -> int:
    return sum(isinstance(f.base, PairIndex) for t in e.tensor.terms for f in t.factors)


@rule(
    Pat(IndexForm, name="e", where=lambda e: _pairs(e) > 0), example="sum(exp(kron(x, y)).*exp(kron(x, y)))"
)
def pair_indices(e: IndexForm) -> Expr | None:
    """The identities of the pair index (`matcalc.pairs`) on an index form whose factors were simplified.

    A derivative is contracted before its factors are simplified (``vec(X)+vec(X)``
    becomes ``2*vec(X)`` later), so identities such as Σ_p vec(A)[p] δ[p,(j,i)] = A[i,j]
    may only apply then.
    Terminates: fires only when the result has fewer pair indices.
    """
    ix = e.tensor
    out = raise_index(IndexExpr(ix.free, tuple(simplify_terms(ix.terms, ix.free))))
    if isinstance(out, IndexForm) and _pairs(out) >= _pairs(e):
        return None
    return out
