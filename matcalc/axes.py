"""Reductions along an axis and row- or column-wise functions: smart constructors.

One spelling, MATLAB's: an axis argument ``1`` works down each column (one
result per column), ``2`` along each row (one result per row); without it a
function takes the whole vector, or all entries of a matrix.

- ``sum(X, 1)`` is ``vector(1)'*X`` (a row vector) and ``sum(X, 2)`` is
  ``X*vector(1)`` (a column vector): no node of their own, so every rule of
  products applies to them.
- ``mean`` is a sum divided by `Size` (``size(X, k)``, a count of rows or
  columns), so it needs no node either, and its derivatives are the sum's
  scaled.
- ``max(X, [], k)`` and ``min(X, [], k)`` (MATLAB's spelling: ``max(X, 2)`` is
  the entry-by-entry maximum of X and 2) are the node `Extremum` with an axis,
  and their tie indicators ``ismax(X, k)``, ``ismin(X, k)`` the node `Attained`.
- ``softmax(X, k)`` and ``logsumexp(X, k)`` are nodes (`Softmax`, `LogSumExp`):
  they evaluate without overflow, and their derivatives have closed forms
  (``diag(s) - s s'`` per row or column; the gradient of ``logsumexp`` is the
  softmax).
"""

from __future__ import annotations

from matcalc import build
from matcalc.build import softmax
from matcalc.errors import ShapeError
from matcalc.expr import AXES, Attained, Expr, Extremum, LogSumExp, Number, Size

__all__ = [
    "attained", "axis_number", "extremum", "logsumexp", "maximum", "mean", "minimum", "size", "softmax",
    "sum_axis",
]  # fmt: skip


def axis_number(name: str, axis: Expr | int, call: str = "") -> int:
    """The axis ``1`` or ``2`` of ``name(X, axis)`` (written as ``call``), from a number node or an int."""
    value = axis.value if isinstance(axis, Number) else axis
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in (1, 2):
        shown = str(axis) if isinstance(axis, Expr) else repr(axis)
        written = call or f"{name}(X, k)"
        raise ShapeError(f"{written}: the axis k is 1 (down each column) or 2 (along each row), got {shown}")
    return int(value)


def _matrix(name: str, x: Expr, axis: int, call: str = "") -> None:
    if not x.is_matrix:
        raise ShapeError(
            f"{call or f'{name}(X, {axis})'} works on {AXES[axis]} of a matrix, got {build.describe(x)}; "
            f"{name}(x) of a vector needs no axis"
        )


def logsumexp(x: Expr, axis: int = 0) -> Expr:
    """``log(sum(exp(x)))`` of all entries, or of each column (k=1, a row) or row (k=2, a column)."""
    if axis == 0:
        if x.is_scalar:
            return x
        if x.ndim > 2:
            raise ShapeError(f"logsumexp of {build.describe(x)}: only vectors and matrices")
        return LogSumExp(x, 0, shape=())
    _matrix("logsumexp", x, axis)
    if axis == 1:
        return LogSumExp(x, 1, shape=x.shape[1:], row=True)
    return LogSumExp(x, 2, shape=x.shape[:1])


def size(x: Expr, axis: int) -> Expr:
    """``size(X, 1)`` rows, ``size(X, 2)`` columns; ``size(x, 1)`` the length of a vector."""
    if x.is_scalar or x.ndim > 2 or axis > x.ndim:
        raise ShapeError(f"size(X, {axis}): {build.describe(x)} has no axis {axis}")
    return Size(x, axis, shape=())


def sum_axis(x: Expr, axis: int) -> Expr:
    """``sum(X, 1)`` = ``vector(1)'*X`` (column sums, a row); ``sum(X, 2)`` = ``X*vector(1)`` (row sums)."""
    _matrix("sum", x, axis)
    if axis == 1:
        return build.matmul(build.ones(x.shape[:1], row=True), x)
    return build.matmul(x, build.ones(x.shape[1:]))


def mean(x: Expr, axis: int = 0) -> Expr:
    """The mean of all entries, or ``mean(X, k)`` of each column (k=1) or row (k=2)."""
    if axis:
        return build.div(sum_axis(x, axis), size(x, axis))
    if x.is_scalar:
        return x
    count = size(x, 1) if x.is_vector else build.mul(size(x, 1), size(x, 2))
    return build.div(build.sum_entries(x), count)


def extremum(kind: str, x: Expr, axis: int = 0) -> Expr:
    """``max(x)`` / ``min(x)`` (``kind``): the largest / smallest entry of a vector or matrix.

    With an axis, ``max(X, [], 1)`` the largest entry of each column (a row vector)
    and ``max(X, [], 2)`` of each row (a column vector), as MATLAB writes them.
    """
    if axis == 0:
        if x.is_scalar:
            return x
        if x.ndim > 2:
            raise ShapeError(f"{kind} of {build.describe(x)}: only vectors and matrices")
        return Extremum(x, kind, 0, shape=())
    _matrix(kind, x, axis, f"{kind}(X, [], {axis})")
    if axis == 1:
        return Extremum(x, kind, 1, shape=x.shape[1:], row=True)
    return Extremum(x, kind, 2, shape=x.shape[:1])


def maximum(a: Expr, b: Expr) -> Expr:
    """``max(a, b)`` entry by entry (a scalar broadcasts): ``b + relu(a - b)``, ``relu(a)`` for b = 0.

    The subgradient at a tie is that of ``relu`` at 0: the derivative goes to ``b``.
    """
    return pairwise("max", a, b)


def minimum(a: Expr, b: Expr) -> Expr:
    """``min(a, b)`` entry by entry (a scalar broadcasts): ``a - relu(a - b)``, ``-relu(-a)`` for b = 0.

    The subgradient at a tie is that of ``relu`` at 0: the derivative goes to ``a``.
    """
    return pairwise("min", a, b)


def pairwise(kind: str, a: Expr, b: Expr) -> Expr:
    """``max(a, b)`` or ``min(a, b)`` (``kind``) entry by entry, through ``relu``.

    ``max(a, b) = b + relu(a - b)`` and ``min(a, b) = a - relu(a - b)``; against
    zero (either side) ``max(a, 0) = relu(a)`` and ``min(a, 0) = -relu(-a)``.
    """
    _same_shape(kind, a, b)
    if _is_zero(a):
        a, b = b, a  # both are commutative
    up = kind == "max"
    if _is_zero(b):
        return build.apply("relu", a) if up else build.neg(build.apply("relu", build.neg(a)))
    gap = build.apply("relu", build.sub(a, b))
    return build.add(b, gap) if up else build.sub(a, gap)


def attained(kind: str, x: Expr, axis: int = 0, shared: bool = False) -> Expr:
    """``ismax(x)`` / ``ismin(x)`` (``kind``): 1 at the entries equal to ``max(x)`` (``min(x)``), else 0.

    The tie indicator of ``max``/``min``: a node of its own (`Attained`), whose
    value compares ``x`` with the extremum of the same array, so that no rewrite
    of ``x`` can leave the maximum untied.  Of a scalar it is 1.  With an axis,
    ``ismax(X, k)`` compares each entry with the extremum of its column (k=1)
    or row (k=2): the tie indicator of ``max(X, [], k)``.  With ``shared`` it is
    ``argmax(x)`` (``argmin``): the indicator divided by the number of ties, so
    that it sums to 1 (each column or row does).
    """
    name = f"{'arg' if shared else 'is'}{kind}"
    if kind not in ("max", "min"):
        raise ShapeError(f"{name}: the kind is 'max' or 'min'")
    if axis:
        _matrix(name, x, axis)
        return Attained(x, kind, axis, shared, shape=x.shape)
    if x.is_scalar:
        return build.number(1)
    if x.ndim > 2:
        raise ShapeError(f"{name} of {build.describe(x)}: only vectors and matrices")
    return Attained(x, kind, 0, shared, shape=x.shape, row=x.row)


def _same_shape(name: str, a: Expr, b: Expr) -> None:
    if a.ndim and b.ndim and (a.ndim != b.ndim or a.row != b.row):
        raise ShapeError(
            f"{name}(a, b) entry by entry needs operands of one shape (or a scalar), "
            f"got {build.describe(a)} and {build.describe(b)}"
        )


def _is_zero(e: Expr) -> bool:
    return isinstance(e, Number) and e.value == 0
