"""Sums: like terms collected, common factors, scalars and numbers out, diagonals merged."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from matcalc import build
from matcalc.expr import Add, DiagMatrix, Expr, Hadamard, MatMul, Number, Scale, Transpose
from matcalc.rewrite import Pat, rule
from matcalc.rules.common import coef_body, col, product, scalar_factors, total

__all__ = ["collect_like_terms", "common_number", "common_scalar", "diag_linear", "factor_common"]


@rule(Pat(Add, name="s"), example="2*A*x+A*x+a*y.*x+x.*y")
def collect_like_terms(s: Add) -> Expr | None:
    """Like terms: a X + b X = (a+b) X (also for Hadamard and scalar products in any order).

    Terminates: fewer terms.
    """
    groups: dict[object, tuple[Expr, list[Expr]]] = {}
    for term in s.terms:
        coef, body = _scalar_split(term) if term.is_scalar else coef_body(term)
        groups.setdefault(_like_key(body), (body, []))[1].append(coef)
    if len(groups) == len(s.terms):
        return None
    return total([build.mul(total(coefs), body) for body, coefs in groups.values()])


def _like_key(body: Expr) -> object:
    """Equal for bodies equal up to the order of Hadamard factors (x∘y and y∘x)."""
    if isinstance(body, Hadamard):
        return ("hadamard", tuple(sorted(id(f) for f in body.factors)))
    if body.is_scalar:
        return ("product", tuple(sorted(id(f) for f in scalar_factors(body))))
    return id(body)


def _scalar_split(term: Expr) -> tuple[Expr, Expr]:
    """A scalar term as (its numeric factor, the product of the rest)."""
    value: int | float | Fraction = 1
    rest: list[Expr] = []
    for f in scalar_factors(term):
        if isinstance(f, Number):
            value = value * f.value
        else:
            rest.append(f)
    return build.number(value), (product(rest) if rest else build.number(1))


@rule(Pat(Add, name="s"), example="A*B+2*A*C+D")
def factor_common(s: Add) -> Expr | None:
    """Common factors: A B + A C = A (B + C) and B A + C A = (B + C) A (first or last factor).

    Terminates: each step removes at least one matrix product from the sum.
    """
    for side in (-1, 0):
        groups: dict[int, list[int]] = {}
        for n, term in enumerate(s.terms):
            body = coef_body(term)[1]
            if isinstance(body, MatMul):
                groups.setdefault(id(body.factors[side]), []).append(n)
        members = next((m for m in groups.values() if len(m) > 1), None)
        if members is not None:
            return _factored(s, members, side)
    return None


def _factored(s: Add, members: list[int], side: int) -> Expr:
    """The sum with the terms ``members`` combined around their shared first (0) or last (-1) factor."""
    shared = coef_body(s.terms[members[0]])[1].factors[side]  # type: ignore[attr-defined]
    rests = []
    for n in members:
        coef, body = coef_body(s.terms[n])
        assert isinstance(body, MatMul)
        rest = body.factors[:-1] if side == -1 else body.factors[1:]
        rests.append(build.mul(coef, product(list(rest))))
    rests.sort(key=lambda r: isinstance(coef_body(r)[1], Transpose))  # A before A'
    inner = total(rests)
    combined = build.matmul(inner, shared) if side == -1 else build.matmul(shared, inner)
    return _regrouped(s, members, combined)


def _regrouped(s: Add, members: Iterable[int], combined: Expr) -> Expr:
    """The sum with the terms at ``members`` replaced by ``combined`` (first), the others kept in order."""
    gone = set(members)
    return total([combined, *(t for n, t in enumerate(s.terms) if n not in gone)])


@rule(Pat(Add, name="s"), example="diag(x)+2*diag(y)+A")
def diag_linear(s: Add) -> Expr | None:
    """diag(a) + c diag(b) = diag(a + c b).

    Terminates: fewer diags.
    """
    split = [(n, *coef_body(t)) for n, t in enumerate(s.terms)]
    diags = [(n, c, b) for n, c, b in split if isinstance(b, DiagMatrix)]
    if len(diags) < 2:
        return None
    inner = total([build.mul(c, col(b.body)) for _, c, b in diags])
    return _regrouped(s, (n for n, _, _ in diags), build.diag(inner))


@rule(Pat(Add, name="s"), example="tr(A)*B+tr(A)*C'+D-2*tr(A)*E")
def common_scalar(s: Add) -> Expr | None:
    """For a shared non-numeric scalar c: c A + c B = c (A + B), also with numbers: c A - 2c B = c (A - 2B).

    A quotient by a scalar is such a term: A/c + B/c = (A + B)/c.

    Terminates: fewer scales.
    """
    groups: dict[int, list[int]] = {}
    split: dict[int, tuple[Expr, Expr, Expr]] = {}
    for n, t in enumerate(s.terms):
        coef, body = coef_body(t)  # (a quotient X/c is (1/c) X)
        if not isinstance(coef, Number):
            number, rest = _scalar_split(coef)
            if not isinstance(rest, Number):
                split[n] = (number, rest, body)
                groups.setdefault(id(rest), []).append(n)
    for members in groups.values():
        if len(members) > 1:
            coef = split[members[0]][1]
            inner = total([build.mul(split[n][0], split[n][2]) for n in members])
            return _regrouped(s, members, build.scale(coef, inner))
    return None


@rule(Pat(Add, name="s"), example="-A-2*B'+C*(2*A-2*B)")
def common_number(s: Add) -> Expr | None:
    """Common numbers out of sums: c a ± c b = c (a ± b) for c ≠ ±1, and -a - 2b = -(a + 2b).

    Terminates: the terms lose their common factor (or their common sign).
    """
    coefs = [t.coef.value if isinstance(t, Scale) and isinstance(t.coef, Number) else 1 for t in s.terms]
    if all(c == coefs[0] for c in coefs) and coefs[0] != 1:
        common = coefs[0]
    elif all(c < 0 for c in coefs):
        common = -1
    elif all(abs(c) == abs(coefs[0]) for c in coefs) and abs(coefs[0]) != 1:
        common = -coefs[0] if coefs[0] < 0 else coefs[0]
    else:
        return None
    rest = [build.mul(_ratio(c, common), coef_body(t)[1]) for c, t in zip(coefs, s.terms, strict=True)]
    return build.scale(build.number(common), total(rest))


def _ratio(a: int | float | Fraction, b: int | float | Fraction) -> Expr:
    exact = not isinstance(a, float) and not isinstance(b, float)
    return build.number(Fraction(a) / Fraction(b) if exact else a / b)
