"""Properties of `mc.simplify`: a fixed point on random expressions and on every corpus result.

``simplify(simplify(e)) is simplify(e)``: the driver takes every node, also
those rules and smart constructors build, to where no rule applies.  The
number of random expressions is the Hypothesis profile's (``thorough``: 20,000;
see tests/conftest.py and docs/testing.md).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import expressions

import matcalc as mc
from matcalc.cookbook import IDENTITIES, Recipe
from matcalc.expr import Expr


def _fixed_point(e: Expr) -> None:
    s = mc.simplify(e)
    again = mc.simplify(s)
    assert again is s, f"{e}\n  simplifies to {s}\n  and then to {again}"


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_idempotent_on_random_expressions(e: Expr) -> None:
    _fixed_point(e)


@pytest.mark.parametrize("r", IDENTITIES, ids=lambda r: r.name)
def test_idempotent_on_the_corpus(r: Recipe) -> None:
    f = mc.parse(r.expr, r.kinds)
    _fixed_point(f)
    g = mc.diff(f, *r.wrt)
    assert mc.simplify(g) is g, f"d {r.expr}: {g} simplifies further to {mc.simplify(g)}"
