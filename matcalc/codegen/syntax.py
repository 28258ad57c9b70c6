"""Python syntax trees for generated code, with placeholders resolved at the end.

Generated expressions are `ast` trees, so that `ast.unparse` decides the
parentheses (from Python's own precedence) and the generated text is valid by
construction.  Three placeholder nodes stand for what is only known once the
whole function is planned:

- `Ref`: the value of another matrix-level expression (inlined, or the name of
  the temporary bound to it);
- `SizeRef`: the size of a dimension (``X.shape[0]``, read from an argument);
- `LikeRef`: an argument array of the computation (for a constructor's dtype).

Templates (see :mod:`matcalc.codegen.backends`) are expressions with operand
placeholders ``_0, _1, ...`` and the namespace ``xp``.
"""

from __future__ import annotations

import ast
import copy
import functools
from fractions import Fraction

from matcalc.dims import Dim
from matcalc.expr import Expr

__all__ = [
    "LikeRef",
    "Ref",
    "SizeRef",
    "add",
    "fill",
    "mul",
    "name",
    "neg",
    "number",
    "product",
    "sub",
]


class Ref(ast.expr):
    """The value of the matrix-level expression ``node``."""

    _fields = ()

    def __init__(self, node: Expr) -> None:
        super().__init__()
        self.node = node


class SizeRef(ast.expr):
    """The size of the dimension ``dim``."""

    _fields = ()

    def __init__(self, dim: Dim) -> None:
        super().__init__()
        self.dim = dim


class LikeRef(ast.expr):
    """An argument array whose dtype and device a constructor of ``dim``'s size copies."""

    _fields = ()

    def __init__(self, dim: Dim) -> None:
        super().__init__()
        self.dim = dim


class FunctionRef(ast.expr):
    """The parameter that holds the user's callable ``function`` (``grad_L``); named at writing."""

    _fields = ()

    def __init__(self, function: str) -> None:
        super().__init__()
        self.function = function


def name(identifier: str) -> ast.Name:
    """A variable."""
    return ast.Name(id=identifier, ctx=ast.Load())


def number(value: int | float | Fraction) -> ast.expr:
    """A numeric literal (a negative one as a unary minus, a fraction as a float).

    An integer beyond 2^53 is written as the float it stands for, as evaluation computes
    it: a Python int would stay exact, or become an object array in NumPy.
    """
    if isinstance(value, Fraction) or (isinstance(value, int) and abs(value) >= 2**53):
        value = float(value)
    if value < 0 or (isinstance(value, float) and str(value).startswith("-")):
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
    return ast.Constant(value=value)


def _binop(op: ast.operator, a: ast.expr, b: ast.expr) -> ast.expr:
    return ast.BinOp(left=a, op=op, right=b)


def add(a: ast.expr, b: ast.expr) -> ast.expr:
    """``a + b``."""
    return _binop(ast.Add(), a, b)


def sub(a: ast.expr, b: ast.expr) -> ast.expr:
    """``a - b``."""
    return _binop(ast.Sub(), a, b)


def mul(a: ast.expr, b: ast.expr) -> ast.expr:
    """``a * b``."""
    return _binop(ast.Mult(), a, b)


def div(a: ast.expr, b: ast.expr) -> ast.expr:
    """``a / b``."""
    return _binop(ast.Div(), a, b)


def power(a: ast.expr, b: ast.expr) -> ast.expr:
    """``a ** b``."""
    return _binop(ast.Pow(), a, b)


def neg(a: ast.expr) -> ast.expr:
    """``-a``."""
    return ast.UnaryOp(op=ast.USub(), operand=a)


def product(parts: list[ast.expr]) -> ast.expr:
    """``p0 * p1 * ...`` (left to right)."""
    return functools.reduce(mul, parts)


@functools.cache
def _parsed(template: str) -> ast.expr:
    return ast.parse(template, mode="eval").body


class _Fill(ast.NodeTransformer):
    def __init__(self, args: tuple[ast.expr, ...], namespace: str) -> None:
        self.args = args
        self.namespace = namespace

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id == "xp":
            return name(self.namespace)
        if node.id.startswith("_") and node.id[1:].isdigit():
            return self.args[int(node.id[1:])]
        return node


def fill(template: str, namespace: str, *args: ast.expr) -> ast.expr:
    """The template with ``_k`` replaced by ``args[k]`` and ``xp`` by ``namespace``."""
    tree = copy.deepcopy(_parsed(template))
    result = _Fill(args, namespace).visit(tree)
    assert isinstance(result, ast.expr)
    return result
