"""Traces, diagonals and entry sums of matrix products, without forming the product.

``tr(A*B)`` is ``sum_ij A_ij B_ji`` (with the cheapest cyclic rotation and
split, by the cost model of `matcalc.codegen.products`), ``diag(A*B)`` is
``sum_j A_ij B_ji``, ``sum(A*B)`` is ``1'*A*B*1``, a chain that is never a
matrix.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from matcalc import build
from matcalc.codegen import syntax as sx
from matcalc.codegen.products import Elem, Kind, classify, expand_ones, fold, plan, side, sides, sizer
from matcalc.expr import Expr, MatMul, Transpose

if TYPE_CHECKING:
    from matcalc.codegen.emit import Lowerer

__all__ = ["diag_of_product", "sum_of_product", "trace_of_product"]


def trace_of_product(lw: Lowerer, factors: Sequence[Expr]) -> ast.expr:
    """``tr(F0*F1*...)`` without forming the product: the cheapest rotation and split."""
    factors = expand_ones(factors)
    n = len(factors)
    size = sizer(lw)
    best: tuple[float, list[Expr], int] | None = None
    for r in range(n):
        rot = [*factors[r:], *factors[:r]]
        elems = [classify(lw, f) for f in rot]
        table = plan(lw, rot, elems, whole=r > 0)
        options: list[tuple[float, int]] = []
        if elems[0].rows is None and elems[-1].cols is None:  # row * ... * column: a scalar chain
            options.append((table[0][-1].cost, 0))
        for k in range(1, n):
            left, right = table[0][k - 1], table[k][-1]
            join = size(left.rows) * (1 if Kind.DIAG in (left.kind, right.kind) else size(left.cols))
            options.append((left.cost + right.cost + join, k))
        for cost, k in options:
            if best is None or cost < best[0]:
                best = (cost, rot, k)
    assert best is not None
    _, rot, k = best
    if k == 0:
        return lw.ref(fold(rot))
    elems = [classify(lw, f) for f in rot]
    return _trace_join(lw, side(lw, rot[:k], elems[:k]), side(lw, rot[k:], elems[k:]))


def _trace_join(lw: Lowerer, a: Elem, b: Elem) -> ast.expr:
    """``tr(a*b)`` of two computed parts."""
    if a.kind is Kind.DIAG and b.kind is Kind.DIAG:
        return lw.op("sum", sx.mul(lw.ref(a.arg), lw.ref(b.arg)))
    if a.kind is Kind.DIAG:
        return lw.op("matmul", lw.ref(a.arg), lw.ref(build.diag(b.factor)))
    if b.kind is Kind.DIAG:
        return lw.op("matmul", lw.ref(build.diag(a.factor)), lw.ref(b.arg))
    if a.cols is None:  # column * row: tr(a*b') = b'*a
        return lw.ref(build.matmul(b.factor, a.factor))
    if a.rows is None:  # row * column: already a scalar
        return lw.ref(build.matmul(a.factor, b.factor))
    return _transposed_pair(lw, a.factor, b.factor, "trace_of_product", "dot_all")


def _transposed_pair(lw: Lowerer, a: Expr, b: Expr, plain: str, transposed: str) -> ast.expr:
    """``plain(a, b)`` = sum_j a_ij b_ji, or ``transposed(.., ..)`` = sum_j a_ij c_ij where b or a is c'."""
    if isinstance(b, Transpose):
        return lw.op(transposed, lw.ref(a), lw.ref(b.body))
    if isinstance(a, Transpose) and plain == "trace_of_product":  # tr(c'*b) = sum(c .* b)
        return lw.op(transposed, lw.ref(a.body), lw.ref(b))
    return lw.op(plain, lw.ref(a), lw.ref(b))


def diag_of_product(lw: Lowerer, factors: Sequence[Expr]) -> ast.expr:
    """``diag(F0*F1*...)`` without forming the product: row i of the left part times column i of the right."""
    factors = expand_ones(factors)
    elems = [classify(lw, f) for f in factors]
    table = plan(lw, factors, elems)
    n, size = len(factors), sizer(lw)
    costs = [(table[0][k - 1].cost + table[k][-1].cost + size(table[0][k - 1].cols), k) for k in range(1, n)]
    k = min(costs, key=lambda c: c[0])[1]
    a, b = side(lw, factors[:k], elems[:k]), side(lw, factors[k:], elems[k:])
    ref: Callable[[Expr], ast.expr] = lw.ref
    if a.kind is Kind.DIAG and b.kind is Kind.DIAG:
        return sx.mul(ref(a.arg), ref(b.arg))
    if a.kind is Kind.DIAG:
        return sx.mul(ref(a.arg), ref(build.diag(b.factor)))
    if b.kind is Kind.DIAG:
        return sx.mul(ref(build.diag(a.factor)), ref(b.arg))
    if a.cols is None:  # diag(a*b') = a .* b
        return sx.mul(ref(a.factor), ref(b.factor))
    return _transposed_pair(lw, a.factor, b.factor, "diag_of_product", "diag_of_product_t")


def sum_of_product(lw: Lowerer, e: MatMul) -> ast.expr:
    """``sum(F0*F1*...)`` = ``1'*F0*F1*...*1``, a chain that is never a matrix."""
    factors: list[Expr] = list(e.factors)
    rows, cols = sides(e)
    if rows is not None:
        factors.insert(0, build.ones((rows,), row=True))
    if cols is not None:
        factors.append(build.ones((cols,)))
    return lw.ref(fold(factors))
