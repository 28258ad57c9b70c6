"""matcalc: symbolic matrix calculus.

>>> import matcalc as mc
>>> f = mc.parse("x'*A*x", {"x": "vector", "A": "matrix"})
>>> str(f)
"x'*A*x"
"""

from __future__ import annotations

from matcalc.build import symbol
from matcalc.check import check
from matcalc.codegen import lambdify, numpy_code
from matcalc.diff import diff
from matcalc.errors import (
    DifferentiationError,
    EvaluationError,
    MatcalcError,
    ParseError,
    RegistryError,
    RewriteLimitError,
    ShapeError,
)
from matcalc.evaluate import evaluate
from matcalc.explain import explain
from matcalc.expr import Expr
from matcalc.parse import parse
from matcalc.printing.latex import latex
from matcalc.simplify import simplify
from matcalc.sympy_bridge import from_sympy, to_sympy
from matcalc.vec import vec_jacobian

__version__ = "0.1.0"

__all__ = [
    "DifferentiationError",
    "EvaluationError",
    "Expr",
    "MatcalcError",
    "ParseError",
    "RegistryError",
    "RewriteLimitError",
    "ShapeError",
    "check",
    "diff",
    "evaluate",
    "explain",
    "from_sympy",
    "lambdify",
    "latex",
    "matrix",
    "numpy_code",
    "parse",
    "scalar",
    "simplify",
    "symbol",
    "symmetric",
    "to_sympy",
    "vec_jacobian",
    "vector",
]


def scalar(name: str) -> Expr:
    """A scalar symbol."""
    return symbol(name, "scalar")


def vector(name: str) -> Expr:
    """A (column) vector symbol; its length is inferred from how it is used."""
    return symbol(name, "vector")


def matrix(name: str) -> Expr:
    """A matrix symbol; its dimensions are inferred from how it is used."""
    return symbol(name, "matrix")


def symmetric(name: str) -> Expr:
    """A symmetric matrix symbol."""
    return symbol(name, "symmetric")
