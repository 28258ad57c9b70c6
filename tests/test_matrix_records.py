"""Every matrix-function record through every pass: the registries of issue 14, checked.

Each record of `matcalc.ops.primary.PRIMARY_FUNCTIONS` (``expm``, ``logm``,
``sqrtm``, ``X^c``, ``cosm``, ``sinm``) and `matcalc.ops.spectral.SPECTRAL_OPS`
(``eigvals``, ``svdvals``, ``chol``, the norms and the helpers of their
derivatives) is taken through parsing, the text round trip, evaluation (a
primary function against its eigendecomposition, an oracle independent of the
SciPy path evaluation takes at a non-symmetric matrix), first and second
derivatives against finite differences at points of the record's domain,
KaTeX rendering, the generated code of every backend (NumPy, array-api-strict,
dask, JAX, PyTorch: the value where the record has a template, a
`CodegenError` where it says "not available") and the SymPy bridge.  A record
added to a registry is in every test here without further edits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from optional import require
from test_latex_render import _render_all

import matcalc as mc
from matcalc import build
from matcalc.codegen.signs import bounds
from matcalc.errors import CodegenError, RegistryError
from matcalc.expr import MatFun, Spectral, walk
from matcalc.ops.primary import PRIMARY_FUNCTIONS
from matcalc.ops.spectral import SPECTRAL_OPS
from matcalc.ops.spectral_record import DOMAINS, PrimaryFunction, SpectralOp
from matcalc.testing import check_derivative

Record = PrimaryFunction | SpectralOp
RECORDS = [pytest.param(r, id=r.name) for r in (*PRIMARY_FUNCTIONS.values(), *SPECTRAL_OPS.values())]
PRIMARY = [pytest.param(r, id=r.name) for r in PRIMARY_FUNCTIONS.values()]

#: The exponent of X^c in these tests.
C = 0.7


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return q


def domain_value(domain: str, seed: int = 0) -> np.ndarray:
    """An argument from ``domain`` (`DOMAINS`): well scaled, eigenvalues or singular values well apart."""
    rng = np.random.default_rng(seed)
    if domain == "general":
        return np.asarray(0.3 * rng.normal(size=(3, 3)) + np.diag([0.4, 0.9, 1.5]))
    if domain == "tall":
        return _orthogonal(rng, 4)[:, :3] @ np.diag([2.5, 1.6, 0.8]) @ _orthogonal(rng, 3).T
    q = _orthogonal(rng, 3)
    lam = np.array([-1.1, 0.4, 1.7]) if domain == "symmetric" else np.array([0.6, 1.3, 2.4])
    return np.asarray(q @ np.diag(lam) @ q.T)


def setting(r: Record) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The call's text, the kinds and values: ``S`` symmetric for a symmetric domain, else ``X``."""
    arg = "S" if r.domain in ("symmetric", "spd") else "X"
    kinds = {arg: "symmetric" if arg == "S" else "matrix", "c": "scalar", "E": "matrix"}
    value = domain_value(r.domain)
    text = f"{arg}^c" if isinstance(r, PrimaryFunction) and r.params else f"{r.name}({arg})"
    e_value = np.random.default_rng(5).normal(size=(value.shape[1], value.shape[1]))
    return text, kinds, {arg: value, "c": C, "E": e_value}


def _arg(text: str) -> str:
    return "S" if "S" in text else "X"


def _weighted(e: mc.Expr, kinds: dict[str, str]) -> mc.Expr:
    """A scalar of ``e`` with unequal weights (a plain sum can hide errors that cancel)."""
    if e.is_scalar:
        return e
    weights = "w" if e.is_vector else "W"
    kinds[weights] = "vector" if e.is_vector else "matrix"
    return mc.parse(f"sum({weights}.*({e}))", kinds)


def _weight_values(e: mc.Expr, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the weights of `_weighted`, of the shape of ``e``'s value."""
    shape = np.shape(mc.evaluate(e, values))
    weights = np.random.default_rng(9).uniform(0.5, 1.5, shape)
    return {**values, "w" if len(shape) == 1 else "W": weights}


# ---- the registries ---------------------------------------------------------------------------------


def test_every_domain_is_drawn_from_and_every_record_has_one() -> None:
    used = {r.domain for r in (*PRIMARY_FUNCTIONS.values(), *SPECTRAL_OPS.values())}
    assert used <= set(DOMAINS)
    assert {"general", "symmetric", "spd", "tall"} <= used


@pytest.mark.parametrize("r", RECORDS)
def test_an_incomplete_record_is_refused_with_its_name_and_the_piece(r: Record) -> None:
    registry: Any = PRIMARY_FUNCTIONS if isinstance(r, PrimaryFunction) else SPECTRAL_OPS
    with pytest.raises(RegistryError, match=f"'{r.name}' is registered twice"):
        registry.extended(r)
    clone = dataclasses.replace(r, name=f"{r.name}_copy", code={"numpy": r.code["numpy"]})
    missing = rf"'{r.name}_copy' is incomplete: no code .* jax, torch, array_api"
    with pytest.raises(RegistryError, match=missing):
        registry.extended(clone)
    with pytest.raises(RegistryError, match="domain 'positive' is not one of"):
        registry.extended(dataclasses.replace(r, name=f"{r.name}_copy", domain="positive"))
    assert registry.extended(dataclasses.replace(r, name=f"{r.name}_copy"))[f"{r.name}_copy"].name


# ---- parse, text, evaluation ------------------------------------------------------------------------


@pytest.mark.parametrize("r", RECORDS)
def test_parses_prints_and_round_trips(r: Record) -> None:
    text, kinds, _ = setting(r)
    e = mc.parse(text, kinds)
    node, name = (MatFun, "func") if isinstance(r, PrimaryFunction) else (Spectral, "kind")
    assert isinstance(e, node) and getattr(e, name) == r.name
    assert str(e) == text and mc.parse(str(e), kinds) is e
    if isinstance(r, PrimaryFunction):  # its Fréchet derivatives: L_f(X, E), open slots ':'
        head = f"{_arg(text)}, c" if r.params else _arg(text)
        for frechet in (f"L_{r.name}({head}, E)", f"L_{r.name}({head}, E, :)"):
            f = mc.parse(frechet, kinds)
            assert str(f) == frechet and mc.parse(str(f), kinds) is f
    spelled = f"L_{r.name}" if isinstance(r, PrimaryFunction) and r.params else r.name  # X^c: only L_pow
    with pytest.raises(mc.ParseError, match=f"'{spelled}' is a (function|Fréchet derivative)"):
        mc.parse(f"{spelled} + 1")


@pytest.mark.parametrize("r", RECORDS)
def test_evaluates_in_its_domain(r: Record) -> None:
    text, kinds, values = setting(r)
    e = mc.parse(text, kinds)
    got = mc.evaluate(e, values)
    m, n = values[_arg(text)].shape
    assert np.shape(got) == {"vector": (n,), "matrix": (n, n), "scalar": (), "same": (m, n)}[
        "matrix" if isinstance(r, PrimaryFunction) else r.shape]
    assert np.all(np.isfinite(got))
    if isinstance(r, SpectralOp):  # the range code generation relies on
        assert np.all((r.range[0] <= got) & (got <= r.range[1])), (r.name, r.range, got)
        assert bounds(e) == r.range
    if isinstance(r, PrimaryFunction):  # f on the eigenvalues, through an eigendecomposition (complex)
        x = values[_arg(text)]
        lam, v = np.linalg.eig(x)
        want = (v * r.scalar(lam.astype(complex), C)) @ np.linalg.inv(v)
        np.testing.assert_allclose(got, want.real, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("r", PRIMARY)
def test_primary_function_at_a_general_matrix_matches_its_eigendecomposition(r: PrimaryFunction) -> None:
    """The SciPy path (a matrix that is not symmetric) for every record, in a domain it has there."""
    rng = np.random.default_rng(3)
    q = rng.normal(size=(3, 3))
    x = q @ np.diag([0.6, 1.1, 1.9]) @ np.linalg.inv(q)  # positive real eigenvalues, not symmetric
    e = mc.parse("X^c" if r.params else f"{r.name}(X)", {"c": "scalar"})
    want = (q * r.scalar(np.array([0.6, 1.1, 1.9]), C)) @ np.linalg.inv(q)
    np.testing.assert_allclose(mc.evaluate(e, {"X": x, "c": C}), want, rtol=1e-8, atol=1e-10)


# ---- derivatives ------------------------------------------------------------------------------------


@pytest.mark.parametrize("r", RECORDS)
def test_first_and_second_derivatives_match_finite_differences(r: Record) -> None:
    text, kinds, values = setting(r)
    e = mc.parse(text, kinds)
    arg = _arg(text)
    first = check_derivative(e, arg, values=values, rtol=1e-5, atol=1e-6)
    assert first.ok, (r.name, first.max_error, str(first.derivative))
    scalar = _weighted(e, kinds)
    second = check_derivative(scalar, arg, arg, values=_weight_values(e, values), rtol=1e-5, atol=1e-6)
    assert second.ok, (r.name, second.max_error)


@pytest.mark.parametrize("r", [p for p in PRIMARY if p.values[0].params])
def test_derivative_by_the_exponent(r: PrimaryFunction) -> None:
    text, kinds, values = setting(r)
    check = check_derivative(mc.parse(f"tr({text})", kinds), "c", "c", values=values, rtol=1e-5, atol=1e-6)
    assert check.ok, check.max_error


@pytest.mark.parametrize("r", [p for p in PRIMARY if p.values[0].derivative is not None])
def test_closed_form_of_the_trace_gradient(r: PrimaryFunction) -> None:
    """``d tr(f(X))/dX = f'(X)'``, from the record's closed form: no Fréchet node is left."""
    text, kinds, values = setting(r)
    e = mc.parse(text, kinds)
    assert isinstance(e, MatFun) and r.derivative is not None
    g = mc.diff(build.trace(e), _arg(text))
    assert not any(isinstance(n, MatFun) and n.order for n in walk(g)), str(g)
    closed = build.transpose(r.derivative(e.body, e.params[0] if e.params else None))
    np.testing.assert_allclose(mc.evaluate(g, values), mc.evaluate(closed, values), rtol=1e-9, atol=1e-11)


# ---- LaTeX ------------------------------------------------------------------------------------------


def test_every_record_renders_in_katex() -> None:
    strings = []
    for param in RECORDS:
        r = param.values[0]
        text, kinds, _ = setting(r)
        e = mc.parse(text, kinds)
        scalar = _weighted(e, dict(kinds))
        for shown in (e, mc.diff(scalar, _arg(text))):
            strings.extend(mc.latex(shown, form=form) for form in ("matrix", "index"))
        if isinstance(r, PrimaryFunction):
            head = f"{_arg(text)}, c" if r.params else _arg(text)
            strings.append(mc.latex(mc.parse(f"L_{r.name}({head}, E, :)", kinds)))
    report = _render_all(strings)
    assert report["rendered"] == len(strings) >= 4 * len(RECORDS)
    assert not report["failures"], report["failures"][:10]


# ---- code: every backend ----------------------------------------------------------------------------

Convert = Callable[[Any], Any]


def _libraries() -> dict[str, tuple[str, Convert]]:
    """Array library -> (codegen backend, conversion of a NumPy array)."""
    require("array_api_compat")
    xs, da, jax, torch = require("array_api_strict"), require("dask.array"), require("jax"), require("torch")
    jax.config.update("jax_enable_x64", True)
    return {
        "numpy": ("numpy", np.asarray), "array_api_strict": ("array_api", xs.asarray),
        "dask": ("array_api", da.from_array), "jax": ("jax", jax.numpy.asarray),
        "torch": ("torch", torch.as_tensor),
    }  # fmt: skip


def _run(e: mc.Expr, values: dict[str, Any], backend: str, to: Convert) -> None:
    args = sorted(values)
    fn = mc.lambdify(e, args=args, backend=backend)
    got = np.asarray(fn(**{k: to(np.asarray(values[k], dtype=np.float64)) for k in args}))
    want = mc.evaluate(e, values)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


def _code_case(e: mc.Expr, values: dict[str, Any], library: str, template: str | None, lacks: bool) -> None:
    """The code runs and agrees with evaluation; or, as the record says, generation or the library fails."""
    backend, to = _libraries()[library]
    if template is None:  # the record says: not available in this backend
        with pytest.raises(CodegenError, match=f"the {backend} backend has no code for"):
            mc.lambdify(e, args=sorted(values), backend=backend)
    elif lacks:  # the backend has code, the library cannot run it
        with pytest.raises(Exception):  # noqa: B017 - whatever the library raises for a missing function
            _run(e, values, backend, to)
    else:
        _run(e, values, backend, to)


LIBRARIES = ["numpy", "array_api_strict", "dask", "jax", "torch"]


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("r", RECORDS)
def test_code_on_every_backend(r: Record, library: str) -> None:
    text, kinds, values = setting(r)
    e = mc.parse(text, kinds)
    backend = _libraries()[library][0]
    _code_case(e, values, library, r.code[backend], library in getattr(r, "lacks", ()))


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("r", PRIMARY)
def test_frechet_code_on_every_backend(r: PrimaryFunction, library: str) -> None:
    """``L_f(X, E)``: the record's own template, else (NumPy) the block identity from ``f``'s code."""
    text, kinds, values = setting(r)
    head = f"{_arg(text)}, c" if r.params else _arg(text)
    backend = _libraries()[library][0]
    first = r.frechet_code[backend] or ("numpy" if backend == "numpy" and r.code["numpy"] else None)
    _code_case(mc.parse(f"L_{r.name}({head}, E)", kinds), values, library, first, False)
    second = "numpy" if backend == "numpy" else None  # every order and open slots: NumPy's helper
    _code_case(mc.parse(f"L_{r.name}({head}, E, E)", kinds), values, library, second, False)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("r", RECORDS)
def test_gradient_code_runs_or_names_what_is_missing(r: Record, library: str) -> None:
    """A gradient uses other records too: it agrees with evaluation, or a CodegenError names the gap."""
    text, kinds, values = setting(r)
    e = mc.parse(text, kinds)
    scalar = _weighted(e, kinds)
    g = mc.diff(scalar, _arg(text))
    backend = _libraries()[library][0]
    values = _weight_values(e, values)
    try:
        mc.lambdify(g, args=sorted(values), backend=backend)
    except CodegenError as err:
        assert backend != "numpy", f"NumPy has code for every record: {err}"
        return
    lacks = any(isinstance(o, Spectral) and library in SPECTRAL_OPS[o.kind].lacks for o in walk(g))
    _code_case(g, values, library, "generated", lacks)


# ---- SymPy --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("r", RECORDS)
def test_sympy_bridge_where_mapped(r: Record) -> None:
    require("sympy")
    text, kinds, values = setting(r)
    e = mc.parse(text, kinds)
    if r.sympy is None:
        with pytest.raises(mc.MatcalcError, match="no SymPy counterpart"):
            mc.to_sympy(e)
    else:  # pragma: no cover - no record maps to SymPy yet
        back = mc.from_sympy(mc.to_sympy(e), kinds)
        np.testing.assert_allclose(mc.evaluate(back, values), mc.evaluate(e, values), rtol=1e-10)
