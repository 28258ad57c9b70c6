"""Derivative rules of the matrix functions and spectral operations, at the index level.

`RULES` is merged into the rules of `matcalc.diff`, which imports this module.  Every rule is the
chain rule: an outer index factor times the derivative of the argument.

- ``f(X)`` and its Fréchet derivatives: ``∂L_f^(k)(X; E..)[i,j,..] =
  L_f^(k+1)(X; E.., ·)[i,j,..,s,t] ∂X[s,t] + Σ_m L_f^(k)(X; E.. without E_m, ·)[i,j,..,s,t] ∂E_m[s,t]``
  (the derivative is linear in each direction and symmetric in them; Higham,
  *Functions of Matrices*, §3.1-3.2).  ``∂(X^c)/∂c = log(X) X^c``.
- eigenvalues: ``∂λ_k = u_k' ∂S u_k``; eigenvectors: ``∂U = U (G ∘ (U' ∂S U))``
  with ``G[m,k] = 1/(λ_k - λ_m)`` (Magnus 1985, Thm. 1); ``∂G[m,k] = -G[m,k]² (∂λ_k - ∂λ_m)``.
- Cholesky: ``∂L = L Φ(L⁻¹ ∂S L⁻ᵀ)`` (Murray 2016, eq. 8), ``Φ`` the lower triangle
  with the diagonal halved.
- singular values through the Gram matrix ``X'X``: ``∂sigma_k = ∂μ_k / (2sigma_k)`` with
  ``μ`` its eigenvalues; ``∂‖X‖_* = <polar(X), ∂X>`` with ``polar(X) = U V'`` over the
  nonzero singular values (``X (X'X)^(-1/2)`` at full column rank, differentiated as
  that; at a lower rank the norm is not differentiable and ``U V'`` is its subgradient
  of least norm, Watson 1992); ``∂‖X‖₂ = v' ∂(X'X) v / (2‖X‖₂)`` with ``v`` the top eigenvector.

The operations of a symmetric argument are functions of its symmetric part,
so their rules take the symmetric part of ``∂S`` (two terms of 1/2).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from matcalc import build
from matcalc.errors import DifferentiationError
from matcalc.expr import Expr, MatFun, Spectral
from matcalc.index import Idx, Term, fresh, product
from matcalc.lower import atom
from matcalc.spectral_ops import frechet, matfun, spectral_op

if TYPE_CHECKING:
    from matcalc.diff import _Deriv

__all__ = ["RULES"]

_HALF = Fraction(1, 2)


def _matfun(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    assert isinstance(e, MatFun)
    x, c = e.body, (e.params[0] if e.params else None)
    n = x.shape[0]
    out: list[Term] = []
    s, t = fresh(n), fresh(n)
    higher = frechet(e.func, x, e.directions, e.order + 1, c)
    out.extend(dv.chain(atom(higher, (*idx, s, t)), x, (s, t)))
    for m, d in enumerate(e.directions):
        s, t = fresh(n), fresh(n)
        rest = e.directions[:m] + e.directions[m + 1 :]
        opened = frechet(e.func, x, rest, e.order, c)
        out.extend(dv.chain(atom(opened, (*idx, s, t)), d, (s, t)))
    if c is not None and dv.depends(c):
        if e.order:
            raise DifferentiationError(
                f"the derivative of a Fréchet derivative of X^c by its exponent c is not implemented: {e}"
            )
        by_c = build.matmul(matfun("logm", x), e)  # d X^c / dc = log(X) X^c (they commute)
        out.extend(dv.chain(atom(by_c, idx), c, ()))
    return out


def _sym_chain(dv: _Deriv, outer: list[tuple[Term, Idx, Idx]], inner: Expr) -> list[Term]:
    """``Σ outer[s,t] (∂inner[s,t] + ∂inner[t,s]) / 2``: the derivative along the symmetric part."""
    out: list[Term] = []
    for term, s, t in outer:
        half = product(Term(_HALF), term)
        out.extend(dv.chain(half, inner, (s, t)))
        out.extend(dv.chain(half, inner, (t, s)))
    return out


def _eigvals(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂λ_k = Σ U[s,k] U[t,k] ∂S[s,t]
    (k,) = idx
    u = spectral_op("eigvecs", e.body)
    s, t = fresh(k.dim), fresh(k.dim)
    return dv.chain(product(atom(u, (s, k)), atom(u, (t, k))), e.body, (s, t))


def _eigvecs(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂U[a,k] = Σ_m U[a,m] G[m,k] U[s,m] U[t,k] ∂S[s,t], ∂S symmetrized
    a, k = idx
    prefix = "r" if e.kind.startswith("r") else ""
    u, g = e, spectral_op(prefix + "eiggaps", e.body)
    m, s, t = fresh(k.dim), fresh(k.dim), fresh(k.dim)
    outer = product(atom(u, (a, m)), atom(g, (m, k)), atom(u, (s, m)), atom(u, (t, k)))
    return _sym_chain(dv, [(outer, s, t)], e.body)


def _eiggaps(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂G[m,k] = -G[m,k]² (∂λ_k - ∂λ_m),  ∂λ_k = U[s,k] U[t,k] ∂S[s,t]
    m, k = idx
    prefix = "r" if e.kind.startswith("r") else ""
    u = spectral_op(prefix + "eigvecs", e.body)
    g2 = build.power(e, build.number(2))
    s, t = fresh(k.dim), fresh(k.dim)
    minus = product(Term(-1), atom(g2, (m, k)), atom(u, (s, k)), atom(u, (t, k)))
    plus = product(atom(g2, (m, k)), atom(u, (s, m)), atom(u, (t, m)))
    return dv.chain(minus, e.body, (s, t)) + dv.chain(plus, e.body, (s, t))


def _topvec(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂v[a] = Σ_m U[a,m] g[m] U[s,m] v[t] ∂S[s,t], ∂S symmetrized
    (a,) = idx
    u, g = spectral_op("eigvecs", e.body), spectral_op("topgaps", e.body)
    m, s, t = fresh(a.dim), fresh(a.dim), fresh(a.dim)
    outer = product(atom(u, (a, m)), atom(g, (m,)), atom(u, (s, m)), atom(e, (t,)))
    return _sym_chain(dv, [(outer, s, t)], e.body)


def _topgaps(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂g[m] = -g[m]² (∂λ_max - ∂λ_m)
    (m,) = idx
    u, v = spectral_op("eigvecs", e.body), spectral_op("topvec", e.body)
    g2 = build.power(e, build.number(2))
    s, t = fresh(m.dim), fresh(m.dim)
    minus = product(Term(-1), atom(g2, (m,)), atom(v, (s,)), atom(v, (t,)))
    plus = product(atom(g2, (m,)), atom(u, (s, m)), atom(u, (t, m)))
    return dv.chain(minus, e.body, (s, t)) + dv.chain(plus, e.body, (s, t))


def _chol(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂L[a,b] = Σ_c L[a,c] Φ[c,b] L⁻¹[c,s] L⁻¹[b,t] ∂S[s,t]   (Murray 2016), ∂S symmetrized
    a, b = idx
    li, mask = build.inv(e), spectral_op("cholmask", e.body)
    c, s, t = fresh(a.dim), fresh(a.dim), fresh(a.dim)
    outer = product(atom(e, (a, c)), atom(mask, (c, b)), atom(li, (c, s)), atom(li, (b, t)))
    return _sym_chain(dv, [(outer, s, t)], e.body)


def _gram(x: Expr) -> Expr:
    return build.matmul(build.transpose(x), x)


def _svdvals(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    # s_k² = μ_k, the eigenvalues of X'X, descending:  ∂s_k = W[s,k] W[t,k] ∂(X'X)[s,t] / (2 s_k)
    (k,) = idx
    gram = _gram(e.body)
    w = spectral_op("reigvecs", gram)
    s, t = fresh(k.dim), fresh(k.dim)
    inv_sigma = build.elem_div(build.number(_HALF), e)
    return dv.chain(product(atom(inv_sigma, (k,)), atom(w, (s, k)), atom(w, (t, k))), gram, (s, t))


def _nuclear(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    # ‖X‖_* = tr((X'X)^(1/2)):  ∂ = tr((X'X)^(-1/2) ∂(X'X)) / 2 = <X (X'X)^(-1/2), ∂X> = <U V', ∂X>
    x = e.body
    s, t = fresh(x.shape[0]), fresh(x.shape[1])
    return dv.chain(atom(spectral_op("polar", x), (s, t)), x, (s, t))


def _polar(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    # polar(X) = X (X'X)^(-1/2) at full column rank (where it is differentiable)
    x = e.body
    return dv.d(build.matmul(x, matfun("pow", _gram(x), build.number(-_HALF))), idx)


def _spectral_norm(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    # ‖X‖₂² = λ_max(X'X):  ∂‖X‖₂ = v' ∂(X'X) v / (2 ‖X‖₂)
    gram = _gram(e.body)
    v = spectral_op("topvec", gram)
    s, t = fresh(gram.shape[0]), fresh(gram.shape[0])
    half_inv = build.elem_div(build.number(_HALF), e)
    return dv.chain(product(atom(half_inv, ()), atom(v, (s,)), atom(v, (t,))), gram, (s, t))


def _constant(dv: _Deriv, e: Spectral, idx: tuple[Idx, ...]) -> list[Term]:
    return []


_SPECTRAL_RULES = {
    "eigvals": _eigvals, "eigvecs": _eigvecs, "reigvecs": _eigvecs, "eiggaps": _eiggaps,
    "reiggaps": _eiggaps, "topvec": _topvec, "topgaps": _topgaps, "chol": _chol,
    "cholmask": _constant, "svdvals": _svdvals, "nuclear_norm": _nuclear, "polar": _polar,
    "spectral_norm": _spectral_norm,
}  # fmt: skip


def _spectral(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    assert isinstance(e, Spectral)
    return _SPECTRAL_RULES[e.kind](dv, e, idx)


#: The derivative rules of the two node types, by node class (read by `matcalc.diff`).
Rule = Callable[["_Deriv", Expr, tuple[Idx, ...]], list[Term]]
RULES: dict[type, Rule] = {MatFun: _matfun, Spectral: _spectral}
