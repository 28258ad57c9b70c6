"""Elementwise products as monomials: powers of one base merged, quotients recognized, sums expanded.

An elementwise product (``.*``, ``./``, ``.^`` by a number, ``sqrt``, scaling) is
read as a *monomial*: a number times powers of bases, ``c ∏ bᵢ^kᵢ`` with rational
exponents (`monomial`).  Three rules use that reading:

- `merge_powers`: a base that occurs twice is one power (``X.*Y./Y.^4`` is
  ``X./Y.^3``, ``p.^2./q.^2./(p./q)`` is ``p./q``);
- `known_quotients`: a quotient with a name of its own (``sinh(u)./cosh(u)`` is
  ``tanh(u)``, ``exp(x)/sum(exp(x))`` is ``softmax(x)``), from the table `QUOTIENTS`;
- `step_factors`: the Heaviside factor of what it gates (``relu(u).*step(u)`` is
  ``relu(u)``, ``step(u).^2`` is ``step(u)``), as derivatives of ``relu`` and
  ``max`` leave it;
- `expand_products`: a product with a sum among its factors, multiplied out with
  the bases cancelled and like terms collected, when that prints fewer operators
  (`matcalc.rules.cost`): ``s.*(1-s).*((1-y)./(1-s)-y./s)`` is ``s-y``.

Scalar products are left to `matcalc.rules.scalars.scalar_fraction`, which reads
them the same way (`monomial`).  Merging ``u^a u^b = u^(a+b)`` for non-integer
exponents holds where ``u ≥ 0``, which is where the input is real.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from matcalc import build
from matcalc.expr import Add, Apply, ElemDiv, Expr, Hadamard, Number, Ones, Power, Scale, SumEntries
from matcalc.limits import charge
from matcalc.rewrite import Pat, memoized, rule
from matcalc.rules.common import HALF, Exponent, exponent_sum, int_if_whole, power
from matcalc.rules.cost import cheaper

__all__ = [
    "QUOTIENTS", "Monomial", "expand_products", "known_quotients", "merge_powers", "monomial", "rebuild",
    "step_factors",
]  # fmt: skip

Value = Exponent

#: Most terms `expand_products` builds before it gives up (it only keeps a smaller result).
MAX_TERMS = 32


@dataclass(frozen=True, slots=True)
class Monomial:
    """``number * ∏ base^exponent`` with the bases in first-seen order; ``count`` factors were read."""

    number: Value
    powers: tuple[tuple[Expr, Value], ...]
    count: int
    numbers: int


def _factors(e: Expr, k: Value, out: list[tuple[Expr, Value]], nums: list[Value]) -> None:
    """Append the factors of ``e^k`` to ``out`` (numbers to ``nums``)."""
    match e:
        case Number(value=v) if (k == 1 or isinstance(k, int)) and not (v == 0 and k < 0):  # 0^-1: a base
            exact = not isinstance(v, float) and v != 0  # 3^-1 is 1/3, not 0.333...
            nums.append(v if k == 1 else int_if_whole(Fraction(v) ** k) if exact else v**k)
        case Ones():
            pass
        case Scale(coef=a, body=b) | Hadamard(factors=(a, b)):
            _factors(a, k, out, nums)
            _factors(b, k, out, nums)
        case Hadamard(factors=fs):
            for f in fs:
                _factors(f, k, out, nums)
        case ElemDiv(num=a, den=b) if not (isinstance(b, Number) and b.value == 0):
            _factors(a, k, out, nums)
            _factors(b, -k, out, nums)
        case Power(base=b, exponent=Number(value=j)) if isinstance(j, (int, Fraction)):
            out.append((b, _times(j, k)))
        case Apply(func="sqrt", arg=b):
            out.append((b, int_if_whole(HALF * Fraction(k))))
        case _:
            out.append((e, k))


@memoized
def monomial(e: Expr) -> Monomial:
    """``e`` read as a number times powers of bases, equal bases merged.

    Memoized while the rewrite runs (`matcalc.rewrite.memoized`): several rules read the
    same product.
    """
    found: list[tuple[Expr, Value]] = []
    nums: list[Value] = []
    _factors(e, 1, found, nums)
    charge(len(found) + len(nums))  # reading a product costs like building one (matcalc.limits)
    number: Value = 1
    for v in nums:
        number = _times(number, v)
    powers: dict[Expr, Value] = {}
    for base, k in found:
        powers[base] = exponent_sum(powers.get(base, 0), k)
    return Monomial(number, tuple((b, k) for b, k in powers.items() if k != 0), len(found), len(nums))


def _times(a: Value, b: Value) -> Value:
    if type(a) is int and type(b) is int:  # (most exponents and numbers: no Fraction to build)
        return a * b
    if isinstance(a, float) or isinstance(b, float):
        return float(a) * float(b)
    return int_if_whole(Fraction(a) * Fraction(b))


def _product(items: list[Expr]) -> Expr | None:
    out: Expr | None = None
    for f in items:
        if out is None:
            out = f
        else:
            out = build.mul(out, f) if out.is_scalar or f.is_scalar else build.hadamard(out, f)
    return out


def rebuild(number: Value, powers: Sequence[tuple[Expr, Value]], like: Expr) -> Expr:
    """``number * ∏ base^k`` as a product over a quotient, with the shape and orientation of ``like``."""
    top = _product([power(b, k) for b, k in powers if k > 0])
    bottom = _product([power(b, -k) for b, k in powers if k < 0])
    if bottom is not None and _split(number):  # one fraction: x/(2*c), not x/c/2
        assert isinstance(number, Fraction)
        bottom, number = build.mul(build.number(number.denominator), bottom), number.numerator
    out = top if top is not None else build.number(1)
    if bottom is not None:
        out = build.elem_div(out, bottom)
    out = build.mul(build.number(number), out)
    if out.is_scalar and not like.is_scalar:
        out = build.mul(out, build.ones(like.shape, like.row))
    return out


_PRODUCTS = (Hadamard, ElemDiv, Scale, Power)


@rule(Pat(_PRODUCTS, name="e", where=lambda e: not e.is_scalar),
      example="X.*Y./Y.^4+diag(p.^2./q.^2./(p./q))", kinds={"p": "vector", "q": "vector"})
def merge_powers(e: Expr) -> Expr | None:
    """Powers of one base merged in an elementwise product: u^a ∘ u^b = u^(a+b), numbers folded.

    The denominator of an exact number goes below the line of a quotient (``x/(2*c)``).
    Terminates: fewer factors (a base that occurred twice occurs once), or the number placed.
    """
    m = monomial(e)
    placed = not (_split(m.number) and any(k < 0 for _, k in m.powers))  # no number over a quotient
    if len(m.powers) == m.count and m.numbers <= 1 and placed:
        return None
    return rebuild(m.number, m.powers, e)  # the same node (nothing to place) counts as no rewrite


def _split(number: Value) -> bool:
    """True for an exact fraction p/q (q > 1): over a quotient, q goes below the line."""
    return isinstance(number, Fraction) and number.denominator != 1


def _exp_of(e: Expr) -> Expr | None:
    return e.arg if isinstance(e, Apply) and e.func == "exp" else None


def _softmax_pair(num: Expr, den: Expr) -> Expr | None:
    """softmax(v) for exp(v) over sum(exp(v)), v a column vector."""
    v = _exp_of(num)
    if v is not None and isinstance(den, SumEntries) and den.body is num and v.is_vector and not v.row:
        return build.softmax(v)
    return None


def _ratio(top: str, bottom: str, result: str) -> Callable[[Expr, Expr], Expr | None]:
    def pair(num: Expr, den: Expr) -> Expr | None:
        same = isinstance(num, Apply) and isinstance(den, Apply) and num.arg is den.arg
        if same and num.func == top and den.func == bottom:  # type: ignore[attr-defined]
            return build.apply(result, num.arg)  # type: ignore[attr-defined]
        return None

    return pair


#: Quotients with a name: numerator base, denominator base -> the named function (or None).
QUOTIENTS: tuple[Callable[[Expr, Expr], Expr | None], ...] = (
    _ratio("sinh", "cosh", "tanh"),  # sinh/cosh = tanh
    _ratio("sin", "cos", "tan"),  # sin/cos = tan
    _softmax_pair,  # exp(v)/sum(exp(v)) = softmax(v)
)


@rule(Pat(_PRODUCTS, name="e"), example="sinh(u)./cosh(u)+exp(x)/sum(exp(x))",
      kinds={"u": "vector", "x": "vector"})
def known_quotients(e: Expr) -> Expr | None:
    """Named quotients: sinh(u)/cosh(u) = tanh(u), sin/cos = tan, exp(x)/sum(exp(x)) = softmax(x).

    Terminates: two factors become one.
    """
    m = monomial(e)
    ups = [b for b, k in m.powers if k == 1]
    downs = [b for b, k in m.powers if k == -1]
    for a in ups:
        for b in downs:
            for pair in QUOTIENTS:
                named = pair(a, b)
                if named is not None:
                    rest = [(x, k) for x, k in m.powers if x is not a and x is not b]
                    return rebuild(m.number, [(named, 1), *rest], e)
    return None


def _gated(powers: dict[Expr, Value]) -> dict[Expr, Value] | None:
    """The powers with each ``step(u)`` (exponent k > 0) reduced, or None if none is.

    ``step(u)`` is 0 or 1, so ``step(u)^k = step(u)``; it is 1 where ``relu(u) > 0`` and
    ``relu(u) = 0`` elsewhere, so ``step(u) relu(u)^j = relu(u)^j``, and ``step(u) u^j =
    relu(u)^j`` (j a positive whole number); and ``u^j relu(u)^k = relu(u)^(j+k)`` (k > 0), so
    that ``a*a*step(a)`` and ``a*step(a)*a`` meet in ``relu(a)^2``.
    """
    out = dict(powers)
    for base, k in powers.items():
        if not (isinstance(base, Apply) and base.func == "step") or k <= 0:
            continue
        u = base.arg
        relu = build.apply("relu", u)
        j = out.get(u, 0)
        if out.get(relu, 0) > 0:
            del out[base]
        elif isinstance(j, int) and j > 0:
            del out[base], out[u]
            out[relu] = exponent_sum(out.get(relu, 0), j)
        else:
            out[base] = 1
    for base, k in list(out.items()):  # u^j relu(u)^k = relu(u)^(j+k): both are 0 where u <= 0
        if isinstance(base, Apply) and base.func == "relu" and k > 0:
            j = out.get(base.arg, 0)
            if isinstance(j, int) and j > 0:
                del out[base.arg]
                out[base] = exponent_sum(k, j)
    return None if out == powers else out


@rule(Pat(_PRODUCTS, name="e"), example="relu(u).*step(u)+u.^2.*step(u)+v.*step(w).^3+u.*relu(u)",
      kinds={"u": "vector", "v": "vector", "w": "vector"})
def step_factors(e: Expr) -> Expr | None:
    """step(u) ∘ relu(u)^j = relu(u)^j, step(u) ∘ u^j = relu(u)^j, step(u)^k = step(u); relu(u) absorbs u^j.

    ``2*relu(1-y.*(X*w)).*step(1-y.*(X*w))``, the squared hinge's derivative, is
    ``2*relu(1-y.*(X*w))``.
    Terminates: a step factor is removed or its exponent lowered to 1.
    """
    m = monomial(e)
    gated = _gated(dict(m.powers))
    return None if gated is None else rebuild(m.number, list(gated.items()), e)


Term = tuple[Value, dict[Expr, Value]]


def _merge(a: dict[Expr, Value], b: dict[Expr, Value], cancelled: list[int]) -> dict[Expr, Value]:
    """The product of two monomials' powers; each base whose exponents cancel is counted in ``cancelled``."""
    out = dict(a)
    for base, k in b.items():
        total = exponent_sum(out.get(base, 0), k)
        if total == 0:
            out.pop(base, None)
            cancelled[0] += 1
        else:
            out[base] = total
    return out


def _terms(e: Expr) -> list[Term]:
    """``e`` as a sum of monomials, sums inside products left as bases."""
    if isinstance(e, Add):
        return [t for term in e.terms for t in _terms(term)]
    m = monomial(e)
    return [(m.number, dict(m.powers))]


def _expand(term: Term, out: list[Term], cancelled: list[int]) -> bool:
    """Multiply out the sums of ``term`` (cancelling bases as it goes) into ``out``; False if too many."""
    number, powers = term
    sums = [b for b, k in powers.items() if isinstance(b, Add) and k == 1]
    if not sums:
        out.append(term)
        return len(out) <= MAX_TERMS
    # a sum whose terms cancel a base of the rest goes first: in (1-s)∘(a⊘(1-s) + b), not (1-s)
    first = max(sums, key=lambda s: _cancellations(s, powers))
    rest = {b: k for b, k in powers.items() if b is not first}
    parts = ((_times(number, n), _merge(rest, p, cancelled)) for n, p in _terms(first))
    return all(_expand(part, out, cancelled) for part in parts)


def _cancellations(s: Expr, powers: dict[Expr, Value]) -> int:
    """How many terms of the sum ``s`` have a base whose power has the opposite sign in ``powers``."""
    count = 0
    for _, p in _terms(s):
        count += any(b is not s and _opposite(k, powers.get(b, 0)) for b, k in p.items())
    return count


def _opposite(a: Value, b: Value) -> bool:
    return a != 0 and b != 0 and (a > 0) != (b > 0)


def _collect(terms: list[Term]) -> list[Term]:
    groups: dict[frozenset[tuple[int, Value]], Term] = {}
    for number, powers in terms:
        key = frozenset((id(b), k) for b, k in powers.items())
        old = groups.get(key)
        groups[key] = (number if old is None else exponent_sum(old[0], number), powers)
    return [t for t in groups.values() if t[0] != 0]


def _has_sum_factor(e: Expr) -> bool:
    if isinstance(e, Add):
        return any(_has_sum_factor(t) for t in e.terms)
    return any(isinstance(b, Add) for b, k in monomial(e).powers if k == 1)


@rule(Pat((Add, Hadamard, ElemDiv, Scale), name="e", where=_has_sum_factor),
      example="s.*(1-s).*((1-y)./(1-s)-y./s)+x", kinds={"s": "vector", "x": "vector", "y": "vector"})
def expand_products(e: Expr) -> Expr | None:
    """Products of sums multiplied out, bases cancelled, like terms collected, when that is shorter.

    ``s∘(1-s)∘((1-y)⊘(1-s) - y⊘s) = s - y``.  Only when something cancels (a base
    against its inverse, or terms against each other): a plain distribution is what
    the common-factor rules undo.
    Terminates: the result is strictly cheaper: fewer operators printed, or as many and
    fewer FLOPs to evaluate (`matcalc.rules.cost.cheaper`).
    """
    expanded: list[Term] = []
    cancelled = [0]
    for term in _terms(e):
        if not _expand(term, expanded, cancelled):
            return None
    collected = _collect(expanded)
    if not cancelled[0] and len(collected) == len(expanded):
        return None  # only distributed: the common-factor rules would take it back
    if not collected:
        return build.zeros(e.shape, e.row)
    parts = [rebuild(n, list(p.items()), e) for n, p in collected]
    out = parts[0]
    for p in parts[1:]:
        out = build.add(out, p)
    return out if cheaper(out, e) else None
