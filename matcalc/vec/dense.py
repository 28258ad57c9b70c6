"""Vec-form Jacobians as dense matrices, every Kronecker product built (for checking).

`VecJacobian.evaluate` calls `dense`; the IR module itself evaluates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from matcalc import build
from matcalc.dims import Dim
from matcalc.evaluate import evaluate
from matcalc.expr import Expr
from matcalc.vec.ir import Chain, Commutation, Kron, KronTerm, Piece, VecJacobian

__all__ = ["commutation_matrix", "dense"]

Array = npt.NDArray[np.float64]


def dense(jac: VecJacobian, values: Mapping[Any, Any]) -> Array:
    """``jac`` as a (size of f) x (size of wrt) matrix at ``values``."""
    sizes = _Sizes(values)
    out = np.zeros((sizes.prod(jac.rows), sizes.prod(jac.cols)))
    for t in jac.terms:
        out += _term(t, values, sizes)
    if jac.symmetrized:  # times N_n = (I + K_nn)/2
        n = sizes.of(jac.wrt.shape[0])
        out = (out + out @ commutation_matrix(n, n)) / 2
    return out


def commutation_matrix(p: int, q: int) -> Array:
    """``K_{pq}``: the (p·q)x(p·q) permutation with ``K vec(X) = vec(Xᵀ)`` for X pxq."""
    k = np.zeros((p * q, p * q))
    for a in range(p):
        for b in range(q):
            k[b + q * a, a + p * b] = 1.0
    return k


class _Sizes:
    """Sizes of dimensions, found the way `evaluate` finds them (from the symbols named)."""

    def __init__(self, values: Mapping[Any, Any]) -> None:
        self.values = values
        self.known: dict[Dim, int] = {}

    def of(self, d: Dim) -> int:
        if d not in self.known:
            self.known[d] = int(np.size(evaluate(build.ones((d,)), self.values)))
        return self.known[d]

    def prod(self, dims: Sequence[Dim]) -> int:
        return int(np.prod([self.of(d) for d in dims], dtype=np.int64))


def _matrix(e: Expr | None, values: Mapping[Any, Any]) -> Array:
    """A slot's value as a 2-D array: a vector as a column (or a row), 1 for None."""
    if e is None:
        return np.ones((1, 1))
    v: Array = np.asarray(evaluate(e, values), dtype=np.float64)
    if e.ndim == 0:
        return v.reshape(1, 1)
    if e.ndim == 1:
        return v.reshape(1, -1) if e.row else v.reshape(-1, 1)
    return np.asarray(v, dtype=np.float64)


def _vec(e: Expr | None, dims: tuple[Dim, ...], values: Mapping[Any, Any], sizes: _Sizes) -> Array:
    """Column-major ``vec``; ones over ``dims`` for None."""
    if e is None:
        return np.ones(sizes.prod(dims))
    return _matrix(e, values).ravel(order="F")


def _term(t: KronTerm, values: Mapping[Any, Any], sizes: _Sizes) -> Array:
    coef = float(evaluate(t.coef, values))
    if not t.core:
        return coef * np.outer(_vec(t.left, t.rows, values, sizes), _vec(t.right, t.cols, values, sizes))
    body = np.ones((sizes.prod(t.rows), sizes.prod(t.cols)))
    for c in t.core:
        body = body * _core(c, values, sizes)
    if t.left is not None:
        body = _vec(t.left, t.rows, values, sizes)[:, None] * body
    if t.right is not None:
        body = body * _vec(t.right, t.cols, values, sizes)[None, :]
    return coef * body


def _core(c: Kron | Chain, values: Mapping[Any, Any], sizes: _Sizes) -> Array:
    if isinstance(c, Chain):
        first = _sum(c.first, values, sizes)
        middle = _vec(c.middle, c.first[0].cols, values, sizes)
        return first @ (middle[:, None] * _sum(c.second, values, sizes))
    body: Array = np.ones((1, 1))
    for p in c.factors:
        body = np.asarray(np.kron(body, _piece(p, values, sizes)), dtype=np.float64)
    if c.commute is not None:
        body = body @ commutation_matrix(sizes.of(c.commute[0]), sizes.of(c.commute[1]))
    return body


def _sum(terms: tuple[KronTerm, ...], values: Mapping[Any, Any], sizes: _Sizes) -> Array:
    out = _term(terms[0], values, sizes)
    for t in terms[1:]:
        out += _term(t, values, sizes)
    return out


def _piece(p: Piece, values: Mapping[Any, Any], sizes: _Sizes) -> Array:
    if isinstance(p, Commutation):
        return commutation_matrix(sizes.of(p.p), sizes.of(p.q))
    return _matrix(p, values)
