"""The code templates of the named matrix-level functions, and the helpers they call.

One table per record of `matcalc.ops.matrix`: the *forms* of the operation
(``""`` the plain call, ``"cols"``/``"rows"`` with an axis, ``"log"`` the
logarithm computed stably, ``"of_matrix"`` the diagonal of a matrix), each a
template per backend with ``_0`` the argument and ``xp`` the namespace
(`matcalc.ops.record.spelled`: NumPy's spelling except where a library spells
it differently).  The helpers are written with ``xp``; the array-API backend
passes the namespace as their first argument (``_softmax(xp, _0)``).
Generated code writes a helper into the module only where it is used.

Only strings: this module imports nothing of matcalc but the record helpers.
"""

from __future__ import annotations

from matcalc.ops.record import spelled

__all__ = ["CODE", "HELPERS"]

_SOFTMAX = '''def _softmax(x):
    """exp(x)/sum(exp(x)), shifted by max(x) so that exp cannot overflow."""
    z = xp.exp(x - xp.max(x))
    return z / xp.sum(z)'''

_LOG_SOFTMAX = '''def _log_softmax(x):
    """log(softmax(x)) = x - logsumexp(x), without overflow or log(0)."""
    z = x - xp.max(x)
    return z - xp.log(xp.sum(xp.exp(z)))'''

_SOFTMAX_AXIS = '''def _softmax_axis(x, axis):
    """softmax of each column (axis 0) or row (axis 1), shifted by its max against overflow."""
    z = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return z / xp.sum(z, axis=axis, keepdims=True)'''

_LOG_SOFTMAX_AXIS = '''def _log_softmax_axis(x, axis):
    """log(softmax) of each column (axis 0) or row (axis 1): x - logsumexp, without log(0)."""
    z = x - xp.max(x, axis=axis, keepdims=True)
    return z - xp.log(xp.sum(xp.exp(z), axis=axis, keepdims=True))'''

_LOGSUMEXP = '''def _logsumexp(x, axis):
    """log(sum(exp(x))) of all entries (axis None) or per column / row, shifted by the max."""
    top = xp.max(x, axis=axis, keepdims=True)
    top = xp.where(xp.isfinite(top), top, xp.zeros_like(top))
    return xp.log(xp.sum(xp.exp(x - top), axis=axis)) + xp.max(top, axis=axis)'''

#: The helpers, by name (NumPy's signature; the array-API backend adds ``xp`` first).
_KRON = '''def _kron(a, b):
    """The Kronecker product of two vectors or two matrices: A[i, j] B[k, l] at (i*p+k, j*q+l)."""
    if a.ndim == 1:
        return xp.reshape(a[:, None] * b[None, :], (-1,))
    rows, cols = a.shape[0] * b.shape[0], a.shape[1] * b.shape[1]
    return xp.reshape(a[:, None, :, None] * b[None, :, None, :], (rows, cols))'''

HELPERS = {
    "_kron": _KRON,
    "_softmax": _SOFTMAX,
    "_log_softmax": _LOG_SOFTMAX,
    "_softmax_axis": _SOFTMAX_AXIS,
    "_log_softmax_axis": _LOG_SOFTMAX_AXIS,
    "_logsumexp": _LOGSUMEXP,
}


def _by_axis(numpy: str, jax: str, torch: str, array_api: str) -> dict[str, dict[str, str]]:
    """The forms ``"cols"`` and ``"rows"`` from templates with ``{axis}`` (0, 1)."""
    out: dict[str, dict[str, str]] = {}
    for form, axis in (("cols", "0"), ("rows", "1")):
        spell = {"numpy": numpy, "jax": jax, "torch": torch, "array_api": array_api}
        out[form] = {b: t.format(axis=axis) for b, t in spell.items()}
    return out


def _extrema() -> dict[str, dict[str, dict[str, str]]]:
    """``max``/``min`` of all entries, each column, each row; tie indicators ``ismax``, one-hots ``argmax``.

    Per backend: the reduction (``xp.{kind}(_0{axis})``), the keyword that keeps the
    reduced axis, the cast of a boolean to ``_0``'s type, and the axis arguments of
    columns and rows; the indicator compares each entry with the extremum of the same
    array, column or row.  ``argmax``'s template takes that indicator (the node
    ``ismax`` of the same axis, computed once) as ``_0`` and divides it by its sum
    over the same array, column or row.
    """
    by_name = (", axis=0", ", axis=1")
    spell = {
        "numpy": ("xp.{kind}(_0{axis})", ", keepdims=True", "{}.astype(_0.dtype)", by_name, "xp.sum"),
        "torch": ("torch.a{kind}(_0{axis})", ", keepdim=True", "{}.to(_0.dtype)", (", 0", ", 1"),
                  "torch.sum"),
        "array_api": ("xp.{kind}(_0{axis})", ", keepdims=True", "xp.astype({}, _0.dtype)", by_name, "xp.sum"),
    }
    spell["jax"] = spell["numpy"]
    out: dict[str, dict[str, dict[str, str]]] = {}
    for kind in ("max", "min"):
        out[kind], out[f"is{kind}"], out[f"arg{kind}"] = {}, {}, {}
        for form, axis in (("", 0), ("cols", 1), ("rows", 2)):
            top: dict[str, str] = {}
            tie: dict[str, str] = {}
            share: dict[str, str] = {}
            for backend, (reduce, keep, cast, axes, total) in spell.items():
                arg = ("", *axes)[axis]
                top[backend] = reduce.format(kind=kind, axis=arg)
                kept = reduce.format(kind=kind, axis=arg + keep) if axis else top[backend]
                tie[backend] = cast.format(f"(_0 == {kept})")
                share[backend] = f"_0 / {total}(_0{arg + keep if axis else ''})"
            out[kind][form], out[f"is{kind}"][form], out[f"arg{kind}"][form] = top, tie, share
    return out


def _softmax_forms() -> dict[str, dict[str, str]]:
    plain = {
        "": spelled("_softmax(_0)", jax="jax.nn.softmax(_0)", torch="torch.softmax(_0, 0)",
                    array_api="_softmax(xp, _0)"),
        "log": spelled("_log_softmax(_0)", jax="jax.nn.log_softmax(_0)", torch="torch.log_softmax(_0, 0)",
                       array_api="_log_softmax(xp, _0)"),
    }
    for form, axis in (("cols", 0), ("rows", 1)):
        plain[form] = spelled(f"_softmax_axis(_0, {axis})", jax=f"jax.nn.softmax(_0, axis={axis})",
                              torch=f"torch.softmax(_0, {axis})", array_api=f"_softmax_axis(xp, _0, {axis})")
        plain[f"log_{form}"] = spelled(
            f"_log_softmax_axis(_0, {axis})", jax=f"jax.nn.log_softmax(_0, axis={axis})",
            torch=f"torch.log_softmax(_0, {axis})", array_api=f"_log_softmax_axis(xp, _0, {axis})",
        )
    return plain


#: The code forms of each matrix-level function, by record name.
CODE: dict[str, dict[str, dict[str, str]]] = {
    "tr": {"": spelled("xp.trace(_0)", array_api="xp.linalg.trace(_0)")},
    "det": {"": spelled("xp.linalg.det(_0)")},
    "logdet": {"": spelled("xp.linalg.slogdet(_0)[1]")},  # log|det X|
    "inv": {"": spelled("xp.linalg.inv(_0)")},
    "diag": {
        "": spelled("xp.diag(_0)", array_api="xp.eye(_0.shape[0], dtype=_0.dtype) * _0"),
        "of_matrix": spelled("xp.diagonal(_0)", array_api="xp.linalg.diagonal(_0)"),
    },
    "sum": {"": spelled("xp.sum(_0)")},
    "norm1": {"": spelled("xp.sum(xp.abs(_0))")},
    "norm2": {"": spelled("xp.linalg.norm(_0)", torch="torch.linalg.vector_norm(_0)",
                          array_api="xp.linalg.vector_norm(_0)")},
    "softmax": _softmax_forms(),
    "logsumexp": {
        **_by_axis("_logsumexp(_0, {axis})", "jax.nn.logsumexp(_0, axis={axis})",
                   "torch.logsumexp(_0, {axis})", "_logsumexp(xp, _0, {axis})"),
        "": spelled("_logsumexp(_0, None)", jax="jax.nn.logsumexp(_0)",
                    torch="torch.logsumexp(_0.reshape(-1), 0)", array_api="_logsumexp(xp, _0, None)"),
    },
    **_extrema(),
    "vec": {"": spelled("xp.reshape(_0.T, (-1,))", torch="torch.reshape(_0.mT, (-1,))")},  # columns stacked
    # of two vectors or two matrices (code generation lifts a vector next to a matrix); the array API has
    # none; PyTorch's kron raises on a transposed (non-contiguous) operand, "view size is not compatible"
    "kron": {"": spelled("xp.kron(_0, _1)", torch="torch.kron(_0.contiguous(), _1.contiguous())",
                         array_api="_kron(xp, _0, _1)")},
}  # fmt: skip
