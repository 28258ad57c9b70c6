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
from matcalc.codegen.names import Naming, normalized
from matcalc.codegen.writer import Writer
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import FUNCTION_KINDS, Call, Expr, PairIndex, Symbol, walk
from matcalc.kronecker import product_axes

__all__ = ["Generated", "Outputs", "generate"]

Outputs = Expr | Mapping[str, Expr] | Sequence[Expr]

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
    if not checks and backend.namespace_from_args:  # the finder that takes Python numbers too
        guard_helpers = {"_namespace": guards.HELPERS[backend.name]["_namespace"]}
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
    writer = Writer(backend, code, symbols, naming, params, taken=set(params))
    returned = writer.outputs(keyed, bind=form != "single")
    if guard_helpers:
        _guard(writer, roots, dims, symbols, naming, {h: writer.renames[h] for h in guard_helpers}, checks)
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


def _guard(
    writer: Writer,
    roots: Sequence[Expr],
    dims: Sequence[Dim],
    symbols: Mapping[str, Symbol],
    naming: Naming,
    chosen: Mapping[str, str],
    checks: bool,
) -> None:
    """Put the input checks (or, without checks, the array API's namespace finder) first."""
    backend = writer.backend
    owners: dict[str, int] = {}
    read: dict[Dim, str] = {}
    for d in dims:
        if not d.anonymous and d.owner in naming.arrays and d.owner not in symbols:
            p = read[d] = naming.arrays[d.owner]
            owners[p] = max(owners.get(p, 0), d.axis + 1)
    numpy = writer.renames[backend.alias] if backend.name == "numpy" else None
    namespace = writer.renames[backend.alias] if backend.namespace_from_args else None
    if checks:
        writer.statements[:0] = guards.statements(
            backend.name, symbols, naming.arrays, chosen, owners, numpy, namespace, _products(roots), read
        )
    elif namespace is not None:
        found = sorted({*(naming.arrays[n] for n in symbols), *owners})
        writer.statements[:0] = [guards.find_namespace(chosen["_namespace"], namespace, found)]
    writer.namespace_found = namespace is not None


def _products(roots: Sequence[Expr]) -> list[tuple[Dim, tuple[Dim, ...]]]:
    """Each axis of a Kronecker product, ``vec`` or pair index whose size is a product of others'.

    Only where unification gave the axis another name (``x`` in ``x'*vec(X)``): the
    generated function checks those sizes, which NumPy would otherwise broadcast.
    """
    found: dict[tuple[Dim, tuple[Dim, ...]], None] = {}
    for root in roots:
        for e in walk(root):
            axes = [(e.shape[0], e.shape[1:])] if isinstance(e, PairIndex) else product_axes(e)
            for whole, parts in axes:
                if whole != Dim.product(parts):
                    found.setdefault((whole, tuple(parts)))
    return list(found)


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



def _module(
    writer: Writer,
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

