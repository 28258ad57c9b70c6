"""What the two benchmark scripts share: honest timing and writing their part of docs/benchmarks.md.

matcalc hash-conses its nodes (`matcalc.tree._Interned._table`, a weak-value
table: an entry lives only while some object refers to its node), so a
derivative is timed "cold" when nothing from an earlier run is alive.  Two
details make that need care:

- every `Symbol` is in a reference cycle with its own ``symbols`` tuple, and
  `matcalc.rewrite.rewrite` keeps its inputs alive in a closure that refers to
  itself, so a finished run is freed only by the cyclic garbage collector, and
  one ``gc.collect()`` is not always enough (freeing one cycle can release
  another);
- a few constants built at import time (``Number(1)`` in ``diff.py``) stay in
  the table for the life of the process, as they would for any user.

`settle` collects until nothing more is freed.  `cache_sizes` measures every
container that could act as a cache (the intern table, and every module-level
dict, set, list, weak dictionary and ``functools`` cache of the ``matcalc``
modules), and `Timer` checks before each timed run that none has grown since
the baseline: a run that starts warm is counted in ``Timer.leaks``.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcalc.tree import _Interned

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"


def settle() -> None:
    """Run the cyclic garbage collector until it frees nothing more."""
    for _ in range(10):
        if gc.collect() == 0:
            return


_CONTAINERS = (dict, set, list, weakref.WeakValueDictionary, weakref.WeakKeyDictionary, weakref.WeakSet)


def cache_sizes() -> dict[str, int]:
    """The size of every process-wide container of the ``matcalc`` modules that could cache."""
    sizes = {"matcalc.tree._Interned._table": len(_Interned._table)}
    for name, module in list(sys.modules.items()):
        if name != "matcalc" and not name.startswith("matcalc."):
            continue
        for attr, value in vars(module).items():
            if attr.startswith("__"):
                continue
            if isinstance(value, _CONTAINERS):
                sizes[f"{name}.{attr}"] = len(value)
            elif callable(getattr(value, "cache_info", None)):
                sizes[f"{name}.{attr}"] = value.cache_info().currsize
    return sizes


def grown(now: dict[str, int], before: dict[str, int]) -> list[str]:
    """The containers of ``now`` larger than in ``before``."""
    return [k for k, n in now.items() if n > before.get(k, 0)]


@dataclass
class Timer:
    """Times callables cold: caches back to their baseline before every run.

    ``leaks`` counts runs that started with more cached entries than the
    baseline (something outlived an earlier run); it should stay 0.
    """

    baseline: dict[str, int] = field(default_factory=dict)
    leaks: int = 0
    grew: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        settle()
        self.baseline = cache_sizes()

    def times(
        self, run: Callable[[Any], object], repeats: int, setup: Callable[[], Any] = lambda: None
    ) -> Timing:
        """Times of ``run(setup())`` in each of ``repeats`` cold runs, ``setup`` not timed.

        Before each run, the caches must be back at the baseline; ``setup``
        (say, parsing the input) runs after that check, and the result of
        ``run`` is dropped.
        """
        out = Timing()
        for _ in range(repeats):
            settle()
            warm = grown(cache_sizes(), self.baseline)
            if warm:
                self.leaks += 1
                self.grew.update(warm)
            arg = setup()
            start, start_cpu = time.perf_counter(), time.thread_time()
            result = run(arg)
            out.cpu.append(time.thread_time() - start_cpu)
            out.wall.append(time.perf_counter() - start)
            del result, arg
        settle()
        return out


@dataclass
class Timing:
    """Seconds per run: elapsed (``time.perf_counter``) and CPU time of the thread (``time.thread_time``).

    The CPU time leaves out the time the process waited while other processes
    ran, so it is the steadier figure on a busy machine.
    """

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.wall)

    @property
    def median_ms(self) -> float:
        """Median elapsed time, in milliseconds (nan if nothing was timed)."""
        return median_ms(self.wall) if self.wall else float("nan")

    @property
    def min_ms(self) -> float:
        """Fastest elapsed time, in milliseconds."""
        return 1e3 * min(self.wall) if self.wall else float("nan")

    @property
    def cpu_ms(self) -> float:
        """Median CPU time, in milliseconds."""
        return median_ms(self.cpu) if self.cpu else float("nan")


def median_ms(times: list[float]) -> float:
    """The median of ``times`` (seconds), in milliseconds."""
    return 1e3 * statistics.median(times)


def machine() -> str:
    """One line describing the machine and the Python that ran the benchmark."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = "n/a"
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"load average before the run {load}"
    )


def write_section(name: str, text: str, doc: Path = DOC) -> None:
    """Replace the part of ``doc`` between the ``<!-- name:begin -->`` and ``<!-- name:end -->`` markers."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    old = doc.read_text() if doc.exists() else ""
    block = f"{begin}\n{text.rstrip()}\n{end}"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        tail = rest.split(end, 1)[1]
        new = head + block + tail
    else:
        new = old.rstrip() + ("\n\n" if old else "") + block + "\n"
    doc.write_text(new)


def table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A Markdown table; ``align`` is one character per column, ``l`` or ``r``."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def code(text: str, limit: int = 70) -> str:
    """``text`` as inline code for a table cell, shortened to ``limit`` characters."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"
