"""The values a caller gives `matcalc.evaluate.evaluate`: by name, checked, and the sizes they bind.

Each symbol's value is checked against its kind (a vector is 1-D, a symmetric
matrix is symmetric ...) and turned into float64; every dimension of the
expression is then bound to a size taken from the arrays, with a message that
names both symbols when two of them disagree.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

from matcalc.dims import Dim
from matcalc.errors import EvaluationError, ShapeError
from matcalc.expr import FUNCTION_KINDS, Call, Expr, Identity, IndexForm, Ones, Symbol, Zero, walk

__all__ = ["Array", "Value", "as_real_array", "bind_dims", "by_name", "calls_first", "checked_arrays"]

Array: TypeAlias = npt.NDArray[np.float64]
#: The value of a node: an array, or a NumPy float for a scalar (NumPy scalars,
#: unlike Python floats, give inf/nan on 1/0 or (-8)^(1/3) instead of raising).
Value: TypeAlias = Array | np.float64

_NDIM: Final = {"scalar": 0, "vector": 1, "matrix": 2, "symmetric": 2, "square": 2}
_KIND_VALUE: Final = {
    "scalar": "a real number or a 0-d array",
    "vector": "a 1-D array",
    "matrix": "a 2-D array",
    "symmetric": "a square symmetric 2-D array",
    "square": "a square 2-D array",
}


def by_name(values: Mapping[str | Symbol, Any]) -> dict[str, Any]:
    """The values keyed by symbol name."""
    if not isinstance(values, Mapping):
        raise EvaluationError(
            f"values must be a mapping from symbol names to numbers, got {type(values).__name__}"
        )
    given: dict[str, Any] = {}
    for key, value in values.items():
        name = key.name if isinstance(key, Symbol) else key
        if not isinstance(name, str):
            raise EvaluationError(f"values must be keyed by symbol names or Symbols, got key {key!r}")
        if name in given:
            raise EvaluationError(f"two values are given for '{name}'")
        given[name] = value
    return given


def checked_arrays(
    nodes: Sequence[Expr], given: Mapping[str, Any], check_symmetric: bool
) -> dict[str, Value]:
    """The checked value of every symbol among ``nodes``, by name."""
    symbols = {e.name: e for e in nodes if isinstance(e, Symbol)}
    missing = [name for name in symbols if name not in given]
    if missing:
        raise EvaluationError(f"no value given for {', '.join(map(repr, missing))}")
    return {name: _checked_value(sym, given[name], check_symmetric) for name, sym in symbols.items()}


def _checked_value(sym: Symbol, value: Any, check_symmetric: bool) -> Value:
    """``value`` as float64, checked against the kind of ``sym``."""
    arr = as_real_array(sym.name, value)
    ndim = _NDIM[sym.kind]
    if arr.ndim != ndim:
        hint = "; use .ravel() for a column or row of a 2-D array" if sym.kind == "vector" else ""
        raise ShapeError(
            f"{sym.name} is a {sym.kind}, so its value must be {_KIND_VALUE[sym.kind]}, "
            f"but it has shape {arr.shape}{hint}"
        )
    if sym.kind == "symmetric":
        if arr.shape[0] != arr.shape[1]:
            raise ShapeError(
                f"{sym.name} is a symmetric matrix, so its value must be square, but it has shape {arr.shape}"
            )
        scale = float(np.max(np.abs(arr), initial=0.0))
        if check_symmetric and not np.allclose(arr, arr.T, rtol=1e-6, atol=1e-9 * scale, equal_nan=True):
            raise EvaluationError(
                f"{sym.name} is a symmetric matrix, but its value is not symmetric "
                f"(largest |{sym.name} - {sym.name}'| entry is "
                f"{np.nanmax(np.abs(arr - arr.T)):.3g})"
            )
    return np.float64(arr[()]) if ndim == 0 else arr


def as_real_array(name: str, value: Any) -> Array:
    """``value`` as a float64 array, or an `EvaluationError` saying why it is not real numbers."""
    try:
        if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
            return np.asarray(float(value))
        arr = np.asarray(value)
    except OverflowError:  # an int or Fraction beyond 1.8e308
        raise EvaluationError(f"the value of {name} is too large for floating point") from None
    except (ValueError, TypeError) as err:  # ragged nested lists, odd objects
        raise EvaluationError(f"the value of {name} is not an array of numbers: {err}") from None
    kind = arr.dtype.kind
    if kind == "O" and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in arr.flat):
        kind = "f"  # e.g. an array of Fractions
    if kind == "c":
        raise EvaluationError(f"the value of {name} is complex; matcalc evaluates real numbers only")
    if kind == "b":
        raise EvaluationError(f"the value of {name} is boolean; convert it with .astype(float)")
    if kind not in "iuf":
        raise EvaluationError(f"the value of {name} is not real numbers: {_short(value)}")
    try:
        return np.asarray(arr, dtype=np.float64)
    except OverflowError:
        raise EvaluationError(f"the value of {name} is too large for floating point") from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---- binding dimensions to sizes -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Binding:
    """Where a dimension got its size: axis ``axis`` of symbol ``sym``, valued ``shape``."""

    size: int
    sym: Symbol
    axis: int
    shape: tuple[int, ...]


def bind_dims(
    nodes: Sequence[Expr], arrays: Mapping[str, Value], given: Mapping[str, Any]
) -> dict[Dim, int]:
    """The size of every dimension among ``nodes``, from the symbols' arrays.

    A dimension no symbol of the expression has, but named after a symbol
    with a value (``Dim.of("x", 0)`` with ``x`` given), takes its size from that value.
    """
    bound: dict[Dim, _Binding] = {}
    for sym in (e for e in nodes if isinstance(e, Symbol)):
        shape = np.shape(arrays[sym.name])
        for axis, (dim, size) in enumerate(zip(sym.shape, shape, strict=True)):
            new = _Binding(size, sym, axis, shape)
            old = bound.setdefault(dim, new)
            if old.size != size:
                raise ShapeError(_clash(old, new))
    sizes = {d: b.size for d, b in bound.items()}
    functions = {s.name for e in nodes for s in e.symbols if s.kind in FUNCTION_KINDS}
    for e in nodes:
        for dim in _dims_of(e):
            if dim not in sizes and dim.owner not in functions:
                sizes[dim] = _size_of(e, dim, sizes, given)
    return sizes


def _size_of(e: Expr, dim: Dim, sizes: dict[Dim, int], given: Mapping[str, Any]) -> int:
    """The size of ``dim``: a product dimension's is the product of its parts' sizes."""
    if not dim.parts:
        return _size_from_name(e, dim, given)
    size = 1
    for part in dim.parts:
        if part not in sizes:
            sizes[part] = _size_of(e, part, sizes, given)
        size *= sizes[part]
    return size


def calls_first(nodes: list[Expr]) -> list[Expr]:
    """``nodes`` (children first) with every function call and what it needs moved to the front.

    The sizes of a function's value are then known before other nodes need them.
    """
    if not any(isinstance(n, Call) for n in nodes):
        return nodes
    first: dict[Expr, None] = {}
    for n in nodes:
        if isinstance(n, Call):
            first.update(dict.fromkeys(walk(n)))
    return [*first, *(n for n in nodes if n not in first)]


def _dims_of(e: Expr) -> list[Dim]:
    """The dimensions ``e`` needs the sizes of (an index form's summed indices, K_pq's p and q too)."""
    if e.holds_dims:
        return [*e.shape, *e.parts]  # type: ignore[attr-defined]
    if not isinstance(e, IndexForm):
        return list(e.shape)
    ix = e.tensor
    return [i.dim for i in ix.free] + [i.dim for t in ix.terms for i in t.indices()]


def _size_from_name(e: Expr, dim: Dim, given: Mapping[str, Any]) -> int:
    """The size of ``dim``, a dimension of ``e`` no symbol of the expression has, from its name."""
    if dim.anonymous:
        raise EvaluationError(
            f"cannot infer the size of {_construct(e)}: no symbol of the expression determines it "
            "(use it where a symbol fixes its size, as in A+eye)"
        )
    value = given.get(dim.owner)
    if callable(value) or (isinstance(value, (tuple, list)) and value and callable(value[0])):
        raise EvaluationError(
            f"cannot infer the size of {_construct(e)}: it is {dim.describe()}, the value of the "
            f"function '{dim.owner}', and the expression never calls '{dim.owner}' to measure it"
        )
    try:
        return int(np.shape(given[dim.owner])[dim.axis])
    except (KeyError, IndexError, ValueError):  # no value, too few axes, ragged
        raise EvaluationError(
            f"cannot infer the size of {_construct(e)}: it is {dim.describe()}, "
            f"so it needs a value for '{dim.owner}' with at least {dim.axis + 1} axes"
        ) from None


def _clash(old: _Binding, new: _Binding) -> str:
    """The message for two symbol axes that must agree but have different sizes."""
    if old.sym.name == new.sym.name:
        return (
            f"{old.sym.name} has shape {old.shape}, but {_axis(old)} and {_axis(new)} must agree "
            "(the expression needs it square)"
        )
    return (
        f"{old.sym.name} has shape {old.shape} but {new.sym.name} has shape {new.shape}: "
        f"{_axis(old)} and {_axis(new)} must agree"
    )


def _axis(b: _Binding) -> str:
    """'the rows of A', 'the columns of A', 'the length of x'."""
    if b.sym.kind == "vector":
        return f"the length of {b.sym.name}"
    return f"the {('rows', 'columns')[b.axis]} of {b.sym.name}"


def _construct(e: Expr) -> str:
    """How the user wrote the node that introduced an unbound dimension."""
    if isinstance(e, Identity):
        return "eye"
    if isinstance(e, Ones | Zero) and e.ndim in (1, 2):
        return f"{('vector', 'matrix')[e.ndim - 1]}(..)"
    return f"an order-{e.ndim} {type(e).__name__}"
