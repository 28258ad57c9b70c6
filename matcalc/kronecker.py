"""Kronecker products and vec: smart constructors (Magnus & Neudecker, *Matrix Differential Calculus*, ch. 2).

- ``kron(A, B)`` (`Kron`) of two vectors or matrices: rows are pairs (row of A,
  row of B), A's the slower, and so are the columns.  A column vector has rows
  only and a row vector columns only, so the shape follows from the operands:
  ``kron(a, b)`` is a column, ``kron(a', b')`` a row, ``kron(a, b')`` the outer
  product ``a*b'``, ``kron(a, B)`` a matrix.  A scalar operand scales the other.
- ``vec(X)`` (`Vec`): the columns of a matrix stacked (column-major, as in
  Magnus & Neudecker); ``vec`` of a column is the column, of a row its transpose.

Their dimensions are product dimensions (`Dim.product`).  Both are linear in
each operand, and their index form (`matcalc.lower`) goes through `PairIndex`,
the 0/1 tensor ``δ[r, (a, b)]`` that splits an index over a product dimension:
``vec(X)[r] = δ[r, (j, i)] X[i, j]``.  Scalar factors move out to one `Scale`
(``kron(2*A, B) = 2*kron(A, B)``) and zeros stay zeros, as the other
constructors do; the identities between products (``kron(A,B)*kron(C,D) =
kron(A*C, B*D)`` ...) are rewrite rules (`matcalc.rules.kron`).
"""

from __future__ import annotations

from matcalc import build
from matcalc.dims import Dim
from matcalc.errors import ShapeError
from matcalc.expr import Expr, Kron, Ones, PairIndex, Scale, Vec, Zero
from matcalc.operands import describe, unified

__all__ = ["cols", "kron", "pair_index", "product_axes", "rows", "vec"]


def rows(x: Expr) -> tuple[Dim, ...]:
    """The row dimension of a matrix or column vector (none for a row vector)."""
    return x.shape[:1] if x.is_matrix or not x.row else ()


def cols(x: Expr) -> tuple[Dim, ...]:
    """The column dimension of a matrix or row vector (none for a column vector)."""
    return x.shape[-1:] if x.is_matrix or x.row else ()


def kron(a: Expr, b: Expr) -> Expr:
    """``kron(a, b)``, the Kronecker product; a scalar operand scales the other."""
    if a.is_scalar or b.is_scalar:
        return build.mul(a, b)
    for x in (a, b):
        if x.ndim > 2:
            raise ShapeError(f"kron of {describe(x)}: only vectors and matrices have a Kronecker product")
    a, b = unified([a, b])  # same-named symbols in the two operands: one shape
    if isinstance(a, Scale) or isinstance(b, Scale):
        (ca, a), (cb, b) = _split(a), _split(b)
        return build.mul(build.mul(ca, cb), kron(a, b))
    row_dim, col_dim = Dim.product(rows(a) + rows(b)), Dim.product(cols(a) + cols(b))
    has_rows, has_cols = bool(rows(a) + rows(b)), bool(cols(a) + cols(b))
    shape = ((row_dim,) if has_rows else ()) + ((col_dim,) if has_cols else ())
    if isinstance(a, Zero) or isinstance(b, Zero):
        return build.zeros(shape, row=not has_rows)
    if isinstance(a, Ones) and isinstance(b, Ones):  # every product of entries is 1
        return build.ones(shape, row=not has_rows)
    return Kron(a, b, shape=shape, row=not has_rows)


def _split(x: Expr) -> tuple[Expr, Expr]:
    return (x.coef, x.body) if isinstance(x, Scale) else (build.number(1), x)


def vec(x: Expr) -> Expr:
    """``vec(X)``: the columns of ``X`` stacked into one column; a vector as a column, a scalar itself."""
    if x.is_scalar:
        return x
    if x.is_vector:
        return build.transpose(x) if x.row else x
    if x.ndim > 2:
        raise ShapeError(f"vec of {describe(x)}: only vectors and matrices")
    if isinstance(x, Scale):
        return build.scale(x.coef, vec(x.body))
    shape = (Dim.product((x.shape[1], x.shape[0])),)
    if isinstance(x, Zero):
        return build.zeros(shape)
    return Vec(x, shape=shape)


def pair_index(whole: Dim, slow: Dim, fast: Dim) -> PairIndex:
    """δ[r, (a, b)] over ``whole`` x ``slow`` x ``fast``: 1 where ``r = a*|fast| + b``."""
    return PairIndex(shape=(whole, slow, fast))


def product_axes(e: Expr) -> list[tuple[Dim, tuple[Dim, ...]]]:
    """Each axis of a `Kron` or `Vec` node that is a product, with the dimensions of its parts.

    The axis may have been unified with another dimension (the length of ``z`` in
    ``z'*vec(X)``); its size is still the product of the parts' sizes.
    """
    if isinstance(e, Vec):
        return [(e.shape[0], (e.body.shape[1], e.body.shape[0]))]
    if not isinstance(e, Kron):
        return []
    out: list[tuple[Dim, tuple[Dim, ...]]] = []
    axis = 0
    for pick in (rows, cols):
        parts = pick(e.left) + pick(e.right)
        if len(parts) == 2:
            out.append((e.shape[axis], parts))
        axis += bool(parts)
    return out
