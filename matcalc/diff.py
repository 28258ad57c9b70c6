"""Differentiation at the index level.

``∂ e[idx] / ∂ X[widx]`` is computed by rules keyed by node type.  Lowering is
lazy: a factor that does not contain the variable stays one opaque factor
``base[indices]``; only what is differentiated is opened up, one level at a
time.  The variable itself gives deltas, ``∂X_ij/∂X_kl = δ_ik δ_jl``, and a
symmetric one the symmetrizer ``(δ_ik δ_jl + δ_il δ_jk)/2``, so that every
derivative by it, of any order, is symmetric in its pairs of axes.

- structural nodes (sums, products, transposes, traces, sums of entries,
  diag, identities, index forms) are multilinear in their children; their one
  rule is derived from their index form in `matcalc.lower`;
- the chain rule for the remaining nodes multiplies an outer factor by the
  derivative of the argument.  An argument derivative of several terms that
  is a vector or matrix is wrapped as one nested index factor, so term counts
  add along a chain rather than multiply, and the nested sum raises to a
  factored matrix form (``exp(x'*A*x)*(A+A')*x``).

Each subexpression is differentiated once per call (memoized on the node), so
shared subexpressions cost nothing more.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction

from matcalc import axes, build, diff_matrix, diff_spectral, gamma
from matcalc.backprop import gradient
from matcalc.diff_matrix import MAX_POWER_TERMS, power_terms_limit
from matcalc.errors import AbsentVariableError, DifferentiationError, MatcalcError
from matcalc.expr import (
    FUNCTION_KINDS,
    Apply,
    Attained,
    Call,
    Commutation,
    ElemDiv,
    Expr,
    Extremum,
    IndexForm,
    Kron,
    MatPow,
    Number,
    PairIndex,
    Partials,
    Polygamma,
    Power,
    Size,
    Symbol,
    Trace,
    Vec,
    Zero,
)
from matcalc.index import Delta, Factor, Idx, IndexExpr, Term, fresh, fresh_like, instantiate, product
from matcalc.lower import LOWERINGS, atom, lower
from matcalc.ops import ELEMENTWISE
from matcalc.raise_ import raise_index
from matcalc.recursion import deep
from matcalc.rewrite import memo_scope
from matcalc.simplify import simplify, simplify_pairs
from matcalc.simplify_index import merged_index_form, simplify_terms

__all__ = [
    "ELEMENTWISE_DERIVATIVES", "IF_ABSENT", "MAX_POWER_TERMS", "diff", "differentiate",
    "elementwise_derivative", "labelled", "power_terms_limit", "variable",
]  # fmt: skip

_one = build.number(1)


def _sq(u: Expr) -> Expr:
    return build.power(u, build.number(2))


def elementwise_derivative(func: str, u: Expr) -> Expr | None:
    """f'(u) for the elementwise function ``func`` (its registry record's rule); None where f' is 0."""
    rule = ELEMENTWISE[func].derivative
    return None if rule is None else rule(u, build.apply)


def _derivative_of(func: str) -> Callable[[Expr], Expr] | None:
    rule = ELEMENTWISE[func].derivative
    return None if rule is None else lambda u: rule(u, build.apply)


#: f'(u) for each elementwise function (None where f' is 0 wherever it exists), as before the
#: registry: kept for callers of this name; the rules are the registry records'.
ELEMENTWISE_DERIVATIVES: Mapping[str, Callable[[Expr], Expr] | None] = {
    name: _derivative_of(name) for name in ELEMENTWISE
}


#: What `diff` does when the expression does not contain a variable.
IF_ABSENT = ("error", "zero")

#: How a caller of `diff` or `explain` gets the zero derivative by an absent variable.
OPT_OUT = "pass if_absent='zero'"


def diff(f: Expr, *wrt: str | Expr, if_absent: str = "error") -> Expr:
    """The derivative of ``f`` by each of ``wrt`` in turn, of shape ``f.shape + wrt[0].shape + ...``.

    ``wrt`` are symbol names or symbols.  The result is in matrix form when
    one exists, else an `IndexForm` (index notation, still evaluable).  By a
    symmetric matrix the derivative is the gradient on symmetric matrices,
    ``(G+G')/2`` of the entry-by-entry ``G``, symmetric in each pair of its
    axes (docs/conventions.md).

    A variable ``f`` does not contain at all is most often a misspelling, so it
    raises `DifferentiationError` naming the symbols ``f`` has; with
    ``if_absent="zero"`` the derivative is the zero array instead (of shape
    ``f.shape + wrt.shape``, the kind of the variable read from its first
    letter or from the symbol given).  A variable that ``f`` contains but an
    intermediate derivative lost (``diff(x'*A*x, x, x, x)``) gives zero
    without complaint.
    """
    if not isinstance(f, Expr):
        raise DifferentiationError(f"diff needs an expression, got {type(f).__name__}")
    if not wrt:
        raise DifferentiationError("diff needs at least one variable to differentiate by")
    # the original's symbols: a derivative may lose some
    variables = [variable(f, w, if_absent=if_absent, opt_out=OPT_OUT) for w in wrt]
    with deep(), memo_scope():  # one memo for all orders: a Hessian's result holds the gradient's nodes
        for var in variables:
            f = _derivative(f, var)
    return labelled(f, variables)


def labelled(result: Expr, variables: Sequence[Symbol]) -> Expr:
    """``result``, when it is in index form, labelled as the derivative by ``variables`` (`Partials`).

    The printers then show it with its left-hand side (``∂f[i]/∂W[j,k] = ...``),
    and so a zero of order 3 or more (``∂²f[i]/∂W[j,k]∂W[l,m] = 0``, an index
    form with no term); a result in matrix form is an ordinary expression and
    stays as it is.
    """
    result = merged_index_form(result)  # ((i,j) -> ...)+A'*x*x': one index form, one left-hand side
    if isinstance(result, Zero) and result.ndim > 2:  # a zero tensor: the index form with no term
        result = IndexForm(IndexExpr(tuple(fresh(d) for d in result.shape), ()), shape=result.shape)
    if not isinstance(result, IndexForm):
        return result
    lhs = Partials(tuple((v.name, v.ndim) for v in variables))
    return IndexForm(result.tensor, lhs, shape=result.shape, row=result.row)


def variable(
    f: Expr,
    w: str | Expr,
    kinds: Mapping[str, str] | None = None,
    if_absent: str = "error",
    opt_out: str | None = None,
) -> Symbol:
    """The symbol of ``f`` to differentiate by: ``f``'s own (unified) one if it has it.

    ``w`` is a name or a symbol.  A name ``f`` does not have raises
    `DifferentiationError` naming the ones it has, unless ``if_absent="zero"``:
    then it becomes a new symbol of the kind ``kinds`` gives (the derivative is
    then 0).  The error (`AbsentVariableError`) offers ``opt_out``, the
    caller's way to ask for that, if it has one.  An abstract function is not a
    variable.
    """
    if if_absent not in IF_ABSENT:
        choices = ", ".join(map(repr, IF_ABSENT))
        raise DifferentiationError(f"if_absent must be one of {choices}, not {if_absent!r}")
    known = {s.name: s for s in f.symbols}
    name = w.name if isinstance(w, Symbol) else w
    if isinstance(name, str) and name in known and known[name].kind in FUNCTION_KINDS:
        kind = known[name].kind
        raise DifferentiationError(
            f"'{name}' is a {kind}, not a variable: differentiate by the variables of its argument"
        )
    if isinstance(w, Symbol):
        if w.name in known and known[w.name].kind != w.kind:
            kind = known[w.name].kind
            raise DifferentiationError(f"'{w.name}' is a {kind} in the expression, not a {w.kind}")
        if w.name not in known and if_absent == "error":
            raise _absent(f, w.name, opt_out)
        return known.get(w.name, w)
    if isinstance(w, str):
        if w in known:
            return known[w]
        try:
            s = build.symbol(w, (kinds or {}).get(w))
        except MatcalcError:
            raise DifferentiationError(f"cannot differentiate by {w!r}: not a symbol name") from None
        if if_absent == "error":
            raise _absent(f, w, opt_out)
        return s
    raise DifferentiationError(f"can only differentiate by a symbol, not by {w}")


def _absent(f: Expr, name: str, opt_out: str | None) -> AbsentVariableError:
    """The error for a variable ``f`` does not contain."""
    return AbsentVariableError(name, [s.name for s in f.symbols if s.kind not in FUNCTION_KINDS], opt_out)


def _derivative(f: Expr, wrt: Symbol) -> Expr:
    """One derivative: differentiate in index form, contract, raise, simplify.

    A scalar function is differentiated by reverse accumulation (linear in its
    depth, see `matcalc.backprop`); anything else in forward mode.
    """
    if f.is_scalar:
        result = simplify(gradient(f, wrt, differentiate))
    else:
        free, wfree = fresh_like(f.shape), fresh_like(wrt.shape)
        terms = differentiate(f, wrt, free, wfree)
        if not terms:
            return build.zeros(f.shape + wrt.shape)
        result = simplify(raise_index(IndexExpr(free + wfree, tuple(terms))))
    if _has_kron_or_vec(f):
        result = simplify_pairs(result)
    return result


def _has_kron_or_vec(e: Expr) -> bool:
    """Whether a `Kron` or `Vec` node is in ``e`` (each distinct node looked at once; stops at the first)."""
    seen = {id(e)}
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Kron | Vec):
            return True
        for k in x.kids:
            if id(k) not in seen:
                seen.add(id(k))
                stack.append(k)
    return False


def differentiate(
    f: Expr,
    wrt: Symbol,
    free: Sequence[Idx],
    wfree: Sequence[Idx],
    contract: bool = True,
    entrywise: bool = False,
) -> list[Term]:
    """The terms of ``∂ f[free] / ∂ wrt[wfree]``, with the deltas contracted.

    With ``contract=False`` the deltas stay, as `matcalc.explain` shows them.
    With ``entrywise=True`` a symmetric ``wrt`` is differentiated entry by
    entry, the derivative before its symmetric part is taken (the vec form
    multiplies it by the symmetrizer instead).
    """
    return _Deriv(wrt, tuple(wfree), contract, entrywise).d(f, tuple(free))


Rule = Callable[["_Deriv", Expr, tuple[Idx, ...]], list[Term]]
_RULES: dict[type, Rule] = {}


def rule(*types: type) -> Callable[[Rule], Rule]:
    """Register a derivative rule for node types."""

    def register(fn: Rule) -> Rule:
        for t in types:
            _RULES[t] = fn
        return fn

    return register


class _Deriv:
    def __init__(
        self, wrt: Symbol, widx: tuple[Idx, ...], contract: bool = True, entrywise: bool = False
    ) -> None:
        self.wrt = wrt
        self.widx = widx
        self.contract = contract
        self.symmetric = wrt.kind == "symmetric" and not entrywise
        # Keyed by the node itself (identity hash), never by id(): a rule may
        # differentiate a temporary node, whose id a later node could reuse.
        self._memo: dict[Expr, tuple[tuple[Idx, ...], list[Term]]] = {}

    def depends(self, e: Expr) -> bool:
        return self.wrt in e.symbols

    def d(self, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
        """Terms of ``∂ e[idx] / ∂ wrt[widx]`` (memoized per node, re-indexed per use)."""
        if not self.depends(e):
            return []
        done = self._memo.get(e)
        if done is None:
            own = fresh_like(e.shape)
            fn = _RULES.get(type(e))
            if fn is None:
                raise DifferentiationError(f"cannot differentiate {type(e).__name__} node {e}")
            raw = fn(self, e, own)
            terms = simplify_terms(raw, own + self.widx) if self.contract else [t for t in raw if t.coef != 0]
            done = self._memo[e] = (own, terms)
        own, terms = done
        return instantiate(terms, own + self.widx, idx + self.widx)

    def chain(self, outer: Term, inner: Expr, idx: tuple[Idx, ...]) -> list[Term]:
        """``outer * ∂ inner[idx]``, the inner derivative kept as one factor if it has several terms."""
        terms = self.d(inner, idx)
        if len(terms) <= 1 or inner.ndim + len(self.widx) > 2:
            return [product(outer, t) for t in terms]
        own = fresh_like(inner.shape)
        nested = self.d(inner, own)
        free = own + self.widx
        wrapped = IndexForm(IndexExpr(free, tuple(nested)), shape=tuple(i.dim for i in free))
        return [product(outer, Term(1, (Factor(wrapped, idx + self.widx),)))]

    def products(self, factors: Sequence[tuple[Expr, tuple[Idx, ...]]], coef: int = 1) -> list[Term]:
        """The product rule for ``coef * Π base[indices]``."""
        out: list[Term] = []
        atoms = [atom(base, ix) for base, ix in factors]
        for r, (base, ix) in enumerate(factors):
            rest = product(Term(coef), *(a for q, a in enumerate(atoms) if q != r))
            out.extend(product(rest, t) for t in self.d(base, ix))
        return out


def _own(e: Expr, idx: tuple[Idx, ...]) -> tuple[Idx, ...]:
    """The result indices for an operand that may be a broadcast scalar."""
    return () if e.is_scalar else idx


@rule(Symbol)
def _symbol(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂X_ij/∂X_kl = δ_ik δ_jl; for a symmetric S the gradient for the trace inner product on
    # symmetric matrices, ∂S_ij/∂S_kl = (δ_ik δ_jl + δ_il δ_jk)/2 (the symmetrizer; Magnus &
    # Neudecker's N_n), so that every derivative by S is the symmetric part of the entrywise one
    if dv.symmetric:
        (i, j), (k, m) = idx, dv.widx
        half = Fraction(1, 2)
        return [Term(half, (), (Delta(i, k), Delta(j, m))), Term(half, (), (Delta(i, m), Delta(j, k)))]
    return [Term(1, (), tuple(Delta(a, b) for a, b in zip(idx, dv.widx, strict=True)))]


@rule(*LOWERINGS)
def _multilinear(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # Derived from the node's index form (matcalc.lower), which is a sum of
    # products of children: each product with one child at a time replaced by
    # its derivative (JAX's deflinear/defbilinear; constants have no terms).
    out: list[Term] = []
    for term in lower(e, idx):
        if len(term.factors) == 1:
            (f,) = term.factors
            parts = dv.d(f.base, f.indices)
        else:
            parts = dv.products([(f.base, f.indices) for f in term.factors])
        if term.coef == 1 and not term.deltas:
            out.extend(parts)
        else:
            constant = Term(term.coef, (), term.deltas)
            out.extend(product(constant, t) for t in parts)
    return out


@rule(Size, PairIndex, Attained, Commutation)
def _size(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # size(X, k) a count, δ[r, (a, b)], K_pq and N_n 0/1 (and 1/2) tensors, ismax(X) piecewise constant
    return []


@rule(Trace)
def _trace(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂ tr(A^k) = k (A^(k-1))_ts ∂A_st, for every integer k (Matrix Cookbook eq. 121); else derived
    assert isinstance(e, Trace)
    if isinstance(e.body, MatPow):
        n = e.body.shape[0]
        a, k = e.body.body, e.body.k
        s, t = fresh(n), fresh(n)
        return dv.chain(Term(k, (Factor(build.matpow(a, k - 1), (t, s)),)), a, (s, t))
    return _multilinear(dv, e, idx)


@rule(Apply)
def _apply(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂f(u)_i = f'(u)_i ∂u_i
    assert isinstance(e, Apply)
    derivative = elementwise_derivative(e.func, e.arg)
    if derivative is None:
        return []
    return dv.chain(atom(derivative, idx), e.arg, idx)


@rule(Extremum)
def _extremum(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂ max(U) = A_st ∂U_st with A = argmax(U) = T/sum(T), T = ismax(U) 1 where the max is
    # attained: the gradient where it is unique, and at a tie the mean of the tied entries'
    # gradients, a subgradient (the max is convex, the min concave); likewise for min.  A
    # compares U with its own max, so sum(T) >= 1 however U is rewritten.  Along an axis the
    # same for each row (axis 2): ∂M_i = A_il ∂U_il with A = argmax(U, 2) = T_il/(T*1)_i; by
    # columns ∂M_j = A_lj ∂U_lj.
    assert isinstance(e, Extremum)
    u, weights = e.body, axes.attained(e.kind, e.body, e.axis, shared=True)
    if e.axis == 0:
        s = fresh_like(u.shape)
        return dv.chain(atom(weights, s), u, s)
    inner = (idx[0], fresh(u.shape[1])) if e.axis == 2 else (fresh(u.shape[0]), idx[0])
    return dv.chain(atom(weights, inner), u, inner)


@rule(Polygamma)
def _polygamma(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂ψ⁽ᵏ⁾(u)_i = ψ⁽ᵏ⁺¹⁾(u)_i ∂u_i, log Γ being order -1 (Abramowitz & Stegun 6.3.1, 6.4.1)
    assert isinstance(e, Polygamma)
    return dv.chain(atom(gamma.polygamma(e.order + 1, e.arg), idx), e.arg, idx)


@rule(Call)
def _call(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂ D_P f(u_1, ..., u_n)[i..] = Σ_j D_{P+j} f(u)[i.., s_j] ∂u_j[s_j]: the chain rule over
    # each argument; the function's own derivatives stay symbols, mixed partials commuting
    # (Schwarz), so D_{P+j} keeps its partials sorted and its axes in that order.
    assert isinstance(e, Call)
    rank = FUNCTION_KINDS[e.kind]
    groups: list[tuple[Idx, ...]] = []  # the indices of each differentiation, in order
    rest = idx[rank:]
    for p in e.partials:
        groups.append(rest[: e.args[p].ndim])
        rest = rest[e.args[p].ndim :]
    out: list[Term] = []
    for j, arg in enumerate(e.args):
        s = fresh_like(arg.shape)
        at = bisect.bisect_right(e.partials, j)
        before = tuple(i for g in groups[:at] for i in g)
        after = tuple(i for g in groups[at:] for i in g)
        higher = build.call_partial(e.name, e.kind, e.args, (*e.partials, j))
        out += dv.chain(atom(higher, idx[:rank] + before + s + after), arg, s)
    return out


@rule(ElemDiv)
def _elem_div(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂(u/v) = ∂u / v - u/v² ∂v
    assert isinstance(e, ElemDiv)
    u, v = e.num, e.den
    out = dv.chain(atom(build.elem_div(_one, v), _own(v, idx)), u, _own(u, idx))
    minus = atom(build.neg(build.elem_div(u, _sq(v))), idx)
    return out + dv.chain(minus, v, _own(v, idx))


@rule(Power)
def _power(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # ∂(u^p) = p u^(p-1) ∂u + log(u) u^p ∂p
    assert isinstance(e, Power)
    u, p = e.base, e.exponent
    if isinstance(p, Number):
        outer = build.scale(p, build.power(u, build.number(p.value - 1)))
    else:
        outer = build.hadamard(p, build.power(u, build.sub(p, _one)))
    out = dv.chain(atom(outer, idx), u, _own(u, idx))
    log_term = atom(build.hadamard(build.apply("log", u), e), idx)
    return out + dv.chain(log_term, p, _own(p, idx))


_RULES.update(diff_matrix.RULES)  # inv, det, logdet, matrix powers, norms, softmax, logsumexp
_RULES.update(diff_spectral.RULES)  # the matrix functions and spectral operations
