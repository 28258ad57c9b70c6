"""The matrix-level expression tree.

A closed set of immutable node types.  Every node is hash-consed: building a
node equal to one that exists returns the existing object, so ``a is b``
(and ``a == b``) holds exactly for structurally equal expressions, and
memoized passes are linear in the size of the DAG.

Nodes are built by the smart constructors in :mod:`matcalc.build`, which check
shapes, unify dimensions and canonicalize; the classes here only store.  Their
base class `Expr` (interning, derived attributes, operators, `children`) is in
`matcalc.tree`, the generic traversal (`walk`, `rebuild`, ...) in
`matcalc.traversal`; the
nodes of the named matrix functions (``tr``, ``inv``, ``softmax``, ``kron``,
the primary matrix functions and spectral operations ...) are defined in
`matcalc.expr_functions` and imported from here like every other node.
Every node knows its ``shape`` (a tuple of `Dim`, the NumPy shape of its value)
and, for a vector, whether it is a row (``row``): ``x`` and ``x'`` hold the
same numbers, the expression tracks orientation.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar, TypeAlias

from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr_functions import (
    Attained,
    Det,
    DiagMatrix,
    DiagVector,
    Extremum,
    Inverse,
    Kron,
    LogDet,
    LogSumExp,
    MatFun,
    MatPow,
    Named,
    Norm,
    PairIndex,
    Polygamma,
    Size,
    Softmax,
    Spectral,
    SumEntries,
    Trace,
    Vec,
)
from matcalc.ops import ELEMENTWISE
from matcalc.traversal import rebuild, substitute_dims, tree_repr, walk
from matcalc.tree import MAX_DEPTH, Expr, children, node

if TYPE_CHECKING:
    from matcalc.index import IndexExpr

__all__ = [
    "AXES",
    "ELEMENTWISE_FUNCTIONS",
    "FUNCTION_KINDS",
    "KINDS",
    "MAX_DEPTH",
    "Add",
    "Apply",
    "Attained",
    "Call",
    "Commutation",
    "Det",
    "DiagMatrix",
    "DiagVector",
    "ElemDiv",
    "Expr",
    "Extremum",
    "Hadamard",
    "Identity",
    "IndexForm",
    "Inverse",
    "Kron",
    "LogDet",
    "LogSumExp",
    "MatFun",
    "MatMul",
    "MatPow",
    "Named",
    "Node",
    "Norm",
    "Number",
    "Ones",
    "PairIndex",
    "Partials",
    "Polygamma",
    "Power",
    "Scale",
    "Size",
    "Softmax",
    "Spectral",
    "SumEntries",
    "Symbol",
    "Trace",
    "Transpose",
    "Vec",
    "Zero",
    "children",
    "rebuild",
    "substitute_dims",
    "tree_repr",
    "walk",
]

#: Kinds a symbol can have.
KINDS = ("scalar", "vector", "matrix", "symmetric", "square")

#: Kinds of abstract functions (the kind of their value), and the rank of that value.
FUNCTION_KINDS = {"scalar function": 0, "vector function": 1, "matrix function": 2}

#: Elementwise functions of the input language (they apply to scalars too): the
#: names of the records in `matcalc.ops.ELEMENTWISE`, in order.
ELEMENTWISE_FUNCTIONS = ELEMENTWISE.names

#: Axis arguments of the reductions and row/column-wise functions, as in MATLAB:
#: 1 works down each column (one result per column), 2 along each row (one per row);
#: 0 (not written) means the whole vector or all entries.
AXES = {0: "all entries", 1: "each column", 2: "each row"}

Scalar: TypeAlias = int | float | Fraction


# ---- leaves -------------------------------------------------------------------


@node
class Symbol(Expr):
    """A named variable of a kind: scalar, vector, matrix or symmetric (matrix)."""

    name: str
    kind: str

    def _own_symbols(self) -> tuple[Symbol, ...]:
        return (self,)



@node
class Number(Expr):
    """A scalar constant."""

    value: Scalar



@node
class Zero(Expr):
    """The zero array of the node's shape (scalar zero is ``Number(0)``)."""


@node
class Ones(Expr):
    """The array of ones of the node's shape (``vector(1)``, ``matrix(1)``)."""


@node
class Identity(Expr):
    """The identity matrix ``eye``."""


@node
class Commutation(Expr):
    """The commutation matrix ``K_{pq}``, or with ``symmetric`` the symmetrizer ``N_n = (I + K_nn)/2``.

    ``K_{pq} vec(X) = vec(Xᵀ)`` for a p x q matrix ``X`` (column-major ``vec``),
    so its rows are the product dimension ``(p*q)`` and its columns ``(q*p)``;
    ``N_n vec(X) = vec((X + Xᵀ)/2)`` for an n x n ``X`` (Magnus & Neudecker,
    *Matrix Differential Calculus*, ch. 3, secs. 7 and 8).  ``parts`` is
    ``(p, q)`` (``(n, n)`` for ``N_n``): the value depends on the factors, which
    the shape loses where a product dimension is unified with a named one.
    """

    parts: tuple[Dim, ...]
    symmetric: bool
    holds_dims: ClassVar[bool] = True

    @property
    def name(self) -> str:
        """Its name in the input language, ``commutation(p, q)`` or ``symmetrizer(n)``."""
        return "symmetrizer" if self.symmetric else "commutation"

    @property
    def sizes(self) -> tuple[Dim, ...]:
        """The dimensions it is written with: ``(p, q)`` for ``K_{pq}``, ``(n,)`` for ``N_n``."""
        return self.parts[:1] if self.symmetric else self.parts


# ---- sums and products ----------------------------------------------------------


@node
class Add(Expr):
    """Sum of two or more terms of the same shape and orientation."""

    terms: tuple[Expr, ...]


@node
class Scale(Expr):
    """A scalar ``coef`` times ``body`` (any shape; body is never itself a Scale)."""

    coef: Expr
    body: Expr


@node
class MatMul(Expr):
    """Matrix product of two or more non-scalar factors (flattened)."""

    factors: tuple[Expr, ...]


@node
class Transpose(Expr):
    """Transpose of a matrix or vector."""

    body: Expr


@node
class Hadamard(Expr):
    """Elementwise product of two or more non-scalar factors of one shape."""

    factors: tuple[Expr, ...]


@node
class ElemDiv(Expr):
    """Elementwise quotient; a scalar operand broadcasts (``A/s``, ``1./x``)."""

    num: Expr
    den: Expr


@node
class Power(Expr):
    """Elementwise power ``base.^exponent`` (scalar power ``s^p``); a scalar broadcasts."""

    base: Expr
    exponent: Expr


@node
class Apply(Expr):
    """An elementwise function (one of `ELEMENTWISE_FUNCTIONS`) applied to ``arg``."""

    func: str
    arg: Expr



@node
class Call(Expr):
    """An abstract function applied to ``args``, or one of its partial derivatives there.

    ``partials`` lists, in ascending order, the (0-based) argument each
    differentiation is by: ``()`` is the function itself, ``(0, 0)`` its second
    derivative by the first argument, ``(0, 1)`` the mixed partial
    ``∂₁∂₂f``.  The function's value is a scalar, vector or matrix (``kind``);
    the derivative's shape is the value's followed by the shape of each
    argument differentiated by, in that order.  The caller gives the function
    (and its derivatives) as Python callables to evaluate.
    """

    name: str
    kind: str
    partials: tuple[int, ...]
    args: tuple[Expr, ...]

    def _own_symbols(self) -> tuple[Symbol, ...]:
        # the function itself, so that its uses agree on the shape of its value
        rank = FUNCTION_KINDS[self.kind]
        return (Symbol(self.name, self.kind, shape=self.shape[:rank]),)

    @property
    def order(self) -> int:
        """How many times the function is differentiated."""
        return len(self.partials)

    @property
    def arg(self) -> Expr:
        """The argument of a function of one argument."""
        if len(self.args) != 1:
            raise MatcalcError(f"{self.function} takes {len(self.args)} arguments, not one")
        return self.args[0]

    @property
    def function(self) -> str:
        """``L``, ``grad(L)``, ``hess(L)``, ``jac(F)``, ``deriv(F,3)`` or ``partial(f,1,2)``.

        A function of one argument names its derivatives by order; one of
        several names each partial derivative by the (1-based) arguments.
        """
        name, kind, order = self.name, self.kind, self.order
        if order == 0:
            return name
        if len(self.args) > 1:
            return f"partial({name},{','.join(str(p + 1) for p in self.partials)})"
        if order == 1:
            return f"grad({name})" if kind == "scalar function" else f"jac({name})"
        if order == 2 and kind == "scalar function":
            return f"hess({name})"
        return f"deriv({name},{order})"


@dataclass(frozen=True, slots=True)
class Partials:
    """What a derivative in index form is the derivative of: ``∂f[i]/∂W[j,k]``.

    ``variables`` holds, in the order of differentiation, each variable's name
    and rank; the function (``f``) has the remaining leading axes.  The printers
    show it as the left-hand side of the result, so that it is clear which
    indices belong to the function and which to each variable.
    """

    variables: tuple[tuple[str, int], ...]

    def groups(self, ndim: int) -> tuple[int, tuple[tuple[str, int], ...]]:
        """The rank of the function and the variables, for a result of ``ndim`` axes."""
        rank = ndim - sum(r for _, r in self.variables)
        if rank < 0:
            raise ValueError(f"{ndim} axes cannot hold the derivative by {self.variables}")
        return rank, self.variables


@node
class IndexForm(Expr):
    """A tensor with no matrix form, kept in index notation (see :mod:`matcalc.index`).

    ``lhs`` is set on a result of `matcalc.diff` (the derivative it is): the
    printers then show it as an equation, ``∂f[i]/∂W[j,k] = x[k]*δ[i,j]``.  Build
    the labelled node as ``IndexForm(tensor, lhs, shape=...)`` and the plain one
    as ``IndexForm(tensor, shape=...)`` (never with ``None`` written out: it is
    interned by its arguments).
    """

    tensor: IndexExpr
    lhs: Partials | None = None
    holds_tensor: ClassVar[bool] = True


Node: TypeAlias = (
    Symbol | Number | Zero | Ones | Identity | Add | Scale | MatMul | Transpose | Hadamard
    | ElemDiv | Power | Apply | Trace | Det | LogDet | Inverse | MatPow | DiagMatrix
    | DiagVector | SumEntries | Norm | Softmax | LogSumExp | Size | Polygamma | Extremum | Attained
    | Call | IndexForm | MatFun | Spectral | Kron | Vec | PairIndex | Commutation
)  # fmt: skip


