"""Kinds of undeclared names, inferred from how the expression uses them.

A name that ``kinds`` does not declare is a scalar, vector or matrix as its
uses demand, the way dimensions are unified from use.  The parser first reads
the text into a small tree of operations (`Op`) over names (`Name`) and
built constants; each node has a *domain*, the set of types it may still have
(``S`` scalar, ``C`` column vector, ``R`` row vector, ``M`` matrix, ``T`` an
array of more axes, which only derivatives of abstract functions give).
Constraint propagation (arc consistency) narrows the domains to what every
operation accepts.  What an operation accepts is read off its smart
constructor, by building it from probe symbols of each type, so it cannot
drift from :mod:`matcalc.build`.

Two rules decide what the uses leave open:

- an undeclared name is never broadcast against a scalar: a name added to a
  scalar, alone, transposed or scaled by scalars (``c + name*s``), is a
  scalar, and so is the end factor of a product whose other factors multiply
  to a scalar in any grouping (``s + lam*w'*w``, parsed ``(lam*w')*w``);
- but a name reduced by a function of one operand (``sum``, ``mean``, a norm,
  ``tr``, ``logsumexp``, ``max(x)``: anything that takes a vector or a matrix to
  fewer axes) is not a scalar, since reducing a scalar does nothing: in
  ``x - mean(x)`` the uses then disagree, nothing is inferred, and ``x`` keeps its
  first-letter kind (a vector), where the first rule alone made it a scalar and
  the expression zero;
- the names still open are decided one at a time by their first letter (a-g
  scalar, h-z vector, A-Z matrix), the scalar letters first and then in the
  order the names first appear, and the constraints propagate after each; a
  guess that leaves a sum broadcasting a scalar against a name guessed
  earlier makes that name a scalar, and the guessing starts again.  These are the *guessed* kinds.  When
  the uses rule out a name's first-letter kind but leave a choice (``x`` in
  ``x*x`` could be a scalar or a matrix), nothing is guessed.

When the uses contradict each other, or leave such a choice, nothing is
inferred (`Contradiction`):
the parser gives the names their first-letter kinds and reports the shape
error where it happens.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from matcalc import build
from matcalc.errors import MatcalcError
from matcalc.expr import Expr
from matcalc.kind_tables import (
    SLOT,
    Rule,
    accepted,
    canonical,
    pattern_of,
    reduces,
    rule_of,
    rule_reduces,
    type_of,
)

__all__ = ["Contradiction", "Inferred", "Name", "Op", "infer", "reduces"]

_ALL = frozenset("SCRMT")
_KIND = {"S": "scalar", "C": "vector", "M": "matrix"}
_LETTER_TYPE = {"scalar": "S", "vector": "C", "matrix": "M"}


@dataclass(eq=False)
class Name:
    """An undeclared name; one object per name, shared by all its uses."""

    name: str
    domain: frozenset[str] = frozenset("SCM")  # a bare name is never a row: that is its transpose
    uses: list[Op] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Op:
    """A smart-constructor call with an operand that depends on an undeclared name.

    ``args`` are the constructor's arguments: an `Op` or `Name` where the
    operand depends on a name, else the built `Expr` or plain value.
    """

    fn: Callable[..., Expr]
    args: tuple[object, ...]
    domain: frozenset[str] = _ALL
    parent: Op | None = None
    sum_above: bool | None = None  # whether an ancestor is a sum (see `_sum_above`)
    operands: tuple[Op | Name, ...] = ()  # the arguments that depend on a name (set by `node`)
    rule: Rule | None = None  # what `_revise` reads that never changes (set by `node`)
    settled_scalar: bool = False  # narrowed to a scalar by a consistent propagation (`infer`)
    queued: bool = False  # waiting in the queue of `_propagate`


class Contradiction(MatcalcError):
    """No kinds fit every use of the undeclared names."""


@dataclass(frozen=True, slots=True)
class Inferred:
    """The kind of each undeclared name, and which of them the first letter decided."""

    kinds: dict[str, str]
    guessed: frozenset[str]


def node(fn: Callable[..., Expr], args: Sequence[object]) -> Op:
    """An `Op` for ``fn(*args)``, linked to its operands."""
    op = Op(fn, tuple(args))
    operands: list[Op | Name] = []
    signature: list[object] = []
    for a in op.args:
        if isinstance(a, Op):
            a.parent = op
        elif isinstance(a, Name):
            a.uses.append(op)
        else:
            signature.append(a)
            continue
        operands.append(a)
        signature.append(SLOT)
    if len(operands) == 1:
        pattern: tuple[int, ...] = (0,)
    elif len(operands) == 2:
        pattern = (0, 0 if operands[1] is operands[0] else 1)
    else:
        pattern = pattern_of(operands)
    op.operands = tuple(operands)
    op.rule = rule_of(fn, canonical(signature), pattern)
    return op


def _signature(op: Op) -> tuple[object, ...]:
    return tuple(SLOT if isinstance(a, (Op, Name)) else a for a in op.args)


def _revise(op: Op) -> list[Op | Name]:
    """Narrow ``op`` and its operands to the type combinations its constructor accepts."""
    rule = op.rule
    assert rule is not None  # set by `node`
    operands = op.operands
    carriers = _carriers(op) if rule.is_sum else None
    if len(operands) == 2:  # (most operations: spelled out, this runs once or twice per operation)
        domains: tuple[frozenset[str], ...] = (operands[0].domain, operands[1].domain)
    elif len(operands) == 1:
        domains = (operands[0].domain,)
    else:
        domains = tuple(a.domain for a in operands)
    narrowed, result = _narrow(rule, carriers, op.domain, domains)
    changed: list[Op | Name] = []
    if narrowed is not None:
        for a, seen in zip(operands, narrowed, strict=True):
            if len(seen) != len(a.domain):
                a.domain = seen
                changed.append(a)
    if len(result) != len(op.domain):
        op.domain = result
        op.settled_scalar = op.settled_scalar or result == {"S"}  # a failed revision may empty it later
        changed.append(op)
    return changed


@lru_cache(maxsize=65536)
def _narrow(
    rule: Rule,
    carriers: tuple[bool, bool] | None,
    domain: frozenset[str],
    operands: tuple[frozenset[str], ...],
) -> tuple[tuple[frozenset[str], ...] | None, frozenset[str]]:
    """The narrowed operand domains (None if none narrowed) and result domain (a pure function: memoized)."""
    pattern, constants = rule.pattern, rule.constants
    table = accepted(rule.fn, rule.signature)
    supported: list[set[str]] = [set() for _ in operands]
    results: set[str] = set()
    for combo in itertools.product(*operands):
        if any(combo[i] != combo[j] for i, j in enumerate(pattern)):
            continue
        out = table[combo]
        if out is None or (carriers is not None and _broadcasts(carriers, _sum_types(constants, combo))):
            continue
        fits = domain if out == "?" else domain & {out}
        if fits:
            results |= fits
            for seen, t in zip(supported, combo, strict=True):
                seen.add(t)
    narrowed = tuple(map(frozenset, supported))
    return (None if narrowed == operands else narrowed), frozenset(results)  # None: none narrowed


def _sum_types(constants: tuple[str, ...], combo: tuple[str, ...]) -> tuple[str, str]:
    """The types of a sum's two operands: the constants' own, ``combo`` for the others."""
    it = iter(combo)
    left, right = (next(it) if t == "?" else t for t in constants)
    return left, right


def _carriers(op: Op) -> tuple[bool, bool] | None:
    """For a sum: whether each operand is a `_carrier`; None if neither (or not a sum)."""
    if op.fn is not build.add and op.fn is not build.sub:
        return None
    left, right = op.args
    carriers = (_carrier(left) is not None, _carrier(right) is not None)
    return carriers if carriers[0] or carriers[1] else None


def _broadcasts(carriers: tuple[bool, bool], types: tuple[str, str]) -> bool:
    """True when a scalar would be added to a carrier that is not one (``1 + name``)."""
    left, right = types
    return (left == "S" and right != "S" and carriers[1]) or (right == "S" and left != "S" and carriers[0])


def _see_through(op: Op) -> bool:
    """Whether `_carrier` may look through ``op`` (a product only with a scalar factor, or the rest)."""
    if op.fn is build.neg or op.fn is build.div or op.fn is build.transpose:
        return True
    return op.fn is build.mul and (any(_scalar_domain(a) for a in op.args) or _reassociated(op) is not None)


def _sum_above(op: Op) -> bool:
    """Whether an ancestor of ``op`` is a sum; memoized on the ops (the parent links are fixed)."""
    chain: list[Op] = []
    x: Op | None = op
    while x is not None and x.sum_above is None:
        chain.append(x)
        x = x.parent
    for y in reversed(chain):  # from the top down: each parent is known before its child
        p = y.parent
        y.sum_above = p is not None and (p.fn is build.add or p.fn is build.sub or bool(p.sum_above))
    return bool(op.sum_above)


def _watchers(n: Op | Name) -> list[Op]:
    """The operations to revise when the domain of ``n`` narrowed.

    Its own constraint and its parent's (or its uses), and the sum whose
    `_carrier` test looks down through ``n``.
    """
    if isinstance(n, Name):
        near = list(n.uses)
        seen = set(map(id, near))
    else:
        parent = n.parent
        if parent is None:
            return [n]
        near = [n, parent]
        if not (n.sum_above if n.sum_above is not None else _sum_above(n)):
            return near  # no sum above (nor above its parent): nothing looks down through n
        seen = {id(n), id(parent)}
    for start in near[:]:
        if not (start.sum_above if start.sum_above is not None else _sum_above(start)):
            continue  # no sum to look down through start: no walk (long products stay linear)
        x = start
        while x.parent is not None and _see_through(x.parent):
            x = x.parent
        top = x.parent
        if top is not None and id(top) not in seen:
            seen.add(id(top))
            near.append(top)
    return near


def _propagate(pending: Sequence[Op]) -> None:
    """Revise operations until no domain narrows; raise `Contradiction` on an empty one.

    ``pending`` in construction order (operands first), so that the first
    sweep narrows bottom-up.
    """
    queue = deque(pending)
    for op in pending:
        op.queued = True
    try:
        while queue:
            op = queue.popleft()
            op.queued = False
            for n in _revise(op):
                if not n.domain:
                    raise Contradiction("no kind fits every use")
                for nxt in _watchers(n):
                    if nxt is not op and not nxt.queued:
                        nxt.queued = True
                        queue.append(nxt)
    finally:
        for op in queue:  # a contradiction left them waiting
            op.queued = False


def _scalar_domain(x: object) -> bool:
    if isinstance(x, (Op, Name)):
        return x.domain == {"S"}
    return isinstance(x, Expr) and x.is_scalar


def _carrier(x: object) -> Name | None:
    """The name whose kind alone decides the type of ``x`` (``name``, ``-name``, ``s*name/t``)."""
    while isinstance(x, Op):
        fn = x.fn
        if fn is build.neg or fn is build.div or fn is build.transpose:
            x = x.args[0]
        elif fn is not build.mul:
            return None
        elif _scalar_domain(x.args[0]):
            x = x.args[1]
        elif _scalar_domain(x.args[1]):
            x = x.args[0]
        elif (inner := _reassociated(x)) is not None:
            x = inner
        else:
            return None
    return x if isinstance(x, Name) else None


def _reassociated(x: Op) -> object | None:
    """The end factor of a product whose other factors multiply to a scalar, read in any grouping.

    ``lam*w'*w`` is parsed ``(lam*w')*w``, but it is ``lam*(w'*w)``: ``lam``
    scaled by a scalar; so is ``mu`` in ``mu*x'*inv(S)*x``.
    """
    factors = _factors(x)
    if len(factors) > _MAX_FACTORS:  # a long product: not read the other way (propagation stays linear)
        return None
    for end, rest in ((factors[0], factors[1:]), (factors[-1], factors[:-1])):
        if len(rest) and _chain_type(rest) == "S":
            return end
    return None


#: The most factors of a product whose groupings `_reassociated` reads.
_MAX_FACTORS = 8


def _factors(x: object, depth: int = 0) -> list[object]:
    """The factors of a product, its nested products flattened (a product is associative).

    Past `_MAX_FACTORS` levels of nesting the rest stays one factor (the caller refuses such a product).
    """
    if isinstance(x, Op) and x.fn is build.mul and depth <= _MAX_FACTORS:
        return [f for a in x.args for f in _factors(a, depth + 1)]
    return [x]


def _chain_type(factors: Sequence[object]) -> str | None:
    """The type of the product of ``factors`` when all their types are settled, else None."""
    out = _known_type(factors[0])
    for f in factors[1:]:
        t = _known_type(f)
        if out is None or t is None:
            return None
        out = accepted(build.mul, (SLOT, SLOT))[(out, t)]
    return out


def _settled_scalar(x: object, guessed: dict[str, str]) -> bool:
    """Whether ``x`` is a scalar by the propagations that succeeded (a failed one may empty a domain)."""
    if isinstance(x, Name):
        return guessed.get(x.name) == "S" or x.domain == {"S"}
    if isinstance(x, Op):
        return x.settled_scalar
    return isinstance(x, Expr) and x.is_scalar


def _known_type(x: object) -> str | None:
    """The type of ``x`` if it is settled (a transpose's from its operand's, revised or not)."""
    if isinstance(x, Op) and x.fn is build.transpose and len(x.domain) > 1:
        inner = _known_type(x.args[0])
        return None if inner is None else {"C": "R", "R": "C"}.get(inner, inner)
    if isinstance(x, Op | Name):
        return next(iter(x.domain)) if len(x.domain) == 1 else None
    return type_of(x) if isinstance(x, Expr) else None


def _reduces(op: Op) -> bool:
    """Whether ``op`` reduces its one operand (a vector or a matrix to fewer axes).

    Its other arguments must be plain values (an axis); what it does is read off its
    constructor, as `accepted` is.
    """
    assert op.rule is not None  # set by `node`
    return rule_reduces(op.rule)


def infer(ops: Sequence[Op], names: Sequence[Name], default: Callable[[str], str]) -> Inferred:
    """The kinds of ``names`` (in order of first appearance) given the operations on them.

    A guess can leave a sum broadcasting a scalar against a name guessed
    earlier, before the rest of its term was known (``mu`` in ``s + mu*x'*x``,
    guessed before ``x``): that name is then a scalar by the broadcast rule,
    and the guessing starts again with it settled.
    """
    for n in names:
        if any(_reduces(op) for op in n.uses):
            n.domain -= {"S"}
    nodes: list[Op | Name] = [*ops, *names]
    initial = [(x, x.domain) for x in nodes]
    scalars: set[str] = set()
    while True:
        for x, domain in initial:
            x.domain = domain
            if isinstance(x, Op):
                x.settled_scalar = domain == {"S"}
        for n in names:
            if n.name in scalars:
                n.domain = n.domain & {"S"}
        guessed: dict[str, str] = {}
        try:
            inferred = _guess(ops, names, default, guessed)
        except Contradiction:
            late = _broadcast_names(ops, guessed) - scalars
            if not late:
                raise
        else:
            late = _broadcast_names(ops, guessed) - scalars
            if not late:
                return inferred
        scalars |= late


def _guess(
    ops: Sequence[Op], names: Sequence[Name], default: Callable[[str], str], guessed: dict[str, str]
) -> Inferred:
    """Propagate, then decide the names still open one at a time by their first letter.

    Fills ``guessed`` with the names decided so and their types.
    """
    _propagate(ops)
    # scalars first: a sum of two guessed names then reads the same both ways (c + lam*s, lam*s + c)
    for n in sorted(names, key=lambda n: _LETTER_TYPE[default(n.name)] != "S"):
        if len(n.domain) == 1:
            continue
        guessed[n.name] = preferred = _LETTER_TYPE[default(n.name)]
        if preferred not in n.domain:  # x in x*x: a scalar or a matrix? Not ours to pick.
            raise Contradiction(f"the uses of {n.name!r} rule out its first-letter kind and leave a choice")
        n.domain = frozenset({preferred})
        _propagate(n.uses)
    return Inferred({n.name: _KIND[next(iter(n.domain))] for n in names}, frozenset(guessed))


def _broadcast_names(ops: Sequence[Op], guessed: dict[str, str]) -> set[str]:
    """The guessed names, not scalars, that carry an operand of a sum whose other operand is a scalar."""
    found: set[str] = set()
    for op in ops:
        if op.fn is not build.add and op.fn is not build.sub:
            continue
        for side, other in ((0, 1), (1, 0)):
            carrier = _carrier(op.args[side])
            if carrier is None or guessed.get(carrier.name, "S") == "S":
                continue
            x = op.args[other]
            if _settled_scalar(x, guessed):
                found.add(carrier.name)
    return found
