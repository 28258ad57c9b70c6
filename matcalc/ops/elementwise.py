"""The elementwise functions of the input language, one `Elementwise` record each.

Adding a function is adding one record here (docs/architecture.md has a worked
example); the registry validates it at import and tests/test_ops.py takes it
through every pass.  Derivatives cite the usual tables (Abramowitz & Stegun
4.4, 4.5; each is also checked against finite differences and SymPy).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from matcalc.ops import special
from matcalc.ops.record import Elementwise, Registry, spelled

__all__ = ["ELEMENTWISE", "RECORDS"]

_INF = math.inf


def _sigmoid(x: Any) -> Any:
    """1/(1+exp(-x)), computed from exp(-|x|) so that it neither overflows nor loses digits."""
    z = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1 / (1 + z), z / (1 + z))[()]


_SIGMOID_HELPER = '''def _sigmoid(t):
    """1/(1+exp(-t)) without overflow: exp only of -|t|."""
    z = xp.exp(-xp.abs(t))
    return xp.where(t >= 0, 1 / (1 + z), z / (1 + z))'''


def _plain(name: str, **others: str) -> dict[str, str]:
    """``xp.<name>(_0)`` in every backend, except where ``others`` spell it differently."""
    return spelled(f"xp.{name}(_0)", **others)


RECORDS: tuple[Elementwise, ...] = (
    Elementwise(
        "exp", np.exp, lambda u, f: f("exp", u),  # exp' = exp
        r"\exp", _plain("exp"), lambda sp, t: sp.exp(t), (-3, 3), range=(0.0, _INF),
    ),
    Elementwise(
        "log", np.log, lambda u, f: 1 / u,  # log' = 1/u
        r"\log", _plain("log"), lambda sp, t: sp.log(t), (0.1, 5), defined=(0.0, _INF), aliases=("ln",),
    ),
    Elementwise(
        "sin", np.sin, lambda u, f: f("cos", u),  # sin' = cos
        r"\sin", _plain("sin"), lambda sp, t: sp.sin(t), (-4, 4), range=(-1.0, 1.0),
    ),
    Elementwise(
        "cos", np.cos, lambda u, f: -f("sin", u),  # cos' = -sin
        r"\cos", _plain("cos"), lambda sp, t: sp.cos(t), (-4, 4), range=(-1.0, 1.0),
    ),
    Elementwise(
        "tan", np.tan, lambda u, f: 1 + f("tan", u) ** 2,  # tan' = 1 + tan²
        r"\tan", _plain("tan"), lambda sp, t: sp.tan(t), (-1.4, 1.4),
    ),
    Elementwise(
        "arcsin", np.arcsin, lambda u, f: 1 / f("sqrt", 1 - u**2),  # 1/√(1-u²)
        r"\arcsin", _plain("arcsin", array_api="xp.asin(_0)"), lambda sp, t: sp.asin(t), (-0.99, 0.99),
        defined=(-1.0, 1.0), aliases=("asin",),
    ),
    Elementwise(
        "arccos", np.arccos, lambda u, f: -(1 / f("sqrt", 1 - u**2)),  # -1/√(1-u²)
        r"\arccos", _plain("arccos", array_api="xp.acos(_0)"), lambda sp, t: sp.acos(t), (-0.99, 0.99),
        defined=(-1.0, 1.0), aliases=("acos",),
    ),
    Elementwise(
        "arctan", np.arctan, lambda u, f: 1 / (1 + u**2),  # 1/(1+u²)
        r"\arctan", _plain("arctan", array_api="xp.atan(_0)"), lambda sp, t: sp.atan(t), (-5, 5),
        aliases=("atan",),
    ),
    Elementwise(
        "sinh", np.sinh, lambda u, f: f("cosh", u),  # sinh' = cosh
        r"\sinh", _plain("sinh"), lambda sp, t: sp.sinh(t), (-3, 3),
    ),
    Elementwise(
        "cosh", np.cosh, lambda u, f: f("sinh", u),  # cosh' = sinh
        r"\cosh", _plain("cosh"), lambda sp, t: sp.cosh(t), (-3, 3), range=(1.0, _INF),
    ),
    Elementwise(
        "tanh", np.tanh, lambda u, f: 1 - f("tanh", u) ** 2,  # tanh' = 1 - tanh²
        r"\tanh", _plain("tanh"), lambda sp, t: sp.tanh(t), (-3, 3), range=(-1.0, 1.0),
    ),
    Elementwise(
        "sqrt", np.sqrt, lambda u, f: 0.5 / f("sqrt", u),  # 1/(2√u)
        r"\sqrt", _plain("sqrt"), lambda sp, t: sp.sqrt(t), (0.01, 5), latex_style="root",
        range=(0.0, _INF), defined=(0.0, _INF),
    ),
    Elementwise(
        "abs", np.abs, lambda u, f: f("sign", u),  # |u|' = sign(u); 0 at 0
        r"\lvert\cdot\rvert", _plain("abs"), lambda sp, t: sp.Abs(t), (-3, 3), latex_style="bars",
        range=(0.0, _INF), kinks=(0.0,), aliases=("absolute", "fabs"),
    ),
    Elementwise(
        "sign", np.sign, None,  # 0 (undefined at 0)
        r"\operatorname{sign}", _plain("sign"), lambda sp, t: sp.sign(t), (-3, 3), kinks=(0.0,),
        aliases=("sgn",),
    ),
    Elementwise(
        "relu", lambda x: np.maximum(x, 0.0), lambda u, f: f("step", u),  # relu' = step; 0 at 0
        r"\operatorname{relu}",
        spelled("xp.maximum(_0, 0.0)", torch="torch.relu(_0)",
                array_api="xp.where(_0 > 0, _0, xp.zeros_like(_0))"),
        lambda sp, t: sp.Max(0, t), (-3, 3), range=(0.0, _INF), kinks=(0.0,),
    ),
    Elementwise(
        "step", lambda x: np.where(x > 0, 1.0, 0.0), None,  # Heaviside, 0 at 0 (and at nan)
        r"\operatorname{step}",
        spelled("xp.where(_0 > 0, 1.0, 0.0)", torch="(_0 > 0).to(_0.dtype)",
                array_api="xp.astype(_0 > 0, _0.dtype)"),
        lambda sp, t: sp.Heaviside(t, 0), (-3, 3), range=(0.0, 1.0), kinks=(0.0,), aliases=("heaviside",),
    ),
    Elementwise(
        "sigmoid", _sigmoid, lambda u, f: f("sigmoid", u) * (1 - f("sigmoid", u)),  # s' = s (1 - s)
        r"\sigma",
        spelled("_sigmoid(_0)", jax="jax.nn.sigmoid(_0)", torch="torch.sigmoid(_0)",
                array_api="_sigmoid(xp, _0)"),
        lambda sp, t: 1 / (1 + sp.exp(-t)), (-10, 10), helpers={"_sigmoid": _SIGMOID_HELPER},
        range=(0.0, 1.0), aliases=("logistic", "expit"),
    ),
)  # fmt: skip

#: Every elementwise function, validated (a `RegistryError` at import names an incomplete record).
ELEMENTWISE = Registry(RECORDS + special.RECORDS)
