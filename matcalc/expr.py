"""The matrix-level expression tree.

A closed set of immutable node types.  Every node is hash-consed: building a
node equal to one that exists returns the existing object, so ``a is b``
(and ``a == b``) holds exactly for structurally equal expressions, and
memoized passes are linear in the size of the DAG.

Nodes are built by the smart constructors in :mod:`matcalc.build`, which check
shapes, unify dimensions and canonicalize; the classes here only store.  Their
base class `Expr` (interning, derived attributes, operators) and the generic
traversal (`children`, `walk`, `rebuild`, ...) are in `matcalc.tree`.
Every node knows its ``shape`` (a tuple of `Dim`, the NumPy shape of its value)
and, for a vector, whether it is a row (``row``): ``x`` and ``x'`` hold the
same numbers, the expression tracks orientation.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar, TypeAlias

from matcalc.errors import MatcalcError
from matcalc.ops import ELEMENTWISE
from matcalc.tree import (
    MAX_DEPTH,
    Expr,
    children,
    node,
    rebuild,
    substitute_dims,
    tree_repr,
    walk,
)

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



# ---- matrix functions -------------------------------------------------------------


@node
class Trace(Expr):
    """``tr(X)`` of a square matrix."""

    body: Expr


@node
class Det(Expr):
    """``det(X)`` of a square matrix."""

    body: Expr


@node
class LogDet(Expr):
    """``logdet(X)`` = log det X of a square matrix."""

    body: Expr


@node
class Inverse(Expr):
    """``inv(X)`` of a square matrix."""

    body: Expr


@node
class MatPow(Expr):
    """``X^k`` for a square matrix and an integer ``k`` other than -1, 0, 1."""

    body: Expr
    k: int


@node
class DiagMatrix(Expr):
    """``diag(v)``: the diagonal matrix with the vector ``v`` on its diagonal."""

    body: Expr


@node
class DiagVector(Expr):
    """``diag(X)``: the vector of the diagonal of a square matrix."""

    body: Expr


@node
class SumEntries(Expr):
    """``sum(X)``: the sum of all entries."""

    body: Expr


@node
class Norm(Expr):
    """``norm1``/``norm2``: entrywise 1-norm, or 2-norm (Frobenius for a matrix)."""

    body: Expr
    p: int


@node
class Softmax(Expr):
    """``softmax(x)`` = ``exp(x)/sum(exp(x))`` of a vector (``axis`` 0).

    Of a matrix, ``axis`` 1 normalizes each column and ``axis`` 2 each row
    (`AXES`): ``softmax(X, 2)[i, j] = exp(X[i, j]) / Σ_k exp(X[i, k])``.
    """

    body: Expr
    axis: int


@node
class LogSumExp(Expr):
    """``logsumexp(X)`` = log Σ exp of all entries (``axis`` 0), or per column (1) / row (2).

    The reduced axis disappears: per column gives a row vector, per row a column vector.
    """

    body: Expr
    axis: int


@node
class Polygamma(Expr):
    """The gamma-function family, elementwise: ``lgamma`` (``order`` -1), ``digamma`` (0), ψ⁽ᵏ⁾ (k ≥ 1).

    ``order`` is that of the polygamma function ψ⁽ᵏ⁾ = dᵏ⁺¹ log Γ / duᵏ⁺¹, with
    log Γ itself as order -1, so the derivative of order k is order k+1.
    """

    order: int
    arg: Expr


@node
class Extremum(Expr):
    """``max(X)`` or ``min(X)`` (``kind``): the largest or smallest entry of a vector or matrix (``axis`` 0).

    Of a matrix, ``axis`` 1 takes the extremum of each column (a row vector) and
    ``axis`` 2 of each row (a column vector), written ``max(X, [], k)`` (`AXES`).
    """

    body: Expr
    kind: str
    axis: int


@node
class Kron(Expr):
    """``kron(A, B)``, the Kronecker product A ⊗ B (Magnus & Neudecker, ch. 2, sec. 10).

    ``kron(A, B)[(i, k), (j, l)] = A[i, j] B[k, l]``: the rows are the pairs
    (row of A, row of B), A's slowest; likewise the columns.  Its dimensions
    are product dimensions (`Dim.product`).  A column vector has only rows, a
    row vector only columns, so ``kron(a, b)`` of two columns is a column and
    ``kron(a, b')`` is the outer product ``a*b'``.
    """

    left: Expr
    right: Expr


@node
class Vec(Expr):
    """``vec(X)``: the columns of the matrix X stacked into one column vector (column-major).

    ``vec(X)[(j, i)] = X[i, j]``: its length is the product dimension
    ``(X.1*X.0)``, the column index the slower one.
    """

    body: Expr


@node
class PairIndex(Expr):
    """δ[r, (a, b)]: the 0/1 tensor of shape ``(P, S, F)`` that is 1 where ``r = a*|F| + b``.

    It splits an index ``r`` over a product dimension ``P`` into its slow part
    ``a`` and fast part ``b``: the index form of `Kron` and `Vec`
    (``vec(X)[r] = δ[r, (j, i)] X[i, j]``).  Like `Identity`, it has no
    fields: its shape says everything.
    """


@node
class Attained(Expr):
    """``ismax(X)`` or ``ismin(X)`` (``kind``): 1 where ``X`` attains its largest (smallest) entry, else 0.

    The tie indicator of the derivative of `Extremum`.  Its value compares each
    entry with the extremum of the same array, so every entry is exactly tied
    with itself: however the simplifier rewrites ``X``, at least one entry is 1.
    Written ``1 - sign(max(X) - X)``, a sum ``X`` distributed by a rewrite could
    round so that no entry was tied, and the derivative was 0/0.  With ``axis`` 1
    or 2 it compares each entry with the extremum of its column or row
    (``ismax(X, k)``, the tie indicator of ``max(X, [], k)``), so each column or
    row has at least one 1.
    """

    body: Expr
    kind: str
    axis: int


@node
class Size(Expr):
    """``size(X, k)``: the number of rows (``axis`` 1) or columns (2) of ``X``, a scalar.

    The length of a vector is ``size(x, 1)``.  It holds the expression (not just the
    dimension) so that it prints, parses and unifies like any other node.
    """

    body: Expr
    axis: int


@node
class MatFun(Expr):
    """``f(X)`` (``order`` 0), or its ``order``-th Fréchet derivative ``L_f^(k)(X; E1, ..., Ek)``.

    ``func`` names its record in `matcalc.ops.primary.PRIMARY_FUNCTIONS`; ``params``
    holds the exponent ``c`` of ``X^c`` (the record ``pow``), else nothing.  The derivative
    is linear in each of its ``order`` directions; ``directions`` fills the first
    ones, and each slot left open adds two axes (``X.shape``) to the value.
    """

    func: str
    body: Expr
    params: tuple[Expr, ...]
    directions: tuple[Expr, ...]
    order: int

    def __repr__(self) -> str:
        parts = ", ".join(map(repr, (self.body, *self.params, *self.directions)))
        return f"MatFun({self.func!r}, {parts}, order={self.order})"


@node
class Spectral(Expr):
    """A spectral operation of one matrix (``eigvals``, ``svdvals``, ``chol``, ...).

    ``kind`` names its record in `matcalc.ops.spectral.SPECTRAL_OPS`.
    """

    kind: str
    body: Expr

    def __repr__(self) -> str:
        return f"Spectral({self.kind!r}, {self.body!r})"


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
    | Call | IndexForm | MatFun | Spectral | Kron | Vec | PairIndex
)  # fmt: skip


