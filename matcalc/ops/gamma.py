r"""The gamma-function family as one record: ``lgamma``, ``digamma``, ``trigamma``, ``polygamma(k, u)``.

A `Family` is a sequence of elementwise functions f_k, k = ``lowest``, ...,
each the derivative of the one before (f_k' = f_{k+1}), held by one node
(`matcalc.expr.Polygamma`, with its order) and one derivative rule (the order
raised by one, `matcalc.diff`).  Everything else a pass needs is here: the
spelling of each order (``lgamma(u)`` for order -1, ``polygamma(k, u)`` for an
order without a name), the value, the LaTeX name, a code template per backend
(``_0`` the argument, ``_1`` the order), the SymPy form, the range by order
(code generation's sign facts) and where tests draw arguments.

The gamma family: order -1 is log Γ, order k ≥ 0 the polygamma function
ψ⁽ᵏ⁾ (Abramowitz & Stegun 6.3.1, 6.4.1); evaluation and NumPy code use SciPy's
``gammaln`` (log |Γ| for a negative argument, as SciPy defines it), ``psi``
and ``polygamma``; ψ⁽ᵏ⁾ has the sign (-1)^(k+1) for k ≥ 1 (A&S 6.4.10).
This module imports nothing of matcalc but the record helpers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from matcalc.ops.record import Interval, Registry, alias_problems, code_problems, name_problems, spelled
from matcalc.ops.special import SPECIAL_HELPERS

__all__ = ["FAMILIES", "POLYGAMMA", "Family"]

_ANY: Interval = (-math.inf, math.inf)


@dataclass(frozen=True, slots=True)
class Family:
    r"""Elementwise functions f_k of an order k ≥ ``lowest``, with f_k' = f_{k+1}: one node, one record.

    Attributes:
        name: the spelling of ``name(k, u)``, which takes any order (``polygamma``).
        lowest: the lowest order (-1: log Γ).
        named: the orders that have a name of their own (``{-1: "lgamma"}``): ``lgamma(u)``.
        numpy: ``numpy(k, x)``, the value of order k entry by entry.
        latex: ``latex(k)``, the LaTeX name of order k (``\psi^{(2)}``).
        code: the code generator's operations by name, each a template per backend:
            a named order's name (``_0`` the argument), and ``name`` for any order
            (``_0`` the argument, ``_1`` the order).  A named order without code of its
            own (``trigamma``) is ``name`` with its order.
        sympy: ``sympy(sp, k, t)``, the SymPy form of order k at the SymPy scalar ``t``;
            a SymPy function of ``t`` (one order) or of ``(k, t)`` (any) reads back.
        range: ``range(k)``, an interval that holds every value of order k (`matcalc.codegen.signs`).
        samples: the interval tests draw arguments from (defined, well conditioned).
        helpers: helper name to the source of its ``def`` (with ``xp``), for templates that call one.
        aliases: what other tools call an order, to the name of that order (``gammaln``: ``lgamma``);
            the parser suggests the name for them (`matcalc.spellings`).
    """

    name: str
    lowest: int
    named: Mapping[int, str]
    numpy: Callable[[int, Any], Any]
    latex: Callable[[int], str]
    code: Mapping[str, Mapping[str, str]]
    sympy: Callable[[Any, int, Any], Any]
    range: Callable[[int], Interval]
    samples: Interval
    helpers: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)

    def spelled(self, order: int) -> str:
        """How order ``order`` is called: its own name, or ``name(k, ...)``."""
        return self.named.get(order, f"{self.name}({order}, ...)")

    def code_op(self, order: int) -> str:
        """The code generator's operation of ``order``: its name if it has code of its own, else ``name``."""
        own = self.named.get(order, self.name)
        return own if own in self.code else self.name

    def problems(self) -> list[str]:
        """What is missing or malformed in this record (empty when it is complete)."""
        out = name_problems(self.name)
        for order, spelling in self.named.items():
            out.extend(name_problems(spelling))
            if order < self.lowest:
                out.append(f"{spelling} has the order {order}, below the lowest, {self.lowest}")
        if self.name not in self.code:
            out.append(f"no code for {self.name}(k, u), the form every order can use")
        for op, templates in self.code.items():
            if op != self.name and op not in self.named.values():
                out.append(f"code for {op!r}, which is neither {self.name!r} nor the name of an order")
            out.extend(f"code {op!r}: {p}" for p in code_problems(templates, self.helpers))
        for attr in ("numpy", "latex", "sympy", "range"):
            if not callable(getattr(self, attr)):
                out.append(f"{attr} is not callable")
        out.extend(alias_problems(self.name, tuple(self.aliases)))
        out.extend(f"alias {a!r} names {n!r}, which is no order's name" for a, n in self.aliases.items()
                   if n not in self.named.values())
        lo, hi = self.samples
        if not lo < hi:
            out.append(f"samples ({lo}, {hi}) is not an interval")
        return out


def _value(order: int, x: Any) -> Any:
    """SciPy's gammaln (log |Γ|), psi and polygamma; SciPy is imported on first use."""
    import numpy as np
    import scipy.special  # type: ignore[import-untyped]

    if order == -1:
        out = scipy.special.gammaln(x)
    elif order == 0:
        out = scipy.special.psi(x)
    else:
        out = scipy.special.polygamma(order, x)
    return np.asarray(out, dtype=np.float64)[()]


def _latex(order: int) -> str:
    """The LaTeX names log Γ, ψ, ψ^{(k)}."""
    return {-1: r"\log\Gamma", 0: r"\psi"}.get(order, rf"\psi^{{({order})}}")


def _sympy(sp: Any, order: int, t: Any) -> Any:
    return sp.loggamma(t) if order < 0 else sp.polygamma(order, t)


def _range(order: int) -> Interval:
    """ψ⁽ᵏ⁾ has the sign (-1)^(k+1) for k ≥ 1 (A&S 6.4.10); log Γ and ψ take every sign."""
    if order <= 0:
        return _ANY
    return (0.0, math.inf) if order % 2 else (-math.inf, 0.0)


_POLYGAMMA_HELPER = '''def _polygamma(t, k):
    """scipy.special.polygamma(k, t); an array of another namespace goes through NumPy."""
    import scipy.special

    return xp.asarray(scipy.special.polygamma(k, t))'''

POLYGAMMA = Family(
    "polygamma", -1, {-1: "lgamma", 0: "digamma", 1: "trigamma"}, _value, _latex,
    {
        "lgamma": spelled("_special('gammaln', _0)", jax="jax.scipy.special.gammaln(_0)",
                          torch="torch.special.gammaln(_0)", array_api="_special(xp, 'gammaln', _0)"),
        "digamma": spelled("_special('psi', _0)", jax="jax.scipy.special.digamma(_0)",
                           torch="torch.special.digamma(_0)", array_api="_special(xp, 'psi', _0)"),
        # ψ⁽ᵏ⁾(t) = (-1)^(k+1) k! ζ(k+1, t) (A&S 6.4.10) in torch: its own trigamma is good to 1e-9 only
        "polygamma": spelled(
            "_polygamma(_0, _1)", jax="jax.scipy.special.polygamma(_1, _0)",
            array_api="_polygamma(xp, _0, _1)",
            torch="(-1) ** (_1 + 1) * torch.lgamma(torch.tensor(_1 + 1.0, dtype=_0.dtype)).exp()"
            " * torch.special.zeta(_1 + 1.0, _0)",
        ),
    },
    _sympy, _range, (0.5, 4.0), helpers={**SPECIAL_HELPERS, "_polygamma": _POLYGAMMA_HELPER},
    aliases={"gammaln": "lgamma", "psi": "digamma"},
)  # fmt: skip

#: Every family of elementwise functions, validated at import (one: the gamma family).
FAMILIES: Registry[Family] = Registry((POLYGAMMA,), Family)
