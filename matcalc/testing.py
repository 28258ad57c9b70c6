"""Helpers for checking derivatives numerically; usable by users as well as by our tests.

>>> import matcalc as mc
>>> from matcalc.testing import check_derivative
>>> check_derivative(mc.parse("x'*A*x"), "x").ok
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcalc.codegen.emit import callable_name
from matcalc.diff import diff
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.evaluate import evaluate
from matcalc.expr import FUNCTION_KINDS, Call, Expr, Symbol, walk
from matcalc.kronecker import product_axes

__all__ = [
    "DerivativeCheck", "StandIn", "callable_arguments", "check_derivative", "consistent_sizes",
    "numeric_derivative", "random_values", "stand_in",
]  # fmt: skip


def random_values(
    expr: Expr,
    rng: np.random.Generator | int | None = 0,
    sizes: Mapping[Dim, int] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, np.ndarray | float]:
    """Random values for the symbols of ``expr``, sized consistently (2 to 4 per dimension).

    Square matrices are well conditioned (``3 I + noise``) so that inverses,
    determinants and logdets are tame; symmetric ones are symmetric.  ``ranges``
    gives some symbols (by name) the interval their entries are drawn from
    uniformly, for identities that hold on a domain (``p, q > 0``).
    """
    rng = np.random.default_rng(rng)
    size: dict[Dim, int] = dict(sizes or {})
    values: dict[str, Any] = {}
    for s in expr.symbols:
        for d in s.shape:
            size.setdefault(d, int(rng.integers(2, 5)))
    _products_hold(expr, size, frozenset(sizes or ()))
    for s in expr.symbols:
        if s.kind in FUNCTION_KINDS:
            values[s.name] = stand_in(tuple(size[d] for d in s.shape), rng)
        else:
            values[s.name] = _value(s, size, rng)
    for name, (low, high) in (ranges or {}).items():
        if name in values and not callable(values[name]) and not isinstance(values[name], tuple):
            values[name] = rng.uniform(low, high, np.shape(values[name]))
            if not np.shape(values[name]):
                values[name] = float(values[name])
    return values


def consistent_sizes(exprs: Sequence[Expr], sizes: Mapping[Dim, int]) -> dict[Dim, int]:
    """``sizes`` changed where needed so that each axis of a kron or vec is the product of its parts."""
    out = dict(sizes)
    for e in exprs:
        _products_hold(e, out, frozenset())
    return out


def _products_hold(expr: Expr, size: dict[Dim, int], fixed: frozenset[Dim]) -> None:
    """Sizes for which every axis of a Kronecker product or vec is the product of its operands' axes.

    Such an axis may have been unified with another (the length of ``x`` in
    ``x'*vec(X)``): that dimension takes the product.  Where two products must
    agree (``tr(kron(X, X))`` needs X square), every dimension they are made of
    takes one size.
    """
    rules = [(whole, parts) for e in walk(expr) for whole, parts in product_axes(e)
             if all(p in size for p in parts)]
    if not rules:
        return
    for attempt in range(2):
        if attempt:  # products that must agree: one size for all their parts
            n = min(size[p] for _, parts in rules for p in parts)
            size.update({p: n for _, parts in rules for p in parts if p not in fixed})
        assigned: dict[Dim, int] = {}
        for whole, parts in rules:
            value = math.prod(size[p] for p in parts)
            if assigned.setdefault(whole, value) != value:
                break
        else:
            size.update({d: n for d, n in assigned.items() if d not in fixed})
            return


_SINES = (np.sin, np.cos, lambda t: -np.sin(t), lambda t: -np.cos(t))  # sin and its derivatives


class StandIn(tuple[Callable[..., Any], ...]):
    """A stand-in function: ``(F, DF, D²F, ...)`` for one argument, and ``[(i, j, ...)]`` for several.

    Indexed by a whole number it is the tuple of derivatives of a function of
    one argument; indexed by a tuple of 1-based argument numbers it is the
    partial derivative of a function of several (``[()]`` the function,
    ``[(1, 2)]`` the mixed partial ∂₁∂₂), as `matcalc.evaluate` looks them up.
    """

    shape: tuple[int, ...]
    seed: int

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its shape, seed and number of derivatives (its functions are local ones)."""
        return _stand_in, (self.shape, self.seed, len(self))

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, tuple):
            return _partial(self.shape, self.seed, tuple(sorted(k - 1 for k in key)))
        return super().__getitem__(key)


def stand_in(shape: tuple[int, ...], rng: np.random.Generator, orders: int = 6) -> StandIn:
    """A smooth function with values of ``shape``, and its derivatives (a `StandIn`).

    Of one argument, ``F(u) = A · sin(vec u)`` for random weights ``A``, so
    the k-th derivative is exact: ``A[..., j] sin⁽ᵏ⁾(u_j)`` where all k
    differentiation indices are ``j``, and 0 elsewhere.  Of several, see
    `_partial`.  For an abstract function declared in kinds
    (``"scalar function"``, ...), as `random_values` gives it.
    """
    return _stand_in(tuple(shape), int(rng.integers(2**32)), orders)


def _stand_in(shape: tuple[int, ...], seed: int, orders: int) -> StandIn:
    """The stand-in of ``shape`` drawn from ``seed``; it pickles as these three numbers."""
    weights: dict[int, np.ndarray] = {}

    def a(n: int) -> np.ndarray:
        if n not in weights:
            weights[n] = np.random.default_rng(seed + n).uniform(-1, 1, (*shape, n))
        return weights[n]

    def derivative(k: int) -> Callable[..., Any]:
        def fn(u: Any) -> np.ndarray:
            u = np.asarray(u, dtype=float)
            flat = u.reshape(-1)
            d = _SINES[k % 4](flat)
            if k == 0:
                return np.asarray(a(flat.size) @ d)
            out = np.zeros((*shape, *(flat.size,) * k))
            for j in range(flat.size):
                diagonal: tuple[Any, ...] = (Ellipsis, *(j,) * k)
                out[diagonal] = a(flat.size)[..., j] * d[j]
            return out.reshape((*shape, *u.shape * k))

        return fn

    out = StandIn(derivative(k) for k in range(orders))
    out.shape, out.seed = shape, seed
    return out


def callable_arguments(exprs: Sequence[Expr], values: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
    """The callable parameters generated code takes for ``exprs`` (``grad_L``, ``partial_f_1``).

    Each is looked up in ``values`` (a `StandIn`, or a tuple or dict of
    callables) as `matcalc.evaluate` looks it up.
    """
    out: dict[str, Callable[..., Any]] = {}
    for c in (n for e in exprs for n in walk(e) if isinstance(n, Call)):
        key = tuple(p + 1 for p in c.partials) if len(c.args) > 1 else c.order
        by_text, value = values.get(c.function), values[c.name]
        if c.order and callable(by_text):
            out[callable_name(c)] = by_text
        else:
            out[callable_name(c)] = value if callable(value) and not c.order else value[key]
    return out


#: Terms of the stand-in of a function of several arguments.
_WAVES = 4


def _partial(shape: tuple[int, ...], seed: int, partials: tuple[int, ...]) -> Callable[..., Any]:
    """The partial derivative by ``partials`` (0-based) of a stand-in of several arguments.

    ``F(u_1, ..., u_n) = A · sin(B z + c)`` with ``z`` the entries of all the
    arguments in a row, so every argument affects every other's partial
    (mixed partials are not zero); the partial derivative by the arguments
    ``p_1 ... p_k`` is ``Σ_m A[..., m] sin⁽ᵏ⁾(w_m) B[m, J_1] ... B[m, J_k]``,
    ``J_i`` running over the entries of argument ``p_i``.
    """

    def fn(*us: Any) -> np.ndarray:
        arrays = [np.asarray(u, dtype=float) for u in us]
        if any(p >= len(arrays) for p in partials):
            raise TypeError(f"a partial by argument {max(partials) + 1} of a function of {len(arrays)}")
        z = np.concatenate([u.reshape(-1) for u in arrays])
        rng = np.random.default_rng([seed, z.size, len(arrays)])
        a = rng.uniform(-1, 1, (*shape, _WAVES))
        b = rng.uniform(-1, 1, (_WAVES, z.size))
        c = rng.uniform(-1, 1, _WAVES)
        starts = np.cumsum([0, *(u.size for u in arrays)])
        out = a * _SINES[len(partials) % 4](b @ z + c)
        for p in partials:  # one more axis per differentiation: the argument's entries
            block = b[:, starts[p] : starts[p + 1]]
            out = np.einsum("...m,mj->...mj", out, block)
            out = np.moveaxis(out, -2, -1)  # keep the waves last until they are summed
        out = out.sum(axis=-1)
        return np.asarray(out).reshape((*shape, *(d for p in partials for d in arrays[p].shape)))

    return fn


def _value(s: Symbol, size: Mapping[Dim, int], rng: np.random.Generator) -> np.ndarray | float:
    shape = tuple(size[d] for d in s.shape)
    if not shape:
        return float(rng.uniform(0.5, 1.5))
    if len(shape) == 1:
        return rng.uniform(-1, 1, shape)
    m = rng.uniform(-0.5, 0.5, shape)
    if shape[0] == shape[1]:
        m = m + 3 * np.eye(shape[0])
        if s.kind == "symmetric":
            m = (m + m.T) / 2
    return m


def numeric_derivative(
    f: Expr, wrt: str, values: Mapping[str, np.ndarray | float], step: float = 1e-6
) -> np.ndarray:
    """Central finite differences of ``f`` by ``wrt``, shape ``f.shape + wrt.shape``.

    Entry ``[..., k, l]`` is the change of ``f`` along ``E_kl``: one entry of
    a plain variable, and for a symmetric one the symmetric direction
    ``(e_k e_lᵀ + e_l e_kᵀ)/2`` (``S[k, l]`` and ``S[l, k]`` each by half a step),
    which gives matcalc's convention, the gradient for the trace inner product
    on symmetric matrices (see docs/conventions.md).  ``f`` is only evaluated
    at symmetric values of a symmetric variable.
    """
    x0 = np.asarray(values[wrt], dtype=float)
    f0 = np.asarray(evaluate(f, values), dtype=float)
    symmetric = any(s.name == wrt and s.kind == "symmetric" for s in f.symbols)
    out = np.zeros(f0.shape + x0.shape)
    for pos in np.ndindex(*x0.shape) if x0.shape else [()]:
        direction = np.zeros_like(x0)
        direction[pos] += 0.5 if symmetric else 1.0
        if symmetric:
            direction[pos[::-1]] += 0.5
        fh = np.asarray(evaluate(f, {**values, wrt: x0 + step * direction}), dtype=float)
        fl = np.asarray(evaluate(f, {**values, wrt: x0 - step * direction}), dtype=float)
        out[(..., *pos)] = (fh - fl) / (2 * step)
    return out


@dataclass(frozen=True)
class DerivativeCheck:
    """The outcome of `check_derivative`."""

    ok: bool
    max_error: float
    symbolic: np.ndarray
    numeric: np.ndarray
    derivative: Expr


def check_derivative(
    f: Expr,
    *wrt: str,
    values: Mapping[str, np.ndarray | float] | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    seed: int = 0,
) -> DerivativeCheck:
    """Compare ``diff(f, *wrt)`` with central finite differences at random (or given) values.

    Higher derivatives are checked against finite differences of the symbolic
    derivative of one order less.
    """
    if not wrt:
        raise MatcalcError("check_derivative needs a variable")
    values = dict(values) if values is not None else random_values(f, seed)
    lower = diff(f, *wrt[:-1]) if len(wrt) > 1 else f
    derivative = diff(f, *wrt)
    symbolic = np.asarray(evaluate(derivative, values), dtype=float)
    numeric = numeric_derivative(lower, wrt[-1], values)
    if symbolic.shape != numeric.shape:
        return DerivativeCheck(False, float("inf"), symbolic, numeric, derivative)
    scale = max(1.0, float(np.max(np.abs(numeric), initial=0.0)))
    err = float(np.max(np.abs(symbolic - numeric), initial=0.0)) / scale
    ok = bool(np.allclose(symbolic, numeric, rtol=rtol, atol=atol * scale, equal_nan=False))
    return DerivativeCheck(ok, err, symbolic, numeric, derivative)
