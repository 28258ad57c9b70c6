"""Matrix-level simplification: the rules a careful human applies to a result.

Rules are data: each is a function from a node to its replacement (or None),
with the identity it applies in its docstring and the reason it terminates.
`simplify` runs them with the one driver in :mod:`matcalc.rewrite`.  The
smart constructors already fold numbers, flatten products and drop zeros and
identities, so the rules here are the ones that look at more than one node.
"""

from __future__ import annotations

from fractions import Fraction

from matcalc import build
from matcalc.expr import (
    Add,
    Apply,
    DiagMatrix,
    DiagVector,
    ElemDiv,
    Expr,
    Hadamard,
    Identity,
    Inverse,
    MatMul,
    MatPow,
    Number,
    Ones,
    Power,
    Scale,
    Symbol,
    Trace,
    Transpose,
)
from matcalc.rewrite import Rule, rewrite

__all__ = ["RULES", "simplify"]


def simplify(e: Expr) -> Expr:
    """``e`` simplified by `RULES`."""
    return rewrite(e, RULES)


# ---- transposes to the leaves ------------------------------------------------------------

def transpose_down(e: Expr) -> Expr | None:
    """(AB)' = B'A', (A+B)' = A'+B', (cA)' = cA', (A^k)' = (A')^k, S' = S for symmetric S.

    A transposed vector-valued sum stays as it is (``u'`` is just ``u`` as a
    row; spelling it out would break the sharing with ``u``), and no transpose
    goes into elementwise operations, where it gains nothing.
    Terminates: each step moves a transpose strictly closer to the leaves.
    """
    if not isinstance(e, Transpose):
        return None
    x = e.body
    if is_symmetric(x):
        return x
    t = build.transpose
    if x.is_vector and not isinstance(x, (MatMul, Scale)):
        return None
    match x:
        case MatMul(factors=fs):
            out = t(fs[-1])
            for f in reversed(fs[:-1]):
                out = build.matmul(out, t(f))
            return out
        case Add(terms=ts):
            return _sum([t(s) for s in ts])
        case Scale(coef=c, body=b):
            return build.scale(c, t(b))
        case MatPow(body=b, k=k):
            return build.matpow(t(b), k)
    return None


def is_symmetric(e: Expr) -> bool:
    """True when ``e`` is symmetric by construction (a sufficient test, not a necessary one)."""
    match e:
        case Symbol(kind=kind):
            return kind == "symmetric"
        case Identity() | DiagMatrix():
            return True
        case Inverse(body=b) | MatPow(body=b) | Apply(arg=b):
            return is_symmetric(b)
        case Scale(body=b):
            return is_symmetric(b)
        case Add(terms=ts) | Hadamard(factors=ts):
            return all(is_symmetric(t) for t in ts)
        case MatMul(factors=fs):  # A' B A with B symmetric, or A' A
            n = len(fs)
            return all(_mirror(fs[i], fs[n - 1 - i]) for i in range((n + 1) // 2))
    return False


def _mirror(a: Expr, b: Expr) -> bool:
    if a is b:
        return is_symmetric(a)
    return a is build.transpose(b) if not b.is_vector else False


# ---- products ------------------------------------------------------------------------


def diag_times_vector(e: Expr) -> Expr | None:
    """diag(v) x = v∘x,  x' diag(v) = (v∘x)',  diag(v) diag(w) = diag(v∘w).

    Terminates: removes a diag and shortens the product.
    """
    if not isinstance(e, MatMul):
        return None
    fs = e.factors
    for n in range(len(fs) - 1):
        a, b = fs[n], fs[n + 1]
        merged: Expr | None = None
        if isinstance(a, DiagMatrix) and isinstance(b, DiagMatrix):
            merged = build.diag(build.hadamard(_col(a.body), _col(b.body)))
        elif isinstance(a, DiagMatrix) and b.is_vector and not b.row:
            merged = build.hadamard(_col(a.body), b)
        elif a.is_vector and a.row and isinstance(b, DiagMatrix):
            merged = build.transpose(build.hadamard(_col(a), _col(b.body)))
        if merged is not None:
            return _product([*fs[:n], merged, *fs[n + 2:]])
    return None


def matrix_powers(e: Expr) -> Expr | None:
    """X^j X^k = X^(j+k) with inverses and transposes as powers: inv(X^3)' X'^2 = inv(X)'.

    Each factor is read as an integer power of a base (`power_form`), so
    ``inv(X) X = I``, ``X X = X^2`` and their transposed forms are one rule.
    Terminates: shortens the product.
    """
    if not isinstance(e, MatMul):
        return None
    fs = e.factors
    for n in range(len(fs) - 1):
        a, b = fs[n], fs[n + 1]
        if not (a.is_matrix and b.is_matrix):
            continue
        (base, j), (other, k) = power_form(a), power_form(b)
        if base is other:
            return _product([*fs[:n], _power(base, j + k), *fs[n + 2:]])
    return None


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


def _power(base: Expr, k: int) -> Expr:
    """``base^k``, with a negative power as a transposed inverse when the base is a transpose."""
    if k < 0 and isinstance(base, Transpose):
        return build.transpose(build.matpow(build.inv(base.body), -k))
    return build.matpow(base, k) if k >= 0 else build.matpow(build.inv(base), -k)


def inverse_outside(e: Expr) -> Expr | None:
    """inv(X') = inv(X)': one spelling for one matrix.  Terminates: the transpose moves up once."""
    if isinstance(e, Inverse) and isinstance(e.body, Transpose):
        return build.transpose(build.inv(e.body.body))
    return None


def trace_of_transposes(e: Expr) -> Expr | None:
    """tr(A' B') = tr((B A)') = tr(B A).  Terminates: removes transposes."""
    if isinstance(e, Trace) and isinstance(e.body, MatMul):
        bodies = [f.body for f in e.body.factors if isinstance(f, Transpose)]
        if len(bodies) == len(e.body.factors):
            return build.trace(_product(bodies[::-1]))
    return None


# ---- sums ----------------------------------------------------------------------------


def collect_like_terms(e: Expr) -> Expr | None:
    """Like terms: a X + b X = (a+b) X.  Terminates: fewer terms."""
    if not isinstance(e, Add):
        return None
    groups: dict[object, tuple[Expr, list[Expr]]] = {}
    for term in e.terms:
        coef, body = _scalar_split(term) if term.is_scalar else _coef_body(term)
        groups.setdefault(_like_key(body), (body, []))[1].append(coef)
    if len(groups) == len(e.terms):
        return None
    return _sum([build.mul(_sum(coefs), body) for body, coefs in groups.values()])


def factor_common(e: Expr) -> Expr | None:
    """Common factors: A B + A C = A (B + C) and B A + C A = (B + C) A (first or last factor).

    Terminates: each step removes at least one matrix product from the sum.
    """
    if not isinstance(e, Add):
        return None
    for side in (-1, 0):
        groups: dict[int, list[int]] = {}
        for n, term in enumerate(e.terms):
            _, body = _coef_body(term)
            if isinstance(body, MatMul):
                groups.setdefault(id(body.factors[side]), []).append(n)
        for members in groups.values():
            if len(members) < 2:
                continue
            shared = _coef_body(e.terms[members[0]])[1].factors[side]  # type: ignore[attr-defined]
            rests = []
            for n in members:
                coef, body = _coef_body(e.terms[n])
                assert isinstance(body, MatMul)
                rest = body.factors[:-1] if side == -1 else body.factors[1:]
                rests.append(build.mul(coef, _product(list(rest))))
            rests.sort(key=lambda r: isinstance(_coef_body(r)[1], Transpose))  # A before A'
            inner = _sum(rests)
            combined = build.matmul(inner, shared) if side == -1 else build.matmul(shared, inner)
            others = [t for n, t in enumerate(e.terms) if n not in members]
            return _sum([combined, *others])
    return None


def quotient_merge(e: Expr) -> Expr | None:
    """One quotient per elementwise product: x ∘ (u ⊘ y) = (x∘u) ⊘ y.  Terminates: fewer quotients."""
    if not isinstance(e, Hadamard):
        return None
    fs = list(e.factors)
    for n, f in enumerate(fs):
        if isinstance(f, ElemDiv) and not f.den.is_scalar:
            others = fs[:n] + fs[n + 1:]
            num = f.num
            for o in others:
                num = build.hadamard(num, o) if not num.is_scalar else build.mul(num, o)
            return build.elem_div(num, f.den)
    return None


def _is_one(e: Expr) -> bool:
    return (isinstance(e, Number) and e.value == 1) or isinstance(e, Ones)


def _one_plus_exp(e: Expr) -> Expr | None:
    """The ``v`` of ``1 + exp(v)``, else None."""
    if isinstance(e, Add) and len(e.terms) == 2:
        a, b = e.terms
        if _is_one(b):
            a, b = b, a
        if _is_one(a) and isinstance(b, Apply) and b.func == "exp":
            return b.arg
    return None


def logistic(e: Expr) -> Expr | None:
    """exp(v) ⊘ (1+exp(v)) = sigmoid(v) (also with more factors on top).  Terminates: removes exp."""
    if not isinstance(e, ElemDiv):
        return None
    v = _one_plus_exp(e.den)
    if v is None:
        return None
    if isinstance(e.num, Apply) and e.num.func == "exp" and e.num.arg is v:
        return build.apply("sigmoid", v)
    if isinstance(e.num, Hadamard) and any(isinstance(f, Apply) and f.func == "exp" and f.arg is v
                                             for f in e.num.factors):
        rest = [f for f in e.num.factors if not (isinstance(f, Apply) and f.func == "exp" and f.arg is v)]
        out = build.apply("sigmoid", v)
        for f in rest:
            out = build.hadamard(out, f)
        return out
    return None


def repeated_factors(e: Expr) -> Expr | None:
    """x∘x = x.^2 (Hadamard products; matrix products are `matrix_powers`).  Terminates: fewer factors."""
    if isinstance(e, Hadamard):
        fs = e.factors
        for n, f in enumerate(fs):
            if f in fs[n + 1:]:
                count = fs.count(f)
                rest = [g for g in fs if g is not f]
                out = build.power(f, build.number(count))
                for g in rest:
                    out = build.hadamard(out, g)
                return out
        return None
    return None


def quotient_cancel(e: Expr) -> Expr | None:
    """Quotients cancel: u ⊘ u = 1,  (u∘v) ⊘ u = v.  Terminates: removes the quotient or a factor."""
    if not isinstance(e, ElemDiv) or e.num.is_scalar != e.den.is_scalar:
        return None
    if e.num is e.den:
        return build.ones(e.shape, e.row)
    if isinstance(e.num, Hadamard) and e.den in e.num.factors:
        fs = list(e.num.factors)
        fs.remove(e.den)
        out = fs[0]
        for f in fs[1:]:
            out = build.hadamard(out, f)
        return out
    return None


def diag_linear(e: Expr) -> Expr | None:
    """diag(a) + diag(b) = diag(a+b), c diag(a) inside a sum too.  Terminates: fewer diags."""
    if not isinstance(e, Add):
        return None
    split = [(n, *_coef_body(t)) for n, t in enumerate(e.terms)]
    diags = [(n, c, b) for n, c, b in split if isinstance(b, DiagMatrix)]
    if len(diags) < 2:
        return None
    inner = _sum([build.mul(c, _col(b.body)) for _, c, b in diags])
    others = [t for n, t in enumerate(e.terms) if n not in {d[0] for d in diags}]
    return _sum([build.diag(inner), *others])


def common_scalar(e: Expr) -> Expr | None:
    """For a shared non-numeric scalar c: c A + c B = c (A + B).  Terminates: fewer scales."""
    if not isinstance(e, Add):
        return None
    groups: dict[int, list[int]] = {}
    for n, t in enumerate(e.terms):
        if isinstance(t, Scale) and not isinstance(t.coef, Number):
            groups.setdefault(id(t.coef), []).append(n)
    for members in groups.values():
        if len(members) > 1:
            coef = e.terms[members[0]].coef  # type: ignore[attr-defined]
            inner = _sum([e.terms[n].body for n in members])  # type: ignore[attr-defined]
            rest = [t for n, t in enumerate(e.terms) if n not in members]
            return _sum([build.scale(coef, inner), *rest])
    return None


def diag_of_outer(e: Expr) -> Expr | None:
    """diag(a b') = a∘b.  Terminates: removes the product."""
    if isinstance(e, DiagVector) and isinstance(e.body, MatMul) and len(e.body.factors) == 2:
        a, b = e.body.factors
        if a.is_vector and b.is_vector:
            return build.hadamard(a, _col(b))
    return None


def ones_outer(e: Expr) -> Expr | None:
    """1 1' = the matrix of ones, for vectors only (for matrices, 1 1' is n times that).

    Terminates: removes a product.
    """
    if isinstance(e, MatMul) and len(e.factors) == 2:
        a, b = e.factors
        if isinstance(a, Ones) and isinstance(b, Ones) and _col(a) is a and a.is_vector and b.row:
            return build.ones(e.shape)
    return None


def trace_of_scale(e: Expr) -> Expr | None:
    """tr(c X) = c tr(X).  Terminates: moves a scalar out."""
    if isinstance(e, Trace) and isinstance(e.body, Scale):
        return build.scale(e.body.coef, build.trace(e.body.body))
    return None


def common_number(e: Expr) -> Expr | None:
    """Common numbers out of sums: c a + c b = c (a + b) for c ≠ 1, and -a - 2b = -(a + 2b).

    Terminates: the terms lose their common factor (or their common sign).
    """
    if not isinstance(e, Add):
        return None
    coefs = [t.coef.value if isinstance(t, Scale) and isinstance(t.coef, Number) else 1 for t in e.terms]
    if all(c == coefs[0] for c in coefs) and coefs[0] != 1:
        common = coefs[0]
    elif all(c < 0 for c in coefs):
        common = -1
    else:
        return None
    rest = [build.mul(_ratio(c, common), _coef_body(t)[1]) for c, t in zip(coefs, e.terms, strict=True)]
    return build.scale(build.number(common), _sum(rest))


def _ratio(a: int | float | Fraction, b: int | float | Fraction) -> Expr:
    exact = not isinstance(a, float) and not isinstance(b, float)
    return build.number(Fraction(a) / Fraction(b) if exact else a / b)


def quotient_dot(e: Expr) -> Expr | None:
    """(u ⊘ p)' p = sum(u).  Terminates: removes the product."""
    if isinstance(e, MatMul) and len(e.factors) == 2:
        a, b = e.factors
        a = build.transpose(a) if a.is_vector and a.row else a
        for q, p in ((a, b), (b, a)):
            if isinstance(q, ElemDiv) and q.den is p and q.num.ndim == 1:
                return build.sum_entries(q.num)
    return None


def number_into_quotient(e: Expr) -> Expr | None:
    """Numbers into quotients: c (a/q) = (c a)/q for numbers c and a.  Terminates: removes a scale."""
    if isinstance(e, Scale) and isinstance(e.coef, Number) and isinstance(e.body, ElemDiv):
        num = e.body.num
        if isinstance(num, Number):
            return build.elem_div(build.number(e.coef.value * num.value), e.body.den)
    return None


def scalar_powers(e: Expr) -> Expr | None:
    """sqrt(u)^2 = u,  (u^a)^k = u^(a k) for an integer k,  t t = t^2.  Terminates: fewer powers."""
    if isinstance(e, Power) and isinstance(e.exponent, Number) and float(e.exponent.value).is_integer():
        k = e.exponent.value
        base = e.base
        if isinstance(base, Apply) and base.func == "sqrt" and k == 2:
            return base.arg
        if isinstance(base, Power) and isinstance(base.exponent, Number):
            return build.power(base.base, build.number(base.exponent.value * k))
    if isinstance(e, Scale) and e.coef is e.body and e.body.is_scalar:
        return build.power(e.body, build.number(2))
    return None


def diag_of_ones(e: Expr) -> Expr | None:
    """diag(1) = I.  Terminates: a leaf replaces the node."""
    if isinstance(e, DiagMatrix) and isinstance(e.body, Ones):
        return build.eye(e.shape[0])
    return None


def scalar_fraction(e: Expr) -> Expr | None:
    """A scalar product or quotient as number * numerators / denominators, common factors cancelled.

    ``-2/(x'x) * (0.5/√(x'x))`` is ``-1/(x'x √(x'x))``.  Terminates: the result
    is its own normal form (the rule returns None on it), and the form
    `number_into_quotient` gives.
    """
    if not (e.is_scalar and isinstance(e, (Scale, ElemDiv))):
        return None
    value, ups, downs = _fraction_parts(e)
    powers: dict[Expr, int] = {}
    for factors, sign in ((ups, 1), (downs, -1)):
        for f in factors:
            base, k = _scalar_power(f)
            powers[base] = powers.get(base, 0) + sign * k
    top_parts = [_raised(b, k) for b, k in powers.items() if k > 0]
    bottom_parts = [_raised(b, -k) for b, k in powers.items() if k < 0]
    top = build.mul(build.number(value), _product(top_parts)) if top_parts else build.number(value)
    out = build.elem_div(top, _product(bottom_parts)) if bottom_parts else top
    return None if out is e else out


def _scalar_power(s: Expr) -> tuple[Expr, int]:
    """``(u, k)`` for ``s = u^k`` with a positive integer ``k``, else ``(s, 1)``."""
    if isinstance(s, Power) and isinstance(s.exponent, Number):
        k = s.exponent.value
        if isinstance(k, int) and k > 0:
            return s.base, k
    return s, 1


def _raised(base: Expr, k: int) -> Expr:
    return base if k == 1 else build.power(base, build.number(k))


def _fraction_parts(s: Expr) -> tuple[int | float | Fraction, list[Expr], list[Expr]]:
    """``(number, numerator factors, denominator factors)`` of a scalar."""
    match s:
        case Number(value=v):
            return v, [], []
        case Scale(coef=a, body=b) if b.is_scalar:
            va, ua, da = _fraction_parts(a)
            vb, ub, db = _fraction_parts(b)
            return va * vb, ua + ub, da + db
        case ElemDiv(num=a, den=b) if a.is_scalar and b.is_scalar:
            va, ua, da = _fraction_parts(a)
            vb, ub, db = _fraction_parts(b)
            if vb == 0:
                return 1, [s], []
            exact = not isinstance(va, float) and not isinstance(vb, float)
            return (Fraction(va) / Fraction(vb) if exact else va / vb), ua + db, da + ub
    return 1, [s], []


def transposed_second(e: Expr) -> Expr | None:
    """A + A' rather than A' + A: a term before its transpose.  Terminates: sorts once."""
    if not isinstance(e, Add):
        return None
    bodies = [_coef_body(t)[1] for t in e.terms]
    for n, body in enumerate(bodies):
        if isinstance(body, Transpose) and body.body in bodies[n + 1 :]:
            m = bodies.index(body.body, n + 1)
            terms = list(e.terms)
            terms[n], terms[m] = terms[m], terms[n]
            return _sum(terms)
    return None


def zero_scale(e: Expr) -> Expr | None:
    """0 X = 0.  Terminates: a leaf replaces the product."""
    if isinstance(e, Scale) and isinstance(e.coef, Number) and e.coef.value == 0:
        return build.zeros(e.shape, e.row)
    return None


def symmetric_transpose(e: Expr) -> Expr | None:
    """S' = S for a symmetric symbol (the constructor does this; kept for rebuilt nodes)."""
    if isinstance(e, Transpose) and isinstance(e.body, Symbol) and e.body.kind == "symmetric":
        return e.body
    return None


#: The rules, in the order they are tried at each node.
RULES: tuple[Rule, ...] = (
    zero_scale,
    ones_outer,
    diag_of_ones,
    trace_of_scale,
    number_into_quotient,
    scalar_powers,
    quotient_dot,
    transpose_down,
    symmetric_transpose,
    inverse_outside,
    matrix_powers,
    trace_of_transposes,
    diag_times_vector,
    repeated_factors,
    quotient_merge,
    quotient_cancel,
    logistic,
    diag_linear,
    diag_of_outer,
    collect_like_terms,
    common_scalar,
    common_number,
    scalar_fraction,
    transposed_second,
    factor_common,
)


# ---- helpers ---------------------------------------------------------------------------


def _like_key(body: Expr) -> object:
    """Equal for bodies equal up to the order of Hadamard factors (x∘y and y∘x)."""
    if isinstance(body, Hadamard):
        return ("hadamard", tuple(sorted(id(f) for f in body.factors)))
    if body.is_scalar:
        return ("product", tuple(sorted(id(f) for f in _scalar_product(body))))
    return id(body)


def _scalar_split(term: Expr) -> tuple[Expr, Expr]:
    """A scalar term as (its numeric factor, the product of the rest)."""
    factors = _scalar_product(term)
    value: int | float | Fraction = 1
    rest: list[Expr] = []
    for f in factors:
        if isinstance(f, Number):
            value = value * f.value
        else:
            rest.append(f)
    return build.number(value), (_product(rest) if rest else build.number(1))


def _scalar_product(s: Expr) -> list[Expr]:
    if isinstance(s, Scale) and s.is_scalar:
        return _scalar_product(s.coef) + _scalar_product(s.body)
    return [s]


def _col(v: Expr) -> Expr:
    return build.transpose(v) if v.is_vector and v.row else v


def _coef_body(term: Expr) -> tuple[Expr, Expr]:
    if isinstance(term, Scale):
        return term.coef, term.body
    return build.number(1), term


def _sum(items: list[Expr]) -> Expr:
    out = items[0]
    for item in items[1:]:
        out = build.add(out, item)
    return out


def _product(items: list[Expr]) -> Expr:
    out = items[0]
    for item in items[1:]:
        out = build.mul(out, item)
    return out

