"""The cost of the input checks of generated functions (docs/benchmarks.md, "Input checks").

For each loss of benchmarks/codegen.py at each of its sizes, the generated
gradient and Hessian functions are timed with checks (the default) and
without (``checks=False``), interleaved, the best of several repeats each.

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

import matcalc as mc
from codegen import PROBLEMS, SIZES, _shapes  # type: ignore[attr-defined]


def _best(fn, args, repeats: int, calls: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=[f"{n}x{d}" for n, d in SIZES])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("| problem | what | N x d | with checks (ms) | without (ms) | overhead |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        n, d = map(int, size.split("x"))
        for p in PROBLEMS:
            data = p.data(n, d, rng)
            f = mc.parse(p.loss, p.kinds) if hasattr(p, "kinds") else mc.parse(p.loss)
            wants = {"gradient": mc.diff(f, p.grad_wrt[0])}
            if p.hessian is not None:
                wants["Hessian"] = mc.diff(f, p.hessian, p.hessian)
            values = [data[a] for a in p.args]
            for what, expr in wants.items():
                sizes = {k: v for k, v in _shapes(data).items() if k in {s.name for s in expr.symbols}}
                on = mc.lambdify(expr, args=list(p.args), sizes=sizes)
                off = mc.lambdify(expr, args=list(p.args), sizes=sizes, checks=False)
                calls = max(1, int(0.05 / max(_best(off, values, 1, 1), 1e-6)))
                t_off = _best(off, values, args.repeats, calls)
                t_on = _best(on, values, args.repeats, calls)
                t_off = min(t_off, _best(off, values, args.repeats, calls))  # interleaved
                print(f"| {p.key} | {what} | {n} x {d} | {1e3 * t_on:.3f} | {1e3 * t_off:.3f} "
                      f"| {100 * (t_on / t_off - 1):+.1f}% |", flush=True)


if __name__ == "__main__":
    main()
