"""Order of commutative operands: terms of sums, factors of Hadamard and scalar products.

Sums, Hadamard products and products of scalars do not depend on the order of
their operands, so one order is chosen for them: the normal form then does not
depend on the order the expression was written in (confluence).  The order
is chosen to read well.  Terms: subtractions last (``x - m``), then symbols
alphabetically in reading order (``A + t*B``), a term before its transpose
(``A + A'``), the smaller first.  Factors: the smaller first (``y.*(X*w)``),
then as terms.  Ties go by a structural key (`Expr.skey`, the same in every run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matcalc import build
from matcalc.expr import Add, ElemDiv, Expr, Hadamard, Number, Scale, Symbol, Transpose, walk
from matcalc.rewrite import Pat, memoized, rule
from matcalc.rules.common import coef_body, scalar_factors

__all__ = ["reading_key", "sort_factors", "sort_scalar_product", "sort_terms"]


@memoized
def _key(e: Expr) -> tuple[object, ...]:
    """Symbols in reading order (alphabetically), then fewer transposes, smaller, by structure.

    Memoized while the rewrite runs (`matcalc.rewrite.memoized`): a sort compares each
    operand's key many times, and a walk per comparison made deep chains (``exp`` nested
    80 deep) cubic.
    """
    names: list[str] = []
    transposes = 0
    for n in walk(e):
        if isinstance(n, Symbol):
            names.append(n.name)
        elif isinstance(n, Transpose):
            transposes += 1
    return tuple(names), transposes, e.tree_size, e.skey


def reading_key(e: Expr) -> tuple[object, ...]:
    """The order of terms, for rules that choose between two spellings of one value."""
    return _key(e)


def _factor_key(e: Expr) -> tuple[object, ...]:
    """Factors of a product: the smaller first (``y.*(X*w)``), then as terms."""
    return e.tree_size, _key(e)


def _leading_minus(e: Expr) -> bool:
    """True when a term starts with a negative number (``-a``, ``-2*A``, ``-2*a/q*A``)."""
    match e:
        case Number(value=v):
            return v < 0
        case Scale(coef=c):
            return _leading_minus(c)
        case ElemDiv(num=a) if e.is_scalar:
            return _leading_minus(a)
    return False


def _subtracted(e: Expr) -> bool:
    """True when the text form shows the term as a subtraction: ``-a``, ``-2*A``, ``-2/q*A``."""
    match e:
        case Number(value=v):
            return v < 0
        case ElemDiv(num=Number(value=v)):
            return v < 0
        case Scale(coef=c):
            return _subtracted(c)
    return False


def _term_key(t: Expr) -> tuple[object, ...]:
    """Subtractions last (``x-m``), a minus that cannot be one first; then by the key.

    The key is that of the term without its scalar, then (for terms alike but for
    it, ``exp(u)`` and ``a*exp(u)``) that of the whole term.
    """
    group = 2 if _subtracted(t) else 0 if _leading_minus(t) else 1
    return group, _key(coef_body(t)[1]), _key(t)


def _resorted(
    items: Sequence[Expr], key: Callable[[Expr], tuple[object, ...]], op: Callable[[Expr, Expr], Expr]
) -> Expr | None:
    """``items`` sorted by ``key`` and combined by ``op``; None if they are sorted already."""
    ordered = sorted(items, key=key)
    return None if ordered == list(items) else build.fold(op, ordered)


def _scalar_factor_key(f: Expr) -> tuple[object, ...]:
    """Numbers first, then as the factors of a product."""
    return not isinstance(f, Number), _factor_key(f)


@rule(Pat(Add, name="s"), example="A'+B+A")
def sort_terms(s: Add) -> Expr | None:
    """A sum in one order of its terms: B + A = A + B.

    Terminates: the terms end up sorted, and a sorted sum is left alone.
    """
    return _resorted(s.terms, _term_key, build.add)


@rule(Pat(Hadamard, name="h"), example="y.*x.*w")
def sort_factors(h: Hadamard) -> Expr | None:
    """A Hadamard product in one order of its factors: y∘x = x∘y.

    Terminates: the factors end up sorted, and a sorted product is left alone.
    """
    return _resorted(h.factors, _factor_key, build.hadamard)


@rule(Pat(Scale, name="s", where=lambda s: s.is_scalar), example="b*a*c")
def sort_scalar_product(s: Scale) -> Expr | None:
    """A product of scalars in one order of its factors: b a = a b.

    Terminates: the factors end up sorted, and a sorted product is left alone.
    """
    factors = scalar_factors(s)
    ordered = sorted(factors, key=_scalar_factor_key)
    return None if ordered == factors else build.mul_all(ordered)
