"""Derivatives by a symmetric matrix: the gradient on symmetric matrices, at every order.

matcalc's derivative by a symmetric ``S`` is the symmetric part ``(G+G')/2`` of
the entry-by-entry derivative ``G`` (docs/conventions.md).  What that means,
checked three independent ways on random expressions and on named cases:

- **finite differences along random symmetric directions**: the derivative
  contracted with a random symmetric ``E`` over its last pair of ``S``-axes is
  the change of the derivative of one order less along ``E``, at first, second
  and third order (mixed ones too);
- **symmetry**: the derivative is symmetric within each pair of ``S``-axes;
- **invariance under rewriting**: ``f`` with ``S`` replaced by ``(M+M')/2``
  for a plain matrix ``M`` is another spelling of the same function of a
  symmetric matrix, and its entry-by-entry derivatives by ``M`` (at ``M = S``)
  are matcalc's derivatives by ``S`` (``P H P`` of any extension's Hessian ``H``
  depends only on the function on symmetric matrices).  So are the
  derivatives of ``x'*S*y`` and ``y'*S*x``, of ``tr(S*A)`` and ``tr(A'*S)``.

Before symmetric variables had this convention, the first derivative was the
entrywise one of the expression as written, and higher ones differentiated a
first derivative already simplified using ``S' = S``: they matched finite
differences only when contracted with symmetric directions on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, example, given, note, settings
from hypothesis import strategies as st
from optional import require
from strategies import expressions_with_values, values_for
from test_diff_property import irregularity

import matcalc as mc
from matcalc import build
from matcalc.expr import Expr, Symbol
from matcalc.limits import DEFAULT_WORK, LimitError
from matcalc.testing import check_derivative, random_values

SYM = {"S": "symmetric", "K": "symmetric"}

#: Finite-difference step along a direction; the second estimate uses STEP/2.
STEP = 1e-5
#: The two estimates must agree to this (relative) for the comparison to count.
STABLE = 1e-6
#: Largest relative error between the derivative and the extrapolated differences.
RTOL = 1e-5
#: Largest relative error between two ways of computing the same derivative.
SAME = 1e-8

_PROFILE = settings().max_examples
_LENIENT = {"deadline": None, "suppress_health_check": [HealthCheck.filter_too_much, HealthCheck.too_slow]}


# ---- helpers ------------------------------------------------------------------------------------


def _symbol(f: Expr, name: str) -> Symbol:
    return next(s for s in f.symbols if s.name == name)


def _pairs(f: Expr, wrt: Sequence[str]) -> list[tuple[int, int]]:
    """The axes of ``diff(f, *wrt)`` that belong to a symmetric variable, pair by pair."""
    pairs, axis = [], f.ndim
    for name in wrt:
        s = _symbol(f, name)
        if s.kind == "symmetric":
            pairs.append((axis, axis + 1))
        axis += s.ndim
    return pairs


def _scale(a: np.ndarray) -> float:
    return max(1.0, float(np.max(np.abs(a), initial=0.0)))


def _error(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape, f"shapes {a.shape} and {b.shape}"
    return float(np.max(np.abs(a - b), initial=0.0)) / _scale(b)


def _value(e: Expr, values: Mapping[str, Any]) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(mc.evaluate(e, values), dtype=float)


def _symmetric_direction(rng: np.random.Generator, n: int) -> np.ndarray:
    e = rng.normal(size=(n, n))
    return (e + e.T) / 2


def _contract_last(d: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """``Σ_kl d[..., k, l] E[k, l]`` (or over the last axis, or times a scalar)."""
    if direction.ndim == 0:
        return d * direction
    return np.tensordot(d, direction, axes=direction.ndim)


@dataclass(frozen=True)
class Directional:
    """Central differences of ``g`` along ``direction`` in variable ``var``, at two steps."""

    coarse: np.ndarray
    fine: np.ndarray

    @property
    def value(self) -> np.ndarray:
        return (4 * self.fine - self.coarse) / 3

    @property
    def stable(self) -> bool:
        gap = float(np.max(np.abs(self.coarse - self.fine), initial=0.0)) / _scale(self.value)
        return bool(np.isfinite(gap)) and gap <= STABLE


def directional(g: Expr, var: str, direction: np.ndarray, values: Mapping[str, Any]) -> Directional:
    x0 = np.asarray(values[var], dtype=float)

    def at(h: float) -> np.ndarray:
        step = h * direction
        hi = x0 + step if x0.ndim else float(x0 + step)
        lo = x0 - step if x0.ndim else float(x0 - step)
        return (_value(g, {**values, var: hi}) - _value(g, {**values, var: lo})) / (2 * h)

    return Directional(at(STEP), at(STEP / 2))


def assert_symmetric_in_pairs(
    d: np.ndarray, pairs: list[tuple[int, int]], what: str, noise: float = 0.0
) -> None:
    for first, second in pairs:
        gap = _error(np.swapaxes(d, first, second), d)
        allowed = SAME + 10 * noise / _scale(d)
        assert gap <= allowed, f"{what} is not symmetric in axes {first}, {second} (relative gap {gap:.3g})"


def roundoff(e: Expr, values: dict[str, Any], value: np.ndarray) -> float:
    """How far roundoff moves ``value`` (of ``e`` at ``values``): its change when every value is
    scaled by ``1 ± 2^-40``, which moves the exact value by far less.  Where a derivative is
    tiny against the terms it cancels from (``softmax((S^3+S)^3, 1)`` by S twice: entries of
    1e-6 from terms of 1e3), it is roundoff, and so is any asymmetry in it.
    """
    moved = 0.0
    for eps in (2.0**-40, -(2.0**-40)):
        nudged = {k: np.asarray(v, dtype=float) * (1 + eps) for k, v in values.items()}
        moved = max(moved, float(np.max(np.abs(_value(e, nudged) - value), initial=0.0)))
    return moved


def plain_spelling(f: Expr, name: str) -> tuple[Expr, str]:
    """``f`` with the symmetric ``name`` replaced by ``(M+M')/2``, ``M`` a new plain matrix."""
    s = _symbol(f, name)
    m = Symbol("Mplain", "matrix", shape=s.shape)  # the same dimensions, as build.replace needs
    half = build.scale(build.number(Fraction(1, 2)), build.add(m, build.transpose(m)))
    g = build.replace(f, s, half)
    return g, "Mplain"


# ---- the property over random expressions --------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    f: Expr
    values: dict[str, Any]
    wrt: tuple[str, ...]
    sym: str = "S"  # the symmetric variable

    def context(self) -> str:
        with np.printoptions(precision=17, linewidth=150):
            vals = "\n".join(f"  {k} = {np.asarray(v)!r}" for k, v in sorted(self.values.items()))
        return f"f = {self.f}\nby {', '.join(self.wrt)}\nvalues:\n{vals}"


@st.composite
def problems(draw: Any, order: int) -> Problem:
    case = draw(expressions_with_values(max_depth=(5, 4, 3)[order - 1], sizes=(2, 3)))
    f = case.expr
    kinds = {s.name: s.kind for s in f.symbols}
    name = "S" if "S" in kinds else None
    if name is None:  # declare a square matrix of the expression symmetric instead
        square = sorted(s.name for s in f.symbols if s.kind == "matrix" and s.shape[0] == s.shape[1])
        name = draw(st.sampled_from(square)) if square else None
        if name is not None:
            try:
                f = mc.parse(str(f), {**kinds, name: "symmetric"})
            except mc.MatcalcError:
                name = None
    if name is None:
        event("skipped: no square matrix")
    assume(name is not None)
    assert name is not None
    names = sorted(s.name for s in f.symbols)
    seed = draw(st.integers(0, 2**32 - 1))
    signed = draw(st.booleans())
    values = random_values(f, seed) if signed else values_for(f, np.random.default_rng(seed), sizes=(2, 3))
    others = [n for n in names if n != name]
    wrt = [
        draw(st.sampled_from([name, *others])) if others and draw(st.booleans()) else name
        for _ in range(order)
    ]
    if name not in wrt:
        wrt[draw(st.integers(0, order - 1))] = name
    return Problem(f, values, tuple(wrt), name)


def _derivative(f: Expr, wrt: Sequence[str], p: Problem) -> Expr:
    try:
        return mc.diff(f, *wrt, if_absent="zero")
    except LimitError:  # an exploding result stopped by the documented work budget: not a wrong one
        event("skipped: over the work budget")
        assume(False)
        raise
    except Exception as err:
        raise AssertionError(f"diff by {wrt} raised {type(err).__name__}: {err}\n{p.context()}") from err


def check_problem(p: Problem) -> None:
    note(p.context())
    reason = irregularity(p.f, p.values, set(p.wrt))
    if reason is not None:
        event(f"skipped: {reason}")
    assume(reason is None)
    lower = _derivative(p.f, p.wrt[:-1], p) if len(p.wrt) > 1 else p.f
    d_expr = _derivative(p.f, p.wrt, p)
    d = _value(d_expr, p.values)
    assume(bool(np.all(np.isfinite(d))) and _scale(d) < 1e6)
    pairs = _pairs(p.f, p.wrt)
    noise = roundoff(d_expr, p.values, d)
    assert_symmetric_in_pairs(d, pairs, f"the derivative {d_expr}\n{p.context()}", noise)
    # another spelling of the same function: its entrywise derivatives by a plain M
    g, m = plain_spelling(p.f, p.sym)
    plain_wrt = [m if w == p.sym else w for w in p.wrt]
    plain = _value(_derivative(g, plain_wrt, p), {**p.values, m: p.values[p.sym]})
    gap = _error(d, plain)
    same = 1e-7 + 10 * noise / _scale(d)
    assert gap <= same, f"d{p.wrt} of f and of f(sym(M)) differ by {gap:.3g}: {d_expr}\n{p.context()}"
    # finite differences of the derivative of one order less along a random direction
    var = p.wrt[-1]
    rng = np.random.default_rng(len(str(p.f)))
    x0 = np.asarray(p.values[var])
    if var == p.sym:
        direction = _symmetric_direction(rng, x0.shape[0])
    else:
        direction = np.asarray(rng.normal(size=x0.shape))
    reason = irregularity(lower, p.values, {var}) if len(p.wrt) > 1 else None
    assume(reason is None)
    fd = directional(lower, var, direction, p.values)
    if not fd.stable:
        event("skipped: finite differences unstable")
    assume(fd.stable)
    err = _error(_contract_last(d, direction), fd.value)
    assert err <= RTOL, f"WRONG along a symmetric direction: error {err:.3g}\n{d_expr}\n{p.context()}"
    event(f"checked: order {len(p.wrt)}")


@settings(max_examples=max(20, _PROFILE), **_LENIENT)
@given(problems(order=1))
def test_first_derivative_by_a_symmetric_matrix(p: Problem) -> None:
    check_problem(p)


@settings(max_examples=max(10, _PROFILE // 2), **_LENIENT)
@given(problems(order=2))
def test_second_derivative_by_a_symmetric_matrix(p: Problem) -> None:
    check_problem(p)


@settings(max_examples=max(5, _PROFILE // 5), **_LENIENT)
@given(problems(order=3))
def test_third_derivative_by_a_symmetric_matrix(p: Problem) -> None:
    check_problem(p)


def test_a_derivative_that_is_roundoff_is_not_called_asymmetric() -> None:
    """Found on a random draw: entries of 1e-6 cancelled from terms of 1e3 are roundoff."""
    f = mc.parse("softmax((S^3+S)^3, 1)", SYM)
    with mc.limits(work=4 * DEFAULT_WORK):  # about 2 s of CPU: more than the default budget's second
        d_expr = mc.diff(f, "S", "S")
    values = random_values(f, 0)
    d = _value(d_expr, values)
    pairs = _pairs(f, ("S", "S"))
    noise = roundoff(d_expr, values, d)
    assert noise > 0.1 * float(np.max(np.abs(d)))  # the value is mostly roundoff
    assert_symmetric_in_pairs(d, pairs, "d2 of softmax((S^3+S)^3, 1)", noise)
    with pytest.raises(AssertionError, match="not symmetric"):  # the floor is what lets it pass
        assert_symmetric_in_pairs(d, pairs, "d2 of softmax((S^3+S)^3, 1)")
    skewed = d + 1e-3 * np.swapaxes(np.arange(d.size, dtype=float).reshape(d.shape), 2, 3) / d.size
    with pytest.raises(AssertionError, match="not symmetric"):  # a real asymmetry is still caught
        assert_symmetric_in_pairs(skewed, pairs, "skewed", noise)


# ---- named cases ------------------------------------------------------------------------------------

_GP = "-0.5*y'*inv(K)*y-0.5*logdet(K)"
_GAUSS = "-0.5*logdet(S)-0.5*(x-m)'*inv(S)*(x-m)"

NAMED = [
    ("gp_marginal_likelihood", _GP, ("K",)),
    ("gp_marginal_likelihood_hessian", _GP, ("K", "K")),
    ("gp_marginal_likelihood_third", _GP, ("K", "K", "K")),
    ("gaussian_by_covariance", _GAUSS, ("S",)),
    ("gaussian_by_covariance_hessian", _GAUSS, ("S", "S")),
    ("gaussian_mixed_mean_covariance", _GAUSS, ("m", "S")),
    ("gaussian_mixed_covariance_mean", _GAUSS, ("S", "m")),
    ("bilinear", "x'*S*y", ("S",)),
    ("bilinear_mixed", "x'*S*y", ("S", "x")),
    ("trace_product", "tr(S*A)", ("S",)),
    ("logdet_third", "logdet(S)", ("S", "S", "S")),
    ("inverse_in_a_loss", "tr(inv(S)*A)+norm2(S*x)^2", ("S", "S")),
    ("matrix_valued", "S*A*S", ("S",)),
    ("matrix_valued_hessian", "inv(S)*A", ("S", "S")),
    ("spectral", "sum(eigvals(S).^3)", ("S", "S")),
]


@pytest.mark.parametrize(("text", "wrt"), [n[1:] for n in NAMED], ids=[n[0] for n in NAMED])
def test_named_case(text: str, wrt: tuple[str, ...]) -> None:
    f = mc.parse(text, {**SYM, "m": "vector"})
    values = random_values(f, 7)
    p = Problem(f, values, wrt)
    d = _value(mc.diff(f, *wrt), values)
    assert_symmetric_in_pairs(d, _pairs(f, wrt), f"d{wrt} of {text}")
    # along three random symmetric directions (or random ones for another variable)
    lower = mc.diff(f, *wrt[:-1]) if len(wrt) > 1 else f
    rng = np.random.default_rng(11)
    for _ in range(3):
        x0 = np.asarray(values[wrt[-1]])
        sym = _symbol(f, wrt[-1]).kind == "symmetric"
        direction = _symmetric_direction(rng, x0.shape[0]) if sym else rng.normal(size=x0.shape)
        fd = directional(lower, wrt[-1], direction, values)
        assert fd.stable
        assert _error(_contract_last(d, direction), fd.value) <= RTOL, p.context()
    # check_derivative: finite differences along the symmetric basis (e_k e_l' + e_l e_k')/2
    result = check_derivative(f, *wrt, values=values)
    assert result.ok, f"{result.derivative}: error {result.max_error}"


@pytest.mark.parametrize(("text", "wrt"), [n[1:] for n in NAMED], ids=[n[0] for n in NAMED])
def test_named_case_is_that_of_any_spelling(text: str, wrt: tuple[str, ...]) -> None:
    """The entrywise derivative of f(sym(M)) by the plain M is matcalc's by S (any order)."""
    f = mc.parse(text, {**SYM, "m": "vector"})
    values = random_values(f, 3)
    (name,) = {w for w in wrt if _symbol(f, w).kind == "symmetric"}
    g, m = plain_spelling(f, name)
    plain = _value(mc.diff(g, *(m if w == name else w for w in wrt)), {**values, m: values[name]})
    assert _error(_value(mc.diff(f, *wrt), values), plain) <= 1e-9


# ---- one function, one derivative -------------------------------------------------------------------

SPELLINGS = [
    ("x'*S*y", "y'*S*x"),
    ("tr(S*A)", "tr(A'*S)"),
    ("tr(S*A)", "sum(S.*A')"),
    ("logdet(S)", "logdet(S')"),
    ("x'*inv(S)*y", "y'*inv(S)*x"),
    ("x'*S*S*y", "y'*S*S*x"),
    ("tr(inv(S)*A*S)", "tr(A)"),  # tr(S⁻¹AS) = tr(A): no dependence on S at all
]


@pytest.mark.parametrize(("one", "other"), SPELLINGS, ids=[f"{a} = {b}" for a, b in SPELLINGS])
@pytest.mark.parametrize("order", [1, 2])
def test_equal_functions_get_equal_derivatives(one: str, other: str, order: int) -> None:
    f, g = mc.parse(one, SYM), mc.parse(other, SYM)
    wrt = ("S",) * order
    values = random_values(f, 5)
    values.update((k, v) for k, v in random_values(g, 5).items() if k not in values)
    df = mc.diff(f, *wrt, if_absent="zero")
    dg = mc.diff(g, *wrt, if_absent="zero")
    got, want = _value(df, values), _value(dg, values)
    assert got.shape == want.shape
    assert _error(got, want) <= 1e-9, f"{df}  vs  {dg}"


def test_the_two_spellings_of_the_bilinear_form_give_one_expression() -> None:
    a = mc.diff(mc.parse("x'*S*y", SYM), "S")
    b = mc.diff(mc.parse("y'*S*x", SYM), "S")
    assert a is b
    assert str(a) == "(x*y'+y*x')/2"


def test_trace_spellings_give_one_expression() -> None:
    assert mc.diff(mc.parse("tr(S*A)", SYM), "S") is mc.diff(mc.parse("tr(A'*S)", SYM), "S")


def test_a_plain_matrix_keeps_the_entrywise_derivative() -> None:
    assert str(mc.diff(mc.parse("x'*A*y"), "A")) == "x*y'"
    assert str(mc.diff(mc.parse("tr(A*B)"), "A")) == "B'"
    values = random_values(mc.parse("x'*A*y"), 0)
    d = _value(mc.diff(mc.parse("x'*A*y"), "A", "x"), values)
    np.testing.assert_allclose(d, np.einsum("ik,j->ijk", np.eye(len(values["x"])), values["y"]))


def test_familiar_symmetric_results_stay() -> None:
    assert str(mc.diff(mc.parse("logdet(S)", SYM), "S")) == "inv(S)"
    assert str(mc.diff(mc.parse("x'*S*x", SYM), "S")) == "x*x'"
    assert str(mc.diff(mc.parse("x'*S*x", SYM), "x")) == "2*S*x"


# ---- every form agrees ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "wrt"), [("x'*S*y", ("S",)), ("S*A", ("S",)), (_GP, ("K", "K"))])
def test_generated_code_and_vec_form_follow_the_convention(text: str, wrt: tuple[str, ...]) -> None:
    f = mc.parse(text, SYM)
    values = random_values(f, 2)
    d = mc.diff(f, *wrt)
    want = _value(d, values)
    fn = mc.lambdify({"d": d}, args=sorted(values))
    got = np.asarray(fn(*(values[k] for k in sorted(values)))["d"])
    assert _error(got, want) <= 1e-10
    assert_symmetric_in_pairs(got, _pairs(f, wrt), f"generated code of d{wrt} {text}")
    if len(wrt) == 1:
        jac = mc.vec_jacobian(f, wrt[0])
        rows = int(np.prod(want.shape[: f.ndim], dtype=int))
        np.testing.assert_allclose(jac.evaluate(values), want.reshape(rows, -1, order="F"), atol=1e-12)
    steps = mc.explain(f, wrt[0])
    assert "symmetric" in str(steps)


def test_jax_hessian_symmetrized_is_matcalcs() -> None:
    """jax.hessian differentiates entry by entry; its symmetric part in both pairs is matcalc's."""
    jax = require("jax")
    jnp = require("jax.numpy")
    jax.config.update("jax_enable_x64", True)
    f = mc.parse(_GP, SYM)
    values = random_values(f, 4)
    k, y = values["K"], values["y"]

    def gp(kernel: Any) -> Any:
        return -0.5 * y @ jnp.linalg.solve(kernel, y) - 0.5 * jnp.linalg.slogdet(kernel)[1]

    h = np.asarray(jax.hessian(gp)(jnp.asarray(k)))
    g = np.asarray(jax.grad(gp)(jnp.asarray(k)))
    ours_h = _value(mc.diff(f, "K", "K"), values)
    ours_g = _value(mc.diff(f, "K"), values)
    sym_h = (h + h.transpose(1, 0, 2, 3)) / 2
    sym_h = (sym_h + sym_h.transpose(0, 1, 3, 2)) / 2
    assert _error(ours_g, (g + g.T) / 2) <= 1e-10
    assert _error(ours_h, sym_h) <= 1e-10
    assert _error(ours_h, h) > 1e-3  # jax's own is not symmetric in the pairs: the conventions differ


# ---- mc.check names the other conventions ---------------------------------------------------------------


@st.composite
def scalar_functions_of_s(draw: Any) -> Expr:
    f = draw(expressions_with_values("scalar", max_depth=4, exclude=("extrema",))).expr
    assume(any(s.name == "S" for s in f.symbols))
    return f


@example(mc.parse("-(a+norm2(polygamma(2, exp(S))))", {"S": "symmetric", "a": "scalar"}))  # see below
@example(mc.parse("2.5e-07*det(A+S)", {"S": "symmetric", "A": "matrix"}))  # too small for check to resolve
@settings(max_examples=max(10, _PROFILE // 5), **_LENIENT)
@given(scalar_functions_of_s())
def test_check_names_the_entrywise_and_cookbook_gradients(f: Expr) -> None:
    """The entrywise gradient of f as written, and the Cookbook's 2D - I∘D, are recognized."""
    note(f"f = {f}")
    s = _symbol(f, "S")
    try:
        d = mc.diff(f, "S")
        plain = mc.parse(str(f), {**{x.name: x.kind for x in f.symbols}, "S": "matrix"})
        entrywise = mc.diff(plain, "S")
    except mc.MatcalcError:
        assume(False)
        raise
    claim = build.replace(entrywise, _symbol(plain, "S"), s)
    try:
        result = mc.check(f, "S", claim, trials=3)
    except mc.EvaluationError:  # not finite anywhere tried
        assume(False)
        raise
    assert result.ok or result.convention == "entrywise", f"{claim}: {result.explanation}"
    cookbook = build.sub(build.scale(build.number(2), d), build.diag(build.diag(d)))
    result = mc.check(f, "S", cookbook, trials=3)
    if result.ok:  # D is diagonal: the Cookbook's is the same
        value = np.nan_to_num(_value(d, random_values(f, 0)))
        off = value - np.diag(np.diag(value))
        # check measures errors against at least 1, so it cannot see the off-diagonal part of a
        # D of entries far below 1 (2.5e-07*det(A+S): 3e-6 off the diagonal, accepted)
        if float(np.max(np.abs(value), initial=0.0)) >= 1e-2:
            assert float(np.max(np.abs(off), initial=0.0)) <= 1e-6 * _scale(value)
    else:
        assert result.convention == "symmetric-gradient", f"{cookbook}: {result.explanation}"


def test_check_prefers_a_convention_to_a_constant_factor() -> None:
    """Where D's diagonal is small against the rest, the Cookbook's 2D - I∘D is also nearly 2D.

    mc.check used to say "2 times the derivative" here (the factor search tried the plain
    arrangement first); an exact convention now wins over an approximate factor.
    """
    f = mc.parse("-(a+norm2(polygamma(2, exp(S))))", {"S": "symmetric", "a": "scalar"})
    d = mc.diff(f, "S")
    cookbook = build.sub(build.scale(build.number(2), d), build.diag(build.diag(d)))
    result = mc.check(f, "S", cookbook, trials=3)
    assert not result.ok
    assert result.convention == "symmetric-gradient", result.explanation
    g = mc.parse("x'*S*x", {"S": "symmetric", "x": "vector"})  # a diagonal as large as the rest
    doubled = mc.check(g, "S", build.scale(build.number(2), mc.diff(g, "S")), trials=3)
    assert not doubled.ok and doubled.convention is None, doubled.explanation
    assert "2 times the derivative" in doubled.explanation
