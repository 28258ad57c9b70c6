"""Special functions of ML and statistics, one `Elementwise` record each.

``softplus``, ``log1p``, ``expm1``, ``erf``, ``normcdf`` (Φ, the standard
normal CDF) and ``lognormcdf`` (log Φ, SciPy's ``log_ndtr``).  Each is
evaluated in a numerically stable form: ``softplus`` as
``logaddexp(0, u)`` (no overflow of ``exp``), ``log1p``/``expm1`` with NumPy's
accurate versions near 0, ``erf`` and ``normcdf`` with SciPy's ``scipy.special``
(NumPy has neither; ``ndtr`` keeps its relative accuracy in the lower tail,
where ``(1 + erf(u/√2))/2`` cancels to 0; ``log_ndtr`` stays finite where Φ
itself underflows, below u ≈ -38).  SciPy is a dependency of matcalc
for this reason; it is imported when such a function is first evaluated, not
by ``import matcalc``.

Derivatives (Abramowitz & Stegun 4.1, 4.2, 7.1.19, 26.2.1): softplus' = sigmoid,
log1p' = 1/(1+u), expm1' = exp, erf' = 2/√π exp(-u²), Φ' = φ = exp(-u²/2)/√(2π);
(log Φ)' = φ/Φ (the inverse Mills ratio), written exp(-u²/2 - log Φ(u))/√(2π)
so that it stays finite where φ and Φ both underflow.

SymPy has ``erf`` and, in ``sympy.codegen.cfunctions``, ``log1p`` and ``expm1``;
``softplus``, ``normcdf`` and ``lognormcdf`` are SymPy functions defined here (`sympy_function`),
with their derivative, numeric value and NumPy implementation, so that the
bridge translates them both ways as one function.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from matcalc.ops.record import Elementwise, spelled

__all__ = ["RECORDS", "SPECIAL_HELPERS", "sympy_function"]

_INF = math.inf

#: Generated code calls SciPy through this helper where the library has no such function;
#: other namespaces go through NumPy and back (dask arrays stay lazy: SciPy's ufuncs dispatch).
_SPECIAL_HELPER = '''def _special(name, t):
    """scipy.special.<name>(t): NumPy has no erf or ndtr; an array of another namespace goes through NumPy."""
    import scipy.special

    return xp.asarray(getattr(scipy.special, name)(t))'''


def _scipy(name: str) -> Any:
    """``scipy.special.<name>``, imported on first use (SciPy is a dependency, not an import of matcalc)."""

    def call(x: Any) -> Any:
        import scipy.special  # type: ignore[import-untyped]

        return getattr(scipy.special, name)(x)

    return call


@functools.cache
def sympy_function(sp: Any, name: str) -> Any:
    """A SymPy function class for ``softplus``, ``normcdf`` or ``lognormcdf`` (one class per name)."""
    if name == "softplus":

        def form(t: Any) -> Any:
            return sp.log(1 + sp.exp(t))

        def derivative(t: Any) -> Any:
            return 1 / (1 + sp.exp(-t))

        numpy_form: Any = lambda x: np.logaddexp(0.0, x)  # noqa: E731 - SymPy's lambdify reads _imp_
    elif name == "lognormcdf":

        def form(t: Any) -> Any:
            return sp.log(sp.erfc(-t / sp.sqrt(2)) / 2)

        def derivative(t: Any) -> Any:
            return sp.exp(-(t**2) / 2) / sp.sqrt(2 * sp.pi) / sympy_function(sp, "normcdf")(t)

        numpy_form = _scipy("log_ndtr")
    else:

        def form(t: Any) -> Any:
            return sp.erfc(-t / sp.sqrt(2)) / 2

        def derivative(t: Any) -> Any:
            return sp.exp(-(t**2) / 2) / sp.sqrt(2 * sp.pi)

        numpy_form = _scipy("ndtr")

    def fdiff(self: Any, argindex: int = 1) -> Any:
        return derivative(self.args[0])

    def _eval_evalf(self: Any, prec: int) -> Any:
        return form(self.args[0])._eval_evalf(prec)

    def _eval_rewrite_as_exp(self: Any, t: Any, **kwargs: Any) -> Any:
        return form(t)

    members = {"nargs": 1, "fdiff": fdiff, "_eval_evalf": _eval_evalf, "_imp_": staticmethod(numpy_form),
               "_eval_rewrite_as_exp": _eval_rewrite_as_exp}  # fmt: skip
    return type(name, (sp.Function,), members)


def _cfunction(name: str) -> Any:
    """``log1p`` or ``expm1`` of `sympy.codegen.cfunctions` applied to ``t``."""

    def make(sp: Any, t: Any) -> Any:
        from sympy.codegen import cfunctions

        return getattr(cfunctions, name)(t)

    return make


#: The helper of the templates that call SciPy (``_special('erf', _0)``); the gamma family uses it too.
SPECIAL_HELPERS = {"_special": _SPECIAL_HELPER}

RECORDS: tuple[Elementwise, ...] = (
    Elementwise(
        "softplus", lambda x: np.logaddexp(0.0, x), lambda u, f: f("sigmoid", u),  # softplus' = sigmoid
        r"\operatorname{softplus}",
        spelled("xp.logaddexp(0.0, _0)", jax="jax.nn.softplus(_0)",
                torch="torch.logaddexp(torch.zeros_like(_0), _0)",
                array_api="xp.logaddexp(xp.zeros_like(_0), _0)"),
        lambda sp, t: sympy_function(sp, "softplus")(t), (-10, 10), range=(0.0, _INF),
    ),
    Elementwise(
        "log1p", np.log1p, lambda u, f: 1 / (1 + u),  # log1p' = 1/(1+u)
        r"\operatorname{log1p}", spelled("xp.log1p(_0)"), _cfunction("log1p"), (-0.9, 5),
        defined=(-1.0, _INF),
    ),
    Elementwise(
        "expm1", np.expm1, lambda u, f: f("exp", u),  # expm1' = exp
        r"\operatorname{expm1}", spelled("xp.expm1(_0)"), _cfunction("expm1"), (-3, 3),
        range=(-1.0, _INF),
    ),
    Elementwise(
        "erf", _scipy("erf"), lambda u, f: (2 / math.sqrt(math.pi)) * f("exp", -(u**2)),  # A&S 7.1.19
        r"\operatorname{erf}",
        spelled("_special('erf', _0)", jax="jax.scipy.special.erf(_0)", torch="torch.special.erf(_0)",
                array_api="_special(xp, 'erf', _0)"),
        lambda sp, t: sp.erf(t), (-3, 3), helpers=SPECIAL_HELPERS, range=(-1.0, 1.0),
    ),
    Elementwise(
        "normcdf", _scipy("ndtr"),
        lambda u, f: (1 / math.sqrt(2 * math.pi)) * f("exp", -(u**2) / 2),  # Φ' = φ, A&S 26.2.1
        r"\Phi",
        spelled("_special('ndtr', _0)", jax="jax.scipy.special.ndtr(_0)", torch="torch.special.ndtr(_0)",
                array_api="_special(xp, 'ndtr', _0)"),
        lambda sp, t: sympy_function(sp, "normcdf")(t), (-5, 5), helpers=SPECIAL_HELPERS, range=(0.0, 1.0),
        aliases=("ndtr", "norm_cdf", "Phi"),
    ),
    Elementwise(
        "lognormcdf", _scipy("log_ndtr"),
        # (log Φ)' = φ/Φ = exp(-u²/2 - log Φ(u))/√(2π): finite where φ and Φ underflow (u < -38)
        lambda u, f: (1 / math.sqrt(2 * math.pi)) * f("exp", -(u**2) / 2 - f("lognormcdf", u)),
        r"\log\Phi",
        spelled("_special('log_ndtr', _0)", jax="jax.scipy.special.log_ndtr(_0)",
                torch="torch.special.log_ndtr(_0)", array_api="_special(xp, 'log_ndtr', _0)"),
        lambda sp, t: sympy_function(sp, "lognormcdf")(t), (-5, 5), helpers=SPECIAL_HELPERS,
        range=(-_INF, 0.0), aliases=("log_ndtr", "logndtr", "norm_logcdf"),
    ),
)  # fmt: skip
