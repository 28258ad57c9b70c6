"""The base of every matrix-level node: hash-consing and derived attributes.

`Expr` interns its instances (one object per distinct node, so ``a is b``
holds exactly for structurally equal expressions) and computes, once, what
every pass asks of a node: its direct subexpressions (`children`), symbols,
dimensions (merged from the children's by `matcalc.node_sets`), depth and
expanded size; a run-independent structural key (`skey`, which only the
orderings read) is computed the first time it is asked for.  The
generic traversals (`walk`, `rebuild`, `substitute_dims`, `tree_repr`) are in
`matcalc.traversal`; the node classes themselves are in `matcalc.expr`.

The operators (``x + y``, ``A @ x``, ``x.T``), ``str``, ``repr`` (the text form,
as SymPy shows its expressions; `tree_repr` is the tree) and Jupyter's LaTeX are
sugar: they call the smart constructors (`matcalc.build`) and the printers
through imports inside the methods, the one documented way up from the IR
(docs/architecture.md, "Layers").
"""

from __future__ import annotations

import functools
import re
import weakref
import zlib
from _weakref import _remove_dead_weakref  # type: ignore[attr-defined]  # (as weakref.py uses it)
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar, cast, dataclass_transform

from matcalc.dims import Dim
from matcalc.limits import LimitError, charge
from matcalc.node_sets import CACHE_LIMIT, forget_symbol_sets, interned, merged_dims, merged_symbols, own_dims

if TYPE_CHECKING:
    from matcalc.expr import Symbol

__all__ = ["MAX_DEPTH", "Expr", "children", "forget_symbol_sets", "interned", "node", "node_fields"]

#: Deepest expression accepted; deeper ones raise a `LimitError` instead of
#: exhausting Python's stack in some later pass.
MAX_DEPTH = 2_000

#: Largest expanded tree that ``repr`` prints as text (the REPL shows ``repr``).
_TEXT_REPR_LIMIT = 20_000

#: Expanded trees larger than this show in Jupyter with shared subexpressions named.
_WHERE_ABOVE = 200

#: Operands of a node read for one unit of the work budget (a unit is a few microseconds).
_OPERANDS_PER_UNIT = 4


class _Interned(type):
    """Metaclass that hash-conses: one object per distinct node.

    The table maps a node's key to a weak reference (a `weakref.KeyedRef` that
    knows its key): an entry lives only while some object refers to its node,
    and the reference's callback removes the entry of a dead node, never that
    of a live node built later with the same key.  (A plain dict and one shared
    callback: a lookup is two calls in C, where `weakref.WeakValueDictionary`
    runs Python code on every ``get`` and every insertion.)
    """

    _table: ClassVar[dict[tuple[Any, ...], weakref.KeyedRef]] = {}

    def __call__(cls, *args: Any, shape: tuple[Dim, ...] = (), row: bool = False) -> Any:
        plain, tuples, kids = _PLANS.get(cls) or _plan(cast("type[Expr]", cls))
        # the work budget of the public call (matcalc.limits): a node costs a unit, and a unit per
        # 4 operands beyond (its key, symbols and dimensions read every operand, a microsecond each)
        operands = 0
        for i in tuples:
            operands += len(args[i])
        charge(1 + operands // _OPERANDS_PER_UNIT)
        # (the arguments of most classes are nodes, tuples of nodes and names: their own key)
        keys = args if plain else tuple([a if isinstance(a, Expr) else _key(a) for a in args])
        key = (cls, keys, shape, row)
        ref = _TABLE.get(key)
        if ref is not None:
            node = ref()
            if node is not None:
                return node
        node = type.__call__(cls, *args, shape=shape, row=row)  # (as super() does, without its object)
        _derive(node, kids(args, node))
        _TABLE[key] = weakref.KeyedRef(node, _forget, key)
        return node


_TABLE = _Interned._table


def _forget(ref: weakref.KeyedRef) -> None:
    """Callback of a dead node's reference: drop its entry (if it is still that reference's)."""
    _remove_dead_weakref(_TABLE, ref.key)


def _key(value: Any) -> Any:
    """A hashable key that tells ``1``, ``1.0`` and ``True`` apart."""
    if isinstance(value, Expr):
        return value  # interned: identity hash
    if isinstance(value, (str, int, float, Fraction)):
        return (type(value), repr(value))
    if isinstance(value, tuple):
        if _NODE_TYPES.issuperset(map(type, value)):  # operands (the terms of a sum): their own keys
            return value
        return tuple([v if isinstance(v, Expr) else _key(v) for v in value])
    if is_dataclass(value):
        return value  # a frozen index-level value (IndexExpr)
    return (type(value), repr(value))


#: Field types whose values are their own interning key: no other type's values compare equal
#: to them (``1 == 1.0 == True`` is why the other values are keyed by type and text).
_SELF_KEYED = frozenset({"Expr", "tuple[Expr, ...]", "str"})


class _Plan(NamedTuple):
    """What building a node of one class needs to know of its fields (found from their annotations)."""

    plain: bool  # every field is `_SELF_KEYED`: the arguments are the key
    tuples: tuple[int, ...]  # positions of the tuple fields (their operands count in the work budget)
    kids: Callable[[tuple[Any, ...], Any], tuple[Expr, ...]]  # of the arguments and the node: its kids


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type[Expr]) -> _Plan:
    """The `_Plan` of a node class (made at its first node)."""
    types = {f.name: str(f.type) for f in fields(cls)}
    names = node_fields(cls)
    held = [n for n in names if "Expr" in re.findall(r"\w+", types[n])]  # fields that hold nodes
    for n in held:
        if types[n] not in _SELF_KEYED:
            raise TypeError(f"{cls.__name__}.{n}: a node field holds an Expr or a tuple[Expr, ...]")
    plain = all(types[n] in _SELF_KEYED for n in names)
    tuples = tuple(i for i, n in enumerate(names) if types[n].startswith("tuple["))
    kids: Callable[[tuple[Any, ...], Any], tuple[Expr, ...]]
    if cls.holds_tensor:  # an IndexForm: the bases of its factors
        kids = _tensor_bases
    elif names and all(types[n] == "Expr" for n in names):  # (no copy: the tuple of the arguments)
        kids = _arguments
    elif len(names) == 1 and types[names[0]] == "tuple[Expr, ...]":  # a sum, a product
        kids = _first_argument  # (no copy: the tuple of its operands)
    else:
        kids = functools.partial(_kids_of, tuple((n, types[n] != "Expr") for n in held))
    plan = _PLANS[cls] = _Plan(plain, tuples, kids)
    return plan


def _arguments(args: tuple[Any, ...], e: Expr) -> tuple[Expr, ...]:
    return args


def _first_argument(args: tuple[Any, ...], e: Expr) -> tuple[Expr, ...]:
    return args[0]  # type: ignore[no-any-return]


def _tensor_bases(args: tuple[Any, ...], e: Any) -> tuple[Expr, ...]:
    return tuple(e.tensor.bases())


def _kids_of(kid_fields: tuple[tuple[str, bool], ...], args: tuple[Any, ...], e: Expr) -> tuple[Expr, ...]:
    """The values of the fields ``kid_fields`` (a name, and whether it holds a tuple of nodes) of ``e``."""
    out: list[Expr] = []
    for name, many in kid_fields:
        if many:
            out.extend(getattr(e, name))
        else:
            out.append(getattr(e, name))
    return tuple(out)


#: Node classes seen by `_key` (a tuple of nodes is its own key, checked at C speed); filled
#: by `Expr.__init_subclass__`.
_NODE_TYPES: set[type] = set()


@dataclass(frozen=True, slots=True, eq=False, repr=False, weakref_slot=True)
class Expr(metaclass=_Interned):
    """Base of every matrix-level node.  Equality is identity (nodes are interned)."""

    shape: tuple[Dim, ...] = field(kw_only=True)
    row: bool = field(kw_only=True, default=False)
    kids: tuple[Expr, ...] = field(init=False)  # the direct subexpressions, as `children` yields them
    symbols: tuple[Symbol, ...] = field(init=False)
    dims: frozenset[Dim] = field(init=False)
    depth: int = field(init=False)
    tree_size: int = field(init=False)  # nodes of the expanded tree (shared nodes counted per use)
    _skey: int = field(init=False)  # `skey` once asked for (most nodes never are: it is not computed eagerly)

    #: True for the one node whose children are the factors of an index expression (`IndexForm`).
    holds_tensor: ClassVar[bool] = False
    #: True for a node whose field ``parts`` holds dimensions its value depends on beyond its shape
    #: (`Commutation`): they count among its ``dims`` and are renamed with them.
    holds_dims: ClassVar[bool] = False

    def __init_subclass__(cls) -> None:
        _NODE_TYPES.add(cls)  # (every node class, and the slotted copy a dataclass makes of it)

    def _own_symbols(self) -> tuple[Symbol, ...]:
        """The symbols this node itself contributes (a symbol, an abstract function), not its children's."""
        return ()

    @property
    def skey(self) -> int:
        """A structural hash, the same in every run (an ordering key); computed when first asked for."""
        try:
            return self._skey
        except AttributeError:
            return _fill_skeys(self)

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
        """The text form, as `str` (it parses back); ``matcalc.srepr`` shows the tree of nodes.

        An expression larger than `_TEXT_REPR_LIMIT` nodes when expanded shows as a summary.
        """
        if self.tree_size > _TEXT_REPR_LIMIT:
            size = f"{self.tree_size} nodes expanded"
            return f"<{type(self).__name__} of shape {self.shape}, {size}: str() prints it>"
        return str(self)

    # ---- operators: the Python way of building ------------------------------
    #: NumPy defers to these operators instead of building an object array of expressions
    #: (``np.ones(3) * x`` then raises a clear error: an array is not a constant).
    __array_ufunc__ = None

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


# ---- bookkeeping: fields, symbols, dimensions, structural keys ------------------------------

_FIELDS: dict[type, tuple[str, ...]] = {}


def node_fields(cls: type) -> tuple[str, ...]:
    """The structural fields of a node class, in order (not shape/row/derived)."""
    names = _FIELDS.get(cls)
    if names is None:
        base = {"shape", "row", "kids", "symbols", "dims", "depth", "tree_size", "_skey"}
        names = tuple(f.name for f in fields(cls) if f.name not in base)
        _FIELDS[cls] = names
    return names


def _derive(e: Expr, kids: tuple[Expr, ...]) -> None:
    """Set the derived attributes of the new node ``e`` from its children ``kids``."""
    own_symbols = e._own_symbols()
    shape = e.shape
    if kids:
        first = kids[0]
        depth, size, symbols, dims = first.depth, first.tree_size, first.symbols, first.dims
        mixed_symbols = mixed_dims = False
        for k in kids[1:]:  # (one loop, and no new set or tuple while the kids agree)
            if k.depth > depth:
                depth = k.depth
            size += k.tree_size
            if k.symbols is not symbols and k.symbols:
                mixed_symbols, symbols = bool(symbols), symbols or k.symbols
            if k.dims is not dims and not k.dims <= dims:
                if dims <= k.dims:
                    dims = k.dims
                else:
                    mixed_dims = True
        depth, size = depth + 1, size + 1
        if mixed_symbols or own_symbols:
            symbols = merged_symbols([own_symbols, *[k.symbols for k in kids]])
        if mixed_dims:
            dims = merged_dims(frozenset(), [k.dims for k in kids])
    else:
        depth, size, symbols, dims = 1, 1, own_symbols, frozenset()
    if not dims.issuperset(shape) or e.holds_dims:  # (a kid's dims hold the parts of its products)
        dims = dims | own_dims(e)
    if depth > MAX_DEPTH:
        raise LimitError(f"expression is nested more than {MAX_DEPTH} levels deep (tree.MAX_DEPTH)")
    _set = object.__setattr__
    _set(e, "kids", kids)
    _set(e, "symbols", symbols)
    _set(e, "dims", dims)
    _set(e, "depth", depth)
    _set(e, "tree_size", size)


_MOD = (1 << 61) - 1
_CODES: dict[object, int] = {}


def _code(value: object) -> int:
    """A run-independent code for a class name, a dimension or a field value (CRC of its repr)."""
    key = (type(value), value)
    if len(_CODES) >= CACHE_LIMIT:
        _CODES.clear()
    code = _CODES.get(key)
    if code is None:
        code = _CODES[key] = zlib.crc32(f"{type(value).__name__}:{value!r}".encode())
    return code


#: Field values that are plain data (no node, no tuple, no dataclass): coded by `_code` at once.
_PLAIN = frozenset({str, int, float, bool, Fraction, type(None)})


def _structural_key(e: Expr, kids: tuple[Expr, ...]) -> int:
    """A hash of the structure that is the same in every run (Python's str hash is not)."""
    cls = type(e)
    h = _code(cls.__name__) * 2 + e.row
    for d in e.shape:
        h = (h * 1_000_003 + _code(d)) % _MOD
    for f in node_fields(cls):
        value = getattr(e, f)
        if isinstance(value, Expr):  # counted as its shallow repr ``<skey>``, then again below
            h = (h * 1_000_003 + zlib.crc32(b"<%d>" % value.skey)) % _MOD
        elif type(value) in _PLAIN:  # (a name, a number, an axis: the most common fields after nodes)
            h = (h * 1_000_003 + _code(value)) % _MOD
        elif isinstance(value, tuple):
            if not _has_expr(value):
                h = (h * 1_000_003 + _code(value)) % _MOD
        elif is_dataclass(value):  # an index form's tensor: its bases count by their own keys (below)
            h = (h * 1_000_003 + zlib.crc32(_shallow_repr(value).encode())) % _MOD
        else:
            h = (h * 1_000_003 + _code(value)) % _MOD
    for k in kids:
        h = (h * 1_000_003 + k.skey) % _MOD
    return h


def _fill_skeys(e: Expr) -> int:
    """Compute and keep the structural key of ``e`` and of its subexpressions that lack one.

    Iterative, children first, so that a deep tree does not exhaust Python's stack.
    """
    stack = [e]
    while stack:
        x = stack[-1]
        missing = [k for k in x.kids if not hasattr(k, "_skey")]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        if not hasattr(x, "_skey"):  # (a shared child may be on the stack twice)
            object.__setattr__(x, "_skey", _structural_key(x, x.kids))
    return e._skey


def _shallow_repr(value: object, memo: dict[tuple[Any, ...], str] | None = None) -> str:
    """``repr`` of an index-level value with each expression in it shown by its structural key.

    (A full repr would spell out every nested index form again: quadratic in the nesting.)
    ``memo`` holds the text of each named tuple (an index, a dimension) met so far: an
    index occurs at least twice in a term.
    """
    if isinstance(value, Expr):
        return f"<{value.skey}>"
    if isinstance(value, tuple):
        named = hasattr(value, "_fields")
        if named:
            memo = {} if memo is None else memo
            text = memo.get(value)
            if text is not None:
                return text
        inner = ",".join([_shallow_repr(v, memo) for v in value])
        # a record that is a named tuple (an index) is shown as the record it is; a dimension as a tuple
        text = f"{type(value).__name__}({inner})" if named and not isinstance(value, Dim) else f"({inner})"
        if named:
            memo[value] = text  # type: ignore[index]  # (set just above)
        return text
    if is_dataclass(value) and not isinstance(value, type):
        memo = {} if memo is None else memo
        inner = ",".join([_shallow_repr(getattr(value, f.name), memo) for f in fields(value)])
        return f"{type(value).__name__}({inner})"
    return repr(value)


def _has_expr(value: object) -> bool:
    return isinstance(value, Expr) or (isinstance(value, tuple) and any(isinstance(v, Expr) for v in value))


def children(e: Expr) -> Iterator[Expr]:
    """The direct subexpressions of ``e``, in order (of an IndexForm: its factors' bases)."""
    return iter(e.kids)
