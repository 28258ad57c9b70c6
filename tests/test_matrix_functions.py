"""Matrix functions and spectral operations end to end (issue 14).

Gradients and Hessians of realistic losses against finite differences, the
closed forms the issue names, consistency identities, domain errors, text
round trips and generated code.  Formulas and references: docs/matrix-functions.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from optional import require

import matcalc as mc
from matcalc.errors import CodegenError, DomainError, MatcalcError
from matcalc.ops.primary import PRIMARY_FUNCTIONS
from matcalc.ops.spectral import SPECTRAL_OPS
from matcalc.testing import check_derivative, random_values

KINDS = {
    "S": "symmetric", "T": "symmetric", "K": "symmetric", "x": "vector", "y": "vector", "z": "vector",
    "w": "vector", "lam": "scalar", "h": "scalar", "c": "scalar", "M": "matrix",
}  # fmt: skip

#: (name, loss, variable): each checked by gradient and Hessian.
LOSSES = [
    ("expm_integrator", "norm2(expm(h*A)*x - y)^2", "A"),
    ("expm_trace", "tr(B*expm(X))", "X"),
    ("expm_rotation", "norm2(expm(X - X')*y - z)^2", "X"),
    ("log_euclidean", "norm2(logm(S) - logm(T))^2", "S"),
    ("affine_invariant", "norm2(logm(inv(chol(S))*T*inv(chol(S))'))^2", "T"),
    ("von_neumann_entropy", "-tr(S*logm(S))", "S"),
    ("gp_cholesky", "y'*inv(chol(K))'*inv(chol(K))*y + 2*sum(log(diag(chol(K))))", "K"),
    ("cholesky_quadratic", "norm2(chol(S)*z)^2", "S"),
    ("matrix_completion", "norm2(M.*(X - A))^2 + lam*nuclear_norm(X)", "X"),
    ("spectral_penalty", "norm2(X*w - y)^2 + lam*spectral_norm(X)^2", "X"),
    ("bures_wasserstein_T", "tr(S) + tr(T) - 2*tr(sqrtm(sqrtm(S)*T*sqrtm(S)))", "T"),
    ("bures_wasserstein_S", "tr(S) + tr(T) - 2*tr(sqrtm(sqrtm(S)*T*sqrtm(S)))", "S"),
    ("rayleigh_eigenvalues", "eigvals(A'*S*A)'*w", "S"),
    ("eigenvalue_spread", "norm2(eigvals(S) - w)^2", "S"),
    ("logdet_sqrtm", "logdet(sqrtm(S))", "S"),
    ("real_power", "tr(S^c)", "S"),
    ("real_power_exponent", "tr(S^c)", "c"),
    ("power_mean", "x'*(S^0.3)*x", "S"),
    ("singular_values", "sum(svdvals(X).^2) + sum(svdvals(X))", "X"),
    ("logm_general", "tr(B*logm(X))", "X"),
]


def _spd(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.normal(size=(n, n))
    return a @ a.T / n + np.eye(n)


def _values(e: mc.Expr, seed: int = 3) -> dict[str, object]:
    """Random values in the functions' domains: SPD symmetric matrices, X tall (4 x 3), sizes 3."""
    rng = np.random.default_rng(seed)
    sizes = {d: 3 for d in e.dims}
    values = random_values(e, seed, sizes)
    for s in e.symbols:
        if s.kind == "symmetric":
            values[s.name] = _spd(rng, 3)
    return values


@pytest.mark.parametrize(("name", "loss", "wrt"), LOSSES, ids=[x[0] for x in LOSSES])
def test_gradient_and_hessian_match_finite_differences(name: str, loss: str, wrt: str) -> None:
    f = mc.parse(loss, KINDS)
    values = _values(f)
    gradient = check_derivative(f, wrt, values=values, rtol=1e-5, atol=1e-6)
    assert gradient.ok, (name, gradient.max_error, str(gradient.derivative))
    variable = next(s for s in f.symbols if s.name == wrt)
    assert gradient.derivative.shape == variable.shape
    hessian = check_derivative(f, wrt, wrt, values=values, rtol=1e-5, atol=1e-6)
    assert hessian.ok, (name, hessian.max_error)


# ---- closed forms the issue names ------------------------------------------------------------------

CLOSED = [
    ("tr(expm(X))", "X", "expm(X')"),  # d tr(expm(X))/dX = expm(X)'
    ("tr(A*expm(X))", "X", "L_expm(X', A')"),  # the adjoint of the Fréchet derivative
    ("tr(logm(S))", "S", "inv(S)"),  # d tr(f(S))/dS = f'(S)
    ("tr(sqrtm(S))", "S", "inv(sqrtm(S))/2"),
    ("tr(S^c)", "S", "c*S^(c-1)"),
    ("nuclear_norm(X)", "X", "polar(X)"),  # U*V' (X*(X'*X)^(-1/2) at full column rank)
    ("sum(eigvals(S).*w)", "S", "eigvecs(S)*diag(w)*eigvecs(S)'"),  # Σ w_k u_k u_k'
]


@pytest.mark.parametrize(("loss", "wrt", "expected"), CLOSED)
def test_closed_forms(loss: str, wrt: str, expected: str) -> None:
    g = mc.diff(mc.parse(loss, KINDS), wrt)
    assert str(g) == expected
    assert g is mc.parse(expected, KINDS)  # the printed form reads back to the same node


def test_nuclear_norm_gradient_is_u_v_transpose() -> None:
    x = np.random.default_rng(1).normal(size=(4, 3))
    u, _, vt = np.linalg.svd(x, full_matrices=False)
    g = mc.evaluate(mc.diff(mc.parse("nuclear_norm(X)"), "X"), {"X": x})
    np.testing.assert_allclose(g, u @ vt, atol=1e-10)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3)])
def test_nuclear_norm_subgradient_at_a_rank_deficient_point(shape: tuple[int, int]) -> None:
    """At rank r below full, the gradient is U_r*V_r' over the nonzero singular values (the
    subgradient of least norm); the Hessian does not exist there and raises DomainError."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(shape[0], 2)) @ rng.normal(size=(2, shape[1]))  # rank 2
    u, _, vt = np.linalg.svd(x, full_matrices=False)
    want = u[:, :2] @ vt[:2]
    f = mc.parse("nuclear_norm(X)")
    g = mc.diff(f, "X")
    np.testing.assert_allclose(mc.evaluate(g, {"X": x}), want, atol=1e-12)
    np.testing.assert_allclose(mc.lambdify(g)(X=x), want, atol=1e-12)
    # a subgradient: ‖X+D‖_* >= ‖X‖_* + <G, D> for every D
    for d in rng.normal(size=(20, *shape)):
        assert np.linalg.norm(x + d, "nuc") >= np.linalg.norm(x, "nuc") + np.sum(want * d) - 1e-12
    with pytest.raises(DomainError, match="singular to working precision"):
        mc.evaluate(mc.diff(f, "X", "X"), {"X": x})


def test_eigenvalue_derivative_is_u_u_transpose() -> None:
    s = _spd(np.random.default_rng(2), 4)
    w = np.array([0.0, 0.0, 0.0, 1.0])  # the largest eigenvalue
    g = mc.evaluate(mc.diff(mc.parse("eigvals(S)'*w", KINDS), "S"), {"S": s, "w": w})
    u = np.linalg.eigh(s)[1][:, -1]
    np.testing.assert_allclose(g, np.outer(u, u), atol=1e-12)


def test_logdet_through_cholesky_is_consistent() -> None:
    # logdet(S) = 2*sum(log(diag(chol(S)))), and so are their gradients (inv(S)) and Hessians
    # along symmetric directions (chol reads the symmetric part of its argument)
    rng = np.random.default_rng(4)
    s = _spd(rng, 4)
    e1, e2 = (m + m.T for m in (rng.normal(size=(4, 4)), rng.normal(size=(4, 4))))
    direct, via = mc.parse("logdet(S)", KINDS), mc.parse("2*sum(log(diag(chol(S))))", KINDS)
    assert mc.evaluate(via, {"S": s}) == pytest.approx(mc.evaluate(direct, {"S": s}), rel=1e-12)
    for order, spec, dirs in ((("S",), "ij,ij->", (e1,)), (("S", "S"), "ijkl,ij,kl->", (e1, e2))):
        a = np.einsum(spec, mc.evaluate(mc.diff(direct, *order), {"S": s}), *dirs)
        b = np.einsum(spec, mc.evaluate(mc.diff(via, *order), {"S": s}), *dirs)
        assert b == pytest.approx(a, rel=1e-10)


def test_svdvals_sum_is_the_nuclear_norm() -> None:
    x = np.random.default_rng(5).normal(size=(5, 3))
    a = mc.evaluate(mc.parse("sum(svdvals(X))"), {"X": x})
    assert a == pytest.approx(mc.evaluate(mc.parse("nuclear_norm(X)"), {"X": x}))
    assert mc.evaluate(mc.parse("spectral_norm(X)"), {"X": x}) == pytest.approx(np.linalg.norm(x, 2))


def test_frechet_derivative_of_order_two_by_the_block_identity() -> None:
    rng = np.random.default_rng(6)
    x, e1, e2 = _spd(rng, 3) + 0.2 * rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    second = mc.parse("L_expm(X, A, B)")
    first = mc.parse("L_expm(X, A)")
    h = 1e-5
    ahead, behind = (mc.evaluate(first, {"X": x + t * e2, "A": e1}) for t in (h, -h))
    numeric = (ahead - behind) / (2 * h)
    np.testing.assert_allclose(mc.evaluate(second, {"X": x, "A": e1, "B": e2}), numeric, rtol=1e-6, atol=1e-8)


# ---- assumptions checked: points where a value or derivative does not exist ----------------------


@pytest.mark.parametrize(
    ("loss", "wrt", "values", "message"),
    [
        ("tr(logm(S))", None, {"S": -np.eye(2)}, "branch cut"),
        ("tr(sqrtm(X))", None, {"X": np.diag([1.0, -1.0])}, "branch cut"),
        ("tr(chol(S))", None, {"S": np.diag([1.0, -1.0])}, "positive definite"),
        ("sum(eigvals(S).*w)", "S", {"S": np.eye(3), "w": np.ones(3)}, "repeated eigenvalues"),
        ("spectral_norm(X)", "X", {"X": np.eye(3)}, "largest eigenvalue"),
        ("sum(svdvals(X))", None, {"X": np.ones((2, 3))}, "at least as many rows"),
    ],
)
def test_outside_the_domain_is_a_domain_error(loss, wrt, values, message) -> None:
    f = mc.parse(loss, KINDS)
    e = mc.diff(f, wrt) if wrt else f
    with pytest.raises(DomainError, match=message) as info:
        mc.evaluate(e, values)
    assert isinstance(info.value, MatcalcError)


@pytest.mark.parametrize("wrt", [("A", "c"), ("c", "A"), ("A", "A", "c"), ("A", "c", "A"), ("c", "A", "c")])
def test_mixed_derivatives_by_the_exponent_match_finite_differences(wrt: tuple[str, ...]) -> None:
    """``∂L_pow^(k)(X; E..)/∂c`` by Leibniz's rule on ``∂X^c/∂c = log(X) X^c`` (Higham §3.2).

    The thorough property run found ``(A'*A+eye)^b`` by A, then b refused ("not implemented").
    """
    f = mc.parse("tr(B*(A'*A+eye)^c)", {"A": "matrix", "B": "matrix", "c": "scalar"})
    rng = np.random.default_rng(7)
    values = {"A": rng.standard_normal((4, 3)), "B": rng.standard_normal((3, 3)), "c": np.array(-0.63)}
    result = check_derivative(f, *wrt, values=values)
    assert result.ok, result


def test_exponent_derivative_of_a_frechet_derivative_matches_finite_differences() -> None:
    g = mc.diff(mc.parse("tr(A*X^c)", KINDS), "X")  # L_pow(X, c, :) with an open slot
    h = mc.parse(f"tr({g}*B)", KINDS)
    assert check_derivative(h, "c", values=random_values(h, 3)).ok


# ---- text, LaTeX and code ---------------------------------------------------------------------------

TEXTS = [
    "expm(A)", "logm(A)+sqrtm(A)", "A^c", "A^0.5", "L_expm(A, B)", "L_logm(A, B, :)", "L_pow(A, c, B)",
    "eigvals(S)", "eigvecs(S)", "svdvals(X)", "chol(S)", "nuclear_norm(X)+spectral_norm(X)", "polar(X)",
]  # fmt: skip


@pytest.mark.parametrize("text", TEXTS)
def test_text_round_trip(text: str) -> None:
    e = mc.parse(text, KINDS)
    assert mc.parse(str(e), KINDS) is e
    assert mc.latex(e)


@pytest.mark.parametrize(("name", "loss", "wrt"), LOSSES[:12], ids=[x[0] for x in LOSSES[:12]])
def test_generated_numpy_code_matches_evaluation(name: str, loss: str, wrt: str) -> None:
    f = mc.parse(loss, KINDS)
    values = _values(f)
    for e in (f, mc.diff(f, wrt)):
        fn = mc.lambdify(e)
        np.testing.assert_allclose(fn(**values), mc.evaluate(e, values), rtol=1e-8, atol=1e-10)


def _library(backend: str) -> Any:
    """The conversion of a NumPy array to the backend's arrays (JAX in double precision)."""
    if backend == "jax":
        jax = require("jax")
        jax.config.update("jax_enable_x64", True)
        return jax.numpy.asarray
    return require("torch").as_tensor


@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize(("name", "loss", "wrt"), LOSSES, ids=[x[0] for x in LOSSES])
def test_jax_and_torch_code_of_the_losses(backend: str, name: str, loss: str, wrt: str) -> None:
    """Each loss and its gradient: the backend's code agrees with evaluation, or a CodegenError
    names an operation whose record has no code for that backend."""
    to = _library(backend)
    f = mc.parse(loss, KINDS)
    values = _values(f)
    for e in (f, mc.diff(f, wrt)):
        try:
            fn = mc.lambdify(e, args=sorted(values), backend=backend)
        except CodegenError as err:
            missing = re.search(r"no code for (\w+)", str(err))
            assert missing, str(err)
            records = {**PRIMARY_FUNCTIONS, **SPECTRAL_OPS}
            name = missing.group(1)
            unavailable = name in records and records[name].code[backend] is None
            assert unavailable or name.startswith("L_"), str(err)
            continue
        got = fn(**{k: to(np.asarray(v, dtype=np.float64)) for k, v in values.items()})
        np.testing.assert_allclose(np.asarray(got), mc.evaluate(e, values), rtol=1e-8, atol=1e-10)


def test_jax_and_torch_run_the_gradients_their_libraries_have() -> None:
    """The losses whose gradients JAX and PyTorch compute: not a vacuous parametrization."""
    ran = {}
    for backend in ("jax", "torch"):
        _library(backend)
        ran[backend] = []
        for name, loss, wrt in LOSSES:
            try:
                mc.lambdify(mc.diff(mc.parse(loss, KINDS), wrt), backend=backend)
            except CodegenError:
                continue
            ran[backend].append(name)
    assert {"expm_trace", "gp_cholesky", "matrix_completion"} <= set(ran["jax"]), ran
    assert {"expm_trace", "expm_integrator", "matrix_completion"} <= set(ran["torch"]), ran


@pytest.mark.parametrize("text", ["expm(X)", "sum(eigvals(S))", "L_logm(S, X)"])
def test_sympy_has_no_counterpart_and_says_so(text: str) -> None:
    require("sympy")
    with pytest.raises(MatcalcError, match="no SymPy counterpart"):
        mc.to_sympy(mc.parse(text, KINDS))


def test_import_matcalc_does_not_import_scipy_linalg() -> None:
    """SciPy's linalg takes longer to import than matcalc itself: it is imported at the first use."""
    code = (
        "import sys, matcalc as mc\n"
        "f = mc.parse('tr(expm(X)) + sum(eigvals(S))', {'S': 'symmetric'})\n"
        "g = mc.diff(f, 'X'); mc.latex(g); str(g)\n"
        "print('scipy.linalg' in sys.modules)\n"
        "mc.evaluate(f, {'X': [[1.0, 2.0], [0.0, 1.0]], 'S': [[2.0, 0.0], [0.0, 3.0]]})\n"
        "print('scipy.linalg' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
