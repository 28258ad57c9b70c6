"""Input checks at the top of a generated function (on by default; ``checks=False`` omits them).

Every backend checks: NumPy, JAX (symmetry only of concrete values, not of
values traced under ``jit``), PyTorch, and the array API, whose namespace is
found from the arguments first (lists and Python numbers alone give NumPy's)
and passed to its checks.

For each array parameter the function first calls ``_input(name, value, ndim)``,
which converts it the way `matcalc.evaluate` does (a list or an integer array
becomes float64, so integers cannot overflow; a complex, boolean or object
array is refused) and checks its number of axes; then it checks that every
dimension two parameters share has one size, and that a symmetric matrix is
symmetric.  The module stays standalone, so it raises `TypeError` and
`ValueError` (not matcalc's errors), with messages that name the parameters.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from matcalc.dims import Dim
from matcalc.expr import Symbol

__all__ = ["HELPERS", "find_namespace", "statements"]

_NUMPY = '''def _input(name, value, ndim):
    """value as a real floating array with ndim axes (lists and integers become float64)."""
    a = value if hasattr(value, "dtype") and hasattr(value, "ndim") else xp.asarray(value)  # dask stays dask
    if a.dtype.kind in "iu":
        a = a.astype(xp.float64)
    elif a.dtype.kind != "f":
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if a.ndim != ndim if ndim >= 0 else a.ndim < -ndim:  # -k: at least k axes
        raise ValueError(f"{name} must have {abs(ndim)} axes, got shape {a.shape}")
    return a'''

_JAX = '''def _input(name, value, ndim):
    """value as a real floating array with ndim axes (integers become floats)."""
    a = xp.asarray(value)
    if xp.issubdtype(a.dtype, xp.integer):
        a = a.astype(float)
    elif not xp.issubdtype(a.dtype, xp.floating):
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if a.ndim != ndim if ndim >= 0 else a.ndim < -ndim:  # -k: at least k axes
        raise ValueError(f"{name} must have {abs(ndim)} axes, got shape {a.shape}")
    return a'''

_TORCH = '''def _input(name, value, ndim):
    """value as a real floating tensor with ndim axes (lists and integers become float64)."""
    a = value if xp.is_tensor(value) else xp.as_tensor(value)  # (for its dtype: complex stays complex)
    if a.is_complex() or a.dtype == xp.bool:
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if not xp.is_tensor(value):
        a = xp.as_tensor(value, dtype=xp.float64)  # from the value itself: no float32 rounding
    elif not a.is_floating_point():
        a = a.to(xp.float64)
    if a.ndim != ndim if ndim >= 0 else a.ndim < -ndim:  # -k: at least k axes
        raise ValueError(f"{name} must have {abs(ndim)} axes, got shape {tuple(a.shape)}")
    return a'''

_ARRAY_API = '''def _input(xp, name, value, ndim):
    """value as a real floating array of namespace xp with ndim axes (lists and integers become float64)."""
    a = value if hasattr(value, "dtype") and hasattr(value, "ndim") else xp.asarray(value)
    if xp.isdtype(a.dtype, "integral"):
        a = xp.astype(a, xp.float64)
    elif not xp.isdtype(a.dtype, "real floating"):
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if a.ndim != ndim if ndim >= 0 else a.ndim < -ndim:  # -k: at least k axes
        raise ValueError(f"{name} must have {abs(ndim)} axes, got shape {tuple(a.shape)}")
    return a'''

_ARRAY_API_NAMESPACE = '''def _namespace(*values):
    """The namespace of the array arguments; lists and Python numbers alone give NumPy's."""
    arrays = [v for v in values if not isinstance(v, (bool, int, float, list, tuple))]
    if arrays:
        return array_namespace(*arrays)
    import array_api_compat.numpy

    return array_api_compat.numpy'''

_ARRAY_API_SYMMETRIC = '''def _symmetric(xp, name, a):
    """Refuse a value that is not symmetric (to rounding)."""
    if not bool(xp.all(xp.abs(a - a.T) <= 1e-8 * (1 + xp.abs(a)))):
        raise ValueError(f"{name} is a symmetric matrix, but its value is not symmetric")'''

_JAX_SYMMETRIC = '''def _symmetric(name, a):
    """Refuse a value that is not symmetric (to rounding); a value traced under jit is not checked."""
    try:
        symmetric = bool(xp.all(xp.abs(a - a.T) <= 1e-8 * (1 + xp.abs(a))))
    except jax.errors.ConcretizationTypeError:  # traced values have no truth value
        return
    if not symmetric:
        raise ValueError(f"{name} is a symmetric matrix, but its value is not symmetric")'''

_SYMMETRIC = '''def _symmetric(name, a):
    """Refuse a value that is not symmetric (to rounding)."""
    if not bool(xp.all(xp.abs(a - a.T) <= 1e-8 * (1 + xp.abs(a)))):
        raise ValueError(f"{name} is a symmetric matrix, but its value is not symmetric")'''

#: The check helpers of each backend (``xp`` is the namespace, as in the backends' helpers).
HELPERS: Mapping[str, Mapping[str, str]] = {
    "numpy": {"_input": _NUMPY, "_symmetric": _SYMMETRIC},
    "jax": {"_input": _JAX, "_symmetric": _JAX_SYMMETRIC},
    "torch": {"_input": _TORCH, "_symmetric": _SYMMETRIC},
    # the namespace is found from the arguments inside the function and passed to the checks
    "array_api": {
        "_namespace": _ARRAY_API_NAMESPACE, "_input": _ARRAY_API, "_symmetric": _ARRAY_API_SYMMETRIC,
    },
}


def statements(
    backend: str,
    arrays: Mapping[str, Symbol],
    param_of: Mapping[str, str],
    helper: Mapping[str, str],
    owners: Mapping[str, int],
    numpy: str | None = None,
    namespace: str | None = None,
    products: Sequence[tuple[Dim, tuple[Dim, ...]]] = (),
    read: Mapping[Dim, str] | None = None,
) -> list[ast.stmt]:
    """The checks: conversions, shared sizes, products, symmetry; ``helper`` gives the helpers' names.

    ``products`` are the axes of Kronecker products and ``vec`` whose size must be the
    product of their parts' (``x`` in ``x'*vec(X)`` has as many entries as ``X``);
    ``read`` the parameter of each dimension of the ``owners``.

    ``owners`` are the parameters only read for a size (``x`` of ``eye`` in the derivative of
    ``x`` by ``x``), with the number of axes they need at least.  ``numpy``: NumPy's alias in
    the module, for a fast path, or None.  ``namespace``: the array API's namespace variable,
    found first (from every array parameter) and passed to each check, or None.
    """
    out: list[ast.stmt] = []
    ns = f"{namespace}, " if namespace is not None else ""
    if namespace is not None:
        found = sorted({*(param_of[n] for n in arrays), *owners})
        out.append(find_namespace(helper["_namespace"], namespace, found))
    for p, axes in sorted(owners.items()):
        out.append(_parse(f"{p} = {helper['_input']}({ns}{p!r}, {p}, {-axes})"))
    places: dict[Dim, list[tuple[str, int, Symbol]]] = {}
    for name in sorted(arrays):
        s, p = arrays[name], param_of[name]
        call = f"{p} = {helper['_input']}({ns}{name!r}, {p}, {s.ndim})"
        if numpy is not None:  # a float array of the right rank passes without a call (benchmarks/checks.py)
            test = f"type({p}) is not {numpy}.ndarray or {p}.ndim != {s.ndim} or {p}.dtype.kind != 'f'"
            call = f"if {test}:\n    {call}"
        out.append(_parse(call))
        for axis, d in enumerate(s.shape):
            places.setdefault(d, []).append((p, axis, s))
    for spots in places.values():
        out.extend(_agree(spots[0], other) for other in spots[1:])
    sizes: dict[Dim, tuple[str, int, Symbol | None]] = {d: spots[0] for d, spots in places.items()}
    sizes.update({d: (p, d.axis, None) for d, p in (read or {}).items() if d not in sizes})
    for whole, parts in products:
        check = _product(whole, parts, sizes)
        if check is not None:
            out.append(check)
    if "_symmetric" in helper:
        out.extend(
            _parse(f"{helper['_symmetric']}({ns}{name!r}, {param_of[name]})")
            for name in sorted(arrays)
            if arrays[name].kind == "symmetric"
        )
    return out


def find_namespace(finder: str, namespace: str, params: Sequence[str]) -> ast.stmt:
    """``xp = _namespace(x, y, ...)``: the array API's namespace from the array arguments."""
    return _parse(f"{namespace} = {finder}({', '.join(params)})")


def _agree(a: tuple[str, int, Symbol], b: tuple[str, int, Symbol]) -> ast.stmt:
    """``if a.shape[i] != b.shape[j]: raise ValueError(...)``."""
    (pa, ia, sa), (pb, ib, sb) = a, b
    if pa == pb:
        message = f"f'{sa.name} must be square, got shape {{tuple({pa}.shape)}}'"
        return _parse(f"if {pa}.shape[{ia}] != {pb}.shape[{ib}]:\n    raise ValueError({message})")
    what_a, what_b = _axis(sa, ia), _axis(sb, ib)
    message = (
        f"f'{what_a} ({{{pa}.shape[{ia}]}}) and {what_b} ({{{pb}.shape[{ib}]}}) must agree: "
        f"{sa.name} has shape {{tuple({pa}.shape)}}, {sb.name} {{tuple({pb}.shape)}}'"
    )
    return _parse(f"if {pa}.shape[{ia}] != {pb}.shape[{ib}]:\n    raise ValueError({message})")


def _product(
    whole: Dim, parts: tuple[Dim, ...], sizes: Mapping[Dim, tuple[str, int, Symbol | None]]
) -> ast.stmt | None:
    """``if <size of whole> != <product of the parts' sizes>: raise ValueError(...)``, if all are read."""

    def size(d: Dim) -> tuple[str, str] | None:  # (code, phrase)
        if d.parts:
            found = [size(p) for p in d.parts]
            if any(f is None for f in found):
                return None
            return " * ".join(f[0] for f in found if f), " times ".join(f[1] for f in found if f)
        spot = sizes.get(d)
        if spot is None:
            return None  # no argument has this axis (an inferred dimension): nothing to compare
        p, axis, s = spot
        return f"{p}.shape[{axis}]", _axis(s, axis) if s is not None else d.describe()

    left, right = size(whole), [size(p) for p in parts]
    if left is None or any(r is None for r in right):
        return None
    code = " * ".join(r[0] for r in right if r)
    phrase = " times ".join(r[1] for r in right if r)
    message = f"f'{left[1]} ({{{left[0]}}}) must be {phrase} ({{{code}}})'"
    return _parse(f"if {left[0]} != {code}:\n    raise ValueError({message})")


def _axis(s: Symbol, axis: int) -> str:
    if s.ndim == 1:
        return f"the length of {s.name}"
    if s.shape[0] == s.shape[1]:
        return f"the size of the square {s.name}"
    return f"the {('rows', 'columns')[axis]} of {s.name}"


def _parse(source: str) -> ast.stmt:
    return ast.parse(source).body[0]


def names_of(statement_list: Sequence[ast.stmt]) -> set[str]:
    """The names the statements use (to find which helpers are needed)."""
    return {n.id for s in statement_list for n in ast.walk(s) if isinstance(n, ast.Name)}
