"""Every operation record through every pass: the registry's completeness, checked.

Each elementwise record of `matcalc.ops.ELEMENTWISE` is taken through parsing,
the text round trip, evaluation (against its SymPy form, an independent
oracle), first and second derivatives (against finite differences and against
SymPy's derivative), the range it claims for code generation, KaTeX rendering
of its LaTeX, the generated code of every backend (NumPy, array-api-strict,
dask, JAX, PyTorch) and the SymPy bridge both ways.  A record added to the
registry is in every test here without further edits; a library missing in CI
fails its test (`optional.require`).
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp
from optional import require
from test_latex_render import _render_all
from test_sympy_bridge import sympy_value

import matcalc as mc
from matcalc import build
from matcalc.diff import _RULES as diff_rules
from matcalc.expr import Apply, Node
from matcalc.ops import ELEMENTWISE, Elementwise, MatrixFunction
from matcalc.ops.matrix import MATRIX_FUNCTIONS, matrix_function
from matcalc.testing import check_derivative

RECORDS = [pytest.param(r, id=r.name) for r in ELEMENTWISE.values()]

#: Symbols of each kind the tests apply a function to.
KINDS = {"a": "scalar", "x": "vector", "X": "matrix"}

#: How far the test points keep from a kink or an end of where a function is defined.
MARGIN = 0.05


def points(r: Elementwise, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Random arguments from the record's samples, away from its kinks."""
    rng = np.random.default_rng(seed)
    lo, hi = r.samples
    out = rng.uniform(lo + MARGIN, hi - MARGIN, shape)
    for k in r.kinks:
        near = np.abs(out - k) < MARGIN
        out[near] = k + MARGIN * np.where(out[near] >= k, 1, -1) * 2
    return out


def values(r: Elementwise) -> dict[str, Any]:
    return {"a": float(points(r, (), 1)), "x": points(r, (3,), 2), "X": points(r, (2, 3), 3)}


def sympy_function(r: Elementwise, order: int = 0) -> Callable[[Any], Any]:
    """The record's SymPy form (or its derivative of ``order``) as a NumPy function."""
    t = sp.Symbol("t", real=True)
    form = sp.diff(r.sympy(sp, t), t, order) if order else r.sympy(sp, t)
    form = form.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)  # 0 off the kinks
    fn = sp.lambdify(t, form, ["scipy", "numpy"])  # scipy: erf, gamma functions
    return lambda v: np.asarray(fn(v), dtype=float) * np.ones_like(v)


def apply(r: Elementwise, name: str) -> mc.Expr:
    return mc.parse(f"{r.name}({name})", KINDS)


# ---- parse, text, evaluate -------------------------------------------------------------------------


@pytest.mark.parametrize("r", RECORDS)
@pytest.mark.parametrize("name", list(KINDS))
def test_parses_prints_and_round_trips(r: Elementwise, name: str) -> None:
    e = apply(r, name)
    arg = mc.parse(name, KINDS)
    assert isinstance(e, Apply) and e.func == r.name and e.arg is arg
    assert e.shape == arg.shape
    assert str(e) == f"{r.name}({name})"
    assert mc.parse(str(e), KINDS) is e
    if name != "a":
        transposed = mc.parse(f"{r.name}({name}')", KINDS)
        assert str(transposed) == f"{r.name}({name}')" and mc.parse(str(transposed), KINDS) is transposed


@pytest.mark.parametrize("r", RECORDS)
def test_the_name_is_reserved(r: Elementwise) -> None:
    with pytest.raises(mc.ParseError, match=f"'{r.name}' is a function"):
        mc.parse(f"{r.name} + 1")


@pytest.mark.parametrize("r", RECORDS)
def test_evaluates_as_its_sympy_form(r: Elementwise) -> None:
    reference = sympy_function(r)
    vals = values(r)
    for name in KINDS:
        got = mc.evaluate(apply(r, name), vals)
        np.testing.assert_allclose(got, reference(vals[name]), rtol=1e-12, atol=1e-300)
    assert isinstance(mc.evaluate(apply(r, "a"), vals), float)


@pytest.mark.parametrize("r", RECORDS)
def test_values_lie_in_the_range_code_generation_relies_on(r: Elementwise) -> None:
    lo, hi = r.range
    wide = np.linspace(*r.defined, 1001)[1:-1] if np.isfinite(r.defined).all() else np.linspace(-50, 50, 1001)
    wide = wide[(wide > r.defined[0]) & (wide < r.defined[1])]
    got = mc.evaluate(apply(r, "x"), {"x": wide})
    assert np.all((lo <= got) & (got <= hi)), (r.name, float(np.min(got)), float(np.max(got)))


# ---- derivatives ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("r", RECORDS)
@pytest.mark.parametrize(
    ("text", "wrt"),
    [("F(x)", ("x",)), ("sum(F(x))", ("x",)), ("F(a)", ("a", "a")), ("sum(F(x))", ("x", "x")),
     ("F(x)", ("x", "x")), ("sum(F(X))", ("X",)), ("sum(F(X))", ("X", "X"))],
)  # fmt: skip
def test_derivatives_agree_with_finite_differences(r: Elementwise, text: str, wrt: tuple[str, ...]) -> None:
    f = mc.parse(text.replace("F", r.name), KINDS)
    check = check_derivative(f, *wrt, values=values(r), rtol=1e-5, atol=1e-6)
    assert check.ok, (r.name, text, wrt, check.max_error, str(check.derivative))


@pytest.mark.parametrize("r", RECORDS)
def test_derivatives_agree_with_sympy(r: Elementwise) -> None:
    """f' and f'' of the rule equal SymPy's derivatives of the record's SymPy form (away from kinks)."""
    f, vals = apply(r, "x"), values(r)
    first = mc.evaluate(mc.diff(mc.parse(f"sum({r.name}(x))"), "x"), vals)
    second = mc.evaluate(mc.diff(mc.parse(f"sum({r.name}(x))"), "x", "x"), vals)
    np.testing.assert_allclose(first, sympy_function(r, 1)(vals["x"]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(second, np.diag(sympy_function(r, 2)(vals["x"])), rtol=1e-10, atol=1e-12)
    assert (r.derivative is None) == (not np.any(mc.evaluate(mc.diff(f, "x"), vals)))


# ---- LaTeX ---------------------------------------------------------------------------------------------


def _latex_strings() -> list[str]:
    out = []
    for r in ELEMENTWISE.values():
        for text, wrt in ((f"{r.name}(x)", "x"), (f"{r.name}(X*x)'*y", "x"), (f"{r.name}(a)^2", "a"),
                          (f"{r.name}(x./y)", "y")):
            e = mc.parse(text, KINDS)
            for shown in (e, mc.diff(e, wrt)):
                out.extend(mc.latex(shown, form=form) for form in ("matrix", "index"))
    return out


def test_every_record_renders_in_katex() -> None:
    strings = _latex_strings()
    report = _render_all(strings)
    assert report["rendered"] == len(strings) >= 8 * len(ELEMENTWISE)
    assert not report["failures"], report["failures"][:10]


# ---- code generation: every backend ------------------------------------------------------------------


def _outputs(r: Elementwise) -> dict[str, mc.Expr]:
    f = mc.parse(f"sum({r.name}(X*x))", KINDS)
    return {"f": apply(r, "x"), "m": apply(r, "X"), "s": apply(r, "a"), "grad": mc.diff(f, "x")}


def _code_values(r: Elementwise) -> dict[str, Any]:
    vals = values(r)
    vals["X"] = np.abs(vals["X"]) / 4 if r.defined[0] >= 0 else vals["X"] / 4  # X*x within the samples
    vals["x"] = np.abs(vals["x"]) if r.defined[0] >= 0 else vals["x"]
    return vals


def _run(r: Elementwise, backend: str, to: Callable[[Any], Any], back: Callable[[Any], Any]) -> None:
    outputs, vals = _outputs(r), _code_values(r)
    fn = mc.lambdify(outputs, args=sorted(vals), backend=backend)
    out = fn(**{k: to(np.asarray(v, dtype=np.float64)) for k, v in vals.items()})
    for key, e in outputs.items():
        want = mc.evaluate(e, vals)
        got = back(out[key])
        assert np.shape(got) == np.shape(want), (r.name, key)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"{r.name}: {key}")


@pytest.mark.parametrize("r", RECORDS)
def test_numpy_code(r: Elementwise) -> None:
    _run(r, "numpy", lambda v: v, np.asarray)


@pytest.mark.parametrize("r", RECORDS)
def test_array_api_strict_code(r: Elementwise) -> None:
    require("array_api_compat")
    xs = require("array_api_strict")
    _run(r, "array_api", xs.asarray, np.asarray)


@pytest.mark.parametrize("r", RECORDS)
def test_dask_code(r: Elementwise) -> None:
    require("array_api_compat")
    da = require("dask.array")
    _run(r, "array_api", da.from_array, np.asarray)


@pytest.mark.parametrize("r", RECORDS)
def test_jax_code(r: Elementwise) -> None:
    jax = require("jax")
    jax.config.update("jax_enable_x64", True)
    _run(r, "jax", jax.numpy.asarray, np.asarray)


@pytest.mark.parametrize("r", RECORDS)
def test_torch_code(r: Elementwise) -> None:
    torch = require("torch")
    _run(r, "torch", torch.as_tensor, lambda t: t.numpy())


# ---- the SymPy bridge ----------------------------------------------------------------------------------


@pytest.mark.parametrize("r", RECORDS)
@pytest.mark.parametrize("name", list(KINDS))
def test_sympy_bridge_both_ways(r: Elementwise, name: str) -> None:
    e, vals = apply(r, name), values(r)
    s = mc.to_sympy(e)
    got = sympy_value(s, vals)
    np.testing.assert_allclose(got.reshape(np.shape(vals[name])), mc.evaluate(e, vals), rtol=1e-12)
    back = mc.from_sympy(s, {name: KINDS[name]})
    np.testing.assert_allclose(mc.evaluate(back, vals), mc.evaluate(e, vals), rtol=1e-12)
    t = sp.Symbol("t", real=True)
    form = r.sympy(sp, t)
    if isinstance(form, sp.Function) and form.args == (t,):  # one SymPy function reads back as the record
        assert back is e


# ---- dispatchers over node types -----------------------------------------------------------------------


def test_every_node_class_has_a_derivative_rule() -> None:
    assert set(diff_rules) == set(typing.get_args(Node))


def test_a_node_with_no_sympy_counterpart_is_a_matcalc_error() -> None:
    """The SymPy translator's dispatch ends in assert_never; the abstract-function node raises clearly."""
    e = mc.parse("L(x)", {"L": "scalar function"})
    with pytest.raises(mc.MatcalcError, match=r"no SymPy counterpart for the matcalc node Call .*: L\(x\)"):
        mc.to_sympy(e)


# ---- matrix-level functions: tr, det, logdet, inv, diag, sum, norms, softmax, logsumexp, size, mean -----

#: The symbols each kind of argument is tried with (A is square: the functions make it so).
ARGUMENTS = {"square": ("A",), "vector": ("x",), "array": ("x", "A"), "vector or square": ("x", "A"),
             "two arrays": ("x, A", "A, x", "x, x", "A, A")}  # fmt: skip
SIZES = {"x": 3, "A": (3, 3)}
MATRIX_KINDS = {"x": "vector", "A": "matrix"}


def matrix_values(seed: int = 0) -> dict[str, np.ndarray]:
    """A well-conditioned square A and a vector x, no entry within 0.1 of 0 (where norm1 has a kink)."""
    rng = np.random.default_rng(seed)

    def away(shape: tuple[int, ...]) -> np.ndarray:
        return rng.uniform(0.1, 0.5, shape) * rng.choice([-1.0, 1.0], shape)

    return {"A": 3 * np.eye(3) + away((3, 3)), "x": 2 * away((3,))}


def matrix_cases() -> list[Any]:
    """``(record, argument, axis)``: each argument kind without an axis, and A with each axis."""
    out = []
    for r in MATRIX_FUNCTIONS.values():
        calls = [(arg, 0) for arg in ARGUMENTS[r.argument]] if r.build is not None else []
        calls += [("A", 1), ("A", 2)] if r.with_axis is not None else []
        out += [pytest.param(r, arg, axis, id=call_text(r, arg, axis)) for arg, axis in calls]
    return out


def call_text(r: MatrixFunction, arg: str, axis: int) -> str:
    return r.call_text(arg, axis)


def _sum(e: mc.Expr) -> mc.Expr:
    return build.sum_entries(e)


def operands(arg: str) -> list[str]:
    """The symbols of the argument text: one, or two for a function of two operands (``x, A``)."""
    return list(dict.fromkeys(arg.split(", ")))


CASES = matrix_cases()


@pytest.mark.parametrize(("r", "arg", "axis"), CASES)
def test_matrix_function_parses_prints_and_round_trips(r: MatrixFunction, arg: str, axis: int) -> None:
    text = call_text(r, arg, axis)
    e = mc.parse(text, MATRIX_KINDS)
    if r.nodes and not (r.name == "sum" and axis):  # sum(X, k) is a product with ones, mean a quotient
        assert type(e) in r.nodes and matrix_function(e) is r
        assert str(e) == text
    assert mc.parse(str(e), MATRIX_KINDS) is e
    with pytest.raises(mc.ParseError, match=f"'{r.name}' is a function"):
        mc.parse(f"{r.name} + 1")


@pytest.mark.parametrize(("r", "arg", "axis"), CASES)
def test_matrix_function_evaluates_as_sympy_computes_it(r: MatrixFunction, arg: str, axis: int) -> None:
    e, vals = mc.parse(call_text(r, arg, axis), MATRIX_KINDS), matrix_values()
    ms = [sp.Matrix(vals[s].reshape(vals[s].shape[0], -1).tolist()) for s in arg.split(", ")]  # columns
    value = r.sympy(sp, *ms, axis) if axis else r.sympy(sp, *ms)
    got = mc.evaluate(e, vals)
    want = np.array(value.tolist(), dtype=float).reshape(np.shape(got)) if e.shape else float(value)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    lo, hi = r.range
    assert np.all((lo <= got) & (got <= hi))


@pytest.mark.parametrize(("r", "arg", "axis"), CASES)
def test_matrix_function_derivatives_match_finite_differences(r: MatrixFunction, arg: str, axis: int) -> None:
    e, vals = mc.parse(call_text(r, arg, axis), MATRIX_KINDS), matrix_values()
    first, *rest = operands(arg)
    cases = [(e, (first,)), (_sum(e) if not e.is_scalar else e, (first, first))] + [(e, (s,)) for s in rest]
    for f, wrt in cases:
        check = check_derivative(f, *wrt, values=vals, rtol=1e-5, atol=1e-6)
        assert check.ok, (str(f), wrt, check.max_error, str(check.derivative))


def test_matrix_functions_render_in_katex() -> None:
    strings = []
    for case in CASES:
        r, arg, axis = case.values
        e = mc.parse(call_text(r, arg, axis), MATRIX_KINDS)
        for shown in (e, mc.diff(e, operands(arg)[0])):
            strings.extend(mc.latex(shown, form=form) for form in ("matrix", "index"))
    report = _render_all(strings)
    assert report["rendered"] == len(strings) >= 4 * len(MATRIX_FUNCTIONS)
    assert not report["failures"], report["failures"][:10]


Convert = Callable[[Any], Any]


def _run_matrix(text: str, arg: str, backend: str, to: Convert, back: Convert) -> None:
    e, vals = mc.parse(text, MATRIX_KINDS), matrix_values()
    vals = {s: vals[s] for s in operands(arg)}
    outputs = {"f": e, **{f"d{s}": mc.diff(e if e.is_scalar else _sum(e), s) for s in vals}}
    fn = mc.lambdify(outputs, args=list(vals), backend=backend)
    out = fn(**{k: to(np.asarray(v, dtype=np.float64)) for k, v in vals.items()})
    for key, x in outputs.items():
        want, got = mc.evaluate(x, vals), back(out[key])
        assert np.shape(got) == np.shape(want), (text, key)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"{text}: {key}")


def _backend_case(r: MatrixFunction, library: str, run: Callable[[], None]) -> None:
    """Run the generated code; where the record says the library lacks the function, it must fail."""
    if library in r.lacks:
        with pytest.raises(Exception):  # noqa: B017 - whatever the library raises for a missing function
            run()
    else:
        run()


@pytest.mark.parametrize(("r", "arg", "axis"), CASES)
def test_matrix_function_code_on_every_backend(r: MatrixFunction, arg: str, axis: int) -> None:
    text = call_text(r, arg, axis)
    _backend_case(r, "numpy", lambda: _run_matrix(text, arg, "numpy", lambda v: v, np.asarray))
    require("array_api_compat")
    xs, da = require("array_api_strict"), require("dask.array")
    strict = xs.asarray
    _backend_case(r, "array_api_strict", lambda: _run_matrix(text, arg, "array_api", strict, np.asarray))
    _backend_case(r, "dask", lambda: _run_matrix(text, arg, "array_api", da.from_array, np.asarray))
    jax, torch = require("jax"), require("torch")
    jax.config.update("jax_enable_x64", True)
    _backend_case(r, "jax", lambda: _run_matrix(text, arg, "jax", jax.numpy.asarray, np.asarray))
    _backend_case(r, "torch", lambda: _run_matrix(text, arg, "torch", torch.as_tensor, np.asarray))


@pytest.mark.parametrize(("r", "arg", "axis"), CASES)
def test_matrix_function_through_the_sympy_bridge(r: MatrixFunction, arg: str, axis: int) -> None:
    e, vals = mc.parse(call_text(r, arg, axis), MATRIX_KINDS), matrix_values()
    sizes = {s: SIZES[s] for s in operands(arg)}  # as numbers: size(A, 1) is 3
    if not r.in_sympy:  # SymPy's matrix expressions cannot write it: a clear error
        with pytest.raises(mc.MatcalcError, match="SymPy"):
            mc.to_sympy(e, sizes)
        return
    s = mc.to_sympy(e, sizes)
    want = mc.evaluate(e, vals)
    np.testing.assert_allclose(sympy_value(s, vals).reshape(np.shape(want)), want)
    back = mc.from_sympy(s, MATRIX_KINDS)
    np.testing.assert_allclose(mc.evaluate(back, vals), want, rtol=1e-12)
    if not axis:
        assert (back is e) == r.sympy_reads_back, str(back)
