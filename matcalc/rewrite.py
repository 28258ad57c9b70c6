"""The one rewrite driver: bottom-up, to a fixed point, with a step limit.

A rule is a function ``node -> replacement or None``.  The driver owns the
traversal (children first, each distinct node once), re-simplifies what a rule
returns, and fails loudly if the rules do not settle within a step budget
(which would mean two rules undo each other — a bug, never silently ignored).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matcalc.build import remake
from matcalc.errors import MatcalcError
from matcalc.expr import Expr
from matcalc.recursion import deep

__all__ = ["Rule", "rewrite"]

Rule = Callable[[Expr], Expr | None]


def rewrite(e: Expr, rules: Sequence[Rule], max_steps: int = 100_000) -> Expr:
    """``e`` with ``rules`` applied everywhere until none applies."""
    memo: dict[Expr, Expr] = {}  # keyed by node (identity hash): holds the nodes alive
    steps = 0

    def go(x: Expr) -> Expr:
        nonlocal steps
        done = memo.get(x)
        if done is not None:
            return done
        y = remake(x, go)
        for rule in rules:
            z = rule(y)
            if z is not None and z is not y:
                steps += 1
                if steps > max_steps:
                    raise MatcalcError(f"simplification did not settle after {max_steps} steps at {y}")
                y = go(z)
                break
        memo[x] = y
        return y

    with deep():
        return go(e)
