"""The gamma-function family: ``lgamma``, ``digamma``, ``trigamma``, ``polygamma(k, u)``.

One node, `Polygamma` (order -1 is log Γ, order k ≥ 0 the polygamma function
ψ⁽ᵏ⁾), rather than a registry record per function: each derivative raises the
order by one (d/du log Γ(u) = ψ(u), d/du ψ⁽ᵏ⁾(u) = ψ⁽ᵏ⁺¹⁾(u); Abramowitz &
Stegun 6.3.1, 6.4.1), so derivatives of every order exist without a record for
each.  Evaluation and generated code use SciPy's ``gammaln``, ``psi`` and
``polygamma`` (log |Γ| for a negative argument, as SciPy defines it).
"""

from __future__ import annotations

from matcalc import build
from matcalc.errors import ShapeError
from matcalc.expr import Expr, Number, Polygamma

__all__ = ["NAMES", "order_number", "polygamma", "spelled"]

#: The names of the orders that have one: ``lgamma(u)``, ``digamma(u)``, ``trigamma(u)``.
NAMES = {-1: "lgamma", 0: "digamma", 1: "trigamma"}


def polygamma(order: int, x: Expr) -> Expr:
    """ψ⁽ᵏ⁾ of ``x`` entry by entry, for ``order`` k ≥ -1 (-1: log Γ, 0: digamma)."""
    if isinstance(order, bool) or not isinstance(order, int) or order < -1:
        raise ShapeError(f"polygamma(k, u): the order k is a whole number from 0, got {order!r}")
    if x.ndim > 2:
        raise ShapeError(f"{spelled(order)} of {build.describe(x)}: only scalars, vectors and matrices")
    return Polygamma(order, x, shape=x.shape, row=x.row)


def order_number(k: Expr) -> int:
    """The order of ``polygamma(k, u)`` from the number node ``k``."""
    value = k.value if isinstance(k, Number) else None
    if isinstance(value, int | float) and float(value).is_integer() and value >= 0:
        return int(value)
    raise ShapeError(f"polygamma(k, u): the order k is a whole number from 0, got {k}")


def spelled(order: int) -> str:
    """How the function of ``order`` is called: ``lgamma``, ``digamma``, ... or ``polygamma(k, ...)``."""
    return NAMES.get(order, f"polygamma({order}, ...)")
