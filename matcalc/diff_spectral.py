"""The derivative rules of the two generic nodes of matrix functions, read from their records.

`RULES` is merged into the rules of `matcalc.diff`, which imports this module.

- `MatFun`, ``f(X)`` and its Fréchet derivatives, one rule for every primary
  function (`matcalc.ops.primary`): ``∂L_f^(k)(X; E..)[i,j,..] =
  L_f^(k+1)(X; E.., ·)[i,j,..,s,t] ∂X[s,t] + Σ_m L_f^(k)(X; E.. without E_m, ·)[i,j,..,s,t] ∂E_m[s,t]``
  (the derivative is linear in each direction and symmetric in them; Higham,
  *Functions of Matrices*, §3.1-3.2); by the exponent of ``X^c``, the record's
  ``param_derivative`` (``∂(X^c)/∂c = log(X) X^c``).
- `Spectral`: the rule of the operation's record (`matcalc.ops.spectral`); a record
  without one is a constant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from matcalc.errors import DifferentiationError
from matcalc.expr import Expr, MatFun, Spectral
from matcalc.index import Idx, Term, fresh
from matcalc.lower import atom
from matcalc.ops.primary import PRIMARY_FUNCTIONS, frechet
from matcalc.ops.spectral import SPECTRAL_OPS

if TYPE_CHECKING:
    from matcalc.diff import _Deriv

__all__ = ["RULES"]


def _matfun(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    assert isinstance(e, MatFun)
    x, c = e.body, (e.params[0] if e.params else None)
    n = x.shape[0]
    out: list[Term] = []
    s, t = fresh(n), fresh(n)
    higher = frechet(e.func, x, e.directions, e.order + 1, c)
    out.extend(dv.chain(atom(higher, (*idx, s, t)), x, (s, t)))
    for m, d in enumerate(e.directions):
        s, t = fresh(n), fresh(n)
        rest = e.directions[:m] + e.directions[m + 1 :]
        opened = frechet(e.func, x, rest, e.order, c)
        out.extend(dv.chain(atom(opened, (*idx, s, t)), d, (s, t)))
    if c is not None and dv.depends(c):
        by_param = PRIMARY_FUNCTIONS[e.func].param_derivative
        if e.order or by_param is None:
            raise DifferentiationError(
                f"the derivative of a Fréchet derivative of X^c by its exponent c is not implemented: {e}"
            )
        out.extend(dv.chain(atom(by_param(x, e), idx), c, ()))  # the record's d f(X)/dc
    return out


def _spectral(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    assert isinstance(e, Spectral)
    rule = SPECTRAL_OPS[e.kind].derivative
    return [] if rule is None else rule(dv, e, idx)


#: The derivative rules of the two node types, by node class (read by `matcalc.diff`).
Rule = Callable[["_Deriv", Expr, tuple[Idx, ...]], list[Term]]
RULES: dict[type, Rule] = {MatFun: _matfun, Spectral: _spectral}
