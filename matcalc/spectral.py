"""Numerical kernels of the matrix functions and spectral operations (NumPy and SciPy).

What the matrix-level nodes `matcalc.expr.MatFun` and `matcalc.expr.Spectral`
mean as numbers; evaluation calls these, and the tests check them against
finite differences.

- ``f(X)`` for ``f`` in `MATRIX_FUNCTIONS` (``expm``, ``logm``, ``sqrtm`` and the
  real power ``pow``): by an eigendecomposition when ``X`` is symmetric (exact,
  real), else by SciPy;
- the k-th Fréchet derivative ``L_f^(k)(X; E1, ..., Ek)``: for k = 1 and a
  symmetric ``X`` by the Daleckii-Krein formula ``Q (F ∘ (Qᵀ E Q)) Qᵀ`` with
  ``F`` the Loewner matrix of first divided differences (Higham, *Functions of
  Matrices*, SIAM 2008, Thm. 3.11; Bhatia, *Matrix Analysis*, Thm. V.3.3); for
  ``expm`` at a general ``X`` by `scipy.linalg.expm_frechet`; otherwise by the
  block-triangular identity ``f([[X, E], [0, X]]) = [[f(X), L_f(X, E)], [0, f(X)]]``
  (Higham, Thm. 3.6 / eq. (3.16)), applied once per order;
- eigenvalues (ascending) and unit eigenvectors of a symmetric matrix, the
  eigenvalue-gap matrix ``G[m, k] = 1/(λ_k - λ_m)`` (0 on the diagonal) that
  eigenvector derivatives need (Magnus, "On differentiating eigenvalues and
  eigenvectors", Econometric Theory 1985), the lower Cholesky factor and
  Murray's ``Φ`` mask (Murray, "Differentiation of the Cholesky decomposition",
  arXiv:1602.07527, 2016).

A point where a value or derivative does not exist raises `DomainError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from matcalc.errors import DomainError

__all__ = [
    "MATRIX_FUNCTIONS",
    "chol",
    "chol_mask",
    "eig_gaps",
    "eigh",
    "frechet",
    "frechet_kernel",
    "loewner",
    "matfun",
    "scalar_function",
]

#: The matrix functions (``pow`` takes the exponent ``c`` as a parameter).
MATRIX_FUNCTIONS = ("expm", "logm", "sqrtm", "pow")

Array = np.ndarray
_SYM_TOL = 1e-12
#: Relative eigenvalue gap below which eigenvalues count as repeated.
GAP_TOL = 1e-9


def _sla() -> Any:
    """``scipy.linalg``, imported at the first use (it takes longer to import than the rest of matcalc)."""
    import scipy.linalg  # type: ignore[import-untyped]

    module: ModuleType = scipy.linalg
    return module


def scalar_function(func: str, c: float = 1.0) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    """The scalar function ``f`` behind ``func`` and its derivative ``f'``, elementwise."""
    if func == "expm":
        return np.exp, np.exp
    if func == "logm":
        return np.log, lambda t: 1.0 / t
    if func == "sqrtm":
        return np.sqrt, lambda t: 0.5 / np.sqrt(t)
    if func == "pow":
        return (lambda t: np.power(t, c)), (lambda t: c * np.power(t, c - 1.0))
    raise DomainError(f"unknown matrix function {func!r}")


def _is_symmetric(x: Array) -> bool:
    scale = max(1.0, float(np.max(np.abs(x), initial=0.0)))
    return bool(np.all(np.abs(x - x.T) <= _SYM_TOL * scale))


def eigh(s: Array) -> tuple[Array, Array]:
    """Ascending eigenvalues and unit eigenvectors of the symmetric part of ``s``, signs fixed.

    Each eigenvector's entry of largest magnitude is positive, so that the
    vectors are a function of ``s`` wherever the eigenvalues are simple.
    """
    lam, q = np.linalg.eigh((s + s.T) / 2)
    top = np.argmax(np.abs(q), axis=0)
    signs = np.sign(q[top, np.arange(q.shape[1])])
    signs[signs == 0] = 1.0
    return lam, q * signs


def _check_domain(func: str, lam: Array, what: str, c: float = 1.0) -> None:
    """Eigenvalues ``lam`` (complex allowed) against the domain of ``func``.

    ``logm`` and a negative power are unbounded at 0: an eigenvalue within rounding
    of 0 (``n`` eps times the largest) counts as 0 for them.
    """
    if (func == "logm" or (func == "pow" and c < 0)) and lam.size:
        size = np.abs(lam)
        if np.min(size) <= lam.size * np.finfo(np.float64).eps * np.max(size):
            raise DomainError(
                f"{what}: the matrix is singular to working precision (eigenvalues {np.min(size):.3g} "
                f"and {np.max(size):.3g}); {'logm' if func == 'logm' else f'X^{c:g}'} needs a nonsingular X"
            )
    if func in ("logm", "sqrtm", "pow"):
        on_cut = (np.abs(np.imag(lam)) <= 1e-12 * np.maximum(1.0, np.abs(lam))) & (np.real(lam) <= 0)
        if np.any(on_cut):
            raise DomainError(
                f"{what}: an eigenvalue {np.real(lam[on_cut][0]):.3g} lies on the branch cut (-inf, 0]; "
                f"{func} needs eigenvalues off the closed negative real axis (positive definite for a "
                "symmetric argument)"
            )


def matfun(func: str, x: Array, c: float = 1.0) -> Array:
    """``f(X)``: the principal matrix function; real arguments must give real values."""
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise DomainError(f"{func}: the matrix has entries that are not finite")
    if x.shape[0] == 0:
        return x.copy()
    if _is_symmetric(x):
        lam, q = eigh(x)
        _check_domain(func, lam, func, c)
        f, _ = scalar_function(func, c)
        return np.asarray((q * f(lam)) @ q.T)
    if func == "expm":
        return np.asarray(_sla().expm(x))
    _check_domain(func, np.linalg.eigvals(x), func, c)
    if func == "logm":
        value = _sla().logm(x)
    elif func == "sqrtm":
        value = _sla().sqrtm(x)
    else:
        value = _sla().fractional_matrix_power(x, c)
    value = np.asarray(value)
    if np.iscomplexobj(value):
        if np.max(np.abs(value.imag), initial=0.0) > 1e-8 * max(1.0, float(np.max(np.abs(value)))):
            raise DomainError(f"{func}: the principal value is not real at this matrix")
        value = value.real
    return np.asarray(value, dtype=np.float64)


def loewner(func: str, lam: Array, c: float = 1.0) -> Array:
    """The Loewner matrix ``F[i, j] = (f(λ_i) - f(λ_j)) / (λ_i - λ_j)``, ``f'(λ_i)`` where they meet."""
    f, df = scalar_function(func, c)
    fl = f(lam)
    diff = lam[:, None] - lam[None, :]
    scale = np.maximum(1.0, np.maximum(np.abs(lam)[:, None], np.abs(lam)[None, :]))
    close = np.abs(diff) <= 1e-8 * scale
    safe = np.where(close, 1.0, diff)
    middle = df((lam[:, None] + lam[None, :]) / 2)
    return np.asarray(np.where(close, middle, (fl[:, None] - fl[None, :]) / safe))


def _block(x: Array, e: Array) -> Array:
    z = np.zeros_like(x)
    return np.block([[x, e], [z, x]])


def frechet(func: str, x: Array, directions: Sequence[Array], c: float = 1.0) -> Array:
    """The k-th Fréchet derivative ``L_f^(k)(X; E1, ..., Ek)`` (k = 0 is ``f(X)``)."""
    x = np.asarray(x, dtype=np.float64)
    if not directions:
        return matfun(func, x, c)
    n = x.shape[0]
    *rest, last = (np.asarray(d, dtype=np.float64) for d in directions)
    if not rest and _is_symmetric(x):
        lam, q = eigh(x)
        _check_domain(func, lam, f"the Fréchet derivative of {func}", c)
        return np.asarray(q @ (loewner(func, lam, c) * (q.T @ last @ q)) @ q.T)
    if not rest and func == "expm":
        return np.asarray(_sla().expm_frechet(x, last, compute_expm=False))
    # f of the block matrix [[X, E], [0, X]] holds L_f(X, E) in its upper right block
    # (Higham, Thm. 3.6); the lower orders at the block matrix, with block-diagonal
    # directions, hold the derivative of the lower order along E in the same place.
    eye2 = np.eye(2)
    big = frechet(func, _block(x, last), [np.kron(eye2, d) for d in rest], c)
    return np.asarray(big[:n, n:])


def frechet_kernel(
    func: str, x: Array, directions: Sequence[Array], open_slots: int, c: float = 1.0
) -> Array:
    """``L_f^(k)`` with ``directions`` given and ``open_slots`` more left as tensor axes.

    The value has shape ``(n, n) + open_slots * (n, n)``: entry ``[i, j, s1, t1, ...]``
    is ``L_f^(k)(X; E1, ..., e_s1 e_t1ᵀ, ...)[i, j]`` (the derivative is linear in each slot).
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if open_slots == 0:
        return frechet(func, x, directions, c)
    if open_slots == 1 and not directions and _is_symmetric(x):
        lam, q = eigh(x)
        _check_domain(func, lam, f"the Fréchet derivative of {func}", c)
        f1 = loewner(func, lam, c)
        return np.asarray(np.einsum("ia,ab,sa,tb,jb->ijst", q, f1, q, q, q, optimize=True))
    out = np.zeros((n, n) + (n, n) * open_slots)
    for s in range(n):
        for t in range(n):
            unit = np.zeros((n, n))
            unit[s, t] = 1.0
            out[..., s, t] = frechet_kernel(func, x, [*directions, unit], open_slots - 1, c)
    return out


def eig_gaps(lam: Array) -> Array:
    """``G[m, k] = 1 / (λ_k - λ_m)`` for ``m ≠ k``, 0 on the diagonal; repeated eigenvalues raise."""
    diff = lam[None, :] - lam[:, None]
    n = lam.shape[0]
    scale = max(1.0, float(np.max(np.abs(lam), initial=0.0)))
    off = ~np.eye(n, dtype=bool)
    if np.any(np.abs(diff[off]) <= GAP_TOL * scale):
        raise DomainError(
            "repeated eigenvalues: eigenvectors, and derivatives of eigenvalues past the first, "
            "do not exist there (matcalc assumes simple eigenvalues)"
        )
    return np.asarray(np.where(off, 1.0 / np.where(off, diff, 1.0), 0.0))


def chol(s: Array) -> Array:
    """The lower Cholesky factor of the symmetric positive definite ``s``."""
    s = np.asarray(s, dtype=np.float64)
    if not _is_symmetric(s):
        raise DomainError("chol: the matrix is not symmetric")
    try:
        return np.asarray(np.linalg.cholesky(s))
    except np.linalg.LinAlgError:
        raise DomainError("chol: the matrix is not positive definite") from None


def chol_mask(n: int) -> Array:
    """Murray's ``Φ`` as a Hadamard mask: 1 below the diagonal, 1/2 on it, 0 above."""
    return np.asarray(np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n))
