"""Numerical evaluation of a matrix-level expression with NumPy.

`evaluate` binds every dimension of an expression to a size taken from the
arrays given for its symbols (checking that they agree with each other and
with the symbols' kinds, `matcalc.values`), then computes each distinct node of the DAG once,
children before parents, without recursion.

Conventions: a vector is a 1-D array whether the expression holds it as a row
or as a column (the node's ``row`` flag decides what a product means); a
scalar result is a Python ``float``.  ``logdet(X)`` is ``log|det X|`` (from
`numpy.linalg.slogdet`), which is what its derivative ``inv(X)'`` describes
for any invertible ``X``.  Floating-point trouble in elementwise functions
(``log`` of a negative number, division by zero) gives ``nan``/``inf`` with
NumPy's usual warning; a singular matrix where an inverse is needed raises
`EvaluationError`.  Logarithms and quotients that have a numerically stable
form (`matcalc.stable`: ``log(sigmoid(t))`` at t = -800, ``log(normcdf(u))``
at u = -40, ``exp(-u^2/2)./normcdf(u)``) are computed in that form, as
generated code computes them.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import numpy as np

from matcalc import spectral
from matcalc.contraction import plan
from matcalc.dims import Dim
from matcalc.errors import EvaluationError, ShapeError
from matcalc.expr import (
    Add,
    Apply,
    Call,
    Commutation,
    ElemDiv,
    Expr,
    Hadamard,
    Identity,
    IndexForm,
    MatFun,
    MatMul,
    MatPow,
    Number,
    Ones,
    PairIndex,
    Polygamma,
    Power,
    Scale,
    Spectral,
    Symbol,
    Transpose,
    Zero,
    children,
    walk,
)
from matcalc.ops import ELEMENTWISE
from matcalc.ops.gamma import POLYGAMMA
from matcalc.ops.matrix import NODE_TYPES, matrix_function
from matcalc.ops.primary import PRIMARY_FUNCTIONS
from matcalc.ops.spectral import SPECTRAL_OPS
from matcalc.stable import stable_form
from matcalc.values import Array, Value, as_real_array, bind_dims, by_name, calls_first, checked_arrays

if TYPE_CHECKING:
    from matcalc.index import Idx, Term

__all__ = ["evaluate"]



def evaluate(
    expr: Expr, values: Mapping[Any, Any] | None = None, *, check_symmetric: bool = True
) -> Array | float:
    """The value of ``expr`` for the given values of its symbols.

    Args:
        expr: the expression.
        values: a value for every symbol of ``expr``, keyed by name or by `Symbol`:
            a real number (or 0-d array) for a scalar, a 1-D array for a vector
            (row or column alike), a 2-D array for a matrix, a symmetric 2-D
            array for a symmetric matrix.  Anything `numpy.asarray` turns into
            real numbers is accepted.  Values for other names are ignored,
            except that they give the size of a dimension named after them
            (the derivative ``ones`` of ``sum(x)`` by ``x`` has the length of x).
        check_symmetric: check that the values of symmetric symbols are
            symmetric (finite differences perturb one entry at a time).

    Returns:
        A ``float`` for a scalar expression, else a new float64 array.

    Raises:
        EvaluationError: a value is missing or not real numbers, a symmetric
            value is not symmetric, a matrix to invert is singular, or the
            size of a dimension (of ``eye``, ``vector(c)``, ``matrix(c)``)
            cannot be inferred.
        ShapeError: an array has the wrong number of axes for its symbol's
            kind, or two arrays disagree on a dimension the expression shares.
    """
    if not isinstance(expr, Expr):
        hint = " (parse text first with matcalc.parse)" if isinstance(expr, str) else ""
        raise EvaluationError(f"evaluate needs an expression, got {type(expr).__name__}{hint}")
    nodes = calls_first(list(walk(expr)))
    given = by_name(values or {})
    arrays = checked_arrays(nodes, given, check_symmetric)
    env = _Env(arrays, bind_dims(nodes, arrays, given), given)
    for call in (e for e in nodes if isinstance(e, Call)):  # first: they bind the sizes of their values
        _compute(call, env)
    result = _compute(expr, env)
    if np.ndim(result) == 0:
        return float(result)
    return np.array(result, dtype=np.float64)  # a copy: never an alias of an input


def _compute(root: Expr, env: _Env) -> Value:
    """The value of ``root``, and of every node it needs, into ``env.memo`` (each once, no recursion).

    A node with a numerically stable form (`matcalc.stable`: ``log(sigmoid(t))``,
    ``exp(a)./normcdf(u)`` ...) takes the value of that form, built from the
    nodes it is made of; the node's own children are then not computed unless
    something else needs them (``exp(800)`` in ``log(1+exp(800))`` is not).
    """
    memo, stable = env.memo, env.stable
    stack = [root]
    while stack:
        e = stack[-1]
        if e in memo:
            stack.pop()
            continue
        if e not in stable:
            stable[e] = stable_form(e)
        form = stable[e]
        needs = (form,) if form is not None else tuple(children(e))
        missing = [k for k in needs if k not in memo]
        if missing:
            stack.extend(reversed(missing))
            continue
        stack.pop()
        if form is not None:
            memo[e] = memo[form]
            continue
        rule = _RULES.get(type(e))
        if rule is None:  # pragma: no cover - tests check that _RULES covers expr.Node
            raise NotImplementedError(f"no evaluation rule for {type(e).__name__}")
        memo[e] = rule(e, [memo[k] for k in needs], env)
    return memo[root]


@dataclass(frozen=True, slots=True)
class _Env:
    """What the rules need besides the children's values."""

    arrays: Mapping[str, Value]
    sizes: dict[Dim, int]  # an abstract function's value sizes are bound when it is called
    given: Mapping[str, Any]
    memo: dict[Expr, Value] = field(default_factory=dict)  # keyed by the node (kept alive), never id()
    stable: dict[Expr, Expr | None] = field(default_factory=dict)  # each node's stable form, or None

    def shape(self, e: Expr) -> tuple[int, ...]:
        return tuple(self.sizes[d] for d in e.shape)


# ---- the rules: one per node class ----------------------------------------------------------------

Rule: TypeAlias = Callable[[Any, list[Value], _Env], Value]


def _symbol(e: Symbol, args: list[Value], env: _Env) -> Value:
    return env.arrays[e.name]


def _number(e: Number, args: list[Value], env: _Env) -> Value:
    return np.float64(e.value)


def _zero(e: Zero, args: list[Value], env: _Env) -> Value:
    return np.zeros(env.shape(e))


def _ones(e: Ones, args: list[Value], env: _Env) -> Value:
    return np.ones(env.shape(e))


def _identity(e: Identity, args: list[Value], env: _Env) -> Value:
    return np.eye(env.sizes[e.shape[0]])


def _commutation(e: Commutation, args: list[Value], env: _Env) -> Value:
    """``K_pq``: 1 at row ``b + q*a``, column ``a + p*b``; ``N_n = (I + K_nn)/2``."""
    p, q = (env.sizes[d] for d in e.parts)
    k = np.eye(p * q).reshape(q, p, p * q).transpose(1, 0, 2).reshape(p * q, p * q)
    return _sized(e, (np.eye(p * q) + k) / 2 if e.symmetric else k, env)


def _add(e: Add, args: list[Value], env: _Env) -> Value:
    return functools.reduce(operator.add, args)


def _hadamard(e: Hadamard, args: list[Value], env: _Env) -> Value:
    return functools.reduce(operator.mul, args)


def _scale(e: Scale, args: list[Value], env: _Env) -> Value:
    coef, body = args
    return coef * body


def _matmul(e: MatMul, args: list[Value], env: _Env) -> Value:
    """The product, each vector lifted to a 1-by-n (row) or n-by-1 (column) matrix.

    Lifting makes column·row an outer product and row·column an inner product
    without case analysis; `numpy.linalg.multi_dot` picks the cheapest order.
    """
    lifted = [_lift(v, f) for v, f in zip(args, e.factors, strict=True)]
    product = lifted[0] @ lifted[1] if len(lifted) == 2 else np.linalg.multi_dot(lifted)
    return np.float64(product[0, 0]) if e.ndim == 0 else product.reshape(env.shape(e))


def _lift(value: Value, factor: Expr) -> Array:
    arr = np.asarray(value)
    if factor.ndim == 2:
        return arr
    if factor.ndim == 1:
        return arr.reshape((1, -1) if factor.row else (-1, 1))
    raise AssertionError(f"matrix product factor of {factor.ndim} axes")  # build.matmul forbids it


def _transpose(e: Transpose, args: list[Value], env: _Env) -> Value:
    (body,) = args
    return np.transpose(body)  # a 1-D array is its own transpose


def _elem_div(e: ElemDiv, args: list[Value], env: _Env) -> Value:
    num, den = args
    return num / den


def _power(e: Power, args: list[Value], env: _Env) -> Value:
    base, exponent = args
    return np.power(base, exponent)


def _apply(e: Apply, args: list[Value], env: _Env) -> Value:
    (arg,) = args
    value: Value = ELEMENTWISE[e.func].numpy(arg)
    return value


def _pair_index(e: PairIndex, args: list[Value], env: _Env) -> Value:
    """δ[r, (a, b)]: row r of the identity, read as an |a| x |b| array (row-major: b the faster)."""
    whole, slow, fast = env.shape(e)
    if whole != slow * fast:
        raise ShapeError(f"a Kronecker product or vec has {whole} entries along an axis where its "
                         f"operands give {slow} x {fast} = {slow * fast}")
    return np.eye(whole).reshape(whole, slow, fast)


def _sized(e: Expr, value: Array, env: _Env) -> Value:
    """``value`` if it has the shape the expression gives ``e`` (a product dimension unified with another)."""
    want = env.shape(e)
    if value.shape != want:
        raise ShapeError(
            f"{e} has shape {value.shape} from its operands, but the expression needs {want} "
            "(its size is shared with another operand)"
        )
    return value


def _polygamma(e: Polygamma, args: list[Value], env: _Env) -> Value:
    (arg,) = args
    value: Value = POLYGAMMA.numpy(e.order, arg)  # the record's value (SciPy's gammaln, psi, polygamma)
    return value


def _call(e: Call, args: list[Value], env: _Env) -> Value:
    fn = _function(e, env.given)
    text = e.function
    try:
        out = fn(*(np.array(a, dtype=np.float64) for a in args))
    except Exception as err:  # the user's code: whatever it raises is a failed evaluation
        raise EvaluationError(f"{text}(...) raised {type(err).__name__}: {err}") from None
    if out is None:
        raise EvaluationError(f"{text}(...) returned None, not an array of numbers")
    value = as_real_array(f"{text}(...)", out)
    if value.ndim != e.ndim:
        raise ShapeError(
            f"{text} returned shape {value.shape}, but its value there has {e.ndim} axes"
        )
    for dim, size in zip(e.shape, value.shape, strict=True):
        if env.sizes.setdefault(dim, size) != size:
            raise ShapeError(
                f"{text} returned shape {value.shape}, "
                f"which does not fit the shape {tuple(env.sizes.get(d) for d in e.shape)} it needs"
            )
    return np.float64(value[()]) if value.ndim == 0 else value


def _function(e: Call, given: Mapping[str, Any]) -> Any:
    """The callable for ``e``, from ``values``.

    ``values["grad(L)"]`` (the derivative's text) is looked up first.  Then
    ``values["L"]``: for a function of one argument, a callable (the function)
    or a sequence ``(L, its derivative, ...)`` indexed by order; for a function
    of several, a callable or a mapping indexed by tuples of 1-based argument
    numbers (``()`` the function, ``(1, 2)`` the mixed partial ∂₁∂₂).
    """
    text = e.function
    if text in given and callable(given[text]):
        return given[text]
    value = given.get(e.name)
    if callable(value) and e.order == 0:
        return value
    if len(e.args) == 1 and isinstance(value, (tuple, list)):
        if len(value) > e.order and callable(value[e.order]):
            return value[e.order]
    elif len(e.args) > 1 and value is not None and not callable(value):
        try:
            found = value[tuple(p + 1 for p in e.partials)]
        except (KeyError, IndexError, TypeError):
            found = None
        if callable(found):
            return found
    what = "the function" if e.order == 0 else f"its derivative {text}"
    how = (
        "a tuple (F, its derivative, ...)"
        if len(e.args) == 1
        else "a dict {(): f, (1,): its partial by argument 1, (1, 2): ...}"
    )
    raise EvaluationError(
        f"no callable for {what}: give values['{e.name}'] = a callable, or {how}"
        + (f", or values['{text}']" if e.order else "")
    )


def _matpow(e: MatPow, args: list[Value], env: _Env) -> Value:
    (body,) = args
    try:
        return np.linalg.matrix_power(body, e.k)
    except np.linalg.LinAlgError:
        raise EvaluationError(f"{_text(e)}: matrix is singular") from None


def _text(e: Expr, width: int = 60) -> str:
    """``str(e)`` shortened to ``width`` for a message (never built if its tree is huge)."""
    size: dict[int, int] = {}
    for n in walk(e):  # tree size of a DAG, capped: shared subexpressions print once per use
        size[id(n)] = min(10_000, 1 + sum(size[id(k)] for k in children(n)))
    if size[id(e)] >= 10_000:
        return f"a {type(e).__name__} of {size[id(e)]}+ nodes"
    text = str(e)
    return text if len(text) <= width else text[: width - 3] + "..."


def _matrix_function(e: Expr, args: list[Value], env: _Env) -> Value:
    """A named matrix function (``tr``, ``inv``, ``softmax``, ``kron`` ...), by its record's NumPy value."""
    body = args[0] if len(args) == 1 else tuple(args)  # kron: the pair of its operands' values
    try:
        value = matrix_function(e).numpy(e, body, env.shape(e))  # type: ignore[misc]
    except np.linalg.LinAlgError:
        raise EvaluationError(f"{_text(e)}: matrix is singular") from None
    return _sized(e, value, env)


def _matfun(e: MatFun, args: list[Value], env: _Env) -> Value:
    # f(X) or its Fréchet derivative, from the values of X, the exponent c (X^c) and the directions
    body, *rest = (np.asarray(a, dtype=np.float64) for a in args)
    params, dirs = rest[: len(e.params)], rest[len(e.params) :]
    c = float(params[0]) if params else 1.0
    return spectral.frechet_kernel(PRIMARY_FUNCTIONS[e.func], body, dirs, e.order - len(dirs), c)


def _spectral(e: Spectral, args: list[Value], env: _Env) -> Value:
    (body,) = args
    value = np.asarray(SPECTRAL_OPS[e.kind].value(np.asarray(body, dtype=np.float64)), dtype=np.float64)
    return np.float64(value) if value.ndim == 0 else value


def _index_form(e: IndexForm, args: list[Value], env: _Env) -> Value:
    """The sum of the terms, each an `numpy.einsum` over the free indices."""
    ix = e.tensor
    bases = {id(base): value for base, value in zip(ix.bases(), args, strict=True)}
    total: Value = np.zeros(env.shape(e))
    for t in ix.terms:
        total = total + _einsum_term(t, ix.free, bases, env)
    return np.float64(total) if e.ndim == 0 else total


def _einsum_term(t: Term, free: tuple[Idx, ...], bases: Mapping[int, Value], env: _Env) -> Value:
    """One term: deltas contracted by merging their indices, then one einsum.

    ``δ[a, b]`` with ``b`` summed merges ``b`` into ``a`` (the sum over ``b``
    picks ``b = a``); only a delta between two free indices becomes an identity
    matrix.  An index left in no operand is a sum of ones: a factor of its size.
    """
    p = plan(((bases[id(f.base)], f.indices) for f in t.factors), t.deltas, free)
    operands: list[tuple[Any, list[Idx]]] = [*p.operands]
    operands += [(np.eye(env.sizes[a.dim]), [a, b]) for a, b in p.eyes]
    coef = np.float64(t.coef)
    for i in p.unused:
        if i in p.out:
            operands.append((np.ones(env.sizes[i.dim]), [i]))
        else:
            coef = coef * env.sizes[i.dim]
    if not operands:
        return coef
    number = {i: n for n, i in enumerate(dict.fromkeys(i for _, idx in operands for i in idx))}
    spec = [x for arr, idx in operands for x in (arr, [number[i] for i in idx])]
    result = np.einsum(*spec, [number[i] for i in free], optimize=len(operands) > 2)
    return np.asarray(coef * result, dtype=np.float64)


#: The evaluation rule of every node class (tests check it covers `matcalc.expr.Node`).
_RULES: Final[Mapping[type[Expr], Rule]] = {
    Symbol: _symbol, Number: _number, Zero: _zero, Ones: _ones, Identity: _identity,
    Add: _add, Scale: _scale, MatMul: _matmul, Transpose: _transpose, Hadamard: _hadamard,
    ElemDiv: _elem_div, Power: _power, Apply: _apply, MatPow: _matpow, Polygamma: _polygamma,
    PairIndex: _pair_index, Commutation: _commutation,
    IndexForm: _index_form, Call: _call, MatFun: _matfun, Spectral: _spectral,
    **dict.fromkeys(NODE_TYPES, _matrix_function),  # tr, det, inv, diag, softmax, max ...: their records
}  # fmt: skip
