"""The import graph of `matcalc`, built from the source with `ast`, keeps its documented layers.

docs/architecture.md lists the layers; these tests keep them from eroding.
An import inside a function counts like one at the top of the module (it is
a dependency all the same); imports under ``if TYPE_CHECKING:`` do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "matcalc"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The matcalc module an imported name belongs to (``matcalc.expr.Expr`` -> ``matcalc.expr``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


class _Imports(ast.NodeVisitor):
    """Every matcalc module imported, with the function it is imported in (None: module level)."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.scope: list[str] = []
        self.found: list[tuple[str, str | None]] = []

    def visit_If(self, node: ast.If) -> None:
        if ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def _add(self, name: str) -> None:
        target = _resolve(name)
        if target is not None and target != self.module:
            self.found.append((target, ".".join(self.scope) or None))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        assert node.level == 0, f"{self.module}: relative import"
        base = node.module or ""
        for alias in node.names:
            full = f"{base}.{alias.name}"
            # `from matcalc import build` imports the module matcalc.build, not the package's API
            self._add(full if full in MODULES else base)


def imports(module: str) -> list[tuple[str, str | None]]:
    """``(imported module, function or None)`` for every matcalc import of ``module``."""
    visitor = _Imports(module)
    visitor.visit(ast.parse(MODULES[module].read_text(encoding="utf-8")))
    return visitor.found


def _depends(module: str, prefix: str) -> list[str]:
    return [f"{target} (in {where or 'module'})" for target, where in imports(module)
            if target == prefix or target.startswith(prefix + ".")]


def test_evaluation_and_codegen_do_not_import_printers() -> None:
    users = ["matcalc.evaluate", *(m for m in MODULES if m.startswith("matcalc.codegen"))]
    assert {m: _depends(m, "matcalc.printing") for m in users if _depends(m, "matcalc.printing")} == {}


def test_the_vec_ir_does_not_evaluate() -> None:
    assert _depends("matcalc.vec.ir", "matcalc.evaluate") == []


# ---- the documented layers -------------------------------------------------------------

ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"

#: The operator sugar: methods of the IR objects that make `x + y`, `str(e)`,
#: `e.latex()` and `jac.evaluate(values)` work call the layers above through
#: imports inside the method (documented in docs/architecture.md, "Layers").
SUGAR = {"matcalc.tree": "Expr", "matcalc.vec.ir": "VecJacobian"}


def _is_sugar(module: str, where: str | None) -> bool:
    cls = SUGAR.get(module)
    return where is not None and cls is not None and where.startswith(cls + ".")


def layers() -> list[tuple[str, list[str]]]:
    """The layers as docs/architecture.md lists them, bottom first: ``1. **name**: `mod`, `pkg.*` ...``."""
    import re

    out: list[tuple[str, list[str]]] = []
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"\d+\. \*\*(.+?)\*\*: (.*)", line.strip())
        if m:
            out.append((m[1], re.findall(r"`([\w.*]+)`", m[2])))
    return out


def _layer_of() -> dict[str, int]:
    """Each module's layer number; a pattern ``pkg.*`` takes the package and everything in it."""
    found: dict[str, int] = {}
    for n, (_, patterns) in enumerate(layers()):
        for pattern in patterns:
            name = "matcalc" if pattern == "matcalc" else f"matcalc.{pattern.removesuffix('.*')}"
            for m in MODULES:
                if m == name or (pattern.endswith(".*") and m.startswith(name + ".")):
                    assert m not in found, f"{m} is listed in two layers"
                    found[m] = n
    return found


def _graph() -> dict[str, set[str]]:
    return {m: {t for t, where in imports(m) if not _is_sugar(m, where)} for m in MODULES}


def test_every_module_has_a_documented_layer() -> None:
    assert layers(), "docs/architecture.md lists no layers"
    missing = sorted(set(MODULES) - set(_layer_of()))
    assert missing == [], f"add {missing} to the layer list of docs/architecture.md (section 'Layers')"


def test_imports_go_down_the_layers() -> None:
    layer = _layer_of()
    names = [name for name, _ in layers()]
    upward = [
        f"{m} ({names[layer[m]]}) imports {t} ({names[layer[t]]})"
        for m, targets in _graph().items()
        for t in targets
        if layer[t] > layer[m]
    ]
    assert upward == [], "an import goes up the layers of docs/architecture.md: " + "; ".join(upward)


def test_the_import_graph_has_no_cycle() -> None:
    import graphlib

    try:
        graphlib.TopologicalSorter(_graph()).prepare()
    except graphlib.CycleError as err:
        cycle = " -> ".join(err.args[1])
        raise AssertionError(
            f"import cycle {cycle}: pass the lower module what it needs (as diff passes its rules "
            "to backprop.gradient), or move the shared part into a module both import"
        ) from None


def test_the_sugar_is_the_only_way_up_from_the_ir() -> None:
    layer = _layer_of()
    ir = ["matcalc.dims", "matcalc.tree", "matcalc.traversal", "matcalc.expr", "matcalc.index"]
    for m in ir:
        for target, where in imports(m):
            if layer[target] > layer[m]:
                assert _is_sugar(m, where), f"{m} imports {target} outside the operator sugar"
