r"""The primary matrix functions, one `PrimaryFunction` record each, and their smart constructors.

``expm``, ``logm``, ``sqrtm``, the real power ``X^c`` (``pow``), ``cosm`` and
``sinm`` are ``f(X)`` for a scalar function ``f`` of the eigenvalues (Higham,
*Functions of Matrices*, SIAM 2008, Def. 1.2).  One node type, `MatFun`,
holds each of them and its Fréchet derivatives ``L_f^(k)(X; E1, ..., Ek)``;
everything else about a function is its record here (see
`matcalc.ops.spectral_record`): evaluation, LaTeX, code per backend, SymPy,
the closed form ``f'(X)`` and the domain tests draw from.  The derivative rule
is the one every primary function shares (`matcalc.diff_spectral`).

Adding a primary function is one record appended to `RECORDS`; the parser
reads ``name(X)`` and ``L_name(X, E)`` from the registry.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from matcalc import build
from matcalc.dims import Dim
from matcalc.errors import RegistryError, ShapeError
from matcalc.expr import (
    Add,
    Expr,
    Identity,
    Inverse,
    MatFun,
    MatMul,
    MatPow,
    Number,
    Scale,
    Symbol,
    Transpose,
)
from matcalc.ops.record import Registry
from matcalc.ops.spectral_record import PrimaryFunction
from matcalc.spectral import scipy_linalg

__all__ = ["HELPERS", "PRIMARY_FUNCTIONS", "RECORDS", "frechet", "matfun", "primary_function", "symmetric"]

_MATFUN = '''def _matfun(x, f, general, cut):
    """f(X) through the eigenvalues of a symmetric X, else general(X) (SciPy); cut: eigenvalues > 0."""
    scale = max(1.0, float(xp.max(xp.abs(x), initial=0.0)))
    if xp.allclose(x, x.T, rtol=0.0, atol=1e-12 * scale):
        lam, q = xp.linalg.eigh((x + x.T) / 2)
        if cut and xp.min(lam, initial=1.0) <= 0:
            raise ValueError('an eigenvalue lies on the branch cut (-inf, 0]: not positive definite')
        return (q * f(lam)) @ q.T
    value = xp.asarray(general(x))
    if xp.iscomplexobj(value):
        if xp.max(xp.abs(value.imag), initial=0.0) > 1e-8 * max(1.0, float(xp.max(xp.abs(value)))):
            raise ValueError('the principal value is not real at this matrix')
        value = value.real
    return value'''

#: Every helper a NumPy template of this module calls.
HELPERS = {"_matfun": _MATFUN}

#: L_exp(X, E) by the block identity exp([[X, E], [0, X]]) = [[e^X, L], [0, e^X]] (Higham 2008, Thm. 3.6).
_TORCH_L_EXP = (
    "torch.linalg.matrix_exp(torch.cat([torch.cat([_0, _1], 1), torch.cat([torch.zeros_like(_0), _0], 1)],"
    " 0))[:_0.shape[0], _0.shape[0]:]"
)  # fmt: skip


_FRACTIONAL = "lambda _m: scipy.linalg.fractional_matrix_power(_m, _1)"


def _numpy(f: str, general: str, cut: bool) -> str:
    return f"_matfun(_0, {f}, {general}, {cut})"


def _none(**given: str) -> dict[str, str | None]:
    """A template where ``given``, None (not available) for every other backend."""
    return {b: given.get(b) for b in ("numpy", "jax", "torch", "array_api")}


def _real_power(t: Any, c: float) -> Any:
    return np.power(t, c)


RECORDS: tuple[PrimaryFunction, ...] = (
    PrimaryFunction(
        "expm", lambda t, c: np.exp(t), lambda t, c: np.exp(t), lambda x, c: scipy_linalg().expm(x),
        lambda x, c: matfun("expm", x), r"\exp",
        _none(numpy=_numpy("xp.exp", "scipy.linalg.expm", False), jax="jax.scipy.linalg.expm(_0)",
              torch="torch.linalg.matrix_exp(_0)"),
        _none(numpy="scipy.linalg.expm_frechet(_0, _1, compute_expm=False)",
              jax="jax.scipy.linalg.expm_frechet(_0, _1, compute_expm=False)", torch=_TORCH_L_EXP),
        None, "general",
        frechet_general=lambda x, e, c: scipy_linalg().expm_frechet(x, e, compute_expm=False),
        helpers=HELPERS, aliases=("exp_m", "matrix_exp"),
    ),
    PrimaryFunction(  # the principal logarithm: f' = 1/t, so f'(X) = inv(X)
        "logm", lambda t, c: np.log(t), lambda t, c: 1.0 / t, lambda x, c: scipy_linalg().logm(x),
        lambda x, c: build.inv(x), r"\log",
        _none(numpy=_numpy("xp.log", "scipy.linalg.logm", True)), _none(), None, "spd",
        branch_cut=True, pole=lambda c: True, helpers=HELPERS, aliases=("log_m",),
    ),
    PrimaryFunction(  # the principal square root: f'(X) = inv(sqrtm(X))/2
        "sqrtm", lambda t, c: np.sqrt(t), lambda t, c: 0.5 / np.sqrt(t), lambda x, c: scipy_linalg().sqrtm(x),
        lambda x, c: build.scale(build.number(Fraction(1, 2)), build.inv(matfun("sqrtm", x))), "1/2",
        _none(numpy=_numpy("xp.sqrt", "scipy.linalg.sqrtm", True)), _none(), None, "spd",
        branch_cut=True, latex_style="power", helpers=HELPERS, aliases=("sqrt_m",),
    ),
    PrimaryFunction(  # X^c, the principal real power: f'(X) = c X^(c-1)
        "pow", _real_power, lambda t, c: c * np.power(t, c - 1.0),
        lambda x, c: scipy_linalg().fractional_matrix_power(x, c), lambda x, c: _power_derivative(x, c), "",
        _none(numpy=_numpy("lambda _t: _t ** _1", _FRACTIONAL, True)),
        _none(), None, "spd", branch_cut=True, pole=lambda c: c < 0, latex_style="power", params=1,
        param_factor="logm",  # d X^c/dc = log(X) X^c
        helpers=HELPERS,
    ),
    PrimaryFunction(  # cos(X): f' = -sin, so f'(X) = -sinm(X) (entire: no domain restriction)
        "cosm", lambda t, c: np.cos(t), lambda t, c: -np.sin(t), lambda x, c: scipy_linalg().cosm(x),
        lambda x, c: build.neg(matfun("sinm", x)), r"\cos",
        _none(numpy=_numpy("xp.cos", "scipy.linalg.cosm", False)), _none(), None, "general",
        helpers=HELPERS,
    ),
    PrimaryFunction(  # sin(X): f'(X) = cosm(X)
        "sinm", lambda t, c: np.sin(t), lambda t, c: np.cos(t), lambda x, c: scipy_linalg().sinm(x),
        lambda x, c: matfun("cosm", x), r"\sin",
        _none(numpy=_numpy("xp.sin", "scipy.linalg.sinm", False)), _none(), None, "general",
        helpers=HELPERS,
    ),
)  # fmt: skip

#: Every primary matrix function, validated at import.
PRIMARY_FUNCTIONS: Registry[PrimaryFunction] = Registry(RECORDS, PrimaryFunction)
for _r in RECORDS:
    if _r.param_factor is not None and _r.param_factor not in PRIMARY_FUNCTIONS:
        raise RegistryError(f"operation {_r.name!r}: param_factor {_r.param_factor!r} is not a function")


def primary_function(e: MatFun) -> PrimaryFunction:
    """The record of the node ``e``."""
    return PRIMARY_FUNCTIONS[e.func]


def _power_derivative(x: Expr, c: Expr | None) -> Expr:
    assert c is not None, "X^c has an exponent"
    lower = build.number(c.value - 1) if isinstance(c, Number) else build.sub(c, build.number(1))
    return build.scale(c, matfun("pow", x, lower))


def matfun(func: str, x: Expr, c: Expr | None = None) -> Expr:
    """``f(X)`` for the primary function ``func`` (``X^c`` is ``func == "pow"``)."""
    return frechet(func, x, (), 0, c)


def frechet(func: str, x: Expr, directions: tuple[Expr, ...], order: int, c: Expr | None = None) -> Expr:
    """``L_f^(order)(X; directions, open slots...)``; ``order == len(directions)`` is a matrix."""
    record = PRIMARY_FUNCTIONS[func]
    x = build.require_square(func if not record.params else "the matrix power X^c", x)
    params: tuple[Expr, ...] = ()
    if record.params:
        if c is None or not c.is_scalar:
            raise ShapeError("the matrix power X^c needs a scalar exponent c")
        if isinstance(c, Number) and order == 0 and float(c.value).is_integer():
            return build.matpow(x, int(c.value))
        params = (c,)
    elif c is not None:
        raise ShapeError(f"{func} takes no exponent")
    n = x.shape[0]
    for d in directions:
        if not d.is_matrix:
            raise ShapeError(f"a direction of a Fréchet derivative is a matrix, got {build.describe(d)}")
    if len(directions) > order:
        raise ShapeError(f"a Fréchet derivative of order {order} has {len(directions)} directions")
    equal = [(n, d.shape[a]) for d in directions for a in (0, 1)]
    x, *rest = build.unified([x, *params, *directions], equal)
    params, dirs = tuple(rest[: len(params)]), tuple(rest[len(params) :])
    if order == 1 and len(dirs) == 1 and record.derivative is not None and _commutes(dirs[0], x):
        return build.matmul(record.derivative(x, c), dirs[0])  # L_f(X, E) = f'(X) E when XE = EX
    n = x.shape[0]
    shape: tuple[Dim, ...] = (n, n) * (1 + order - len(dirs))
    return MatFun(func, x, params, dirs, order, shape=shape)


def _commutes(e: Expr, x: Expr) -> bool:
    """True when ``e`` is a function of ``x`` by construction (so ``x e = e x``)."""
    match e:
        case Identity():
            return True
        case MatFun(order=0, body=b) | Inverse(body=b) | MatPow(body=b) | Scale(body=b):
            return e is x or b is x or _commutes(b, x)
        case MatMul(factors=fs) | Add(terms=fs):
            return all(_commutes(f, x) for f in fs)
        case Transpose(body=b):
            return symmetric(x) and _commutes(b, x)  # g(S)' = g(S') = g(S)
    return e is x


def symmetric(x: Expr) -> bool:
    """True when ``x`` is symmetric by construction: ``S``, ``A'*A``, ``A*A'``, ``f(S)``, ``inv(S)``."""
    match x:
        case Symbol(kind=kind):
            return kind == "symmetric"
        case Identity():
            return True
        case MatMul(factors=(a, b)):
            return a is build.transpose(b)
        case MatFun(order=0, body=b) | Inverse(body=b) | MatPow(body=b):
            return symmetric(b)
    return False
