"""Printing and parsing are inverse: ``parse(str(e), kinds) is e``, and the value is unchanged.

Two layers: a table with one row per construct of the input language (text,
the text it prints back as, its rank, its NumPy meaning), and Hypothesis over
random well-typed expressions from `strategies`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st
from strategies import expressions, expressions_with_values, kinds_of

import matcalc as mc
from matcalc.errors import EvaluationError
from matcalc.expr import ELEMENTWISE_FUNCTIONS, Expr
from matcalc.ops import ELEMENTWISE

#: Every name declared (with its first-letter kind): the table tests printing, not kind inference.
KINDS = {
    "a": "scalar", "b": "scalar", "c": "scalar", "x": "vector", "y": "vector", "z": "vector",
    "v": "vector", "w": "vector", "A": "matrix", "B": "matrix", "X": "matrix", "S": "symmetric",
}  # fmt: skip

_rng = np.random.default_rng(20240601)
_M = 3.0 * np.eye(3) + _rng.uniform(0.05, 0.5, (3, 3))
_S0 = _rng.uniform(0.05, 0.5, (3, 3))
VALUES: dict[str, Any] = {
    "a": 1.3, "b": 0.7, "c": 0.4,
    "x": _rng.uniform(0.5, 1.5, 3), "y": _rng.uniform(0.5, 1.5, 3), "z": _rng.uniform(0.5, 1.5, 3),
    "v": _rng.uniform(0.5, 1.5, 3), "w": _rng.uniform(0.5, 1.5, 2),
    "A": _M, "B": 3.0 * np.eye(3) + _rng.uniform(0.05, 0.5, (3, 3)),
    "X": _rng.uniform(-1, 1, (3, 2)), "S": 3.0 * np.eye(3) + (_S0 + _S0.T) / 2,
}  # fmt: skip

Ref = Callable[[dict[str, Any]], Any]


def _softmax(u: Any) -> Any:
    return np.exp(u) / np.sum(np.exp(u))


# (text, text it prints back as, rank of the result, NumPy meaning)
CONSTRUCTS: list[tuple[str, str, int, Ref]] = [
    # products
    ("A*B", "A*B", 2, lambda v: v["A"] @ v["B"]),
    ("a*A", "a*A", 2, lambda v: v["a"] * v["A"]),
    ("A*a", "a*A", 2, lambda v: v["a"] * v["A"]),
    ("2*3*x", "6*x", 1, lambda v: 6 * v["x"]),
    ("X*w", "X*w", 1, lambda v: v["X"] @ v["w"]),
    ("x'*A*x", "x'*A*x", 0, lambda v: v["x"] @ v["A"] @ v["x"]),
    ("x'*y", "x'*y", 0, lambda v: v["x"] @ v["y"]),
    ("x*y'", "x*y'", 2, lambda v: np.outer(v["x"], v["y"])),
    ("x'*A", "x'*A", 1, lambda v: v["x"] @ v["A"]),
    ("x*(y'*z)", "y'*z*x", 1, lambda v: v["x"] * (v["y"] @ v["z"])),
    ("(x*y')*z", "y'*z*x", 1, lambda v: np.outer(v["x"], v["y"]) @ v["z"]),
    ("x'*(y*z')*v", "x'*y*z'*v", 0, lambda v: v["x"] @ np.outer(v["y"], v["z"]) @ v["v"]),
    # transpose
    ("A'", "A'", 2, lambda v: v["A"].T),
    ("x'", "x'", 1, lambda v: v["x"]),
    ("(A')'", "A", 2, lambda v: v["A"]),
    ("x'''", "x'", 1, lambda v: v["x"]),
    ("S'", "S", 2, lambda v: v["S"]),
    ("(A*B)'", "(A*B)'", 2, lambda v: (v["A"] @ v["B"]).T),
    # sums
    ("A+B", "A+B", 2, lambda v: v["A"] + v["B"]),
    ("A-B", "A-B", 2, lambda v: v["A"] - v["B"]),
    ("-A", "-A", 2, lambda v: -v["A"]),
    ("--a", "a", 0, lambda v: v["a"]),
    ("-x+-y", "-x-y", 1, lambda v: -v["x"] - v["y"]),
    ("a-(b-c)", "a-(b-c)", 0, lambda v: v["a"] - (v["b"] - v["c"])),
    ("(a-b)-c", "a-b-c", 0, lambda v: v["a"] - v["b"] - v["c"]),
    ("1+exp(v)", "1+exp(v)", 1, lambda v: 1 + np.exp(v["v"])),
    ("exp(v)+1", "exp(v)+1", 1, lambda v: np.exp(v["v"]) + 1),
    ("a+x", "a+x", 1, lambda v: v["a"] + v["x"]),
    ("x-a", "x-a", 1, lambda v: v["x"] - v["a"]),
    ("A-2", "A-2", 2, lambda v: v["A"] - 2),
    # elementwise
    ("A.*B", "A.*B", 2, lambda v: v["A"] * v["B"]),
    ("A./B", "A./B", 2, lambda v: v["A"] / v["B"]),
    ("1./x", "1./x", 1, lambda v: 1 / v["x"]),
    ("A.^2", "A.^2", 2, lambda v: v["A"] ** 2),
    ("2.^x", "2.^x", 1, lambda v: 2 ** v["x"]),
    ("x.^y", "x.^y", 1, lambda v: v["x"] ** v["y"]),
    ("a.^x", "a.^x", 1, lambda v: v["a"] ** v["x"]),
    ("x.^0.5", "x.^0.5", 1, lambda v: np.sqrt(v["x"])),
    # division by a scalar
    ("A/a", "A/a", 2, lambda v: v["A"] / v["a"]),
    ("x/2", "x/2", 1, lambda v: v["x"] / 2),
    ("a/(b*c)", "a/(b*c)", 0, lambda v: v["a"] / (v["b"] * v["c"])),
    ("1/2*x", "x/2", 1, lambda v: v["x"] / 2),  # a division by a number is a scale
    ("-1/2*(A+B)", "-(A+B)/2", 2, lambda v: -(v["A"] + v["B"]) / 2),
    ("2*x/3", "2*x/3", 1, lambda v: 2 * v["x"] / 3),
    ("x-mean(x)", "x-mean(x)", 1, lambda v: v["x"] - np.mean(v["x"])),
    ("mean(A, 2)", "mean(A, 2)", 1, lambda v: np.mean(v["A"], axis=1)),
    # powers
    ("a^2", "a^2", 0, lambda v: v["a"] ** 2),
    ("a^b", "a^b", 0, lambda v: v["a"] ** v["b"]),
    ("a^-b", "a^-b", 0, lambda v: v["a"] ** -v["b"]),
    ("-a^2", "-a^2", 0, lambda v: -(v["a"] ** 2)),
    ("exp(a)^2", "exp(a)^2", 0, lambda v: np.exp(v["a"]) ** 2),
    ("A^2", "A^2", 2, lambda v: v["A"] @ v["A"]),
    ("A^3", "A^3", 2, lambda v: v["A"] @ v["A"] @ v["A"]),
    ("A^-1", "inv(A)", 2, lambda v: np.linalg.inv(v["A"])),
    ("A^-2", "A^-2", 2, lambda v: np.linalg.inv(v["A"] @ v["A"])),
    ("(A+B)^2", "(A+B)^2", 2, lambda v: (v["A"] + v["B"]) @ (v["A"] + v["B"])),
    ("A'^2", "A'^2", 2, lambda v: v["A"].T @ v["A"].T),
    # numbers
    ("2", "2", 0, lambda v: 2.0),
    ("0.5", "0.5", 0, lambda v: 0.5),
    (".5", "0.5", 0, lambda v: 0.5),
    ("1e-3", "0.001", 0, lambda v: 1e-3),
    ("2.5e10", "25000000000", 0, lambda v: 2.5e10),
    ("1E3", "1000", 0, lambda v: 1000.0),
    ("1e-05*x", "1e-05*x", 1, lambda v: 1e-5 * v["x"]),
    # matrix functions
    ("tr(A)", "tr(A)", 0, lambda v: np.trace(v["A"])),
    ("det(A)", "det(A)", 0, lambda v: np.linalg.det(v["A"])),
    ("logdet(S)", "logdet(S)", 0, lambda v: np.log(np.linalg.det(v["S"]))),
    ("inv(A)", "inv(A)", 2, lambda v: np.linalg.inv(v["A"])),
    ("diag(x)", "diag(x)", 2, lambda v: np.diag(v["x"])),
    ("diag(A)", "diag(A)", 1, lambda v: np.diag(v["A"])),
    ("diag(x')", "diag(x')", 2, lambda v: np.diag(v["x"])),
    ("sum(A)", "sum(A)", 0, lambda v: np.sum(v["A"])),
    ("sum(x)", "sum(x)", 0, lambda v: np.sum(v["x"])),
    ("norm1(x-y)", "norm1(x-y)", 0, lambda v: np.sum(np.abs(v["x"] - v["y"]))),
    ("norm2(x)", "norm2(x)", 0, lambda v: np.linalg.norm(v["x"])),
    ("norm2(A)", "norm2(A)", 0, lambda v: np.linalg.norm(v["A"], "fro")),
    ("softmax(x)", "softmax(x)", 1, lambda v: _softmax(v["x"])),
    ("softmax(x')", "softmax(x')", 1, lambda v: _softmax(v["x"])),
    # constants whose size a sibling fixes
    ("A+eye", "A+eye", 2, lambda v: v["A"] + np.eye(3)),
    ("eye-A", "eye-A", 2, lambda v: np.eye(3) - v["A"]),
    ("A.*eye", "A.*eye", 2, lambda v: v["A"] * np.eye(3)),
    ("eye*x", "x", 1, lambda v: v["x"]),
    ("x+vector(2)", "x+2", 1, lambda v: v["x"] + 2),
    ("x.*vector(3)", "3*x", 1, lambda v: 3 * v["x"]),
    ("vector(2).^x", "(2*vector(1)).^x", 1, lambda v: 2 ** v["x"]),
    ("A.*matrix(3)", "3*A", 2, lambda v: 3 * v["A"]),
    ("matrix(2)+A", "2+A", 2, lambda v: 2 + v["A"]),
    ("vector(1)'+x'", "1+x'", 1, lambda v: 1 + v["x"]),
    # a mixture
    ("X*w-y", "X*w-y", 1, lambda v: v["X"] @ v["w"] - v["y"]),
    ("a*x+b*y", "a*x+b*y", 1, lambda v: v["a"] * v["x"] + v["b"] * v["y"]),
    ("-(a-b)", "-(a-b)", 0, lambda v: -(v["a"] - v["b"])),
    ("2*(x./y).*z", "2*(x./y).*z", 1, lambda v: 2 * (v["x"] / v["y"]) * v["z"]),
    ("-(x./y).*z", "-(x./y).*z", 1, lambda v: -(v["x"] / v["y"]) * v["z"]),
    ("3+(3+a)", "3+(3+a)", 0, lambda v: 6 + v["a"]),
    ("x'*inv(S)*x/2+logdet(S)", "x'*inv(S)*x/2+logdet(S)", 0,
     lambda v: v["x"] @ np.linalg.inv(v["S"]) @ v["x"] / 2 + np.log(np.linalg.det(v["S"]))),
]  # fmt: skip

for _f in ELEMENTWISE_FUNCTIONS:
    _g = ELEMENTWISE[_f].numpy
    CONSTRUCTS += [
        (f"{_f}(x/2)", f"{_f}(x/2)", 1, lambda v, g=_g: g(v["x"] / 2)),
        (f"{_f}(c)", f"{_f}(c)", 0, lambda v, g=_g: g(v["c"])),
        (f"{_f}(A/4)", f"{_f}(A/4)", 2, lambda v, g=_g: g(v["A"] / 4)),
    ]


CONSTRUCTS += [
    (f"{f}(x-y)", f"{f}(x-y)", 1, lambda v, g=ELEMENTWISE[f].numpy: g(v["x"] - v["y"]))
    for f in ELEMENTWISE_FUNCTIONS
    if ELEMENTWISE[f].defined == (-np.inf, np.inf)  # x-y takes any sign
]


@pytest.mark.parametrize(("text", "printed", "rank", "meaning"), CONSTRUCTS, ids=[c[0] for c in CONSTRUCTS])
def test_construct(text: str, printed: str, rank: int, meaning: Ref) -> None:
    e = mc.parse(text, KINDS)
    assert str(e) == printed
    assert e.ndim == rank
    assert mc.parse(printed, KINDS) is e
    assert mc.parse(printed, kinds_of(e)) is e
    got = mc.evaluate(e, VALUES)
    want = meaning(VALUES)
    if rank == 0:
        assert isinstance(got, float)
    else:
        assert isinstance(got, np.ndarray)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# ---- Hypothesis ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["scalar", "column", "row", "matrix"])
@given(data=st.data())
def test_text_round_trips(target: str, data: st.DataObject) -> None:
    e = data.draw(expressions(target, conditioned=False), label="e")
    text = str(e)
    note(f"text: {text}")
    back = mc.parse(text, kinds_of(e))
    assert back is e, f"{text!r} parses back to\n  {back!r}\nnot\n  {e!r}"


def _evaluate(e: Expr, values: dict[str, Any]) -> Any:
    """The value, or the EvaluationError (a singular matrix) as a value."""
    with np.errstate(all="ignore"):
        try:
            return mc.evaluate(e, values)
        except EvaluationError as err:
            return err


@given(expressions_with_values(conditioned=False))
def test_evaluation_is_unchanged_by_the_round_trip(case: Any) -> None:
    e = case.expr
    note(f"text: {e}")
    before = _evaluate(e, case.values)
    after = _evaluate(mc.parse(str(e), kinds_of(e)), case.values)
    if isinstance(before, EvaluationError):
        assert isinstance(after, EvaluationError)
        assert str(after) == str(before)
        return
    assert type(after) is type(before)
    np.testing.assert_array_equal(after, before)  # nan equals nan here


def _check_against(got: Any, expected: Any, e: Expr) -> None:
    """``got`` agrees with NumPy's ``expected`` where that is finite and of moderate size.

    Huge or infinite reference values come from overflow or near-cancellation,
    where the order of operations (which canonical forms change) decides the
    digits; those entries are not compared.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if e.ndim == 0:
        assert isinstance(got, float)
    assert np.shape(got) == expected.shape
    moderate = np.isfinite(expected) & (np.abs(expected) < 1e6)
    np.testing.assert_allclose(np.asarray(got)[moderate], expected[moderate], rtol=1e-6, atol=1e-8)


@given(expressions_with_values())
def test_evaluate_agrees_with_numpy_reference(case: Any) -> None:
    e = case.expr
    note(f"text: {e}")
    assume(not case.at_pole)  # +-inf there hangs on the sign of a zero, which rewriting may change
    if isinstance(case.expected, Exception):  # NumPy found a matrix singular
        with pytest.raises(EvaluationError, match="singular"), np.errstate(all="ignore"):
            mc.evaluate(e, case.values)
        return
    with np.errstate(all="ignore"):
        got = mc.evaluate(e, case.values)
    _check_against(got, case.expected, e)


@pytest.mark.parametrize("target", ["row", "column", "matrix"])
def test_a_number_in_front_of_a_product_that_starts_with_a_quotient(target: str) -> None:
    # 2*(2./x'*A/a) printed as 2*2./x'*A/a, which reads back as 4./x'*A/a (found by the fuzz suite)
    from matcalc import build

    x, A, a, two = mc.parse("x"), mc.parse("A"), mc.parse("a"), build.number(2)
    first = {"row": build.transpose(x), "column": x, "matrix": A}[target]
    inner = build.elem_div(two, first)
    body = build.mul(inner, A) if target == "row" else build.hadamard(inner, first)
    e = build.mul(two, build.div(body, a))
    assert mc.parse(str(e), {"x": "vector", "A": "matrix", "a": "scalar"}) is e
