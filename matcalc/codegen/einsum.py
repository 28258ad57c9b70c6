"""Index forms (tensors with no matrix form) as ``einsum`` calls, one per term.

Each factor is first unpacked as the differentiation rules pack it
(`matcalc.lower.atom`): ``diag(v)[i,j]`` is ``v[i] δ[i,j]``, ``X'[i,j]`` is
``X[j,i]``, so no diagonal matrix or transpose is built.  Deltas are then
contracted by the plan `matcalc.evaluate` follows too (`matcalc.contraction`): a delta with a summed index
renames that index (the sum picks the diagonal).  A delta between two free
indices makes the term zero off a diagonal of the result: with NumPy the
term's values are computed without the second index and written onto that
diagonal of a zero array (the ``_on_diagonal`` helper); a library whose arrays
cannot be written through a view gets an identity-matrix operand instead.  A
free index no operand carries is a vector of ones (broadcast, on a
diagonal); a summed one, a factor of its size.

Contraction order: dimensions are symbolic, so the path is computed when the
code is generated, with every dimension of one large size (or the sizes the
caller gives), by
``numpy.einsum_path(..., optimize="optimal")`` (``"greedy"`` beyond six
operands), and written into the call (``optimize=['einsum_path', (0, 1), ...]``):
no search at run time, and NumPy dispatches each pairwise contraction to BLAS
where it can.  Two operands with a summed index get ``optimize=True`` (the
path is trivial; the flag is what enables BLAS).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from matcalc.codegen import syntax as sx
from matcalc.contraction import plan
from matcalc.errors import MatcalcError
from matcalc.expr import IndexForm, Ones
from matcalc.index import Coef, Idx, Term, product
from matcalc.lower import atom
from matcalc.ops.record import code_name

if TYPE_CHECKING:
    from matcalc.codegen.emit import Lowerer

__all__ = ["index_form"]

#: Subscript letters: free indices take i, j, k, ... first, summed ones p, q, r, ...
_FREE_LETTERS = "ijklmnabcdefgho"
_SUMMED_LETTERS = "pqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

Operand = tuple[ast.expr, list[Idx]]


def index_form(lw: Lowerer, e: IndexForm) -> ast.expr:
    """The sum of the terms of an index form."""
    ix = e.tensor
    total: ast.expr | None = None
    for t in ix.terms:
        negative, code = _term(lw, t, ix.free)
        if total is None:
            total = sx.neg(code) if negative else code
        else:
            total = sx.sub(total, code) if negative else sx.add(total, code)
    assert total is not None, "an index form has terms"
    return total


def _term(lw: Lowerer, t: Term, free: tuple[Idx, ...]) -> tuple[bool, ast.expr]:
    """``(negative, code)``: one term as ``coef * einsum(...)``, the sign apart."""
    unpacked = product(*(atom(f.base, f.indices) for f in t.factors))
    coef: Coef = t.coef * unpacked.coef
    on_diagonal = "on_diagonal" in lw.backend.templates
    # a factor 1 is no operand, but its indices count
    factors = [(None if isinstance(f.base, Ones) else f.base, f.indices) for f in unpacked.factors]
    p = plan(factors, (*unpacked.deltas, *t.deltas), free, merge_free=on_diagonal)
    # a scalar factor (det(X), size(y, 1), a scalar symbol: a Python number on some backends) multiplies
    # the einsum: PyTorch's einsum takes tensors only, and code without einsum indexes every operand
    scalars = [lw.ref(base) for base, idx in p.operands if not idx]
    operands: list[Operand] = [(lw.ref(base), idx) for base, idx in p.operands if idx]
    operands += [(lw.op("eye", lw.size(a.dim), lw.like(a.dim)), [a, b]) for a, b in p.eyes]
    roots = tuple(dict.fromkeys(p.out))
    # a summed index nothing depends on is a factor of its size
    sizes = scalars + [lw.size(i.dim) for i in sorted(p.unused) if i not in roots]
    negative = coef < 0
    magnitude = -coef if negative else coef
    if len(roots) < len(free):
        return negative, _diagonal_term(lw, magnitude, sizes, operands, free, p.out)
    for i in sorted(set(p.unused) & set(roots)):  # a free index no operand carries
        operands.append((lw.op("ones", lw.size(i.dim), lw.like(i.dim)), [i]))
    return negative, _scaled_einsum(lw, magnitude, sizes, operands, free)


def _scaled_einsum(
    lw: Lowerer, magnitude: Coef, sizes: list[ast.expr], operands: Sequence[Operand], free: Sequence[Idx]
) -> ast.expr:
    """``magnitude * size * ... * einsum(operands -> free)``."""
    factors = [] if magnitude == 1 else [_literal(magnitude)]
    factors += sizes
    if operands:
        factors.append(_einsum(lw, operands, tuple(free)))
    return sx.product(factors) if factors else sx.number(1)


def _diagonal_term(
    lw: Lowerer,
    magnitude: Coef,
    sizes: list[ast.expr],
    operands: Sequence[Operand],
    free: tuple[Idx, ...],
    out: tuple[Idx, ...],
) -> ast.expr:
    """A term with deltas between free indices: zeros, with the values written on that diagonal only.

    With ``free = (i, j, k, l)`` and ``δ[i,k]``, the values ``v[i,j,l]`` (an
    einsum over the free indices the operands carry: ``j`` and ``l`` for
    ``G[j,l] δ[i,k]``) go to ``np.einsum('ijil->ijl', out)``, a writable view
    of the diagonal, broadcast over the indices no operand carries (first in
    the view).  No identity matrix is built, and no product with its zeros.
    """
    roots = list(dict.fromkeys(out))
    letters = {r: _FREE_LETTERS[free.index(r)] for r in roots}  # free has at most 15 indices here
    used = {i for _, idx in operands for i in idx}
    carried = [r for r in roots if r in used]
    view = [r for r in roots if r not in used] + carried
    spec = "".join(letters[i] for i in out) + "->" + "".join(letters[r] for r in view)
    value = _scaled_einsum(lw, magnitude, sizes, operands, carried)
    shape = ast.Tuple(elts=[lw.size(i.dim) for i in free], ctx=ast.Load())
    return lw.op("on_diagonal", shape, ast.Constant(value=spec), value)


def _literal(value: Coef) -> ast.expr:
    return sx.number(value)


def _einsum(lw: Lowerer, operands: Sequence[Operand], free: tuple[Idx, ...]) -> ast.expr:
    """``einsum('ij,jk->ik', a, b, optimize=...)``, or the operand itself if that is all it would do."""
    letters: dict[Idx, str] = {}
    for n, i in enumerate(free):
        letters[i] = _FREE_LETTERS[n] if n < len(_FREE_LETTERS) else _SUMMED_LETTERS[-1 - n]
    summed = iter(c for c in _SUMMED_LETTERS if c not in letters.values())
    for _, idx in operands:
        for i in idx:
            if i not in letters:
                letters[i] = next(summed)
    inputs = ["".join(letters[i] for i in idx) for _, idx in operands]
    output = "".join(letters[i] for i in free)
    if len(operands) == 1 and inputs[0] == output:
        return operands[0][0]
    spec = f"{','.join(inputs)}->{output}"
    shapes = [tuple(int(lw.dim_size(i.dim)) for i in idx) for _, idx in operands]
    if lw.backend.einsum == "broadcast":
        steps = _path(spec, shapes) if len(operands) > 2 else None
        return _broadcast_steps(lw, operands, free, steps or [tuple(range(len(operands)))])
    keywords = _optimize(lw, spec, shapes, output)
    func = lw.op("einsum")
    args: list[ast.expr] = [ast.Constant(value=spec), *(code for code, _ in operands)]
    return ast.Call(func=func, args=args, keywords=keywords)


def _broadcast_steps(
    lw: Lowerer, operands: Sequence[Operand], free: tuple[Idx, ...], steps: Sequence[tuple[int, ...]]
) -> ast.expr:
    """For a library without einsum: the contraction path's steps, each one `_broadcast`.

    A step multiplies a few operands and sums the indices no other operand and
    not the result needs, so memory is bounded by the largest step rather than
    by the product of every size (nested abstract functions have a dozen indices).
    """
    pending: list[tuple[ast.expr, list[Idx]]] = [(code, list(idx)) for code, idx in operands]
    for step in steps:
        chosen = [pending[k] for k in step]
        pending = [o for k, o in enumerate(pending) if k not in step]
        needed = {i for _, idx in pending for i in idx} | set(free)
        carried = dict.fromkeys(i for _, idx in chosen for i in idx if i in needed)
        kept = free if not pending else tuple(carried)
        pending.append((_broadcast(lw, chosen, kept), list(kept)))
    assert len(pending) == 1, "a contraction path ends with one operand"
    return pending[0][0]


def _broadcast(lw: Lowerer, operands: Sequence[Operand], free: tuple[Idx, ...]) -> ast.expr:
    """For a library without einsum: align the operands' axes by indexing, multiply, sum.

    The product spans every index at once (memory: the product of all the sizes).
    """
    order = list(dict.fromkeys([*free, *(i for _, idx in operands for i in idx)]))
    parts: list[ast.expr] = []
    for code, idx in operands:
        if len(idx) == 2 and idx[0] == idx[1]:  # X[i,i]: the diagonal
            code, idx = lw.op(code_name("diag", "of_matrix"), code), idx[:1]
        if len(set(idx)) != len(idx):
            raise MatcalcError("code without einsum cannot take the diagonal of an order-3+ tensor yet")
        axes = sorted(range(len(idx)), key=lambda a: order.index(idx[a]))
        if axes != list(range(len(idx))):
            perm = ast.Tuple(elts=[ast.Constant(value=a) for a in axes], ctx=ast.Load())
            code = lw.op("permute", code, perm)
        present = {idx[a] for a in axes}
        if len(present) < len(order):
            where: list[ast.expr] = [ast.Slice() if i in present else ast.Constant(value=None) for i in order]
            code = ast.Subscript(value=code, slice=ast.Tuple(elts=where, ctx=ast.Load()), ctx=ast.Load())
        parts.append(code)
    total = sx.product(parts)
    summed = [n for n, i in enumerate(order) if i not in free]
    if summed:
        axis = ast.Tuple(elts=[ast.Constant(value=n) for n in summed], ctx=ast.Load())
        total = lw.op("sum_axes", total, axis)
    return total


def _pairwise(steps: list[tuple[int, ...]], count: int) -> list[tuple[int, ...]]:
    """The path with each step of three or more operands split into pairs (as JAX requires).

    A step removes its operands from the list and appends the result at the end.
    """
    out: list[tuple[int, ...]] = []
    for step in steps:
        idx = sorted(step)
        while len(idx) > 2:
            i, j = idx[0], idx[1]
            out.append((i, j))
            count -= 1
            idx = sorted([k - (k > i) - (k > j) for k in idx[2:]] + [count - 1])
        out.append(tuple(idx))
        count -= len(idx) - 1
    return out


def _path(spec: str, shapes: list[tuple[int, ...]]) -> list[tuple[int, ...]] | None:
    """The contraction path at the model sizes (`_model_shapes`), None if it cannot be planned.

    Each step lists the operands it contracts; the result goes to the end (as
    `numpy.einsum_path` gives it).
    """
    try:
        dummies = [np.broadcast_to(np.zeros(()), shape) for shape in _model_shapes(shapes)]  # no memory
    except ValueError:  # pragma: no cover - an operand of over 56 axes: no einsum has that many letters
        return None
    strategy = "optimal" if len(shapes) <= 6 else "greedy"
    path = np.einsum_path(spec, *dummies, optimize=strategy)[0]
    return [tuple(int(k) for k in step) for step in path[1:]]


#: log2 of the most entries a planning stand-in may have: at 8 bytes each, NumPy can still describe it.
_PLAN_LIMIT = 56.0


def _model_shapes(shapes: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The shapes the path is planned at: the model's, unless an operand would be too large to describe.

    Every unknown dimension stands for one large size (2^20), so the jacobian of
    a matrix function of a matrix (four axes) would have 2^80 entries, more than
    NumPy can describe even as a view.  Then every size n becomes n^c, with one
    c < 1 that brings the largest operand within 2^56 entries: a product of
    sizes becomes that product to the power c, so the planner compares the
    same costs in the same order (up to rounding) and picks the same path.
    """
    largest = max((sum(math.log2(n) for n in shape) for shape in shapes), default=0.0)
    if largest <= _PLAN_LIMIT:
        return shapes
    c = _PLAN_LIMIT / largest
    return [tuple(max(2, int(n**c)) for n in shape) for shape in shapes]


def _optimize(lw: Lowerer, spec: str, shapes: list[tuple[int, ...]], output: str) -> list[ast.keyword]:
    """The ``optimize=`` argument: a precomputed path, or True for a contraction of two operands."""
    mode = lw.backend.einsum
    inputs = spec.split("->")[0].split(",")
    contracts = bool(set("".join(inputs)) - set(output))
    if mode == "none" or len(inputs) == 1 or (len(inputs) == 2 and not contracts):
        return []
    if len(inputs) == 2:
        return [ast.keyword(arg="optimize", value=ast.Constant(value=True))] if mode == "numpy" else []
    steps = _path(spec, shapes)
    if steps is None:  # pragma: no cover - see _path
        return [ast.keyword(arg="optimize", value=ast.Constant(value=True))] if mode == "numpy" else []
    value: list[object] = ["einsum_path", *steps] if mode == "numpy" else list(_pairwise(steps, len(shapes)))
    return [ast.keyword(arg="optimize", value=ast.parse(repr(value), mode="eval").body)]
