"""The vec-form IR: Kronecker products, commutation matrices, diag(vec(·)) weights.

A `VecJacobian` is a sum of `KronTerm` s.  Its matrix-level pieces are plain
expressions (`matcalc.expr.Expr`); the Kronecker structure around them is
this small closed set of frozen dataclasses, so no new node type enters the
expression IR.  `VecJacobian.evaluate` materializes the Jacobian with
`numpy.kron`, for tests; nothing else ever builds these matrices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matcalc import build
from matcalc.dims import Dim
from matcalc.evaluate import evaluate
from matcalc.expr import Expr, Symbol

__all__ = ["Chain", "Kron", "KronTerm", "VecJacobian", "commutation_matrix"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Kron:
    """``left ⊗ right``, times the commutation matrix ``K_{pq}`` when ``commute = (p, q)``.

    A slot is None where it is the number 1 (both of its axes have length one).
    """

    left: Expr | None
    right: Expr | None
    commute: tuple[Dim, Dim] | None = None


@dataclass(frozen=True, slots=True)
class Chain:
    """``first · diag(vec(middle)) · second``, a product through summed indices.

    The columns of ``first`` and the rows of ``second`` run over the same
    (at most two) dimensions, those of ``middle``; a missing ``middle`` is no weight.
    """

    first: KronTerm
    middle: Expr | None
    second: KronTerm


@dataclass(frozen=True, slots=True)
class KronTerm:
    """One term of a vec-form Jacobian, its rows over ``rows`` and its columns over ``cols``.

    With a ``core``: ``coef · diag(vec(left)) · (core[0] ⊙ core[1] ⊙ ...) · diag(vec(right))``,
    a missing ``left`` or ``right`` being no weight.  Without: ``coef · vec(left) vec(right)ᵀ``,
    a missing one being all ones (the number 1 when ``rows`` or ``cols`` is empty).
    A vector's ``vec`` is the vector.
    """

    coef: Expr
    rows: tuple[Dim, ...]
    cols: tuple[Dim, ...]
    left: Expr | None = None
    core: tuple[Kron | Chain, ...] = ()
    right: Expr | None = None


@dataclass(frozen=True)
class VecJacobian:
    """``∂vec(f)/∂vec(wrt)ᵀ`` as a sum of Kronecker terms (column-major vec).

    ``J[i + m·j, k + p·l] = ∂f[i, j]/∂wrt[k, l]`` for ``f`` mxn and ``wrt``
    pxq; a vector counts as one column, a scalar as 1x1.  ``str()`` gives the
    text form, `latex` the LaTeX, `evaluate` the matrix.
    """

    f: Expr
    wrt: Symbol
    terms: tuple[KronTerm, ...]

    @property
    def rows(self) -> tuple[Dim, ...]:
        """The dimensions whose product is the number of rows (those of ``f``)."""
        return self.f.shape

    @property
    def cols(self) -> tuple[Dim, ...]:
        """The dimensions whose product is the number of columns (those of ``wrt``)."""
        return self.wrt.shape

    def latex(self) -> str:
        r"""The LaTeX, e.g. ``x^\top \otimes I_{n}`` (no ``$`` delimiters)."""
        from matcalc.printing.vec import vec_latex

        return vec_latex(self)

    def __str__(self) -> str:
        from matcalc.printing.vec import vec_text

        return vec_text(self)

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def dimension_names(self) -> dict[Dim, str]:
        """The letter each dimension prints with (``I_{n}``, ``K_{mn}``), in order of appearance."""
        from matcalc.printing.vec import dimension_names

        return dimension_names(self)

    def evaluate(self, values: Mapping[Any, Any]) -> Array:
        """The Jacobian as a dense (size of f) x (size of wrt) matrix, every Kronecker product built.

        For checking: this materializes what the symbolic form exists to avoid.
        """
        sizes = _Sizes(values)
        out = np.zeros((sizes.prod(self.rows), sizes.prod(self.cols)))
        for t in self.terms:
            out += _term(t, values, sizes)
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
        first = _term(c.first, values, sizes)
        middle = _vec(c.middle, c.first.cols, values, sizes)
        return first @ (middle[:, None] * _term(c.second, values, sizes))
    body: Array = np.asarray(np.kron(_matrix(c.left, values), _matrix(c.right, values)), dtype=np.float64)
    if c.commute is not None:
        body = body @ commutation_matrix(sizes.of(c.commute[0]), sizes.of(c.commute[1]))
    return body
