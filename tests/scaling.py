"""Load-independent checks of how work grows with the input (issue 12).

Speed targets live in benchmarks/ (docs/robustness.md gives the measured
times); a unit test only checks the *growth*: the CPU time of this process
(not wall-clock time, which a loaded machine stretches) for an input ``factor``
times larger, against the time for the smaller one.  Each is the least of a few
runs, taken in turn, so that a load spike during one run does not decide.
With ``factor`` 4, linear work gives a ratio of about 4, ``n log n`` about 4.6,
quadratic work 16: `LINEAR` sits between.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: Largest ratio of CPU times, for 4 times the input, that passes as linear (quadratic: 16).
LINEAR = 8.0


def cpu_seconds(run: Callable[[], object]) -> float:
    """The CPU time of this process spent in ``run()``."""
    start = time.process_time()
    run()
    return time.process_time() - start


def growth(make: Callable[[int], Callable[[], object]], n: int, factor: int = 4, repeats: int = 3) -> float:
    """CPU time of ``make(factor * n)()`` over that of ``make(n)()``, each the least of ``repeats`` runs.

    Python's cyclic garbage collector is paused during the runs: each collection walks
    every live object of the test session, so it would measure the session's heap, not
    the work of the input.
    """
    small_run, large_run = make(n), make(factor * n)
    small = large = float("inf")
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            small = min(small, cpu_seconds(small_run))
            large = min(large, cpu_seconds(large_run))
    finally:
        if enabled:
            gc.enable()
    return large / max(small, 1e-3)
