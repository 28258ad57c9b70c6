"""Abstract functions of several arguments, f(x, y): partial derivatives ∂ᵢf and the chain rule.

The derivative of ``f(u_1, ..., u_n)`` is ``Σ_j ∂_j f(u) ∂u_j``; the partials
of a smooth f commute (Schwarz's theorem), so ``partial(f,1,2)`` is also
``∂₂∂₁f`` with its axes in argument order.  The stand-ins of
`matcalc.testing` couple every argument with every other, so a mixed partial
in the wrong place or with its axes swapped changes the numbers.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import matcalc as mc
from matcalc.expr import FUNCTION_KINDS
from matcalc.testing import check_derivative, random_values

KINDS = {
    "f": "scalar function", "g": "vector function", "F": "matrix function",
    "x": "vector", "y": "vector", "A": "matrix", "B": "matrix", "s": "scalar",
}  # fmt: skip

CASES = [
    "f(x, y)",
    "f(A*x, x+y)",
    "f(x, A)",
    "f(x.*x, s*y, A)",
    "f(x, x)",
    "sum(g(x, s))",
    "x'*g(A*x, y)",
    "tr(F(A, x))",
    "sum(F(A*B, s)*x)",
    "f(g(x, y), s)",
    "f(g(A*x, s), F(A, y)*x)",
    "exp(f(s*x, y))*f(x, y)",
    "log(1+f(x, y)^2)",
]


@pytest.mark.parametrize("text", CASES)
@pytest.mark.parametrize("order", [1, 2, 3])
def test_partial_derivatives_match_finite_differences(text: str, order: int) -> None:
    f = mc.parse(text, KINDS)
    names = sorted(s.name for s in f.symbols if s.kind not in FUNCTION_KINDS)
    for seed, first in enumerate(names):
        others = [n for n in names if n != first] or [first]
        wrt = [first, others[seed % len(others)], first][:order]
        result = check_derivative(f, *wrt, seed=seed)
        assert result.ok, f"d/d{wrt} of {text}: {result.derivative}, error {result.max_error}"


def test_the_chain_rule_sums_over_the_arguments() -> None:
    g = mc.diff(mc.parse("f(A*x, x+y)", KINDS), "x")
    assert str(g) in {
        "partial(f,2)(A*x, x+y)+A'*partial(f,1)(A*x, x+y)",
        "A'*partial(f,1)(A*x, x+y)+partial(f,2)(A*x, x+y)",
    }
    assert mc.diff(mc.parse("f(x, y)", KINDS), "y") is mc.parse("partial(f,2)(x, y)", KINDS)


def test_mixed_partials_commute() -> None:
    f = mc.parse("f(x, y)", KINDS)
    xy, yx = mc.diff(f, "x", "y"), mc.diff(f, "y", "x")
    assert str(xy) == "partial(f,1,2)(x, y)"
    assert mc.parse("partial(f,2,1)(x, y)", KINDS) is xy  # written in either order: one node
    values = random_values(f, 3)
    np.testing.assert_allclose(mc.evaluate(xy, values), mc.evaluate(yx, values).T)


@pytest.mark.parametrize("text", CASES)
def test_printed_derivatives_parse_back(text: str) -> None:
    f = mc.parse(text, KINDS)
    checked = 0
    for x in sorted(s.name for s in f.symbols if s.kind not in FUNCTION_KINDS):
        for d in (mc.diff(f, x), mc.diff(f, x, x)):
            back = mc.parse(str(d), {**KINDS, **{s.name: s.kind for s in d.symbols}})  # index notation too
            values = random_values(f, 1)
            np.testing.assert_allclose(mc.evaluate(back, values), mc.evaluate(d, values), rtol=1e-12)
            checked += 1
    assert checked


def test_latex_names_each_partial_by_its_argument() -> None:
    h = mc.diff(mc.parse("f(A*x, x+y)", KINDS), "x", "y")
    tex = mc.latex(h)
    assert r"\partial_{1} \partial_{2} f(A x, x + y)" in tex
    assert r"\partial_{2}^{2} f" in mc.latex(mc.diff(mc.parse("f(x, y)", KINDS), "y", "y"))


def test_evaluation_takes_a_callable_per_partial() -> None:
    # f(u, v) = u'v: ∂₁f = v, ∂₂f = u, ∂₁∂₂f = I, so f(A x, x) = x'A'x has the gradient (A + A')x
    f = mc.parse("f(A*x, x)", KINDS)
    g, h = mc.diff(f, "x"), mc.diff(f, "x", "x")
    rng = np.random.default_rng(0)
    A, x = rng.normal(size=(3, 3)), rng.normal(size=3)

    def zero(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.zeros((u.size, v.size))

    as_dict = {(): np.dot, (1,): lambda u, v: v, (2,): lambda u, v: u,
               (1, 1): zero, (1, 2): lambda u, v: np.eye(u.size), (2, 2): zero}  # fmt: skip
    by_text = {"f": np.dot, "partial(f,1)": as_dict[(1,)], "partial(f,2)": as_dict[(2,)],
               "partial(f,1,1)": zero, "partial(f,1,2)": as_dict[(1, 2)], "partial(f,2,2)": zero}  # fmt: skip
    for given in ({"A": A, "x": x, "f": as_dict}, {"A": A, "x": x, **by_text}):
        np.testing.assert_allclose(mc.evaluate(f, given), x @ A.T @ x)
        np.testing.assert_allclose(mc.evaluate(g, given), (A + A.T) @ x)
        np.testing.assert_allclose(mc.evaluate(h, given), A + A.T)


def test_a_missing_partial_is_a_clear_error() -> None:
    g = mc.diff(mc.parse("f(x, y)", KINDS), "y")
    with pytest.raises(mc.EvaluationError, match=r"partial\(f,2\).*\(1,\)"):
        mc.evaluate(g, {"x": np.ones(2), "y": np.ones(2), "f": {(): np.dot}})
    with pytest.raises(mc.ShapeError, match="returned shape"):
        mc.evaluate(g, {"x": np.ones(2), "y": np.ones(2), "partial(f,2)": lambda u, v: np.ones(3)})


def test_generated_code_takes_each_partial_as_a_parameter() -> None:
    f = mc.parse("f(A*x, x+y)", KINDS)
    h = mc.diff(f, "x", "x")
    fn = mc.lambdify(h)
    values = random_values(h, 2)
    stand_in = values.pop("f")
    partials = {f"partial_f_{i}_{j}": stand_in[(i, j)] for i, j in ((1, 1), (1, 2), (2, 2))}
    got = fn(**values, **partials)
    np.testing.assert_allclose(got, mc.evaluate(h, {**values, "f": stand_in}), rtol=1e-12)


def test_kinds_of_the_arguments_are_inferred_from_use() -> None:
    f = mc.parse("f(u, v) + u'*v + c", {"f": "scalar function"})
    kinds = {s.name: s.kind for s in f.symbols}
    assert kinds["u"] == kinds["v"] == "vector" and kinds["c"] == "scalar"


def test_a_stand_in_pickles_as_the_same_function() -> None:
    # the benchmark sends values to worker processes; a stand-in's functions are local ones
    values = random_values(mc.parse("f(x, y)", {"f": "scalar function"}), 3)
    stand_in = values["f"]
    copy = pickle.loads(pickle.dumps(stand_in))
    u, v = np.linspace(0.1, 1.0, values["x"].size), np.linspace(-1.0, 0.5, values["y"].size)
    for key in [(), (1,), (1, 2), (2, 2)]:
        np.testing.assert_array_equal(copy[key](u, v), stand_in[key](u, v))
    for k in range(len(stand_in)):
        np.testing.assert_array_equal(copy[k](u), stand_in[k](u))
