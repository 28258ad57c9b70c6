"""Code for the matrix functions and spectral operations (`MatFun`, `Spectral`).

Templates per backend: NumPy has all of them, through SciPy (``import
scipy.linalg``, written only when used) and two helpers that mirror
`matcalc.spectral`; JAX and PyTorch have those their libraries provide
(``expm`` and its Fréchet derivative, eigenvalues, singular values, Cholesky,
the nuclear and spectral norms).  Anything else is a `MatcalcError` that
names the operation and the backend.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from matcalc.codegen import syntax as sx
from matcalc.errors import MatcalcError
from matcalc.expr import MatFun, Spectral

if TYPE_CHECKING:
    from matcalc.codegen.emit import Lowerer

__all__ = [
    "JAX_HELPERS", "JAX_TEMPLATES", "NUMPY_HELPERS", "NUMPY_TEMPLATES", "TORCH_HELPERS", "TORCH_TEMPLATES",
    "matfun", "spectral",
]  # fmt: skip

_FRECHET = '''def _frechet(f, c, k, x, *dirs):
    """f(X) (k = 0) or its k-th Fréchet derivative along dirs; slots past len(dirs) are tensor axes."""
    n = x.shape[0]
    if len(dirs) < k:
        out = xp.zeros((n, n) + (n, n) * (k - len(dirs)))
        for s in range(n):
            for t in range(n):
                unit = xp.zeros((n, n))
                unit[s, t] = 1.0
                out[..., s, t] = _frechet(f, c, k, x, *dirs, unit)
        return out
    if k:  # f([[X, E], [0, X]]) = [[f(X), L_f(X, E)], [0, f(X)]]  (Higham 2008, Thm. 3.6)
        z = xp.zeros_like(x)
        big = xp.block([[x, dirs[-1]], [z, x]])
        return _frechet(f, c, k - 1, big, *(xp.kron(xp.eye(2), d) for d in dirs[:-1]))[:n, n:]
    if xp.allclose(x, x.T, rtol=0.0, atol=1e-12 * max(1.0, float(xp.max(xp.abs(x), initial=0.0)))):
        lam, q = xp.linalg.eigh((x + x.T) / 2)
        if f != 'expm' and xp.min(lam, initial=1.0) <= 0:
            raise ValueError(f + ': the matrix is not positive definite')
        value = {'expm': xp.exp, 'logm': xp.log, 'sqrtm': xp.sqrt}.get(f, lambda t: t ** c)(lam)
        return (q * value) @ q.T
    if f == 'expm':
        return scipy.linalg.expm(x)
    if f == 'logm':
        return xp.real(scipy.linalg.logm(x))
    if f == 'sqrtm':
        return xp.real(scipy.linalg.sqrtm(x))
    return xp.real(scipy.linalg.fractional_matrix_power(x, c))'''

_SPECTRAL = '''def _spectral(kind, a):
    """Eigenvectors (signs fixed), eigenvalue gaps, the top eigenvector and its gaps, Murray's mask."""
    n = a.shape[0]
    if kind == 'cholmask':
        return xp.tril(xp.ones((n, n)), -1) + 0.5 * xp.eye(n)
    lam, q = xp.linalg.eigh((a + a.T) / 2)
    q = q * xp.where(q[xp.argmax(xp.abs(q), axis=0), xp.arange(n)] < 0, -1.0, 1.0)
    if kind.startswith('r'):
        lam, q, kind = lam[::-1], q[:, ::-1], kind[1:]
    if kind == 'eigvecs':
        return q
    if kind == 'topvec':
        return q[:, -1]
    if kind == 'topgaps':
        gaps = lam[-1] - lam
        return xp.where(gaps > 0, 1.0 / xp.where(gaps > 0, gaps, 1.0), 0.0)
    gaps = lam[None, :] - lam[:, None]
    off = ~xp.eye(n, dtype=bool)
    return xp.where(off, 1.0 / xp.where(off, gaps, 1.0), 0.0)'''

_POLAR = '''def _polar(x):
    """U*V' over the nonzero singular values: the nuclear norm's gradient (a subgradient at lower rank)."""
    u, s, vt = xp.linalg.svd(x, full_matrices=False)
    tol = s[:1] * max(x.shape) * xp.finfo(x.dtype).eps
    return (u * xp.where(s > tol, 1.0, 0.0)) @ vt'''

#: NumPy helpers (SciPy imported by the module when they are used).
NUMPY_HELPERS = {"_frechet": _FRECHET, "_spectral": _SPECTRAL, "_polar": _POLAR}

#: The helpers JAX and PyTorch use (written with ``xp``, which both spell like NumPy here).
JAX_HELPERS = TORCH_HELPERS = {"_polar": _POLAR}

_DIRECT = ("eigvals", "svdvals", "chol", "nuclear_norm", "spectral_norm")

NUMPY_TEMPLATES = {
    "eigvals": "xp.linalg.eigvalsh((_0 + _0.T) / 2)",
    "svdvals": "xp.linalg.svd(_0, compute_uv=False)",
    "chol": "xp.linalg.cholesky((_0 + _0.T) / 2)",
    "nuclear_norm": "xp.linalg.norm(_0, 'nuc')",
    "spectral_norm": "xp.linalg.norm(_0, 2)",
    "polar": "_polar(_0)",
    **{k: f"_spectral('{k}', _0)" for k in ("eigvecs", "eiggaps", "reigvecs", "reiggaps", "topvec", "topgaps",
                                             "cholmask")},
    "frechet": "_frechet(_0, _1, _2, _3, *_4)",
}

JAX_TEMPLATES = {
    "eigvals": "xp.linalg.eigvalsh((_0 + _0.T) / 2)",
    "svdvals": "xp.linalg.svd(_0, compute_uv=False)",
    "chol": "xp.linalg.cholesky((_0 + _0.T) / 2)",
    "nuclear_norm": "xp.linalg.norm(_0, 'nuc')",
    "spectral_norm": "xp.linalg.norm(_0, 2)",
    "polar": "_polar(_0)",
    "expm": "jax.scipy.linalg.expm(_0)",
    "L_expm": "jax.scipy.linalg.expm_frechet(_0, _1, compute_expm=False)",
}

TORCH_TEMPLATES = {
    "eigvals": "torch.linalg.eigvalsh((_0 + _0.mT) / 2)",
    "svdvals": "torch.linalg.svdvals(_0)",
    "chol": "torch.linalg.cholesky((_0 + _0.mT) / 2)",
    "nuclear_norm": "torch.linalg.matrix_norm(_0, 'nuc')",
    "spectral_norm": "torch.linalg.matrix_norm(_0, 2)",
    "polar": "_polar(_0)",
    "expm": "torch.linalg.matrix_exp(_0)",
}


def _template(lw: Lowerer, name: str, what: str) -> None:
    if name not in lw.backend.templates:
        raise MatcalcError(f"the {lw.backend.name} backend has no code for {what}; use backend='numpy'")


def spectral(lw: Lowerer, e: Spectral) -> ast.expr:
    """``eigvals(S)`` and the other spectral operations."""
    _template(lw, e.kind, e.kind)
    return lw.op(e.kind, lw.ref(e.body))


def matfun(lw: Lowerer, e: MatFun) -> ast.expr:
    """``f(X)`` or a Fréchet derivative: a library function where the backend has one, else the helper."""
    name = e.func if e.order == 0 else f"L_{e.func}"
    if name in lw.backend.templates and not e.params and e.order == len(e.directions) <= 1:
        return lw.op(name, *(lw.ref(a) for a in (e.body, *e.directions)))
    _template(lw, "frechet", f"{name} (order {e.order})")
    c = lw.ref(e.params[0]) if e.params else sx.number(1.0)
    dirs = ast.Tuple(elts=[lw.ref(d) for d in e.directions], ctx=ast.Load())
    return lw.op("frechet", ast.Constant(e.func), c, sx.number(e.order), lw.ref(e.body), dirs)
