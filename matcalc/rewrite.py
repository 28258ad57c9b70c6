"""The one rewrite engine: rules as patterns, one driver to a fixed point, firing counts.

A `Rule` is data: a `Pat` (a node type with sub-patterns for its fields, as
tinygrad's ``UPat``), a replacement function called with the pattern's named
captures, a one-line statement of the identity, why it terminates, and an
example input on which it fires (the soundness tests evaluate both sides of
every rule there).  A `RuleTable` indexes its rules by the node type of their
pattern, so a node only meets the rules written for its type.

`rewrite` owns the traversal: children first, each distinct node once; a node
whose children changed is rebuilt through the smart constructors, and the
rebuilt node is normalized again (a constructor may build new inner nodes:
``(x'+x')*A*A`` becomes ``2*(x'*A*A)`` once the sum is ``2*x'``).  So every
node of the result, including those a rule or a constructor built, is one no
rule applies to: the result is a fixed point, and rewriting it again returns
it.  A step limit turns rules that undo each other into a `RewriteLimitError`.

`stats` counts firings per rule while it is open (no global state: the
counter lives in a context variable that is reset on exit).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from matcalc.build import long_product, mul_all, remake
from matcalc.errors import RewriteLimitError
from matcalc.expr import Expr, Scale, children
from matcalc.recursion import deep

__all__ = ["Pat", "Rule", "RuleTable", "memo_scope", "memoized", "rewrite", "rule", "stats"]


@dataclass(frozen=True, slots=True)
class Pat:
    """A pattern: node types (None: any node), field sub-patterns, a test, a capture name.

    ``Pat(Transpose, body=Pat(MatMul, name="m"))`` matches ``(A*B)'`` and
    captures ``m = A*B``; ``Pat.var("x")`` matches any node as ``x``.  A field
    that holds operands takes a tuple of patterns, one per operand
    (``Pat(MatMul, factors=(Pat(Ones), Pat(Ones)))`` is a product of exactly two
    arrays of ones); any other value is compared for equality
    (``Pat(Apply, func="exp")``).  ``having`` names operand types the node must
    have, each entry a type or a tuple of alternatives, one operand per entry
    at least (``Pat(MatMul, having=(Kron, Vec))``: a product with a Kronecker
    product and a vec among its factors); `RuleTable` reads it off the types of
    the operands before it tries the rule.
    """

    types: tuple[type[Expr], ...] | None
    fields: tuple[tuple[str, Field], ...] = ()
    name: str | None = None
    where: Callable[[Any], bool] | None = None
    having: tuple[tuple[type[Expr], ...], ...] = ()

    def __init__(
        self,
        types: type[Expr] | tuple[type[Expr], ...] | None,
        *,
        name: str | None = None,
        where: Callable[[Any], bool] | None = None,
        having: tuple[type[Expr] | tuple[type[Expr], ...], ...] = (),
        **fields: Field,
    ) -> None:
        object.__setattr__(self, "types", (types,) if isinstance(types, type) else types)
        object.__setattr__(self, "fields", tuple(fields.items()))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "having", tuple((h,) if isinstance(h, type) else h for h in having))

    @staticmethod
    def var(name: str, where: Callable[[Any], bool] | None = None) -> Pat:
        """Any node (that passes ``where``), captured as ``name``."""
        return Pat(None, name=name, where=where)

    def match(self, e: Expr, captured: dict[str, Expr]) -> bool:
        """True if ``e`` matches; the captures are added to ``captured``."""
        if self.types is not None and not isinstance(e, self.types):
            return False
        if self.having and not self.admits(type(k) for k in e.kids):
            return False
        if self.where is not None and not self.where(e):
            return False
        for name, sub in self.fields:
            if not _field_matches(sub, getattr(e, name), captured):
                return False
        if self.name is not None:
            captured[self.name] = e
        return True

    def admits(self, kid_types: Iterable[type]) -> bool:
        """Whether operands of these types meet ``having`` (each entry met by one of them)."""
        present = tuple(kid_types)
        return all(any(issubclass(t, alternatives) for t in present) for alternatives in self.having)


#: What a field of a pattern asks: a sub-pattern, one per operand, or a value.
Field = Pat | tuple[Pat, ...] | str | int


def _field_matches(sub: Field, value: object, captured: dict[str, Expr]) -> bool:
    if isinstance(sub, Pat):
        return isinstance(value, Expr) and sub.match(value, captured)
    if isinstance(sub, tuple):
        return (
            isinstance(value, tuple)
            and len(value) == len(sub)
            and all(isinstance(v, Expr) and p.match(v, captured) for p, v in zip(sub, value, strict=True))
        )
    return value == sub


@dataclass(frozen=True, slots=True)
class Rule:
    """``pattern -> replace(**captures)``, with the identity it applies and why it terminates.

    ``replace`` may return None (or the node itself) when a condition beyond the
    pattern fails.  ``example`` is input text (with ``kinds`` for its symbols) on
    which the rule fires.
    """

    name: str
    pattern: Pat
    replace: Callable[..., Expr | None]
    maths: str
    terminates: str
    example: str
    kinds: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, e: Expr) -> Expr | None:
        """The replacement of ``e``, or None if the rule does not apply."""
        pattern = self.pattern
        if pattern.fields:
            captured: dict[str, Expr] = {}
            if not pattern.match(e, captured):
                return None
            out = self.replace(**captured)
        else:  # a pattern of the node alone (most rules): its tests here, no capture dictionary
            if pattern.types is not None and not isinstance(e, pattern.types):
                return None
            if pattern.where is not None and not pattern.where(e):
                return None
            out = self.replace(**{pattern.name: e}) if pattern.name is not None else self.replace()
        return None if out is e else out


def rule(
    pattern: Pat, *, example: str, kinds: Mapping[str, str] | None = None
) -> Callable[[Callable[..., Expr | None]], Rule]:
    """Decorator: the function becomes the replacement of a `Rule` named after it.

    Its docstring's first line is the identity, and a line ``Terminates: ...``
    says why applying it cannot go on for ever; both are required.
    """

    def make(replace: Callable[..., Expr | None]) -> Rule:
        lines = [line.strip() for line in (replace.__doc__ or "").strip().splitlines()]
        why = " ".join(x.removeprefix("Terminates:").strip() for x in lines if x.startswith("Terminates:"))
        if not lines or not lines[0] or not why:
            raise TypeError(f"rule {replace.__name__}: docstring needs the identity and a 'Terminates:' line")
        return Rule(replace.__name__, pattern, replace, lines[0], why, example, dict(kinds or {}))

    return make


class RuleTable:
    """Rules in the order they are tried, indexed by the node type of their pattern and its operands'.

    The index holds tuples of rules, keyed by types: no node outlives a call.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise ValueError(f"rule names repeat: {sorted(n for n in names if names.count(n) > 1)}")
        self._by_type: dict[type, tuple[tuple[Rule, ...], bool]] = {}
        self._by_kids: dict[tuple[type, frozenset[type]], tuple[Rule, ...]] = {}

    def for_node(self, e: Expr) -> tuple[Rule, ...]:
        """The rules whose pattern can match ``e`` by its type and its operands' (the early reject)."""
        kind = type(e)
        entry = self._by_type.get(kind)
        if entry is None:
            of_type = tuple(
                r for r in self.rules if r.pattern.types is None or issubclass(kind, r.pattern.types)
            )
            entry = self._by_type[kind] = (of_type, any(r.pattern.having for r in of_type))
        of_type, by_kids = entry
        if not by_kids:
            return of_type
        key = (kind, frozenset([type(k) for k in e.kids]))
        found = self._by_kids.get(key)
        if found is None:
            found = self._by_kids[key] = tuple(r for r in of_type if r.pattern.admits(key[1]))
        return found


_COUNTS: ContextVar[Counter[str] | None] = ContextVar("matcalc_rewrite_counts", default=None)


@contextmanager
def stats() -> Iterator[Counter[str]]:
    """Count rule firings (by rule name) in every `rewrite` inside the ``with`` block.

    >>> import matcalc as mc
    >>> from matcalc import rewrite
    >>> with rewrite.stats() as fired:
    ...     _ = mc.simplify(mc.parse("(x'+x')*A*A*w"))
    >>> fired["collect_like_terms"], fired["matrix_powers"]
    (1, 1)
    """
    counts: Counter[str] = Counter()
    token = _COUNTS.set(counts)
    try:
        yield counts
    finally:
        _COUNTS.reset(token)


_MEMOS: ContextVar[dict[object, dict[Expr, Any]] | None] = ContextVar("matcalc_rewrite_memos", default=None)
_T = TypeVar("_T")
_MISSING = object()


def memoized(fn: Callable[[Expr], _T]) -> Callable[[Expr], _T]:
    """``fn`` of a node, remembered per node while the current `rewrite` runs.

    For readings of a node that several rules (or one sort, many times) ask for,
    such as its monomial or its sort key: nodes are interned and immutable, so a
    reading holds for the whole rewrite.  The memo lives as long as the rewrite
    (a process-wide cache would keep every node it saw alive, and the next call
    warm); outside a rewrite ``fn`` is computed each time.
    """

    @wraps(fn)
    def cached(e: Expr) -> _T:
        memos = _MEMOS.get()
        if memos is None:
            return fn(e)
        table = memos.get(cached)
        if table is None:
            table = memos[cached] = {}
        value = table.get(e, _MISSING)
        if value is _MISSING:
            value = table[e] = fn(e)
        return value  # type: ignore[no-any-return]

    return cached


@contextmanager
def memo_scope() -> Iterator[None]:
    """Keep the readings of `memoized` functions for the ``with`` block (as a `rewrite` does).

    For a caller outside any rewrite that asks such a reading of many related
    nodes (`matcalc.backprop` asks whether a gradient is symmetric); inside a
    rewrite, or a scope already open, it shares the open one.  The memo is
    dropped at the end of the outermost scope, so no node outlives the call.
    """
    token = _MEMOS.set({}) if _MEMOS.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _MEMOS.reset(token)


#: A cycle of rules raises `RewriteLimitError` (tests of the rules set it); otherwise the
#: smallest form of the cycle is the result, the same one whichever form the cycle is entered at.
strict_cycles = False


def _settle(x: Expr, once: Callable[[Expr], Expr | None], fired: list[str]) -> Expr:
    """``x`` rewritten by ``once`` until it stays; a form that comes back is a cycle.

    The rules are functions of the node, so a repeat would go round forever. Each
    rule keeps the value, so every form of the cycle is the node's value: the
    smallest (by size, then structural key) is taken, which a second rewrite finds
    again. With `strict_cycles` the cycle is raised at once, naming the rules.
    """
    y = x
    path: list[Expr] = [x]  # the forms x went through
    seen: set[Expr] | None = None  # the same, from its second rewrite on
    while (z := once(y)) is not None and z is not y:
        if seen is None:
            seen = {x}
        elif z in seen:
            if not strict_cycles:  # every form of the cycle has the same value: the smallest, always
                loop = path[path.index(z) :]
                return min(loop, key=lambda e: (e.tree_size, e.skey))
            recent = ", ".join(dict.fromkeys(reversed(fired[-20:])))
            raise RewriteLimitError(f"simplification cycles: {z} comes back (rules: {recent})")
        seen.add(y)
        path.append(z)
        y = z
    return y


def rewrite(e: Expr, table: RuleTable, max_steps: int = 100_000) -> Expr:
    """``e`` with the rules of ``table`` applied everywhere until none applies anywhere.

    Inside an open `memo_scope` the normal forms found are kept with the scope's
    memos, so a later rewrite by the same table in that scope (the second
    derivative's, of a result that holds the first's) does not settle them again.
    """
    with memo_scope(), deep():  # a nested rewrite shares the memos
        return _rewrite(e, table, _normal_forms(table), max_steps)


def _normal_forms(table: RuleTable) -> dict[Expr, Expr]:
    """The normal forms under ``table`` found in the open `memo_scope` (node -> its normal form)."""
    memos = _MEMOS.get()
    assert memos is not None, "rewrite opens a memo scope"
    found = memos.get(table)
    if found is None:
        found = memos[table] = {}
    return found


def _rewrite(e: Expr, table: RuleTable, memo: dict[Expr, Expr], max_steps: int) -> Expr:
    """The driver of `rewrite`, with ``memo`` the normal forms known (keyed by node: holds them alive)."""
    counts = _COUNTS.get()
    fired: list[str] = []
    active: set[Expr] = set()

    def step(at: Expr, what: str) -> None:
        fired.append(what)
        if counts is not None and what != "rebuild":
            counts[what] += 1
        if len(fired) > max_steps:
            recent = ", ".join(dict.fromkeys(reversed(fired[-20:])))
            raise RewriteLimitError(
                f"simplification did not settle after {max_steps} steps at {at} (last rules: {recent})"
            )

    def once(y: Expr) -> Expr | None:
        """``y`` rebuilt if a child changed, else the first rule's replacement, else None.

        A product of more than `build.CHAIN` scalars is n-ary here: its children are
        its factors, and the rules see it whole, not each of its partial products
        (which would make simplifying it quadratic in its length).
        """
        if long_product(y):
            factors = _scalar_factors(y)
            done = [go(f) for f in factors]
            if any(d is not f for d, f in zip(done, factors, strict=True)):
                step(y, "rebuild")
                return mul_all(done)
        elif any(go(k) is not k for k in children(y)):
            step(y, "rebuild")
            return remake(y, go)
        for r in table.for_node(y):
            z = r(y)
            if z is not None:
                step(y, r.name)
                return z
        return None

    def go(x: Expr) -> Expr:
        done = memo.get(x)
        if done is not None:
            return done
        if x in active:  # a rule rebuilt a node inside its own replacement
            raise RewriteLimitError(f"simplification loops: {x} reappears inside its own rewrite")
        active.add(x)
        y = _settle(x, once, fired)
        active.discard(x)
        memo[x] = memo[y] = y
        return y

    return go(e)


def _scalar_factors(e: Expr) -> list[Expr]:
    """The factors of a product of scalars, without recursion (it may be long)."""
    out: list[Expr] = []
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Scale) and x.body.is_scalar:
            stack.extend((x.body, x.coef))
        else:
            out.append(x)
    return out
