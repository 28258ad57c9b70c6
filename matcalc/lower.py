"""The lowering stage: what each structural node is in index notation, written once.

``lower(e, idx)`` is ``e[idx]`` as a sum of terms over ``e``'s children, one
level deep: ``(A B)[i, j] = A[i, p] B[p, j]``, ``tr(A) = A[p, p]``,
``diag(v)[i, j] = v[i] δ[i, j]``, ``I[i, j] = δ[i, j]``.  Every node in
`LOWERINGS` is *multilinear* in its children (each term is a product of
children, each child at most once), and that is all three consumers need:

- `matcalc.diff` derives the derivative rule of every structural node from
  its lowering (as JAX derives the JVP of a linear primitive from the
  primitive itself): the derivative of a product of children is the sum over
  the children of the same product with that child replaced by its derivative;
- `atom` opens the nodes that only rename indices, add deltas or multiply by
  a number (``X'``, ``diag(v)``, ``I``, ``2*X``) so that differentiation and
  einsum code see their bodies (`matcalc.codegen.einsum`);
- the LaTeX index form opens the nodes recursively for display
  (`matcalc.printing.latex_index`).

Nodes that are not structural (elementwise functions, inverses, determinants
...) are not lowered: they stay one factor ``base[indices]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from matcalc import kronecker
from matcalc.errors import MatcalcError
from matcalc.expr import (
    Add,
    DiagMatrix,
    DiagVector,
    Expr,
    Hadamard,
    Identity,
    IndexForm,
    Kron,
    MatMul,
    Number,
    Ones,
    Scale,
    SumEntries,
    Trace,
    Transpose,
    Vec,
    Zero,
)
from matcalc.index import Delta, Factor, Idx, Term, fresh, fresh_like, instantiate, product

__all__ = ["LOWERINGS", "Lowering", "atom", "chain_indices", "lower"]

Idxs = tuple[Idx, ...]


def _never(e: Expr) -> bool:
    return False


def _always(e: Expr) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Lowering:
    """The index form of one node type.

    ``terms(e, idx)``: ``e[idx]`` as terms whose factors are children of ``e``.
    ``unpacks(e)``: whether `atom` opens ``e`` (it renames indices, adds
    deltas or multiplies by a number: one term, no summed index, at most one
    factor that is not a number).
    """

    terms: Callable[[Expr, Idxs], list[Term]]
    unpacks: Callable[[Expr], bool] = _never


def _one(base: Expr, idx: Idxs, deltas: tuple[Delta, ...] = ()) -> list[Term]:
    return [Term(1, (Factor(base, idx),), deltas)]


def _number(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, Number)
    return [Term(e.value)]


def _zero(e: Expr, idx: Idxs) -> list[Term]:
    return []  # 0[i, j] = 0: no terms


def _ones(e: Expr, idx: Idxs) -> list[Term]:
    return [Term(1)]  # 1[i, j] = 1


def _identity(e: Expr, idx: Idxs) -> list[Term]:
    return [Term(1, (), (Delta(idx[0], idx[1]),))]  # I[i, j] = δ[i, j]


def _add(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, Add)
    return [t for term in e.terms for t in _one(term, idx)]  # (A + B)[i, j] = A[i, j] + B[i, j]


def _scale(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, Scale)
    return [Term(1, (Factor(e.coef, ()), Factor(e.body, idx)))]  # (s A)[i, j] = s A[i, j]


def _transpose(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, Transpose)
    return _one(e.body, idx[::-1])  # A'[i, j] = A[j, i]


def _matmul(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, MatMul)  # (A B C)[i, j] = A[i, p] B[p, q] C[q, j]
    axes = chain_indices(e.factors, idx)
    return [Term(1, tuple(Factor(f, ix) for f, ix in zip(e.factors, axes, strict=True)))]


def _hadamard(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, Hadamard)
    return [Term(1, tuple(Factor(f, idx) for f in e.factors))]  # (A ⊙ B)[i, j] = A[i, j] B[i, j]


def _trace(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, Trace)
    p = fresh(e.body.shape[0])
    return _one(e.body, (p, p))  # tr(A) = A[p, p]


def _sum_entries(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, SumEntries)
    return _one(e.body, fresh_like(e.body.shape))  # sum(A) = A[p, q], both summed


def _diag_vector(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, DiagVector)
    return _one(e.body, (idx[0], idx[0]))  # diag(A)[i] = A[i, i]


def _diag_matrix(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, DiagMatrix)
    return _one(e.body, idx[:1], (Delta(idx[0], idx[1]),))  # diag(v)[i, j] = v[i] δ[i, j]


def _vec(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, Vec)  # vec(X)[r] = δ[r, (j, i)] X[i, j]: the column index the slower
    i, j = fresh_like(e.body.shape)
    split = Factor(kronecker.pair_index(idx[0].dim, j.dim, i.dim), (idx[0], j, i))
    return [Term(1, (split, Factor(e.body, (i, j))))]


def _kron(e: Expr, idx: Idxs) -> list[Term]:
    # kron(A, B)[r, c] = δ[r, (i, k)] δ[c, (j, l)] A[i, j] B[k, l]; an axis only one operand
    # has (a column has no columns) is that operand's index itself
    assert isinstance(e, Kron)
    a, b = e.left, e.right
    ia, ib = fresh_like(a.shape), fresh_like(b.shape)
    splits: list[Factor] = []
    deltas: list[Delta] = []
    out = iter(idx)
    for axis in ("rows", "cols"):
        pa, pb = _axis_index(a, ia, axis), _axis_index(b, ib, axis)
        if pa is not None and pb is not None:
            r = next(out)
            splits.append(Factor(kronecker.pair_index(r.dim, pa.dim, pb.dim), (r, pa, pb)))
        elif pa is not None or pb is not None:
            own = pa if pa is not None else pb
            assert own is not None
            deltas.append(Delta(next(out), own))
    return [Term(1, (*splits, Factor(a, ia), Factor(b, ib)), tuple(deltas))]


def _axis_index(x: Expr, ix: Idxs, axis: str) -> Idx | None:
    """The index of ``x``'s rows or columns among ``ix``, None if it has none (a vector)."""
    if x.is_matrix:
        return ix[0] if axis == "rows" else ix[1]
    return ix[0] if (axis == "cols") == x.row else None


def _index_form(e: Expr, idx: Idxs) -> list[Term]:
    assert isinstance(e, IndexForm)  # its own terms, over the indices asked for
    return instantiate(e.tensor.terms, e.tensor.free, idx)


def _number_scale(e: Expr) -> bool:
    return isinstance(e, Scale) and isinstance(e.coef, Number)


#: The index form of every structural node (all multilinear in their children).
LOWERINGS: Final[Mapping[type[Expr], Lowering]] = {
    Number: Lowering(_number, _always),
    Zero: Lowering(_zero),
    Ones: Lowering(_ones),
    Identity: Lowering(_identity, _always),
    Add: Lowering(_add),
    Scale: Lowering(_scale, _number_scale),
    Transpose: Lowering(_transpose, _always),
    MatMul: Lowering(_matmul),
    Hadamard: Lowering(_hadamard),
    Trace: Lowering(_trace),
    SumEntries: Lowering(_sum_entries),
    DiagVector: Lowering(_diag_vector),
    DiagMatrix: Lowering(_diag_matrix, _always),
    IndexForm: Lowering(_index_form),
    Vec: Lowering(_vec),
    Kron: Lowering(_kron),
}


def lower(e: Expr, idx: Sequence[Idx]) -> list[Term]:
    """``e[idx]`` as terms over the children of the structural node ``e`` (one level)."""
    how = LOWERINGS.get(type(e))
    if how is None:
        raise MatcalcError(f"{type(e).__name__} is not a structural node: it has no index form to lower to")
    return how.terms(e, tuple(idx))


def atom(base: Expr, indices: Sequence[Idx]) -> Term:
    """The term ``base[indices]``, with the nodes that only rename indices, add deltas or scale opened.

    ``X'[i, j]`` is ``X[j, i]``, ``diag(v)[i, j]`` is ``v[i] δ[i, j]``,
    ``I[i, j]`` is ``δ[i, j]``, ``(2 X)[i, j]`` is ``2 X[i, j]``; anything
    else stays one factor.
    """
    indices = tuple(indices)
    if len(indices) != base.ndim:
        raise AssertionError(f"{len(indices)} indices for an order-{base.ndim} expression")
    how = LOWERINGS.get(type(base))
    if how is None or not how.unpacks(base):
        return Term(1, (Factor(base, indices),))
    (term,) = how.terms(base, indices)
    if len(term.factors) == 1 and term.coef == 1 and not term.deltas:  # a renaming (X')
        (f,) = term.factors
        return atom(f.base, f.indices)
    inner = [atom(f.base, f.indices) for f in term.factors]
    return product(*inner, Term(term.coef, (), term.deltas))


def chain_indices(factors: Sequence[Expr], idx: Idxs) -> list[Idxs]:
    """The indices of each factor of a matrix product whose result has indices ``idx``.

    A column vector has only a row index, a row vector only a column index;
    neighbours share a fresh summed index, except a column followed by a row
    (an outer product), which share none.
    """
    out = iter(idx)
    current = next(out) if _has_rows(factors[0]) else None
    axes: list[Idxs] = []
    for n, f in enumerate(factors):
        ix = [current] if _has_rows(f) and current is not None else []
        current = None
        if _has_cols(f):
            current = next(out) if n == len(factors) - 1 else fresh(f.shape[-1])
            ix.append(current)
        axes.append(tuple(ix))
    return axes


def _has_rows(f: Expr) -> bool:
    return f.is_matrix or (f.is_vector and not f.row)


def _has_cols(f: Expr) -> bool:
    return f.is_matrix or (f.is_vector and f.row)
