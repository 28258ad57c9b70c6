"""The SymPy bridge: `from_sympy` reads a SymPy matrix expression, `to_sympy` writes one.

SymPy is an optional dependency (``pip install 'matcalc[sympy]'``): importing
matcalc never imports it; these two functions do, and raise `MatcalcError`
with the install command when it is missing.

The bridge lets a SymPy user hand matcalc the derivatives SymPy gets wrong or
cannot take, and take the result back.  SymPy 1.14 differentiates
``log(det(X))`` by ``X`` to 0, for instance; matcalc gives ``inv(X)'``, which
`to_sympy` writes as ``X.inverse().T`` (SymPy prints it ``X.T**(-1)``)::

    >>> import sympy as sp, matcalc as mc
    >>> n = sp.Symbol("n")
    >>> X = sp.MatrixSymbol("X", n, n)
    >>> f = sp.log(sp.Determinant(X))
    >>> f.diff(X)
    0
    >>> g = mc.diff(mc.from_sympy(f), "X")
    >>> str(g)
    "inv(X)'"
    >>> mc.to_sympy(g, dims=f)
    X.T**(-1)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

from matcalc.errors import MatcalcError
from matcalc.expr import Expr

__all__ = ["from_sympy", "to_sympy"]


def _require_sympy() -> Any:
    """The ``sympy`` module, or a `MatcalcError` that says how to install it."""
    try:
        import sympy
    except ImportError:
        raise MatcalcError(
            "the SymPy bridge needs SymPy, which is not installed; "
            "install sympy: pip install 'matcalc[sympy]'"
        ) from None
    return sympy


def from_sympy(e: Any, kinds: Mapping[str, str] | None = None) -> Expr:
    """The matcalc expression of a SymPy matrix expression.

    What maps to what:

    - ``MatrixSymbol("X", n, m)`` is the matrix symbol ``X``; one with a literal
      1 as its number of columns (``nx1``) is the vector ``x``, one with a
      literal 1 as its number of rows (``1xn``) is ``x'``, a ``1x1`` one a scalar;
      a `Symbol` is a scalar.  In general a ``1x1`` SymPy matrix expression is a
      matcalc scalar (``x.T*A*x`` is the scalar ``x'*A*x``), an ``nx1`` one a
      column vector and a ``1xn`` one a row vector.
    - Sums, products and powers: `MatAdd`, `MatMul` (with scalar
      coefficients), `Add`, `Mul`, `Pow` (``t**(1/2)`` is ``sqrt``),
      `HadamardProduct`, `HadamardPower`, `MatPow` (integer exponents),
      `DotProduct`; numbers (`Integer`, `Rational`, `Float`, and ``pi``, ``E``
      as floats).
    - `Transpose` (and `Adjoint`: matcalc's values are real), `Inverse`,
      `Trace`, `Determinant`, ``log(Determinant(X))`` and
      ``log(Abs(Determinant(X)))`` as ``logdet(X)``, `DiagMatrix` and
      `DiagonalOf` as ``diag``, `DiagonalMatrix` as ``diag(diag(X))``,
      `Identity`, `ZeroMatrix`, `OneMatrix`, ``M[0, 0]`` of a ``1x1`` ``M``.
    - ``exp``, ``log``, ``sin``, ``cos``, ``tan``, ``asin``, ``acos``,
      ``atan``, ``sinh``, ``cosh``, ``tanh``, ``Abs``, ``sign``,
      ``Max(0, t)`` (``relu``), ``Heaviside(t, 0)`` (``step``),
      ``1/(1 + exp(-t))`` (``sigmoid``), on scalars and, through
      ``X.applyfunc(f)`` (`ElementwiseApplyFunction`), elementwise on arrays.

    matcalc's ``logdet(X)`` is ``log|det X|``: it has the same derivative,
    ``inv(X)'``, and is defined where ``det X < 0`` too, where SymPy's
    ``log(det(X))`` is complex.

    SymPy's dimensions are dropped: matcalc infers its own from how the
    symbols are used.  They are checked all the same: dimensions the
    expression forces to be equal (the inner ones of a product, the two of a
    trace, through the whole expression) must not be two different numbers,
    and two different SymPy symbols must not share a name (matcalc knows a
    symbol by its name).

    Args:
        e: a SymPy expression (matrix or scalar).
        kinds: kinds of symbols where SymPy's shape does not say it, by name:
            ``{"S": "symmetric"}`` for a square `MatrixSymbol` (SymPy has no
            symmetric matrix symbol).  A kind that contradicts the SymPy shape
            is an error; names not in ``e`` are ignored.

    Returns:
        The matcalc expression.

    Raises:
        MatcalcError: a SymPy class with no matcalc counterpart (the message
            names it; `KroneckerProduct`, `BlockMatrix`, explicit matrices,
            entries ``X[i, j]`` ...), or SymPy is not installed.
        ShapeError: shapes matcalc rejects, inconsistent SymPy dimensions, two
            symbols of one name, or a kind that contradicts a shape.

    Example:
        >>> import sympy as sp, matcalc as mc
        >>> n = sp.Symbol("n")
        >>> A, x = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("x", n, 1)
        >>> str(mc.from_sympy(x.T * A * x))
        "x'*A*x"
    """
    sp = _require_sympy()
    from matcalc import sympy_from

    if not isinstance(e, sp.Basic):
        if isinstance(e, numbers.Real) and not isinstance(e, bool):
            e = sp.sympify(e, strict=True)
        else:
            hint = " (text is read by matcalc.parse)" if isinstance(e, str) else ""
            if isinstance(e, sp.MatrixBase):
                hint = " (explicit matrices have no matcalc counterpart; use MatrixSymbol)"
            raise MatcalcError(f"from_sympy needs a SymPy expression, got {type(e).__name__}{hint}")
    return sympy_from.read(e, kinds)


def to_sympy(e: Expr, dims: Mapping[str, Any] | Any = None) -> Any:
    """A SymPy matrix expression for a matcalc expression in matrix form.

    Symbols become `MatrixSymbol` objects: a matrix ``nxm``, a vector ``nx1``
    (a row vector is its transpose), a symmetric matrix a plain square one
    (SymPy has none; SymPy's derivative by it is then entry by entry, whose
    symmetric part is matcalc's); a scalar is a real `Symbol`.  Each dimension is a SymPy
    `Symbol` named ``n``, ``m``, ``p``, ``q``, ... in order of first appearance
    (the symbols' dimensions first, by symbol name; letters that are symbol
    names are skipped), unless ``dims`` gives it.  A scalar-valued product
    stays a ``1x1`` matrix expression, as SymPy writes ``x.T*A*x``; where a
    scalar is needed (the argument of a scalar function, a coefficient) it is
    wrapped in `Trace`.  ``sum(X)``, ``norm1``, ``norm2`` and ``softmax``,
    which SymPy's matrix expressions lack, are written with `OneMatrix`
    products, ``sqrt(u.T*u)`` and ``applyfunc``.

    Args:
        e: a matcalc expression in matrix form (not an index form, such as
            the third-order ``mc.diff("W*x", "W")``).
        dims: the SymPy sizes of the symbols, either by name (``{"X": (3, 3),
            "x": n}``: integers or SymPy expressions; a vector's as ``n``,
            ``(n,)``, ``(n, 1)`` or ``(1, n)``), or a SymPy expression whose
            symbols to reuse as they are, typically the one `from_sympy` read:
            its `MatrixSymbol` and `Symbol` objects then appear in the result.

    Returns:
        A SymPy expression: a matrix expression for a vector or matrix, a
        scalar or ``1x1`` matrix expression for a scalar.

    Raises:
        MatcalcError: an index form (no matrix form), a node with no SymPy
            counterpart, ``dims`` that contradict the expression's shapes, or
            SymPy is not installed.

    Example:
        >>> import matcalc as mc
        >>> f = mc.to_sympy(mc.parse("W*x+b", {"b": "vector"}))
        >>> f, f.shape
        (W*x + b, (n, 1))
    """
    _require_sympy()
    from matcalc import sympy_to

    if not isinstance(e, Expr):
        hint = " (parse text first with matcalc.parse)" if isinstance(e, str) else ""
        raise MatcalcError(f"to_sympy needs a matcalc expression, got {type(e).__name__}{hint}")
    return sympy_to.translate(e, dims).expr
