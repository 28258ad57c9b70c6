"""Placing the factors of one index term into Kronecker slots, and collecting terms.

After its summed indices are contracted, a term of ``∂f[i,j]/∂X[k,l]`` is a
product of factors over the free indices (each over one or two of them) and
deltas between free indices.  A factor over two indices goes in one of six
groups:

====  ========  ==================================================
group indices   becomes
====  ========  ==================================================
P, Q  (i,k)     ``Q ⊗ P``: ``P[i,k] Q[j,l]`` (``vec(P dX Qᵀ)``)
      (j,l)
R, S  (i,l)     ``(S ⊗ R) K_{pq}``: ``R[i,l] S[j,k]``; no ``K`` when f
      (j,k)     or X is a vector (``R ⊗ S`` or ``S ⊗ R``)
U     (i,j)     ``diag(vec(U))`` on the left
V     (k,l)     ``diag(vec(V))`` on the right
====  ========  ==================================================

With neither Kronecker family the term is ``vec(U) vec(V)ᵀ``; with both, the
Hadamard product of the two Kronecker products.  A factor over one index
may go in any of the three groups that have that index, the indices a delta
class makes equal are interchangeable, and the class can be kept by any of
its spanning trees; every placement is scored (`Cost`) and the cheapest
wins: ``δ[i,k] x[l]`` is ``xᵀ ⊗ I``, not ``(1ᵀ ⊗ I) diag(vec(1 xᵀ))``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence

from matcalc import build
from matcalc.dims import Dim
from matcalc.expr import Expr, Scale
from matcalc.index import Delta, Factor, Idx, Term
from matcalc.raise_ import raise_term
from matcalc.simplify import simplify
from matcalc.vec.ir import Chain, Kron, KronTerm, Piece

__all__ = [
    "GROUPS", "Cost", "Grouping", "Roles", "assemble", "collect", "groupings", "normalized",
    "placement_cost", "plus", "slot_matrix",
]  # fmt: skip

#: (Hadamard products, commutation matrices, diag(vec) weights, axes filled with ones, outer
#: products ``vec(U) vec(V)ᵀ`` where a Kronecker product would do as well), compared in order.
Cost = tuple[int, int, int, int, int]
#: The six places a factor over two indices can go (see the module docstring).
GROUPS: dict[str, tuple[str, str]] = {
    "P": ("i", "k"), "Q": ("j", "l"), "R": ("i", "l"), "S": ("j", "k"), "U": ("i", "j"), "V": ("k", "l"),
}  # fmt: skip
_CANDIDATES = {r: [g for g, pair in GROUPS.items() if r in pair] for r in "ijkl"}


class Roles:
    """Which free index plays i, j (rows and columns of f) and k, l (of X); absent ones have length 1."""

    def __init__(self, free: Sequence[Idx], wfree: Sequence[Idx]) -> None:
        self.idx: dict[str, Idx] = dict(zip("ij", free, strict=False)) | dict(zip("kl", wfree, strict=False))
        self.role = {i: r for r, i in self.idx.items()}
        self.rows = tuple(i.dim for i in free)
        self.cols = tuple(i.dim for i in wfree)

    def present(self, group: str) -> list[str]:
        """The roles of ``group`` that this term has (an absent one has length 1)."""
        return [r for r in GROUPS[group] if r in self.idx]

    def group_of(self, f: Factor) -> str:
        """The group of a factor over two free indices."""
        pair = {self.role[i] for i in f.indices}
        return next(g for g, roles in GROUPS.items() if pair == set(roles))

    def indices(self, roles: str) -> list[Idx]:
        """The indices playing the given roles (those present), in order."""
        return [self.idx[r] for r in roles if r in self.idx]


def plus(*costs: Cost) -> Cost:
    """The sum of costs (of the parts of a chain)."""
    a, b, c, d, e = (sum(x) for x in zip(*costs, strict=True))
    return a, b, c, d, e

# ---- placements ------------------------------------------------------------------------------

Grouping = dict[str, list[Factor]]


def groupings(factors: list[Factor], deltas: Sequence[Delta], roles: Roles) -> Iterator[Grouping]:
    """Every way of placing the factors in the six groups.

    Indices the deltas make equal are interchangeable: each class of them is
    kept by one of its spanning trees of deltas, each factor takes any member
    of the class in place of an index of it, and a factor over one index goes
    in any group that has that index.
    """
    classes = _classes(deltas)
    member = {i: c for c in classes for i in c}
    trees = [list(_spanning_trees(c)) for c in classes]
    variants = [list(_relabelings(f, member)) for f in factors]
    for chosen in itertools.product(*trees):
        edges = [Factor(build.eye(a.dim), (a, b)) for tree in chosen for a, b in tree]
        for labeled in itertools.product(*variants):
            singles: dict[str, list[Factor]] = {}
            pairs = list(edges)
            for f in labeled:
                if len(f.indices) == 1:
                    singles.setdefault(roles.role[f.indices[0]], []).append(f)
                else:
                    pairs.append(f)
            yield from _placements(pairs, singles, roles)


def _relabelings(f: Factor, member: Mapping[Idx, list[Idx]]) -> Iterator[Factor]:
    """``f`` with each index replaced by any index a delta makes equal to it (distinct indices only)."""
    for indices in itertools.product(*(member.get(i, [i]) for i in f.indices)):
        if len(set(indices)) == len(indices):
            yield Factor(f.base, indices)


def _placements(
    pairs: list[Factor], singles: Mapping[str, list[Factor]], roles: Roles
) -> Iterator[Grouping]:
    """The factors over two indices in their group, those over one in each group that has the index."""
    single_roles = sorted(singles)
    for places in itertools.product(*(_CANDIDATES[r] for r in single_roles)):
        groups: Grouping = {g: [] for g in GROUPS}
        for f in pairs:
            groups[roles.group_of(f)].append(f)
        for r, g in zip(single_roles, places, strict=True):
            groups[g].extend(singles[r])
        yield groups


def _classes(deltas: Sequence[Delta]) -> list[list[Idx]]:
    """The indices the deltas make equal, class by class."""
    classes: list[set[Idx]] = []
    for d in deltas:
        touching = [c for c in classes if d.a in c or d.b in c]
        merged = {d.a, d.b}.union(*touching)
        classes = [c for c in classes if c not in touching] + [merged]
    return [sorted(c) for c in classes]


def _spanning_trees(nodes: list[Idx]) -> Iterator[list[tuple[Idx, Idx]]]:
    """Every spanning tree of the complete graph on ``nodes`` (at most four: 16 trees)."""
    edges = list(itertools.combinations(nodes, 2))
    for tree in itertools.combinations(edges, len(nodes) - 1):
        if _connects(nodes, tree):
            yield list(tree)


def _connects(nodes: list[Idx], edges: Sequence[tuple[Idx, Idx]]) -> bool:
    """Whether ``len(nodes) - 1`` edges connect all the nodes (so they form a tree)."""
    reached = {nodes[0]}
    grew = True
    while grew:
        grew = False
        for a, b in edges:
            if (a in reached) != (b in reached):
                reached |= {a, b}
                grew = True
    return len(reached) == len(nodes)


def placement_cost(groups: Grouping, roles: Roles, chained: bool) -> Cost:
    """The `Cost` of a placement."""
    used = {g for g, fs in groups.items() if fs}
    fam_a, fam_b = bool(used & {"P", "Q"}), bool(used & {"R", "S"})
    core = fam_a or fam_b or chained
    ones = 0
    for g in _slots(fam_a, fam_b) | ({"U", "V"} if not core else used & {"U", "V"}):
        touched = {roles.role[i] for f in groups[g] for i in f.indices}
        ones += sum(r not in touched for r in roles.present(g))
    diag = len(used & {"U", "V"}) if core else 0
    commute = fam_b and {"j", "l"} <= roles.idx.keys()
    outer = not core and bool(roles.rows) and bool(roles.cols)
    return (max(0, fam_a + fam_b + chained - 1), int(commute), diag, ones, int(outer))


def _slots(fam_a: bool, fam_b: bool) -> set[str]:
    return ({"P", "Q"} if fam_a else set()) | ({"R", "S"} if fam_b else set())


def assemble(coef: Expr, groups: Grouping, roles: Roles, chain: Chain | None) -> KronTerm:
    """The Kronecker term of a placement."""
    slot = {g: _slot(g, groups[g], roles) for g in GROUPS}
    fam_a = bool(groups["P"] or groups["Q"])
    fam_b = bool(groups["R"] or groups["S"])
    core: list[Kron | Chain] = []
    if fam_a:
        core.append(Kron.of(slot["Q"], slot["P"]))
    if fam_b:
        if "j" not in roles.idx:
            core.append(Kron.of(slot["R"], slot["S"]))
        elif "l" not in roles.idx:
            core.append(Kron.of(slot["S"], slot["R"]))
        else:
            core.append(Kron.of(slot["S"], slot["R"], commute=(roles.idx["k"].dim, roles.idx["l"].dim)))
    if chain is not None:
        core.append(chain)
    if core:
        left = slot["U"] if groups["U"] else None
        right = slot["V"] if groups["V"] else None
    else:
        left, right = slot["U"], slot["V"]
    return normalized(KronTerm(coef, roles.rows, roles.cols, left, tuple(core), right))


def normalized(t: KronTerm) -> KronTerm:
    """``t`` with the scalar factors of its slots moved into its coefficient."""
    coef = t.coef

    def pull(e: Expr) -> Expr:
        nonlocal coef
        if isinstance(e, Scale):
            coef = build.mul(coef, e.coef)
            return e.body
        return e

    def piece(p: Piece) -> Piece:
        return pull(p) if isinstance(p, Expr) else p

    left = None if t.left is None else pull(t.left)
    right = None if t.right is None else pull(t.right)
    core = tuple(Kron(tuple(map(piece, c.factors)), c.commute) if isinstance(c, Kron) else c for c in t.core)
    return KronTerm(simplify(coef), t.rows, t.cols, left, core, right)


def _slot(group: str, factors: list[Factor], roles: Roles) -> Expr | None:
    """The matrix over a group's two indices (rows: f's index, or i; columns: X's, or j)."""
    free = [roles.idx[r] for r in roles.present(group)]
    if not free:
        return None
    matrix = slot_matrix(factors, free) if factors else build.ones(tuple(i.dim for i in free))
    row_only = roles.present(group) == [GROUPS[group][1]]  # over X's index alone: a row
    return build.transpose(matrix) if row_only and not matrix.row else matrix


def slot_matrix(factors: list[Factor], free: Sequence[Idx]) -> Expr:
    """The matrix-level product of factors over the free indices ``free`` alone (one or two)."""
    matrix, rest = raise_term(Term(1, tuple(factors)), free)
    if matrix is None:  # pragma: no cover - factors over free indices only always raise
        raise AssertionError(f"cannot raise {rest} to a matrix")
    return simplify(matrix)


# ---- collecting terms -----------------------------------------------------------------------


def collect(terms: list[KronTerm]) -> list[KronTerm]:
    """Terms that differ in one slot only, merged into one term with the sum in that slot."""
    out = list(terms)
    merged = True
    while merged:
        merged = False
        for a, b in itertools.combinations(range(len(out)), 2):
            m = _merge(out[a], out[b])
            if m is not None:
                out[a] = m
                del out[b]
                merged = True
                break
    return out


def _slots_of(t: KronTerm) -> list[Expr | None] | None:
    """The term's matrix slots in a fixed order, or None if it has a chain or a ``K`` factor (not merged)."""
    slots: list[Expr | None] = [t.left, t.right]
    for c in t.core:
        if not isinstance(c, Kron) or not all(isinstance(p, Expr) for p in c.factors):
            return None
        slots += [p for p in c.factors if isinstance(p, Expr)]
    return slots


def _merge(a: KronTerm, b: KronTerm) -> KronTerm | None:
    sa, sb = _slots_of(a), _slots_of(b)
    if sa is None or sb is None or len(sa) != len(sb):
        return None
    if [_shape_of(c) for c in a.core] != [_shape_of(c) for c in b.core]:
        return None
    if (a.left is None) != (b.left is None) or (a.right is None) != (b.right is None):
        return None
    differ = [n for n, (x, y) in enumerate(zip(sa, sb, strict=True)) if x is not y]
    if not differ:
        return KronTerm(simplify(build.add(a.coef, b.coef)), a.rows, a.cols, a.left, a.core, a.right)
    if len(differ) != 1 or sa[differ[0]] is None or sb[differ[0]] is None:
        return None
    n = differ[0]
    x, y = sa[n], sb[n]
    assert x is not None and y is not None
    if a.coef is b.coef:
        coef, summed = a.coef, build.add(x, y)
    else:
        coef, summed = build.number(1), build.add(build.mul(a.coef, x), build.mul(b.coef, y))
    slots = list(sa)
    slots[n] = simplify(summed)
    return normalized(_with_slots(a, coef, slots))


def _shape_of(c: Kron | Chain) -> tuple[int, tuple[Dim, Dim] | None]:
    """How many factors a Kronecker product has, and its commutation matrix (terms merge only alike)."""
    return (len(c.factors), c.commute) if isinstance(c, Kron) else (-1, None)


def _with_slots(t: KronTerm, coef: Expr, slots: list[Expr | None]) -> KronTerm:
    core: list[Kron | Chain] = []
    at = 2
    for c in t.core:
        assert isinstance(c, Kron)
        core.append(Kron(tuple(s for s in slots[at : at + len(c.factors)] if s is not None), c.commute))
        at += len(c.factors)
    return KronTerm(coef, t.rows, t.cols, slots[0], tuple(core), slots[1])
