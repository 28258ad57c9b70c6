"""Code for the matrix functions and spectral operations (`MatFun`, `Spectral`), from their records.

Each record (`matcalc.ops.primary`, `matcalc.ops.spectral`) spells its
operation for every backend, or says it is not available there, which is a
`CodegenError` naming the operation and the backend.  NumPy has them all
(through SciPy, ``import scipy.linalg`` written only when used): a Fréchet
derivative of any order, open slots included, is computed from the record's
NumPy code of ``f`` by the block-triangular identity (the `_frechet` helper);
a backend with a template of ``L_f(X, E)`` of its own (JAX's ``expm_frechet``)
uses it for the first order.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from matcalc.codegen import syntax as sx
from matcalc.errors import CodegenError
from matcalc.expr import MatFun, Spectral
from matcalc.ops.primary import PRIMARY_FUNCTIONS
from matcalc.ops.spectral import SPECTRAL_OPS

if TYPE_CHECKING:
    from matcalc.codegen.emit import Lowerer

__all__ = ["FRECHET_HELPER", "RECORD_HELPERS", "matfun", "spectral"]

FRECHET_HELPER = '''def _frechet(f, k, x, *dirs):
    """The k-th Fréchet derivative of the matrix function f at x along dirs; slots past them are axes."""
    n = x.shape[0]
    if len(dirs) < k:
        out = xp.zeros((n, n) + (n, n) * (k - len(dirs)))
        for s in range(n):
            for t in range(n):
                unit = xp.zeros((n, n))
                unit[s, t] = 1.0
                out[..., s, t] = _frechet(f, k, x, *dirs, unit)
        return out
    if k:  # f([[X, E], [0, X]]) = [[f(X), L_f(X, E)], [0, f(X)]]  (Higham 2008, Thm. 3.6)
        z = xp.zeros_like(x)
        big = xp.block([[x, dirs[-1]], [z, x]])
        return _frechet(f, k - 1, big, *(xp.kron(xp.eye(2), d) for d in dirs[:-1]))[:n, n:]
    return f(x)'''

#: The helpers the records' templates call (each backend that runs them writes them when used).
RECORD_HELPERS: dict[str, str] = {
    **{name: text for r in PRIMARY_FUNCTIONS.values() for name, text in r.helpers.items()},
    **{name: text for r in SPECTRAL_OPS.values() for name, text in r.helpers.items()},
}


def _missing(lw: Lowerer, what: str) -> CodegenError:
    return CodegenError(
        f"the {lw.backend.name} backend has no code for {what} (its record says it is not available "
        "there); use backend='numpy'"
    )


def spectral(lw: Lowerer, e: Spectral) -> ast.expr:
    """``eigvals(S)`` and the other spectral operations: the record's template for the backend."""
    template = SPECTRAL_OPS[e.kind].code[lw.backend.name]
    if template is None:
        raise _missing(lw, e.kind)
    return sx.fill(template, lw.backend.alias, lw.ref(e.body))


def matfun(lw: Lowerer, e: MatFun) -> ast.expr:
    """``f(X)`` or a Fréchet derivative: the record's templates, else NumPy's block identity."""
    record, backend = PRIMARY_FUNCTIONS[e.func], lw.backend.name
    x = lw.ref(e.body)
    c = lw.ref(e.params[0]) if e.params else sx.number(1.0)
    own = record.code[backend]
    if e.order == 0:
        if own is None:
            raise _missing(lw, e.func)
        return sx.fill(own, lw.backend.alias, x, c)
    frechet = record.frechet_code[backend]
    if e.order == 1 and len(e.directions) == 1 and frechet is not None:
        return sx.fill(frechet, lw.backend.alias, x, lw.ref(e.directions[0]), c)
    if own is None or "frechet" not in lw.backend.templates:
        raise _missing(lw, f"L_{e.func} (order {e.order}, {len(e.directions)} direction(s))")
    f = ast.Lambda(
        args=ast.arguments(posonlyargs=[], args=[ast.arg("_m")], kwonlyargs=[], kw_defaults=[], defaults=[]),
        body=sx.fill(own, lw.backend.alias, sx.name("_m"), c),
    )
    dirs = ast.Tuple(elts=[lw.ref(d) for d in e.directions], ctx=ast.Load())
    return lw.op("frechet", f, sx.number(e.order), x, dirs)
