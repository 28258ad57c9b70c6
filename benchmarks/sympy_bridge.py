"""The same derivatives in SymPy: translate a matcalc expression, differentiate it, check the numbers.

`translate` maps the matcalc tree onto SymPy's matrix expressions
(`MatrixSymbol`, `Trace`, `Determinant`, `Inverse`, `HadamardProduct`,
`HadamardPower`, `DiagMatrix`, `DiagonalOf`, `OneMatrix`, elementwise
functions through ``applyfunc``).  Symbolic dimensions stay symbolic (one
positive integer symbol per matcalc dimension), a vector is an ``n-by-1``
`MatrixSymbol`, and a symmetric matrix a plain `MatrixSymbol` (SymPy has no
symmetric matrix symbol; matcalc treats its entries as independent anyway).
We give SymPy its best chance where there is a choice: a scalar-valued
matrix product stays a ``1x1`` matrix expression, a scalar sum that has such
a term stays a ``1x1`` `MatAdd` (other scalars times ``Identity(1)``), since
SymPy's ``Add`` of traces differentiates to 0; a ``1x1`` matrix becomes a
scalar by `Trace` only where a scalar is required (a scalar function, a
coefficient), since ``M[0, 0]`` differentiates to 0 too; ``norm2(u)^2`` is the
inner product ``u.T*u``.  Constructs with no natural SymPy counterpart raise
`Unsupported`.

Run as a script, this module is the worker that `derive.py` starts once per
identity (so a SymPy call that hangs or exhausts memory is contained): it
reads a pickled job on stdin and writes a pickled result on stdout.
"""

from __future__ import annotations

import itertools
import pickle
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.cache import clear_cache

import matcalc as mc
from matcalc import expr as E
from matcalc.dims import Dim


class Unsupported(Exception):
    """A matcalc construct the translator does not map to SymPy."""


_T = sp.Dummy("t")

_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "arcsin": sp.asin,
    "arccos": sp.acos,
    "arctan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sign": sp.sign,
    "relu": lambda t: sp.Max(0, t),
    "step": lambda t: sp.Heaviside(t, 0),
    "sigmoid": lambda t: 1 / (1 + sp.exp(-t)),
}


@dataclass
class Translation:
    """A SymPy expression, the SymPy objects of matcalc's symbols, and its dimension symbols."""

    expr: Any
    symbols: dict[str, Any]
    dims: dict[Dim, sp.Symbol]


def translate(f: E.Expr) -> Translation:
    """``f`` as a SymPy (matrix) expression; raises `Unsupported`."""
    t = _Translator()
    return Translation(t.go(f), t.symbols, t.dims)


def _is_matrix(v: Any) -> bool:
    return isinstance(v, sp.MatrixExpr)


def _scalar(v: Any) -> Any:
    """A SymPy scalar for a scalar-valued translation (a ``1x1`` matrix becomes its trace)."""
    return sp.Trace(v) if _is_matrix(v) else v


class _Translator:
    def __init__(self) -> None:
        self.symbols: dict[str, Any] = {}
        self.dims: dict[Dim, sp.Symbol] = {}
        self.memo: dict[int, Any] = {}

    def dim(self, d: Dim) -> sp.Symbol:
        if d not in self.dims:
            name = f"n_{d.owner}{d.axis}" if not d.anonymous else f"n__{d.axis}"
            self.dims[d] = sp.Symbol(name, integer=True, positive=True)
        return self.dims[d]

    def rows_cols(self, e: E.Expr) -> tuple[Any, Any]:
        """SymPy's two dimensions for a non-scalar node (a vector is a column or a row)."""
        if e.is_vector:
            n = self.dim(e.shape[0])
            return (1, n) if e.row else (n, 1)
        return self.dim(e.shape[0]), self.dim(e.shape[1])

    def go(self, e: E.Expr) -> Any:
        done = self.memo.get(id(e))
        if done is None:
            done = self.memo[id(e)] = self.orient(e, self.node(e))
        return done

    def orient(self, e: E.Expr, v: Any) -> Any:
        """Transpose a vector translation whose orientation differs from the node's."""
        if e.is_vector and _is_matrix(v) and v.shape != self.rows_cols(e):
            v = v.T
        return v

    def node(self, e: E.Expr) -> Any:  # noqa: C901 - one case per node type
        go = self.go
        match e:
            case E.Symbol(name=name, kind=kind):
                if kind == "scalar":
                    s = sp.Symbol(name, real=True)
                else:
                    s = sp.MatrixSymbol(name, *self.rows_cols(e))
                self.symbols[name] = s
                return s
            case E.Number(value=value):
                if isinstance(value, Fraction):
                    return sp.Rational(value.numerator, value.denominator)
                return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
            case E.Zero():
                return sp.ZeroMatrix(*self.rows_cols(e)) if e.shape else sp.Integer(0)
            case E.Ones():
                return sp.OneMatrix(*self.rows_cols(e)) if e.shape else sp.Integer(1)
            case E.Identity():
                return sp.Identity(self.dim(e.shape[0]))
            case E.Add(terms=terms):
                parts = [go(t) for t in terms]
                if any(map(_is_matrix, parts)):  # a scalar sum with 1x1 terms stays 1x1
                    parts = [p if _is_matrix(p) else p * sp.Identity(1) for p in parts]
                    return sp.MatAdd(*parts).doit(deep=False)
                return sp.Add(*parts)
            case E.Scale(coef=coef, body=body):
                return _scalar(go(coef)) * go(body)
            case E.MatMul(factors=factors):
                return sp.MatMul(*(go(f) for f in factors)).doit(deep=False)
            case E.Transpose(body=body):
                v = go(body)
                return v.T if _is_matrix(v) else v
            case E.Hadamard(factors=factors):
                return sp.HadamardProduct(*(go(f) for f in factors))
            case E.ElemDiv(num=num, den=den):
                return self.quotient(go(num), go(den), num.is_scalar, den.is_scalar)
            case E.Power(base=E.Norm(body=body, p=2), exponent=E.Number(value=2)):
                return self.square(go(body), body)
            case E.Power(base=base, exponent=exponent):
                return self.power(go(base), go(exponent), base, exponent)
            case E.Apply(func=func, arg=arg):
                return self.apply(_FUNCTIONS[func], go(arg), arg.is_scalar)
            case E.Trace(body=body):
                return sp.Trace(go(body))
            case E.Det(body=body):
                return sp.Determinant(go(body))
            case E.LogDet(body=body):
                return sp.log(sp.Determinant(go(body)))
            case E.Inverse(body=body):
                return sp.Inverse(go(body))
            case E.MatPow(body=body, k=k):
                return sp.MatPow(go(body), k)
            case E.DiagMatrix(body=body):
                return sp.DiagMatrix(go(body))
            case E.DiagVector(body=body):
                return sp.DiagonalOf(go(body))
            case E.SumEntries(body=body):
                return self.sum(go(body), body)
            case E.Norm(body=body, p=p):
                return self.norm(go(body), body, p)
            case E.Softmax(body=body):
                ex = self.apply(sp.exp, go(body), False)
                return (1 / _scalar(self.sum(ex, body))) * ex
            case _:
                raise Unsupported(f"no SymPy counterpart for {type(e).__name__}")

    def quotient(self, u: Any, v: Any, u_scalar: bool, v_scalar: bool) -> Any:
        if v_scalar:
            return (1 / _scalar(v)) * u if not u_scalar else _scalar(u) / _scalar(v)
        inv = sp.HadamardPower(v, -1)
        return _scalar(u) * inv if u_scalar else sp.HadamardProduct(u, inv)

    def power(self, u: Any, p: Any, base: E.Expr, exponent: E.Expr) -> Any:
        if base.is_scalar and exponent.is_scalar:
            return _scalar(u) ** _scalar(p)
        if exponent.is_scalar:
            return sp.HadamardPower(u, _scalar(p))
        if base.is_scalar and isinstance(base, E.Number):
            return self.apply(lambda t: u**t, p, False)
        raise Unsupported("elementwise power with a non-constant array exponent")

    def apply(self, fn: Callable[[Any], Any], v: Any, scalar: bool) -> Any:
        if scalar:
            return fn(_scalar(v))
        return v.applyfunc(sp.Lambda(_T, fn(_T)))

    def sum(self, v: Any, body: E.Expr) -> Any:
        """The sum of the entries (a ``1x1`` matrix product with vectors of ones)."""
        if body.is_scalar:
            return v
        r, c = v.shape
        left = [sp.OneMatrix(1, r)] if r != 1 else []
        right = [sp.OneMatrix(c, 1)] if c != 1 else []
        return sp.MatMul(*left, v, *right).doit(deep=False)

    def norm(self, v: Any, body: E.Expr, p: int) -> Any:
        if body.is_scalar:
            return sp.Abs(v)
        if p == 1:
            return self.sum(self.apply(sp.Abs, v, False), body)
        return sp.sqrt(_scalar(self.square(v, body)))

    def square(self, v: Any, body: E.Expr) -> Any:
        """``norm2(body)^2`` as an inner product (``u'*u``, or ``tr(U'*U)``)."""
        if body.is_scalar:
            return v**2
        if body.is_vector:
            return v.T * v if not body.row else v * v.T
        return sp.Trace(v.T * v)


# ---- numbers -----------------------------------------------------------------------------


def numeric(value: Any, tr: Translation, values: dict[str, Any]) -> np.ndarray:
    """The float array of a SymPy result at ``values`` (dimensions from the arrays' shapes)."""
    sizes: dict[sp.Symbol, int] = {}
    for name, s in tr.symbols.items():
        if isinstance(s, sp.MatrixSymbol):
            arr = np.asarray(values[name], dtype=float)
            shape = arr.shape if arr.ndim == 2 else (arr.shape[0], 1)
            for dim, size in zip(s.shape, shape, strict=True):
                if isinstance(dim, sp.Symbol):
                    sizes[dim] = size
    concrete = value.subs(sizes) if sizes else value
    replace: dict[Any, Any] = {}
    for name, s in tr.symbols.items():
        v = values[name]
        if isinstance(s, sp.MatrixSymbol):
            arr = np.asarray(v, dtype=float)
            arr = arr.reshape(-1, 1) if arr.ndim == 1 else arr
            replace[sp.MatrixSymbol(name, *arr.shape)] = sp.ImmutableMatrix(arr.tolist())
        else:
            replace[s] = sp.Float(float(v))
    for special in concrete.atoms(sp.OneMatrix, sp.Identity, sp.ZeroMatrix):  # so that products evaluate
        replace[special] = sp.ImmutableMatrix(
            np.asarray(special.as_explicit().tolist(), dtype=float).tolist()
        )
    out = concrete.xreplace(replace).doit()
    if hasattr(out, "as_explicit"):
        out = out.as_explicit()
    if isinstance(out, sp.MatrixBase | sp.NDimArray):
        return np.array(sp.Array(out).tolist(), dtype=float) if out.shape else np.array(float(out))
    return np.array(float(sp.N(out)))


def layouts(ref: np.ndarray, groups: list[tuple[int, ...]]) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
    """``ref`` with its axis groups (value, then each variable) in every order, identity first."""
    starts = list(itertools.accumulate([0, *map(len, groups)]))
    spans = [tuple(range(starts[k], starts[k + 1])) for k in range(len(groups)) if groups[k]]
    for order in itertools.permutations(range(len(spans))):
        axes = tuple(a for g in order for a in spans[g])
        yield order, ref.transpose(axes) if axes else ref


def compare(value: np.ndarray, ref: np.ndarray, groups: list[tuple[int, ...]]) -> tuple[str, str]:
    """("right" | "wrong", note): equal up to unit axes and a reordering of whole axis groups."""
    v = np.squeeze(value)
    if not np.any(ref) and not np.any(v):
        return "right", "" if v.size == ref.size else "a scalar 0 for a zero array"
    for order, r in layouts(ref, groups):
        r = np.squeeze(r)
        if v.shape == r.shape and np.allclose(v, r, rtol=1e-6, atol=1e-8 * max(1.0, float(np.abs(r).max()))):
            if order == tuple(sorted(order)):
                return "right", ""
            return "right", "variable's axes first" if order == (1, 0) else f"axis groups in order {order}"
    if v.size != ref.size:
        return "wrong", f"shape {value.shape}, expected {ref.shape}"
    return "wrong", "numbers differ"


# ---- the worker --------------------------------------------------------------------------


class _Timeout(Exception):
    pass


@contextmanager
def _limit(seconds: float) -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise _Timeout

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _derivative(expr: Any, variables: list[Any]) -> Any:
    for v in variables:
        expr = expr.diff(v)
    return expr


def _zero_derivative(e: Any) -> bool:
    return isinstance(e, sp.Derivative) and (e.expr == 0 or isinstance(e.expr, sp.ZeroMatrix))


def _unevaluated(result: Any) -> bool:
    return bool(result.has(sp.Derivative)) or "Derivative(" in str(result)


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Differentiate one identity in SymPy, time it and check it against ``job["reference"]``."""
    f = mc.parse(job["expr"], job["kinds"])
    try:
        tr = translate(f)
        variables = [tr.symbols[w] for w in job["wrt"]]
    except (Unsupported, KeyError, TypeError, ValueError, sp.ShapeError) as exc:
        return {"status": "fails", "note": f"not expressible: {exc}"[:120], "ms": None}
    times: list[float] = []
    try:
        with _limit(job["timeout"]):
            while len(times) < job["repeats"] and sum(times) < 1.0:
                clear_cache()
                start = time.perf_counter()
                result = _derivative(tr.expr, variables)
                times.append(time.perf_counter() - start)
    except _Timeout:
        return {"status": "fails", "note": f"timed out after {job['timeout']:g} s", "ms": None}
    except Exception as exc:
        return {"status": "fails", "note": f"{type(exc).__name__}: {exc}"[:120], "ms": None}
    ms = 1e3 * statistics.median(times)
    text = str(result)
    result = result.replace(_zero_derivative, lambda d: sp.Integer(0))  # d0/dx is 0
    if _unevaluated(result):
        try:
            with _limit(job["timeout"]):
                result = result.doit()
        except Exception:  # _Timeout included: SymPy could not finish the derivative
            pass
        if _unevaluated(result):
            return {"status": "fails", "note": "returned unevaluated", "ms": ms, "text": text}
    try:
        with _limit(job["eval_timeout"]):
            value = numeric(result, tr, job["values"])
    except _Timeout:
        return {"status": "unchecked", "note": "evaluating the result timed out", "ms": ms, "text": text}
    except Exception as exc:
        note = f"result not evaluable: {type(exc).__name__}: {exc}"[:120]
        return {"status": "unchecked", "note": note, "ms": ms, "text": text}
    status, note = compare(value, job["reference"], job["groups"])
    if status == "wrong" and not np.any(value):
        note = "returned 0"
    return {"status": status, "note": note, "ms": ms, "text": text}


def main() -> None:
    """Worker entry point: a pickled job on stdin, a pickled result on stdout."""
    job = pickle.load(sys.stdin.buffer)
    result = run_job(job)
    sys.stdout.buffer.write(pickle.dumps(result))


if __name__ == "__main__":
    main()
