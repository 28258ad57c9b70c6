"""matcalc: symbolic matrix calculus.

>>> import matcalc as mc
>>> f = mc.parse("x'*A*x", {"x": "vector", "A": "matrix"})
>>> str(f)
"x'*A*x"
"""

from __future__ import annotations

from matcalc import build as _build
from matcalc import check as _check
from matcalc import codegen as _codegen
from matcalc import diff as _diff
from matcalc import evaluate as _evaluate
from matcalc import explain as _explain
from matcalc import kronecker as _kronecker
from matcalc import parse as _parse
from matcalc import simplify as _simplify
from matcalc import sympy_bridge as _sympy_bridge
from matcalc import vec as _vec
from matcalc.errors import (
    AbsentVariableError,
    CodegenError,
    DifferentiationError,
    DomainError,
    EvaluationError,
    MatcalcError,
    ParseError,
    RegistryError,
    RewriteLimitError,
    ShapeError,
)
from matcalc.expr import Expr
from matcalc.expr import tree_repr as _tree_repr
from matcalc.limits import LimitError, guarded, limits
from matcalc.printing import latex as _latex

# The public functions, each under the guard of matcalc.limits: a work budget per
# call, and RecursionError/MemoryError reported as LimitError.
check = guarded(_check.check)
code = guarded(_codegen.code)
lambdify = guarded(_codegen.lambdify)
numpy_code = guarded(_codegen.numpy_code)
diff = guarded(_diff.diff)
evaluate = guarded(_evaluate.evaluate)
explain = guarded(_explain.explain)
parse = guarded(_parse.parse)
simplify = guarded(_simplify.simplify)
latex = guarded(_latex.latex)
from_sympy = guarded(_sympy_bridge.from_sympy)
to_sympy = guarded(_sympy_bridge.to_sympy)
vec_jacobian = guarded(_vec.vec_jacobian)
parse_result = guarded(_parse.parse_result)
ParseResult = _parse.ParseResult

__version__ = "0.1.0"

__all__ = [
    "AbsentVariableError",
    "CodegenError",
    "DifferentiationError",
    "DomainError",
    "EvaluationError",
    "Expr",
    "LimitError",
    "MatcalcError",
    "ParseError",
    "ParseResult",
    "RegistryError",
    "RewriteLimitError",
    "ShapeError",
    "check",
    "code",
    "diff",
    "evaluate",
    "explain",
    "from_sympy",
    "kron",
    "lambdify",
    "latex",
    "limits",
    "matrix",
    "numpy_code",
    "parse",
    "parse_result",
    "scalar",
    "simplify",
    "srepr",
    "symbol",
    "symmetric",
    "to_sympy",
    "vec",
    "vec_jacobian",
    "vector",
]


@guarded
def srepr(e: Expr) -> str:
    """The tree of nodes of ``e``, as SymPy's ``srepr``: ``MatMul(Transpose(Symbol('x', 'vector')), ...)``.

    ``repr(e)`` and ``str(e)`` give the text form instead (what the REPL shows).
    """
    if not isinstance(e, Expr):
        raise MatcalcError(f"srepr needs an expression, got {type(e).__name__}")
    return _tree_repr(e)


@guarded
def symbol(name: str, kind: str | None = None) -> Expr:
    """A symbol of the given kind (default from its first letter: a-g scalar, h-z vector, A-Z matrix).

    The names of the input language (``exp``, ``tr``, ``eye``, ...) are refused:
    their printed text would not parse back.
    """
    if isinstance(name, str) and name in _parse.RESERVED:
        raise ShapeError(f"{name!r} cannot be a symbol name: it is a function of the input language")
    return _build.symbol(name, kind)


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
    """A symmetric matrix symbol.

    A derivative by it is the gradient on symmetric matrices, the symmetric
    part ``(G+G')/2`` of the entry-by-entry derivative ``G``, at every order
    (docs/conventions.md).
    """
    return symbol(name, "symmetric")


@guarded
def kron(a: Expr, b: Expr) -> Expr:
    """``kron(a, b)``, the Kronecker product a ⊗ b, as the input language's ``kron(A, B)``."""
    if not isinstance(a, Expr) or not isinstance(b, Expr):
        raise MatcalcError(f"kron needs expressions, got {type(a).__name__} and {type(b).__name__}")
    return _kronecker.kron(a, b)


@guarded
def vec(x: Expr) -> Expr:
    """``vec(x)``: the columns of a matrix stacked into one column (column-major), as ``vec(X)``."""
    if not isinstance(x, Expr):
        raise MatcalcError(f"vec needs an expression, got {type(x).__name__}")
    return _kronecker.vec(x)
