"""Numerical kernels of the matrix functions and spectral operations (NumPy and SciPy).

What the matrix-level nodes `matcalc.expr.MatFun` and `matcalc.expr.Spectral`
mean as numbers; evaluation calls these, and the tests check them against
finite differences.

- ``f(X)`` for a primary function's record (`matcalc.ops.primary`: ``expm``,
  ``logm``, ``sqrtm``, the real power ``pow``, ...): by an eigendecomposition
  when ``X`` is symmetric (exact, real), else by the record's SciPy function;
- the k-th Fréchet derivative ``L_f^(k)(X; E1, ..., Ek)``: for k = 1 and a
  symmetric ``X`` by the Daleckii-Krein formula ``Q (F ∘ (Qᵀ E Q)) Qᵀ`` with
  ``F`` the Loewner matrix of first divided differences (Higham, *Functions of
  Matrices*, SIAM 2008, Thm. 3.11; Bhatia, *Matrix Analysis*, Thm. V.3.3); at a
  general ``X`` by the record's SciPy Fréchet derivative where it has one
  (`scipy.linalg.expm_frechet`); otherwise by the
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

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from matcalc.errors import DomainError

if TYPE_CHECKING:
    from matcalc.ops.spectral_record import PrimaryFunction

__all__ = [
    "chol", "chol_mask", "eig_gaps", "eiggaps", "eigh", "eigvecs", "frechet", "frechet_kernel", "loewner",
    "matfun", "nuclear_norm", "polar", "scipy_linalg", "spectral_norm", "svdvals", "symmetric_chol",
    "topgaps", "topvec",
]  # fmt: skip


Array = np.ndarray
_SYM_TOL = 1e-12
#: Relative eigenvalue gap below which eigenvalues count as repeated.
GAP_TOL = 1e-9


def scipy_linalg() -> Any:
    """``scipy.linalg``, imported at the first use (it takes longer to import than the rest of matcalc)."""
    import scipy.linalg  # type: ignore[import-untyped]

    module: ModuleType = scipy.linalg
    return module


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


def _check_domain(f: PrimaryFunction, lam: Array, what: str, c: float = 1.0) -> None:
    """Eigenvalues ``lam`` (complex allowed) against the domain of ``f``.

    A function with a pole at 0 (``logm``, a negative power) counts an eigenvalue
    within rounding of 0 (``n`` eps times the largest) as 0.
    """
    if f.pole(c) and lam.size:
        size = np.abs(lam)
        if np.min(size) <= lam.size * np.finfo(np.float64).eps * np.max(size):
            raise DomainError(
                f"{what}: the matrix is singular to working precision (eigenvalues {np.min(size):.3g} "
                f"and {np.max(size):.3g}); {f.name if not f.params else f'X^{c:g}'} needs a nonsingular X"
            )
    if f.branch_cut:
        on_cut = (np.abs(np.imag(lam)) <= 1e-12 * np.maximum(1.0, np.abs(lam))) & (np.real(lam) <= 0)
        if np.any(on_cut):
            raise DomainError(
                f"{what}: an eigenvalue {np.real(lam[on_cut][0]):.3g} lies on the branch cut (-inf, 0]; "
                f"{f.name} needs eigenvalues off the closed negative real axis (positive definite for a "
                "symmetric argument)"
            )


def matfun(f: PrimaryFunction, x: Array, c: float = 1.0) -> Array:
    """``f(X)``: the principal matrix function; real arguments must give real values."""
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise DomainError(f"{f.name}: the matrix has entries that are not finite")
    if x.shape[0] == 0:
        return x.copy()
    if _is_symmetric(x):
        lam, q = eigh(x)
        _check_domain(f, lam, f.name, c)
        return np.asarray((q * f.scalar(lam, c)) @ q.T)
    if f.branch_cut or f.pole(c):
        _check_domain(f, np.linalg.eigvals(x), f.name, c)
    value = np.asarray(f.general(x, c))
    if np.iscomplexobj(value):
        if np.max(np.abs(value.imag), initial=0.0) > 1e-8 * max(1.0, float(np.max(np.abs(value)))):
            raise DomainError(f"{f.name}: the principal value is not real at this matrix")
        value = value.real
    return np.asarray(value, dtype=np.float64)


def loewner(f: PrimaryFunction, lam: Array, c: float = 1.0) -> Array:
    """The Loewner matrix ``F[i, j] = (f(λ_i) - f(λ_j)) / (λ_i - λ_j)``, ``f'(λ_i)`` where they meet."""
    fl = f.scalar(lam, c)
    diff = lam[:, None] - lam[None, :]
    scale = np.maximum(1.0, np.maximum(np.abs(lam)[:, None], np.abs(lam)[None, :]))
    close = np.abs(diff) <= 1e-8 * scale
    safe = np.where(close, 1.0, diff)
    middle = f.scalar_derivative((lam[:, None] + lam[None, :]) / 2, c)
    return np.asarray(np.where(close, middle, (fl[:, None] - fl[None, :]) / safe))


def _block(x: Array, e: Array) -> Array:
    z = np.zeros_like(x)
    return np.block([[x, e], [z, x]])


def frechet(f: PrimaryFunction, x: Array, directions: Sequence[Array], c: float = 1.0) -> Array:
    """The k-th Fréchet derivative ``L_f^(k)(X; E1, ..., Ek)`` (k = 0 is ``f(X)``)."""
    x = np.asarray(x, dtype=np.float64)
    if not directions:
        return matfun(f, x, c)
    n = x.shape[0]
    *rest, last = (np.asarray(d, dtype=np.float64) for d in directions)
    if not rest and _is_symmetric(x):
        lam, q = eigh(x)
        _check_domain(f, lam, f"the Fréchet derivative of {f.name}", c)
        return np.asarray(q @ (loewner(f, lam, c) * (q.T @ last @ q)) @ q.T)
    if not rest and f.frechet_general is not None:
        return np.asarray(f.frechet_general(x, last, c))
    # f of the block matrix [[X, E], [0, X]] holds L_f(X, E) in its upper right block
    # (Higham, Thm. 3.6); the lower orders at the block matrix, with block-diagonal
    # directions, hold the derivative of the lower order along E in the same place.
    eye2 = np.eye(2)
    big = frechet(f, _block(x, last), [np.kron(eye2, d) for d in rest], c)
    return np.asarray(big[:n, n:])


def frechet_kernel(
    f: PrimaryFunction, x: Array, directions: Sequence[Array], open_slots: int, c: float = 1.0
) -> Array:
    """``L_f^(k)`` with ``directions`` given and ``open_slots`` more left as tensor axes.

    The value has shape ``(n, n) + open_slots * (n, n)``: entry ``[i, j, s1, t1, ...]``
    is ``L_f^(k)(X; E1, ..., e_s1 e_t1ᵀ, ...)[i, j]`` (the derivative is linear in each slot).
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if open_slots == 0:
        return frechet(f, x, directions, c)
    if open_slots == 1 and not directions and _is_symmetric(x):
        lam, q = eigh(x)
        _check_domain(f, lam, f"the Fréchet derivative of {f.name}", c)
        f1 = loewner(f, lam, c)
        return np.asarray(np.einsum("ia,ab,sa,tb,jb->ijst", q, f1, q, q, q, optimize=True))
    out = np.zeros((n, n) + (n, n) * open_slots)
    for s in range(n):
        for t in range(n):
            unit = np.zeros((n, n))
            unit[s, t] = 1.0
            out[..., s, t] = frechet_kernel(f, x, [*directions, unit], open_slots - 1, c)
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


def _simple(lam: Array) -> None:
    eig_gaps(lam)  # raises DomainError at repeated eigenvalues


def eigvecs(a: Array, descending: bool = False) -> Array:
    """Unit eigenvectors of the symmetric part (columns; ascending eigenvalues, or descending)."""
    lam, q = eigh(a)
    _simple(lam)
    return q[:, ::-1] if descending else q


def eiggaps(a: Array, descending: bool = False) -> Array:
    """`eig_gaps` of the eigenvalues of the symmetric part, ascending (or descending)."""
    lam, _ = eigh(a)
    return eig_gaps(lam[::-1] if descending else lam)


def _top(a: Array) -> tuple[Array, Array]:
    lam, q = eigh(a)
    scale = max(1.0, float(np.max(np.abs(lam), initial=0.0)))
    if lam.size > 1 and lam[-1] - lam[-2] <= GAP_TOL * scale:
        raise DomainError(
            "the largest eigenvalue (singular value) is repeated: its derivative does not exist there; "
            "a subgradient is any convex combination of u*u' over its eigenvectors"
        )
    return lam, q


def topvec(a: Array) -> Array:
    """The unit eigenvector of the largest eigenvalue, which must be simple."""
    return _top(a)[1][:, -1]


def topgaps(a: Array) -> Array:
    """``g[m] = 1/(λ_max - λ_m)``, 0 at the top (the largest eigenvalue must be simple)."""
    lam, _ = _top(a)
    gaps = lam[-1] - lam
    return np.asarray(np.where(gaps > 0, 1.0 / np.where(gaps > 0, gaps, 1.0), 0.0))


def svdvals(x: Array) -> Array:
    """The singular values of an m x n matrix with m >= n, descending."""
    if x.shape[0] < x.shape[1]:
        raise DomainError(
            f"svdvals of a {x.shape[0]}x{x.shape[1]} matrix: matcalc's svdvals(X) has one value per "
            "column and needs at least as many rows as columns; use svdvals(X') for a wide matrix"
        )
    return np.asarray(np.linalg.svd(x, compute_uv=False))


def nuclear_norm(x: Array) -> Array:
    """The sum of the singular values."""
    return np.asarray(np.sum(np.linalg.svd(x, compute_uv=False)))


def spectral_norm(x: Array) -> Array:
    """The largest singular value."""
    return np.asarray(np.max(np.linalg.svd(x, compute_uv=False), initial=0.0))


def polar(x: Array) -> Array:
    """``U_r V_r'`` over the nonzero singular values (numerical rank as in `numpy.linalg.matrix_rank`)."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    tol = (s[0] if s.size else 0.0) * max(x.shape) * np.finfo(np.float64).eps
    keep = s > tol
    return np.asarray(u[:, keep] @ vt[keep])


def symmetric_chol(a: Array) -> Array:
    """The lower Cholesky factor of the symmetric part ``(a + a')/2``."""
    return chol(np.asarray((a + a.T) / 2))
