"""Raise index expressions back to matrix notation.

Each term is a small tensor network.  Local rules, tried in order, merge two
factors into one matrix-level factor until one factor over the free indices
is left (the term's matrix form) or no rule applies (no matrix form: the term
stays in index notation, as reduced as it got):

====  ==========================================  =====================
rule  index pattern                               matrix form
====  ==========================================  =====================
0     ``L_f(X;..,·)[i,j,..,s,t] E_st``            ``L_f(X;..,E)[i,j,..]``
0     ``G_ij L_f(X;E..,·)[i,j,s,t]`` (adjoint)     ``L_f(X';E..',G)[s,t]``
1     ``c`` (no indices)                          scalar coefficient
1b    ``(u/c)_i`` with ``c`` a coefficient          ``u_i``
2     ``A_ii`` (i elsewhere or free) / summed     ``diag(A)_i`` / ``tr(A)``
3     ``a_i b_i``, ``A_ij B_ij``, ``A_ij B_ji``   Hadamard product
4     ``x_s A_sj``, ``A_is B_sj`` (s summed, 2x)  matrix product
5     ``A_sj`` (s summed, once)                   ``sum``, ``A'*1``
6     ``v_i A_ij`` (i in >2 factors or free)      ``diag(v)*A``
7     ``a_i b_j`` (both free)                     outer product ``a*b'``
8     ``δ[r,(a,b)] M_ba``                          ``vec(M)_r``
8     ``δ[r,(a,b)] δ[c,(j,l)] A_aj B_bl``          ``kron(A, B)_rc``
====  ==========================================  =====================

Rule 8 reads the pair index δ[r, (a, b)] (`PairIndex`, the index form of vec
and kron) back; a free slot index is an identity operand
(``δ[r,(q,k)] y_q`` is ``kron(y, I)_rk``).

Matrix-vector products (rule 4 with a vector) come before matrix-matrix ones,
so chains contract from the vector end, as backpropagation does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from matcalc import build, kronecker
from matcalc.expr import ElemDiv, Expr, Identity, IndexForm, MatFun, Number, Ones, PairIndex, Scale
from matcalc.index import Coef, Delta, Factor, Idx, IndexExpr, Term, index_form, instantiate, product
from matcalc.limits import charge
from matcalc.ops.primary import frechet
from matcalc.simplify_index import simplify_terms

__all__ = ["inline_nested", "raise_index", "raise_term"]


@dataclass
class _Net:
    """A term being reduced: coefficient, scalar factors, indexed factors.

    ``counted`` and ``shared`` keep what the rules read of the net during one
    step (`counts`, `pairs`): a rule that changes the net ends the step, so the
    readings hold until `new_step` drops them.
    """

    coef: Coef
    scalars: list[Expr]
    factors: list[Factor]
    free: tuple[Idx, ...]
    deltas: list[Delta] = field(default_factory=list)
    counted: Counter[Idx] | None = None
    shared: list[tuple[int, int]] | None = None

    def new_step(self) -> None:
        """Forget this step's readings (a rule is about to change the net, or has)."""
        self.counted = self.shared = None

    def count(self, i: Idx) -> int:
        charge(len(self.factors))  # every factor read (the work budget, matcalc.limits)
        return sum(f.indices.count(i) for f in self.factors)

    def counts(self) -> Counter[Idx]:
        """How often each index occurs, over all factors."""
        charge(len(self.factors))  # charged at every reading, as if read again (the budget stays the same)
        if self.counted is None:
            self.counted = Counter(i for f in self.factors for i in f.indices)
        return self.counted

    def pairs(self) -> Iterator[tuple[int, int]]:
        """Positions ``a < b`` of factors that share an index, each pair once, in order."""
        if self.shared is None:
            self.shared = _shared(self.factors)
        found = self.shared
        charge(len(self.factors) + len(found))  # the rules read them all at every step (matcalc.limits)
        yield from found


def _shared(factors: Sequence[Factor]) -> list[tuple[int, int]]:
    """Positions ``a < b`` of factors that share an index, each pair once, in order."""
    where: dict[Idx, list[int]] = {}
    for n, f in enumerate(factors):
        for i in dict.fromkeys(f.indices):
            where.setdefault(i, []).append(n)
    return sorted({(p[x], p[y]) for p in where.values() for x in range(len(p)) for y in range(x + 1, len(p))})


def raise_index(ix: IndexExpr) -> Expr:
    """The matrix form of ``ix`` if every term has one, else an `IndexForm` (terms reduced)."""
    nets = [_reduced(term, ix.free) for term in inline_nested(ix.terms, ix.free)]
    raised = [m for net in nets if (m := _finish(net)) is not None]
    if nets and len(raised) == len(nets):
        total = raised[0]
        for m in raised[1:]:
            total = build.add(total, m)
        return total
    return index_form(ix.free, [_as_term(net) for net in nets])  # (read back only when needed)


def inline_nested(terms: Sequence[Term], free: Sequence[Idx]) -> list[Term]:
    """The terms with nested index forms raised, or multiplied out where they do not raise.

    The terms are expected simplified (as `differentiate` gives them); they are
    simplified again only where a nested form was multiplied out.
    """
    out: list[Term] = []
    changed = False
    for term in terms:
        expanded = [Term(term.coef, (), term.deltas)]
        for f in term.factors:
            base = raise_index(f.base.tensor) if isinstance(f.base, IndexForm) else f.base
            if isinstance(base, IndexForm):
                inner = instantiate(base.tensor.terms, base.tensor.free, f.indices)
                expanded = [product(a, b) for a in expanded for b in inner]
                changed = True
            else:
                expanded = [product(a, Term(1, (Factor(base, f.indices),))) for a in expanded]
        out.extend(expanded)
    return simplify_terms(out, free) if changed else out


def raise_term(term: Term, free: Sequence[Idx]) -> tuple[Expr | None, Term]:
    """``(matrix form or None, the term as reduced as it got)``."""
    net = _reduced(term, free)
    return _finish(net), _as_term(net)


def _reduced(term: Term, free: Sequence[Idx]) -> _Net:
    """The network of ``term`` with the rules applied until none applies."""
    factors = list(term.factors)
    for d in term.deltas:  # deltas between free indices are identities
        factors.append(Factor(build.eye(d.a.dim), (d.a, d.b)))
    used = {i for f in factors for i in f.indices}
    for i in free:  # a free index no factor mentions: the term is constant along it
        if i not in used:
            factors.append(Factor(build.ones((i.dim,)), (i,)))
    net = _Net(term.coef, [], factors, tuple(free))
    changed = True
    while changed:
        charge()  # a step; the rules that read every factor charge for that (the work budget, matcalc.limits)
        net.new_step()
        changed = any(rule(net) for rule in _RULES)
    return net


def _as_term(net: _Net) -> Term:
    factors = [Factor(s, ()) for s in net.scalars]
    deltas: list[Delta] = []
    for f in net.factors:
        if isinstance(f.base, Identity):
            deltas.append(Delta(*f.indices))
        else:
            factors.append(f)
    return Term(net.coef, tuple(factors), tuple(deltas))


def _finish(net: _Net) -> Expr | None:
    """The term's matrix form once one factor over the free indices (or none) is left."""
    if any(f.base.ndim > 2 for f in net.factors) or len(net.free) > 2:
        return None
    if not net.factors:
        if net.free:
            return None
        body: Expr = build.number(1)
    elif len(net.factors) == 1 and sorted(net.factors[0].indices) == sorted(net.free):
        f = net.factors[0]
        body = f.base
        if len(net.free) == 2 and f.indices != net.free:
            body = build.transpose(body)
        if body.is_vector and body.row:
            body = build.transpose(body)
    else:
        return None
    scalar = build.mul_all([build.number(net.coef), *_cancel(net.scalars)])
    return build.mul(scalar, body)


def _cancel(scalars: list[Expr]) -> list[Expr]:
    """Scalar factors with ``s`` and ``1/s`` (``u/s`` and ``s``) cancelled."""
    out = list(scalars)
    changed = True
    while changed:
        changed = False
        for a in out:
            if isinstance(a, ElemDiv) and a.den in out:
                out.remove(a.den)
                out.remove(a)
                if not (isinstance(a.num, Number) and a.num.value == 1):
                    out.append(a.num)
                changed = True
                break
    return out


# ---- rules: each returns True when it changed the network --------------------------------


def _scalars(net: _Net) -> bool:
    """1: factors with no indices become scalar coefficients."""
    for f in net.factors:
        if not f.indices:
            net.factors.remove(f)
            for s in _scalar_factors(f.base):
                if isinstance(s, Number):
                    net.coef *= s.value
                else:
                    net.scalars.append(s)
            return True
    return False


def _scalar_factors(s: Expr) -> list[Expr]:
    """The factors of a scalar product (``2*c*n`` gives 2, c, n), so that they can cancel.

    A product longer than `build.CHAIN` stays one factor: opening it at every step of
    reverse accumulation would be quadratic in its length.
    """
    if isinstance(s, Scale) and s.body.is_scalar and not build.long_product(s):
        return _scalar_factors(s.coef) + _scalar_factors(s.body)
    return [s]


def _quotient(net: _Net) -> bool:
    """1b: a factor ``u/s`` with the scalar ``s`` among the coefficients is ``u``."""
    for n, f in enumerate(net.factors):
        if isinstance(f.base, ElemDiv) and f.base.den.is_scalar and f.base.den in net.scalars:
            net.scalars.remove(f.base.den)
            net.factors[n] = Factor(f.base.num, f.indices)
            return True
    return False


def _diagonal(net: _Net) -> bool:
    """2: ``A_ii`` is ``diag(A)_i``, or ``tr(A)`` when i is summed and nowhere else."""
    for n, f in enumerate(net.factors):
        if len(f.indices) == 2 and f.indices[0] == f.indices[1]:
            i = f.indices[0]
            if isinstance(f.base, Identity):  # δ_ii: 1 for each i
                net.factors[n] = Factor(build.ones((i.dim,)), (i,))
            elif i in net.free or net.count(i) > 2:
                net.factors[n] = Factor(build.diag(f.base), (i,))
            else:
                net.factors[n] = Factor(build.trace(f.base), ())
            return True
    return False


def _hadamard(net: _Net) -> bool:
    """3: two factors over the same indices multiply elementwise."""
    fs = net.factors
    counts = net.counts()
    for a, b in net.pairs():
        p, q = fs[a], fs[b]
        if len(p.indices) > 2 or len(q.indices) > 2:
            continue
        if set(p.indices) == set(q.indices) and all(i not in net.free and counts[i] == 2 for i in p.indices):
            continue  # x_s y_s or A_st B_ts summed: leave it to the products x'*y, tr(A*B)
        if p.indices == q.indices:
            other = q.base
        elif len(p.indices) == 2 and p.indices == q.indices[::-1]:
            other = build.transpose(q.base)
        else:
            continue
        if isinstance(p.base, Ones):
            merged = other if p.indices == q.indices else q.base
            fs[a] = Factor(merged, p.indices if p.indices == q.indices else q.indices)
        else:
            fs[a] = Factor(build.hadamard(_column(p.base), _column(other)), p.indices)
        del fs[b]
        return True
    return False


def _column(e: Expr) -> Expr:
    return build.transpose(e) if e.is_vector and e.row else e


def _contractible(net: _Net, vectors_only: bool) -> tuple[int, int, Idx] | None:
    fs = net.factors
    counts = net.counts()
    for a, b in net.pairs():
        p, q = fs[a], fs[b]
        if len(p.indices) > 2 or len(q.indices) > 2:
            continue
        if vectors_only and not (len(p.indices) == 1 or len(q.indices) == 1):
            continue
        for s in p.indices:
            if s in net.free or s not in q.indices or counts[s] != 2:
                continue
            if p.indices.count(s) == 1 and q.indices.count(s) == 1:
                return a, b, s
    return None


def _contract(net: _Net, vectors_only: bool) -> bool:
    """4: an index summed over exactly two factors is a matrix product."""
    found = _contractible(net, vectors_only)
    if found is None:
        return False
    a, b, s = found
    p, q = net.factors[a], net.factors[b]
    left = p.base if p.indices[-1] == s else build.transpose(p.base)
    right = q.base if q.indices[0] == s else build.transpose(q.base)
    if left.is_vector and not left.row:
        left = build.transpose(left)
    if right.is_vector and right.row:
        right = build.transpose(right)
    rest = tuple(i for i in p.indices if i != s) + tuple(i for i in q.indices if i != s)
    net.factors[a] = Factor(build.matmul(left, right), rest)
    del net.factors[b]
    return True


def _matvec(net: _Net) -> bool:
    return _contract(net, vectors_only=True)


def _matmat(net: _Net) -> bool:
    return _contract(net, vectors_only=False)


def _lone_sum(net: _Net) -> bool:
    """5: an index summed in one factor only is a sum over that axis."""
    for n, f in enumerate(net.factors):
        lone = [i for i in f.indices if i not in net.free and net.count(i) == 1]
        if not lone or len(f.indices) > 2:
            continue
        if len(lone) == len(f.indices):
            net.factors[n] = Factor(build.sum_entries(f.base), ())
        else:
            s = lone[0]
            m = f.base if f.indices[0] == s else build.transpose(f.base)
            ones = build.ones((s.dim,), row=True)
            net.factors[n] = Factor(build.matmul(ones, m), tuple(i for i in f.indices if i != s))
        return True
    return False


def _diag_scale(net: _Net) -> bool:
    """6: ``v_i A_ij`` is ``(diag(v)*A)_ij`` (the last resort for a shared index)."""
    fs = net.factors
    for a, v in enumerate(fs):
        if len(v.indices) != 1:
            continue
        charge(len(fs))  # the factors read for this one (the work budget, matcalc.limits)
        i = v.indices[0]
        for b, m in enumerate(fs):
            if b == a or len(m.indices) != 2 or i not in m.indices:
                continue
            d = build.diag(_column(v.base))
            base = build.matmul(d, m.base) if m.indices[0] == i else build.matmul(m.base, d)
            fs[b] = Factor(base, m.indices)
            del fs[a]
            return True
    return False


def _outer(net: _Net) -> bool:
    """7: two vectors over the two free indices form an outer product."""
    vecs = [f for f in net.factors if len(f.indices) == 1]
    if len(net.factors) == 2 and len(vecs) == 2 and vecs[0].indices != vecs[1].indices:
        p, q = vecs
        outer = build.matmul(_column(p.base), build.transpose(_column(q.base)))
        net.factors = [Factor(outer, p.indices + q.indices)]
        return True
    return False


def _pair_matrix(net: _Net, skip: int, s: Idx, t: Idx) -> tuple[Expr, list[int]] | None:
    """The matrix ``E`` with ``E_st`` the product of the other factors over ``s, t`` (summed, twice each)."""
    counts = net.counts()
    if s == t or any(i in net.free or counts[i] != 2 for i in (s, t)):
        return None
    over = [n for n, f in enumerate(net.factors) if n != skip and (s in f.indices or t in f.indices)]
    fs = [net.factors[n] for n in over]
    if len(fs) == 1 and fs[0].base.ndim == 2:
        f = fs[0]
        return (f.base if f.indices == (s, t) else build.transpose(f.base)), over
    if len(fs) == 2 and all(f.base.ndim == 1 for f in fs):
        left, right = fs if fs[0].indices == (s,) else fs[::-1]
        return build.matmul(_column(left.base), build.transpose(_column(right.base))), over
    return None


def _frechet(net: _Net) -> bool:
    """0: Fréchet derivatives: an open slot contracted with a matrix, or the value with ``G``.

    A slot contracted with ``E`` is the direction ``E``; the value contracted with
    ``G`` is the adjoint ``<G, L_f(X; E.., D)> = <L_f(X'; E..', G), D>`` (Higham,
    *Functions of Matrices*, §3.1; for f with real Taylor coefficients).
    """
    for a, p in enumerate(net.factors):
        e = p.base
        if not isinstance(e, MatFun) or e.ndim < 4:
            continue
        c = e.params[0] if e.params else None
        for slot in range(1, e.ndim // 2):
            found = _pair_matrix(net, a, *p.indices[2 * slot : 2 * slot + 2])
            if found is not None:
                filled = frechet(e.func, e.body, (*e.directions, found[0]), e.order, c)
                _replace(net, a, found[1], Factor(filled, p.indices[: 2 * slot] + p.indices[2 * slot + 2 :]))
                return True
        i, j = p.indices[:2]
        if e.ndim == 4 and i == j and i not in net.free and net.count(i) == 2:  # tr(L_f(X; E.., D))
            found = (build.eye(i.dim), [])
        else:
            found = _pair_matrix(net, a, i, j) if e.ndim == 4 else None
        if found is not None:
            dirs = (*(build.transpose(d) for d in e.directions), found[0])
            adjoint = frechet(e.func, build.transpose(e.body), dirs, e.order, c)
            _replace(net, a, found[1], Factor(adjoint, p.indices[2:]))
            return True
    return False


def _pairs(net: _Net) -> bool:
    """8: a pair index with the operands of its slots is ``vec`` or ``kron``."""
    for n, p in enumerate(net.factors):
        if not isinstance(p.base, PairIndex):
            continue
        r, a, b = p.indices
        found = _pair_matrix(net, n, b, a)
        if found is not None:  # vec(M)[r] = δ[r, (a, b)] M[b, a]
            _replace(net, n, found[1], Factor(kronecker.vec(found[0]), (r,)))
            return True
        left, right = _slot(net, n, a), _slot(net, n, b)
        if left is None or right is None or (left[2] is not None and left[2] == right[2]):
            continue
        (lhs, j, at_l), (rhs, ll, at_r) = left, right
        used = [k for k in (at_l, at_r) if k is not None]
        if j is not None and ll is not None:  # both matrices: the columns are a pair too
            q = _column_pair(net, n, j, ll)
            if q is None:
                continue
            c = net.factors[q].indices[0]
            _replace(net, n, [*used, q], Factor(kronecker.kron(lhs, rhs), (r, c)))
        else:
            cols = tuple(i for i in (j, ll) if i is not None)
            _replace(net, n, used, Factor(kronecker.kron(lhs, rhs), (r, *cols)))
        return True
    return False


def _slot(net: _Net, skip: int, a: Idx) -> tuple[Expr, Idx | None, int | None] | None:
    """The operand of a slot index ``a`` of a pair index: (matrix or column, its other index, position).

    ``a`` free and nowhere else: the identity, its column the free ``a``; ``a``
    summed with exactly one other factor (not a pair index): that factor, ``a``
    its row.
    """
    if a in net.free:
        return (build.eye(a.dim), a, None) if net.count(a) == 1 else None
    if net.count(a) != 2:
        return None
    at = next((k for k, f in enumerate(net.factors) if k != skip and a in f.indices), None)
    if at is None:  # both uses in the pair index itself: δ[r, (a, a)], the diagonal
        return None
    f = net.factors[at]
    if isinstance(f.base, PairIndex) or f.base.ndim > 2 or f.indices.count(a) != 1:
        return None
    if f.base.ndim == 1:
        return _column(f.base), None, at
    other = f.indices[1] if f.indices[0] == a else f.indices[0]
    return (f.base if f.indices[0] == a else build.transpose(f.base)), other, at


def _column_pair(net: _Net, skip: int, j: Idx, ll: Idx) -> int | None:
    """The position of a pair index δ[c, (j, l)] over two summed column indices, if there is one."""
    for k, f in enumerate(net.factors):
        pair = k != skip and isinstance(f.base, PairIndex) and f.indices[1:] == (j, ll)
        if pair and all(i not in net.free and net.count(i) == 2 for i in (j, ll)):
            return k
    return None


def _replace(net: _Net, at: int, drop: list[int], new: Factor) -> None:
    net.factors[at] = new
    for n in sorted(drop, reverse=True):
        del net.factors[n]


_RULES = (
    _frechet, _scalars, _quotient, _pairs, _diagonal, _hadamard, _matvec, _matmat, _lone_sum, _diag_scale,
    _outer,
)  # fmt: skip
