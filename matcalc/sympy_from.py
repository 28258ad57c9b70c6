"""SymPy matrix expressions as matcalc expressions (the work of `matcalc.sympy_bridge.from_sympy`).

Imports SymPy at the top: only `matcalc.sympy_bridge` imports this module, and
only once it knows SymPy is installed.

Each SymPy node goes through matcalc's smart constructors (`matcalc.build`),
so matcalc checks the shapes and infers its own dimensions.  SymPy's sizes are
otherwise dropped, but checked: the equalities each node requires (the inner
dimensions of a product, the two sides of a trace, ...) are followed through
the whole expression, and two different numbers that must be equal raise
`ShapeError` (SymPy lets ``n`` be 3 in one place and 4 in another).  Two
different SymPy symbols with one name raise too: matcalc knows a symbol by its
name.  A ``1x1`` SymPy matrix expression is a matcalc scalar, an ``nx1`` one a
column vector, a ``1xn`` one a row vector.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import reduce
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from matcalc import axes, build
from matcalc.dims import fresh_dim
from matcalc.errors import MatcalcError, ShapeError
from matcalc.expr import KINDS, Expr
from matcalc.ops.record import MatrixFunction
from matcalc.sympy_records import FAMILY_ORDERS, FORMULAS, FUNCTIONS, MATRIX_CLASSES, formula_record
from matcalc.unionfind import UnionFind
from matcalc.vocabulary import FAMILY_CALLS

__all__ = ["read"]


def read(e: Any, kinds: Mapping[str, str] | None) -> Expr:
    """The matcalc expression of the SymPy expression ``e``; see `matcalc.sympy_bridge.from_sympy`."""
    kinds = dict(kinds or {})
    for name, kind in kinds.items():
        if kind not in KINDS:
            raise ShapeError(f"unknown kind {kind!r} for '{name}'; kinds are {', '.join(KINDS)}")
    sizes = _Sizes()
    if isinstance(e, sp.Basic):
        sizes.axes = _dimension_symbols(e, kinds)
    return _Reader(kinds, sizes, {}, {}).go(e)


def _dimension_symbols(e: Any, kinds: Mapping[str, str]) -> dict[Any, tuple[Any, int]]:
    """Each SymPy symbol that is a dimension of a `MatrixSymbol` of ``e``: the symbol and matcalc axis.

    Such a symbol reads as ``size(X, k)`` (``mean`` translates to a sum over one), unless
    kinds declares it.
    """
    out: dict[Any, tuple[Any, int]] = {}
    for m in sorted(e.atoms(sp.MatrixSymbol), key=lambda m: m.name):
        rows, cols = m.shape
        pairs = [(cols, 1)] if rows == 1 else [(rows, 1)] if cols == 1 else [(rows, 1), (cols, 2)]
        for d, k in pairs:
            if isinstance(d, sp.Symbol) and d.name not in kinds:
                out.setdefault(d, (m, k))
    return out


class _Sizes(UnionFind[Any]):
    """Classes of equal SymPy dimensions; a class holds at most one number."""

    __slots__ = ("axes", "number")

    def __init__(self) -> None:
        super().__init__()
        self.number: dict[Any, Any] = {}
        self.axes: dict[Any, tuple[Any, int]] = {}  # a dimension symbol: a matrix symbol and axis

    def same(self, a: Any, b: Any, where: Any) -> None:
        """Record that dimensions ``a`` and ``b`` are equal (``where`` requires it)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        na = a if a.is_Integer else self.number.get(ra)
        nb = b if b.is_Integer else self.number.get(rb)
        if na is not None and nb is not None and na != nb:
            def show(d: Any, n: Any) -> str:
                return str(d) if d == n else f"{d} (which is {n} elsewhere)"

            raise ShapeError(f"inconsistent SymPy dimensions: {_short(where)} needs {show(a, na)} and "
                             f"{show(b, nb)} to be equal")
        self.union(ra, rb)
        if na is not None or nb is not None:
            self.number[ra] = na if na is not None else nb


def _is_matrix(e: Any) -> bool:
    return isinstance(e, sp.MatrixExpr)


def _expected(rows: Any, cols: Any) -> str:
    """What a SymPy shape is in matcalc."""
    if rows == 1 and cols == 1:
        return "scalar"
    if cols == 1:
        return "column vector"
    return "row vector" if rows == 1 else "matrix"


def _got(x: Expr) -> str:
    if x.is_scalar:
        return "scalar"
    if x.is_vector:
        return "row vector" if x.row else "column vector"
    return "matrix" if x.is_matrix else f"order-{x.ndim} tensor"


class _Reader:
    """One pass over a SymPy tree; ``env`` maps the variables of elementwise functions."""

    def __init__(
        self, kinds: dict[str, str], sizes: _Sizes, names: dict[str, Any], env: dict[Any, Expr]
    ) -> None:
        self.kinds = kinds
        self.sizes = sizes
        self.names = names  # name -> the SymPy symbol that has it
        self.env = env
        self.memo: dict[Any, Expr] = {}

    def go(self, e: Any) -> Expr:
        done = self.memo.get(e)
        if done is None:
            done = self.memo[e] = self.node(e)
            if _is_matrix(e) and _expected(*e.shape) != _got(done):
                raise ShapeError(f"SymPy's {_short(e)} is {e.shape[0]}x{e.shape[1]}, which is a "
                                 f"{_expected(*e.shape)} in matcalc, but it reads as a {_got(done)}")
        return done

    def node(self, e: Any) -> Expr:
        if not isinstance(e, sp.Basic):
            raise MatcalcError(f"from_sympy needs a SymPy expression, got {type(e).__name__}")
        if e in self.env:
            return self.env[e]
        formula = formula_record(e) if type(e) in FORMULAS else None
        if formula is not None:  # a record's SymPy formula: relu is Max(0, t), sigmoid 1/(1 + exp(-t))
            return build.apply(formula[0], self.go(formula[1]))
        for cls in type(e).__mro__:
            handler = _HANDLERS.get(cls)
            if handler is not None:
                return handler(self, e)
        if type(e) in FUNCTIONS:
            return self.function(FUNCTIONS[type(e)], e)
        if type(e) in FAMILY_ORDERS:
            return self.family_order(e)
        raise _unsupported(e)

    def same(self, a: Any, b: Any, where: Any) -> None:
        self.sizes.same(sp.sympify(a), sp.sympify(b), where)

    def fold(self, op: Callable[[Expr, Expr], Expr], e: Any) -> Expr:
        return reduce(op, [self.go(a) for a in e.args])

    # ---- leaves -----------------------------------------------------------------------

    def claim(self, e: Any) -> None:
        """Record that ``e`` has its name; another SymPy symbol of that name is an error."""
        other = self.names.setdefault(e.name, e)
        if other != e:
            def show(s: Any) -> str:
                return f"{s} ({s.shape[0]}x{s.shape[1]})" if _is_matrix(s) else f"the scalar {s}"

            raise ShapeError(f"SymPy has two different symbols named '{e.name}': {show(other)} and "
                             f"{show(e)}; matcalc knows a symbol by its name")

    def matrix_symbol(self, e: Any) -> Expr:
        self.claim(e)
        rows, cols = e.shape
        default = {"scalar": "scalar", "matrix": "matrix"}.get(_expected(rows, cols), "vector")
        kind = self.kinds.get(e.name, default)
        if kind != default and not (kind in ("symmetric", "square") and default == "matrix"):
            raise ShapeError(f"kinds makes '{e.name}' a {kind}, but SymPy's {e.name} is {rows}x{cols}, "
                             f"a {_expected(rows, cols)}")
        if kind in ("symmetric", "square"):
            self.same(rows, cols, f"the {kind} {e.name}")
        s = build.symbol(e.name, kind)
        return build.transpose(s) if kind == "vector" and rows == 1 else s

    def scalar_symbol(self, e: Any) -> Expr:
        if isinstance(e, sp.Dummy):
            raise MatcalcError(f"the SymPy Dummy {e} is not the variable of an elementwise function")
        if e in self.sizes.axes:
            matrix, axis = self.sizes.axes[e]
            return axes.size(self.go(matrix), axis)
        self.claim(e)
        kind = self.kinds.get(e.name, "scalar")
        if kind != "scalar":
            raise ShapeError(f"kinds makes '{e.name}' a {kind}, but in SymPy it is a scalar Symbol")
        return build.symbol(e.name, "scalar")

    def number(self, e: Any) -> Expr:
        if e.is_Integer:
            return build.number(int(e))
        if e.is_Rational:
            return build.number(Fraction(int(e.p), int(e.q)))
        if e.is_Float:
            return build.number(float(e))
        raise MatcalcError(f"the SymPy number {e} ({type(e).__name__}) is not a finite real number")

    def constant(self, e: Any) -> Expr:
        """`Identity`, `ZeroMatrix`, `OneMatrix`: their sizes come from the context."""
        if isinstance(e, sp.Identity):
            return build.eye() if e.shape != (1, 1) else build.number(1)
        make = build.zeros if isinstance(e, sp.ZeroMatrix) else build.ones
        what = _expected(*e.shape)
        ndim = {"scalar": 0, "matrix": 2}.get(what, 1)
        return make(tuple(fresh_dim() for _ in range(ndim)), what == "row vector")

    # ---- sums and products ------------------------------------------------------------

    def matmul(self, e: Any) -> Expr:
        arrays = [a for a in e.args if _is_matrix(a)]
        for a, b in itertools.pairwise(arrays):
            self.same(a.shape[1], b.shape[0], e)
        total = self.sum_of_entries(arrays)
        if total is not None:
            return reduce(build.mul, [self.go(a) for a in e.args if not _is_matrix(a)] + [total])
        return self.fold(build.mul, e)

    def sum_of_entries(self, arrays: list[Any]) -> Expr | None:
        """``sum(M)`` if the product is ``1ᵀ*M*1``, ``1ᵀ*v`` or ``v'*1`` (`OneMatrix` factors), else None."""
        lead = isinstance(arrays[0], sp.OneMatrix) and arrays[0].shape[0] == 1
        trail = isinstance(arrays[-1], sp.OneMatrix) and arrays[-1].shape[1] == 1
        middle = arrays[int(lead) : len(arrays) - int(trail)]
        if not middle or not (lead or trail):
            return None
        m = reduce(build.mul, [self.go(a) for a in middle])
        if (lead and trail) or (m.is_vector and m.row == trail):
            return build.sum_entries(m)
        return None

    def matadd(self, e: Any) -> Expr:
        for a in e.args:
            self.same(a.shape[0], e.shape[0], e)
            self.same(a.shape[1], e.shape[1], e)
        if isinstance(e, sp.HadamardProduct):
            return self.quotient(e.args, lambda b, p: sp.HadamardPower(b, p) if p != 1 else b)
        return self.fold(build.add, e)

    def quotient(self, args: tuple[Any, ...], power: Callable[[Any, Any], Any]) -> Expr:
        """The elementwise product of ``args``; factors with negative exponents make a denominator.

        ``power(base, p)`` rebuilds such a factor with the exponent ``p > 0``.
        """
        num, den = [], []
        for a in args:
            if isinstance(a, sp.Pow | sp.HadamardPower) and a.exp.is_Rational and a.exp < 0:
                den.append(power(a.base, -a.exp))
            else:
                num.append(a)
        top = reduce(build.hadamard, [self.go(a) for a in num]) if num else build.number(1)
        if not den:
            return top
        return build.elem_div(top, reduce(build.hadamard, [self.go(a) for a in den]))

    def mul(self, e: Any) -> Expr:
        """A product of scalars (or, in an elementwise function, of arrays): a quotient if it has one."""
        return self.quotient(e.args, lambda b, p: b**p)

    def pow(self, e: Any) -> Expr:
        base, p = e.args  # the powers that are a record's formula (sqrt, sigmoid) are read before
        if p.is_Rational and p < 0:
            return build.elem_div(build.number(1), self.go(base ** -p))
        return build.power(self.go(base), self.go(p))

    def hadamard_power(self, e: Any) -> Expr:
        if e.exp.is_Rational and e.exp < 0:
            return self.quotient((e,), lambda b, p: sp.HadamardPower(b, p) if p != 1 else b)
        return build.power(self.go(e.base), self.go(e.exp))

    def dot(self, e: Any) -> Expr:
        a, b = (self.go(x) for x in e.args)
        if a.is_vector and b.is_vector:
            self.same(_length(e.args[0]), _length(e.args[1]), e)
            return build.matmul(a if a.row else build.transpose(a), b if not b.row else build.transpose(b))
        return build.mul(a, b)

    # ---- matrix functions -------------------------------------------------------------

    def square_arg(self, e: Any) -> Expr:
        """The argument of a function of a square matrix (a scalar for a ``1x1`` one)."""
        arg = e.args[0]
        self.same(arg.shape[0], arg.shape[1], e)
        return self.go(arg)

    def transpose(self, e: Any) -> Expr:
        return build.transpose(self.go(e.args[0]))  # Adjoint too: matcalc's values are real

    def matpow(self, e: Any) -> Expr:
        x = self.square_arg(e)
        k = e.args[1]
        if not k.is_Integer:
            raise MatcalcError(f"{e}: matcalc has matrix powers with integer exponents only, not {k}")
        return build.power(x, build.number(int(k))) if x.is_scalar else build.matpow(x, int(k))

    def diagonal_matrix(self, e: Any) -> Expr:
        x = self.square_arg(e)
        return x if x.is_scalar else build.diag(build.diag(x))

    def element(self, e: Any) -> Expr:
        parent, i, j = e.args
        x = self.go(parent)
        if x.is_scalar and i == 0 and j == 0:
            return x  # M[0, 0] of a 1x1 matrix
        raise MatcalcError(f"the matrix entry {e} has no matcalc counterpart (only M[0, 0] of a 1x1 M)")

    # ---- scalar and elementwise functions --------------------------------------------

    def function(self, name: str, e: Any) -> Expr:
        return build.apply(name, self.go(e.args[0]))

    def log(self, e: Any) -> Expr:
        """``log(Determinant(X))`` and ``log(Abs(Determinant(X)))`` are ``logdet(X)`` (log|det X|)."""
        arg = e.args[0]
        inner = arg.args[0] if isinstance(arg, sp.Abs) else arg
        if isinstance(inner, sp.Determinant):
            x = self.square_arg(inner)
            if not x.is_scalar:
                return build.logdet(x)
        return self.function("log", e)

    def max(self, e: Any) -> Expr:  # Max(0, t), relu's formula, is read before
        raise MatcalcError(f"{e}: matcalc has Max(0, t) only (relu)")

    def family_order(self, e: Any) -> Expr:
        """An order of a family: ``loggamma(u)``, or ``polygamma(k, u)`` with a whole number k.

        SymPy's ``digamma(u)`` is ``polygamma(0, u)``.
        """
        family, lowest, takes_order = FAMILY_ORDERS[type(e)]
        if not takes_order:
            return FAMILY_CALLS[family](lowest, self.go(e.args[0]))
        k, u = e.args
        if not (k.is_Integer and k >= lowest):
            raise MatcalcError(f"{_short(e)}: matcalc has {family}(k, u) for a whole number k from {lowest} "
                               "only")
        return FAMILY_CALLS[family](int(k), self.go(u))

    def heaviside(self, e: Any) -> Expr:  # Heaviside(t, 0), step's formula, is read before
        raise MatcalcError(f"{e}: matcalc's step is 0 at 0; write Heaviside(t, 0)")

    def elementwise(self, e: Any) -> Expr:
        """``X.applyfunc(f)``: the body of ``f`` with its variable standing for the array."""
        arg = self.go(e.expr)
        d = sp.Dummy("d")
        body = e.function(d)
        inner = _Reader(self.kinds, self.sizes, self.names, {**self.env, d: arg})
        out = inner.go(body)
        if out.is_scalar and not arg.is_scalar:  # a constant function
            return build.mul(out, build.ones(arg.shape, arg.row))
        if (out.ndim, out.row) != (arg.ndim, arg.row):
            raise MatcalcError(f"{e}: the function is not elementwise")
        return out


def _length(v: Any) -> Any:
    """The length of a SymPy ``nx1`` or ``1xn`` matrix."""
    rows, cols = v.shape
    return cols if rows == 1 else rows


def _short(e: Any) -> str:
    """``e`` as text, cut to 60 characters."""
    text = str(e)
    return text if len(text) <= 60 else text[:57] + "..."


def _unsupported(e: Any) -> MatcalcError:
    text = _short(e)
    if isinstance(e, AppliedUndef):
        return MatcalcError(f"the undefined SymPy function {type(e).__name__} has no matcalc counterpart "
                            f"(in {text})")
    return MatcalcError(f"the SymPy class {type(e).__name__} has no matcalc counterpart (in {text})")


_HANDLERS: dict[type, Callable[[_Reader, Any], Expr]] = {
    sp.MatrixSymbol: _Reader.matrix_symbol,
    sp.Symbol: _Reader.scalar_symbol,
    sp.Number: _Reader.number,
    sp.NumberSymbol: lambda r, e: build.number(float(e)),
    sp.Identity: _Reader.constant,
    sp.ZeroMatrix: _Reader.constant,
    sp.OneMatrix: _Reader.constant,
    sp.MatMul: _Reader.matmul,
    sp.MatAdd: _Reader.matadd,
    sp.HadamardProduct: _Reader.matadd,
    sp.HadamardPower: _Reader.hadamard_power,
    sp.Add: lambda r, e: r.fold(build.add, e),
    sp.Mul: _Reader.mul,
    sp.Pow: _Reader.pow,
    sp.DotProduct: _Reader.dot,
    sp.Transpose: _Reader.transpose,
    sp.Adjoint: _Reader.transpose,
    sp.MatPow: _Reader.matpow,
    sp.DiagonalMatrix: _Reader.diagonal_matrix,
    MatrixElement: _Reader.element,
    ElementwiseApplyFunction: _Reader.elementwise,
    sp.log: _Reader.log,
    sp.Max: _Reader.max,
    sp.Heaviside: _Reader.heaviside,
}


def _record_reader(record: MatrixFunction) -> Callable[[_Reader, Any], Expr]:
    """The reader of a SymPy class that is ``record`` (a KroneckerProduct may hold more than two operands)."""
    if record.operands == 2:
        return lambda r, e: r.fold(record.build, e)  # type: ignore[arg-type]

    def read(r: _Reader, e: Any) -> Expr:
        arg = e.args[0]
        if record.square and _is_matrix(arg) and 1 not in arg.shape:
            r.same(arg.shape[0], arg.shape[1], e)  # tr(X), DiagonalOf(X): X is square
        x = r.go(arg)
        if x.is_scalar and record.of_scalar is not None:  # SymPy's 1x1 matrix: a scalar
            return record.of_scalar(x)  # type: ignore[no-any-return]
        return record.build(x)  # type: ignore[misc, no-any-return]

    return read


#: The SymPy classes of the matrix-function records (``KroneckerProduct`` is ``kron``).
_HANDLERS.update({cls: _record_reader(record) for cls, record in MATRIX_CLASSES.items()})
