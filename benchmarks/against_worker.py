"""Time cold ``mc.diff(mc.parse(text, kinds), *wrt)`` for every corpus identity; print JSON.

Run by `against.py` once per round and version, with ``PYTHONPATH`` set to the
version's checkout, so it must work with any version of matcalc that has
``mc.parse``, ``mc.diff`` and ``matcalc.cookbook.IDENTITIES``; it imports
nothing else of matcalc (in particular not `benchtools`, whose cache census
reads internals that older versions do not have).

    PYTHONPATH=/path/to/checkout python benchmarks/against_worker.py REPEATS [NAME_PART]
"""

from __future__ import annotations

import gc
import json
import sys
import time

import matcalc as mc
from matcalc.cookbook import IDENTITIES


def settle() -> None:
    """Run the cyclic garbage collector until it frees nothing more (every run starts cold)."""
    for _ in range(10):
        if gc.collect() == 0:
            return


def main() -> None:
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
