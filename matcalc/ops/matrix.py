r"""The named matrix-level functions of the input language, one `MatrixFunction` record each.

``tr``, ``det``, ``logdet``, ``inv``, ``diag``, ``sum``, ``norm1``, ``norm2``,
``softmax``, ``logsumexp``, ``size``, ``mean``, ``max`` and ``min`` (and their
tie indicators ``ismax``, ``ismin``) each have a node type
(`matcalc.expr`; ``mean`` is a sum over a ``size``) whose evaluation,
derivative rule and generated code stay with the node.  What the passes
otherwise kept in tables of names of their own -- the spelling the parser
reads and the printer writes, the smart constructors with and without an
axis, the LaTeX name, the range code generation relies on, and what the tests
give it -- is here.

This module sits in the IR layer, above `matcalc.build` and `matcalc.axes`
(a record's shape rule is its smart constructor); `matcalc.ops` does not
import it.
"""

from __future__ import annotations

import math
from typing import Any

from matcalc import axes, build, kronecker
from matcalc.errors import RegistryError
from matcalc.expr import (
    Attained,
    Det,
    DiagMatrix,
    DiagVector,
    Expr,
    Extremum,
    Inverse,
    LogDet,
    LogSumExp,
    Norm,
    Size,
    Softmax,
    SumEntries,
    Trace,
    Vec,
)
from matcalc.ops.record import MatrixFunction, Registry

__all__ = ["MATRIX_FUNCTIONS", "NODE_TYPES", "RECORDS", "matrix_function"]


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


def _extreme(kind: str) -> Any:
    """The SymPy value of ``max``/``min`` (``kind``) of all entries or along an axis."""

    def value(sp: Any, m: Any, axis: int = 0) -> Any:
        top = sp.Max if kind == "max" else sp.Min
        return top(*m) if axis == 0 else _per_axis(sp, m, axis, lambda v: top(*v))

    return value


def _attained(kind: str) -> Any:
    """The SymPy value of ``ismax``/``ismin`` (``kind``): 1 where the entry is the extremum of its array."""

    def value(sp: Any, m: Any, axis: int = 0) -> Any:
        top = _extreme(kind)(sp, m, axis)
        if axis == 0:
            return m.applyfunc(lambda t: sp.Integer(int(t == top)))
        at = (lambda i, j: top[0, j]) if axis == 1 else (lambda i, j: top[i, 0])
        return sp.Matrix(m.rows, m.cols, lambda i, j: sp.Integer(int(m[i, j] == at(i, j))))

    return value


def _extremum_record(kind: str) -> MatrixFunction:
    # max(X), max(X, [], k): MATLAB's axis spelling, as max(X, 2) is the entry-by-entry max of X and 2
    return MatrixFunction(
        kind, (Extremum,), lambda x: axes.extremum(kind, x), _extreme(kind), "array", rf"\{kind}",
        with_axis=lambda x, k: axes.extremum(kind, x, k), params={"kind": kind}, in_sympy=False,
        empty_before_axis=True,
    )


def _attained_record(kind: str) -> MatrixFunction:
    # ismax(X), ismax(X, k): 1 where max(X) (of each column, of each row) is attained
    return MatrixFunction(
        f"is{kind}", (Attained,), lambda x: axes.attained(kind, x), _attained(kind), "array",
        rf"\operatorname{{is{kind}}}", with_axis=lambda x, k: axes.attained(kind, x, k),
        params={"kind": kind}, range=(0.0, 1.0), in_sympy=False,
    )


def _size(sp: Any, m: Any, axis: int) -> Any:
    return sp.Integer(m.rows if axis == 1 else m.cols)


def _vec(sp: Any, m: Any) -> Any:
    return sp.Matrix.vstack(*_columns(m))  # the columns stacked (column-major)


def _diag(sp: Any, m: Any) -> Any:
    return sp.diag(*m) if m.cols == 1 else sp.Matrix([m[i, i] for i in range(m.rows)])


RECORDS: tuple[MatrixFunction, ...] = (
    MatrixFunction("tr", (Trace,), build.trace, lambda sp, m: m.trace(), "square", r"\operatorname{tr}"),
    MatrixFunction("det", (Det,), build.det, lambda sp, m: m.det(), "square", r"\det", lacks=("dask",)),
    MatrixFunction(  # log|det X|
        "logdet", (LogDet,), build.logdet, lambda sp, m: sp.log(sp.Abs(m.det())), "square", r"\log\det",
        lacks=("dask",),
    ),
    MatrixFunction("inv", (Inverse,), build.inv, lambda sp, m: m.inv(), "square"),
    MatrixFunction(
        "diag", (DiagMatrix, DiagVector), build.diag, _diag, "vector or square", r"\operatorname{diag}",
    ),
    MatrixFunction("sum", (SumEntries,), build.sum_entries, _sum, "array", with_axis=axes.sum_axis),
    MatrixFunction(
        "norm1", (Norm,), lambda x: build.norm(x, 1), lambda sp, m: sum(abs(v) for v in m), "array",
        params={"p": 1}, range=(0.0, math.inf), sympy_reads_back=False,
    ),
    MatrixFunction(
        "norm2", (Norm,), lambda x: build.norm(x, 2), lambda sp, m: sp.sqrt(sum(v**2 for v in m)), "array",
        params={"p": 2}, range=(0.0, math.inf), sympy_reads_back=False,
    ),
    MatrixFunction(
        "softmax", (Softmax,), build.softmax, _softmax, "vector", r"\operatorname{softmax}",
        with_axis=build.softmax, range=(0.0, 1.0), sympy_reads_back=False,
    ),
    MatrixFunction(
        "logsumexp", (LogSumExp,), axes.logsumexp, _logsumexp, "array", r"\operatorname{logsumexp}",
        with_axis=axes.logsumexp, sympy_reads_back=False,
    ),
    MatrixFunction("size", (Size,), None, _size, "array", with_axis=axes.size, range=(1.0, math.inf)),
    MatrixFunction("vec", (Vec,), kronecker.vec, _vec, "square", r"\operatorname{vec}"),
    MatrixFunction(  # a sum over size(X, k): SymPy gives the size as a number when the sizes are given
        "mean", (), axes.mean, _mean, "array", with_axis=axes.mean, sympy_reads_back=False,
    ),
    _extremum_record("max"),
    _extremum_record("min"),
    _attained_record("max"),
    _attained_record("min"),
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
