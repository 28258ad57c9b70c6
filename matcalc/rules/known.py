"""Known values and forms: the rules that make a result read as a paper writes it.

- `sigmoid_complement`: ``1-sigmoid(-u)`` is ``sigmoid(u)`` (unless ``sigmoid(-u)`` is at hand);
- `softmax_total`: the entries of ``softmax(x)`` sum to 1;
- `softmax_lines_total`: each row of ``softmax(X, 2)`` (column of ``softmax(X, 1)``) sums to 1;
- `sum_of_constant`: ``sum(u + c)`` is ``sum(u) + c*size(u, 1)``;
- `ones_dot`: a product with a vector of ones is a sum of entries;
- `trace_of_outer`: ``tr(P*u*v'*Q)`` is the scalar ``v'*Q*P*u``;
- `scalar_transposed`: a scalar product read backwards when that drops transposes
  (``x'*M'*x`` is ``x'*M*x``);
- `norm_of_nonnegative`: ``norm2(s)`` of a scalar that cannot be negative is ``s``;
- `size_of_symbol`: ``size(e, k)`` names a symbol with that dimension.
"""

from __future__ import annotations

from collections.abc import Callable

from matcalc import axes, build
from matcalc.expr import (
    Add,
    Apply,
    ElemDiv,
    Expr,
    Hadamard,
    MatMul,
    MatPow,
    Norm,
    Number,
    Ones,
    Power,
    Scale,
    Size,
    Softmax,
    SumEntries,
    Symbol,
    Trace,
    Transpose,
)
from matcalc.ops import ELEMENTWISE
from matcalc.rewrite import Pat, rule
from matcalc.rules.common import col, is_one, product, total
from matcalc.rules.cost import operators
from matcalc.rules.order import reading_key
from matcalc.rules.signs import flipped

__all__ = [
    "nonnegative",
    "norm_of_nonnegative",
    "ones_dot",
    "scalar_transposed",
    "sigmoid_complement",
    "size_of_symbol",
    "softmax_lines_total",
    "softmax_total",
    "sum_of_constant",
    "sum_of_ones_product",
    "trace_of_ones_product",
    "trace_of_outer",
]


def _hadamard(fs: list[Expr]) -> Expr:
    out = fs[0]
    for f in fs[1:]:
        out = build.hadamard(out, f)
    return out


def _complement_of(t: Expr) -> Expr | None:
    """``u`` for ``1 - sigmoid(-u)``, else None."""
    if isinstance(t, Add) and len(t.terms) == 2 and is_one(t.terms[0]):
        s = t.terms[1]
        minus = isinstance(s, Scale) and isinstance(s.coef, Number) and s.coef.value == -1
        if minus and isinstance(s.body, Apply) and s.body.func == "sigmoid":  # type: ignore[attr-defined]
            return flipped(s.body.arg)  # type: ignore[attr-defined]
    return None


@rule(Pat(Hadamard, name="h", having=(Add,)), example="x.*(1-sigmoid(-2*u))",
      kinds={"u": "vector", "x": "vector"})
def sigmoid_complement(h: Hadamard) -> Expr | None:
    """1 - sigmoid(-u) = sigmoid(u), as a factor of a product that does not also hold sigmoid(-u).

    Next to sigmoid(-u), the complement 1 - sigmoid(-u) reuses it (the same count of
    operators with the shared subexpression named once, and fewer to evaluate).
    Terminates: removes a term and a sign.
    """
    for n, f in enumerate(h.factors):
        u = _complement_of(f)
        if u is not None and f.terms[1].body not in h.factors:  # type: ignore[attr-defined]
            fs = [*h.factors[:n], build.apply("sigmoid", u), *h.factors[n + 1 :]]
            return _hadamard(fs)
    return None


def _constant(t: Expr) -> Expr | None:
    """``c`` for a term ``c*1`` (an array of ones times a scalar), else None."""
    if isinstance(t, Ones):
        return build.number(1)
    if isinstance(t, Scale) and isinstance(t.body, Ones):
        return t.coef
    return None


@rule(Pat(SumEntries, body=Pat(Add, name="s")), example="sum(x-sum(x)/c)",
      kinds={"x": "vector", "c": "scalar"})
def sum_of_constant(s: Add) -> Expr | None:
    """sum(u + c 1) = sum(u) + c n: a constant term leaves a sum of entries as the count times it.

    Terminates: removes an array of ones from inside the sum.
    """
    for n, t in enumerate(s.terms):
        c = _constant(t)
        if c is not None:
            count = product([axes.size(s, k + 1) for k in range(s.ndim)])
            rest = [x for k, x in enumerate(s.terms) if k != n]
            return build.add(build.mul(c, count), build.sum_entries(total(rest)))
    return None


@rule(Pat(SumEntries, body=Pat(Softmax, where=lambda e: e.axis == 0)), example="sum(softmax(x))*A")
def softmax_total() -> Expr:
    """sum(softmax(x)) = 1.

    Terminates: a number replaces the sum.
    """
    return build.number(1)


@rule(Pat(MatMul, name="m", having=(Softmax, Ones)),
      example="A*softmax(X, 2)*vector(1)+(vector(1)'*softmax(X, 1))'",
      kinds={"A": "matrix", "X": "matrix"})
def softmax_lines_total(m: MatMul) -> Expr | None:
    """softmax(X, 2)*1 = 1 and 1'*softmax(X, 1) = 1': each row (column) of a row (column) softmax sums to 1.

    Terminates: removes a factor of a product.
    """
    fs = m.factors
    for n in range(len(fs) - 1):
        a, b = fs[n], fs[n + 1]
        if isinstance(a, Softmax) and a.axis == 2 and isinstance(b, Ones) and b.is_vector and not b.row:
            return product([*fs[:n], build.ones(a.shape[:1]), *fs[n + 2 :]])
        if isinstance(b, Softmax) and b.axis == 1 and _is_ones_row(a):
            return product([*fs[:n], build.ones(b.shape[1:], row=True), *fs[n + 2 :]])
    return None


def _is_ones_row(f: Expr) -> bool:
    return isinstance(f, Ones) and f.is_vector and f.row


@rule(Pat(MatMul, name="m", having=(Ones,)), example="vector(1)'*(A*x)+x'*vector(1)", kinds={"x": "vector"})
def ones_dot(m: MatMul) -> Expr | None:
    """1'v = v'1 = sum(v).

    Terminates: removes a product.
    """
    fs = m.factors
    if not m.is_scalar:
        return None
    if _is_ones_row(fs[0]):
        return build.sum_entries(product(list(fs[1:])))
    if isinstance(fs[-1], Ones):
        return build.sum_entries(col(product(list(fs[:-1]))))
    return None


def _ones_at_ends(fs: tuple[Expr, ...], accept: Callable[[Ones, bool], bool]) -> list[Expr] | None:
    """The other factors of a product with an array of ones at one end that ``accept`` takes, else None.

    ``accept(ones, first)`` is asked of the first factor (``first`` True), then of the last.
    """
    if len(fs) < 2:
        return None
    if isinstance(fs[0], Ones) and accept(fs[0], True):
        return list(fs[1:])
    if isinstance(fs[-1], Ones) and accept(fs[-1], False):
        return list(fs[:-1])
    return None


def _summing_vector(ones: Ones, first: bool) -> bool:
    """A row of ones in front (``1'P``: column sums) or a column of ones behind (``P1``: row sums)."""
    return ones.is_vector and ones.row == first


@rule(Pat(SumEntries, body=Pat(MatMul, name="m")), example="sum(A*vector(1))+sum(vector(1)'*B*matrix(1))")
def sum_of_ones_product(m: MatMul) -> Expr | None:
    """sum(P 1) = sum(1' P) = sum(P): the row sums (column sums) of P sum to the sum of P.

    Terminates: removes a factor.
    """
    rest = _ones_at_ends(m.factors, _summing_vector)
    return None if rest is None else build.sum_entries(product(rest))


def _factors(m: MatMul | MatPow) -> tuple[Expr, ...]:
    """The factors of a product; of a matrix power ``B^k`` (k > 1), ``B`` and ``B^(k-1)``."""
    if isinstance(m, MatPow):
        return (m.body, build.matpow(m.body, m.k - 1)) if m.k > 1 else (m,)
    return m.factors


@rule(Pat(Trace, body=Pat((MatMul, MatPow), name="m")),
      example="tr(matrix(1)*A)+tr(B*matrix(1))+tr(matrix(1)^3)")
def trace_of_ones_product(m: MatMul | MatPow) -> Expr | None:
    """tr(1 P) = tr(P 1) = sum(P): Σ_i Σ_j 1[i,j] P[j,i] counts each entry of P once.

    A power of ones is such a product: tr(1^k) = sum(1^(k-1)).
    Terminates: removes the trace.
    """
    if isinstance(m, MatPow) and not isinstance(m.body, Ones):
        return None  # (no power built for nothing)
    rest = _ones_at_ends(_factors(m), lambda ones, first: ones.is_matrix)
    return None if rest is None else build.sum_entries(product(rest))


@rule(Pat(Trace, body=Pat(MatMul, name="m")), example="tr(A*x*y'*B)", kinds={"x": "vector", "y": "vector"})
def trace_of_outer(m: MatMul) -> Expr | None:
    """tr(P u v' Q) = v' Q P u: a trace of an outer product is a scalar product.

    Terminates: removes the trace.
    """
    fs = m.factors
    for n in range(len(fs) - 1):
        u, v = fs[n], fs[n + 1]
        if u.is_vector and not u.row and v.is_vector and v.row:
            return product([v, *fs[n + 2 :], *fs[:n], u])
    return None


def _flipped(f: Expr) -> Expr:
    """``f'`` with the transpose taken into powers and scales (``(M'^2)'`` is ``M^2``)."""
    match f:
        case Transpose(body=b):
            return b
        case MatPow(body=b, k=k):
            return build.matpow(_flipped(b), k)
        case Scale(coef=c, body=b):
            return build.scale(c, _flipped(b))
    return build.transpose(f)


def _backwards(m: MatMul) -> Expr:
    return product([_flipped(f) for f in reversed(m.factors)])


@rule(Pat(MatMul, name="m", where=lambda m: m.is_scalar), example="x'*inv(A)'*B'*y",
      kinds={"x": "vector", "y": "vector"})
def scalar_transposed(m: MatMul) -> Expr | None:
    """A scalar read backwards, u' M v = v' M' u, when that prints fewer operators.

    When both readings print the same operators, the one whose symbols come
    first in reading order is kept (`matcalc.rules.order.reading_key`), so the
    two spellings of one bilinear form are one node and collect:
    ``x'*S*y + y'*S*x`` is ``2*x'*S*y`` for a symmetric ``S``, ``x'*y + y'*x``
    is ``2*x'*y``.
    Terminates: strictly fewer operators, or as many and a strictly smaller key.
    """
    other = _backwards(m)
    memo: dict[Expr, int] = {}
    ours, theirs = operators(m, memo), operators(other, memo)
    if theirs < ours or (theirs == ours and reading_key(other) < reading_key(m)):
        return other
    return None


def nonnegative(e: Expr) -> bool:
    """True when ``e`` cannot be negative, by its form (a sufficient test)."""
    match e:
        case Number(value=v):
            return v >= 0
        case MatMul(factors=(a, b)):
            return a.is_vector and a.row and col(a) is b
        case Power(base=b, exponent=Number(value=k)):
            return (float(k).is_integer() and int(k) % 2 == 0) or nonnegative(b)
        case Norm() | Ones():
            return True
        case Apply(func=f, arg=a):
            return f in ELEMENTWISE and ELEMENTWISE[f].range[0] >= 0
        case Add(terms=fs) | Hadamard(factors=fs):
            return all(nonnegative(f) for f in fs)
        case Scale(coef=a, body=b) | ElemDiv(num=a, den=b):
            return nonnegative(a) and nonnegative(b)
        case SumEntries(body=b) | Transpose(body=b):
            return nonnegative(b)
    return False


@rule(Pat(Norm, name="n", where=lambda n: n.body.is_scalar), example="norm2(x'*x)+norm1(exp(a))",
      kinds={"x": "vector", "a": "scalar"})
def norm_of_nonnegative(n: Norm) -> Expr | None:
    """|s| = s for a scalar s that cannot be negative (x'x, exp(a), u^2).

    Terminates: removes the norm.
    """
    return n.body if nonnegative(n.body) else None


@rule(Pat(Size, name="s", where=lambda s: not isinstance(s.body, Symbol)), example="size((X*w-y).^2, 1)",
      kinds={"X": "matrix", "w": "vector", "y": "vector"})
def size_of_symbol(s: Size) -> Expr | None:
    """size(e, k) = size(X, j) for a symbol X whose axis j is e's axis k.

    Terminates: the argument becomes a symbol.
    """
    dim = s.body.shape[s.axis - 1]
    named = sorted((x for x in s.body.symbols if isinstance(x, Symbol) and dim in x.shape),
                   key=lambda x: x.name)
    if not named:
        return None
    x = named[0]
    return axes.size(x, x.shape.index(dim) + 1)
