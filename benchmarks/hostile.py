"""Hostile inputs of issue 12, timed (docs/robustness.md, "What the limits stop").

Each case runs in a fresh process (so that the peak memory is its own) under
the default limits; the table gives the outcome, the wall-clock time and the
peak resident memory of the process.

    python benchmarks/hostile.py                      # every case, chains of 100,000 characters
    python benchmarks/hostile.py chain-plus chain-power
    python benchmarks/hostile.py --length 2000 chain-plus
    python benchmarks/hostile.py --max-cpu 1 softmax-5-hessian      # exit status 1 above 1 s of CPU

The CPU time is the process's own (``time.process_time``), which a loaded
machine stretches far less than the wall-clock time; it is the number to hold
against the "about a second" of docs/robustness.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable

LENGTH = 100_000  # characters of a chain: the longest text matcalc.parse takes


def _chain(op: str, operand: str, length: int) -> str:
    """``operand op operand op ...`` of about ``length`` characters."""
    return op.join([operand] * (length // (len(op) + len(operand))))


def _nest(f: str, n: int, arg: str) -> str:
    return f"{f}(" * n + arg + ")" * n


def cases(length: int) -> dict[str, Callable[[], object]]:
    """The inputs, by name: chains of every binary operator, then the outputs that explode."""
    import matcalc as mc

    def chain(op: str, operand: str = "a", kinds: dict[str, str] | None = None) -> Callable[[], object]:
        return lambda: mc.parse(_chain(op, operand, length), kinds)

    vec = {"x": "vector"}
    return {
        "chain-plus": chain("+"),
        "chain-minus": chain("-"),
        "chain-plus-names": lambda: mc.parse("+".join(f"x{i}" for i in range(length // 7))),
        "chain-times-scalars": chain("*"),
        "chain-divide-scalars": chain("/"),
        "chain-hadamard": chain(".*", "x", vec),
        "chain-elementwise-divide": chain("./", "x", vec),
        "chain-power": chain("^"),
        "chain-times-names": lambda: mc.parse("*".join(f"a{i}" for i in range(length // 7))),
        "chain-times-divide": lambda: mc.parse(
            "".join(f"a{i % 100}{'*' if i % 2 else '/'}" for i in range(length // 4)) + "b"
        ),
        "chain-hadamard-divide": lambda: mc.parse(
            "".join(f"x{i % 100}{'.*' if i % 2 else './'}" for i in range(length // 5)) + "y"
        ),
        "chain-negated": lambda: mc.parse("-a*" * (length // 3) + "a"),
        "chain-matrices": lambda: mc.parse("*".join(["A", "B"] * (length // 4))),
        "nested-parentheses": lambda: mc.parse("(" * 999 + "a" + ")" * 999 + "+a" * ((length - 2000) // 2)),
        "nested-sums": lambda: mc.parse("(a+" * 999 + "a" + ")" * 999 + "*a" * ((length - 4000) // 2)),
        "long-number": lambda: mc.parse("0." + "1" * (length - 2)),
        "long-name": lambda: mc.parse("a" * length),
        "diff-times-names": lambda: mc.diff(mc.parse("*".join(f"a{i}" for i in range(length // 7))), "a5"),
        "softmax-12-jacobian-code": lambda: mc.numpy_code(mc.diff(mc.parse(_nest("softmax", 12, "x")), "x")),
        "exp-30-4th-derivative": lambda: mc.diff(mc.parse(_nest("exp", 30, "a")), "a", "a", "a", "a"),
        "explain-exp-999": lambda: mc.explain(mc.parse(_nest("exp", 999, "a")), "a"),
        "softmax-5-hessian": lambda: mc.diff(mc.parse("w'*" + _nest("softmax", 5, "x")), "x", "x"),
        "softmax-6-hessian": lambda: mc.diff(mc.parse("w'*" + _nest("softmax", 6, "x")), "x", "x"),
        "column-softmax-5-hessian": lambda: mc.diff(
            mc.parse("sum(" + "softmax(" * 5 + "X" + ",1)" * 5 + ".*A)"), "X", "X"
        ),
    }


def run_one(name: str, length: int) -> dict[str, object]:
    """One case in this process: outcome, seconds, peak resident memory (MB)."""
    import matcalc as mc

    case = cases(length)[name]
    start, cpu = time.perf_counter(), time.process_time()
    try:
        out = case()
        outcome = f"ok ({type(out).__name__})"
    except mc.MatcalcError as e:
        outcome = f"{type(e).__name__}: {str(e).splitlines()[0][:60]}"
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"case": name, "outcome": outcome, "seconds": round(seconds, 2), "cpu": round(cpu, 2),
            "peak_mb": round(peak)}  # fmt: skip


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="cases to run (default: all)")
    parser.add_argument("--length", type=int, default=LENGTH, help="characters of each chain")
    parser.add_argument("--max-cpu", type=float, help="exit with status 1 if a case takes more CPU seconds")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.length)))
        return ""
    load = os.getloadavg()[0]
    lines = [f"(load average {load:.1f} on {os.cpu_count()} cores; CPU: this process's own time)", "",
             "| input | outcome | time | CPU | peak memory |", "|---|---|---|---|---|"]  # fmt: skip
    print("\n".join(lines), flush=True)
    slow: list[str] = []
    for name in args.names or list(cases(args.length)):
        p = subprocess.run(
            [sys.executable, __file__, "--one", name, "--length", str(args.length)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(p.stdout)
        row = [r["case"], r["outcome"], f"{r['seconds']} s", f"{r['cpu']} s", f"{r['peak_mb']} MB"]
        lines.append(f"| {' | '.join(row)} |")
        print(lines[-1], flush=True)
        if args.max_cpu is not None and r["cpu"] > args.max_cpu:
            slow.append(f"{r['case']}: {r['cpu']} s of CPU")
    if slow:
        sys.exit(f"over {args.max_cpu} s of CPU: " + "; ".join(slow))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
