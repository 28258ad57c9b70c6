"""Regression tests for the hostile-input reproducers of issue 12 (parsing, building, printing).

Each test names the reproducer it guards.  Speed is measured in
benchmarks/hostile.py (docs/robustness.md); the tests here check how work grows
(`tests/scaling.py`: CPU time of n and 4n), and bound work by the work budget, not by the clock.
"""

from __future__ import annotations

import numpy as np
import pytest
from scaling import LINEAR, growth

import matcalc as mc
from matcalc.diff import MAX_POWER_TERMS
from matcalc.limits import DEFAULT_WORK
from matcalc.testing import check_derivative

DEEP = "exp(" * 999 + "a" + ")" * 999


# ---- printers on deep expressions ------------------------------------------------------


def test_repr_of_deep_expression_does_not_recurse() -> None:
    e = mc.parse(DEEP)
    text = mc.srepr(e)
    assert text.startswith("Apply('exp', Apply('exp',") and text.count("Apply(") == 999
    assert repr(e) == str(e) and repr(e).count("exp(") == 999


def test_to_sympy_of_deep_expression_is_built_or_refused_clearly() -> None:
    pytest.importorskip("sympy")
    e = mc.parse(DEEP)
    try:
        out = mc.to_sympy(e)
    except mc.MatcalcError as exc:
        assert "too deep" in str(exc)
    else:  # built (what SymPy can then do with 999 levels is SymPy's affair)
        assert type(out).__name__ == "exp"


def test_text_and_latex_of_deep_expression() -> None:
    e = mc.parse(DEEP)
    assert mc.parse(str(e)) is e
    assert mc.latex(e).count(r"\exp") == 999


# ---- numbers -------------------------------------------------------------------------


# Arabic-Indic 3, fullwidth 3, superscript 2, Arabic-Indic 0
@pytest.mark.parametrize("text", ["x*\u0663", "x*\uff13", "x*\u00b2", "1\u0660"])
def test_numbers_are_ascii_digits_only(text: str) -> None:
    with pytest.raises(mc.ParseError, match="unexpected character"):
        mc.parse(text)


@pytest.mark.parametrize("text", ["1e999", "a*1e400", "9" * 401, "2e308"])
def test_numbers_beyond_floating_point_are_refused(text: str) -> None:
    with pytest.raises(mc.ParseError, match="too large for floating point"):
        mc.parse(text)


def test_tiny_numbers_underflow_to_zero_consistently() -> None:
    assert mc.evaluate(mc.parse("a+1e-999"), {"a": 2.0}) == 2.0


# ---- parsing and building are linear ------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "node"),
    [
        (lambda n: ".*".join(["x"] * n), "Hadamard"),
        (lambda n: "*".join(["X"] * n), "MatMul"),
        (lambda n: "x'*" + "*".join(["A", "B"] * (n // 2)) + "*x", "MatMul"),
        (lambda n: "+".join(["a"] * n), "Add"),
        (lambda n: "-".join(f"x{i}" for i in range(n)), "Add"),
    ],
    ids=["hadamard", "matrices", "quadratic-form", "sum", "difference-of-many-names"],
)
def test_long_flat_chains_parse_in_linear_time(make, node: str) -> None:  # type: ignore[no-untyped-def]
    # 20,000 factors of x.* and 12,000 matrices parsed in over 60 s before (docs/robustness.md):
    # 4 times the factors must take about 4 times the CPU time, not 16
    assert type(mc.parse(make(100))).__name__ == node
    ratio = growth(lambda n: lambda: mc.parse(make(n)), 3_000)
    assert ratio < LINEAR, f"12,000 factors took {ratio:.1f} times as long as 3,000"


@pytest.mark.parametrize(
    "text",
    ["-".join(["a"] * 50_000), "-a*" * 33_333 + "a", "*".join(["a"] * 33_333)],
    ids=["differences", "negated-factors", "repeated-factors"],
)
def test_a_chain_of_100000_characters_parses_within_half_the_work_budget(text: str) -> None:
    # a repeated operation is built once per parse: -a in a-a-a... and -a*-a*..., the product of each
    # repeated run of a*a*... (200,000 units before: most of the budget for one 100,000-character text)
    with mc.limits(work=DEFAULT_WORK // 2):
        assert mc.parse(text).is_scalar


@pytest.mark.parametrize(
    "terms",
    [["a"] * 12, ["1", "2", "a", "0", "-1", "b", "0"] * 2, ["0"] * 10 + ["a", "3", "4"], ["2", "-2"] * 6,
     ["x", "-x", "0*x", "y"] * 3, ["X", "X'", "A*B", "-X"] * 3],
)  # fmt: skip
def test_a_long_sum_is_the_left_to_right_sum(terms: list[str]) -> None:
    # add_all builds a run of + in one pass; it must give the node that add gives term by term
    from matcalc import build

    kinds = {"a": "scalar", "b": "scalar", "x": "vector", "y": "vector", "X": "matrix", "A": "matrix"}
    parts = [mc.parse(t, kinds) for t in terms]
    left = parts[0]
    for p in parts[1:]:
        left = build.add(left, p)
    assert build.add_all(parts) is left
    assert mc.parse("+".join(terms), kinds) is left


def test_grouping_of_a_long_chain_does_not_change_the_node() -> None:
    flat = mc.parse("y'*" + "*".join("ABCDEFGHIJKL") + "*x")
    nested = mc.parse("(" * 13 + "y'" + "".join(f"*{c})" for c in "ABCDEFGHIJKL") + "*x)")
    assert flat is nested


def test_shape_error_in_a_long_chain_points_at_the_operator() -> None:
    text = "A*B*C*D*E*F*G*H*I*J*x*K*L"
    kinds = {"x": "vector", "K": "matrix", "L": "matrix"}  # undeclared, the uses make K and L scalars
    with pytest.raises(mc.ShapeError) as info:
        mc.parse(text, kinds)
    assert "\n  " + " " * text.index("*K") + "^" in str(info.value)


# ---- matrix powers stay in closed form ------------------------------------------------


@pytest.mark.parametrize(
    ("k", "expected"), [(1_000_000, "1000000*X'^999999"), (-1_000_000, "-1000000*X'^-1000001")]
)
def test_derivative_of_trace_of_a_huge_power_is_closed_form(k: int, expected: str) -> None:
    # d tr(X^k)/dX = k (X^(k-1))'   (Matrix Cookbook eq. 121)
    with mc.limits(work=500):  # the expanded power is a million products
        d = mc.diff(mc.parse(f"tr(X^{k})"), "X")
    assert str(d) == expected


@pytest.mark.parametrize("text", ["tr(X^7)", "tr(X^-3)", "a*tr(X^4)+tr(X^4*A)", "tr(X^3)*x", "tr(3*X^5)"])
def test_trace_power_rules_agree_with_finite_differences(text: str) -> None:
    assert check_derivative(mc.parse(text), "X").ok


def test_power_without_closed_form_is_refused_beyond_the_limit() -> None:
    with pytest.raises(mc.DifferentiationError, match=f"at most {MAX_POWER_TERMS}"):
        mc.diff(mc.parse("x'*X^10000*x"), "X")
    with pytest.raises(mc.DifferentiationError, match="no closed form"):
        mc.diff(mc.parse("X^1000"), "X")
    assert check_derivative(mc.parse(f"x'*X^{MAX_POWER_TERMS}*x"), "X", values=_small_x()).ok


def _small_x() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"X": rng.normal(size=(3, 3)) / 3, "x": rng.normal(size=3)}


def test_a_long_product_of_scalars_infers_kinds_in_linear_time() -> None:
    # a*a*...*a: kind inference walked up the whole chain of products at every revision
    # (1,900 factors took 49 s); tests/test_hostile_products.py takes it to 33,333 factors
    assert type(mc.parse("*".join(["a"] * 450))).__name__ == "Scale"
    ratio = growth(lambda n: lambda: mc.parse("*".join(["a"] * n)), 450)
    assert ratio < LINEAR, f"1,800 factors took {ratio:.1f} times as long as 450"
