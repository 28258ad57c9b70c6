"""The vec-form IR: Kronecker products, commutation matrices, diag(vec(·)) weights, products.

A `VecJacobian` is a sum of `KronTerm` s.  Its matrix-level pieces are plain
expressions (`matcalc.expr.Expr`); the Kronecker structure around them is
this small closed set of frozen dataclasses, so no new node type enters the
expression IR: a `Kron` of any number of factors, each a matrix (an
identity, a column ``vec(B)``) or a commutation matrix (`Commutation`), and a
`Chain`, the matrix product of two sums of terms, which the chain rule
through a Kronecker product inside the function builds
(``(I_n ⊗ K_qm ⊗ I_p)(I_mn ⊗ vec B)``, `matcalc.vec.through`).
`VecJacobian.evaluate` materializes the Jacobian with `numpy.kron`
(`matcalc.vec.dense`), for tests; nothing else ever builds these matrices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matcalc.dims import Dim
from matcalc.expr import Expr, Symbol

__all__ = ["Chain", "Commutation", "Kron", "KronTerm", "Piece", "VecJacobian"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Commutation:
    """``K_{pq}``, the (p·q)x(p·q) commutation matrix: ``K_{pq} vec(A) = vec(Aᵀ)`` for A pxq.

    Magnus & Neudecker, *Matrix Differential Calculus*, 3rd ed., ch. 3, §7.
    ``p`` and ``q`` may be product dimensions.
    """

    p: Dim
    q: Dim


#: A factor of a Kronecker product: a matrix-level expression or a commutation matrix.
Piece = Expr | Commutation


@dataclass(frozen=True, slots=True)
class Kron:
    """``factors[0] ⊗ factors[1] ⊗ ...``, times ``K_{pq}`` on the right when ``commute = (p, q)``.

    No factors is the number 1; a vector factor is a column or a row as its
    expression says (a column ``vec(B)`` is ``vec(B)`` itself).
    """

    factors: tuple[Piece, ...]
    commute: tuple[Dim, Dim] | None = None

    @staticmethod
    def of(*slots: Piece | None, commute: tuple[Dim, Dim] | None = None) -> Kron:
        """The Kronecker product of the slots that are not None (None: the number 1)."""
        return Kron(tuple(s for s in slots if s is not None), commute)


@dataclass(frozen=True, slots=True)
class Chain:
    """``first · diag(vec(middle)) · second``, a matrix product, each side a sum of terms.

    The columns of ``first`` and the rows of ``second`` run over the same
    (at most two) dimensions, those of ``middle``; a missing ``middle`` is no weight.
    """

    first: tuple[KronTerm, ...]
    middle: Expr | None
    second: tuple[KronTerm, ...]


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
    #: The sum of ``terms`` is multiplied on the right by the symmetrizer
    #: ``N_n = (I + K_nn)/2`` (Magnus & Neudecker): ``wrt`` is symmetric and the
    #: terms are its entry-by-entry derivative (docs/conventions.md).
    symmetrized: bool = False

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

    def __repr__(self) -> str:
        """``∂vec(f)/∂vec(W)' = x' ⊗ I_n``: the text form with what it is the derivative of."""
        return f"∂vec(f)/∂vec({self.wrt.name})' = {self}"

    def _repr_latex_(self) -> str:
        """Jupyter's display: the LaTeX with the same left-hand side."""
        from matcalc.printing.tex import symbol_tex

        wrt = symbol_tex(self.wrt.name)
        lhs = rf"\frac{{\partial \operatorname{{vec}}(f)}}{{\partial \operatorname{{vec}}({wrt})^\top}}"
        return f"$${lhs} = {self.latex()}$$"

    def dimension_names(self) -> dict[Dim, str]:
        """The letter each dimension prints with (``I_{n}``, ``K_{mn}``), in order of appearance."""
        from matcalc.printing.vec import dimension_names

        return dimension_names(self)

    def evaluate(self, values: Mapping[Any, Any]) -> Array:
        """The Jacobian as a dense (size of f) x (size of wrt) matrix, every Kronecker product built.

        For checking: this materializes what the symbolic form exists to avoid
        (`matcalc.vec.dense`).
        """
        from matcalc.vec.dense import dense

        return dense(self, values)
