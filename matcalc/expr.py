"""The matrix-level expression tree.

A closed set of immutable node types.  Every node is hash-consed: building a
node equal to one that exists returns the existing object, so ``a is b``
(and ``a == b``) holds exactly for structurally equal expressions, and
memoized passes are linear in the size of the DAG.

Nodes are built by the smart constructors in :mod:`matcalc.build`, which check
shapes, unify dimensions and canonicalize; the classes here only store.
Every node knows its ``shape`` (a tuple of `Dim`, the NumPy shape of its value)
and, for a vector, whether it is a row (``row``): ``x`` and ``x'`` hold the
same numbers, the expression tracks orientation.
"""

from __future__ import annotations

import weakref
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, is_dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypeVar, dataclass_transform

from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.ops import ELEMENTWISE

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
    "Call",
    "Det",
    "DiagMatrix",
    "DiagVector",
    "ElemDiv",
    "Expr",
    "Hadamard",
    "Identity",
    "IndexForm",
    "Inverse",
    "LogDet",
    "LogSumExp",
    "MatMul",
    "MatPow",
    "Node",
    "Norm",
    "Number",
    "Ones",
    "Polygamma",
    "Power",
    "Scale",
    "Size",
    "Softmax",
    "SumEntries",
    "Symbol",
    "Trace",
    "Transpose",
    "Zero",
    "children",
    "rebuild",
    "substitute_dims",
    "tree_repr",
    "walk",
]

#: Kinds a symbol can have.
KINDS = ("scalar", "vector", "matrix", "symmetric")

#: Kinds of abstract functions (the kind of their value), and the rank of that value.
FUNCTION_KINDS = {"scalar function": 0, "vector function": 1, "matrix function": 2}

#: Elementwise functions of the input language (they apply to scalars too): the
#: names of the records in `matcalc.ops.ELEMENTWISE`, in order.
ELEMENTWISE_FUNCTIONS = ELEMENTWISE.names

#: Axis arguments of the reductions and row/column-wise functions, as in MATLAB:
#: 1 works down each column (one result per column), 2 along each row (one per row);
#: 0 (not written) means the whole vector or all entries.
AXES = {0: "all entries", 1: "each column", 2: "each row"}

#: Deepest expression accepted; deeper ones raise a `MatcalcError` instead of
#: exhausting Python's stack in some later pass.
MAX_DEPTH = 2_000

#: Largest expanded tree that ``repr`` spells out in full.
_REPR_LIMIT = 2_000

#: Expanded trees larger than this show in Jupyter with shared subexpressions named.
_WHERE_ABOVE = 200

Scalar: TypeAlias = int | float | Fraction


class _Interned(type):
    """Metaclass that hash-conses: one object per distinct node."""

    _table: ClassVar[weakref.WeakValueDictionary[tuple[Any, ...], Any]] = (
        weakref.WeakValueDictionary()
    )

    def __call__(cls, *args: Any, shape: tuple[Dim, ...] = (), row: bool = False) -> Any:
        key = (cls, tuple(map(_key, args)), shape, row)
        node = _Interned._table.get(key)
        if node is None:
            node = super().__call__(*args, shape=shape, row=row)
            _Interned._table[key] = node
        return node


def _key(value: Any) -> Any:
    """A hashable key that tells ``1``, ``1.0`` and ``True`` apart."""
    if isinstance(value, Expr):
        return value  # interned: identity hash
    if isinstance(value, (str, int, float, Fraction)):
        return (type(value), repr(value))
    if isinstance(value, tuple):
        return tuple(map(_key, value))
    if is_dataclass(value):
        return value  # a frozen index-level value (IndexExpr)
    return (type(value), repr(value))


@dataclass(frozen=True, slots=True, eq=False, repr=False, weakref_slot=True)
class Expr(metaclass=_Interned):
    """Base of every matrix-level node.  Equality is identity (nodes are interned)."""

    shape: tuple[Dim, ...] = field(kw_only=True)
    row: bool = field(kw_only=True, default=False)
    symbols: tuple[Symbol, ...] = field(init=False)
    dims: frozenset[Dim] = field(init=False)
    depth: int = field(init=False)
    tree_size: int = field(init=False)  # nodes of the expanded tree (shared nodes counted per use)
    skey: int = field(init=False)  # a structural hash, the same in every run (an ordering key)

    def __post_init__(self) -> None:
        kids = tuple(children(self))
        depth = 1 + max((k.depth for k in kids), default=0)
        if depth > MAX_DEPTH:
            raise MatcalcError(f"expression is nested more than {MAX_DEPTH} levels deep")
        own_symbols: tuple[Symbol, ...] = (self,) if isinstance(self, Symbol) else ()
        if isinstance(self, Call):  # the function itself, so that its uses agree on its shape
            rank = FUNCTION_KINDS[self.kind]
            own_symbols = (Symbol(self.name, self.kind, shape=self.shape[:rank]),)
        object.__setattr__(self, "symbols", _merged_symbols([own_symbols, *(k.symbols for k in kids)]))
        object.__setattr__(self, "dims", _merged_dims(frozenset(self.shape), [k.dims for k in kids]))
        object.__setattr__(self, "depth", depth)
        object.__setattr__(self, "tree_size", 1 + sum(k.tree_size for k in kids))
        object.__setattr__(self, "skey", _structural_key(self, kids))

    # ---- conveniences -------------------------------------------------------
    @property
    def ndim(self) -> int:
        """Number of axes of the value."""
        return len(self.shape)

    @property
    def is_scalar(self) -> bool:
        """True for a scalar-valued expression."""
        return not self.shape

    @property
    def is_vector(self) -> bool:
        """True for a vector (row or column)."""
        return len(self.shape) == 1

    @property
    def is_matrix(self) -> bool:
        """True for a matrix."""
        return len(self.shape) == 2

    @property
    def is_square(self) -> bool:
        """True for a matrix whose two dimensions have been unified."""
        return len(self.shape) == 2 and self.shape[0] == self.shape[1]

    @property
    def T(self) -> Expr:
        """The transpose."""
        from matcalc import build

        return build.transpose(self)

    def __str__(self) -> str:
        from matcalc.printing.text import to_text

        return to_text(self)

    def __repr__(self) -> str:
        return tree_repr(self)

    # ---- operators: the Python way of building ------------------------------
    def __add__(self, other: object) -> Expr:
        from matcalc import build

        return build.add(self, build.as_expr(other))

    def __radd__(self, other: object) -> Expr:
        from matcalc import build

        return build.add(build.as_expr(other), self)

    def __sub__(self, other: object) -> Expr:
        from matcalc import build

        return build.sub(self, build.as_expr(other))

    def __rsub__(self, other: object) -> Expr:
        from matcalc import build

        return build.sub(build.as_expr(other), self)

    def __neg__(self) -> Expr:
        from matcalc import build

        return build.neg(self)

    def __pos__(self) -> Expr:
        return self

    def __matmul__(self, other: object) -> Expr:
        from matcalc import build

        return build.matmul(self, build.as_expr(other))

    def __rmatmul__(self, other: object) -> Expr:
        from matcalc import build

        return build.matmul(build.as_expr(other), self)

    def __mul__(self, other: object) -> Expr:
        from matcalc import build

        return build.hadamard(self, build.as_expr(other))

    def __rmul__(self, other: object) -> Expr:
        from matcalc import build

        return build.hadamard(build.as_expr(other), self)

    def __truediv__(self, other: object) -> Expr:
        from matcalc import build

        return build.elem_div(self, build.as_expr(other))

    def __rtruediv__(self, other: object) -> Expr:
        from matcalc import build

        return build.elem_div(build.as_expr(other), self)

    def __pow__(self, other: object) -> Expr:
        from matcalc import build

        return build.power(self, build.as_expr(other))

    def __rpow__(self, other: object) -> Expr:
        from matcalc import build

        return build.power(build.as_expr(other), self)

    def _repr_latex_(self) -> str:
        """Jupyter's display: the matrix-form LaTeX, shared subexpressions named when large."""
        from matcalc.printing import latex

        return f"$${latex.to_latex(self, where=self.tree_size > _WHERE_ABOVE)}$$"


_T = TypeVar("_T")


@dataclass_transform(eq_default=False, frozen_default=True, field_specifiers=(field,))
def node(cls: type[_T]) -> type[_T]:
    """Declare a node class: frozen, slotted, interned, identity equality."""
    return dataclass(frozen=True, slots=True, eq=False, repr=False)(cls)


# ---- leaves -------------------------------------------------------------------


@node
class Symbol(Expr):
    """A named variable of a kind: scalar, vector, matrix or symmetric (matrix)."""

    name: str
    kind: str



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
class Size(Expr):
    """``size(X, k)``: the number of rows (``axis`` 1) or columns (2) of ``X``, a scalar.

    The length of a vector is ``size(x, 1)``.  It holds the expression (not just the
    dimension) so that it prints, parses and unifies like any other node.
    """

    body: Expr
    axis: int


@node
class Call(Expr):
    """An abstract function applied to ``arg`` (``order`` 0), or its ``order``-th derivative there.

    The function's value is a scalar, vector or matrix (``kind``); the k-th
    derivative has shape ``value shape + k * arg.shape``.  The caller gives
    the function (and its derivatives) as Python callables to evaluate.
    """

    name: str
    kind: str
    order: int
    arg: Expr


    @property
    def function(self) -> str:
        """``L``, ``grad(L)``, ``hess(L)``, ``jac(F)`` or ``deriv(F,3)``: the function or a derivative."""
        name, kind, order = self.name, self.kind, self.order
        if order == 0:
            return name
        if order == 1:
            return f"grad({name})" if kind == "scalar function" else f"jac({name})"
        if order == 2 and kind == "scalar function":
            return f"hess({name})"
        return f"deriv({name},{order})"


@node
class IndexForm(Expr):
    """A tensor with no matrix form, kept in index notation (see :mod:`matcalc.index`)."""

    tensor: IndexExpr


Node: TypeAlias = (
    Symbol | Number | Zero | Ones | Identity | Add | Scale | MatMul | Transpose | Hadamard
    | ElemDiv | Power | Apply | Trace | Det | LogDet | Inverse | MatPow | DiagMatrix
    | DiagVector | SumEntries | Norm | Softmax | LogSumExp | Size | Polygamma | Call | IndexForm
)  # fmt: skip


# ---- generic traversal --------------------------------------------------------------

_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    """The structural fields of a node class, in order (not shape/row/derived)."""
    names = _FIELDS.get(cls)
    if names is None:
        base = {"shape", "row", "symbols", "dims", "depth", "tree_size", "skey"}
        names = tuple(n for n in cls.__dataclass_fields__ if n not in base)  # type: ignore[attr-defined]
        _FIELDS[cls] = names
    return names


def _merged_symbols(groups: list[tuple[Symbol, ...]]) -> tuple[Symbol, ...]:
    """The union of sorted symbol tuples, sorted by name; a tuple that holds all the others is reused.

    (Reusing keeps building a chain linear: a node over a big subexpression
    and one more symbol copies the symbols only when the symbol is new.)
    """
    groups = [g for g in groups if g]
    if not groups:
        return ()
    largest = max(groups, key=len)
    if all(g is largest for g in groups):
        return largest
    names = {s.name for s in largest}
    extra = [s for g in groups if g is not largest for s in g if s.name not in names]
    if not extra:
        return largest
    merged = {s.name: s for s in extra}
    for s in largest:
        merged.setdefault(s.name, s)
    out = tuple(merged[n] for n in sorted(merged))
    if len(_SYMBOL_SETS) >= _CACHE_LIMIT:
        forget_symbol_sets()
    return _SYMBOL_SETS.setdefault(out, out)  # one tuple object per set: checks can be memoized


#: Interned symbol tuples (symbols hash by identity, so equal tuples hold the same objects).
_SYMBOL_SETS: dict[tuple[Symbol, ...], tuple[Symbol, ...]] = {}
#: Entries the caches of this module keep before they start again (they only save time).
_CACHE_LIMIT = 50_000
#: Called when the interned symbol sets are dropped (build registers its memo of them).
_ON_FORGET: list[Callable[[], None]] = []


def interned(symbols: tuple[Symbol, ...]) -> bool:
    """True while ``symbols`` is the interned tuple for its set (so its id is its own)."""
    return _SYMBOL_SETS.get(symbols) is symbols


def forget_symbol_sets() -> None:
    """Drop the interned symbol sets, and every memo keyed by their ids."""
    _SYMBOL_SETS.clear()
    for forget in _ON_FORGET:
        forget()


def _merged_dims(own: frozenset[Dim], groups: list[frozenset[Dim]]) -> frozenset[Dim]:
    """The union of the dimension sets; a set that holds all the others is reused."""
    if not groups:
        return own
    largest = max(groups, key=len)
    if own <= largest and all(g is largest or g <= largest for g in groups):
        return largest
    return own.union(*groups)


_MOD = (1 << 61) - 1
_CODES: dict[object, int] = {}


def _code(value: object) -> int:
    """A run-independent code for a class name, a dimension or a field value (CRC of its repr)."""
    key = (type(value), value)
    if len(_CODES) >= _CACHE_LIMIT:
        _CODES.clear()
    code = _CODES.get(key)
    if code is None:
        code = _CODES[key] = zlib.crc32(f"{type(value).__name__}:{value!r}".encode())
    return code


def _structural_key(e: Expr, kids: tuple[Expr, ...]) -> int:
    """A hash of the structure that is the same in every run (Python's str hash is not)."""
    h = _code(type(e).__name__) * 2 + e.row
    for d in e.shape:
        h = (h * 1_000_003 + _code(d)) % _MOD
    for f in _fields(type(e)):
        value = getattr(e, f)
        if not _has_expr(value):
            h = (h * 1_000_003 + _code(value)) % _MOD
    for k in kids:
        h = (h * 1_000_003 + k.skey) % _MOD
    return h


def _has_expr(value: object) -> bool:
    return isinstance(value, Expr) or (isinstance(value, tuple) and any(isinstance(v, Expr) for v in value))


def children(e: Expr) -> Iterator[Expr]:
    """The direct subexpressions of ``e``, in order (of an IndexForm: its factors' bases)."""
    if isinstance(e, IndexForm):
        yield from e.tensor.bases()
        return
    for name in _fields(type(e)):
        value = getattr(e, name)
        if isinstance(value, Expr):
            yield value
        elif isinstance(value, tuple):
            yield from value


def rebuild(e: Expr, child: Callable[[Expr], Expr], dim: Callable[[Dim], Dim]) -> Expr:
    """``e`` with every child mapped by ``child`` and every dim by ``dim``.

    The structure is kept; smart-constructor checks are not rerun, so the
    mapping must preserve shapes (as a dimension substitution does).
    """
    shape = tuple(dim(d) for d in e.shape)
    if isinstance(e, IndexForm):
        return IndexForm(e.tensor.map(child, dim), shape=shape, row=e.row)
    args: list[Any] = []
    for name in _fields(type(e)):
        value = getattr(e, name)
        if isinstance(value, Expr):
            value = child(value)
        elif isinstance(value, tuple):
            value = tuple(child(v) for v in value)
        args.append(value)
    return type(e)(*args, shape=shape, row=e.row)


def substitute_dims(e: Expr, sub: Mapping[Dim, Dim]) -> Expr:
    """Rename dimensions throughout ``e``; subtrees that mention none are kept as they are."""
    if not sub:
        return e
    keys = frozenset(sub)
    done: dict[Expr, Expr] = {}
    stack: list[tuple[Expr, bool]] = [(e, False)]
    while stack:  # iterative post-order: no recursion limit on deep trees
        x, expanded = stack.pop()
        if x in done:
            continue
        if x.dims.isdisjoint(keys):
            done[x] = x
        elif expanded:
            done[x] = rebuild(x, lambda k: done[k], lambda d: sub.get(d, d))
        else:
            stack.append((x, True))
            stack.extend((k, False) for k in children(x))
    return done[e]


def tree_repr(e: Expr) -> str:
    """The constructor form ``MatMul(Symbol('A', 'matrix'), ...)``, built without recursion.

    Trees larger than `_REPR_LIMIT` nodes when expanded show as a summary.
    """
    if e.tree_size > _REPR_LIMIT:
        return f"<{type(e).__name__} of shape {e.shape}, {e.tree_size} nodes expanded>"
    done: dict[Expr, str] = {}
    for x in walk(e):  # children before parents: each one's text is ready when needed
        parts: list[str] = []
        for f in _fields(type(x)):
            value = getattr(x, f)
            items = value if isinstance(value, tuple) else (value,)
            parts.extend(done[v] if isinstance(v, Expr) else repr(v) for v in items)
        done[x] = f"{type(x).__name__}({', '.join(parts)})"
    return done[e]


def walk(e: Expr) -> Iterator[Expr]:
    """Every distinct node of ``e``, children before parents (each once)."""
    seen: set[int] = set()
    stack: list[tuple[Expr, bool]] = [(e, False)]
    while stack:
        x, expanded = stack.pop()
        if expanded:
            yield x
            continue
        if id(x) in seen:
            continue
        seen.add(id(x))
        stack.append((x, True))
        stack.extend((k, False) for k in reversed(tuple(children(x))))
