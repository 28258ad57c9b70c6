"""Properties of `mc.simplify`: a fixed point, and independent of the order of terms and factors.

``simplify(simplify(e)) is simplify(e)``: the driver takes every node, also
those rules and smart constructors build, to where no rule applies; checked on
random expressions and on every input and result of the identity corpus.
Confluence (as tensorgrad's ``test_confluence.py``): an expression rebuilt with
the terms of every sum and the factors of every Hadamard and scalar product
shuffled simplifies to the same node.  The number of random expressions is
the Hypothesis profile's (``thorough``: 20,000; see tests/conftest.py and
docs/testing.md).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import expressions

import matcalc as mc
from matcalc import build
from matcalc.cookbook import IDENTITIES, Recipe
from matcalc.expr import Add, Expr, Hadamard, Scale


def _fixed_point(e: Expr) -> None:
    s = mc.simplify(e)
    again = mc.simplify(s)
    assert again is s, f"{e}\n  simplifies to {s}\n  and then to {again}"


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_idempotent_on_random_expressions(e: Expr) -> None:
    _fixed_point(e)


def test_terms_alike_but_for_a_scalar_factor_have_one_order() -> None:
    # found by the thorough run: both terms have the body exp(2*a)
    one, two = mc.parse("a*exp(2*a)+exp(2*a)"), mc.parse("exp(2*a)+a*exp(2*a)")
    assert mc.simplify(one) is mc.simplify(two)


@pytest.mark.parametrize("r", IDENTITIES, ids=lambda r: r.name)
def test_idempotent_on_the_corpus(r: Recipe) -> None:
    f = mc.parse(r.expr, r.kinds)
    _fixed_point(f)
    g = mc.diff(f, *r.wrt)
    assert mc.simplify(g) is g, f"d {r.expr}: {g} simplifies further to {mc.simplify(g)}"


def shuffled(e: Expr, rnd: random.Random) -> Expr:
    """``e`` rebuilt with the terms of every sum and the factors of every commutative product shuffled."""
    memo: dict[Expr, Expr] = {}

    def go(x: Expr) -> Expr:
        done = memo.get(x)
        if done is None:
            done = memo[x] = _shuffled_node(x, go, rnd)
        return done

    return go(e)


def _shuffled_node(x: Expr, go: Callable[[Expr], Expr], rnd: random.Random) -> Expr:
    if isinstance(x, (Add, Hadamard)):
        parts = [go(p) for p in (x.terms if isinstance(x, Add) else x.factors)]
        rnd.shuffle(parts)
        return functools.reduce(build.add if isinstance(x, Add) else build.hadamard, parts)
    if isinstance(x, Scale) and x.is_scalar:
        parts = [go(p) for p in _scalar_factors(x)]
        rnd.shuffle(parts)
        return functools.reduce(build.mul, parts)
    return build.remake(x, go)


def _scalar_factors(s: Expr) -> list[Expr]:
    if isinstance(s, Scale) and s.is_scalar:
        return _scalar_factors(s.coef) + _scalar_factors(s.body)
    return [s]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.randoms(use_true_random=False))
def test_confluent_under_shuffled_terms_and_factors(e: Expr, rnd: random.Random) -> None:
    other = shuffled(e, rnd)
    one, two = mc.simplify(e), mc.simplify(other)
    assert one is two, f"{e}\n  and {other}\n  simplify to\n  {one}\n  {two}"


def test_relu_absorbs_its_argument_in_any_grouping() -> None:
    # found by the confluence property in CI: a*a*step(a) became relu(a)^2 but a*step(a)*a became
    # a*relu(a) (step_factors saw only a*step(a)); u^j relu(u)^k = relu(u)^(j+k), both 0 where u <= 0
    kinds = {"a": "scalar", "x": "vector"}
    for texts in (["a*a*step(a)", "a*step(a)*a", "step(a)*a*a", "a*relu(a)", "relu(a)^2"],
                  ["x.*x.*step(x)", "x.*step(x).*x", "x.*relu(x)"]):
        forms = {mc.simplify(mc.parse(t, kinds)) for t in texts}
        assert len(forms) == 1, forms
