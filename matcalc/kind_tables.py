"""What each operation accepts, for kind inference: read off its smart constructor.

`matcalc.kinds` narrows the types of undeclared names to what every operation
accepts.  That relation is not a second table of rules: `accepted` builds the
operation from probe symbols of each type (``S`` scalar, ``C`` column, ``R``
row, ``M`` matrix, ``T`` more axes) and records which builds succeed and what
type comes out, so it cannot drift from :mod:`matcalc.build`.  `Rule` is what
revising one operation reads that never changes, one object per distinct value.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from matcalc import build
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import Expr, Symbol, substitute_dims

__all__ = [
    "AXES", "SLOT", "Rule", "Table", "accepted", "canonical", "pattern_of", "reduces", "rule_of",
    "rule_reduces", "type_of",
]

_KIND = {"S": "scalar", "C": "vector", "M": "matrix"}

#: Where an operand that depends on an undeclared name goes in a signature.
SLOT = object()


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """What revising an `Op` reads that does not change, shared by the operations alike (see `_revise`).

    Hashed by identity: one object per distinct value (`rule_of`), so that the memo of
    `_narrow` hashes it in constant time.
    """

    fn: Callable[..., Expr]
    signature: tuple[object, ...]
    pattern: tuple[int, ...]  # x*x: one name, one type
    constants: tuple[str, ...]
    is_sum: bool


def canonical(signature: list[object]) -> tuple[object, ...]:
    """``signature`` with the anonymous dimensions of its built operands renamed the same in every parse.

    A constant such as ``eye`` or ``vector(1)`` gets new anonymous dimensions each
    time it is read, so the memos of `rule_of` and `accepted` would never meet it again
    (and would keep every copy alive).  Renaming its anonymous dimensions one to one
    (to serials below those `fresh_dim` hands out) changes no shape, so the
    constructor accepts the same operand types.
    """
    anonymous = sorted({d for a in signature if isinstance(a, Expr) for d in a.dims if d.anonymous})
    if not anonymous:
        return tuple(signature)
    sub = {d: Dim(True, "", -n) for n, d in enumerate(anonymous, 1)}
    return tuple(substitute_dims(a, sub) if isinstance(a, Expr) else a for a in signature)


def pattern_of(operands: Sequence[object]) -> tuple[int, ...]:
    """For each operand, the position of its first occurrence (``x*x`` is one name, one type)."""
    first: dict[int, int] = {}
    return tuple(first.setdefault(id(a), i) for i, a in enumerate(operands))


_RULES: dict[tuple[object, ...], Rule] = {}


def rule_of(fn: Callable[..., Expr], signature: tuple[object, ...], pattern: tuple[int, ...]) -> Rule:
    """The one `Rule` of ``fn`` with these constant arguments and this pattern of operands."""
    key = (fn, signature, pattern)
    rule = _RULES.get(key)
    if rule is None:
        constants = tuple("?" if a is SLOT else type_of(a) if isinstance(a, Expr) else "?" for a in signature)
        if len(_RULES) >= 4096:
            _RULES.clear()  # constants (expressions) make many signatures: a bounded memo
        rule = _RULES[key] = Rule(fn, signature, pattern, constants, fn is build.add or fn is build.sub)
    return rule


def _probe(t: str, position: int) -> Expr:
    """A symbol of type ``t`` whose name and dimensions no user symbol can have."""
    name = f"__probe{position}"
    if t == "S":
        return Symbol(name, "scalar", shape=())
    if t == "R":
        return build.transpose(_probe("C", position))
    shape = (Dim.of(name, 0),) if t == "C" else (Dim.of(name, 0), Dim.of(name, 1))
    return Symbol(name, _KIND[t], shape=shape)


def type_of(e: Expr) -> str:
    """The type letter of a built expression (``S``, ``C``, ``R``, ``M``, ``T``)."""
    if e.ndim == 2:
        return "M"
    if e.ndim == 1:
        return "R" if e.row else "C"
    return "S" if e.ndim == 0 else "T"


#: A relation: for each combination of operand types (in slot order), the result type
#: (None: refused, "?": unknown, any type).
Table = dict[tuple[str, ...], str | None]


@lru_cache(maxsize=1024)
def accepted(fn: Callable[..., Expr], signature: tuple[object, ...]) -> Table:
    """What ``fn`` accepts, read off by building it from probe symbols of each type.

    ``signature`` has the constant arguments, and `SLOT` where an operand
    that depends on a name goes.
    """
    slots = [i for i, a in enumerate(signature) if a is SLOT]
    table: Table = {}
    for combo in itertools.product("SCRMT", repeat=len(slots)):
        if "T" in combo:
            table[combo] = "?"
            continue
        args = list(signature)
        for i, t in zip(slots, combo, strict=True):
            args[i] = _probe(t, i)
        try:
            table[combo] = type_of(fn(*args))
        except MatcalcError:
            table[combo] = None
    return table



AXES = {"S": 0, "C": 1, "R": 1, "M": 2}


def reduces(fn: Callable[..., Expr], args: Sequence[object], position: int) -> bool:
    """Whether ``fn(*args)`` reduces its operand ``args[position]``, as `_reduces` reads an operation.

    The other arguments are constants; for the parser's check of the first-letter
    kinds (`matcalc.parse`: a name of a scalar letter reduced by ``sum`` is not taken
    as a scalar, so there the first letters are not what inference decides).
    """
    signature = [SLOT if n == position else a for n, a in enumerate(args)]
    return rule_reduces(rule_of(fn, canonical(signature), (0,)))


@lru_cache(maxsize=4096)
def rule_reduces(rule: Rule) -> bool:
    """Whether the operations of ``rule`` reduce their one operand (`matcalc.kinds`: `_reduces`)."""
    signature = rule.signature
    if signature.count(SLOT) != 1 or any(isinstance(a, Expr) for a in signature):
        return False
    table = accepted(rule.fn, signature)
    return any(
        out is not None and out in AXES and AXES[out] < AXES[t]
        for t in "CRM"
        for out in [table[(t,)]]
    )
