"""Temporaries, statements and names of the generated function, in dependency order.

A node used more than once (and more than a name or a view) is computed once
into ``t0, t1, ...``; a node used once is written inline, unless the line would
get long.  The placeholders of lowering (:mod:`matcalc.codegen.syntax`) are
resolved here: references to their form, sizes to ``X.shape[0]``, library names
to the names chosen for this module.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Mapping, Sequence

from matcalc.codegen import syntax as sx
from matcalc.codegen.backends import Backend
from matcalc.codegen.names import Naming, bound_name, python_name
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import Expr, Symbol

__all__ = ["Writer"]

#: A node whose inline code has more syntax-tree nodes than this gets its own line.
_INLINE_LIMIT = 40


class Writer:
    """Temporaries and statements, in dependency order; names resolved."""

    def __init__(
        self,
        backend: Backend,
        code: Mapping[Expr, ast.expr],
        symbols: Mapping[str, Symbol],
        naming: Naming,
        params: tuple[str, ...],
        taken: set[str],
    ) -> None:
        self.code = code
        self.symbols = symbols
        self.naming = naming
        self.symbol_of = {p: s for s, p in naming.arrays.items()}  # parameter -> symbol name
        self.params = params
        self.taken = taken
        # The module's names also make way for the function's; a local variable may share it.
        self.taken.add(naming.function)
        self.renames = self._library_names(backend)
        if naming.function not in params:
            self.taken.discard(naming.function)
        self.backend = backend
        self.uses: Counter[Expr] = Counter()
        for c in code.values():
            self.uses.update(r.node for r in ast.walk(c) if isinstance(r, sx.Ref))
        self.form: dict[Expr, ast.expr] = {}
        self.statements: list[ast.stmt] = []
        self.namespace_found = False  # the input checks find the array API's namespace themselves
        self._counter = 0

    # ---- names ----------------------------------------------------------------------------------------

    def _library_names(self, backend: Backend) -> dict[str, str]:
        """Import aliases, the namespace and helper names, renamed where an argument has taken them."""
        renames: dict[str, str] = {}
        for line in backend.imports:
            bound = bound_name(line)
            renames[bound] = self._free_name(bound)
        if backend.alias not in renames:
            renames[backend.alias] = self._free_name(backend.alias)
        for helper in backend.helpers:
            renames[helper] = self._free_name(helper)
        return renames

    def _free_name(self, wanted: str) -> str:
        chosen = wanted
        while chosen in self.taken:
            chosen += "_"
        self.taken.add(chosen)
        return chosen

    def _temporary(self) -> str:
        while f"t{self._counter}" in self.taken:
            self._counter += 1
        chosen = f"t{self._counter}"
        self.taken.add(chosen)
        return chosen

    # ---- statements -------------------------------------------------------------------------------

    def outputs(self, keyed: Sequence[tuple[str, Expr]], bind: bool) -> list[ast.expr]:
        """The code of each output, after the statements that compute its temporaries."""
        self.uses.update(e for _, e in keyed)
        result = []
        for key, e in keyed:
            self._visit(e)
            code = self.form[e]
            if bind and not _trivial(code):
                usable = key.isidentifier() and python_name(key, "output") == key and key not in self.taken
                target = self._free_name(key) if usable else self._temporary()
                self._assign(target, code)
                self.form[e] = code = sx.name(target)
            result.append(code)
        return result

    def _assign(self, target: str, value: ast.expr) -> None:
        self.statements.append(ast.Assign(targets=[sx.name(target)], value=value, lineno=0))

    def _visit(self, root: Expr) -> None:
        """Decide, children first, whether each node below ``root`` is inline or a temporary."""
        stack: list[tuple[Expr, bool]] = [(root, False)]
        while stack:
            e, expanded = stack.pop()
            if e in self.form:
                continue
            if not expanded:
                stack.append((e, True))
                refs = [r.node for r in ast.walk(self.code[e]) if isinstance(r, sx.Ref)]
                stack.extend((k, False) for k in reversed(refs) if k not in self.form)
                continue
            if isinstance(e, Symbol):
                self.form[e] = sx.name(self.naming.arrays[e.name])
                continue
            code = _Resolve(self).visit(self.code[e])
            shared = self.uses[e] > 1 and not _trivial(code)
            if e is not root and (shared or _size(code) > _INLINE_LIMIT):
                target = self._temporary()
                self._assign(target, code)
                code = sx.name(target)
            self.form[e] = code

    # ---- sizes ----------------------------------------------------------------------------------------

    def provider(self, d: Dim) -> tuple[str, int]:
        """The argument and axis that give the size of ``d``."""
        for symbol, p in self.naming.arrays.items():
            s = self.symbols.get(symbol)
            if s is not None and d in s.shape:
                return p, s.shape.index(d)
        if not d.anonymous and d.owner in self.naming.arrays:
            return self.naming.arrays[d.owner], d.axis
        if d.anonymous:
            raise MatcalcError(
                "cannot generate code for a constant (eye, vector(c), ...) whose size no symbol fixes"
            )
        raise MatcalcError(f"the code needs the size of {d.describe()}: pass '{d.owner}' in args")

    def helpers(self, result: ast.expr) -> list[str]:
        """The source of each helper the statements and the result use."""
        used: set[str] = set()
        for tree in (*self.statements, result):
            used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        out = []
        for helper, text in self.backend.helpers.items():
            chosen = self.renames[helper]
            if chosen in used:
                tree = ast.parse(text)
                func = tree.body[0]
                assert isinstance(func, ast.FunctionDef)
                func.name = chosen
                out.append(ast.unparse(_Rename(self.renames, self.backend.alias).visit(tree)))
        return out

    def imports(self, result: ast.expr, helpers: Sequence[str]) -> list[str]:
        """The import lines the code uses, with renamed aliases (the array API's finder always)."""
        used: set[str] = set()
        for tree in (*self.statements, result, *(ast.parse(h) for h in helpers)):
            used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        lines = []
        for n, line in enumerate(self.backend.imports):
            bound = bound_name(line)
            chosen = self.renames[bound]
            if chosen in used or (n == 0 and self.backend.namespace_from_args):
                lines.append(line if chosen == bound else f"{line.split(' as ')[0]} as {chosen}")
        return lines

    def prologue(self) -> list[str]:
        """The statement that finds the namespace from the arguments, if the backend needs one."""
        if not self.backend.namespace_from_args or self.namespace_found:
            return []
        scalars = {self.naming.arrays[n] for n, s in self.symbols.items() if s.is_scalar}
        values = [p for p in self.params if p in self.symbol_of]  # not the callables
        if not values:  # numbers alone (constants are literals): no namespace to find
            return []
        arrays = [p for p in values if p not in scalars]
        finder = self.renames[bound_name(self.backend.imports[0])]
        namespace = self.renames[self.backend.alias]
        return [f"{namespace} = {finder}({', '.join(arrays or values)})"]


class _Rename(ast.NodeTransformer):
    """Library names (``xp`` is the namespace) to the names chosen for this module."""

    def __init__(self, renames: Mapping[str, str], namespace: str) -> None:
        self.renames = {**renames, "xp": renames[namespace]}

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return sx.name(self.renames[node.id]) if node.id in self.renames else node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.renames.get(node.arg, node.arg)
        return node


class _Resolve(ast.NodeTransformer):
    """Placeholders to code: references to their form, sizes to ``X.shape[0]``."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer

    def visit_Ref(self, node: sx.Ref) -> ast.expr:
        return self.writer.form[node.node]

    def visit_SizeRef(self, node: sx.SizeRef) -> ast.expr:
        arg, axis = self.writer.provider(node.dim)
        return ast.Subscript(value=_shape(arg), slice=ast.Constant(value=axis), ctx=ast.Load())

    def visit_FunctionRef(self, node: sx.FunctionRef) -> ast.expr:
        return sx.name(self.writer.naming.callables[node.function])

    def visit_LikeRef(self, node: sx.LikeRef) -> ast.expr:
        return sx.name(self.writer.provider(node.dim)[0])

    def visit_Name(self, node: ast.Name) -> ast.expr:
        renames = self.writer.renames
        return sx.name(renames[node.id]) if node.id in renames else node

    def visit_Tuple(self, node: ast.Tuple) -> ast.expr:
        """``X.shape`` for the whole shape of an argument."""
        if node.elts and all(isinstance(e, sx.SizeRef) for e in node.elts):
            places = [self.writer.provider(e.dim) for e in node.elts if isinstance(e, sx.SizeRef)]
            arg = places[0][0]
            s = self.writer.symbols.get(arg)
            if s is not None and s.ndim == len(places) and places == [(arg, k) for k in range(len(places))]:
                return _shape(arg)
        self.generic_visit(node)
        return node


def _shape(arg: str) -> ast.expr:
    return ast.Attribute(value=sx.name(arg), attr="shape", ctx=ast.Load())


def _trivial(code: ast.expr) -> bool:
    """A name, a number, a transpose of a name or a size: as cheap to repeat as a temporary."""
    match code:
        case ast.Name() | ast.Constant():
            return True
        case ast.UnaryOp(op=ast.USub(), operand=ast.Constant()):
            return True
        case ast.Attribute(value=ast.Name(), attr="T" | "mT"):
            return True
        case ast.Subscript(value=ast.Attribute(value=ast.Name(), attr="shape")):
            return True
    return False


def _size(code: ast.expr) -> int:
    return sum(1 for _ in ast.walk(code))

