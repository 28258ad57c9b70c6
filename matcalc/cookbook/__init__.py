"""The identity corpus: derivatives with known answers, as data.

Each `Recipe` is one derivative from the Matrix Cookbook (Petersen & Pedersen,
edition of 2012-11-15, chapter 2) or from machine learning, stated in the
input language: the expression, the kinds of its symbols, the variables to
differentiate by (one for a gradient or Jacobian, two for a Hessian or mixed
derivative, three for a third derivative) and, where the textbook gives one,
its closed form.  The test suite checks every recipe against finite
differences; the benchmark and the documentation gallery reuse the same list.

>>> import matcalc as mc
>>> from matcalc.cookbook import IDENTITIES
>>> r = next(r for r in IDENTITIES if r.name == "tr_AXB")
>>> r.source, r.expected
('Matrix Cookbook eq. (101)', "A'*B'")
>>> str(mc.diff(mc.parse(r.expr, r.kinds), *r.wrt))
"A'*B'"

Equation numbers follow the 2012-11-15 edition.  Numbers (33)-(46), (61)-(64),
(69)-(72), (77)-(83) and (99)-(127) agree with independent citations of that
edition; the others were counted in its text between those; where a number
could not be pinned down (§2.4.4), the source names the section instead.  Conventions are matcalc's:
a derivative has the layout ``f.shape + wrt.shape``, the derivative by a symmetric variable
is the gradient on symmetric matrices ``(G+G')/2`` of the entrywise ``G``
(docs/conventions.md), ``logdet(X)`` is ``log|det X|``, and functions
such as ``sin`` act elementwise (so the Cookbook's matrix-function identity
(128) is not in the corpus).
"""

from __future__ import annotations

from matcalc.cookbook.higher_order import HESSIAN, JACOBIAN, KRON, THIRD
from matcalc.cookbook.matrix_cookbook import DETERMINANT, FORMS, INVERSE, NORM, RULES, TRACE
from matcalc.cookbook.models import APPLIED, ML
from matcalc.cookbook.recipe import TOPICS, Recipe

__all__ = ["IDENTITIES", "TOPICS", "Recipe", "by_name"]

#: Every tested identity, grouped by topic.
IDENTITIES: tuple[Recipe, ...] = (
    RULES + DETERMINANT + INVERSE + FORMS + TRACE + NORM + ML + HESSIAN + THIRD + JACOBIAN + KRON + APPLIED
)
_BY_NAME = {r.name: r for r in IDENTITIES}
if len(_BY_NAME) != len(IDENTITIES):  # pragma: no cover - a mistake in the table above
    raise RuntimeError("identity names must be unique")


def by_name(name: str) -> Recipe:
    """The recipe called ``name``."""
    return _BY_NAME[name]
