"""Generated code for other array libraries: JAX, PyTorch, and any array-API namespace.

Each library is an optional extra of matcalc and part of the test extra; its
tests are skipped where it is not installed, and fail in CI
(`optional.require`).  The generated function must agree with `mc.evaluate` on the
identity corpus (JAX on a subset: eager JAX dispatches slowly), run under
``jax.jit``, and run on ``array_api_strict`` and ``dask.array`` arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from optional import require

import matcalc as mc
from matcalc.codegen import code
from matcalc.cookbook import IDENTITIES, Recipe
from matcalc.dims import Dim
from matcalc.expr import Det, LogDet, MatPow, walk
from matcalc.testing import StandIn, callable_arguments, random_values

#: What dask's linalg lacks (through array-api-compat).
_DASK_LACKS = (Det, LogDet, MatPow)


def _dask_can(r: Recipe) -> bool:
    f = mc.parse(r.expr, r.kinds)
    return not any(isinstance(n, _DASK_LACKS) for e in (f, mc.diff(f, *r.wrt)) for n in walk(e))


def _case(r: Recipe) -> tuple[dict[str, Any], dict[str, Any]]:
    f = mc.parse(r.expr, r.kinds)
    sizes: dict[Dim, int] = {}
    for s in f.symbols:
        for d, n in zip(s.shape, r.sizes.get(s.name, ()), strict=False):
            sizes[d] = n
    return {"f": f, "d": mc.diff(f, *r.wrt)}, random_values(f, 0, sizes, r.ranges)


def _check(r: Recipe, backend: str, to: Callable[[Any], Any], back: Callable[[Any], Any]) -> None:
    outputs, values = _case(r)
    arrays = {k: v for k, v in values.items() if not isinstance(v, StandIn)}
    calls = {  # an abstract function's stand-in, taking and returning the backend's arrays
        k: (lambda *a, fn=fn: to(np.asarray(fn(*(back(x) for x in a)), dtype=np.float64)))
        for k, fn in callable_arguments(tuple(outputs.values()), values).items()
    }
    fn = mc.lambdify(outputs, args=sorted([*arrays, *calls]), backend=backend)
    out = fn(**{k: to(np.asarray(v, dtype=np.float64)) for k, v in arrays.items()}, **calls)
    for key, e in outputs.items():
        want = mc.evaluate(e, values)
        got = back(out[key])
        assert np.shape(got) == np.shape(want), key
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=key)


def _ids(recipes: list[Recipe]) -> list[Any]:
    return [pytest.param(r, id=r.name) for r in recipes]


# ---- JAX ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jax() -> Any:
    jax = require("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


@pytest.mark.parametrize("r", _ids([r for r in IDENTITIES if r.topic in ("ml", "third", "jacobian")]))
def test_jax_agrees_with_evaluate(r: Recipe, jax: Any) -> None:
    _check(r, "jax", jax.numpy.asarray, np.asarray)


def test_jax_functions_jit(jax: Any) -> None:
    f = mc.parse("sum(log(1+exp(-y.*(X*w))))")
    outputs = {
        "f": f,
        "grad": mc.diff(f, "w"),
        "hess": mc.diff(f, "w", "w"),
        "third": mc.diff(f, "w", "w", "w"),
    }
    fn = jax.jit(mc.lambdify(outputs, backend="jax"))
    values = random_values(f, 1)
    out = fn(**values)
    for key, e in outputs.items():
        np.testing.assert_allclose(np.asarray(out[key]), mc.evaluate(e, values), rtol=1e-9, atol=1e-12)
    src = code(outputs, backend="jax")
    assert (
        "import jax.numpy as jnp" in src and "jax.nn.sigmoid(" in src and "optimize=[(0, 1), (0, 1)]" in src
    )


# ---- PyTorch -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("r", _ids(list(IDENTITIES)))
def test_torch_agrees_with_evaluate(r: Recipe) -> None:
    torch = require("torch")
    _check(r, "torch", torch.as_tensor, lambda t: t.numpy())


def test_torch_kron_of_a_transpose() -> None:
    """torch.kron raises "view size is not compatible" on a transposed operand (SymPy's x'*kron(A', B)*y)."""
    torch = require("torch")
    kinds = {"A": "matrix", "B": "matrix", "x": "vector", "y": "vector"}
    f = mc.parse("x'*kron(A', B)*y+sum(kron(B, A'))", kinds)
    values = random_values(f, 0)
    got = mc.lambdify(f, backend="torch")(**{k: torch.as_tensor(v) for k, v in values.items()})
    np.testing.assert_allclose(got.numpy(), mc.evaluate(f, values), rtol=1e-12)


def test_torch_constructors_follow_the_arguments_dtype() -> None:
    torch = require("torch")
    fn = mc.lambdify(mc.parse("X+eye"), backend="torch")
    assert fn(torch.zeros((2, 2), dtype=torch.float64)).dtype == torch.float64
    assert "torch.eye(X.shape[0], dtype=X.dtype, device=X.device)" in code(mc.parse("X+eye"), backend="torch")


# ---- the array API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("r", _ids(list(IDENTITIES)))
def test_array_api_strict_agrees_with_evaluate(r: Recipe) -> None:
    require("array_api_compat")
    xs = require("array_api_strict")
    _check(r, "array_api", xs.asarray, np.asarray)


@pytest.mark.parametrize("r", _ids([r for r in IDENTITIES if _dask_can(r)]))
def test_dask_agrees_with_evaluate(r: Recipe) -> None:
    require("array_api_compat")
    da = require("dask.array")
    _check(r, "array_api", da.from_array, lambda t: np.asarray(t))


def test_dask_gradient_and_hessian_on_row_chunks() -> None:
    """Logistic regression with X split into row blocks, as on a cluster: all lazy until computed."""
    require("array_api_compat")
    da = require("dask.array")
    f = mc.parse("sum(log(1+exp(-y.*(X*w))))")
    outputs = {"f": f, "grad": mc.diff(f, "w"), "hess": mc.diff(f, "w", "w")}
    rng = np.random.default_rng(0)
    values = {
        "X": rng.standard_normal((200, 5)),
        "w": rng.standard_normal(5),
        "y": np.sign(rng.standard_normal(200)),
    }
    fn = mc.lambdify(outputs, backend="array_api")
    out = fn(
        X=da.from_array(values["X"], chunks=(50, 5)),
        w=da.from_array(values["w"]),
        y=da.from_array(values["y"], chunks=50),
    )
    assert all(isinstance(v, da.Array) for v in out.values())
    for key, e in outputs.items():
        np.testing.assert_allclose(out[key].compute(), mc.evaluate(e, values), rtol=1e-9, atol=1e-12)


def test_array_api_code_finds_the_namespace_and_has_no_einsum() -> None:
    f = mc.parse("sum(log(1+exp(-y.*(X*w))))")
    src = code({"f": f, "third": mc.diff(f, "w", "w", "w")}, backend="array_api")
    assert "xp = _namespace(X, w, y)" in src  # the input checks find it (lists alone give NumPy's)
    unchecked = code(f, backend="array_api", checks=False)  # the same finder: Python numbers work too
    assert "xp = _namespace(X, w, y)" in unchecked and "_input" not in unchecked
    assert "einsum" not in src and "xp.sum(" in src


@pytest.mark.parametrize("backend", ["torch", "array_api"])
def test_a_size_in_an_index_form_multiplies_the_contraction(backend: str) -> None:
    """``size(y, 1)`` is a Python int in generated code: PyTorch's einsum takes tensors only, and code
    without einsum indexes every operand; so a scalar factor multiplies the contraction instead
    (the Hessian by S of a batched Gaussian log-likelihood, Bishop PRML (2.118), holds the count N)."""
    lib = require("torch") if backend == "torch" else require("array_api_strict")
    kinds = {"X": "matrix", "S": "symmetric", "m": "vector", "y": "vector", "W": "matrix", "x": "vector"}
    for text, wrt in (("size(y, 1)*W*x", ("W",)), ("-size(X, 1)*logdet(S)/2-tr(inv(S)*X'*X)/2", ("S", "S"))):
        f = mc.parse(text, kinds)
        d = mc.diff(f, *wrt)
        values = random_values(f, 0)
        fn = mc.lambdify(d, backend=backend)
        to = lib.as_tensor if backend == "torch" else lib.asarray
        got = fn(**{k: to(np.asarray(v, dtype=np.float64)) for k, v in values.items()})
        got = got.numpy() if backend == "torch" else np.asarray(got)
        np.testing.assert_allclose(got, mc.evaluate(d, values), rtol=1e-9, atol=1e-12)


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="backends are numpy, jax, torch, array_api"):
        code(mc.parse("x"), backend="tensorflow")
