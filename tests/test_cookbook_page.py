"""docs/cookbook.md is exactly what docs/make_cookbook.py writes today, so the gallery cannot go stale."""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path
from types import ModuleType

from matcalc.cookbook import IDENTITIES

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "docs" / "make_cookbook.py"
PAGE = ROOT / "docs" / "cookbook.md"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_cookbook", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_page_is_what_the_script_writes() -> None:
    expected = _script().render()
    committed = PAGE.read_text(encoding="utf-8")
    if committed != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    expected.splitlines(keepends=True),
                    "docs/cookbook.md (committed)",
                    "docs/cookbook.md (generated)",
                )
            )[:60]
        )
        raise AssertionError(f"docs/cookbook.md is stale: run `python docs/make_cookbook.py`\n{diff}")


def test_the_page_is_the_same_when_generated_twice() -> None:
    module = _script()
    assert module.render() == module.render()


def test_every_identity_is_on_the_page_once() -> None:
    page = PAGE.read_text(encoding="utf-8")
    for r in IDENTITIES:
        assert page.count(f"`{r.name}`") == 1, r.name
    assert page.count("\n### ") == len(IDENTITIES)


def test_the_page_has_no_doctest_prompts() -> None:
    """tests/test_docs.py runs every page with ``>>>``; the gallery has no examples to run."""
    assert ">>>" not in PAGE.read_text(encoding="utf-8")
