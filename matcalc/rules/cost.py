"""What a reader counts: the operators of an expression as the text printer spells it.

The cost model of the rules that choose between two equal forms (`matcalc.rules.monomials`,
`matcalc.rules.signs`): every binary and unary operator, transpose mark and function
applied, counted on the tree (a subexpression used twice is counted twice, as the
text prints it twice).  It follows the printer closely enough to rank two forms of
one expression; `benchmarks/paper_form.py` counts the printed text itself.
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
    Transpose,
    Zero,
    children,
)

__all__ = ["operators"]


def operators(e: Expr, memo: dict[Expr, int] | None = None) -> int:
    """The number of operators in the printed form of ``e`` (memoized per node in ``memo``)."""
    memo = {} if memo is None else memo
    done = memo.get(e)
    if done is None:
        done = memo[e] = _count(e, memo)
    return done


def _number(v: object) -> int:
    signs = 1 if isinstance(v, (int, float, Fraction)) and v < 0 else 0
    fraction = 1 if isinstance(v, Fraction) and v.denominator != 1 else 0
    return signs + fraction


def _count(e: Expr, memo: dict[Expr, int]) -> int:
    match e:
        case Number(value=v):
            return _number(v)
        case Symbol() | Identity() | Zero() | Ones():
            return 0
        case Add(terms=ts):
            minus = sum(1 for t in ts[1:] if _negative(t))
            return len(ts) - 1 - minus + sum(operators(t, memo) for t in ts)
        case Scale(coef=Number(value=v), body=b) if v == -1:
            return 1 + operators(b, memo)
        case Scale(coef=c, body=b):
            return 1 + operators(c, memo) + operators(b, memo)
        case MatMul(factors=fs) | Hadamard(factors=fs):
            return len(fs) - 1 + sum(operators(f, memo) for f in fs)
        case ElemDiv(num=a, den=b) | Power(base=a, exponent=b):
            return 1 + operators(a, memo) + operators(b, memo)
        case Transpose(body=b):
            return 1 + operators(b, memo)
    return 1 + sum(operators(k, memo) for k in children(e))


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
