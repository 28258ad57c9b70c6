"""Regression tests for issue 12: bad arguments to the public API raise MatcalcError, never a foreign one.

Also the work budget of `matcalc.limits`: operations whose output explodes stop
with `LimitError` instead of running for minutes.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import matcalc as mc
from matcalc.limits import DEFAULT_WORK

XAX = "x'*A*x"


def _raises_matcalc(fn: Any, match: str) -> None:
    with pytest.raises(mc.MatcalcError, match=match):
        fn()


# ---- arguments ---------------------------------------------------------------------------


def test_kinds_given_as_a_list() -> None:
    _raises_matcalc(lambda: mc.parse("x", {"x": ["vector"]}), "must be a string")


def test_latex_of_text() -> None:
    _raises_matcalc(lambda: mc.latex("x'*x"), "parse text first")  # type: ignore[arg-type]


def test_latex_vec_of_a_number() -> None:
    _raises_matcalc(lambda: mc.latex(mc.parse(XAX), form="vec", wrt=3), "symbol or its name")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rtol": "a"}, "rtol"),
        ({"rtol": -1}, "rtol"),
        ({"rtol": float("nan")}, "rtol"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"trials": 10**9}, "at most"),
    ],
)
def test_check_arguments(kwargs: dict[str, Any], match: str) -> None:
    _raises_matcalc(lambda: mc.check(mc.parse(XAX), "x", "(A+A')*x", **kwargs), match)


@pytest.mark.parametrize("wrt", [None, [None], [3], []])
def test_check_variables(wrt: Any) -> None:
    _raises_matcalc(lambda: mc.check(mc.parse(XAX), wrt, "(A+A')*x"), "differentiate|variable")


def test_right_claim_is_not_refuted_by_a_negative_tolerance() -> None:
    _raises_matcalc(lambda: mc.check(mc.parse(XAX), "x", "(A+A')*x", rtol=-1), "positive")


def test_unknown_backend() -> None:
    _raises_matcalc(lambda: mc.lambdify(mc.parse(XAX), backend="foo"), "unknown backend 'foo'")


@pytest.mark.parametrize(
    "sizes", ["bad", {"x": "a"}, {"x": (10**400,)}, {"x": (-1,)}, {"x": (1.5,)}, {"x": (True,)}, {3: (2,)}]
)
def test_bad_size_hints(sizes: Any) -> None:
    _raises_matcalc(lambda: mc.numpy_code(mc.parse(XAX), sizes=sizes), "sizes")


def test_huge_integer_value() -> None:
    _raises_matcalc(lambda: mc.evaluate(mc.parse("a*b"), {"a": 10**400, "b": 1}), "too large")
    _raises_matcalc(lambda: mc.evaluate(mc.parse("x"), {"x": [1, 10**400]}), "too large")


def test_scaling_by_a_huge_fraction() -> None:
    _raises_matcalc(lambda: mc.parse("x") * Fraction(10**400, 3), "too large for floating point")


def test_reserved_symbol_names() -> None:
    for name in ("exp", "tr", "eye", "grad", "_x"):
        _raises_matcalc(lambda name=name: mc.vector(name), "cannot be a symbol name|matcalc.s own")


def test_numpy_array_times_expression_is_refused_not_an_object_array() -> None:
    _raises_matcalc(lambda: np.ones(3) * mc.vector("x"), "not a real number")


# ---- user callables ----------------------------------------------------------------------

F = mc.parse("F(x)", {"F": "scalar function"})


def test_callable_that_raises() -> None:
    _raises_matcalc(lambda: mc.evaluate(F, {"x": [1.0, 2.0], "F": lambda u: 1 / 0}), "ZeroDivisionError")


def test_callable_that_returns_none() -> None:
    _raises_matcalc(lambda: mc.evaluate(F, {"x": [1.0, 2.0], "F": lambda u: None}), "returned None")


def test_jacobian_callable_of_the_wrong_shape() -> None:
    g = mc.parse("jac(G)(x)", {"G": "vector function"})
    values = {"x": [1.0, 2.0], "G": (lambda u: u, lambda u: np.eye(3))}
    _raises_matcalc(lambda: mc.evaluate(g, values), "returned shape")


# ---- the work budget --------------------------------------------------------------------


def _nest(f: str, n: int, arg: str) -> str:
    return f"{f}(" * n + arg + ")" * n


#: Outputs that explode with the depth of the input: each stops at the work budget (docs/robustness.md
#: times them in benchmarks/hostile.py: about a second of CPU at the default budget).
EXPLODING = {
    "jacobian-code-of-softmax-12-deep": lambda: mc.numpy_code(
        mc.diff(mc.parse(_nest("softmax", 12, "x")), "x")
    ),
    "4th-derivative-of-exp-30-deep": lambda: mc.diff(mc.parse(_nest("exp", 30, "a")), "a", "a", "a", "a"),
    # Hessians of softmax nested 5 deep: big raised products, read pair by pair, and sums of many terms,
    # which cost no more than a node each until issue 12 (7 s of CPU before the budget stopped them)
    "hessian-of-softmax-5-deep": lambda: mc.diff(mc.parse("w'*" + _nest("softmax", 5, "x")), "x", "x"),
    "hessian-of-column-softmax-5-deep": lambda: mc.diff(
        mc.parse("sum(" + "softmax(" * 5 + "X" + ",1)" * 5 + ".*A)"), "X", "X"
    ),
}


@pytest.mark.parametrize("run", EXPLODING.values(), ids=EXPLODING.keys())
def test_exploding_outputs_stop_at_the_work_limit(run: Any) -> None:
    # A fifth of the default budget keeps CI quick
    with mc.limits(work=DEFAULT_WORK // 5), pytest.raises(mc.LimitError, match="units of work"):
        run()


@pytest.mark.parametrize("run", EXPLODING.values(), ids=EXPLODING.keys())
def test_exploding_outputs_stop_at_the_default_budget(run: Any) -> None:
    with pytest.raises(mc.LimitError, match=f"more than {DEFAULT_WORK:,} units of work"):
        run()


def test_a_node_costs_a_unit_per_operand() -> None:
    # building (or finding) a node reads every operand: a sum of n terms costs a unit per 4 terms on
    # top of its n symbols, so that an output of huge sums stops as soon as one of many small nodes
    text = "+".join(f"a{i}" for i in range(8_000))
    with mc.limits(work=9_500), pytest.raises(mc.LimitError, match="9,500 units"):
        mc.parse(text)  # 8,000 symbols and one node: enough before issue 12
    with mc.limits(work=11_000):
        assert len(mc.parse(text).symbols) == 8_000


def test_the_work_limit_can_be_lowered_and_raised() -> None:
    f = mc.parse(_nest("exp", 6, "a"))
    with mc.limits(work=100), pytest.raises(mc.LimitError, match="100 units"):
        mc.diff(f, "a", "a")
    with mc.limits(work=10 * DEFAULT_WORK):
        assert mc.diff(f, "a", "a").is_scalar


def test_time_limit() -> None:
    with mc.limits(seconds=0.01), pytest.raises(mc.LimitError, match=r"within 0\.01 seconds"):
        mc.diff(mc.parse(_nest("exp", 12, "a")), "a", "a", "a")


@pytest.mark.parametrize("kwargs", [{"work": 0}, {"work": 1.5}, {"seconds": -1}, {"seconds": "1"}])
def test_bad_limits(kwargs: dict[str, Any]) -> None:
    with pytest.raises(mc.MatcalcError, match="limits"), mc.limits(**kwargs):
        pass
