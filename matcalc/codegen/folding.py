"""What lowering recognizes in an expression before it writes code for it.

Constant scalars (``2^-1``, ``exp(2)``) folded to the literal of their value;
the transpose of a sum or product pushed inside (``(A*B)'`` is ``B'*A'``), so
that a transpose computed anyway can be reused; the sign of a term, so that
``a + -b`` is written ``a - b``; scalars that Python's arithmetic may compute.
Used by `matcalc.codegen.emit` (the stable logarithms are `matcalc.stable`).
"""

from __future__ import annotations

import ast

import numpy as np

from matcalc import build
from matcalc.codegen import products
from matcalc.codegen import syntax as sx
from matcalc.errors import MatcalcError
from matcalc.evaluate import evaluate
from matcalc.expr import Add, Expr, Hadamard, MatMul, Number, Scale, Symbol, children

__all__ = [
    "constant", "is_number", "python_scalar",
    "split_sign", "sum_of", "transposed",
]  # fmt: skip


def transposed(e: Expr, depth: int = 2) -> Expr:
    """``e'`` with the transpose taken into sums and products (``(A*B)'`` is ``B'*A'``)."""
    if depth == 0:
        return build.transpose(e)
    match e:
        case MatMul():
            return products.fold([transposed(f, depth - 1) for f in reversed(e.factors)])
        case Add():
            terms = [transposed(t, depth - 1) for t in e.terms]
            total = terms[0]
            for t in terms[1:]:
                total = build.add(total, t)
            return total
        case Scale():
            return build.scale(e.coef, transposed(e.body, depth))
    return build.transpose(e)


def constant(e: Expr) -> ast.expr | None:
    """A scalar of numbers alone (``2^-1``, ``exp(2)``, ``0^-1``) as the literal of its value, else None.

    The value is `matcalc.evaluate`'s, so constants follow IEEE arithmetic on every backend:
    in the generated code they would be Python floats, whose ``0.0 ** -1`` and ``1.0 / 0.0``
    raise and ``(-8.0) ** (1/3)`` is complex, and which PyTorch's functions refuse
    (``torch.pow(2.0, -1)``, ``torch.exp(2)``).  The lowering asks for the largest constant
    subtree first, so each is evaluated once.
    """
    if isinstance(e, Number) or not e.is_scalar or e.symbols or e.dims:
        return None
    try:
        with np.errstate(all="ignore"):
            value = float(evaluate(e, {}))
    except MatcalcError:  # not computable without values (none is known): lowered as usual
        return None
    whole = (value.is_integer() and 0 < abs(value) < 2**53) or (value == 0 and str(value) == "0.0")
    return sx.number(int(value) if whole else value)


def python_scalar(e: Expr) -> bool:
    """Whether the code of ``e`` may compute with Python floats (scalar arguments and numbers only).

    Python's float arithmetic raises where NumPy's gives inf or nan, so such
    divisions and powers go through NumPy.
    """
    if isinstance(e, Number) or (isinstance(e, Symbol) and e.is_scalar):
        return True
    if isinstance(e, Add | Scale | Hadamard) and e.is_scalar:
        return all(python_scalar(k) for k in children(e))
    return False


def is_number(e: Expr, value: float) -> bool:
    """Whether ``e`` is the number ``value``."""
    return isinstance(e, Number) and e.value == value


def split_sign(term: Expr) -> tuple[bool, Expr]:
    """``(True, t)`` for a term ``-t`` written as a subtraction of ``t``, else ``(False, term)``."""
    if isinstance(term, Number) and term.value < 0:
        return True, build.number(-term.value)
    if isinstance(term, Scale):
        minus, coef = split_sign(term.coef)
        if minus:
            return True, build.scale(coef, term.body)
    return False, term


def sum_of(parts: list[ast.expr]) -> ast.expr:
    """The code of the sum of ``parts``, left to right."""
    total = parts[0]
    for p in parts[1:]:
        total = sx.add(total, p)
    return total
