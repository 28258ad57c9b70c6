r"""The spectral operations, one `SpectralOp` record each, with their derivative rules.

``eigvals``, ``eigvecs``, ``svdvals``, ``chol``, ``nuclear_norm``,
``spectral_norm`` and the helpers their derivatives are written with
(eigenvalue gaps, the top eigenvector, Murray's Cholesky mask, the polar
factor) are each one record: shape rule, NumPy value (`matcalc.spectral`),
derivative rule at the index level, LaTeX, code per backend, SymPy mapping,
the domain tests draw from.  One node type, `Spectral`, holds them all.

The rules (each the chain rule: an outer index factor times the derivative of
the argument):

- eigenvalues: ``∂λ_k = u_k' ∂S u_k``; eigenvectors: ``∂U = U (G ∘ (U' ∂S U))``
  with ``G[m,k] = 1/(λ_k - λ_m)`` (Magnus 1985, Thm. 1); ``∂G[m,k] = -G[m,k]² (∂λ_k - ∂λ_m)``.
- Cholesky: ``∂L = L Φ(L⁻¹ ∂S L⁻ᵀ)`` (Murray 2016, eq. 8), ``Φ`` the lower triangle
  with the diagonal halved.
- singular values through the Gram matrix ``X'X``: ``∂s_k = ∂μ_k / (2 s_k)`` with
  ``μ`` its eigenvalues; ``∂‖X‖_* = <polar(X), ∂X>`` with ``polar(X) = U V'`` over the
  nonzero singular values, ``X (X'X)^(-1/2)`` at full column rank (differentiated as
  that; at a lower rank the norm is not differentiable and ``U V'`` is its subgradient
  of least norm, Watson 1992); ``∂‖X‖₂ = v' ∂(X'X) v / (2‖X‖₂)``, ``v`` the top eigenvector.

The operations of a symmetric argument are functions of its symmetric part,
so their rules take the symmetric part of ``∂S`` (two terms of 1/2).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

from matcalc import build, spectral
from matcalc.dims import Dim
from matcalc.errors import ShapeError
from matcalc.expr import Expr, Spectral
from matcalc.index import Idx, Term, fresh, product
from matcalc.lower import atom
from matcalc.ops.primary import matfun
from matcalc.ops.record import Registry
from matcalc.ops.spectral_code import HELPERS
from matcalc.ops.spectral_record import SpectralOp

if TYPE_CHECKING:
    from matcalc.diff import _Deriv

__all__ = ["RECORDS", "SPECTRAL_OPS", "spectral_op"]

_HALF = Fraction(1, 2)
_NONNEGATIVE = (0.0, math.inf)


def spectral_op(name: str, x: Expr) -> Expr:
    """The spectral operation ``name`` of the matrix ``x`` (its record's shape rule)."""
    record = SPECTRAL_OPS[name]
    if not x.is_matrix:
        raise ShapeError(f"{name} needs a matrix, got {build.describe(x)}")
    if record.square:
        x = build.require_square(name, x)
    n = x.shape[1]
    shape: tuple[Dim, ...] = {"vector": (n,), "matrix": (n, n), "scalar": (), "same": x.shape}[record.shape]
    return Spectral(name, x, shape=shape)


# ---- derivative rules --------------------------------------------------------------------------


def _sym_chain(dv: _Deriv, outer: Term, s: Idx, t: Idx, inner: Expr) -> list[Term]:
    """``Σ outer[s,t] (∂inner[s,t] + ∂inner[t,s]) / 2``: the derivative along the symmetric part."""
    half = product(Term(_HALF), outer)
    return dv.chain(half, inner, (s, t)) + dv.chain(half, inner, (t, s))


def _eigvals(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂λ_k = Σ U[s,k] U[t,k] ∂S[s,t]
    (k,) = idx
    assert isinstance(e, Spectral)
    u = spectral_op("eigvecs", e.body)
    s, t = fresh(k.dim), fresh(k.dim)
    return dv.chain(product(atom(u, (s, k)), atom(u, (t, k))), e.body, (s, t))


def _prefix(e: Expr) -> str:
    """``r`` for the descending-order operations (``reigvecs``), else nothing."""
    assert isinstance(e, Spectral)
    return "r" if e.kind.startswith("r") else ""


def _eigvecs(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂U[a,k] = Σ_m U[a,m] G[m,k] U[s,m] U[t,k] ∂S[s,t], ∂S symmetrized
    assert isinstance(e, Spectral)
    a, k = idx
    g = spectral_op(_prefix(e) + "eiggaps", e.body)
    m, s, t = fresh(k.dim), fresh(k.dim), fresh(k.dim)
    outer = product(atom(e, (a, m)), atom(g, (m, k)), atom(e, (s, m)), atom(e, (t, k)))
    return _sym_chain(dv, outer, s, t, e.body)


def _eiggaps(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂G[m,k] = -G[m,k]² (∂λ_k - ∂λ_m),  ∂λ_k = U[s,k] U[t,k] ∂S[s,t]
    assert isinstance(e, Spectral)
    m, k = idx
    u = spectral_op(_prefix(e) + "eigvecs", e.body)
    g2 = build.power(e, build.number(2))
    s, t = fresh(k.dim), fresh(k.dim)
    minus = product(Term(-1), atom(g2, (m, k)), atom(u, (s, k)), atom(u, (t, k)))
    plus = product(atom(g2, (m, k)), atom(u, (s, m)), atom(u, (t, m)))
    return dv.chain(minus, e.body, (s, t)) + dv.chain(plus, e.body, (s, t))


def _topvec(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂v[a] = Σ_m U[a,m] g[m] U[s,m] v[t] ∂S[s,t], ∂S symmetrized
    assert isinstance(e, Spectral)
    (a,) = idx
    u, g = spectral_op("eigvecs", e.body), spectral_op("topgaps", e.body)
    m, s, t = fresh(a.dim), fresh(a.dim), fresh(a.dim)
    outer = product(atom(u, (a, m)), atom(g, (m,)), atom(u, (s, m)), atom(e, (t,)))
    return _sym_chain(dv, outer, s, t, e.body)


def _topgaps(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂g[m] = -g[m]² (∂λ_max - ∂λ_m)
    assert isinstance(e, Spectral)
    (m,) = idx
    u, v = spectral_op("eigvecs", e.body), spectral_op("topvec", e.body)
    g2 = build.power(e, build.number(2))
    s, t = fresh(m.dim), fresh(m.dim)
    minus = product(Term(-1), atom(g2, (m,)), atom(v, (s,)), atom(v, (t,)))
    plus = product(atom(g2, (m,)), atom(u, (s, m)), atom(u, (t, m)))
    return dv.chain(minus, e.body, (s, t)) + dv.chain(plus, e.body, (s, t))


def _chol(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂L[a,b] = Σ_c L[a,c] Φ[c,b] L⁻¹[c,s] L⁻¹[b,t] ∂S[s,t]   (Murray 2016), ∂S symmetrized
    assert isinstance(e, Spectral)
    a, b = idx
    li, mask = build.inv(e), spectral_op("cholmask", e.body)
    c, s, t = fresh(a.dim), fresh(a.dim), fresh(a.dim)
    outer = product(atom(e, (a, c)), atom(mask, (c, b)), atom(li, (c, s)), atom(li, (b, t)))
    return _sym_chain(dv, outer, s, t, e.body)


def _gram(x: Expr) -> Expr:
    return build.matmul(build.transpose(x), x)


def _svdvals(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # s_k² = μ_k, the eigenvalues of X'X, descending:  ∂s_k = W[s,k] W[t,k] ∂(X'X)[s,t] / (2 s_k)
    assert isinstance(e, Spectral)
    (k,) = idx
    gram = _gram(e.body)
    w = spectral_op("reigvecs", gram)
    s, t = fresh(k.dim), fresh(k.dim)
    inv_sigma = build.elem_div(build.number(_HALF), e)
    return dv.chain(product(atom(inv_sigma, (k,)), atom(w, (s, k)), atom(w, (t, k))), gram, (s, t))


def _nuclear(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ‖X‖_* = tr((X'X)^(1/2)):  ∂ = tr((X'X)^(-1/2) ∂(X'X)) / 2 = <X (X'X)^(-1/2), ∂X> = <U V', ∂X>
    assert isinstance(e, Spectral)
    x = e.body
    s, t = fresh(x.shape[0]), fresh(x.shape[1])
    return dv.chain(atom(spectral_op("polar", x), (s, t)), x, (s, t))


def _polar(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # polar(X) = X (X'X)^(-1/2) at full column rank (where it is differentiable)
    assert isinstance(e, Spectral)
    x = e.body
    return dv.d(build.matmul(x, matfun("pow", _gram(x), build.number(-_HALF))), idx)


def _spectral_norm(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ‖X‖₂² = λ_max(X'X):  ∂‖X‖₂ = v' ∂(X'X) v / (2 ‖X‖₂)
    assert isinstance(e, Spectral)
    gram = _gram(e.body)
    v = spectral_op("topvec", gram)
    s, t = fresh(gram.shape[0]), fresh(gram.shape[0])
    half_inv = build.elem_div(build.number(_HALF), e)
    return dv.chain(product(atom(half_inv, ()), atom(v, (s,)), atom(v, (t,))), gram, (s, t))


# ---- the records -------------------------------------------------------------------------------

_SYM = "(_0 + _0.T) / 2"
_TORCH_SYM = "(_0 + _0.mT) / 2"


def _code(numpy: str | None, torch: str | None = None, array_api: str | None = None,
          jax: str | None = None) -> dict[str, str | None]:
    """Templates: JAX spells it as NumPy unless told; None is 'not available'."""
    return {"numpy": numpy, "jax": jax if jax is not None else numpy, "torch": torch, "array_api": array_api}


_EIGVALSH = f"xp.linalg.eigvalsh({_SYM})"
_CHOLESKY = f"xp.linalg.cholesky({_SYM})"
_MASK = "xp.tril(xp.ones_like(_0), k=-1) + 0.5 * xp.eye(_0.shape[0], dtype=_0.dtype)"
_TORCH_MASK = "torch.tril(torch.ones_like(_0), -1) + 0.5 * torch.eye(_0.shape[0], dtype=_0.dtype)"

def _helper(call: str) -> dict[str, str | None]:
    """A helper of `matcalc.ops.spectral_code`, which NumPy, JAX and PyTorch run as written."""
    return _code(call, call)


RECORDS: tuple[SpectralOp, ...] = (
    SpectralOp("eigvals", "vector", True, lambda a: spectral.eigh(a)[0], _eigvals, r"\lambda",
               _code(_EIGVALSH, f"torch.linalg.eigvalsh({_TORCH_SYM})", _EIGVALSH), None, "symmetric",
               "eigenvalues of the symmetric part (A+A')/2, ascending", lacks=("dask",),
               aliases=("eig", "eigvalsh", "eigenvalues")),
    SpectralOp("eigvecs", "matrix", True, spectral.eigvecs, _eigvecs, r"\operatorname{eigvecs}",
               _helper("_eigvecs(_0, False)"), None, "symmetric",
               "unit eigenvectors (columns, in the order of eigvals; largest entry positive)",
               helpers=HELPERS, aliases=("eigh", "eigenvectors")),
    SpectralOp("eiggaps", "matrix", True, spectral.eiggaps, _eiggaps, r"\operatorname{eiggaps}",
               _helper("_eiggaps(_0, False)"), None, "symmetric",
               "G[m, k] = 1/(λ_k - λ_m), 0 on the diagonal (eigenvector derivatives)", helpers=HELPERS),
    SpectralOp("reigvecs", "matrix", True, lambda a: spectral.eigvecs(a, True), _eigvecs,
               r"\operatorname{reigvecs}", _helper("_eigvecs(_0, True)"), None, "symmetric",
               "eigenvectors in descending order of the eigenvalues", helpers=HELPERS),
    SpectralOp("reiggaps", "matrix", True, lambda a: spectral.eiggaps(a, True), _eiggaps,
               r"\operatorname{reiggaps}", _helper("_eiggaps(_0, True)"), None, "symmetric",
               "eigenvalue gaps in descending order", helpers=HELPERS),
    SpectralOp("topvec", "vector", True, spectral.topvec, _topvec, r"\operatorname{topvec}",
               _helper("_topvec(_0)"), None, "symmetric",
               "the unit eigenvector of the largest eigenvalue (simple)", helpers=HELPERS),
    SpectralOp("topgaps", "vector", True, spectral.topgaps, _topgaps, r"\operatorname{topgaps}",
               _helper("_topgaps(_0)"), None, "symmetric", "g[m] = 1/(λ_max - λ_m), 0 at the top",
               helpers=HELPERS),
    SpectralOp("svdvals", "vector", False, spectral.svdvals, _svdvals, r"\sigma",
               _code("xp.linalg.svd(_0, compute_uv=False)", "torch.linalg.svdvals(_0)",
                     "xp.linalg.svdvals(_0)"),
               None, "tall", "singular values of an m x n matrix with m >= n, descending", lacks=("dask",),
               range=_NONNEGATIVE, aliases=("svd",)),
    SpectralOp("chol", "matrix", True, spectral.symmetric_chol, _chol, r"\operatorname{chol}",
               _code(_CHOLESKY, f"torch.linalg.cholesky({_TORCH_SYM})", "_chol_lower(xp, _0)"), None, "spd",
               "lower Cholesky factor of the symmetric part, which must be positive definite",
               helpers=HELPERS, aliases=("cholesky",)),
    SpectralOp("cholmask", "matrix", True, lambda a: spectral.chol_mask(a.shape[0]), None, r"\Phi",
               _code(_MASK, _TORCH_MASK, _MASK), None, "general",
               "Murray's Φ as a mask: 1 below the diagonal, 1/2 on it (a constant)", range=(0.0, 1.0)),
    SpectralOp("nuclear_norm", "scalar", False, spectral.nuclear_norm, _nuclear, "*",
               _code("xp.linalg.norm(_0, 'nuc')", "torch.linalg.matrix_norm(_0, 'nuc')",
                     "xp.linalg.matrix_norm(_0, ord='nuc')"), None, "tall", "sum of the singular values",
               latex_style="norm", range=_NONNEGATIVE, aliases=("nuclear",)),
    SpectralOp("polar", "same", False, spectral.polar, _polar, r"\operatorname{polar}",
               _helper("_polar(_0)"), None, "tall",
               "U*V' over the nonzero singular values: X*(X'X)^(-1/2) at full column rank", helpers=HELPERS),
    SpectralOp("spectral_norm", "scalar", False, spectral.spectral_norm, _spectral_norm, "2",
               _code("xp.linalg.norm(_0, 2)", "torch.linalg.matrix_norm(_0, 2)",
                     "xp.linalg.matrix_norm(_0, ord=2)"), None, "tall", "largest singular value",
               latex_style="norm", range=_NONNEGATIVE),
)  # fmt: skip

#: Every spectral operation, validated at import.
SPECTRAL_OPS: Registry[SpectralOp] = Registry(RECORDS, SpectralOp)
