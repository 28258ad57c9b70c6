"""The numerical kernels of matcalc.spectral against finite differences and SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

from matcalc.errors import DomainError, MatcalcError
from matcalc.ops.primary import PRIMARY_FUNCTIONS as F
from matcalc.spectral import chol, chol_mask, eig_gaps, eigh, frechet, frechet_kernel, loewner, matfun

RNG = np.random.default_rng(7)


def spd(n: int, rng: np.random.Generator = RNG) -> np.ndarray:
    a = rng.normal(size=(n, n))
    return a @ a.T / n + np.eye(n)


def general(n: int, rng: np.random.Generator = RNG) -> np.ndarray:
    """A non-symmetric matrix with eigenvalues in the right half plane."""
    return spd(n, rng) + 0.3 * rng.normal(size=(n, n))


def central(fn, x, e, h=1e-5):
    return (fn(x + h * e) - fn(x - h * e)) / (2 * h)


#: Every primary function of the registry (X^c with two exponents).
FUNCS = [(r.name, c) for r in F.values() for c in ((0.7, -1.5) if r.params else (1.0,))]


@pytest.mark.parametrize(("func", "c"), FUNCS)
@pytest.mark.parametrize("maker", [spd, general])
def test_matfun_matches_scipy(func, c, maker):
    x = maker(4)
    reference = {
        "expm": sla.expm, "logm": sla.logm, "sqrtm": sla.sqrtm, "cosm": sla.cosm, "sinm": sla.sinm,
        "pow": lambda a: sla.fractional_matrix_power(a, c),
    }[func](x)
    np.testing.assert_allclose(matfun(F[func], x, c), np.real(reference), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(("func", "c"), FUNCS)
@pytest.mark.parametrize("maker", [spd, general])
def test_first_frechet_is_the_directional_derivative(func, c, maker):
    x, e = maker(4), RNG.normal(size=(4, 4))
    expected = central(lambda a: matfun(F[func], a, c), x, e)
    np.testing.assert_allclose(frechet(F[func], x, [e], c), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("func", "c"), FUNCS)
@pytest.mark.parametrize("maker", [spd, general])
def test_second_frechet_is_the_derivative_of_the_first(func, c, maker):
    x, e1, e2 = maker(3), RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3))
    expected = central(lambda a: frechet(F[func], a, [e1], c), x, e2)
    got = frechet(F[func], x, [e1, e2], c)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, frechet(F[func], x, [e2, e1], c), rtol=1e-7, atol=1e-9)  # symmetric


def test_kernel_holds_the_derivative_along_each_unit_direction():
    x, e = spd(3), RNG.normal(size=(3, 3))
    k = frechet_kernel(F["logm"], x, [], 1)
    np.testing.assert_allclose(np.einsum("ijst,st->ij", k, e), frechet(F["logm"], x, [e]), rtol=1e-9)
    k2 = frechet_kernel(F["expm"], general(3), [e], 1)
    assert k2.shape == (3, 3, 3, 3)


def test_adjoint_of_the_frechet_derivative_is_at_the_transpose():
    # <G, L_f(X, E)> = <L_f(X', G), E>   (Higham, Functions of Matrices, Problem 3.2 / eq. (3.?))
    x, e, g = general(4), RNG.normal(size=(4, 4)), RNG.normal(size=(4, 4))
    for func in (r.name for r in F.values() if not r.params):
        left = np.sum(g * frechet(F[func], x, [e]))
        right = np.sum(frechet(F[func], x.T, [g]) * e)
        assert abs(left - right) < 1e-9 * max(1.0, abs(left))


def test_loewner_diagonal_is_the_derivative():
    lam = np.array([0.5, 0.5 + 1e-12, 2.0])
    f1 = loewner(F["logm"], lam)
    assert f1[0, 1] == pytest.approx(2.0) and f1[2, 2] == pytest.approx(0.5)
    assert f1[0, 2] == pytest.approx(np.log(4) / 1.5)


def test_eigen_derivatives_magnus():
    # dλ_k = u_k' E u_k ;  dU = U (G ∘ (U' E U))  for symmetric E   (Magnus 1985, Thm. 1)
    s = spd(4)
    e = RNG.normal(size=(4, 4))
    e = e + e.T
    lam, u = eigh(s)
    expected = np.einsum("ik,ij,jk->k", u, e, u)
    np.testing.assert_allclose(central(lambda a: eigh(a)[0], s, e), expected, rtol=1e-6)
    du = u @ (eig_gaps(lam) * (u.T @ e @ u))
    np.testing.assert_allclose(central(lambda a: eigh(a)[1], s, e), du, rtol=1e-5, atol=1e-7)


def test_cholesky_derivative_murray():
    # dL = L Φ(L⁻¹ dS L⁻ᵀ)   (Murray 2016, eq. (8))
    s = spd(4)
    e = RNG.normal(size=(4, 4))
    e = e + e.T
    low = chol(s)
    inner = np.linalg.solve(low, np.linalg.solve(low, e).T).T
    np.testing.assert_allclose(central(chol, s, e), low @ (chol_mask(4) * inner), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: matfun(F["logm"], np.diag([1.0, -2.0])), "branch cut"),
        (lambda: matfun(F["sqrtm"], np.diag([1.0, 0.0])), "branch cut"),
        (lambda: chol(np.diag([1.0, -1.0])), "positive definite"),
        (lambda: chol(np.array([[1.0, 2.0], [0.0, 1.0]])), "not symmetric"),
        (lambda: eig_gaps(np.array([1.0, 1.0, 3.0])), "repeated eigenvalues"),
        (lambda: matfun(F["expm"], np.array([[np.nan]])), "not finite"),
    ],
)
def test_outside_the_domain_is_a_clear_error(call, message):
    with pytest.raises(DomainError, match=message) as info:
        call()
    assert isinstance(info.value, MatcalcError)
