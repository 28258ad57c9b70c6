"""The same derivatives in SymPy: translate a matcalc expression, differentiate it, check the numbers.

The translation is matcalc's own SymPy bridge (`matcalc.sympy_to.translate`,
the work of `matcalc.to_sympy`): SymPy's matrix expressions (`MatrixSymbol`,
`Trace`, `Determinant`, `Inverse`, `HadamardProduct`, `HadamardPower`,
`DiagMatrix`, `DiagonalOf`, `OneMatrix`, elementwise functions through
``applyfunc``), symbolic dimensions, a vector as an ``n-by-1`` `MatrixSymbol`,
a symmetric matrix as a plain one.  It gives SymPy its best chance where there
is a choice: a scalar-valued matrix product stays a ``1x1`` matrix expression,
a scalar sum that has such a term stays a ``1x1`` `MatAdd` (other scalars
times ``Identity(1)``), since SymPy's ``Add`` of traces differentiates to 0; a
``1x1`` matrix becomes a scalar by `Trace` only where a scalar is required (a
scalar function, a coefficient), since ``M[0, 0]`` differentiates to 0 too;
``norm2(u)^2`` is the inner product ``u.T*u``.  Constructs with no natural
SymPy counterpart raise `matcalc.MatcalcError`.

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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.cache import clear_cache

import matcalc as mc
from matcalc.sympy_to import Translation, translate

__all__ = ["Translation", "compare", "layouts", "numeric", "run_job", "translate"]


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
    except (mc.MatcalcError, KeyError, TypeError, ValueError, sp.ShapeError) as exc:
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
