"""The cost of the input checks of generated functions (docs/benchmarks.md, "Input checks").

For each loss of benchmarks/codegen.py at each of its sizes, the generated
gradient and Hessian functions are timed without checks (``checks=False``),
and the checks' own cost per call is measured where it dominates (tiny
inputs, with and without, interleaved); the overhead is their ratio.

    python benchmarks/checks.py                 # every problem and size
    python benchmarks/checks.py --sizes 1000x100
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codegen import PROBLEMS, SIZES, _shapes  # type: ignore[attr-defined]

import matcalc as mc


def _best(fn, args, repeats: int, calls: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=[f"{n}x{d}" for n, d in SIZES])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("| problem | what | N x d | without checks (ms) | the checks (µs) | overhead |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        n, d = map(int, size.split("x"))
        for p in PROBLEMS:
            data = p.data(n, d, rng)
            f = mc.parse(p.loss)
            wants = {"gradient": mc.diff(f, p.grad_wrt[0])}
            if p.hessian is not None:
                wants["Hessian"] = mc.diff(f, p.hessian, p.hessian)
            values = [data[a] for a in p.args]
            for what, expr in wants.items():
                sizes = {k: v for k, v in _shapes(data).items() if k in {s.name for s in expr.symbols}}
                off = mc.lambdify(expr, args=list(p.args), sizes=sizes, checks=False)
                calls = max(1, int(0.05 / max(_best(off, values, 1, 1), 1e-6)))
                t_off = min(_best(off, values, 1, calls) for _ in range(args.repeats))
                cost = _check_cost(p, expr, args.repeats)
                print(f"| {p.key} | {what} | {n} x {d} | {1e3 * t_off:.3f} | {1e6 * cost:.1f} "
                      f"| {100 * cost / t_off:.2f}% |", flush=True)


def _check_cost(p, expr, repeats: int) -> float:  # type: ignore[no-untyped-def]
    """The checks' own time per call: with and without them at tiny sizes, where they dominate.

    The checks do not depend on the sizes (one type, rank and dtype test per
    argument, one comparison per shared dimension), so this is their cost at
    any size; measuring it as a difference at the real sizes would drown it
    in the noise of a shared machine.
    """
    data = p.data(4, 3, np.random.default_rng(1))
    values = [data[a] for a in p.args]
    on = mc.lambdify(expr, args=list(p.args))
    off = mc.lambdify(expr, args=list(p.args), checks=False)
    calls = 2000
    best_on = best_off = float("inf")
    for _ in range(repeats):  # interleaved, the best of each: robust to other load
        best_off = min(best_off, _best(off, values, 1, calls))
        best_on = min(best_on, _best(on, values, 1, calls))
    return max(best_on - best_off, 0.0)


if __name__ == "__main__":
    main()
