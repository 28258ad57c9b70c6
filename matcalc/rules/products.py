"""Products: matrix powers, diag against vectors, outer products, traces and sums of products."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from matcalc import build
from matcalc.expr import (
    Add,
    DiagMatrix,
    DiagVector,
    ElemDiv,
    Expr,
    Inverse,
    MatMul,
    MatPow,
    Number,
    Ones,
    Scale,
    Trace,
    Transpose,
)
from matcalc.rewrite import Pat, rule
from matcalc.rules.common import col, product
from matcalc.rules.monomials import monomial

__all__ = [
    "diag_into_sum", "diag_of_ones", "diag_of_outer", "diag_times_vector", "inverse_of_product",
    "matrix_powers", "number_out_of_base", "ones_outer", "power_form", "quotient_dot", "trace_of_scale",
]  # fmt: skip


@rule(Pat(MatMul, name="m", having=(DiagMatrix,)), example="x'*diag(y)*diag(w)*diag(x)*y")
def diag_times_vector(m: MatMul) -> Expr | None:
    """diag(v) x = v∘x,  x' diag(v) = (v∘x)',  diag(v) diag(w) = diag(v∘w).

    Terminates: removes a diag and shortens the product.
    """
    return _merge_neighbours(m, _diag_pair)


def _diag_pair(a: Expr, b: Expr) -> Expr | None:
    if isinstance(a, DiagMatrix) and isinstance(b, DiagMatrix):
        return build.diag(build.hadamard(col(a.body), col(b.body)))
    if isinstance(a, DiagMatrix) and b.is_vector and not b.row:
        return build.hadamard(col(a.body), b)
    if a.is_vector and a.row and isinstance(b, DiagMatrix):
        return build.transpose(build.hadamard(col(a), col(b.body)))
    return None


def _absorbed(d: DiagMatrix, t: Expr, left: bool) -> Expr | None:
    """``diag(v)*t`` (``t*diag(v)`` if not ``left``) as a product without that diag, or None.

    ``diag(v)*diag(w) = diag(v∘w)``, ``diag(v)*x = v∘x``, ``diag(v)*x*y' = (v∘x)*y'``; a scaling
    is kept outside.
    """
    if isinstance(t, Scale):
        inner = _absorbed(d, t.body, left)
        return None if inner is None else build.mul(t.coef, inner)
    if isinstance(t, MatMul):
        end = t.factors[0] if left else t.factors[-1]
        merged = _diag_pair(d, end) if left else _diag_pair(end, d)
        if merged is None:
            return None
        return product([merged, *t.factors[1:]] if left else [*t.factors[:-1], merged])
    return _diag_pair(d, t) if left else _diag_pair(t, d)


def _cancels(d: DiagMatrix, t: Expr, left: bool) -> bool:
    """Whether ``v`` of ``diag(v)`` and what it meets in ``t`` share a base with opposite powers (1/u, u)."""
    while isinstance(t, Scale | MatMul):
        t = t.body if isinstance(t, Scale) else t.factors[0] if left else t.factors[-1]
    met = t.body if isinstance(t, DiagMatrix) else t
    mine = dict(monomial(col(d.body)).powers)
    return any(k * mine.get(b, 0) < 0 for b, k in monomial(col(met)).powers)


@rule(Pat(MatMul, name="m", having=(DiagMatrix, Add)),
      example="diag(1./u)*(diag(u)-u*v')+(diag(v)+v*v')*diag(1./v)",
      kinds={"u": "vector", "v": "vector"})
def diag_into_sum(m: MatMul) -> Expr | None:
    """diag(v)*(A + B) = diag(v)*A + diag(v)*B where each term absorbs the diag and a base cancels.

    The Jacobian of ``log(softmax(x))``, ``diag(1./s)*(diag(s)-s*s')``, is ``eye-vector(1)*s'``
    (it evaluated to 0*inf = nan where ``s`` underflows).  Only when every term takes the
    diag in (``diag(w)``, a vector, an outer product ``x*y'``) and one of them meets a base
    of ``v`` with the opposite power.
    Terminates: fewer diags (each term's diag, if any, is merged with the one distributed).
    """
    fs = m.factors
    for n in range(len(fs) - 1):
        for d, s, left in ((fs[n], fs[n + 1], True), (fs[n + 1], fs[n], False)):
            if not (isinstance(d, DiagMatrix) and isinstance(s, Add)):
                continue
            terms = [a for t in s.terms if (a := _absorbed(d, t, left)) is not None]
            if len(terms) < len(s.terms) or not any(_cancels(d, t, left) for t in s.terms):
                continue
            return product([*fs[:n], build.fold(build.add, terms), *fs[n + 2 :]])
    return None


def _merge_neighbours(m: MatMul, merge: Callable[[Expr, Expr], Expr | None]) -> Expr | None:
    """The product with the first two neighbouring factors that ``merge`` combines replaced by one."""
    fs = m.factors
    for n in range(len(fs) - 1):
        merged = merge(fs[n], fs[n + 1])
        if merged is not None:
            return product([*fs[:n], merged, *fs[n + 2 :]])
    return None


@rule(Pat(MatMul, name="m"), example="A*inv(X^3)'*X'^2*X'*B")
def matrix_powers(m: MatMul) -> Expr | None:
    """X^j X^k = X^(j+k), with inverses and transposes read as powers: inv(X^3)' X'^2 = inv(X)'.

    Each factor is read as an integer power of a base (`power_form`), so
    ``inv(X) X = I``, ``X X = X^2`` and their transposed forms are one rule.
    Terminates: shortens the product.
    """
    return _merge_neighbours(m, _power_pair)


def _power_pair(a: Expr, b: Expr) -> Expr | None:
    if not (a.is_matrix and b.is_matrix):
        return None
    (base, j), (other, k) = power_form(a), power_form(b)
    return _power(base, j + k) if base is other else None


def power_form(e: Expr) -> tuple[Expr, int]:
    """``(B, k)`` with ``e = B^k``, reading inverses, powers and transposes of a square base."""
    match e:
        case MatPow(body=b, k=k):
            base, j = power_form(b)
            return base, j * k
        case Inverse(body=b):
            base, j = power_form(b)
            return base, -j
        case Transpose(body=b) if b.is_matrix:
            base, j = power_form(b)
            return build.transpose(base), j
    return e, 1


def _square(e: Expr) -> bool:
    """True for a matrix whose two dimensions are one (a square symbol, ``X'*A*X`` of a square ``X``)."""
    return e.is_matrix and e.shape[0] == e.shape[1]


def _opened(f: Expr) -> list[Expr] | None:
    """``inv(P)`` or ``inv(P)'`` for a product ``P`` of square factors, as a product of inverses."""
    match f:
        case Inverse(body=MatMul(factors=ps)) if all(_square(p) for p in ps):
            return [build.inv(p) for p in reversed(ps)]
        case Transpose(body=Inverse(body=MatMul(factors=ps))) if all(_square(p) for p in ps):
            return [build.transpose(build.inv(p)) for p in ps]
    return None


@rule(Pat(MatMul, name="m", having=((Inverse, Transpose),)), example="A'*inv(A*X*B)'*B'+C*inv(X*C)",
      kinds={"A": "square", "B": "square", "C": "square", "X": "square"})
def inverse_of_product(m: MatMul) -> Expr | None:
    """inv(A B) = inv(B) inv(A) for square A and B (Matrix Cookbook §1.1), where a neighbour cancels.

    Squareness is read off the dimensions (a symbol declared ``square``, or made
    square by the expression), never assumed.  The inverse is opened only where
    the factor next to it cancels against one of the new inverses:
    ``A' inv(A X B)' B' = inv(X)'``.
    Terminates: an inverse of a product becomes inverses of its factors, and no rule joins them again.
    """
    fs = m.factors
    for n, f in enumerate(fs):
        opened = _opened(f)
        if opened is None:
            continue
        left = n > 0 and _power_pair(fs[n - 1], opened[0]) is not None
        right = n + 1 < len(fs) and _power_pair(opened[-1], fs[n + 1]) is not None
        if left or right:
            return product([*fs[:n], *opened, *fs[n + 1 :]])
    return None


def _power(base: Expr, k: int) -> Expr:
    """``base^k``, with a negative power as a transposed inverse when the base is a transpose."""
    if k < 0 and isinstance(base, Transpose):
        return build.transpose(build.matpow(build.inv(base.body), -k))
    return build.matpow(base, k) if k >= 0 else build.matpow(build.inv(base), -k)


def _is_vector(e: Expr) -> bool:
    return e.is_vector


def _is_column(e: Expr) -> bool:
    return e.is_vector and not e.row


def _is_row(e: Expr) -> bool:
    return e.is_vector and e.row


_OUTER = Pat(MatMul, factors=(Pat.var("a", where=_is_vector), Pat.var("b", where=_is_vector)))


@rule(Pat(DiagVector, body=_OUTER), example="diag(x*y')")
def diag_of_outer(a: Expr, b: Expr) -> Expr:
    """diag(a b') = a∘b.

    Terminates: removes the product.
    """
    return build.hadamard(a, col(b))


@rule(
    Pat(MatMul, name="m", factors=(Pat(Ones, where=_is_column), Pat(Ones, where=_is_row))),
    example="vector(1)*vector(1)'+x*y'",
)
def ones_outer(m: MatMul) -> Expr:
    """1 1' = the matrix of ones, for vectors only (for matrices, 1 1' is n times that).

    Terminates: removes a product.
    """
    return build.ones(m.shape)


def _number_scaled(e: Expr) -> bool:
    return isinstance(e, Scale) and isinstance(e.coef, Number) and e.coef.value != 0


@rule(Pat((MatPow, Inverse), name="p", body=Pat.var("s", where=_number_scaled)),
      example="(2*B)^3-inv(2*A)+(X/3)^2*inv(-A/2)")
def number_out_of_base(p: MatPow | Inverse, s: Scale) -> Expr:
    """(cX)^k = c^k X^k and inv(cX) = inv(X)/c for a number c ≠ 0: the number is folded outside.

    ``(2*B)^3`` is ``8*B^3`` and ``-inv(2*A)`` is ``-inv(A)/2``, as a paper writes them.
    Terminates: the number leaves the base, and no rule puts it back.
    """
    c = s.coef
    assert isinstance(c, Number)
    if isinstance(p, Inverse):
        return build.scale(build.number(_reciprocal(c.value)), build.inv(s.body))
    return build.scale(build.number(c.value**p.k), build.matpow(s.body, p.k))


def _reciprocal(v: int | float | Fraction) -> int | float | Fraction:
    return 1 / v if isinstance(v, float) else Fraction(1) / Fraction(v)


@rule(Pat(Trace, body=Pat(Scale, name="s")), example="tr(a*A)")
def trace_of_scale(s: Scale) -> Expr:
    """tr(c X) = c tr(X).

    Terminates: moves a scalar out of the trace; no rule moves it back.
    """
    return build.scale(s.coef, build.trace(s.body))


@rule(Pat(MatMul, factors=(Pat.var("a", where=_is_row), Pat.var("b"))), example="(x./y)'*y")
def quotient_dot(a: Expr, b: Expr) -> Expr | None:
    """(u ⊘ p)' p = sum(u).

    Terminates: removes the product.
    """
    a = col(a)
    for q, p in ((a, b), (b, a)):
        if isinstance(q, ElemDiv) and q.den is p and q.num.ndim == 1:
            return build.sum_entries(q.num)
    return None


@rule(Pat(DiagMatrix, name="d", body=Pat(Ones)), example="diag(vector(1))*x")
def diag_of_ones(d: DiagMatrix) -> Expr:
    """diag(1) = I.

    Terminates: a leaf replaces the node.
    """
    return build.eye(d.shape[0])
