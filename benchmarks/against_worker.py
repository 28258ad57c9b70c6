"""Time cold ``mc.diff(mc.parse(text, kinds), *wrt)`` for every corpus identity; print JSON.

Run by `against.py` once per round and version, with ``PYTHONPATH`` set to the
version's checkout, so it must work with any version of matcalc that has
``mc.parse``, ``mc.diff`` and ``matcalc.cookbook.IDENTITIES``; it imports
nothing else of matcalc (in particular not `benchtools`, whose cache census
reads internals that older versions do not have).

    PYTHONPATH=/path/to/checkout python benchmarks/against_worker.py REPEATS [NAME_PART]
    PYTHONPATH=/path/to/checkout python benchmarks/against_worker.py code < jobs.json

The second form prints the NumPy source that version generates for each job
of `against_code.py` (a loss, its arguments, the derivatives, typical sizes):
with its default settings, and where the version has them, without the input
checks (``checks=False``).
"""

from __future__ import annotations

import gc
import inspect
import json
import sys
import time
from typing import Any

import matcalc as mc
from matcalc.cookbook import IDENTITIES


def settle() -> None:
    """Run the cyclic garbage collector until it frees nothing more (every run starts cold)."""
    for _ in range(10):
        if gc.collect() == 0:
            return


def sources(jobs: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The generated NumPy module of each job: ``{"default": ..., "unchecked": ...}``."""
    checks = "checks" in inspect.signature(mc.numpy_code).parameters
    out = []
    for job in jobs:
        f = mc.parse(job["loss"])
        outputs = [mc.diff(f, *wrt) for wrt in job["derivatives"]]
        sizes = {k: tuple(v) for k, v in job["sizes"].items()}
        made = {"default": mc.numpy_code(outputs, job["args"], "f", sizes)}
        if checks:
            made["unchecked"] = mc.numpy_code(outputs, job["args"], "f", sizes, checks=False)
        out.append(made)
    return out


def main() -> None:
    if sys.argv[1] == "code":
        json.dump(sources(json.load(sys.stdin)), sys.stdout)
        return
    repeats = int(sys.argv[1])
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    # imports done lazily by matcalc happen here, not in the first timed run
    warm = mc.parse("sum(exp(Q*q)) + logdet(Q) + norm2(q)^2", {"Q": "matrix", "q": "vector"})
    for wrt in (("q",), ("Q",), ("q", "q")):
        str(mc.diff(warm, *wrt))
    del warm
    out = []
    for ident in IDENTITIES:
        if only not in ident.name:
            continue
        cpu, wall, error = [], [], ""
        for _ in range(repeats):
            settle()
            start, start_cpu = time.perf_counter(), time.thread_time()
            try:
                result = mc.diff(mc.parse(ident.expr, ident.kinds), *ident.wrt)
            except Exception as exc:  # the other version may not know this identity's syntax
                error = type(exc).__name__
                break
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start)
            del result
        key = [ident.name, ident.expr, sorted(dict(ident.kinds).items()), list(ident.wrt)]
        out.append({"key": key, "cpu": cpu, "wall": wall, "error": error})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
