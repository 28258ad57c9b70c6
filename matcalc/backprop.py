"""Gradients of scalar functions by reverse accumulation, with the rules of `diff`.

For a scalar ``f``, the gradient is accumulated from ``f`` down to the
variable, parents before children: the adjoint ``ā_c = ∂f/∂c`` of a node ``c``
is the sum over its parents ``e`` of ``Σ ā_e[i] ∂e[i]/∂c[k]``.  The local
partial ``∂e/∂c`` is taken with the very same derivative rules as everything
else — with the direct occurrences of ``c`` in ``e`` replaced by a placeholder
variable, so that paths through other children are not counted twice — then
contracted with the adjoint and raised to matrix form at once.

Each node is visited once and each adjoint is a small expression that refers
to the adjoints above it, so the cost and the size of the result grow
linearly with the depth of ``f`` (a forward pass would rebuild a growing
product at every level).  The result reads like backpropagation:
``W2'*(ā .* (1-tanh(W2*h).^2))``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from matcalc import build
from matcalc.expr import Add, Expr, Identity, MatPow, Scale, Symbol, Transpose, children, walk
from matcalc.index import Factor, Idx, IndexExpr, Term, fresh_like, product
from matcalc.lower import atom
from matcalc.raise_ import raise_index
from matcalc.rewrite import memo_scope
from matcalc.rules.transposes import is_symmetric
from matcalc.simplify_index import simplify_terms

__all__ = ["gradient"]

_SLOT = "_slot"  # not a valid user name, so it never clashes with a symbol
_KIND = {0: "scalar", 1: "vector", 2: "matrix"}


def _put_back(term: Term, slot: Symbol, child: Expr) -> Term:
    """The local partial with the child in place of the placeholder again."""
    factors = tuple(Factor(build.replace(f.base, slot, child), f.indices) for f in term.factors)
    return Term(term.coef, factors, term.deltas)


def _accumulate(adjoint: dict[Expr, Expr], c: Expr, part: Expr) -> None:
    previous = adjoint.get(c)
    adjoint[c] = part if previous is None else build.add(previous, part)


def _multiple_of_identity(e: Expr) -> bool:
    """True for ``eye``, a scalar times one, and sums and transposes of such (they commute with all)."""
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Scale):
            stack.append(x.body)
        elif isinstance(x, Add):
            stack.extend(x.terms)
        elif isinstance(x, Transpose):
            stack.append(x.body)
        elif not isinstance(x, Identity):
            return False
    return True


def _symmetric(e: Expr) -> bool:
    """True when ``e`` is symmetric by construction (a sufficient test), through transposes and scalings."""
    with memo_scope():  # is_symmetric asks again of the terms of nested sums
        return _symmetric_in(e)


def _symmetric_in(e: Expr) -> bool:
    while isinstance(e, Transpose | Scale):
        e = e.body  # X' and c X (c a scalar) are symmetric when X is
    if isinstance(e, Add):
        return all(_symmetric_in(t) for t in e.terms)
    return is_symmetric(e)


#: ``differentiate(e, c, out, into)``: the terms of ``∂e[out]/∂c[into]`` (`matcalc.diff.differentiate`).
Partial = Callable[[Expr, Symbol, Sequence[Idx], Sequence[Idx]], list[Term]]


def gradient(f: Expr, wrt: Symbol, differentiate: Partial) -> Expr:
    """``∂f/∂wrt`` of the scalar ``f``, of ``wrt``'s shape (before final simplification).

    ``differentiate`` takes the local partials: `matcalc.diff` passes its own
    index-level rules (which also refuse a too-long expansion of ``A^k``), so
    this module sits below it in the import graph.
    """
    assert f.is_scalar, "diff takes reverse mode for scalar functions only"
    nodes = [e for e in walk(f) if wrt in e.symbols]
    adjoint: dict[Expr, Expr] = {f: build.number(1)}
    for e in reversed(nodes):  # every parent before its children
        bar = adjoint.get(e)
        if bar is None or e is wrt:
            continue
        if isinstance(e, MatPow) and _multiple_of_identity(bar):
            # Σ_r (A^r)' B (A^(k-1-r))' = k B (A^(k-1))' when B = c I commutes (Matrix Cookbook eq. 121)
            power = build.transpose(build.matpow(e.body, e.k - 1))
            _accumulate(adjoint, e.body, build.mul(build.number(e.k), build.mul(bar, power)))
            continue
        for c in dict.fromkeys(k for k in children(e) if wrt in k.symbols):
            slot = Symbol(_SLOT, _KIND[c.ndim], shape=c.shape, row=c.row)
            local = build.remake(e, lambda k, c=c, slot=slot: slot if k is c else k)  # type: ignore[misc]
            out, into = fresh_like(e.shape), fresh_like(c.shape)
            partial = [_put_back(t, slot, c) for t in differentiate(local, slot, out, into)]
            terms = [product(atom(bar, out), t) for t in partial]
            terms = simplify_terms(terms, into)
            if not terms:
                continue
            _accumulate(adjoint, c, raise_index(IndexExpr(into, tuple(terms))))
    result = adjoint.get(wrt)
    if result is None:
        return build.zeros(wrt.shape)
    if wrt.kind == "symmetric":
        # the gradient for the trace inner product on symmetric matrices: the symmetric part
        # of the entrywise adjoint, as the forward rule ∂S_ij/∂S_kl = (δ_ik δ_jl + δ_il δ_jk)/2
        if _symmetric(result):  # det(S)*inv(S)' is its own symmetric part: nothing to build and simplify
            return result
        return build.scale(build.number(Fraction(1, 2)), build.add(result, build.transpose(result)))
    return build.transpose(result) if result.is_vector and result.row else result
