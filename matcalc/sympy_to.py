"""matcalc expressions as SymPy matrix expressions (the work of `matcalc.sympy_bridge.to_sympy`).

Imports SymPy at the top: only `matcalc.sympy_bridge` imports this module, and
only once it knows SymPy is installed.

Each node maps onto SymPy's matrix expressions: `MatrixSymbol`, `MatMul`,
`MatAdd`, `Transpose`, `Trace`, `Determinant`, `log(Determinant(X))` for
``logdet``, `Inverse`, `MatPow`, `HadamardProduct`, `HadamardPower`,
`DiagMatrix`, `DiagonalOf`, `Identity`, `ZeroMatrix`, `OneMatrix`, and
``applyfunc`` for elementwise functions.  A vector is an ``nx1``
`MatrixSymbol` (a row vector its transpose), a symmetric matrix a plain one
(SymPy has none: its derivative by it is entry by entry, matcalc's the
symmetric part of that), a scalar a real `Symbol`.  Where there is a choice the translation takes the form
SymPy handles best: a scalar-valued product stays a ``1x1`` matrix expression
(as SymPy writes ``x.T*A*x``) and a scalar sum with such a term stays a ``1x1``
`MatAdd` (the other terms times ``Identity(1)``), since SymPy differentiates an
``Add`` of traces, or ``M[0, 0]``, to 0; a ``1x1`` matrix becomes a scalar
through `Trace` only where a scalar is required (the argument of a scalar
function, a coefficient).  ``sum(X)`` is ``1ᵀ X 1`` with `OneMatrix` factors,
``norm2(u)`` is ``sqrt(u.T*u)`` (``norm2(u)^2`` the inner product itself),
``softmax(x)`` is ``exp(x)`` over the sum of its entries, ``softmax(X, 2)`` is
``diag(1./(exp(X)*1))*exp(X)`` (by columns the diagonal scales from the right),
``logsumexp`` the log of such sums, ``size(X, k)`` the dimension's symbol.
The named matrix functions (``tr`` ... ``vec``) take their form from their
records (`matcalc.ops.matrix`, ``to_sympy``), built with this translator's
``scalar``, ``apply``, ``sum``, ``by_axis``, ``norm``, ``dim`` and ``vec``;
a record without one (``max(X)``) is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, assert_never, cast

import sympy as sp

from matcalc import expr as E
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.kronecker import product_axes
from matcalc.ops import ELEMENTWISE
from matcalc.ops.gamma import POLYGAMMA
from matcalc.ops.matrix import matrix_function
from matcalc.ops.primary import PRIMARY_FUNCTIONS
from matcalc.ops.spectral import SPECTRAL_OPS

__all__ = ["FUNCTIONS", "Translation", "VecOf", "translate"]

#: Letters for dimensions, in order of first appearance (as `matcalc.printing.vec` names them).
_LETTERS = "nmpqrstuvwabcdefgh"

_T = sp.Dummy("t")

#: matcalc's elementwise functions as functions of one SymPy scalar (from their registry records).
FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    r.name: (lambda t, r=r: r.sympy(sp, t)) for r in ELEMENTWISE.values()  # type: ignore[misc]
}


class VecOf(sp.MatrixExpr):
    """``vec(X)`` for SymPy, whose matrix expressions have none: the columns of ``X`` stacked.

    Entry ``i`` is ``X[i mod m, i div m]`` for ``m`` rows; with an explicit ``X``,
    ``doit`` gives the explicit column.  `from_sympy` reads it back as ``vec``.
    """

    @property
    def arg(self) -> Any:
        """The matrix whose columns are stacked."""
        return self.args[0]

    @property
    def shape(self) -> tuple[Any, Any]:
        """(rows times columns of the argument, 1)."""
        return (self.arg.shape[0] * self.arg.shape[1], sp.Integer(1))

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        rows = self.arg.shape[0]
        return self.arg[i % rows, i // rows]

    def doit(self, **hints: Any) -> Any:
        """The explicit column when the argument is an explicit matrix."""
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if isinstance(arg, sp.MatrixBase):
            return sp.ImmutableMatrix(arg.T.reshape(arg.rows * arg.cols, 1))  # row j of X' is column j
        return VecOf(arg)


@dataclass
class Translation:
    """A SymPy expression, the SymPy objects of matcalc's symbols (by name), and the dimensions."""

    expr: Any
    symbols: dict[str, Any]
    dims: dict[Dim, Any]


def translate(f: E.Expr, dims: Mapping[str, Any] | Any = None) -> Translation:
    """``f`` as a SymPy (matrix) expression; see `matcalc.sympy_bridge.to_sympy` for ``dims``."""
    t = _Translator(f)
    if isinstance(dims, sp.Basic):
        t.reuse(dims)
    elif dims is not None:
        t.given(dims)
    t.name_dims()
    try:
        for node in E.walk(f):  # children first: `go` then never recurses more than a level
            t.go(node)
    except RecursionError:  # SymPy's own constructors recurse over deep arguments
        raise MatcalcError(
            f"the expression is nested {f.depth} levels deep, too deep for SymPy to build"
        ) from None
    return Translation(t.go(f), t.symbols, t.dims)


def _is_matrix(v: Any) -> bool:
    return isinstance(v, sp.MatrixExpr)


def _scalar(v: Any) -> Any:
    """A SymPy scalar for a scalar-valued translation (a ``1x1`` matrix becomes its trace)."""
    return sp.Trace(v) if _is_matrix(v) else v


def _number(n: Any) -> bool:
    return isinstance(n, int) or (isinstance(n, sp.Basic) and n.is_Integer)


class _Translator:
    def __init__(self, f: E.Expr) -> None:
        self.f = f
        self.by_name = {s.name: s for s in f.symbols}
        self.symbols: dict[str, Any] = {}
        self.dims: dict[Dim, Any] = {}
        self.row_symbols: set[str] = set()
        self.memo: dict[E.Expr, Any] = {}
        self.taken = set(self.by_name)

    # ---- dimensions ---------------------------------------------------------------------

    def fix(self, d: Dim, value: Any, name: str) -> None:
        """Give dimension ``d`` the SymPy size ``value`` (two different numbers are a conflict)."""
        try:
            value = sp.sympify(value, strict=True)  # strict: text is never parsed
        except sp.SympifyError:
            raise MatcalcError(f"dims gives '{name}' the size {value!r}; sizes are integers or "
                               "SymPy expressions") from None
        if value.is_Integer and value < 1:
            raise MatcalcError(f"dims gives '{name}' the size {value}; sizes are positive")
        old = self.dims.setdefault(d, value)
        if old != value and _number(old) and _number(value):
            raise MatcalcError(f"dims gives '{name}' a dimension of size {value}, but the expression "
                               f"makes it equal to one of size {old}")
        self.taken.update(s.name for s in value.free_symbols)

    def given(self, dims: Mapping[str, Any]) -> None:
        """Sizes by symbol name: ``{"X": (n, n), "x": n}`` (a vector: ``n``, ``(n, 1)`` or ``(1, n)``)."""
        owners = {d.owner for d in self.f.dims}
        for name, shape in dims.items():
            shape = tuple(shape) if isinstance(shape, Iterable) else (shape,)
            s = self.by_name.get(name)
            if s is not None:
                self.shape(s, shape)
            elif name in owners:
                self.owned(name, shape)
            else:
                raise MatcalcError(f"dims names {name!r}, which is not a symbol of the expression")

    def owned(self, name: str, shape: tuple[Any, ...]) -> None:
        """Sizes of the dimensions named after a symbol that is not in the expression.

        (The derivative of ``sum(x)`` by ``x`` is the ones of the length of ``x``.)
        """
        if len(shape) == 2 and 1 in shape:
            shape = (shape[1],) if shape[0] == 1 else (shape[0],)
        for axis, size in enumerate(shape):
            d = Dim.of(name, axis)
            if d in self.f.dims:
                self.fix(d, size, name)

    def shape(self, s: E.Symbol, shape: tuple[Any, ...]) -> None:
        if s.is_scalar:
            if shape not in ((), (1, 1)):
                raise MatcalcError(f"dims gives the scalar '{s.name}' the shape {shape}")
            return
        if s.is_vector and len(shape) == 2 and 1 in shape:
            if shape[0] == 1 and shape[1] != 1:
                self.row_symbols.add(s.name)
            shape = (shape[1],) if shape[0] == 1 else (shape[0],)
        if len(shape) != s.ndim:
            raise MatcalcError(f"dims gives '{s.name}' the shape {shape}, but it is a {s.kind}")
        for d, size in zip(s.shape, shape, strict=True):
            self.fix(d, size, s.name)

    def reuse(self, original: Any) -> None:
        """Take the symbols of a SymPy expression (the one `from_sympy` read) as they are."""
        for m in original.atoms(sp.MatrixSymbol):
            s = self.by_name.get(m.name)
            if s is None:
                self.owned(m.name, m.shape)
            else:
                self.shape(s, m.shape)
                self.symbols[s.name] = m[0, 0] if s.is_scalar else m  # a 1x1 matrix for a scalar
        for v in original.atoms(sp.Symbol):
            s = self.by_name.get(v.name)
            if s is not None and s.is_scalar and not isinstance(v, sp.Dummy):
                self.symbols[s.name] = v

    def name_dims(self) -> None:
        """A letter for each dimension without a size: those of the symbols first, by name."""
        ordered = [d for s in self.f.symbols for d in s.shape]
        ordered += sorted(self.f.dims)
        self.letters = iter(c for c in _LETTERS if c not in self.taken)
        products = {whole: parts for e in E.walk(self.f) for whole, parts in product_axes(e)}
        for d in ordered:
            if d not in products:
                self.dim(d)
        for e in E.walk(self.f):  # a kron's or vec's axis is the product of its parts, whatever its name
            for whole, parts in product_axes(e):
                size = sp.Mul(*(self.dim(p) for p in parts))
                if self.dims.setdefault(whole, size) != size:
                    raise MatcalcError(
                        f"{e}: SymPy cannot state that {self.dims[whole]} = {size} (two products of "
                        "dimensions that matcalc only knows to be equal); give the sizes as numbers in dims"
                    )

    def dim(self, d: Dim) -> Any:
        if d.parts and d not in self.dims:  # kron and vec: the product of the parts' sizes
            return sp.Mul(*(self.dim(p) for p in d.parts))
        if d not in self.dims:
            letter = next(self.letters, None) or f"n{len(self.dims)}"
            self.dims[d] = sp.Symbol(letter)
        return self.dims[d]

    def rows_cols(self, e: E.Expr) -> tuple[Any, Any]:
        """SymPy's two dimensions for a non-scalar node (a vector is a column or a row)."""
        if e.is_vector:
            n = self.dim(e.shape[0])
            return (1, n) if e.row else (n, 1)
        return self.dim(e.shape[0]), self.dim(e.shape[1])

    # ---- nodes --------------------------------------------------------------------------

    def go(self, e: E.Expr) -> Any:
        done = self.memo.get(e)
        if done is None:
            if e.ndim > 2:
                raise MatcalcError(f"{e} is an order-{e.ndim} tensor, which has no matrix form; "
                                   "SymPy's array expressions are not supported")
            done = self.memo[e] = self.orient(e, self.node(e))
        return done

    def orient(self, e: E.Expr, v: Any) -> Any:
        """Transpose a vector translation whose orientation differs from the node's."""
        if e.is_vector and _is_matrix(v) and v.shape != self.rows_cols(e):
            v = v.T
        return v

    def symbol(self, e: E.Symbol) -> Any:
        s = self.symbols.get(e.name)
        if s is None:
            if e.kind == "scalar":
                s = sp.Symbol(e.name, real=True)
            elif e.name in self.row_symbols:  # dims asked for a 1xn symbol: a column is its transpose
                s = sp.MatrixSymbol(e.name, 1, self.dim(e.shape[0]))
            else:
                s = sp.MatrixSymbol(e.name, *self.rows_cols(e))  # a symbol vector is a column
            self.symbols[e.name] = s
        return s

    def node(self, e: E.Expr) -> Any:  # noqa: C901 - one case per node type
        go = self.go
        e = cast(E.Node, e)  # the closed set of nodes: assert_never below names a missing case
        match e:
            case E.Symbol():
                return self.symbol(e)
            case E.Number(value=value):
                if isinstance(value, Fraction):
                    return sp.Rational(value.numerator, value.denominator)
                return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
            case E.Zero():
                return sp.ZeroMatrix(*self.rows_cols(e)) if e.shape else sp.Integer(0)
            case E.Ones():
                return sp.OneMatrix(*self.rows_cols(e)) if e.shape else sp.Integer(1)
            case E.Identity():
                return sp.Identity(self.dim(e.shape[0]))
            case E.Add(terms=terms):
                parts = [go(t) for t in terms]
                if any(map(_is_matrix, parts)):  # a scalar sum with 1x1 terms stays 1x1
                    parts = [p if _is_matrix(p) else p * sp.Identity(1) for p in parts]
                    return sp.MatAdd(*parts).doit(deep=False)
                return sp.Add(*parts)
            case E.Scale(coef=coef, body=body):
                return _scalar(go(coef)) * go(body)
            case E.MatMul(factors=factors):
                return sp.MatMul(*(go(f) for f in factors)).doit(deep=False)
            case E.Transpose(body=body):
                v = go(body)
                return v.T if _is_matrix(v) else v
            case E.Hadamard(factors=factors):
                return sp.HadamardProduct(*(go(f) for f in factors))
            case E.ElemDiv(num=num, den=den):
                return self.quotient(go(num), go(den), num.is_scalar, den.is_scalar)
            case E.Power(base=E.Norm(body=body, p=2), exponent=E.Number(value=2)):
                return self.square(go(body), body)
            case E.Power(base=base, exponent=exponent):
                return self.power(go(base), go(exponent), base, exponent)
            case E.Apply(func=func, arg=arg):
                return self.apply(FUNCTIONS[func], go(arg), arg.is_scalar)
            case E.MatPow(body=body, k=k):
                return sp.MatPow(go(body), k)
            case E.Polygamma(order=order, arg=arg):
                return self.apply(lambda t: POLYGAMMA.sympy(sp, order, t), go(arg), arg.is_scalar)
            case E.PairIndex():
                raise MatcalcError("the pair index δ[r,(a,b)] appears only in index notation, which SymPy's "
                                   "matrix expressions do not support")
            case E.Call():
                raise MatcalcError(f"no SymPy counterpart for the matcalc node Call (a function): {e}")
            case E.Commutation():  # SymPy's PermutationMatrix needs a permutation of known size
                raise MatcalcError(f"no SymPy counterpart for {e}: SymPy has no commutation matrix of "
                                   "symbolic size")
            case E.MatFun() | E.Spectral():  # the record's SymPy form, or None: SymPy has none
                name = e.func if isinstance(e, E.MatFun) else e.kind
                record = PRIMARY_FUNCTIONS[name] if isinstance(e, E.MatFun) else SPECTRAL_OPS[name]
                if record.sympy is None or (isinstance(e, E.MatFun) and (e.order or e.params)):
                    what = "the matrix function or spectral operation"
                    raise MatcalcError(f"no SymPy counterpart for {what} {e} (its record gives none)")
                return record.sympy(sp, go(e.body))
            case E.IndexForm():
                raise MatcalcError(
                    f"{e} has no matrix form (it is in index notation); "
                    "SymPy's array expressions are not supported"
                )
            case E.Named():  # tr, det, softmax, kron ...: its record's SymPy form
                return self.named(e)
        assert_never(e)

    def named(self, e: E.Expr) -> Any:
        """A named matrix function (``tr``, ``softmax`` ...), by its record's SymPy form."""
        record = matrix_function(e)
        if record.to_sympy is None:
            raise MatcalcError(f"{e}: SymPy's matrix expressions have no counterpart of {record.name}")
        args = tuple(self.go(c) for c in E.children(e))  # one argument, or kron's two operands
        return record.to_sympy(sp, self, e, args[0] if record.operands == 1 else args)

    def scalar(self, v: Any) -> Any:
        """A SymPy scalar for a scalar-valued translation (a ``1x1`` matrix becomes its trace)."""
        return _scalar(v)

    def vec(self, v: Any) -> Any:
        """``vec`` of a SymPy matrix expression (`VecOf`)."""
        return VecOf(v)

    def quotient(self, u: Any, v: Any, u_scalar: bool, v_scalar: bool) -> Any:
        if v_scalar:
            return (1 / _scalar(v)) * u if not u_scalar else _scalar(u) / _scalar(v)
        inv = sp.HadamardPower(v, -1)
        return _scalar(u) * inv if u_scalar else sp.HadamardProduct(u, inv)

    def power(self, u: Any, p: Any, base: E.Expr, exponent: E.Expr) -> Any:
        if base.is_scalar and exponent.is_scalar:
            return _scalar(u) ** _scalar(p)
        if exponent.is_scalar:
            return sp.HadamardPower(u, _scalar(p))
        if base.is_scalar:
            return self.apply(lambda t: _scalar(u) ** t, p, False)
        raise MatcalcError(f"{base}.^{exponent}: SymPy has no elementwise power with an array exponent")

    def apply(self, fn: Callable[[Any], Any], v: Any, scalar: bool) -> Any:
        if scalar:
            return fn(_scalar(v))
        return v.applyfunc(sp.Lambda(_T, fn(_T)))

    def sum(self, v: Any, body: E.Expr) -> Any:
        """The sum of the entries (a ``1x1`` matrix product with vectors of ones)."""
        if body.is_scalar:
            return v
        r, c = v.shape
        left = [sp.OneMatrix(1, r)] if r != 1 else []
        right = [sp.OneMatrix(c, 1)] if c != 1 else []
        return sp.MatMul(*left, v, *right).doit(deep=False)

    def by_axis(self, v: Any, axis: int, scaled: Callable[[Any], Any] | None) -> Any:
        """The sums of ``v`` per column (axis 1, a row) or row (axis 2, a column).

        With ``scaled``, ``v`` with its columns / rows multiplied by ``scaled(sums)`` instead.
        """
        r, c = v.shape
        sums = sp.OneMatrix(1, r) * v if axis == 1 else v * sp.OneMatrix(c, 1)
        if scaled is None:
            return sums
        return v * scaled(sums) if axis == 1 else scaled(sums) * v

    def norm(self, v: Any, body: E.Expr, p: int) -> Any:
        if body.is_scalar:
            return sp.Abs(_scalar(v))
        if p == 1:
            return self.sum(self.apply(sp.Abs, v, False), body)
        return sp.sqrt(_scalar(self.square(v, body)))

    def square(self, v: Any, body: E.Expr) -> Any:
        """``norm2(body)^2`` as an inner product (``u'*u``, or ``tr(U'*U)``)."""
        if body.is_scalar:
            return _scalar(v) ** 2
        if body.is_vector:
            return v.T * v if not body.row else v * v.T
        return sp.Trace(v.T * v)
