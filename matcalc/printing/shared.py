"""Which subexpressions the printers name: those used more than once and big enough to matter.

Printing a DAG as a tree repeats every shared subexpression at each use, so
nesting makes the text exponential (``sum(softmax(softmax(...(x))))``: its
gradient's tree doubles with each level).  Naming a shared subexpression
once and writing its name at each use keeps the text linear in the DAG.

A subexpression is named when it is used more than once and weighs at least
``min_weight`` nodes (transposes and numbers not counted, a named
subexpression inside it counting as one).  So every subexpression written out
at more than one place weighs less than ``min_weight``, and the printed size
is at most about ``min_weight`` times the number of edges of the DAG.
"""

from __future__ import annotations

from collections import Counter

from matcalc import axes, build
from matcalc.expr import ElemDiv, Expr, IndexForm, MatMul, Number, Ones, SumEntries, Transpose, children, walk

__all__ = ["ALL_WEIGHT", "AUTO_WEIGHT", "mean_of", "shared", "uses"]

#: The default: name what is shared and weighs at least this many nodes (textbook results rarely do).
AUTO_WEIGHT = 16

#: ``where=True``: name every shared subexpression of at least this many nodes.
ALL_WEIGHT = 3


def uses(e: Expr) -> list[Expr]:
    """The children of ``e``, once per use (an index form's bases once per factor)."""
    if isinstance(e, IndexForm):
        return [f.base for t in e.tensor.terms for f in t.factors]
    return list(children(e))


def shared(e: Expr, min_weight: int) -> list[Expr]:
    """The subexpressions of ``e`` to name, children before parents (``e`` itself never)."""
    nodes = list(walk(e))
    count: Counter[Expr] = Counter()
    for n in nodes:
        count.update(uses(n))
    weight: dict[Expr, int] = {}
    found: dict[Expr, None] = {}  # an ordered set
    for n in nodes:  # children before parents
        own = 0 if isinstance(n, Transpose | Number) else 1
        weight[n] = own + sum(1 if k in found else weight[k] for k in uses(n))
        if n is not e and count[n] > 1 and weight[n] >= min_weight:
            found[n] = None
    return list(found)


def mean_of(e: Expr) -> tuple[Expr, int] | None:
    """``(u, axis)`` when ``e`` is the very node that ``mean(u)`` (axis 0) or ``mean(u, axis)`` builds.

    The parser reads ``mean(x)`` as ``sum(x)/size(x, 1)``; the printers fold it back
    (``x-mean(x)``, not ``x-sum(x)/size(x, 1)``), and the text still parses back to ``e``.
    """
    if not isinstance(e, ElemDiv):
        return None
    num = e.num
    if isinstance(num, SumEntries) and axes.mean(num.body) is e:
        return num.body, 0
    if isinstance(num, MatMul) and len(num.factors) >= 2:
        first, last = num.factors[0], num.factors[-1]
        if isinstance(first, Ones) and first.row:
            rest, axis = num.factors[1:], 1
        elif isinstance(last, Ones) and not last.row:
            rest, axis = num.factors[:-1], 2
        else:
            return None
        body = build.fold(build.matmul, list(rest))
        if body.ndim == 2 and axes.mean(body, axis) is e:
            return body, axis
    return None
