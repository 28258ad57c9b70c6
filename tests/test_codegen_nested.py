"""Issue 11, item 8: generated code for nested abstract functions ``F(G(H(X)))`` works without ``sizes=``.

The derivatives of a chain of abstract matrix functions are einsums of many
high-order operands (the Hessian of ``F(G(H(K(X))))`` with a matrix-valued F
has 20 indices).  Contracted in one pass they need ``n^20`` steps, and NumPy
refuses with "iterator is too large"; the planned path contracts them pair by
pair.  Each case checks the generated first and second derivatives against
central differences of the generated value and gradient, and against
`matcalc.evaluate`, with the stand-ins of `matcalc.testing` for the functions.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from optional import require

import matcalc as mc
from matcalc.testing import random_values

#: Chains of depth 2 to 4 around X; the outer function F is scalar- or matrix-valued.
CHAINS = ("F(G(X))", "F(G(H(X)))", "F(G(H(K(X))))")
INNER = {"G": "matrix function", "H": "matrix function", "K": "matrix function"}


def kinds(outer: str) -> dict[str, str]:
    return {"F": outer, **INNER}


Convert = Callable[[Any], Any]


def arguments(fn: Callable[..., Any], values: dict[str, Any], convert: Convert) -> dict[str, Any]:
    """The arguments of a generated function: arrays, and the stand-ins for F, grad_F, jac_G, deriv_G_2 ..."""
    out: dict[str, Any] = {}
    for param in inspect.signature(fn).parameters:
        if param in values and not isinstance(values[param], tuple):
            out[param] = convert(values[param])
            continue
        prefix, _, name = param.partition("_")
        order = {"grad": 1, "jac": 1, "hess": 2}.get(prefix)
        if prefix == "deriv":
            name, _, k = name.rpartition("_")
            order = int(k)
        function = values[param][0] if param in values else values[name][order]
        out[param] = lambda u, function=function: convert(function(np.asarray(u)))
    return out


def generated(text: str, outer: str, backend: str = "numpy") -> tuple[mc.Expr, Callable[..., Any]]:
    f = mc.parse(text, kinds(outer))
    outputs = {"f": f, "g": mc.diff(f, "X"), "h": mc.diff(f, "X", "X")}
    return f, mc.lambdify(outputs, backend=backend)


def differences(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Central differences of ``fn`` at ``x``: shape ``fn(x).shape + x.shape``."""
    columns = []
    for pos in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[pos] = step
        columns.append((fn(x + e) - fn(x - e)) / (2 * step))
    out = np.stack(columns, axis=-1)
    return out.reshape(out.shape[:-1] + x.shape)


@pytest.mark.parametrize("outer", ["scalar function", "matrix function"])
@pytest.mark.parametrize("text", CHAINS)
def test_nested_functions_match_differences_and_evaluate(text: str, outer: str) -> None:
    f, fn = generated(text, outer)
    values = random_values(f, 0, {d: 3 for s in f.symbols for d in s.shape})
    X = np.asarray(values["X"])

    def output(key: str, x: np.ndarray) -> np.ndarray:
        return np.asarray(fn(**arguments(fn, {**values, "X": x}, lambda a: a))[key])

    out = fn(**arguments(fn, values, lambda a: a))
    for key, order in (("g", 1), ("h", 2)):
        expected = mc.evaluate(mc.diff(f, *["X"] * order), values)
        np.testing.assert_allclose(out[key], expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["g"], differences(lambda x: output("f", x), X), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(out["h"], differences(lambda x: output("g", x), X), rtol=1e-6, atol=1e-7)


def test_deep_hessian_at_a_realistic_size() -> None:
    # 20 indices of size 10: one pass over them is 10^20 > 2^63 steps ("iterator is too large").
    text = "F(G(H(K(X))))"
    f = mc.parse(text, kinds("matrix function"))
    h = mc.diff(f, "X", "X")
    fn = mc.lambdify({"h": h})
    values = random_values(f, 1, {d: 10 for s in f.symbols for d in s.shape})
    out = fn(**arguments(fn, values, lambda a: a))["h"]
    assert out.shape == (10,) * 6
    np.testing.assert_allclose(out, mc.evaluate(h, values), rtol=1e-10, atol=1e-12)


def test_every_contraction_of_three_or_more_operands_has_a_path() -> None:
    _, fn = generated("F(G(H(K(X))))", "matrix function")
    calls = [
        node
        for node in ast.walk(ast.parse(fn.__matcalc_source__))  # type: ignore[attr-defined]
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "np.einsum"
    ]
    big = [c for c in calls if len(c.args) > 3]
    assert len(big) >= 4
    for call in big:
        (optimize,) = [k.value for k in call.keywords if k.arg == "optimize"]
        path = ast.literal_eval(optimize)
        assert path[0] == "einsum_path" and all(len(step) == 2 for step in path[1:])
        assert len(path) - 1 == len(call.args) - 2  # n operands: n-1 pairwise steps


@pytest.mark.parametrize("backend", ["array_api", "torch", "jax"])
def test_other_backends_contract_nested_functions_pairwise(backend: str) -> None:
    # array_api has no einsum: without the path it would multiply out all 20 indices (3^20 entries).
    if backend == "array_api":
        require("array_api_compat")
        convert: Convert = np.asarray
    elif backend == "torch":
        torch = require("torch")
        convert = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float64)  # noqa: E731
    else:
        jax = require("jax")
        jax.config.update("jax_enable_x64", True)
        convert = lambda a: jax.numpy.asarray(np.asarray(a))  # noqa: E731
    text = "F(G(H(K(X))))"
    f, fn = generated(text, "matrix function", backend)
    values = random_values(f, 2, {d: 3 for s in f.symbols for d in s.shape})
    out = fn(**arguments(fn, values, convert))
    expected = mc.evaluate(mc.diff(f, "X", "X"), values)
    np.testing.assert_allclose(np.asarray(out["h"]), expected, rtol=1e-10, atol=1e-12)
