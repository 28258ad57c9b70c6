"""The helpers the code templates of the spectral operations call (sources written with ``xp``).

Generated code writes a helper into the module only where it is used.  Each is
self-contained (a helper does not call another) and mirrors the kernel of
`matcalc.spectral` it stands for: eigenvectors with the sign of each vector's
largest entry made positive, eigenvalue gaps, the top eigenvector, and the
polar factor ``U*V'`` over the nonzero singular values.  NumPy, JAX and
PyTorch run them as written (positional axes, ``flip`` instead of a negative step).
"""

from __future__ import annotations

__all__ = ["HELPERS"]

_EIGVECS = '''def _eigvecs(a, descending):
    """Unit eigenvectors of (a+a')/2 (columns, eigenvalues ascending or descending), largest entry > 0."""
    q = xp.linalg.eigh((a + a.T) / 2)[1]
    q = q * xp.where(q[xp.argmax(xp.abs(q), 0), xp.arange(a.shape[0])] < 0, -1.0, 1.0)
    return xp.flip(q, (1,)) if descending else q'''

_EIGGAPS = '''def _eiggaps(a, descending):
    """G[m, k] = 1/(lam_k - lam_m), 0 on the diagonal, for the eigenvalues of (a+a')/2."""
    lam = xp.linalg.eigvalsh((a + a.T) / 2)
    lam = xp.flip(lam, (0,)) if descending else lam
    gaps = lam[None, :] - lam[:, None]
    off = ~xp.eye(a.shape[0], dtype=bool)
    return xp.where(off, 1.0 / xp.where(off, gaps, 1.0), 0.0)'''

_TOPVEC = '''def _topvec(a):
    """The unit eigenvector of the largest eigenvalue of (a+a')/2, its largest entry positive."""
    q = xp.linalg.eigh((a + a.T) / 2)[1][:, -1]
    return q * xp.where(q[xp.argmax(xp.abs(q))] < 0, -1.0, 1.0)'''

_TOPGAPS = '''def _topgaps(a):
    """g[m] = 1/(lam_max - lam_m), 0 at the top, for the eigenvalues of (a+a')/2."""
    lam = xp.linalg.eigvalsh((a + a.T) / 2)
    gaps = lam[-1] - lam
    return xp.where(gaps > 0, 1.0 / xp.where(gaps > 0, gaps, 1.0), 0.0)'''

_POLAR = '''def _polar(x):
    """U*V' over the nonzero singular values: the nuclear norm's gradient (a subgradient at lower rank)."""
    u, s, vt = xp.linalg.svd(x, full_matrices=False)
    tol = s[:1] * max(x.shape) * xp.finfo(x.dtype).eps
    return (u * xp.where(s > tol, 1.0, 0.0)) @ vt'''

_CHOL_LOWER = '''def _chol_lower(s):
    """The lower Cholesky factor of (s+s')/2, whichever triangle the library's cholesky gives."""
    c = xp.linalg.cholesky((s + s.T) / 2)  # dask's is the upper one (through array-api-compat 1.16)
    return xp.tril(c) + xp.triu(c, k=1).T'''

#: Helper name to source.
HELPERS = {
    "_eigvecs": _EIGVECS, "_eiggaps": _EIGGAPS, "_topvec": _TOPVEC, "_topgaps": _TOPGAPS, "_polar": _POLAR,
    "_chol_lower": _CHOL_LOWER,
}  # fmt: skip
