"""Assembling the generated module: temporaries, names, sizes and the source text.

After lowering (:mod:`matcalc.codegen.emit`), every node the outputs need has
code that refers to other nodes.  Counting those references across *all*
outputs decides the temporaries: a node used more than once (and more than a
name or a view) is computed once into ``t0, t1, ...``, in dependency order; a
node used once is written inline, unless the line would get long.  With
several outputs, each is bound to a variable named after its key, so the
function reads like the formulas it computes.

Sizes (``np.eye(n)``) are read from the arguments: ``X.shape[0]`` for a
dimension of ``X``.  The generated module imports only its array library and
defines helpers (a stable sigmoid, ...) only where they are used.
"""

from __future__ import annotations

import ast
import dataclasses
import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from matcalc.codegen import guards
from matcalc.codegen import syntax as sx
from matcalc.codegen.backends import Backend
from matcalc.codegen.emit import Lowerer, callable_name
from matcalc.codegen.names import normalized, python_name, unique_names
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import FUNCTION_KINDS, Call, Expr, Symbol, walk

__all__ = ["Generated", "Outputs", "generate"]

Outputs = Expr | Mapping[str, Expr] | Sequence[Expr]

#: A node whose inline code has more syntax-tree nodes than this gets its own line.
_INLINE_LIMIT = 40

#: How much of each output's text the docstring shows.
_DOC_WIDTH = 100


@dataclass(frozen=True, slots=True)
class Generated:
    """A generated module: its source, the function's name and its parameters."""

    source: str
    name: str
    args: tuple[str, ...]
    #: symbol name -> its parameter (``{"lambda": "lambda_"}``; see `matcalc.codegen.names`)
    param_of: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Naming:
    """The Python names of the user's names: symbols, callables and the function (see `names`)."""

    arrays: dict[str, str]  # symbol name -> parameter
    callables: dict[str, str]  # callable parameter as emitted (grad_L) -> parameter
    function: str

    @staticmethod
    def make(
        users: Sequence[str], symbols: Mapping[str, Symbol], calls: set[str], backend: Backend, function: str
    ) -> Naming:
        arrays = unique_names([u for u in users if u not in calls or u in symbols], "symbol name")
        # A callable makes way for a symbol of its name and for the module's library names.
        library = {_bound_name(line) for line in backend.imports} | {backend.alias, *backend.helpers}
        callables = unique_names(sorted(calls), "function", taken={*arrays.values(), *library})
        return Naming(arrays, callables, python_name(function, "function name"))

    def params(self, users: Sequence[str]) -> tuple[str, ...]:
        """The parameters for the user's names, in order (a name that is a symbol and a callable: both)."""
        out = [self.arrays[u] for u in users if u in self.arrays]
        out += [self.callables[u] for u in users if u in self.callables]
        return tuple(sorted(out, key=lambda p: users.index(self.user_of(p))))

    def user_of(self, param: str) -> str:
        for table in (self.arrays, self.callables):
            for user, chosen in table.items():
                if chosen == param:
                    return user
        raise MatcalcError(f"no user name for the parameter {param!r}")  # pragma: no cover


def generate(
    outputs: Outputs,
    args: Sequence[str] | None,
    name: str,
    backend: Backend,
    sizes: Mapping[str, Sequence[int]] | None = None,
    checks: bool = True,
) -> Generated:
    """The source of a module defining ``def name(*args)`` that computes ``outputs``.

    With ``checks``, the function first converts and checks its array arguments
    (`matcalc.codegen.guards`).
    """
    guard_helpers = guards.HELPERS.get(backend.name, {}) if checks else {}
    backend = dataclasses.replace(backend, helpers={**backend.helpers, **guard_helpers})
    form, keyed = _outputs(outputs)
    roots = list(dict.fromkeys(e for _, e in keyed))
    everything = {s.name: s for e in roots for s in e.symbols}
    symbols = {n: s for n, s in everything.items() if s.kind not in FUNCTION_KINDS}  # arrays
    calls = {callable_name(c) for e in roots for c in walk(e) if isinstance(c, Call)}
    lowerer = Lowerer(backend, roots, _dim_sizes(sizes or {}, symbols))
    code = lowerer.lower_all(roots)
    dims = _needed_dims(code.values())
    users = _parameters(args, symbols, dims, calls)
    naming = Naming.make(users, symbols, calls, backend, name)
    params = naming.params(users)
    name = naming.function
    writer = _Writer(backend, code, symbols, naming, params, taken=set(params))
    returned = writer.outputs(keyed, bind=form != "single")
    if guard_helpers:
        chosen = {h: writer.renames[h] for h in guard_helpers}
        owners: dict[str, int] = {}
        for d in dims:
            if not d.anonymous and d.owner in naming.arrays and d.owner not in symbols:
                p = naming.arrays[d.owner]
                owners[p] = max(owners.get(p, 0), d.axis + 1)
        numpy = writer.renames[backend.alias] if backend.name == "numpy" else None
        writer.statements[:0] = guards.statements(backend.name, symbols, naming.arrays, chosen, owners, numpy)
    if form == "single":
        result: ast.expr = returned[0]
    elif form == "tuple":
        result = ast.Tuple(elts=returned, ctx=ast.Load())
    else:
        keys: list[ast.expr | None] = [ast.Constant(value=k) for k, _ in keyed]
        result = ast.Dict(keys=keys, values=returned)
    source = _module(writer, name, params, keyed, result, form)
    return Generated(source, name, params, naming.arrays)


def _outputs(outputs: Outputs) -> tuple[Literal["single", "dict", "tuple"], list[tuple[str, Expr]]]:
    """How the function returns (one value, a dict or a tuple) and the outputs with their names."""
    if isinstance(outputs, Expr):
        return "single", [("result", outputs)]
    if isinstance(outputs, Mapping):
        items = list(outputs.items())
        form: Literal["dict", "tuple"] = "dict"
    elif isinstance(outputs, Sequence) and not isinstance(outputs, str):
        items = [(f"out{n}", e) for n, e in enumerate(outputs)]
        form = "tuple"
    else:
        hint = " (parse text first with matcalc.parse)" if isinstance(outputs, str) else ""
        got = type(outputs).__name__
        raise MatcalcError(f"code needs an expression, or a dict or list of them, got {got}{hint}")
    if not items:
        raise MatcalcError("code needs at least one expression")
    for key, e in items:
        if not isinstance(key, str):
            raise MatcalcError(f"output names must be strings, got {key!r}")
        if not isinstance(e, Expr):
            raise MatcalcError(f"output {key!r} is not an expression but a {type(e).__name__}")
    return form, items


def _dim_sizes(sizes: Mapping[str, Sequence[int]], symbols: Mapping[str, Symbol]) -> dict[Dim, int]:
    """Size hints by symbol name (``{"X": (1000, 100)}``) as sizes of dimensions."""
    if not isinstance(sizes, Mapping):
        raise MatcalcError(f"sizes must map symbol names to shapes, got {type(sizes).__name__}")
    out: dict[Dim, int] = {}
    for key, shape in sizes.items():
        s = symbols.get(key) if isinstance(key, str) else None
        if s is None:
            raise MatcalcError(f"sizes names {key!r}, which is not a symbol of the expressions")
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = (shape,)
        if not isinstance(shape, tuple | list) or not all(_is_size(n) for n in shape):
            raise MatcalcError(
                f"sizes gives {key!r} {shape!r}; a shape is a tuple of whole numbers "
                f"from 1 to {MAX_SIZE_HINT}"
            )
        if len(shape) != s.ndim:
            raise MatcalcError(f"sizes gives {key!r} {len(shape)} axes, but it is a {s.kind}")
        out.update(zip(s.shape, shape, strict=True))
    return out


#: Largest size hint: beyond it the cost model's products would overflow floating point.
MAX_SIZE_HINT = 2**40


def _is_size(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_SIZE_HINT


def _needed_dims(codes: Iterable[ast.expr]) -> list[Dim]:
    """The dimensions whose sizes the code reads, in order of first use."""
    found: dict[Dim, None] = {}
    for code in codes:
        for node in ast.walk(code):
            if isinstance(node, sx.SizeRef | sx.LikeRef):
                found.setdefault(node.dim)
    return list(found)


def _parameters(
    args: Sequence[str] | None, symbols: Mapping[str, Symbol], dims: Sequence[Dim], calls: set[str]
) -> tuple[str, ...]:
    """The parameters: ``args`` checked, or everything the code reads, sorted.

    That is every symbol, every callable (an abstract function or one of its
    derivatives) and every array a size is read from.
    """
    if args is None:
        owners = {d.owner for d in dims if not d.anonymous and not _has_axis(symbols.values(), d)}
        return tuple(sorted({*symbols, *calls, *owners}))
    if isinstance(args, str):
        raise MatcalcError("args must be a sequence of symbol names, not a string")
    params = tuple(args)
    for a in params:
        normalized(a, "argument")
    repeated = [a for a, n in Counter(params).items() if n > 1]
    if repeated:
        raise MatcalcError(f"argument {repeated[0]!r} is listed twice")
    missing = [s for s in [*symbols, *sorted(calls)] if s not in params]
    if missing:
        raise MatcalcError(f"args lacks {', '.join(map(repr, missing))}, which the expressions use")
    return params


def _has_axis(symbols: Iterable[Symbol], d: Dim) -> bool:
    return any(d in s.shape for s in symbols)


class _Writer:
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
        self._counter = 0

    # ---- names ----------------------------------------------------------------------------------------

    def _library_names(self, backend: Backend) -> dict[str, str]:
        """Import aliases, the namespace and helper names, renamed where an argument has taken them."""
        renames: dict[str, str] = {}
        for line in backend.imports:
            bound = _bound_name(line)
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
            bound = _bound_name(line)
            chosen = self.renames[bound]
            if chosen in used or (n == 0 and self.backend.namespace_from_args):
                lines.append(line if chosen == bound else f"{line.split(' as ')[0]} as {chosen}")
        return lines

    def prologue(self) -> list[str]:
        """The statement that finds the namespace from the arguments, if the backend needs one."""
        if not self.backend.namespace_from_args:
            return []
        scalars = {self.naming.arrays[n] for n, s in self.symbols.items() if s.is_scalar}
        arrays = [p for p in self.params if p not in scalars]
        finder = self.renames[_bound_name(self.backend.imports[0])]
        namespace = self.renames[self.backend.alias]
        return [f"{namespace} = {finder}({', '.join(arrays or self.params)})"]


def _bound_name(line: str) -> str:
    """The name an import line binds."""
    node = ast.parse(line).body[0]
    assert isinstance(node, ast.Import | ast.ImportFrom)
    (alias,) = node.names
    return alias.asname or alias.name.split(".")[0]


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

    def __init__(self, writer: _Writer) -> None:
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


def _module(
    writer: _Writer,
    name: str,
    params: tuple[str, ...],
    keyed: Sequence[tuple[str, Expr]],
    result: ast.expr,
    form: str,
) -> str:
    """The text of the module."""
    head = f'"""Generated by matcalc ({writer.backend.name}); regenerate rather than edit."""'
    helpers = writer.helpers(result)
    imports = writer.imports(result, helpers)
    lines = [head, "", *imports] if imports else [head]
    for helper in helpers:
        lines += ["", "", helper]
    lines += ["", "", f"def {name}({', '.join(params)}):"]
    lines += _docstring(keyed, form)
    lines += ["    " + s for s in writer.prologue()]
    lines += [textwrap.indent(ast.unparse(s), "    ") for s in writer.statements]
    lines.append("    return " + ast.unparse(result))
    return "\n".join(lines) + "\n"


def _docstring(keyed: Sequence[tuple[str, Expr]], form: str) -> list[str]:
    def text(e: Expr) -> str:
        if e.tree_size > 10 * _DOC_WIDTH:
            return f"<{type(e).__name__} of {e.tree_size} nodes>"
        t = str(e)
        return t if len(t) <= _DOC_WIDTH else t[: _DOC_WIDTH - 3] + "..."

    if form == "single":
        body = [f"Return {text(keyed[0][1])}"]
    else:
        what = "a dict" if form == "dict" else "a tuple"
        body = [f"Return {what} of:", ""] + [f"{k} = {text(e)}" for k, e in keyed]
    printable = ["".join(c if c.isprintable() else repr(c)[1:-1] for c in line) for line in body]  # NUL...
    safe = [line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') for line in printable]
    if len(safe) == 1:
        return [f'    """{safe[0]}."""']
    return ['    """' + safe[0], *("    " + line if line else "" for line in safe[1:]), '    """']
