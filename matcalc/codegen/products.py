"""Matrix products: the order of a chain, and factors that are never built.

Dimensions are symbolic, so the cost model treats every dimension as one
large size ``N`` and a vector's missing side as 1: a matrix-matrix product
costs ``N^3``, a matrix-vector product ``N^2``, an inner product ``N``.  The
cheapest parenthesization under that model (dynamic programming over the
chain) is "contract vectors first"; a sub-product that is computed anyway
(an existing subexpression) costs nothing, so chains share work.  Ties go to
the split with the shortest left part: ``x'*A*y`` is ``x @ (A @ y)``.

Some factors are never materialized:

- ``diag(v)`` scales rows (``v[:, None] * X``) or columns (``X * v``);
- ``inv(X)``, when nothing else needs it, becomes ``solve(X, .)``;
- a vector of ones becomes a sum (``vector(1)'*X`` is ``X.sum(axis=0)``), a
  matrix of ones the outer product of two of them;
- a sum factor is multiplied out when that is cheaper: ``(A*B + C*D)*x`` is
  ``A @ (B @ x) + C @ (D @ x)``.

A symmetric chain ``A'*diag(v)*A`` whose weights are provably ``v >= 0``
(`matcalc.codegen.signs`) is ``B'*B`` with ``B = sqrt(v)[:, None] * A``:
NumPy computes ``B.T @ B`` with BLAS ``syrk``, one triangle, half the
multiplications of ``A.T @ (v[:, None] * A)``.  ``A'*A`` needs nothing: the
operands are the same array, and NumPy sees that.

Traces, diagonals and entry sums of products use the same cost model
(`matcalc.codegen.reductions`).
"""

from __future__ import annotations

import ast
import enum
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from matcalc import build
from matcalc.codegen import signs
from matcalc.codegen import syntax as sx
from matcalc.dims import Dim
from matcalc.expr import Add, DiagMatrix, Expr, Identity, Inverse, MatMul, Number, Ones, Scale, Transpose
from matcalc.limits import charge

if TYPE_CHECKING:
    from matcalc.codegen.emit import Lowerer

__all__ = [
    "Elem", "Kind", "classify", "expand_ones", "fold", "plan", "product", "scaled", "scaled_outer", "side",
    "sides", "sizer",
]  # fmt: skip

#: The size every dimension stands for in the cost model (a power of two: sums stay exact).
N = float(2**20)


class Kind(enum.Enum):
    """How a chain factor is multiplied."""

    PLAIN = "plain"  # an array
    DIAG = "diag"  # diag(v): scales rows or columns
    INV = "inv"  # inv(X) that nothing else needs: a linear solve
    ONES = "ones"  # a vector of ones: a sum


@dataclass(frozen=True, slots=True)
class Elem:
    """A chain factor: its kind, its rows and columns (None for a vector's missing side).

    ``factor`` is the factor as an expression; ``arg`` the vector of a DIAG,
    the matrix to invert of an INV, else the factor.
    """

    kind: Kind
    rows: Dim | None
    cols: Dim | None
    factor: Expr
    arg: Expr


@dataclass(frozen=True, slots=True)
class _Cell:
    """The cheapest way to compute a sub-chain: its cost, split and result."""

    cost: float
    split: int
    kind: Kind
    rows: Dim | None
    cols: Dim | None


def _deg(rows: Dim | None, cols: Dim | None) -> int:
    return (rows is not None) + (cols is not None)


def sides(e: Expr) -> tuple[Dim | None, Dim | None]:
    """The row and column dimensions of ``e`` (None for a missing side: a vector's other side, a scalar)."""
    if e.is_scalar:
        return None, None
    if e.is_vector:
        return (None, e.shape[0]) if e.row else (e.shape[0], None)
    return e.shape[0], e.shape[1]


def fold(factors: Sequence[Expr]) -> Expr:
    """The product of the factors as one flat node (equal to the same product elsewhere).

    Built directly rather than pairwise: a chain such as ``x'*1*1'`` passes
    through a scalar, which `build.matmul` rightly refuses as an operand.
    Scalar coefficients are pulled out and identities dropped, as `build.matmul` does.
    """
    flat: list[Expr] = []
    coefs: list[Expr] = []
    for f in factors:
        if isinstance(f, Scale):
            coefs.append(f.coef)
            f = f.body
        if isinstance(f, MatMul):
            flat.extend(f.factors)
        elif not isinstance(f, Identity):
            flat.append(f)
    if not flat:
        return functools.reduce(build.matmul, factors)  # identities only
    if len(flat) == 1:
        product: Expr = flat[0]
    else:
        rows, cols = sides(flat[0])[0], sides(flat[-1])[1]
        shape = tuple(d for d in (rows, cols) if d is not None)
        product = MatMul(tuple(flat), shape=shape, row=rows is None and cols is not None)
    for c in coefs:
        product = build.scale(c, product)
    return product


def classify(lw: Lowerer, f: Expr) -> Elem:
    """The chain element of the factor ``f``."""
    rows, cols = sides(f)
    if isinstance(f, Ones) and f.is_vector:
        return Elem(Kind.ONES, rows, cols, f, f)
    if isinstance(f, DiagMatrix):
        return Elem(Kind.DIAG, rows, cols, f, f.body)
    if isinstance(f, MatMul) and all(isinstance(g, DiagMatrix) for g in f.factors):
        bodies = [g.body for g in f.factors if isinstance(g, DiagMatrix)]
        vector = functools.reduce(build.hadamard, [build.transpose(b) if b.row else b for b in bodies])
        return Elem(Kind.DIAG, rows, cols, f, vector)
    if isinstance(f, Inverse) and lw.private(f):
        return Elem(Kind.INV, rows, cols, f, f.body)
    if isinstance(f, Transpose) and isinstance(f.body, Inverse) and lw.private(f) and lw.private(f.body):
        return Elem(Kind.INV, rows, cols, f, build.transpose(f.body.body))  # inv(X)' = inv(X')
    return Elem(Kind.PLAIN, rows, cols, f, f)


def expand_ones(factors: Sequence[Expr]) -> list[Expr]:
    """A matrix of ones is the outer product of two vectors of ones."""
    out: list[Expr] = []
    for f in factors:
        if isinstance(f, Ones) and f.is_matrix:
            out += [build.ones(f.shape[:1]), build.ones(f.shape[1:], row=True)]
        else:
            out.append(f)
    return out


# ---- the cost model -------------------------------------------------------------------------------


def _combine(n: Callable[[Dim | None], float], a: _Cell, b: _Cell) -> tuple[float, Kind]:
    """The cost of multiplying two computed parts, and the kind of the result (``n``: sizes)."""
    if a.kind is Kind.DIAG and b.kind is Kind.DIAG:
        return n(a.rows), Kind.DIAG
    if a.kind is Kind.INV or b.kind is Kind.INV:
        inv, other = (a, b) if a.kind is Kind.INV else (b, a)
        factor = n(inv.rows) ** 3 * (2 if a.kind is b.kind else 1)  # LU, and inverting the other
        return factor + n(inv.rows) * n(other.rows) * n(other.cols), Kind.PLAIN
    if a.kind is Kind.DIAG:
        return n(b.rows) * n(b.cols), Kind.PLAIN
    if b.kind is Kind.DIAG:
        return n(a.rows) * n(a.cols), Kind.PLAIN
    return n(a.rows) * n(a.cols) * n(b.cols), Kind.PLAIN


def plan(
    lw: Lowerer, factors: Sequence[Expr], elems: Sequence[Elem], whole: bool = False
) -> list[list[_Cell]]:
    """The cheapest computation of every sub-chain ``[i..j]`` (``table[i][j]``).

    A sub-chain that is computed anyway costs nothing; the whole chain only if ``whole``.
    """
    n = len(elems)
    charge(n * (n * n - 1) // 6)  # the splits tried below, against the work budget (matcalc.limits)
    size = sizer(lw)
    table: list[list[_Cell]] = [[_Cell(0.0, 0, e.kind, e.rows, e.cols) for e in elems] for _ in range(n)]
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            rows, cols = elems[i].rows, elems[j].cols
            if (whole or length < n) and lw.available(tuple(factors[i : j + 1])):
                table[i][j] = _Cell(0.0, i + 1, Kind.PLAIN, rows, cols)
                continue
            best: _Cell | None = None
            for k in range(i + 1, j + 1):
                left, right = table[i][k - 1], table[k][j]
                cost, kind = _combine(size, left, right)
                total = left.cost + right.cost + cost
                if best is None or total < best.cost:
                    best = _Cell(total, k, kind, rows, cols)
            assert best is not None
            table[i][j] = best
    return table


def sizer(lw: Lowerer) -> Callable[[Dim | None], float]:
    """The size of a side in the cost model (1 for a vector's missing side)."""

    def size(d: Dim | None) -> float:
        return 1.0 if d is None else lw.dim_size(d)

    return size


def _chain_cost(lw: Lowerer, factors: Sequence[Expr]) -> float:
    """What computing the product of ``factors`` as an array costs."""
    elems = [classify(lw, f) for f in factors]
    if len(elems) == 1:
        n = sizer(lw)(elems[0].rows)
        return {Kind.DIAG: n**2, Kind.INV: n**3}.get(elems[0].kind, 0.0)
    return plan(lw, factors, elems)[0][-1].cost


def _size(lw: Lowerer, e: Expr) -> float:
    """The number of entries of ``e``."""
    total = 1.0
    for d in e.shape:
        total *= lw.dim_size(d)
    return total


# ---- products ----------------------------------------------------------------------------------------


def product(lw: Lowerer, factors: Sequence[Expr]) -> ast.expr:
    """The code of ``factors[0] * factors[1] * ...``."""
    factors = expand_ones(factors)
    if len(factors) == 1:
        return lw.ref(factors[0])
    half = _gram_half(lw, factors)
    if half is not None:
        return lw.op("matmul", lw.op("transpose", lw.ref(half)), lw.ref(half))
    distributed = _distribute(lw, factors)
    if distributed is not None:
        return lw.ref(distributed)
    elems = [classify(lw, f) for f in factors]
    k = plan(lw, factors, elems)[0][-1].split
    return _pair(lw, side(lw, factors[:k], elems[:k]), side(lw, factors[k:], elems[k:]), None)


def _gram_half(lw: Lowerer, factors: Sequence[Expr]) -> Expr | None:
    """``B`` if the chain is ``B'*B``, ``B = diag(sqrt(v))*A`` for ``A'*diag(v)*A`` with ``v >= 0``.

    ``A`` may be a chain itself (``F2'*F1'*diag(v)*F1*F2``).  Only for a matrix
    result, and only if ``B'*B`` costs less than the chain as planned.
    """
    n = len(factors)
    mid = n // 2
    weights = factors[mid]
    if n % 2 == 0 or not isinstance(weights, DiagMatrix):
        return None
    if any(factors[n - 1 - i] != build.transpose(factors[i]) for i in range(mid)):
        return None
    (rows, _), (inner, _) = sides(factors[0]), sides(factors[mid + 1])
    if rows is None or inner is None or not signs.nonnegative(weights.body):
        return None
    half = fold([build.diag(build.apply("sqrt", weights.body)), *factors[mid + 1 :]])
    size = sizer(lw)
    gram = _chain_cost(lw, _expand_term(half)) + size(rows) ** 2 * size(inner) / 2
    return half if gram < _chain_cost(lw, factors) else None


def scaled_outer(lw: Lowerer, factors: Sequence[Expr], coef: Expr) -> ast.expr | None:
    """``coef * product`` with the scalar on a vector, if the product ends as an outer product; else None.

    Otherwise the scalar goes on the product's value (``-(X.T @ v)``), and the
    product stays one node that other uses share.
    """
    factors = expand_ones(factors)
    if len(factors) == 1 or _distribute(lw, factors) is not None:
        return None
    elems = [classify(lw, f) for f in factors]
    k = plan(lw, factors, elems)[0][-1].split
    a, b = side(lw, factors[:k], elems[:k]), side(lw, factors[k:], elems[k:])
    vectors = [e for e in (a, b) if e.kind is Kind.PLAIN and _deg(e.rows, e.cols) == 1]
    if _deg(a.rows, b.cols) < 2 or not vectors:
        return None
    return _pair(lw, a, b, coef)


def scaled(lw: Lowerer, coef: Expr | None, code: ast.expr) -> ast.expr:
    """``coef * code`` (``-code`` for -1)."""
    if coef is None:
        return code
    if isinstance(coef, Number) and coef.value == -1:
        return sx.neg(code)
    if isinstance(coef, Number) and isinstance(coef.value, Fraction) and abs(coef.value.numerator) == 1:
        halved = sx.div(code, sx.number(coef.value.denominator))  # x / 2, as written, not 0.5 * x
        return sx.neg(halved) if coef.value < 0 else halved
    return sx.mul(lw.ref(coef), code)


def side(lw: Lowerer, factors: Sequence[Expr], elems: Sequence[Elem]) -> Elem:
    """One side of a split chain: its only factor, or the product of its factors."""
    return elems[0] if len(elems) == 1 else classify(lw, fold(factors))


def _pair(lw: Lowerer, a: Elem, b: Elem, coef: Expr | None) -> ast.expr:
    """The code of ``coef * a * b``, the coefficient on the smallest array."""
    va, vb = _value(lw, a), _value(lw, b)
    if coef is not None and _deg(a.rows, b.cols) == 2:  # an outer product: scale a vector
        if a.kind is Kind.PLAIN and _deg(a.rows, a.cols) == 1:
            va, coef = scaled(lw, coef, va), None
        elif b.kind is Kind.PLAIN and _deg(b.rows, b.cols) == 1:
            vb, coef = scaled(lw, coef, vb), None
    if Kind.INV in (a.kind, b.kind):
        code = _pair_inverse(lw, a, b, va, vb)
    elif Kind.DIAG in (a.kind, b.kind):
        code = _pair_diag(lw, a, b, va, vb)
    else:
        code = _pair_plain(lw, a, b, va, vb)
    return scaled(lw, coef, code)


def _value(lw: Lowerer, e: Elem) -> ast.expr:
    """The code of the element's array (the vector of a DIAG, the matrix to invert of an INV)."""
    return lw.ref(e.arg)


def _ones(lw: Lowerer, e: Elem) -> ast.expr:
    """A materialized vector of ones."""
    dim = e.rows if e.rows is not None else e.cols
    assert dim is not None
    return lw.op("ones", lw.size(dim), lw.like(dim))


def _pair_plain(lw: Lowerer, a: Elem, b: Elem, va: ast.expr, vb: ast.expr) -> ast.expr:
    """Arrays and vectors of ones."""
    if _deg(a.rows, a.cols) == 0 or _deg(b.rows, b.cols) == 0:  # a scalar inside a chain
        va = _ones(lw, a) if a.kind is Kind.ONES else va
        vb = _ones(lw, b) if b.kind is Kind.ONES else vb
        return sx.mul(va, vb)
    outer = a.cols is None and b.rows is None
    if outer:
        va = _ones(lw, a) if a.kind is Kind.ONES else va
        vb = _ones(lw, b) if b.kind is Kind.ONES else vb
        return lw.op("outer", va, vb)
    if a.kind is Kind.ONES and b.kind is Kind.ONES:  # 1'*1
        assert a.cols is not None
        return lw.size(a.cols)
    if a.kind is Kind.ONES:  # 1'*M sums the columns of M
        return lw.op("sum" if b.cols is None else "sum_rows", vb)
    if b.kind is Kind.ONES:
        return lw.op("sum" if a.rows is None else "sum_cols", va)
    return lw.op("matmul", va, vb)


def _pair_diag(lw: Lowerer, a: Elem, b: Elem, va: ast.expr, vb: ast.expr) -> ast.expr:
    """diag(v) with a diagonal matrix, an array or a vector of ones."""
    if a.kind is Kind.DIAG and b.kind is Kind.DIAG:
        return lw.op("diag", sx.mul(va, vb))
    if a.kind is Kind.DIAG:
        if b.kind is Kind.ONES:
            return va
        return sx.mul(va, vb) if b.cols is None else sx.mul(lw.op("column", va), vb)
    if a.kind is Kind.ONES:
        return vb
    return sx.mul(va, vb)  # X * v scales the columns; a row vector times diag(v) is x .* v


def _pair_inverse(lw: Lowerer, a: Elem, b: Elem, va: ast.expr, vb: ast.expr) -> ast.expr:
    """inv(X) times something: a solve with X, or with X' from the right."""
    if a.kind is Kind.INV and b.kind is Kind.INV:
        return lw.op("solve", va, lw.op("inv", vb))
    if a.kind is Kind.INV:
        if b.kind is Kind.DIAG:
            return sx.mul(lw.op("inv", va), vb)
        rhs = _ones(lw, b) if b.kind is Kind.ONES else vb
        return lw.op("solve", va, rhs)
    if a.kind is Kind.DIAG:
        return sx.mul(lw.op("column", va), lw.op("inv", vb))
    # M * inv(X) = (inv(X') * M')'; a row vector is its own transpose
    x_t = lw.ref(build.transpose(b.arg))
    if a.rows is None:
        return lw.op("solve", x_t, _ones(lw, a) if a.kind is Kind.ONES else va)
    return lw.op("transpose", lw.op("solve", x_t, lw.ref(build.transpose(a.factor))))


# ---- multiplying out a sum factor -------------------------------------------------------------------


def _expand_term(t: Expr) -> list[Expr]:
    """The factors a term of a sum contributes to a product (scalars aside)."""
    if isinstance(t, Scale):
        return _expand_term(t.body)
    if isinstance(t, MatMul):
        return list(t.factors)
    if isinstance(t, Identity):
        return []
    return [t]


def _materialize_cost(lw: Lowerer, t: Expr) -> float:
    """What computing a term of a sum as an array costs beyond its operands."""
    if isinstance(t, Scale):
        return _size(lw, t) + _materialize_cost(lw, t.body)
    if isinstance(t, MatMul):
        return _chain_cost(lw, t.factors)
    if isinstance(t, DiagMatrix | Identity):
        return _size(lw, t)
    return 0.0


def _distribute(lw: Lowerer, factors: Sequence[Expr]) -> Expr | None:
    """The product with one sum factor multiplied out, if that is cheaper; else None."""
    result = fold(factors)
    keep = _chain_cost(lw, factors)
    best: tuple[float, int] | None = None
    for i, f in enumerate(factors):
        if not isinstance(f, Add) or not lw.private(f):
            continue
        chains = [[*factors[:i], *_expand_term(t), *factors[i + 1 :]] for t in f.terms]
        split = sum(_chain_cost(lw, c) for c in chains if c) + (len(chains) - 1) * _size(lw, result)
        whole = keep + sum(_materialize_cost(lw, t) for t in f.terms) + (len(chains) - 1) * _size(lw, f)
        if split < whole and (best is None or whole - split > best[0]):
            best = (whole - split, i)
    if best is None:
        return None
    i = best[1]
    add = factors[i]
    assert isinstance(add, Add)
    terms = [fold([*factors[:i], t, *factors[i + 1 :]]) for t in add.terms]
    return functools.reduce(build.add, terms)
