r"""The chain rule through Kronecker products and ``vec`` inside the function.

The index terms of a derivative through ``kron(X, B)`` or ``vec(X')`` carry
pair indices ``δ[r,(a,b)]``, which no Kronecker slot holds.  Such a function
is differentiated the way Magnus and Neudecker do it by hand: each outermost
Kronecker product or ``vec`` ``N`` that contains the variable becomes a
symbol ``Z`` of its own, ``f = g(X, Z)``, and

    ∂vec(f)/∂vec(X)ᵀ = ∂vec(g)/∂vec(X)ᵀ + Σ_N ∂vec(g)/∂vec(Z)ᵀ · ∂vec(N)/∂vec(X)ᵀ,

each Jacobian in vec form, ``Z`` put back as ``N`` in the result (the
first identification theorem read off ``d vec(f) = J d vec(X)``).  The
Jacobian of ``N`` is

- for ``vec(U)``: that of ``U`` (``vec(vec(U)) = vec(U)``);
- for ``kron(U, V)`` with U mxn and V pxq: by Magnus & Neudecker, *Matrix
  Differential Calculus*, 3rd ed., ch. 3, Theorem 3.10,
  ``vec(U ⊗ V) = (I_n ⊗ K_qm ⊗ I_p)(vec U ⊗ vec V)``, and with
  ``vec U ⊗ vec V = (I_mn ⊗ vec V) vec U = (vec U ⊗ I_pq) vec V`` (the mixed
  product rule, ch. 2) and ``d(U ⊗ V) = dU ⊗ V + U ⊗ dV`` (ch. 9):

      ∂vec(U ⊗ V)/∂vec(X)ᵀ = (I_n ⊗ K_qm ⊗ I_p) [(I_mn ⊗ vec V) J_U + (vec U ⊗ I_pq) J_V].

  A vector operand has an axis of length one: its identity is the number 1
  and ``K_{q1} = I_q`` (`commutation`).

A factor that is the identity leaves a product; a sum of one term needs no
parentheses.  The result is exact whatever ``g`` is: ``x'*kron(X, B)*y`` by
``X`` is ``vec(x y')ᵀ (I_n ⊗ K_qm ⊗ I_p)(I_mn ⊗ vec B)``.
"""

from __future__ import annotations

from collections.abc import Callable

from matcalc import build
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import Expr, Identity, Kron, Number, Symbol, Vec
from matcalc.kronecker import cols, rows, vec
from matcalc.simplify import simplify
from matcalc.tree import children
from matcalc.vec.ir import Chain, Commutation, KronTerm, Piece
from matcalc.vec.ir import Kron as KronProduct

__all__ = ["chain", "commutation", "identity", "through"]

#: The vec-form Jacobian of a function by a symbol, as terms (the driver in `matcalc.vec.kron`).
Jacobian = Callable[[Expr, Symbol], list[KronTerm]]


def through(f: Expr, var: Symbol, jacobian: Jacobian) -> list[KronTerm]:
    """The terms of ``∂vec(f)/∂vec(var)ᵀ`` by the chain rule through the Kronecker products and vecs of f.

    Raises:
        MatcalcError: no Kronecker product or vec inside ``f`` contains ``var``
            (what made the index terms need one is something else).
    """
    g, stand_ins = _substituted(f, var)
    if not stand_ins:
        raise MatcalcError(
            f"no vec form for the derivative of {f}: its index form splits an index over a product "
            "dimension outside any kron or vec; use mc.latex(mc.diff(f, ...), form='index')"
        )
    back = {z: node for node, z in stand_ins}

    def restored(t: KronTerm) -> KronTerm:
        for z, node in back.items():
            t = replaced(t, z, node)
        return t

    out = [restored(t) for t in jacobian(g, var)] if var in g.symbols else []
    for node, z in stand_ins:
        outer = [restored(t) for t in jacobian(g, z)]
        out += chain(outer, _node_jacobian(node, var, jacobian), f.shape, var.shape)
    return out


def _substituted(f: Expr, var: Symbol) -> tuple[Expr, list[tuple[Expr, Symbol]]]:
    """``f`` with each outermost kron or vec that contains ``var`` a symbol of its own (of its shape).

    A row (``kron(a', b')``) becomes the transpose of a column symbol.  The
    symbols come back as the constructors left them (their dimensions unified).
    """
    taken = {s.name for s in f.symbols}
    names: dict[Expr, Symbol] = {}
    memo: dict[Expr, Expr] = {}

    def stand_in(node: Expr) -> Expr:
        if node not in names:
            n = len(names)
            while f"_kron{n}" in taken:
                n += 1
            taken.add(f"_kron{n}")
            kind = "matrix" if node.is_matrix else "vector"
            names[node] = Symbol(f"_kron{n}", kind, shape=node.shape)
        return build.transpose(names[node]) if node.is_vector and node.row else names[node]

    def go(x: Expr) -> Expr:
        if var not in x.symbols:
            return x
        if isinstance(x, Kron | Vec):
            return stand_in(x)
        if x not in memo:
            memo[x] = build.remake(x, go) if children(x) else x
        return memo[x]

    g = go(f)
    unified = {s.name: s for s in g.symbols}
    return g, [(node, unified[z.name]) for node, z in names.items() if z.name in unified]


def _node_jacobian(node: Expr, var: Symbol, jacobian: Jacobian) -> list[KronTerm]:
    """``∂vec(node)/∂vec(var)ᵀ`` for a `Vec` or `Kron` node (the module docstring)."""
    if isinstance(node, Vec):
        return jacobian(node.body, var)
    assert isinstance(node, Kron)
    u, v = node.left, node.right
    ru, cu, rv, cv = rows(u), cols(u), rows(v), cols(v)
    whole = (node.shape, var.shape)
    parts: list[KronTerm] = []
    inner = (*ru, *cu, *rv, *cv)  # vec U ⊗ vec V
    if var in u.symbols:  # (I_mn ⊗ vec V) J_U
        left = _term(inner, (*ru, *cu), (identity((*ru, *cu)), vec(v)))
        parts += chain([left], jacobian(u, var), inner, var.shape)
    if var in v.symbols:  # (vec U ⊗ I_pq) J_V
        left = _term(inner, (*rv, *cv), (vec(u), identity((*rv, *cv))))
        parts += chain([left], jacobian(v, var), inner, var.shape)
    pieces = (identity(cu), commutation(cv, ru), identity(rv))  # I_n ⊗ K_qm ⊗ I_p
    shuffle = _term(node.shape, inner, pieces)
    return chain([shuffle], parts, *whole)


def _term(rows_: tuple[Dim, ...], cols_: tuple[Dim, ...], pieces: tuple[Piece | None, ...]) -> KronTerm:
    """The Kronecker product of the pieces that are not None, as a term of coefficient 1."""
    return KronTerm(build.number(1), tuple(rows_), tuple(cols_), core=(KronProduct.of(*pieces),))


def identity(dims: tuple[Dim, ...]) -> Expr | None:
    """``I`` over the product of ``dims``; None (the number 1) over none."""
    return build.eye(Dim.product(dims)) if dims else None


def commutation(p: tuple[Dim, ...], q: tuple[Dim, ...]) -> Piece | None:
    """``K_{pq}``; an identity when an axis is absent (``K_{q1} = K_{1q} = I_q``), None when both are."""
    if p and q:
        return Commutation(Dim.product(p), Dim.product(q))
    return identity(p + q)


def chain(
    first: list[KronTerm], second: list[KronTerm], rows_: tuple[Dim, ...], cols_: tuple[Dim, ...]
) -> list[KronTerm]:
    """The matrix product ``(Σ first)(Σ second)`` as terms: an identity side dropped, a scalar moved out."""
    if not first or not second:
        return []
    coef: Expr = build.number(1)
    sides: list[list[KronTerm]] = []
    for side in (first, second):
        if len(side) == 1:  # its coefficient moves out of the product
            t = side[0]
            coef = build.mul(coef, t.coef)
            side = [KronTerm(build.number(1), t.rows, t.cols, t.left, t.core, t.right)]
        sides.append(side)
    if _is_identity(sides[0]) or _is_identity(sides[1]):
        other = sides[1] if _is_identity(sides[0]) else sides[0]
        return [_scaled(coef, t) for t in other]
    product = Chain(tuple(sides[0]), None, tuple(sides[1]))
    return [KronTerm(simplify(coef), rows_, cols_, core=(product,))]


def _scaled(coef: Expr, t: KronTerm) -> KronTerm:
    return KronTerm(simplify(build.mul(coef, t.coef)), t.rows, t.cols, t.left, t.core, t.right)


def _is_identity(terms: list[KronTerm]) -> bool:
    """A single term that is an identity matrix (coefficient 1, all factors identities, no K)."""
    if len(terms) != 1:
        return False
    t = terms[0]
    c = t.core[0] if len(t.core) == 1 else None
    if t.left is not None or t.right is not None or not isinstance(c, KronProduct):
        return False
    one = isinstance(t.coef, Number) and t.coef.value == 1
    return one and c.commute is None and all(isinstance(p, Identity) for p in c.factors)


def replaced(t: KronTerm, old: Symbol, new: Expr) -> KronTerm:
    """``t`` with the symbol ``old`` replaced by ``new`` in every matrix-level piece."""

    def r(e: Expr | None) -> Expr | None:
        return None if e is None else build.replace(e, old, new)

    def piece(p: Piece) -> Piece:
        return build.replace(p, old, new) if isinstance(p, Expr) else p

    def core(c: KronProduct | Chain) -> KronProduct | Chain:
        if isinstance(c, KronProduct):
            return KronProduct(tuple(map(piece, c.factors)), c.commute)
        first = tuple(replaced(s, old, new) for s in c.first)
        return Chain(first, r(c.middle), tuple(replaced(s, old, new) for s in c.second))

    coef = build.replace(t.coef, old, new)
    return KronTerm(coef, t.rows, t.cols, r(t.left), tuple(core(c) for c in t.core), r(t.right))
