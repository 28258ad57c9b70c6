r"""The named matrix-level functions of the input language, one `MatrixFunction` record each.

``tr``, ``det``, ``logdet``, ``inv``, ``diag``, ``sum``, ``norm1``, ``norm2``,
``softmax``, ``logsumexp``, ``size``, ``vec``, ``max``, ``min``, ``ismax``,
``ismin``, ``argmax``, ``argmin`` and ``mean`` each have a node type (`matcalc.expr`; ``mean`` is a
sum over a ``size``) whose derivative rule (`matcalc.diff_matrix`, or derived
from its lowering) and special-argument code rules
(traces of products, solves) stay with the node.  What the passes otherwise
kept in tables of names of their own is here: the spelling the parser reads
and the printer writes, the smart constructors with and without an axis, the
NumPy value `matcalc.evaluate` computes, the LaTeX name (and a norm's
subscripts, a size's name per axis), the code templates per backend and their
helpers (`matcalc.ops.matrix_code`, read by `matcalc.codegen.backends`), the
range code generation relies on, and what the tests give it.

This module sits in the IR layer, above `matcalc.build` and `matcalc.axes`
(a record's shape rule is its smart constructor); `matcalc.ops` does not
import it.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from matcalc import axes, build, kronecker
from matcalc.errors import EvaluationError, RegistryError
from matcalc.expr import (
    Attained,
    Det,
    DiagMatrix,
    DiagVector,
    Expr,
    Extremum,
    Inverse,
    Kron,
    LogDet,
    LogSumExp,
    Norm,
    Size,
    Softmax,
    SumEntries,
    Trace,
    Vec,
)
from matcalc.ops.matrix_code import CODE, HELPERS
from matcalc.ops.record import MatrixFunction, Registry, code_name

__all__ = ["MATRIX_FUNCTIONS", "NODE_TYPES", "RECORDS", "code_op", "matrix_function"]


def _columns(m: Any) -> list[Any]:
    return [m[:, j] for j in range(m.cols)]


def _rows(m: Any) -> list[Any]:
    return [m[i, :] for i in range(m.rows)]


def _per_axis(sp: Any, m: Any, axis: int, f: Any) -> Any:
    """``f`` of each column (axis 1, a row of results) or each row (axis 2, a column)."""
    if axis == 1:
        return sp.Matrix([[f(c) for c in _columns(m)]])
    return sp.Matrix([f(r) for r in _rows(m)])


def _softmax(sp: Any, m: Any, axis: int = 0) -> Any:
    def soft(v: Any) -> Any:
        e = v.applyfunc(sp.exp)
        return e / sum(e)

    if axis == 0:
        return soft(m)
    parts = [soft(c) for c in _columns(m)] if axis == 1 else [soft(r) for r in _rows(m)]
    return sp.Matrix.hstack(*parts) if axis == 1 else sp.Matrix.vstack(*parts)


def _logsumexp(sp: Any, m: Any, axis: int = 0) -> Any:
    def lse(v: Any) -> Any:
        return sp.log(sum(v.applyfunc(sp.exp)))

    return lse(m) if axis == 0 else _per_axis(sp, m, axis, lse)


def _sum(sp: Any, m: Any, axis: int = 0) -> Any:
    return sum(m) if axis == 0 else _per_axis(sp, m, axis, sum)


def _mean(sp: Any, m: Any, axis: int = 0) -> Any:
    return sum(m) / len(m) if axis == 0 else _per_axis(sp, m, axis, lambda v: sum(v) / len(v))


def _size(sp: Any, m: Any, axis: int) -> Any:
    return sp.Integer(m.rows if axis == 1 else m.cols)


def _vec(sp: Any, m: Any) -> Any:
    return sp.Matrix.vstack(*_columns(m))  # the columns stacked (column-major)


def _kron(sp: Any, a: Any, b: Any) -> Any:
    return sp.kronecker_product(a, b)


def _diag(sp: Any, m: Any) -> Any:
    return sp.diag(*m) if m.cols == 1 else sp.Matrix([m[i, i] for i in range(m.rows)])


# ---- the NumPy values: numpy(e, x, shape), x the argument's value, shape the value's sizes ----------


def _norm(e: Any, x: Any, shape: tuple[int, ...]) -> Any:
    """Entrywise 1-norm, or 2-norm (Frobenius) scaled by the largest entry against overflow."""
    a = np.abs(np.ravel(x))
    if e.p == 1:
        return np.float64(np.sum(a))
    top = np.float64(np.max(a, initial=0.0))
    if top == 0 or not np.isfinite(top):
        return top
    return np.float64(top * np.sqrt(np.sum(np.square(a / top))))


def _numpy_axis(e: Any) -> int | None:
    """The NumPy axis that ``e`` reduces over (None: all entries)."""
    return int(e.axis) - 1 if e.axis else None


def _softmax_value(e: Any, x: Any, shape: tuple[int, ...]) -> Any:
    """exp(x - max x) / sum: shifted per row or column, so that exp cannot overflow."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x.copy()
    z = np.exp(x - np.max(x, axis=_numpy_axis(e), keepdims=True))
    return np.asarray(z / np.sum(z, axis=_numpy_axis(e), keepdims=True), dtype=np.float64)


def _logsumexp_value(e: Any, x: Any, shape: tuple[int, ...]) -> Any:
    """Max + log(sum(exp(x - max))), the max taken as 0 where it is infinite (all -inf gives -inf)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return np.full(shape, -np.inf) if shape else np.float64(-np.inf)
    top = np.max(x, axis=_numpy_axis(e), keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - top), axis=_numpy_axis(e), keepdims=True)) + top
    return np.float64(out.item()) if not shape else np.asarray(out.reshape(shape))


def _reducible(e: Any, x: Any) -> Any:
    """``x`` as floats; an `EvaluationError` if the axis ``e`` reduces over is empty."""
    x = np.asarray(x, dtype=np.float64)
    if (x.shape[e.axis - 1] if e.axis else x.size) == 0:
        raise EvaluationError(f"{matrix_function(e).name} of an empty array has no value")
    return x


def _extremum_value(e: Any, x: Any, shape: tuple[int, ...]) -> Any:
    """The largest (smallest) entry of all, or of each column (axis 1) or row (axis 2)."""
    x = _reducible(e, x)
    top = np.max if e.kind == "max" else np.min
    if e.axis == 0:
        return np.float64(top(x))
    return np.asarray(top(x, axis=_numpy_axis(e)), dtype=np.float64)


def _attained_value(e: Any, x: Any, shape: tuple[int, ...]) -> Any:
    """1.0 where an entry equals the extremum of the same array (column, row), so at least one; else 0.0.

    Shared (``argmax``): that divided by the number of such entries of the array (column, row).
    """
    x = _reducible(e, x)
    top = (np.max if e.kind == "max" else np.min)(x, axis=_numpy_axis(e), keepdims=True)
    ties = np.asarray(x == top, dtype=np.float64)
    return ties / np.sum(ties, axis=_numpy_axis(e), keepdims=True) if e.shared else ties


def _extreme(kind: str) -> Any:
    """The SymPy value of ``max``/``min`` (``kind``) of all entries or along an axis."""

    def value(sp: Any, m: Any, axis: int = 0) -> Any:
        top = sp.Max if kind == "max" else sp.Min
        return top(*m) if axis == 0 else _per_axis(sp, m, axis, lambda v: top(*v))

    return value


def _attained(kind: str, shared: bool) -> Any:
    """The SymPy value of ``ismax``/``ismin`` (``kind``): 1 where the entry is the extremum of its array.

    Shared (``argmax``): divided by the number of such entries of the array (column, row).
    """

    def value(sp: Any, m: Any, axis: int = 0) -> Any:
        top = _extreme(kind)(sp, m, axis)
        if axis == 0:
            ties = m.applyfunc(lambda t: sp.Integer(int(t == top)))
            return ties / sum(ties) if shared else ties
        at = (lambda i, j: top[0, j]) if axis == 1 else (lambda i, j: top[i, 0])
        ties = sp.Matrix(m.rows, m.cols, lambda i, j: sp.Integer(int(m[i, j] == at(i, j))))
        if not shared:
            return ties
        count = _per_axis(sp, ties, axis, sum)
        by = (lambda i, j: count[0, j]) if axis == 1 else (lambda i, j: count[i, 0])
        return sp.Matrix(m.rows, m.cols, lambda i, j: ties[i, j] / by(i, j))

    return value


def _extremum_record(kind: str) -> MatrixFunction:
    # max(X), max(X, [], k): MATLAB's axis spelling, as max(X, 2) is the entry-by-entry max of X and 2;
    # SymPy's matrix expressions have no largest entry (no to_sympy)
    return MatrixFunction(
        kind, (Extremum,), lambda x: axes.extremum(kind, x), _extreme(kind), "array", rf"\{kind}",
        with_axis=lambda x, k: axes.extremum(kind, x, k), params={"kind": kind}, empty_before_axis=True,
        pairwise=lambda a, b: axes.pairwise(kind, a, b),
        numpy=_extremum_value, aliases=(f"a{kind}", f"{kind}imum"), **_code(kind),
    )


def _attained_record(kind: str, shared: bool) -> MatrixFunction:
    # ismax(X), ismax(X, k): 1 where max(X) (of each column, of each row) is attained;
    # argmax(X), argmax(X, k): that over the number of ties, the one-hot of the argmax with a tie shared
    name = f"{'arg' if shared else 'is'}{kind}"
    return MatrixFunction(
        name, (Attained,), lambda x: axes.attained(kind, x, 0, shared), _attained(kind, shared), "array",
        rf"\operatorname{{{name}}}", with_axis=lambda x, k: axes.attained(kind, x, k, shared),
        params={"kind": kind, "shared": shared}, range=(0.0, 1.0), numpy=_attained_value, **_code(name),
    )


# ---- the SymPy forms: to_sympy(sp, t, e, v), t the translator of matcalc.sympy_to -----------------


def _softmax_sympy(sp: Any, t: Any, e: Any, v: Any) -> Any:
    """``exp(x)`` over the sum of its entries; by rows ``diag(1./(exp(X)*1))*exp(X)``.

    The sums of the rows scale from the left, those of the columns from the right.
    """
    ex = t.apply(sp.exp, v, False)
    if e.axis == 0:
        return (1 / t.scalar(t.sum(ex, e.body))) * ex
    return t.by_axis(ex, e.axis, lambda sums: sp.DiagMatrix(sp.HadamardPower(sums, -1)))


def _norm_sympy(sp: Any, t: Any, e: Any, v: Any) -> Any:
    """``sqrt(u'*u)`` (``norm2(u)^2`` is the inner product itself), or the sum of ``Abs``."""
    return t.norm(v, e.body, e.p)


def _logsumexp_sympy(sp: Any, t: Any, e: Any, v: Any) -> Any:
    """The log of the sum of ``exp`` of the entries, or of each column's / row's."""
    ex = t.apply(sp.exp, v, False)
    if e.axis == 0:
        return sp.log(t.scalar(t.sum(ex, e.body)))
    return t.apply(sp.log, t.by_axis(ex, e.axis, None), False)


def _diag_value(e: Any, x: Any, shape: tuple[int, ...]) -> Any:
    """A vector on the diagonal of a matrix, or the diagonal of a matrix (a copy, not a view)."""
    return np.diag(x) if len(shape) == 2 else np.diagonal(x).copy()


def _kron_value(e: Any, x: Any, shape: tuple[int, ...]) -> Any:
    """``np.kron`` of the operands as 2-D arrays (a column m x 1, a row 1 x n)."""
    lifted = []
    for v, operand in zip(x, (e.left, e.right), strict=True):
        arr = np.asarray(v, dtype=np.float64)
        lifted.append(arr if operand.ndim == 2 else arr.reshape((1, -1) if operand.row else (-1, 1)))
    value = np.asarray(np.kron(*lifted), dtype=np.float64)
    return value.reshape(-1) if e.is_vector else value


def _code(name: str) -> dict[str, Any]:
    """The code forms of ``name`` and the helpers they call (`matcalc.ops.matrix_code`)."""
    code = CODE.get(name, {})
    called = {h for forms in code.values() for t in forms.values() for h in re.findall(r"\b(_\w+)\(", t)}
    return {"code": code, "helpers": {h: HELPERS[h] for h in sorted(called)}}


def _scalar(f: Any) -> Any:
    """``numpy(e, x, shape)`` of a scalar-valued ``f(x)``."""
    return lambda e, x, shape: np.float64(f(x))


RECORDS: tuple[MatrixFunction, ...] = (
    MatrixFunction(
        "tr", (Trace,), build.trace, lambda sp, m: m.trace(), "square", r"\operatorname{tr}",
        to_sympy=lambda sp, t, e, v: sp.Trace(v), sympy_classes=("Trace",), square=True,
        numpy=_scalar(np.trace), **_code("tr"), aliases=("trace",),
    ),
    MatrixFunction(
        "det", (Det,), build.det, lambda sp, m: m.det(), "square", r"\det", lacks=("dask",),
        to_sympy=lambda sp, t, e, v: sp.Determinant(v), sympy_classes=("Determinant",), of_scalar=lambda a: a,
        square=True,
        numpy=_scalar(np.linalg.det), **_code("det"), aliases=("determinant",),
    ),
    MatrixFunction(  # log|det X|; -inf if X is singular
        "logdet", (LogDet,), build.logdet, lambda sp, m: sp.log(sp.Abs(m.det())), "square", r"\log\det",
        lacks=("dask",), to_sympy=lambda sp, t, e, v: sp.log(sp.Determinant(v)),
        numpy=_scalar(lambda x: np.linalg.slogdet(x).logabsdet), **_code("logdet"),
        aliases=("slogdet", "log_det", "logdeterminant"),
    ),
    MatrixFunction(  # printed X^{-1}; np.linalg.inv raises LinAlgError for a singular X
        "inv", (Inverse,), build.inv, lambda sp, m: m.inv(), "square",
        to_sympy=lambda sp, t, e, v: sp.Inverse(v), sympy_classes=("Inverse",), square=True,
        of_scalar=lambda a: build.elem_div(build.number(1), a),
        numpy=lambda e, x, shape: np.asarray(np.linalg.inv(x), dtype=np.float64), **_code("inv"),
        aliases=("inverse",),
    ),
    MatrixFunction(
        "diag", (DiagMatrix, DiagVector), build.diag, _diag, "vector or square", r"\operatorname{diag}",
        to_sympy=lambda sp, t, e, v: sp.DiagMatrix(v) if e.body.is_vector else sp.DiagonalOf(v),
        sympy_classes=("DiagMatrix", "DiagonalOf"), of_scalar=lambda a: a, square=True,
        numpy=_diag_value, forms={DiagVector: "of_matrix"}, **_code("diag"),
        aliases=("diagonal", "diagflat", "diag_embed"),
    ),
    MatrixFunction(  # printed 1'x, x'1, 1'X1
        "sum", (SumEntries,), build.sum_entries, _sum, "array", with_axis=axes.sum_axis,
        to_sympy=lambda sp, t, e, v: t.sum(v, e.body),
        numpy=_scalar(np.sum), **_code("sum"),
    ),
    MatrixFunction(
        "norm1", (Norm,), lambda x: build.norm(x, 1), lambda sp, m: sum(abs(v) for v in m), "array",
        params={"p": 1}, range=(0.0, math.inf), sympy_reads_back=False, numpy=_norm, norm=("1", "{1,1}"),
        to_sympy=_norm_sympy, **_code("norm1"),
    ),
    MatrixFunction(
        "norm2", (Norm,), lambda x: build.norm(x, 2), lambda sp, m: sp.sqrt(sum(v**2 for v in m)), "array",
        params={"p": 2}, range=(0.0, math.inf), sympy_reads_back=False, numpy=_norm, norm=("2", "F"),
        to_sympy=_norm_sympy, **_code("norm2"), aliases=("norm", "frobenius", "vector_norm"),
    ),
    MatrixFunction(
        "softmax", (Softmax,), build.softmax, _softmax, "vector", r"\operatorname{softmax}",
        with_axis=build.softmax, range=(0.0, 1.0), sympy_reads_back=False, numpy=_softmax_value,
        to_sympy=_softmax_sympy, **_code("softmax"),
    ),
    MatrixFunction(
        "logsumexp", (LogSumExp,), axes.logsumexp, _logsumexp, "array", r"\operatorname{logsumexp}",
        with_axis=axes.logsumexp, sympy_reads_back=False, numpy=_logsumexp_value,
        to_sympy=_logsumexp_sympy, **_code("logsumexp"), aliases=("lse",),
    ),
    MatrixFunction(  # generated code reads the size off the arrays: no template
        "size", (Size,), None, _size, "array", with_axis=axes.size, range=(1.0, math.inf),
        to_sympy=lambda sp, t, e, v: t.dim(e.body.shape[e.axis - 1]),
        numpy=lambda e, x, shape: np.float64(np.shape(x)[e.axis - 1]),
        axis_latex={1: r"\operatorname{rows}", 2: r"\operatorname{cols}"}, aliases=("numel", "length", "len"),
    ),
    MatrixFunction(
        "vec", (Vec,), kronecker.vec, _vec, "square", r"\operatorname{vec}",
        to_sympy=lambda sp, t, e, v: t.vec(v), sympy_classes=("VecOf",),
        numpy=lambda e, x, shape: np.asarray(x).reshape(-1, order="F"), **_code("vec"),
    ),
    MatrixFunction(  # printed A ⊗ B; a scalar operand scales the other
        "kron", (Kron,), kronecker.kron, _kron, "two arrays", operands=2, sympy_classes=("KroneckerProduct",),
        to_sympy=lambda sp, t, e, v: sp.KroneckerProduct(*v), numpy=_kron_value, **_code("kron"),
    ),
    MatrixFunction(  # a sum over size(X, k): SymPy gives the size as a number when the sizes are given
        "mean", (), axes.mean, _mean, "array", with_axis=axes.mean, sympy_reads_back=False,
        aliases=("average",),
    ),
    _extremum_record("max"),
    _extremum_record("min"),
    _attained_record("max", False),
    _attained_record("min", False),
    _attained_record("max", True),
    _attained_record("min", True),
)  # fmt: skip

#: Every named matrix-level function, validated at import.
MATRIX_FUNCTIONS: Registry[MatrixFunction] = Registry(RECORDS, MatrixFunction)


def _by_node(records: Registry[MatrixFunction]) -> dict[type, tuple[MatrixFunction, ...]]:
    """The records of each node type; two records of one node must differ in their ``params``."""
    out: dict[type, tuple[MatrixFunction, ...]] = {}
    for r in records.values():
        for node in r.nodes:
            clash = [q.name for q in out.get(node, ()) if dict(q.params) == dict(r.params)]
            if clash:
                raise RegistryError(f"operations {clash[0]!r} and {r.name!r} both stand for {node.__name__} "
                                    f"with {dict(r.params)}: give them different params")
            out[node] = (*out.get(node, ()), r)
    return out


_BY_NODE = _by_node(MATRIX_FUNCTIONS)

#: The node types that a matrix-function record stands for.
NODE_TYPES = frozenset(_BY_NODE)


def matrix_function(e: Expr) -> MatrixFunction:
    """The record of the node ``e`` (a `Norm` by its ``p``); a `RegistryError` if it has none."""
    for r in _BY_NODE.get(type(e), ()):
        if all(getattr(e, k) == v for k, v in r.params.items()):
            return r
    raise RegistryError(f"no matrix-function record for the {type(e).__name__} node {e}")


#: The code form of ``name(X, k)`` by axis k (0: no axis).
_AXIS_FORMS = {0: "", 1: "cols", 2: "rows"}


def code_op(e: Expr, form: str = "") -> str:
    """The code generator's operation for the node ``e`` (`MatrixFunction.code`): ``softmax_cols``.

    ``form`` asks for a form by name (``"log"``: ``log(softmax(X, 1))`` is ``softmax_log_cols``);
    otherwise the record's form of the node type.  The axis of the node, if any, comes last.
    """
    r = matrix_function(e)
    parts = (form or r.forms.get(type(e), ""), _AXIS_FORMS[getattr(e, "axis", 0)])
    return code_name(r.name, "_".join(p for p in parts if p))
