"""The built-in names of the input language, and the constructor each one calls.

Elementwise functions, matrix functions, primary matrix functions (with their
Fréchet derivatives ``L_f``) and spectral operations come from their registries
(:mod:`matcalc.ops`, :mod:`matcalc.ops.matrix`, :mod:`matcalc.ops.primary`,
:mod:`matcalc.ops.spectral`); reductions along an axis, extrema and the gamma
family from their modules.
`RESERVED` is every name that cannot be a symbol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from matcalc import build, gamma
from matcalc.errors import RegistryError, ShapeError
from matcalc.expr import Expr, Number
from matcalc.ops import ELEMENTWISE
from matcalc.ops.gamma import FAMILIES, POLYGAMMA
from matcalc.ops.matrix import MATRIX_FUNCTIONS
from matcalc.ops.primary import PRIMARY_FUNCTIONS, matfun
from matcalc.ops.spectral import SPECTRAL_OPS, spectral_op

__all__ = [
    "AXIS_CALLS",
    "DERIVATIVES",
    "EMPTY_BEFORE_AXIS",
    "EXTREMA",
    "FAMILY_CALLS",
    "FRECHET",
    "FUNCTION_ALIASES",
    "ONE_ARG",
    "RESERVED",
    "SIZED",
    "TWO_ARG",
    "VEC_CONSTANTS",
    "WHERE",
    "WITH_AXIS",
    "caret_power",
    "family_call",
]  # fmt: skip

ONE_ARG: dict[str, Callable[[Expr], Expr]] = {
    **{f: (lambda x, f=f: build.apply(f, x)) for f in ELEMENTWISE},  # type: ignore[misc]
    **{r.name: r.build for r in MATRIX_FUNCTIONS.values() if r.build is not None and r.operands == 1},
    **{name: (lambda x, k=k: gamma.polygamma(k, x)) for k, name in POLYGAMMA.named.items()},  # type: ignore[misc]
    "vector": lambda c: build.fill(c, 1),
    "matrix": lambda c: build.fill(c, 2),
    **{r.name: (lambda x, f=r.name: matfun(f, x)) for r in PRIMARY_FUNCTIONS.values() if not r.params},  # type: ignore[misc]
    **{r.name: (lambda x, k=r.name: spectral_op(k, x)) for r in SPECTRAL_OPS.values()},  # type: ignore[misc]
}

#: The primary function spelled ``X^c`` (its record takes the exponent).
_POWER = next(r.name for r in PRIMARY_FUNCTIONS.values() if r.params)

#: Functions with an axis argument ``f(X, k)`` (k = 1 down columns, 2 along rows); see `matcalc.axes`.
WITH_AXIS: dict[str, Callable[[Expr, int], Expr]] = {
    r.name: r.with_axis for r in MATRIX_FUNCTIONS.values() if r.with_axis is not None
}

#: How each function with an axis is called, ``sum(X, k)`` or, after MATLAB's empty ``[]``, ``max(X, [], k)``.
AXIS_CALLS: dict[str, str] = {name: MATRIX_FUNCTIONS[name].call_text("X", "k") for name in WITH_AXIS}

#: The functions whose axis comes third, after ``[]``: their two-argument form means something else.
EMPTY_BEFORE_AXIS = frozenset(r.name for r in MATRIX_FUNCTIONS.values() if r.empty_before_axis)

#: ``max(a, b)``/``min(a, b)``, entry by entry (``max(x)`` and ``max(X, [], k)`` are matrix functions).
EXTREMA: dict[str, Callable[[Expr, Expr], Expr]] = {
    r.name: r.pairwise for r in MATRIX_FUNCTIONS.values() if r.pairwise is not None
}

#: Functions of two operands: ``kron(A, B)``, the Kronecker product (their records, `matcalc.ops.matrix`).
TWO_ARG: dict[str, Callable[[Expr, Expr], Expr]] = {
    r.name: r.build for r in MATRIX_FUNCTIONS.values() if r.build is not None and r.operands == 2
}

#: Constants that may be given their size, ``size(X, k)`` per axis: ``eye(n)``, ``vector(c, n)``,
#: ``matrix(c, m, n)`` (the rank: how many sizes).  Without one, the size is inferred from context.
SIZED = {"eye": 1, "vector": 1, "matrix": 2}

#: The constants of the vec calculus, which always take their sizes (a product dimension does not say
#: its factors): ``commutation(size(X, 1), size(X, 2))`` is K_pq, with ``K vec(X) = vec(X')``;
#: ``symmetrizer(size(S, 1))`` is N_n = (I + K_nn)/2 (`matcalc.leaves.commutation`).
VEC_CONSTANTS: dict[str, tuple[int, Callable[..., Expr]]] = {
    "commutation": (2, build.commutation),
    "symmetrizer": (1, build.symmetrizer),
}

#: ``polygamma(k, u)``, any order of a family (`matcalc.ops.gamma`): the order first, as SciPy and SymPy
#: write it.
FAMILY_CALLS: dict[str, Callable[[int, Expr], Expr]] = {POLYGAMMA.name: gamma.polygamma}

#: Fréchet derivatives of the matrix functions: L_expm(X, E1, ..., Ek), ':' an open slot.
FRECHET = {f"L_{f}": f for f in PRIMARY_FUNCTIONS}

#: Derivatives of an abstract function F: grad(F)(u), hess(F)(u), jac(F)(u), deriv(F,k)(u).
DERIVATIVES = {"grad": 1, "hess": 2, "jac": 1, "deriv": None, "partial": None}

#: ``e where t1 = u, t2 = v``: names for subexpressions (`matcalc.grammar`).
WHERE = "where"

#: Names that cannot be symbols.
RESERVED = frozenset(ONE_ARG) | frozenset(WITH_AXIS) | frozenset(EXTREMA)
RESERVED |= {"eye"} | frozenset(FAMILY_CALLS) | frozenset(DERIVATIVES)
RESERVED |= frozenset(FRECHET) | frozenset(TWO_ARG) | frozenset(VEC_CONSTANTS)
RESERVED |= {WHERE}


def _aliases() -> dict[str, str]:
    """What other tools call each operation, to its spelling here: the ``aliases`` of every record."""
    pairs = [(a, r.name) for registry in (ELEMENTWISE, MATRIX_FUNCTIONS, PRIMARY_FUNCTIONS, SPECTRAL_OPS)
             for r in registry.values() for a in r.aliases]
    pairs += [pair for family in FAMILIES.values() for pair in family.aliases.items()]
    out: dict[str, str] = {}
    for alias, name in pairs:
        if out.setdefault(alias, name) != name:
            raise RegistryError(f"the alias {alias!r} is claimed by both {out[alias]!r} and {name!r}")
    clash = sorted(set(out) & RESERVED)
    if clash:
        raise RegistryError(f"the alias(es) {', '.join(clash)} are built-in names themselves")
    return out


#: Function names of NumPy/SciPy (np., scipy.special., np.linalg.), MATLAB and PyTorch,
#: and the built-in function this language has for each (`matcalc.spellings`).
FUNCTION_ALIASES: Mapping[str, str] = MappingProxyType(_aliases())


def family_call(name: str, k: Expr, x: Expr) -> Expr:
    """``name(k, u)``, the order ``k`` of the family ``name`` (a whole number, read off its number node)."""
    return FAMILY_CALLS[name](gamma.order_number(k), x)


def caret_power(base: Expr, exponent: Expr) -> Expr:
    """``a^b``: the scalar power, or the matrix power ``X^k`` for an integer ``k``."""
    if base.is_scalar and exponent.is_scalar:
        return build.power(base, exponent)
    if base.is_matrix and isinstance(exponent, Number):
        k = exponent.value
        if float(k).is_integer():
            return build.matpow(base, int(k))
    if base.is_matrix and exponent.is_scalar:  # X^c: the principal power of an SPD matrix
        return matfun(_POWER, base, exponent)
    raise ShapeError(f"'^' needs a scalar or square-matrix base and a scalar exponent, got "
                     f"{build.describe(base)} ^ {build.describe(exponent)}; use .^ for elementwise power")
