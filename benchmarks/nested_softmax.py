"""The printed size of a deeply shared result: the gradient of nested softmax (issue 9).

    python benchmarks/nested_softmax.py              # n = 1 ... 30, writes docs/benchmarks.md
    python benchmarks/nested_softmax.py --depths 1 2 4 --no-write

``f = sum(softmax(softmax(...softmax(x)...)))``, n levels.  Its gradient is a
DAG of a few nodes per level, but the expanded tree doubles with each level,
so a printer that writes the tree writes exponentially many characters (5 MB
at n = 14 before the printers named shared subexpressions).  For each n this
measures:

- the characters of the gradient's text (``str``, with its ``where`` list)
  and LaTeX (``mc.latex``), and the distinct nodes of its DAG;
- the time of ``mc.diff`` cold (`benchtools.Timer`, median of the repeats);
- ``matcalc diff "sum(softmax(...))" --wrt x`` as a command: elapsed time and
  CPU time (user + system) of the whole process, Python start and imports
  included;
- that the text parses back to the same node.

Growth is judged by the characters added per level (linear: about constant)
and by a least-squares line through the points.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matcalc as mc
from matcalc.expr import walk

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchtools import ROOT, Timer, machine, settle, table, write_section

DEPTHS = tuple(range(1, 31))

#: Declared, so that parsing infers no kinds (its tables would count as warm caches).
KINDS = {"x": "vector", "w": "vector"}


def nested(n: int) -> str:
    """``w'*softmax(...(x))`` with ``n`` levels of softmax.

    Weighted: the gradient of the plain sum ``sum(softmax(...))`` is identically
    zero (a softmax sums to 1), which the simplifier now finds.
    """
    text = "x"
    for _ in range(n):
        text = f"softmax({text})"
    return f"w'*{text}"


@dataclass
class Row:
    """What one depth measured."""

    n: int
    text_chars: int
    latex_chars: int
    dag: int
    diff_ms: float
    cli_wall: float
    cli_cpu: float
    round_trip: bool


def _cli(text: str) -> tuple[float, float, int]:
    """Elapsed and CPU seconds of ``python -m matcalc diff text --wrt x``, and the output's length."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "matcalc", "diff", text, "--wrt", "x"],
                          capture_output=True, text=True, env=env, check=True)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, len(done.stdout)


def measure(n: int, timer: Timer, repeats: int, cli: bool) -> Row:
    """One depth: sizes, the diff time (cold, median), the command's time."""
    text = nested(n)
    timing = timer.times(lambda e: mc.diff(e, "x"), repeats, setup=lambda: mc.parse(text, KINDS))
    f = mc.parse(text, KINDS)
    g = mc.diff(f, "x")
    printed = str(g)
    row_trip = mc.parse(printed, KINDS) is g
    wall, cpu = (_cli(text)[:2]) if cli else (float("nan"), float("nan"))
    row = Row(n, len(printed), len(mc.latex(g)), len(list(walk(g))),
              1000 * sorted(timing.wall)[len(timing.wall) // 2], wall, cpu, row_trip)  # fmt: skip
    del f, g
    settle()
    return row


def warm_up() -> None:
    """Fill the process-wide tables that first use fills (kinds, node fields, printers) before timing."""
    g = mc.diff(mc.parse(nested(2), KINDS), "x")
    mc.parse(str(g), KINDS)
    mc.latex(g)
    del g
    settle()


def slope(rows: Sequence[Row]) -> tuple[float, float]:
    """Least-squares ``chars = a*n + b`` through the text sizes."""
    xs = [r.n for r in rows]
    ys = [r.text_chars for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs) or 1.0
    a = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return a, my - a * mx


def report(rows: Sequence[Row]) -> str:
    """The Markdown section."""
    a, b = slope(rows)
    per_level = [r2.text_chars - r1.text_chars for r1, r2 in itertools.pairwise(rows)]
    body = table(
        ["n", "text chars", "LaTeX chars", "DAG nodes", "mc.diff ms", "matcalc diff s (elapsed)",
         "matcalc diff s (CPU)", "parses back"],
        [[str(r.n), str(r.text_chars), str(r.latex_chars), str(r.dag), f"{r.diff_ms:.0f}",
          f"{r.cli_wall:.2f}", f"{r.cli_cpu:.2f}", "yes" if r.round_trip else "NO"] for r in rows],
        "rrrrrrrl",
    )  # fmt: skip
    last = rows[-1]
    summary = (
        f"Text characters grow linearly: a least-squares line gives {a:.0f} characters per level "
        f"(intercept {b:.0f}); the characters added per level range from {min(per_level, default=0)} "
        f"to {max(per_level, default=0)}. At n = {last.n} the text is {last.text_chars} characters, "
        f"the LaTeX {last.latex_chars}, and `matcalc diff` takes {last.cli_cpu:.2f} s of CPU "
        f"({last.cli_wall:.2f} s elapsed, Python start and imports included)."
    )
    return "\n\n".join([
        "## Nested softmax: printed size of a shared result (`benchmarks/nested_softmax.py`)",
        "The gradient of `sum(softmax(softmax(...(x))))`, n levels deep. Shared subexpressions "
        "are named in a `where` list (`docs/syntax.md`), so the text grows with the DAG.",
        summary, body, f"Machine: {machine()}.",
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table, and write docs/benchmarks.md unless --no-write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, nargs="+", default=list(DEPTHS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="skip timing the command")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args(argv)
    warm_up()
    timer = Timer()
    rows = [measure(n, timer, args.repeats, not args.no_cli) for n in args.depths]
    text = report(rows)
    if timer.leaks:  # bounded process-wide tables (value codes, memoized sort keys) keep entries
        text += f"\n\n{timer.leaks} timed runs started with grown tables: {', '.join(sorted(timer.grew))}."
    print(text)
    if not args.no_write:
        write_section("nested_softmax", text)
    return 0 if all(r.round_trip for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
