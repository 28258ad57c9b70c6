"""Random expressions: every derivative matches finite differences.

Hypothesis draws a well-typed expression over every construct of the input
language (`strategies.expressions_with_values`, nesting depth up to 5), values
for its symbols, and a variable among them -- scalar, vector, matrix or
symmetric matrix -- and checks that

- ``mc.diff(f, var)`` raises nothing, evaluates to an array of shape
  ``f.shape + var.shape``, and equals central finite differences of ``f``;
- its text, in matrix form or index notation, parses back (with the kinds of
  the function's symbols) to an expression with the same value, every size
  given by the text;
- second derivatives, ``mc.diff(f, u, v)`` (Hessians and mixed), equal central
  finite differences of the symbolic first derivative ``mc.diff(f, u)``, on a
  quarter as many examples, and their text parses back in the same way;
- the same two properties for expressions built around a matrix function or
  spectral operation (any record of `matcalc.ops.primary` and
  `matcalc.ops.spectral`) of a random argument built to lie in the record's
  domain (`strategies.matrix_function_cases`: ``M'*M + I`` for an SPD one,
  ``S``, ``M+M'`` or ``M'*M`` for a symmetric one): at the root a quarter of the
  time, otherwise inside one or two constructs of a loss (``tr(A*expm(X))``,
  ``x'*sqrtm(S)*x``, ``norm2(chol(S)*z)^2``, a penalty added to a data term),
  on a third as many examples.

Values are those of `strategies` (positive entries, diagonally dominant
matrices) for half the examples and those of `matcalc.testing.random_values`
(entries of both signs) for the other half.

**When the numbers are compared.**  A derivative is checked at every point
where it is defined and finite differences can see it; an example is assumed
away (and counted in the statistics) only when

- ``f`` or one of its subexpressions is not finite there, or larger than
  ``HUGE`` (``tr(M)`` of a matrix with NaN off its diagonal is finite, its
  derivative is not);
- a subexpression that depends on a differentiation variable sits within
  ``KINK`` of a point where its own derivative does not exist: ``abs``,
  ``sign``, ``relu``, ``step``, ``norm1`` at 0, ``norm2`` of 0, ``max``/``min``
  (of all entries, each column or each row) near a tie, ``sqrt``,
  ``log``, a division or a fractional power at 0, a power with a variable
  exponent of a number that is not positive, ``arcsin``/``arccos`` at ±1, a
  nearly singular matrix under ``inv``/``det``/``logdet``/negative powers, a
  matrix function near its branch cut or pole, a spectral operation at nearly
  repeated (or, where it needs them nonzero, vanishing) eigenvalues or singular
  values, or of a wide matrix where it needs a tall one;
- finite differences with steps ``STEP`` and ``STEP/2`` disagree by more than
  ``STABLE`` (relative to ``max(1, |derivative|)``): they are unreliable there.

Then the Richardson extrapolation of the two must match the symbolic value
within ``RTOL`` (same scale), ten times the stability bound: a mismatch fails
with the expression, the variable, the values and both arrays.  An exception
from ``diff`` is always a failure (every construct is differentiable).

**Budgets.**  The first-derivative property runs 7 times the active profile's
``max_examples`` (ci: 2,100), capped at the thorough profile's 20,000 and never
below the profile's own count; the second-derivative one a quarter of that.
The thorough run (see docs/testing.md)::

    HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_diff_property.py --hypothesis-show-statistics
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import assume, event, given, note, settings
from hypothesis import strategies as st
from strategies import expressions_with_values, matrix_function_cases

import matcalc as mc
from matcalc.expr import (
    FUNCTION_KINDS,
    Apply,
    Det,
    ElemDiv,
    Expr,
    Extremum,
    IndexForm,
    Inverse,
    LogDet,
    MatFun,
    MatPow,
    Norm,
    Number,
    Power,
    Spectral,
    walk,
)
from matcalc.limits import DEFAULT_WORK, LimitError
from matcalc.ops import ELEMENTWISE, Elementwise
from matcalc.ops.primary import PRIMARY_FUNCTIONS
from matcalc.ops.spectral import SPECTRAL_OPS
from matcalc.parse import MAX_LENGTH
from matcalc.testing import numeric_derivative, random_values

MAX_DEPTH = 5

#: Finite-difference step; the second estimate uses STEP/2.
STEP = 1e-5
#: Finite differences are trusted when the two steps agree to this (relative) error.
STABLE = 1e-6
#: The symbolic derivative must agree with the extrapolated finite differences to this.
RTOL = 1e-5
#: Values larger than this are too large for finite differences to be accurate.
HUGE = 1e6
#: Distance to a kink or singularity of a subexpression's derivative below which we do not compare.
KINK = 1e-3
#: Largest condition number of a matrix under inv/det/logdet/negative power.
MAX_COND = 1e8

_PROFILE = settings().max_examples
FIRST_ORDER_EXAMPLES = max(_PROFILE, min(7 * _PROFILE, 20_000))
SECOND_ORDER_EXAMPLES = max(1, FIRST_ORDER_EXAMPLES // 4)
#: Matrix functions cost more (a Jacobian of f(X) is n^2 Fréchet derivatives): a third of the
#: profile's count (ci: 100 first and 25 second derivatives, about 30 s of CPU).
MATRIX_FUNCTION_EXAMPLES = max(1, _PROFILE // 3)

# No deadline: an example's time depends on the expression drawn and on the machine's load.
_SETTINGS = {"deadline": None}


@dataclass(frozen=True)
class Problem:
    """An expression, values for its symbols, and the variables to differentiate by."""

    f: Expr
    values: dict[str, Any]
    wrt: tuple[str, ...]
    signed: bool

    def context(self) -> str:
        with np.printoptions(precision=17, linewidth=150):
            vals = "\n".join(f"  {k} = {np.asarray(v)!r}" for k, v in sorted(self.values.items()))
        kinds = {s.name: s.kind for s in self.f.symbols}
        source = "matcalc.testing.random_values" if self.signed else "strategies.values_for"
        return f"f = {self.f}\nkinds = {kinds}\nby {', '.join(self.wrt)}\nvalues ({source}):\n{vals}"


@st.composite
def problems(draw: Any, order: int, matrix_functions: bool = False) -> Problem:
    cases = matrix_function_cases() if matrix_functions else expressions_with_values(
        max_depth=MAX_DEPTH, include=("calls",))
    case = draw(cases)
    f = case.expr
    if matrix_functions:
        event("matrix function " + ("at the root" if isinstance(f, MatFun | Spectral) else "in a loss"))
    names = sorted(s.name for s in f.symbols if s.kind not in FUNCTION_KINDS)
    if not names:
        event("skipped: no symbol")
    assume(names)
    signed = draw(st.booleans())
    values = random_values(f, draw(st.integers(0, 2**32 - 1))) if signed else case.values
    first = draw(st.sampled_from(names))
    wrt = [first]
    if order == 2:  # a Hessian half the time, else a mixed derivative when there is another symbol
        others = [n for n in names if n != first]
        wrt.append(draw(st.sampled_from(others)) if others and draw(st.booleans()) else first)
    return Problem(f, values, tuple(wrt), signed)


# ---- where the comparison is meaningful ------------------------------------------------------


def _kind(p: Problem, name: str) -> str:
    return next(s.kind for s in p.f.symbols if s.name == name)


def _depends(e: Expr, names: Collection[str]) -> bool:
    return any(s.name in names for s in e.symbols)


def _min_abs(v: Any) -> float:
    return float(np.min(np.abs(v), initial=np.inf))


def _near_a_kink(f: Elementwise, u: Any) -> str | None:
    """Why f' may not exist at some entry of ``u``: near a kink or an end of where f is defined."""
    lo, hi = f.defined
    for point in (*f.kinks, lo, hi):
        if np.isfinite(point) and _min_abs(np.asarray(u) - point) < KINK:
            return f"{f.name} at {point:g}"
    outside = np.any((np.asarray(u) < lo + KINK) | (np.asarray(u) > hi - KINK))
    return f"{f.name} outside where it is defined" if outside else None


def _singular_point(e: Expr, value_of: Mapping[int, Any], wrt: Collection[str]) -> str | None:
    """Why the derivative of node ``e`` (given its children's values) may not exist, or None."""
    if isinstance(e, Apply):
        u = value_of.get(id(e.arg))
        if u is None:
            return None
        return _near_a_kink(ELEMENTWISE[e.func], u)
    elif isinstance(e, Norm) and id(e.body) in value_of:
        u = value_of[id(e.body)]
        if (_min_abs(u) if e.p == 1 else float(np.sqrt(np.sum(np.square(u))))) < KINK:
            return f"norm{e.p} at a kink"
    elif isinstance(e, Power) and id(e.base) in value_of:
        u, p = value_of[id(e.base)], e.exponent
        if _depends(p, wrt) and float(np.min(u, initial=np.inf)) < KINK:  # d(u^p) has log(u) dp
            return "variable power of a non-positive number"
        smooth = isinstance(p, Number) and float(p.value).is_integer() and p.value >= 1
        if not smooth and _min_abs(u) < KINK:
            return "power of 0"
    elif isinstance(e, ElemDiv) and id(e.den) in value_of:
        if _min_abs(value_of[id(e.den)]) < KINK:
            return "division by 0"
    elif isinstance(e, Inverse | Det | LogDet | MatPow) and id(e.body) in value_of:
        inverts = not isinstance(e, MatPow) or e.k < 0
        if inverts and np.linalg.cond(value_of[id(e.body)]) > MAX_COND:
            return "nearly singular matrix"
    elif isinstance(e, MatFun | Spectral) and id(e.body) in value_of:
        return _off_domain(e, np.asarray(value_of[id(e.body)]), value_of)
    elif isinstance(e, Extremum) and id(e.body) in value_of:
        return _near_a_tie(e, np.asarray(value_of[id(e.body)]))
    return None


def _near_a_tie(e: Extremum, u: np.ndarray) -> str | None:
    """Why ``max``/``min`` (of all entries, each column, each row) may have no derivative at ``u``.

    Two entries of one reduced array within KINK of each other but not equal: a kink.  An
    exact tie (a symmetric matrix's two halves) takes the documented subgradient, the mean,
    which is the derivative where the tied entries move together; it is compared.
    """
    lines = u.reshape(1, -1) if e.axis == 0 else (u.T if e.axis == 1 else u)
    ordered = np.sort(lines, axis=1)
    gaps = ordered[:, -1] - ordered[:, -2] if e.kind == "max" else ordered[:, 1] - ordered[:, 0]
    scale = np.maximum(1.0, np.max(np.abs(lines), axis=1))
    if lines.shape[1] > 1 and np.any((gaps > 0) & (gaps < KINK * scale)):
        return f"{e.kind} near a tie"
    return None


def _off_domain(e: MatFun | Spectral, u: np.ndarray, value_of: Mapping[int, Any]) -> str | None:
    """Why a matrix function's derivative may not exist at ``u``, from its record's domain."""
    if isinstance(e, MatFun):
        record = PRIMARY_FUNCTIONS[e.func]
        c = float(value_of.get(id(e.params[0]), 1.0)) if e.params else 1.0
        if record.branch_cut or record.pole(c):
            lam = np.linalg.eigvals(u)
            if float(np.min(np.where(np.abs(lam.imag) < KINK, lam.real, np.inf), initial=np.inf)) < KINK:
                return f"{record.name}: an eigenvalue near the branch cut or pole"
        return None
    domain = SPECTRAL_OPS[e.kind].domain
    if domain == "tall":
        if u.shape[0] < u.shape[1]:
            return f"{e.kind} of a wide matrix"
        s = np.linalg.svd(u, compute_uv=False)
        return _gap(s, f"{e.kind}: singular values near 0 or repeated", with_zero=True)
    if domain in ("symmetric", "spd"):
        lam = np.linalg.eigvalsh((u + u.T) / 2)
        return _gap(lam, f"{e.kind}: eigenvalues near 0 or repeated", with_zero=domain == "spd")
    return None


def _gap(values: np.ndarray, why: str, with_zero: bool) -> str | None:
    """``why`` if two of ``values`` (or one and 0) are within KINK relative to the largest."""
    points = np.sort(np.append(values, 0.0) if with_zero else values)
    scale = max(1.0, float(np.max(np.abs(points), initial=0.0)))
    return why if points.size > 1 and float(np.min(np.diff(points))) < KINK * scale else None


def irregularity(f: Expr, values: Mapping[str, Any], wrt: Collection[str]) -> str | None:
    """Why ``f`` cannot be compared with finite differences by ``wrt`` at ``values``, or None.

    Evaluates every subexpression (children before parents).  A subexpression
    whose size only its context fixes (``eye``, ``2*eye``) cannot be evaluated
    alone; it holds no variable and is skipped.
    """
    value_of: dict[int, Any] = {}
    with np.errstate(all="ignore"):
        for e in walk(f):
            try:
                v = mc.evaluate(e, values)
            except mc.EvaluationError:
                if _depends(e, wrt) and not any(d.anonymous for d in e.dims):
                    return "a subexpression cannot be evaluated"
                continue
            if not np.all(np.isfinite(v)):
                return "a subexpression is not finite"
            if float(np.max(np.abs(v), initial=0.0)) > HUGE:
                return "a subexpression is huge"
            value_of[id(e)] = v
            if _depends(e, wrt):
                reason = _singular_point(e, value_of, wrt)
                if reason is not None:
                    return reason
    return None


@dataclass(frozen=True)
class FiniteDifferences:
    """Two central-difference estimates and their Richardson extrapolation."""

    coarse: np.ndarray
    fine: np.ndarray

    @property
    def value(self) -> np.ndarray:
        return (4 * self.fine - self.coarse) / 3  # error O(h^4)

    @property
    def scale(self) -> float:
        return max(1.0, float(np.max(np.abs(self.value), initial=0.0)))

    @property
    def instability(self) -> float:
        return float(np.max(np.abs(self.coarse - self.fine), initial=0.0)) / self.scale


def finite_differences(g: Expr, var: str, values: Mapping[str, Any]) -> FiniteDifferences:
    with np.errstate(all="ignore"):
        return FiniteDifferences(
            numeric_derivative(g, var, values, STEP), numeric_derivative(g, var, values, STEP / 2)
        )


# ---- the checks ---------------------------------------------------------------------------------


def derivative(p: Problem, *wrt: str) -> Expr:
    """``mc.diff(p.f, *wrt)``; any exception fails the test with the problem printed."""
    try:
        return mc.diff(p.f, *wrt)
    except LimitError:  # an exploding result stopped by the documented work budget: not a wrong one
        event("skipped: over the work budget")
        assume(False)
        raise
    except mc.DifferentiationError as err:  # documented, but every construct is differentiable
        raise AssertionError(f"diff by {wrt} raised DifferentiationError: {err}\n{p.context()}") from err
    except Exception as err:
        raise AssertionError(f"diff by {wrt} raised {type(err).__name__}: {err}\n{p.context()}") from err


def evaluated(g: Expr, p: Problem, what: str) -> np.ndarray:
    try:
        with np.errstate(all="ignore"):
            return np.asarray(mc.evaluate(g, p.values), dtype=float)
    except Exception as err:
        raise AssertionError(f"{what} {g} cannot be evaluated: {err!r}\n{p.context()}") from err


def assert_matches(symbolic: np.ndarray, fd: FiniteDifferences, g: Expr, p: Problem, what: str) -> None:
    """The symbolic derivative equals the finite differences (shape, finiteness, values)."""
    header = f"{what}: {g}\n{p.context()}"
    assert symbolic.shape == fd.value.shape, f"shape {symbolic.shape} != {fd.value.shape}\n{header}"
    error = float(np.max(np.abs(symbolic - fd.value), initial=0.0)) / fd.scale
    if error <= RTOL:  # NaN falls through
        return
    gap = np.abs(symbolic - fd.value)
    where = np.unravel_index(np.nanargmax(gap), gap.shape) if np.any(np.isfinite(gap)) else "(all NaN)"
    with np.printoptions(precision=10, linewidth=150):
        raise AssertionError(
            f"WRONG DERIVATIVE: relative error {error:.3g} > {RTOL} (finite differences stable to "
            f"{fd.instability:.2g}); worst at {where}\n{header}\n"
            f"symbolic:\n{symbolic!r}\nfinite differences:\n{fd.value!r}"
        )


def assert_round_trips(g: Expr, value: np.ndarray, p: Problem) -> None:
    """The text of ``g`` parses back to an expression with the same value.

    Matrix forms and index notation alike (a tensor prints as ``∂f[i]/∂W[j,k] =
    ...``), parsed with the kinds of the function's symbols and with nothing
    renamed: every size must come from the text itself (a constant whose size
    the context does not fix prints it, ``vector(1, size(y, 1))``).
    """
    event("result: index form" if any(isinstance(n, IndexForm) for n in walk(g)) else "result: matrix form")
    text = str(g)  # past the parser's default limit only when naming every shared part does not help
    if len(text) > MAX_LENGTH:
        event("round trip: text longer than the parser reads by default")
    kinds = {s.name: s.kind for s in p.f.symbols}
    try:
        with mc.limits(length=max(len(text), MAX_LENGTH), work=max(DEFAULT_WORK, 20 * len(text))):
            back = mc.parse(text, kinds)
    except mc.MatcalcError as err:
        raise AssertionError(f"derivative text {text!r} does not parse: {err}\n{p.context()}") from err
    assert back.ndim == g.ndim, f"{text!r} parses to rank {back.ndim}, not {g.ndim}\n{p.context()}"
    open_sizes = not any(d.anonymous for d in g.dims) and any(d.anonymous for d in back.dims)
    assert not open_sizes, f"{text!r} parses back with a size left open\n{p.context()}"
    again = evaluated(back, p, "parsed-back derivative")
    scale = max(1.0, float(np.max(np.abs(value), initial=0.0)))
    same = again.shape == value.shape and np.allclose(
        again, value, rtol=1e-9, atol=1e-9 * scale, equal_nan=True
    )
    assert same, (
        f"derivative text {text!r} parses back to {back} with another value\n{p.context()}\n"
        f"derivative:\n{value!r}\nparsed back:\n{again!r}"
    )


def _skip_unless_comparable(f: Expr, p: Problem, wrt: Collection[str]) -> None:
    reason = irregularity(f, p.values, wrt)
    if reason is not None:
        event(f"skipped: {reason}")
    assume(reason is None)


def _skip_unless_stable(fd: FiniteDifferences) -> None:
    stable = bool(np.isfinite(fd.instability)) and fd.instability <= STABLE
    if not stable:
        event("skipped: finite differences unstable")
    assume(stable)


# ---- the properties -----------------------------------------------------------------------------


@settings(max_examples=FIRST_ORDER_EXAMPLES, **_SETTINGS)
@given(problems(order=1))
def test_first_derivative_matches_finite_differences(p: Problem) -> None:
    (var,) = p.wrt
    note(p.context())
    event(f"variable: {_kind(p, var)}")
    g = derivative(p, var)
    _skip_unless_comparable(p.f, p, {var})
    symbolic = evaluated(g, p, "derivative")
    f_shape = np.shape(mc.evaluate(p.f, p.values))
    want = f_shape + np.shape(p.values[var])
    assert symbolic.shape == want, f"diff has shape {symbolic.shape}, not {want}: {g}\n{p.context()}"
    assert_round_trips(g, symbolic, p)
    fd = finite_differences(p.f, var, p.values)
    _skip_unless_stable(fd)
    assert_matches(symbolic, fd, g, p, "derivative")
    event("checked")


@settings(max_examples=SECOND_ORDER_EXAMPLES, **_SETTINGS)
@given(problems(order=2))
def test_second_derivative_matches_finite_differences(p: Problem) -> None:
    u, v = p.wrt
    note(p.context())
    event("Hessian" if u == v else "mixed")
    g = derivative(p, u)
    h = derivative(p, u, v)
    _skip_unless_comparable(p.f, p, {u, v})
    _skip_unless_comparable(g, p, {v})
    symbolic = evaluated(h, p, "second derivative")
    want = np.shape(mc.evaluate(p.f, p.values)) + np.shape(p.values[u]) + np.shape(p.values[v])
    assert symbolic.shape == want, f"diff has shape {symbolic.shape}, not {want}: {h}\n{p.context()}"
    assert_round_trips(h, symbolic, p)
    fd = finite_differences(g, v, p.values)
    _skip_unless_stable(fd)
    assert_matches(symbolic, fd, h, p, f"second derivative (first derivative: {g})")
    event("checked")


@settings(max_examples=MATRIX_FUNCTION_EXAMPLES, **_SETTINGS)
@given(problems(order=1, matrix_functions=True))
def test_matrix_function_first_derivative_matches_finite_differences(p: Problem) -> None:
    """The same property for the matrix functions and spectral operations of the registries."""
    test_first_derivative_matches_finite_differences.hypothesis.inner_test(p)


@settings(max_examples=max(1, MATRIX_FUNCTION_EXAMPLES // 4), **_SETTINGS)
@given(problems(order=2, matrix_functions=True))
def test_matrix_function_second_derivative_matches_finite_differences(p: Problem) -> None:
    """Second derivatives through the matrix functions and spectral operations."""
    test_second_derivative_matches_finite_differences.hypothesis.inner_test(p)


# ---- engine bugs the properties above found (minimized; all fixed) ---------------------------
# See also tests/test_diff_regressions.py.  A bug found but not yet fixed goes here as a
# strict xfail, so that the fix turns it into a failure asking to drop the mark.

_FRESH = ("B", "C", "D", "E", "F", "G", "H", "K")


def test_regression_two_negative_matrix_powers() -> None:
    # d(B^-2 + B^-3)/dB came out as 2 * d(B^-2)/dB: diff memoized derivatives by id() of
    # nodes it built on the fly (B^-3 -> inv(B)^3), and a freed node's id was reused.
    # Fresh symbols each time, since whether an id is reused depends on the allocator.
    for name in _FRESH:
        f = mc.parse(f"{name}^-2+{name}^-3", {name: "matrix"})
        values = random_values(f, 0)
        g = mc.diff(f, name)
        fd = finite_differences(f, name, values)
        got = np.asarray(mc.evaluate(g, values))
        assert np.allclose(got, fd.value, rtol=1e-6, atol=1e-6), f"{f} by {name}: {g}"


def test_regression_trace_of_diag_in_a_gradient() -> None:
    # d tr(a*diag(x))/da = sum(x) came out as tr(eye)*sum(x), n times too large: the
    # delta δ[s,s] became n although s also indexed x
    f = mc.parse("tr(a*diag(x))")
    values = {"a": 0.7, "x": np.array([0.5, -1.0, 2.0])}
    got = mc.evaluate(mc.diff(f, "a"), values)
    assert np.isclose(got, np.sum(values["x"])), mc.diff(f, "a")


def test_regression_trace_of_diag_in_a_jacobian() -> None:
    # d(x*tr(diag(y)))/dy = x*ones(n)' came out as tr(eye)*x*vector(1)' (same bug, forward mode)
    f = mc.parse("x*tr(diag(y))")
    values = {"x": np.array([1.0, 2.0]), "y": np.array([0.5, -1.0, 2.0])}
    got = np.asarray(mc.evaluate(mc.diff(f, "y"), values))
    assert np.allclose(got, np.outer(values["x"], np.ones(3))), mc.diff(f, "y")


def test_regression_bilinear_form_of_an_outer_product() -> None:
    # d(w'*(x*y')*z)/dx raised ShapeError "matrix product needs two arrays, got scalar
    # w'*_slot and row vector y'": the scalar w'*x stayed inside a matrix-product chain
    f = mc.parse("w'*(x*y')*z")
    values = {"w": np.array([1.0, 2.0]), "x": np.array([0.5, -1.0]), "y": np.array([3.0, 1.0, 2.0]),
              "z": np.array([1.0, -2.0, 0.5])}  # fmt: skip
    got = np.asarray(mc.evaluate(mc.diff(f, "x"), values))
    assert np.allclose(got, (values["y"] @ values["z"]) * values["w"])
