"""The derivative rules of the two generic nodes of matrix functions, read from their records.

`RULES` is merged into the rules of `matcalc.diff`, which imports this module.

- `MatFun`, ``f(X)`` and its Fréchet derivatives, one rule for every primary
  function (`matcalc.ops.primary`): ``∂L_f^(k)(X; E..)[i,j,..] =
  L_f^(k+1)(X; E.., ·)[i,j,..,s,t] ∂X[s,t] + Σ_m L_f^(k)(X; E.. without E_m, ·)[i,j,..,s,t] ∂E_m[s,t]``
  (the derivative is linear in each direction and symmetric in them; Higham,
  *Functions of Matrices*, §3.1-3.2); by the exponent of ``X^c``, the record's
  ``param_factor`` (``∂(X^c)/∂c = log(X) X^c``), at every order by Leibniz's rule.
- `Spectral`: the rule of the operation's record (`matcalc.ops.spectral`); a record
  without one is a constant.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

from matcalc.expr import Expr, MatFun, Spectral
from matcalc.index import Idx, Term, fresh, product
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
        out.extend(_by_exponent(dv, e, x, c, idx))
    return out


def _by_exponent(dv: _Deriv, e: MatFun, x: Expr, c: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    """``∂L_f^(k)(X; E..)/∂c`` for ``∂f(X)/∂c = g(X) f(X)`` (the record's ``param_factor`` g).

    Leibniz's rule for the Fréchet derivatives of the product ``g(X) f(X)``: the sum over
    every split of the slots (the given directions and the open ones) between the two
    factors of ``L_g^(|S|)(X; S) L_f^(k-|S|)(X; rest)``, the matrices multiplied
    (Higham, *Functions of Matrices*, §3.2, the product rule).
    """
    g = PRIMARY_FUNCTIONS[e.func].param_factor
    assert g is not None, "the registry checks that a function with an exponent names its param_factor"
    n = x.shape[0]
    opened = range(e.order - len(e.directions))
    slots = [*((d, ()) for d in e.directions), *((None, idx[2 + 2 * k : 4 + 2 * k]) for k in opened)]
    out: list[Term] = []
    for mask in itertools.product((False, True), repeat=len(slots)):
        mine = [s for s, left in zip(slots, mask, strict=True) if left]
        rest = [s for s, left in zip(slots, mask, strict=True) if not left]
        m = fresh(n)
        left = atom(_frechet_of(g, x, mine, None), (idx[0], m, *_open(mine)))
        right = atom(_frechet_of(e.func, x, rest, c), (m, idx[1], *_open(rest)))
        out.extend(dv.chain(product(left, right), c, ()))
    return out


def _frechet_of(func: str, x: Expr, slots: list[tuple[Expr | None, tuple[Idx, ...]]], c: Expr | None) -> Expr:
    directions = tuple(d for d, _ in slots if d is not None)
    return frechet(func, x, directions, len(slots), c)


def _open(slots: list[tuple[Expr | None, tuple[Idx, ...]]]) -> tuple[Idx, ...]:
    return tuple(i for d, ix in slots if d is None for i in ix)


def _spectral(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    assert isinstance(e, Spectral)
    rule = SPECTRAL_OPS[e.kind].derivative
    return [] if rule is None else rule(dv, e, idx)


#: The derivative rules of the two node types, by node class (read by `matcalc.diff`).
Rule = Callable[["_Deriv", Expr, tuple[Idx, ...]], list[Term]]
RULES: dict[type, Rule] = {MatFun: _matfun, Spectral: _spectral}
