"""Golden snapshots of the LaTeX printer: tests/snapshots/latex/<case>.txt.

Each file holds one case of `latex_cases.CASES` (every node type, index forms,
derivatives from the cookbook) in matrix and index form, and for some cases
with ``where=True``.  After an intended change of the output, regenerate the
files and review the diff::

    MATCALC_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_latex_snapshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from latex_cases import CASES, Case

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "latex"
UPDATE = os.environ.get("MATCALC_UPDATE_SNAPSHOTS", "").strip().lower() not in ("", "0", "false", "no")


def _format(case: Case, forms: dict[str, str]) -> str:
    lines = [f"% {case.title}"]
    for label, latex in forms.items():
        lines += [f"% form: {label}", latex]
    return "\n".join(lines) + "\n"


def _parse(text: str) -> dict[str, str]:
    """Form label -> LaTeX, from a snapshot file (the LaTeX may span lines)."""
    forms: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("% form: "):
            current = forms.setdefault(line.removeprefix("% form: "), [])
        elif current is not None:
            current.append(line)
    return {label: "\n".join(body) for label, body in forms.items()}


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_snapshot(case: Case) -> None:
    path = SNAPSHOTS / f"{case.name}.txt"
    forms = case.forms()
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_format(case, forms))
    assert path.is_file(), f"no snapshot {path.name}; run with MATCALC_UPDATE_SNAPSHOTS=1"
    expected = _parse(path.read_text())
    assert list(forms) == list(expected), f"forms differ in {path.name}"
    for label, latex in forms.items():
        assert latex == expected[label], f"{case.name}, {label}:\n got  {latex}\n want {expected[label]}"


def test_every_snapshot_has_a_case() -> None:
    stale = {p.stem for p in SNAPSHOTS.glob("*.txt")} - {c.name for c in CASES}
    assert not stale, f"snapshots without a case (delete them): {sorted(stale)}"


def test_the_table_covers_every_node_type() -> None:
    from typing import get_args

    from matcalc.expr import Node, walk

    seen = {type(n) for c in CASES for n in walk(c.build())}
    assert seen == set(get_args(Node))
