"""From index terms to Kronecker terms.

Each index term of ``∂f[i,j]/∂X[k,l]`` (from `matcalc.diff.differentiate`,
deltas contracted) becomes one `KronTerm`.  Factors linked by summed indices
are first contracted to one matrix-level factor each by the raising rules;
the rest is placed into Kronecker slots by `matcalc.vec.slots`.

Where no placement avoids a Hadamard product, or factors do not contract (an
index summed over three factors that carry three free indices, as in
``d(A*diag(B'*X*C))/dX``), the term becomes a `Chain` ``F diag(vec(M)) G``
through one or two middle indices: summed indices, or copies of a free index
that take its place at some of its occurrences (``Σ_c δ[i,c] T(c) = T(i)``,
the delta going to F).  F and G are built the same way, chains included, so
``d((((A*X*B).*M)*C).*N)*D)/dX`` comes out as the chain rule gives it,
``(Dᵀ ⊗ I) diag(vec(N)) (Cᵀ ⊗ I) diag(vec(M)) (Bᵀ ⊗ A)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from matcalc import build
from matcalc.diff import diff, differentiate, variable
from matcalc.dims import Dim
from matcalc.errors import DifferentiationError, MatcalcError
from matcalc.expr import Expr, IndexForm, Number, Ones, PairIndex, Symbol, Vec, Zero
from matcalc.index import Delta, Factor, Idx, Term, fresh, fresh_like, product
from matcalc.raise_ import inline_nested, raise_term
from matcalc.recursion import deep
from matcalc.simplify import simplify
from matcalc.unionfind import UnionFind
from matcalc.vec.ir import Chain, Kron, KronTerm, VecJacobian
from matcalc.vec.slots import (
    Cost,
    Roles,
    assemble,
    collect,
    groupings,
    normalized,
    placement_cost,
    plus,
    slot_matrix,
)
from matcalc.vec.through import through

__all__ = ["vec_jacobian"]


def vec_jacobian(f: Expr, wrt: str | Symbol) -> VecJacobian:
    """The Jacobian ``∂vec(f)/∂vec(wrt)ᵀ`` of a scalar, vector or matrix ``f`` as Kronecker terms.

    ``f`` is the function, not its derivative: ``vec_jacobian(W*x, "W")`` is
    ``xᵀ ⊗ I``.  Where the Jacobian is a matrix anyway (``f`` and ``wrt``
    have at most two axes together) it is `matcalc.diff`'s derivative as a
    matrix: ``J`` itself for a vector by a vector, ``vec(∇f)ᵀ`` for a scalar.

    Raises:
        MatcalcError: ``f`` has more than two axes (a derivative, say).
        DifferentiationError: ``wrt`` is not a symbol name.
    """
    if not isinstance(f, Expr):
        raise MatcalcError(f"vec_jacobian needs an expression, got {type(f).__name__}")
    if f.ndim > 2:
        raise MatcalcError(
            f"the vec form is d vec(f)/d vec(X)^T for a scalar, vector or matrix f, but this expression "
            f"has {f.ndim} axes (a derivative?): pass the function itself, as in "
            "mc.latex(f, form='vec', wrt='X') or mc.vec_jacobian(f, 'X')"
        )
    var = variable(f, wrt)
    symmetric = var.kind == "symmetric"  # by S: the entry-by-entry Jacobian times the symmetrizer N_n
    with deep():
        while isinstance(f, Vec):  # vec(vec(G)) = vec(G): the Jacobian of vec(G) is that of G
            f = f.body
        if f.ndim + var.ndim <= 2:
            d = diff(f, var)
            if not isinstance(d, IndexForm):
                return VecJacobian(f, var, tuple(collect(_plain(d, f.shape, var.shape))))
        return VecJacobian(f, var, tuple(_jacobian(f, var, symmetric)), symmetric)


def _jacobian(f: Expr, var: Symbol, entrywise: bool) -> list[KronTerm]:
    """The terms of ``∂vec(f)/∂vec(var)ᵀ``: from the index terms, or by the chain rule through a kron or vec.

    ``entrywise``: by a symmetric ``var``, its entry-by-entry derivative (the
    caller multiplies by ``N_n``), so the matrix shortcut, which symmetrizes, is not taken.
    """
    while isinstance(f, Vec):
        f = f.body
    if var not in f.symbols:
        return []
    if not entrywise and f.ndim + var.ndim <= 2:
        d = diff(f, var)
        if not isinstance(d, IndexForm):
            return collect(_plain(d, f.shape, var.shape))
    found = _index_terms(f, var, entrywise)
    if found is None:  # pair indices: a kron or vec of var inside f
        return collect(through(f, var, lambda g, v: _jacobian(g, v, entrywise and v is var)))
    roles, terms = found
    return collect([_kron_term(t, roles).build() for t in terms])


def _index_terms(f: Expr, var: Symbol, entrywise: bool) -> tuple[Roles, list[Term]] | None:
    """The roles of the free indices and the index terms of ``∂f/∂var`` (deltas contracted).

    None if a term holds a pair index (a kron or vec of ``var`` inside ``f``).

    Raises:
        MatcalcError: a factor is a tensor of order three or more (no Kronecker slot holds it).
    """
    free, wfree = fresh_like(f.shape), fresh_like(var.shape)
    terms = inline_nested(differentiate(f, var, free, wfree, entrywise=entrywise), free + wfree)
    for t in terms:
        for factor in t.factors:
            if isinstance(factor.base, PairIndex):
                return None
            if len(factor.indices) > 2:  # e.g. jac(F)(W) of an abstract matrix function F
                raise MatcalcError(
                    f"no vec form yet for a derivative through the order-{len(factor.indices)} "
                    f"tensor {factor.base}; use mc.latex(mc.diff(f, ...), form='index')"
                )
    return Roles(free, wfree), list(terms)


def _plain(d: Expr, rows: tuple[Dim, ...], cols: tuple[Dim, ...]) -> list[KronTerm]:
    """A derivative with at most two axes as its vec form: ``d``, ``vec(d)`` or ``vec(d)ᵀ``."""
    one = build.number(1)
    if isinstance(d, Zero) or (isinstance(d, Number) and d.value == 0):
        return []
    if rows and cols:  # a vector by a vector: the Jacobian itself
        return [normalized(KronTerm(one, rows, cols, core=(Kron.of(d),)))]
    if rows:
        return [normalized(KronTerm(one, rows, cols, left=d))]
    if cols:
        return [normalized(KronTerm(one, rows, cols, right=d))]
    return [KronTerm(d, rows, cols)]


# ---- one term -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Plan:
    """A form found for a term: its cost, and how to build it (building raises and simplifies)."""

    cost: Cost
    build: Callable[[], KronTerm]


@dataclass(frozen=True, slots=True)
class _ChainPlan:
    """A chain found for a term: its cost, and how to build it."""

    cost: Cost
    build: Callable[[], Chain]


def _kron_term(term: Term, roles: Roles, split: bool = True) -> _Plan:
    """The cheapest Kronecker form of one index term (deltas contracted).

    The direct placement is tried first; chains through summed indices, or
    through copies of free indices (``split``), where it does not exist or
    needs a Hadamard product.
    """
    reduced, contracted = _contract_summed(term, roles)
    plans: list[_Plan] = []
    if contracted:
        coef: Expr = build.number(reduced.coef)
        factors: list[Factor] = []
        for f in reduced.factors:
            if not f.indices:
                coef = build.mul(coef, f.base)
            elif not isinstance(f.base, Ones):  # ones are constant along free indices: slots fill them in
                factors.append(f)
        plans.append(_best(coef, factors, reduced.deltas, roles, None))
        if plans[0].cost[0] == 0 or not split:
            return plans[0]
    for middle, renamed in _splits(reduced, roles):
        plan = _chain_plan(renamed, roles, middle)
        if plan is not None:
            plans.append(plan)
    if not plans:
        raise DifferentiationError(  # pragma: no cover - a chain through all summed indices fits
            "no Kronecker form found for the term "
            + " * ".join(f"{f.base}[{','.join(i.name for i in f.indices)}]" for f in term.factors)
        )
    return min(plans, key=lambda p: p.cost)


def _best(
    coef: Expr, factors: list[Factor], deltas: Sequence[Delta], roles: Roles, chain: _ChainPlan | None
) -> _Plan:
    """The cheapest placement of the factors, with ``chain`` (if any) in the Hadamard product."""
    chained = chain is not None
    options = enumerate(groupings(factors, deltas, roles))
    scored = ((placement_cost(g, roles, chained), n, g) for n, g in options)
    cost, _, groups = min(scored, key=lambda s: s[:2])
    if chain is not None:
        cost = plus(cost, chain.cost)

    def make() -> KronTerm:
        inner = chain.build() if chain is not None else None
        return assemble(coef, groups, roles, inner)

    return _Plan(cost, make)


def _contract_summed(term: Term, roles: Roles) -> tuple[Term, bool]:
    """The term with the factors linked by summed indices contracted, and whether all of them were.

    Each group of factors linked by summed indices is raised to one
    matrix-level factor over its free indices; one that does not raise stays
    as reduced as it got (the term then needs a `Chain`).
    """
    summed = {i for i in term.indices() if i not in roles.role}
    linked: UnionFind[int] = UnionFind()
    first: dict[Idx, int] = {}
    for n, f in enumerate(term.factors):
        for i in f.indices:
            if i in summed:
                linked.union(first.setdefault(i, n), n)
    blobs: dict[int, list[Factor]] = {}
    for n, f in enumerate(term.factors):
        blobs.setdefault(linked.find(n), []).append(f)
    out = Term(term.coef, (), term.deltas)
    contracted = True
    for blob in blobs.values():
        f = blob[0]
        if len(blob) == 1 and not summed & set(f.indices) and len(set(f.indices)) == len(f.indices):
            out = product(out, Term(1, (f,)))
            continue
        free = sorted({i for f in blob for i in f.indices if i in roles.role}, key=lambda i: roles.role[i])
        matrix, rest = raise_term(Term(1, tuple(blob)), free)
        if matrix is not None and len(free) <= 2:
            out = product(out, Term(1, (Factor(simplify(matrix), tuple(free)),)))
        else:
            out = product(out, rest)
            contracted = False
    return out, contracted


#: A copy of a free index: the index, and the (factor, position) occurrences the copy replaces.
_Copy = tuple[Idx, frozenset[tuple[int, int]]]

#: How many ways of choosing the copies are tried for one term, at most (there are a few
#: dozen for the terms derivatives produce; the bound keeps a pathological term fast).
_MAX_SPLITS = 400

# ---- chains ------------------------------------------------------------------------------------


def _splits(term: Term, roles: Roles) -> Iterator[tuple[list[Idx], Term]]:
    """Middles for a chain: some of the summed indices and copies of free indices, one or two in all.

    A copy ``c`` of a free index ``r`` takes the place of ``r`` at some of its
    occurrences and brings a delta ``δ[r,c]``: ``Σ_c δ[r,c] T(c) = T(r)``.
    Summed indices left out of the middle stay inside one side of the chain.
    Yields the middle (in each order) and the term rewritten (its deltas as
    identity factors).
    """
    factors = [*term.factors, *(Factor(build.eye(d.a.dim), (d.a, d.b)) for d in term.deltas)]
    base = Term(term.coef, tuple(factors))
    summed = list(dict.fromkeys(i for f in factors for i in f.indices if i not in roles.role))
    spots = [(n, p) for n, f in enumerate(factors) for p, i in enumerate(f.indices) if i in roles.role]
    options = list(_copy_options(factors, spots))
    level: list[list[_Copy]] = [[]]
    copy_choices: list[list[_Copy]] = [[]]
    for _ in range(2):
        level = [[*c, one] for c in level for one in options if _disjoint(c, one)]
        copy_choices += level
    # A middle with a summed index leaves fewer of them to each side, so the recursion ends.
    kept = [list(c) for n in (2, 1, 0) for c in itertools.combinations(summed, n) if n or not summed]
    tried = 0
    for inner in kept:
        for chosen in copy_choices:
            if not 1 <= len(inner) + len(chosen) <= 2 or tried >= _MAX_SPLITS:
                continue
            tried += 1
            copies = [fresh(r.dim) for r, _ in chosen]
            middle = inner + copies
            renamed = _renamed(base, chosen, copies, roles)
            yield middle, renamed
            if len(middle) == 2:
                yield middle[::-1], renamed


def _copy_options(factors: list[Factor], spots: list[tuple[int, int]]) -> Iterator[_Copy]:
    """(free index, the occurrences a copy of it replaces): every nonempty subset of its occurrences."""
    by_index: dict[Idx, list[tuple[int, int]]] = {}
    for n, p in spots:
        by_index.setdefault(factors[n].indices[p], []).append((n, p))
    for i, occ in by_index.items():
        for k in range(1, len(occ) + 1):
            for subset in itertools.combinations(occ, k):
                yield i, frozenset(subset)


def _disjoint(chosen: list[_Copy], one: _Copy) -> bool:
    """Whether ``one`` replaces none of the occurrences ``chosen`` does (and comes after them)."""

    def key(c: _Copy) -> tuple[Idx, list[tuple[int, int]]]:
        return c[0], sorted(c[1])

    return all(not (at & one[1]) for _, at in chosen) and (not chosen or key(chosen[-1]) < key(one))


def _renamed(base: Term, chosen: list[_Copy], copies: list[Idx], roles: Roles) -> Term:
    """``base`` with the chosen occurrences renamed to their copies, times ``δ[r, c]`` for each copy."""
    where = {spot: c for (_, at), c in zip(chosen, copies, strict=True) for spot in at}
    factors = [
        Factor(f.base, tuple(where.get((n, p), i) for p, i in enumerate(f.indices)))
        for n, f in enumerate(base.factors)
    ]
    for (r, _), c in zip(chosen, copies, strict=True):
        factors.append(Factor(build.eye(r.dim), (r, c) if roles.role[r] in "ij" else (c, r)))
    return Term(base.coef, tuple(factors))


def _chain_plan(term: Term, roles: Roles, middle: list[Idx]) -> _Plan | None:
    """``(cross factors) ⊙ (F diag(vec(M)) G)`` through the indices ``middle``, if it fits.

    Factors linked by summed indices outside the middle stay together; each
    such group goes to F if it has an index of f, to G if it has one of X, to
    the weight M if it has neither, and outside the chain if it has both
    (which only a single cross factor may).
    """
    sides: dict[str, list[Factor]] = {"f": [], "x": [], "m": [], "both": []}
    coef: Expr = build.number(term.coef)
    for group in _linked(term.factors, roles, set(middle)):
        owners = {roles.role[i] for f in group for i in f.indices if i in roles.role}
        f_side, x_side = bool(owners & {"i", "j"}), bool(owners & {"k", "l"})
        if not any(f.indices for f in group):
            for f in group:
                coef = build.mul(coef, f.base)
        elif f_side and x_side and len(group) > 1:
            return None
        else:
            sides["both" if f_side and x_side else "f" if f_side else "x" if x_side else "m"].extend(group)
    first = _kron_term(Term(1, tuple(sides["f"])), Roles(roles.indices("ij"), middle), split=False)
    second = _kron_term(Term(1, tuple(sides["x"])), Roles(middle, roles.indices("kl")), split=False)
    weight = sides["m"]
    if weight and not _raises(weight, middle):
        return None

    def make() -> Chain:
        w = slot_matrix(weight, middle) if weight else None
        return Chain((first.build(),), w, (second.build(),))

    cost = plus(first.cost, second.cost, (0, 0, int(bool(weight)), 0, 0))
    return _best(coef, sides["both"], (), roles, _ChainPlan(cost, make))


def _linked(factors: Sequence[Factor], roles: Roles, middle: set[Idx]) -> list[list[Factor]]:
    """The factors in groups linked by summed indices that are not in the middle."""
    groups: list[list[Factor]] = []
    links: list[set[Idx]] = []
    for f in factors:
        own = {i for i in f.indices if i not in roles.role and i not in middle}
        touching = [n for n, link in enumerate(links) if link & own]
        merged = [f, *(g for n in touching for g in groups[n])]
        merged_links = own.union(*(links[n] for n in touching))
        groups = [g for n, g in enumerate(groups) if n not in touching] + [merged]
        links = [k for n, k in enumerate(links) if n not in touching] + [merged_links]
    return groups


def _raises(factors: list[Factor], free: Sequence[Idx]) -> bool:
    return raise_term(Term(1, tuple(factors)), free)[0] is not None

