"""The smart constructor of the gamma-function family: ``lgamma``, ``digamma``, ``polygamma(k, u)``.

One node, `Polygamma` (order -1 is log Γ, order k ≥ 0 the polygamma function
ψ⁽ᵏ⁾), and one record, `matcalc.ops.gamma.POLYGAMMA` (names, values, LaTeX,
code, SymPy form, ranges of each order), rather than a record per function:
each derivative raises the order by one (d/du log Γ(u) = ψ(u), d/du ψ⁽ᵏ⁾(u) =
ψ⁽ᵏ⁺¹⁾(u); Abramowitz & Stegun 6.3.1, 6.4.1), so derivatives of every order
exist without a record for each.
"""

from __future__ import annotations

from matcalc import build
from matcalc.errors import ShapeError
from matcalc.expr import Expr, Number, Polygamma
from matcalc.ops.gamma import POLYGAMMA

__all__ = ["order_number", "polygamma"]


def polygamma(order: int, x: Expr) -> Expr:
    """ψ⁽ᵏ⁾ of ``x`` entry by entry, for ``order`` k ≥ -1 (-1: log Γ, 0: digamma)."""
    if isinstance(order, bool) or not isinstance(order, int) or order < POLYGAMMA.lowest:
        raise ShapeError(f"{POLYGAMMA.name}(k, u): the order k is a whole number from 0, got {order!r}")
    if x.ndim > 2:
        what = f"{POLYGAMMA.spelled(order)} of {build.describe(x)}"
        raise ShapeError(f"{what}: only scalars, vectors and matrices")
    return Polygamma(order, x, shape=x.shape, row=x.row)


def order_number(k: Expr) -> int:
    """The order of ``polygamma(k, u)`` from the number node ``k``."""
    value = k.value if isinstance(k, Number) else None
    if isinstance(value, int | float) and float(value).is_integer() and value >= 0:
        return int(value)
    raise ShapeError(f"{POLYGAMMA.name}(k, u): the order k is a whole number from 0, got {k}")
