"""Long products and quotients of scalars (issue 12): shallow; they differentiate, evaluate, generate code.

A product of scalars was a chain of `Scale` nodes, one level per factor, so
``a*a*...*a`` beyond 2,000 factors was refused as nested too deep, and
simplifying a product of 300 distinct scalars ran out of the work budget
(every partial product was sorted and read again).  Up to `build.CHAIN`
factors the chain is kept (the canonical form the rules read); a longer product
is built balanced (`build.mul_all`) and every pass treats it as n-ary.
"""

from __future__ import annotations

import numpy as np
import pytest
from scaling import LINEAR, growth

import matcalc as mc
from matcalc import build
from matcalc.expr import Scale
from matcalc.limits import DEFAULT_WORK
from matcalc.testing import check_derivative

_SLACK = 40  # levels above CHAIN that a balanced product of 100,000 characters may take


def _names(n: int) -> list[str]:
    return [f"a{i}" for i in range(n)]


def _values(n: int) -> dict[str, float]:
    rng = np.random.default_rng(n)
    return {f"a{i}": float(v) for i, v in enumerate(rng.uniform(0.9, 1.1, size=n))}


@pytest.mark.parametrize(
    "text",
    [
        "*".join(["a"] * 33_333),
        "*".join(_names(14_000)),
        "/".join(["a"] * 50_000),
        "".join(f"a{i % 100}{'*' if i % 2 else '/'}" for i in range(14_000)) + "b",
        "-a*" * 25_000 + "a",
        "".join(f"x{i % 100}{'./' if i % 2 else '.*'}" for i in range(14_000)) + "y",
    ],
    ids=["repeated", "distinct", "quotients", "alternating", "negated", "elementwise-quotients"],
)
def test_a_product_of_100000_characters_is_shallow(text: str) -> None:
    e = mc.parse(text)
    assert e.depth <= build.CHAIN + _SLACK
    assert mc.parse(str(e)).depth <= build.CHAIN + _SLACK


def test_array_quotients_are_one_division() -> None:
    e = mc.parse("./".join(["x"] * 33_333), {"x": "vector"})
    assert e.depth < 5
    v = np.array([1.0001, 0.9999])
    np.testing.assert_allclose(mc.evaluate(e, {"x": v}), v ** (-33_331), rtol=1e-9)


def test_a_long_product_evaluates_and_generates_code() -> None:
    n = 2_000
    e = mc.parse("*".join(_names(n)))
    values = _values(n)
    expected = np.prod(list(values.values()))
    assert mc.evaluate(e, values) == pytest.approx(expected, rel=1e-9)
    assert mc.lambdify(e)(**values) == pytest.approx(expected, rel=1e-9)
    quotient = mc.parse("a0/" + "/".join(_names(n)[1:]))
    assert mc.evaluate(quotient, values) == pytest.approx(values["a0"] ** 2 / expected, rel=1e-9)


def test_a_long_product_differentiates() -> None:
    # d(a0*...*a2999)/da5 is the product of the others; main ran out of work at 300 factors
    n = 3_000
    e = mc.parse("*".join(_names(n)))
    d = mc.diff(e, "a5")
    assert "a5" not in {s.name for s in d.symbols} and len(d.symbols) == n - 1
    values = _values(n)
    expected = np.prod([v for k, v in values.items() if k != "a5"])
    assert mc.evaluate(d, values) == pytest.approx(expected, rel=1e-9)
    others = {k: v for k, v in values.items() if k != "a5"}
    assert mc.lambdify(d)(**others) == pytest.approx(expected, rel=1e-9)


def test_a_long_product_of_one_scalar_is_a_power() -> None:
    # 100,000 characters: reading 33,333 factors a few times is most of the default budget (about a
    # second of work); below it, a LimitError that says how to raise it
    e = mc.parse("*".join(["a"] * 33_333))
    with mc.limits(work=DEFAULT_WORK // 5), pytest.raises(mc.LimitError, match="limits"):
        mc.diff(e, "a")
    with mc.limits(work=2 * DEFAULT_WORK):
        assert str(mc.diff(e, "a")) == "33333*a^33332"
    assert str(mc.diff(mc.parse("*".join(["a"] * 10_000)), "a")) == "10000*a^9999"


def test_derivatives_of_long_products_agree_with_finite_differences() -> None:
    e = mc.parse("*".join(_names(150)) + "*exp(a3)/(" + "*".join(_names(80)) + ")")
    check_derivative(e, "a3", values=_values(150))


def test_simplifying_a_long_product_is_near_linear() -> None:
    # every partial product was sorted and read again: 300 factors ran out of work
    def simplify(n: int):  # type: ignore[no-untyped-def]
        e = mc.parse("*".join(reversed(_names(n))))
        return lambda: mc.simplify(e)

    assert len(simplify(1_000)().symbols) == 1_000  # type: ignore[attr-defined]
    ratio = growth(simplify, 1_000)
    assert ratio < LINEAR, f"4,000 factors took {ratio:.1f} times as long as 1,000"


def test_short_products_keep_the_canonical_chain() -> None:
    # up to CHAIN factors mul_all is the left-to-right product: the normal form every rule reads
    items = [mc.parse(t) for t in ["2", "b", "a", "3", "c"] * (build.CHAIN // 5)]
    left = items[0]
    for x in items[1:]:
        left = build.mul(left, x)
    assert build.mul_all(items) is left
    e = mc.parse("a*b*c")
    assert isinstance(e, Scale) and isinstance(e.coef, Scale) and not isinstance(e.body, Scale)


def test_long_products_are_equal_however_grouped_once_simplified() -> None:
    names = _names(300)
    flat = mc.parse("*".join(names))
    grouped = mc.parse("(" + "*".join(names[:7]) + ")*(" + "*".join(reversed(names[7:])) + ")")
    assert flat is not grouped
    assert mc.simplify(flat) is mc.simplify(grouped)
    assert mc.parse(str(flat)) is flat


@pytest.mark.parametrize("text", ["2./(0./x)", "y./(0./x)", "(0./x).^-2", "a/(0/b)"])
def test_a_zero_numerator_under_a_division_simplifies(text: str) -> None:
    # the monomial reading raised ZeroDivisionError (0.0 ** -1) through mc.simplify and mc.diff
    e = mc.parse(text)
    values = {"x": np.array([1.5, -2.0]), "y": np.array([0.5, 3.0]), "a": 2.0, "b": -3.0}
    with np.errstate(all="ignore"):
        got = mc.evaluate(mc.simplify(e), values)
        want = mc.evaluate(e, values)
    np.testing.assert_array_equal(got, want)
    mc.diff(e, sorted(s.name for s in e.symbols)[0])
