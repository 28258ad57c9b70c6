"""Every LaTeX string matcalc produces renders with a real renderer: KaTeX.

KaTeX comes from the npm registry into .ci/katex (``npm ci --prefix
.ci/katex``, which .ci/run does).  Without it these tests are skipped locally
and fail in CI (when the ``CI`` environment variable is set), so CI can never
pass without rendering.

The corpus (`latex_cases.corpus`: every identity of the cookbook, input and
derivative, in matrix and index form, plain and with ``where=True``, and the
snapshot table) is rendered in one subprocess, the vec forms of the first
derivatives in another; random expressions from Hypothesis go to one
long-running renderer.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, note, settings
from latex_cases import corpus, vec_corpus
from strategies import expressions

import matcalc as mc
from matcalc.errors import DifferentiationError

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "katex_check.js"
KATEX = Path(os.environ.get("MATCALC_KATEX") or ROOT / ".ci" / "katex" / "node_modules" / "katex")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _node() -> str:
    """The node executable; skip (locally) or fail (in CI) when node or KaTeX is missing."""
    node = shutil.which("node")
    missing = "node is not on PATH" if node is None else None
    if node is not None and not (KATEX / "package.json").is_file():
        missing = f"KaTeX is not installed at {KATEX} (run: npm ci --prefix .ci/katex)"
    if missing is not None:
        if _in_ci():
            pytest.fail(f"{missing}; CI must render the LaTeX corpus")
        pytest.skip(missing)
    assert node is not None
    return node


def _render_all(strings: list[str]) -> dict[str, object]:
    command = [_node(), str(SCRIPT)]
    result = subprocess.run(command, input=json.dumps(strings), capture_output=True, text=True, check=True)
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_corpus_renders() -> None:
    strings = list(corpus())
    report = _render_all(strings)
    assert report["rendered"] == len(strings) >= 1000
    failures = report["failures"]
    assert isinstance(failures, list)
    assert not failures, f"{len(failures)} of {len(strings)} strings fail to render:\n" + "\n".join(
        f"{f['latex']}\n    {f['error']}" for f in failures[:20]
    )


def test_vec_corpus_renders() -> None:
    strings = list(vec_corpus())
    report = _render_all(strings)
    assert report["rendered"] == len(strings) >= 100
    assert not report["failures"], report["failures"]


def test_the_renderer_rejects_bad_latex() -> None:
    report = _render_all([r"x^\top", r"x^\top^2", r"\frac{a}", r"\nosuchcommand x", "é"])
    failures = report["failures"]
    assert isinstance(failures, list)
    assert [f["index"] for f in failures] == [1, 2, 3, 4]


class _Renderer:
    """One node process rendering a string per line."""

    def __init__(self, node: str) -> None:
        self._proc = subprocess.Popen(
            [node, str(SCRIPT), "--lines"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def error(self, latex: str) -> str:
        """The KaTeX error for ``latex``, or "" if it renders."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(latex) + "\n")
        self._proc.stdin.flush()
        answer: str = json.loads(self._proc.stdout.readline())
        return answer

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=30)


@pytest.fixture(scope="module")
def renderer() -> Iterator[_Renderer]:
    r = _Renderer(_node())
    yield r
    r.close()


@settings(deadline=None)
@given(e=expressions())
def test_random_expressions_and_derivatives_render(renderer: _Renderer, e: mc.Expr) -> None:
    shown = [e]
    if e.symbols:
        with contextlib.suppress(DifferentiationError):  # a construct diff cannot take: nothing to show
            shown.append(mc.diff(e, e.symbols[0]))
    for x in shown:
        for form in ("matrix", "index"):
            for where in (False, True):
                latex = mc.latex(x, form=form, where=where)
                note(f"{form}, where={where}: {latex}")
                assert renderer.error(latex) == "", f"{x}\n{latex}"
