"""Every family record (`matcalc.ops.gamma.FAMILIES`) through every pass, at each of its first orders.

A family is one node and one record: the spelling of each order, its value,
LaTeX, code per backend, SymPy form and range all come from the record, so a
test that reads only the record (its SymPy form is the oracle) covers every
pass: parsing and the text round trip, evaluation, first and second
derivatives against finite differences and against SymPy, the range code
generation relies on, KaTeX, the code of every backend and the SymPy bridge.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp
from optional import require
from test_latex_render import _render_all
from test_sympy_bridge import sympy_value

import matcalc as mc
from matcalc.errors import RegistryError
from matcalc.expr import Polygamma
from matcalc.ops.gamma import FAMILIES, Family
from matcalc.testing import check_derivative

#: The orders tried: the lowest four of each family (named and unnamed ones).
CASES = [
    pytest.param(r, k, id=f"{r.name}-{k}") for r in FAMILIES.values() for k in range(r.lowest, r.lowest + 4)
]
KINDS = {"a": "scalar", "x": "vector", "X": "matrix"}


def call(r: Family, k: int, arg: str) -> str:
    name = r.named.get(k)
    return f"{name}({arg})" if name else f"{r.name}({k}, {arg})"


def values(r: Family, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    lo, hi = r.samples
    return {"a": float(rng.uniform(lo, hi)), "x": rng.uniform(lo, hi, 3), "X": rng.uniform(lo, hi, (2, 3))}


def oracle(r: Family, k: int, derivative: int = 0) -> Callable[[Any], Any]:
    """The record's SymPy form of order ``k`` (or its derivative), as a NumPy function."""
    t = sp.Symbol("t", positive=True)
    form = sp.diff(r.sympy(sp, k, t), t, derivative)
    fn = sp.lambdify(t, form, ["scipy", "numpy"])
    return lambda v: np.asarray(fn(v), dtype=float) * np.ones_like(v)


@pytest.mark.parametrize(("r", "k"), CASES)
@pytest.mark.parametrize("arg", list(KINDS))
def test_parses_prints_evaluates_and_lies_in_its_range(r: Family, k: int, arg: str) -> None:
    e, vals = mc.parse(call(r, k, arg), KINDS), values(r)
    assert isinstance(e, Polygamma) and e.order == k and str(e) == call(r, k, arg)
    assert mc.parse(str(e), KINDS) is e
    got = mc.evaluate(e, vals)
    np.testing.assert_allclose(got, oracle(r, k)(vals[arg]), rtol=1e-12)
    lo, hi = r.range(k)
    wide = mc.evaluate(mc.parse(call(r, k, "x")), {"x": np.linspace(0.05, 40, 500)})
    assert np.all((lo <= wide) & (wide <= hi))


@pytest.mark.parametrize(("r", "k"), CASES)
def test_derivatives_raise_the_order_and_agree(r: Family, k: int) -> None:
    vals = values(r, 1)
    f = mc.parse(f"sum({call(r, k, 'x')})")
    first, second = mc.diff(f, "x"), mc.diff(f, "x", "x")
    np.testing.assert_allclose(mc.evaluate(first, vals), oracle(r, k, 1)(vals["x"]), rtol=1e-10)
    np.testing.assert_allclose(mc.evaluate(second, vals), np.diag(oracle(r, k, 2)(vals["x"])), rtol=1e-10)
    for g, wrt in ((f, ("x",)), (f, ("x", "x")), (mc.parse(f"sum({call(r, k, 'X*x')})"), ("x",))):
        check = check_derivative(g, *wrt, values={**vals, "X": vals["X"] / 4}, rtol=1e-5, atol=1e-6)
        assert check.ok, (str(g), wrt, check.max_error)


def test_every_order_renders_in_katex() -> None:
    strings = []
    for case in CASES:
        r, k = case.values
        e = mc.parse(f"{call(r, k, 'X*x')}'*y")
        for shown in (e, mc.diff(e, "x")):
            strings += [mc.latex(shown, form=form) for form in ("matrix", "index")]
    report = _render_all(strings)
    assert report["rendered"] == len(strings) and not report["failures"], report["failures"][:5]


def _run(r: Family, k: int, backend: str, to: Callable[[Any], Any]) -> None:
    vals = values(r, 2)
    outputs = {"m": mc.parse(call(r, k, "X")), "s": mc.parse(call(r, k, "a")),
               "grad": mc.diff(mc.parse(f"sum({call(r, k, 'x')})"), "x")}  # fmt: skip
    fn = mc.lambdify(outputs, args=sorted(vals), backend=backend)
    out = fn(**{n: to(np.asarray(v, dtype=np.float64)) for n, v in vals.items()})
    for key, e in outputs.items():
        np.testing.assert_allclose(np.asarray(out[key]), mc.evaluate(e, vals), rtol=1e-9, err_msg=key)


@pytest.mark.parametrize(("r", "k"), CASES)
def test_code_on_every_backend(r: Family, k: int) -> None:
    _run(r, k, "numpy", lambda v: v)
    require("array_api_compat")
    xs, da = require("array_api_strict"), require("dask.array")
    _run(r, k, "array_api", xs.asarray)
    _run(r, k, "array_api", da.from_array)
    jax, torch = require("jax"), require("torch")
    jax.config.update("jax_enable_x64", True)
    _run(r, k, "jax", jax.numpy.asarray)
    _run(r, k, "torch", torch.as_tensor)


@pytest.mark.parametrize(("r", "k"), CASES)
@pytest.mark.parametrize("arg", list(KINDS))
def test_sympy_bridge_both_ways(r: Family, k: int, arg: str) -> None:
    e, vals = mc.parse(call(r, k, arg), KINDS), values(r, 3)
    s = mc.to_sympy(e)
    want = mc.evaluate(e, vals)
    np.testing.assert_allclose(sympy_value(s, vals).reshape(np.shape(want)), want, rtol=1e-12)
    assert mc.from_sympy(s, {arg: KINDS[arg]}) is e


def test_an_incomplete_family_is_refused_at_import() -> None:
    r = next(iter(FAMILIES.values()))
    no_general = dataclasses.replace(r, code={op: t for op, t in r.code.items() if op != r.name})
    with pytest.raises(RegistryError, match=rf"'{r.name}' is incomplete: no code for {r.name}\(k, u\)"):
        FAMILIES.extended(no_general)
    stray = dataclasses.replace(r, aliases={"gamma_ln": "no_such_order"})
    with pytest.raises(RegistryError, match="'gamma_ln' names 'no_such_order', which is no order's name"):
        FAMILIES.extended(stray)
