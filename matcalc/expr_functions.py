"""The nodes of the named matrix functions: ``tr``, ``det``, ``inv``, ``diag``, ``softmax``, ``kron`` ...

Part of the closed set of node types of `matcalc.expr` (which imports and
exports them; import them from there): immutable and hash-consed like every
node, built only by the smart constructors.  What each means to the passes
(spelling, value, LaTeX, code, SymPy) is in its record (`matcalc.ops.matrix`,
`matcalc.ops.primary`, `matcalc.ops.spectral`).
"""

from __future__ import annotations

from matcalc.tree import Expr, node

__all__ = [
    "Attained",
    "Det",
    "DiagMatrix",
    "DiagVector",
    "Extremum",
    "Inverse",
    "Kron",
    "LogDet",
    "LogSumExp",
    "MatFun",
    "MatPow",
    "Named",
    "Norm",
    "PairIndex",
    "Polygamma",
    "Size",
    "Softmax",
    "Spectral",
    "SumEntries",
    "Trace",
    "Vec",
]


class Named(Expr):
    """A node with a `MatrixFunction` record (`matcalc.ops.matrix.matrix_function` finds it).

    The text and LaTeX printers, code generation and the SymPy translator have one
    case for all of them, which reads the record (spelling, LaTeX name, code
    template, SymPy form), after the cases of the nodes they specialize on
    (``X^{-1}``, ``tr(A*B)`` as one einsum, ``A ⊗ B``).  A new node of this kind
    needs no case there: its class, its record and its derivative rule.
    """

    __slots__ = ()


@node
class Trace(Named):
    """``tr(X)`` of a square matrix."""

    body: Expr


@node
class Det(Named):
    """``det(X)`` of a square matrix."""

    body: Expr


@node
class LogDet(Named):
    """``logdet(X)`` = log det X of a square matrix."""

    body: Expr


@node
class Inverse(Named):
    """``inv(X)`` of a square matrix."""

    body: Expr


@node
class MatPow(Expr):
    """``X^k`` for a square matrix and an integer ``k`` other than -1, 0, 1."""

    body: Expr
    k: int


@node
class DiagMatrix(Named):
    """``diag(v)``: the diagonal matrix with the vector ``v`` on its diagonal."""

    body: Expr


@node
class DiagVector(Named):
    """``diag(X)``: the vector of the diagonal of a square matrix."""

    body: Expr


@node
class SumEntries(Named):
    """``sum(X)``: the sum of all entries."""

    body: Expr


@node
class Norm(Named):
    """``norm1``/``norm2``: entrywise 1-norm, or 2-norm (Frobenius for a matrix)."""

    body: Expr
    p: int


@node
class Softmax(Named):
    """``softmax(x)`` = ``exp(x)/sum(exp(x))`` of a vector (``axis`` 0).

    Of a matrix, ``axis`` 1 normalizes each column and ``axis`` 2 each row
    (`matcalc.expr.AXES`): ``softmax(X, 2)[i, j] = exp(X[i, j]) / Σ_k exp(X[i, k])``.
    """

    body: Expr
    axis: int


@node
class LogSumExp(Named):
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
class Extremum(Named):
    """``max(X)`` or ``min(X)`` (``kind``): the largest or smallest entry of a vector or matrix (``axis`` 0).

    Of a matrix, ``axis`` 1 takes the extremum of each column (a row vector) and
    ``axis`` 2 of each row (a column vector), written ``max(X, [], k)`` (`matcalc.expr.AXES`).
    """

    body: Expr
    kind: str
    axis: int


@node
class Kron(Named):
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
class Vec(Named):
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
class Attained(Named):
    """``ismax(X)`` or ``ismin(X)`` (``kind``): 1 where ``X`` attains its largest (smallest) entry, else 0.

    The tie indicator of the derivative of `Extremum`.  Its value compares each
    entry with the extremum of the same array, so every entry is exactly tied
    with itself: however the simplifier rewrites ``X``, at least one entry is 1.
    Written ``1 - sign(max(X) - X)``, a sum ``X`` distributed by a rewrite could
    round so that no entry was tied, and the derivative was 0/0.  With ``axis`` 1
    or 2 it compares each entry with the extremum of its column or row
    (``ismax(X, k)``, the tie indicator of ``max(X, [], k)``), so each column or
    row has at least one 1.

    With ``shared`` it is the one-hot of the argmax, ``argmax(X)`` (``argmin``):
    the indicator divided by the number of tied entries (of the array, of each
    column or row), so it sums to 1 (each column or row does) and a tie shares
    the weight equally.  Where there is no tie it is the indicator a paper
    writes; everywhere it is the subgradient of ``max`` that treats tied entries
    alike, and the derivative of `Extremum` is built from it.
    """

    body: Expr
    kind: str
    axis: int
    shared: bool


@node
class Size(Named):
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
