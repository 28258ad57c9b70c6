"""Lowering: each matrix-level node to a Python expression over its operands.

`Lowerer` turns every node that the outputs need into an `ast` expression
whose operands are `Ref` placeholders to other nodes; :mod:`matcalc.codegen.function`
then decides which nodes become temporaries.  One exhaustive ``match`` covers
every node type.  The rules that pay off:

- products, and traces, diagonals and sums of products: :mod:`matcalc.codegen.products`;
- ``Zero``, ``Identity`` and ``Ones`` are built only where the value is that
  array; in a sum a (scaled) vector of ones is a broadcast scalar;
- exact rewrites that are numerically safer: the stable logarithms and quotients of
  `matcalc.stable`, which evaluation computes too (``log(1+exp(t))`` is
  ``logaddexp(0, t)``, ``log(softmax(x))`` a log-softmax, ``log(sigmoid(t))``
  ``-logaddexp(0, -t)``, ``log(normcdf(t))`` ``log_ndtr(t)``, ``exp(a)./normcdf(u)``
  ``exp(a - log_ndtr(u))``); ``norm2(x)^2`` is ``x @ x``.

A rule that looks through a child (``tr(A*B)`` through ``A*B``) does so only
when nothing else needs that child (`Lowerer.private`); otherwise it uses the
child's value, which is computed once anyway.  The logarithms above are the
exception: they look through a shared softmax or sigmoid too, since its value
may have underflowed to 0.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import assert_never, cast

from matcalc import axes, build
from matcalc.codegen import einsum, products, reductions, spectral
from matcalc.codegen import syntax as sx
from matcalc.codegen.backends import Backend
from matcalc.codegen.folding import (
    constant,
    is_number,
    python_scalar,
    split_sign,
    sum_of,
    transposed,
)
from matcalc.dims import Dim
from matcalc.expr import (
    Add,
    Apply,
    Attained,
    Call,
    Commutation,
    DiagMatrix,
    DiagVector,
    ElemDiv,
    Expr,
    Hadamard,
    Identity,
    IndexForm,
    Kron,
    MatFun,
    MatMul,
    MatPow,
    Named,
    Node,
    Norm,
    Number,
    Ones,
    PairIndex,
    Polygamma,
    Power,
    Scale,
    Size,
    Spectral,
    SumEntries,
    Symbol,
    Trace,
    Transpose,
    Zero,
    children,
    walk,
)
from matcalc.ops.gamma import POLYGAMMA
from matcalc.ops.matrix import code_op
from matcalc.stable import quotient_form, stable_log

__all__ = ["Lowerer"]


class Lowerer:
    """The code of each node the outputs need, with `Ref` s to the nodes it uses."""

    def __init__(
        self, backend: Backend, roots: Sequence[Expr], sizes: Mapping[Dim, int] | None = None
    ) -> None:
        self.backend = backend
        default = float(max(sizes.values())) if sizes else products.N
        self._sizes = {d: float(n) for d, n in (sizes or {}).items()}
        self._default_size = default
        self.roots = frozenset(roots)
        self.code: dict[Expr, ast.expr] = {}
        self._uses: Counter[Expr] = Counter(roots)
        self._products: dict[tuple[Expr, ...], Expr] = {}
        self._count_parents(roots)

    # ---- the graph ----------------------------------------------------------------------------------

    def _count_parents(self, roots: Sequence[Expr]) -> None:
        """How many parents use each node; shared products are computed whatever their parents do."""
        seen: set[Expr] = set()
        for root in roots:
            for e in walk(root):
                if e in seen:
                    continue
                seen.add(e)
                for kid in children(e):
                    self._uses[kid] += 1
        self._shared = {e.factors: e for e in seen if isinstance(e, MatMul) and self._uses[e] > 1}
        self._products = dict(self._shared)
        self._first_pass: dict[Expr, int] = {}  # the order nodes were lowered in the first pass

    def dim_size(self, d: Dim) -> float:
        """The size the cost model takes for ``d``: the caller's hint, else one large size for all."""
        return self._sizes.get(d, self._default_size)

    def private(self, e: Expr) -> bool:
        """Whether only one parent needs ``e`` (so that parent may compute it its own way)."""
        return self._uses[e] <= 1 and e not in self.code

    def available(self, factors: tuple[Expr, ...]) -> bool:
        """Whether the product of ``factors`` is computed anyway."""
        return factors in self._products

    def lower_all(self, roots: Sequence[Expr]) -> dict[Expr, ast.expr]:
        """The code of every node the roots need.

        Twice: the second pass knows which products the first one computed, so
        that every chain can reuse them whatever the order of lowering.
        """
        self._lower_pass(roots)
        refs = Counter(r.node for c in self.code.values() for r in ast.walk(c) if isinstance(r, sx.Ref))
        refs.update(roots)
        shared = {e.factors: e for e in self.code if isinstance(e, MatMul) and refs[e] > 1}
        self._first_pass = {e: n for n, e in enumerate(self.code)}
        self.code = {}
        self._products = {**self._shared, **shared}
        self._lower_pass(roots)
        return self.code

    def _lower_pass(self, roots: Sequence[Expr]) -> None:
        stack = list(roots)[::-1]
        while stack:
            e = stack.pop()
            if e in self.code:
                continue
            code = self._lower(e)
            self.code[e] = code
            needed = [r.node for r in ast.walk(code) if isinstance(r, sx.Ref)]
            for k in needed:  # computed for sure: later chains may reuse them
                if isinstance(k, MatMul):
                    self._products.setdefault(k.factors, k)
            stack.extend(k for k in reversed(needed) if k not in self.code)  # in the order written

    # ---- building blocks used by the rules ---------------------------------------------------------

    def ref(self, e: Expr) -> ast.expr:
        """The value of ``e`` (a number is its literal)."""
        if isinstance(e, Number):
            return sx.number(e.value)
        return sx.Ref(e)

    def op(self, name: str, *args: ast.expr) -> ast.expr:
        """The backend's spelling of operation ``name`` applied to ``args``."""
        return sx.fill(self.backend.template(name), self.backend.alias, *args)

    def named(self, e: Expr, form: str = "") -> ast.expr:
        """A named matrix function of its argument, by its record's template (``form``: `code_op`)."""
        return self.op(code_op(e, form), *[self.ref(c) for c in children(e)])

    def size(self, d: Dim) -> ast.expr:
        """The size of dimension ``d`` (of a product dimension, the product of its parts' sizes)."""
        if d.parts:
            return sx.product([sx.SizeRef(p) for p in d.parts])
        return sx.SizeRef(d)

    def like(self, d: Dim) -> ast.expr:
        """An argument array (for the dtype and device of a constructor of size ``d``)."""
        return sx.LikeRef(d.atoms()[0])

    def shape(self, e: Expr) -> ast.expr:
        """The shape of ``e``: a size for a vector, a tuple of sizes otherwise."""
        if e.ndim == 1:
            return self.size(e.shape[0])
        return ast.Tuple(elts=[self.size(d) for d in e.shape], ctx=ast.Load())

    def _filled(self, what: str, e: Expr) -> ast.expr:
        assert e.shape, "scalar constants are numbers"
        return self.op(what, self.shape(e), self.like(e.shape[0]))

    # ---- the rules ---------------------------------------------------------------------------------

    def _lower(self, e: Expr) -> ast.expr:
        folded = constant(e)
        if folded is not None:
            return folded
        if isinstance(e, Add | MatMul) and e.is_matrix:
            t = transposed(e)
            first = self._first_pass
            if t is not e and t in first and first[t] < first.get(e, len(first)):  # the earlier form wins
                return self.op("transpose", self.ref(t))
        return self._lower_node(e)

    def _lower_node(self, e: Expr) -> ast.expr:  # noqa: C901 - one case per node type
        e = cast(Node, e)  # the closed set of nodes: assert_never below names a missing case
        match e:
            case Symbol():
                return sx.name(e.name)  # resolved to the argument's name later
            case Number():
                return sx.number(e.value)
            case Zero():
                return self._filled("zeros", e)
            case Ones():
                return self._filled("ones", e)
            case Identity():
                return self.op("eye", self.size(e.shape[0]), self.like(e.shape[0]))
            case Add():
                return self._add(e)
            case Scale():
                return self._scale(e)
            case MatMul():
                column = self._as_column(e)
                return products.product(self, e.factors) if column is None else self.ref(column)
            case Transpose():
                return self.ref(e.body) if e.is_vector else self.op("transpose", self.ref(e.body))
            case Hadamard():
                stable = quotient_form(e)  # exp(a).*normcdf(u).^-1 is exp(a - lognormcdf(u)), as evaluated
                if stable is not None:
                    return self.ref(stable)
                return sx.product([self.ref(f) for f in e.factors])
            case ElemDiv():
                stable = quotient_form(e)
                return self.ref(stable) if stable is not None else self._divide(e)
            case Power():
                return self._power(e)
            case Apply():
                return self._apply(e)
            case Polygamma():  # an order with code of its own, or the family's call with the order
                op = POLYGAMMA.code_op(e.order)
                if op != POLYGAMMA.name:
                    return self.op(op, self.ref(e.arg))
                return self.op(op, self.ref(e.arg), sx.number(e.order))
            case Trace():
                return self._trace(e)
            case MatPow():
                return self.op("matpow", self.ref(e.body), sx.number(e.k))
            case DiagVector():
                return self._diag_vector(e)
            case SumEntries():
                return self._sum(e)
            case Size():
                return self.size(e.body.shape[e.axis - 1])
            case IndexForm():  # with no term: a zero derivative, labelled (`matcalc.diff.labelled`)
                return einsum.index_form(self, e) if e.tensor.terms else self._filled("zeros", e)
            case MatFun():
                return spectral.matfun(self, e)
            case Spectral():
                return spectral.spectral(self, e)
            case Kron():
                return self._kron(e)
            case Commutation():  # K_pq; N_n = (I + K_nn)/2
                sizes = [self.size(d) for d in e.parts]
                k = self.op("commutation", *sizes, self.like(e.shape[0]))
                if not e.symmetric:
                    return k
                eye = self.op("eye", self.size(e.shape[0]), self.like(e.shape[0]))
                return sx.div(sx.add(eye, k), sx.number(2))
            case PairIndex():  # δ[r, (a, b)]: the identity's rows as |a| x |b| arrays
                eye = self.op("eye", self.size(e.shape[0]), self.like(e.shape[0]))
                return self.op("reshape", eye, self.shape(e))
            case Call():  # an abstract function: a callable the caller passes
                args = [self.ref(a) for a in e.args]
                return ast.Call(func=sx.FunctionRef(callable_name(e)), args=args, keywords=[])
            case Attained(shared=True):  # argmax: the record's template divides the tie indicator, once
                indicator = axes.attained(e.kind, e.body, e.axis, shared=False)
                return self.op(code_op(e), self.ref(indicator))
            case Named():  # det, inv, softmax, max ...: the template of its record (`matcalc.ops.matrix`)
                return self.named(e)
        assert_never(e)

    def _kron(self, e: Kron) -> ast.expr:
        """``kron(A, B)`` of arrays of one rank; a vector with a matrix is lifted to 2-D first."""
        a, b = e.left, e.right
        if a.is_vector and b.is_vector and a.row != b.row:  # a column and a row: an outer product
            col, row = (a, b) if b.row else (b, a)
            return self.op("outer", self.ref(col), self.ref(row))
        if a.ndim == b.ndim:
            return self.op(code_op(e), self.ref(a), self.ref(b))
        lifted = [self.op("row" if x.row else "column", self.ref(x)) if x.is_vector else self.ref(x)
                  for x in (a, b)]
        return self.op(code_op(e), *lifted)

    def _broadcast(self, e: Expr) -> ast.expr | None:
        """The scalar of ``vector(1)`` or ``s*vector(1)`` (of any shape), which broadcasting expands."""
        if isinstance(e, Ones):
            return sx.number(1)
        if isinstance(e, Scale) and isinstance(e.body, Ones):
            return self.ref(e.coef)
        return None

    def _add(self, e: Add) -> ast.expr:
        signed: list[tuple[bool, ast.expr]] = []
        arrays = False
        for n, term in enumerate(e.terms):
            minus, positive = split_sign(term) if n else (False, term)
            code = self._broadcast(positive)
            arrays = arrays or code is None
            signed.append((minus, self.ref(positive) if code is None else code))
        total = signed[0][1]
        for minus, code in signed[1:]:
            total = sx.sub(total, code) if minus else sx.add(total, code)
        if not arrays:  # every term is a broadcast scalar: build the array once
            return sx.mul(total, self._filled("ones", e))
        return total

    def _as_column(self, e: MatMul) -> Expr | None:
        """For a row vector ``u'*M``, the column ``M'*u`` (the same array) if that is computed anyway."""
        if not (e.is_vector and e.row):
            return None
        column = products.fold([build.transpose(f) for f in reversed(e.factors)])
        return column if isinstance(column, MatMul) and self.available(column.factors) else None

    def _scale(self, e: Scale) -> ast.expr:
        if isinstance(e.body, MatMul) and e.body.is_matrix and self.private(e.body):
            code = products.scaled_outer(self, e.body.factors, e.coef)
            if code is not None:
                return code
        if isinstance(e.body, Ones):
            return sx.mul(self.ref(e.coef), self._filled("ones", e))
        return products.scaled(self, e.coef, self.ref(e.body))

    def _divide(self, e: ElemDiv) -> ast.expr:
        if python_scalar(e.num) and python_scalar(e.den):
            return self.op("divide", self.ref(e.num), self.ref(e.den))  # 1.0 / 0.0 would raise
        num = self._broadcast(e.num) if not e.den.is_scalar else None
        return sx.div(num if num is not None else self.ref(e.num), self.ref(e.den))

    def _power(self, e: Power) -> ast.expr:
        base, p = e.base, e.exponent
        if isinstance(base, Norm) and base.p == 2 and is_number(p, 2) and self.private(base):
            x = base.body
            if x.is_scalar:
                return sx.power(self.ref(x), sx.number(2))
            if x.is_vector:
                return self.op("matmul", self.ref(x), self.ref(x))
            return self.op("dot_all", self.ref(x), self.ref(x))
        natural = isinstance(p, Number) and isinstance(p.value, int) and p.value >= 0
        if base.is_scalar and (not natural or python_scalar(base)):
            # not Python's ** on floats: (-8.0) ** (1/3) is complex, 0.0 ** -1 and 1e200 ** 2 raise;
            # an integer base is written as a float: NumPy refuses integers to negative powers
            b = self.ref(base)
            if isinstance(base, Number) and isinstance(base.value, int):
                b = sx.number(float(base.value))
            return self.op("power", b, self.ref(p))
        exponent = self._broadcast(p) if not base.is_scalar else None
        return sx.power(self.ref(base), exponent if exponent is not None else self.ref(p))

    def _apply(self, e: Apply) -> ast.expr:
        arg = e.arg
        if e.func == "log":
            # the stable form of matcalc.stable, computed from the argument even where the softmax or
            # sigmoid is needed anyway (by a gradient): the log of one that underflowed to 0 is -inf
            found = stable_log(arg)
            if found is not None:
                entry, t = found
                return self.named(arg, entry.code_form) if entry.code_form else self.ref(entry.form(arg, t))
        return self.op(e.func, self.ref(arg))

    def _trace(self, e: Trace) -> ast.expr:
        x = e.body
        if self.private(x):
            match x:
                case MatMul():
                    return reductions.trace_of_product(self, x.factors)
                case Add():
                    return sum_of([self.ref(build.trace(t)) for t in x.terms])
                case Scale():
                    return products.scaled(self, x.coef, self.ref(build.trace(x.body)))
                case Transpose():
                    return self.ref(build.trace(x.body))
                case DiagMatrix():
                    return self.op("sum", self.ref(x.body))
                case Identity():
                    return self.size(x.shape[0])
        return self.named(e)

    def _diag_vector(self, e: DiagVector) -> ast.expr:
        x = e.body
        code: ast.expr | None = None
        if self.private(x):
            match x:
                case MatMul():
                    code = reductions.diag_of_product(self, x.factors)
                case Scale():
                    code = products.scaled(self, x.coef, self.ref(build.diag(x.body)))
                case Transpose():
                    code = self.ref(build.diag(x.body))
                case DiagMatrix():
                    code = self.ref(x.body)
        if code is None:
            code = self.named(e)
            if e in self.roots:  # a view of an argument must not be handed out
                code = self.op("copy", code)
        return code

    def _sum(self, e: SumEntries) -> ast.expr:
        x = e.body
        if self.private(x):
            match x:
                case MatMul():
                    return reductions.sum_of_product(self, x)
                case Hadamard() if len(x.factors) == 2:
                    a, b = (self.ref(f) for f in x.factors)
                    return self.op("matmul" if x.is_vector else "dot_all", a, b)
                case Scale():
                    return products.scaled(self, x.coef, self.ref(build.sum_entries(x.body)))
                case Transpose():
                    return self.ref(build.sum_entries(x.body))
                case DiagMatrix():
                    return self.op("sum", self.ref(x.body))
        return self.named(e)


def callable_name(e: Call) -> str:
    """The parameter that holds the callable for ``e``: ``L``, ``grad_L``, ``jac_F``, ``deriv_F_3``, ..."""
    return e.function.replace("(", "_").replace(",", "_").replace(")", "")
