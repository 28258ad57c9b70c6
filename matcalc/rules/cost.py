"""What a reader counts: the operators of an expression as the text printer spells it.

The cost model of the rules that choose between two equal forms (`matcalc.rules.monomials`,
`matcalc.rules.known`): every binary and unary operator, transpose mark and function
applied, with a subexpression used twice counted once (as issue 9 defines the cost:
what a reader sees when repeated subexpressions are named).  It follows the printer
closely enough to rank two forms of one expression; `benchmarks/paper_form.py`
counts the printed text itself.
"""

from __future__ import annotations

from fractions import Fraction

from matcalc.expr import (
    Add,
    ElemDiv,
    Expr,
    Hadamard,
    Identity,
    MatMul,
    Number,
    Ones,
    Power,
    Scale,
    Symbol,
    Zero,
    children,
)

__all__ = ["operators"]


def operators(e: Expr, memo: dict[Expr, int] | None = None) -> int:
    """The operators of ``e`` with each distinct subexpression counted once (as if named when repeated).

    ``memo`` caches each node's own count across calls.
    """
    memo = {} if memo is None else memo
    total = 0
    seen: set[Expr] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if x in seen:
            continue
        seen.add(x)
        own = memo.get(x)
        if own is None:
            own = memo[x] = _own(x)
        total += own
        stack.extend(children(x))
    return total


def _fraction(v: object) -> int:
    return 1 if isinstance(v, Fraction) and v.denominator != 1 else 0


def _sign(e: Expr) -> int:
    """1 for a negative number (its minus is counted where it is used: a node is counted once)."""
    return 1 if isinstance(e, Number) and e.value < 0 else 0


def _own(e: Expr) -> int:
    """The operators ``e`` adds to those of its operands."""
    match e:
        case Number(value=v):
            return _fraction(v)
        case Symbol() | Identity() | Zero() | Ones():
            return 0
        case Add(terms=ts):
            return len(ts) - 1 - sum(1 for t in ts[1:] if _negative(t))
        case Scale(coef=Number(value=v) as c):
            return _sign(c) + (0 if abs(v) == 1 else 1)
        case MatMul(factors=fs) | Hadamard(factors=fs):
            return len(fs) - 1
        case ElemDiv(num=a) | Power(exponent=a):
            return 1 + _sign(a)
    return 1


def _negative(t: Expr) -> bool:
    """A term that prints with a leading minus (which replaces the ``+`` before it)."""
    match t:
        case Number(value=v):
            return bool(v < 0)
        case Scale(coef=c):
            return _negative(c)
        case ElemDiv(num=a):
            return _negative(a)
    return False
