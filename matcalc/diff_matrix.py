"""The chain rules of the named matrix functions: inverses, determinants, matrix powers, norms, softmax.

Each rule gives ``∂ e[idx] / ∂ wrt`` at the index level as an outer factor
times the derivative of the argument (``dv.chain``), citing the Matrix
Cookbook.  The node types they are keyed by have records in
`matcalc.ops.matrix` (spelling, value, LaTeX, code); their derivative rules
are here.  `RULES` is merged into the rules of `matcalc.diff`, which imports
this module; the structural nodes' rules are derived from their lowering there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matcalc import build
from matcalc.errors import DifferentiationError
from matcalc.expr import Det, Expr, Inverse, LogDet, LogSumExp, MatPow, Norm, Softmax
from matcalc.index import Delta, Idx, Term, fresh, fresh_like, product
from matcalc.lower import atom

if TYPE_CHECKING:
    from collections.abc import Callable

    from matcalc.diff import _Deriv

__all__ = ["MAX_POWER_TERMS", "RULES", "power_terms_limit"]


def _inverse(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂(A⁻¹)_ij = -(A⁻¹)_is ∂A_st (A⁻¹)_tj   (Matrix Cookbook eq. 59)
    assert isinstance(e, Inverse)
    s, t = fresh(idx[0].dim), fresh(idx[1].dim)
    outer = product(Term(-1), atom(e, (idx[0], s)), atom(e, (t, idx[1])))
    return dv.chain(outer, e.body, (s, t))


def _det(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂ det A = det(A) (A⁻¹)_ts ∂A_st   (Matrix Cookbook eq. 46)
    assert isinstance(e, Det)
    n = e.body.shape[0]
    s, t = fresh(n), fresh(n)
    outer = product(atom(e, ()), atom(build.inv(e.body), (t, s)))
    return dv.chain(outer, e.body, (s, t))


def _logdet(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂ log|det A| = (A⁻¹)_ts ∂A_st   (Matrix Cookbook eq. 57)
    assert isinstance(e, LogDet)
    n = e.body.shape[0]
    s, t = fresh(n), fresh(n)
    return dv.chain(atom(build.inv(e.body), (t, s)), e.body, (s, t))


#: Largest |k| whose ∂(A^k) is expanded into its k terms (it has no closed form in general).
MAX_POWER_TERMS = 100


def _matpow(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂(A^k) = Σ_r A^r ∂A A^(k-1-r)   (Matrix Cookbook eq. 91); A^-k = (A⁻¹)^k
    assert isinstance(e, MatPow)
    a, k = e.body, e.k
    power_terms_limit(k)
    if k < 0:
        return dv.d(build.matpow(build.inv(a), -k), idx)
    out: list[Term] = []
    for r in range(k):
        s, t = fresh(idx[0].dim), fresh(idx[1].dim)
        outer = product(atom(build.matpow(a, r), (idx[0], s)), atom(build.matpow(a, k - 1 - r), (t, idx[1])))
        out.extend(dv.chain(outer, a, (s, t)))
    return out


def power_terms_limit(k: int) -> None:
    """Refuse to expand ∂(A^k) into more than `MAX_POWER_TERMS` terms."""
    if abs(k) > MAX_POWER_TERMS:
        raise DifferentiationError(
            f"the derivative of a matrix power A^{k} is a sum of {abs(k)} terms with no closed form; "
            f"matcalc expands at most {MAX_POWER_TERMS} (closed forms exist under a trace: "
            f"d tr(A^k) = k tr(A^(k-1) dA), which matcalc uses)"
        )


def _norm(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂‖u‖₂ = u_s/‖u‖₂ ∂u_s (eq. 130);  ∂‖u‖₁ = sign(u)_s ∂u_s
    assert isinstance(e, Norm)
    u = e.body
    s = fresh_like(u.shape)
    outer = build.elem_div(u, e) if e.p == 2 else build.apply("sign", u)
    return dv.chain(atom(outer, s), u, s)


def _softmax(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂ softmax(u)_i = s_i (δ_ij - s_j) ∂u_j; by rows (axis 2) the same in each row:
    # ∂S_ij = S_ij ∂U_ij - S_ij S_il ∂U_il, and by columns ∂S_ij = S_ij ∂U_ij - S_ij S_lj ∂U_lj
    assert isinstance(e, Softmax)
    if e.axis == 0:
        j = fresh(idx[0].dim)
        diagonal = product(atom(e, idx), Term(1, (), (Delta(idx[0], j),)))
        outer = product(Term(-1), atom(e, idx), atom(e, (j,)))
        return dv.chain(diagonal, e.body, (j,)) + dv.chain(outer, e.body, (j,))
    i, j = idx
    other = (i, fresh(j.dim)) if e.axis == 2 else (fresh(i.dim), j)
    outer = product(Term(-1), atom(e, idx), atom(e, other))
    return dv.chain(atom(e, idx), e.body, idx) + dv.chain(outer, e.body, other)


def _logsumexp(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂ logsumexp(u) = softmax(u)_s ∂u_s; of all entries of U: exp(U - logsumexp(U))_st ∂U_st;
    # by rows (axis 2) ∂L_i = softmax(U, 2)_il ∂U_il, by columns ∂L_j = softmax(U, 1)_lj ∂U_lj
    assert isinstance(e, LogSumExp)
    u = e.body
    if e.axis == 0:
        s = fresh_like(u.shape)
        weights = build.softmax(u) if u.is_vector else build.apply("exp", build.sub(u, e))
        return dv.chain(atom(weights, s), u, s)
    inner = (idx[0], fresh(u.shape[1])) if e.axis == 2 else (fresh(u.shape[0]), idx[0])
    return dv.chain(atom(build.softmax(u, e.axis), inner), u, inner)


#: The rules by node type (`matcalc.diff` merges them into its own).
RULES: dict[type, Callable[[_Deriv, Expr, tuple[Idx, ...]], list[Term]]] = {
    Inverse: _inverse,
    Det: _det,
    LogDet: _logdet,
    MatPow: _matpow,
    Norm: _norm,
    Softmax: _softmax,
    LogSumExp: _logsumexp,
}
