"""Time every tested identity in matcalc, and the same identities in SymPy.

    python benchmarks/derive.py             # all identities, 7 repeats, SymPy too
    python benchmarks/derive.py --no-sympy  # matcalc only
    python benchmarks/derive.py --only logdet --no-write

For each identity of `matcalc.cookbook.IDENTITIES`:

1. check matcalc's derivative against central finite differences at random
   values (`matcalc.testing.check_derivative`); that value is the reference;
2. time ``mc.diff(mc.parse(expr, kinds), *wrt)``, parse included, cold (see
   `benchtools`): median of ``--repeats`` runs;
3. in a fresh worker process (`sympy_bridge`), translate the expression to
   SymPy, time ``expr.diff(X)`` (SymPy's cache cleared before each run) under a
   time limit, and compare its numbers with the reference.

The summary and the per-identity table replace the ``derive`` section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import matcalc as mc
from matcalc.dims import Dim
from matcalc.testing import check_derivative, random_values

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchtools import Timer, Timing, code, machine, median_ms, table, write_section

WORKER = Path(__file__).resolve().parent / "sympy_bridge.py"

#: Targets of issue 3 (milliseconds).
FIRST_TARGET, HESSIAN_TARGET, ANY_TARGET = 1.0, 10.0, 50.0


@dataclass
class Result:
    """What the benchmark found for one identity."""

    ident: Any
    times: Timing = field(default_factory=Timing)
    ok: bool | None = None
    error: str = ""
    max_error: float = float("nan")
    text: str = ""
    sympy: dict[str, Any] = field(default_factory=dict)

    @property
    def order(self) -> int:
        return len(self.ident.wrt)

    @property
    def ms(self) -> float:
        return self.times.median_ms

    @property
    def min_ms(self) -> float:
        return self.times.min_ms

    @property
    def cpu_ms(self) -> float:
        return self.times.cpu_ms


def load_identities() -> Sequence[Any]:
    """The tested identities (`matcalc.cookbook.IDENTITIES`)."""
    from matcalc.cookbook import IDENTITIES

    return IDENTITIES


def warm_up() -> None:
    """Import what matcalc imports lazily, so the first timed identity does not pay for it."""
    f = mc.parse("sum(exp(Q*q)) + logdet(Q) + norm2(q)^2", {"Q": "matrix", "q": "vector"})
    for wrt in (("q",), ("Q",), ("q", "q"), ("Q", "q", "q")):
        try:
            str(mc.diff(f, *wrt))
        except Exception as exc:  # the warm-up is not a test; check() reports engine errors
            print(f"warm-up: diff by {wrt} failed: {exc!r}", file=sys.stderr)
    mc.evaluate(f, random_values(f, 0))


def _sizes(f: mc.Expr, ident: Any) -> dict[Dim, int]:
    """The sizes an identity asks for (``sizes``: symbol name to one size per axis), by dimension."""
    sizes: dict[Dim, int] = {}
    for s in f.symbols:
        for d, n in zip(s.shape, getattr(ident, "sizes", {}).get(s.name, ()), strict=False):
            sizes.setdefault(d, n)
    return sizes


def check(r: Result, seed: int = 0) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Check matcalc's derivative numerically; return the reference value and the values used."""
    ident = r.ident
    f = mc.parse(ident.expr, ident.kinds)
    values = random_values(f, seed, _sizes(f, ident), getattr(ident, "ranges", None))
    try:
        result = check_derivative(f, *ident.wrt, values=values)
    except Exception as exc:  # an engine bug must not stop the benchmark; it is reported
        r.ok, r.error = False, f"{type(exc).__name__}: {exc}".splitlines()[0]
        return None, values
    r.ok, r.max_error, r.text = result.ok, result.max_error, str(result.derivative)
    return (result.symbolic if result.ok else result.numeric), values


def time_matcalc(r: Result, timer: Timer, repeats: int) -> None:
    """Cold timings of parse + diff."""
    ident = r.ident
    if r.error:
        return
    r.times = timer.times(lambda _: mc.diff(mc.parse(ident.expr, ident.kinds), *ident.wrt), repeats)


def warm_ms(r: Result, repeats: int) -> float:
    """Median time of the same call while an earlier input and result are alive (intern table warm)."""
    ident = r.ident
    f = mc.parse(ident.expr, ident.kinds)
    keep = (f, mc.diff(f, *ident.wrt))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        mc.diff(mc.parse(ident.expr, ident.kinds), *ident.wrt)
        times.append(time.perf_counter() - start)
    del keep
    return median_ms(times)


def time_sympy(
    r: Result, reference: np.ndarray, values: dict[str, Any], timeout: float, repeats: int
) -> None:
    """Run the SymPy worker on one identity (a fresh process, killed if it overruns)."""
    ident = r.ident
    f = mc.parse(ident.expr, ident.kinds)
    groups = [tuple(int(n) for n in np.shape(reference)[: f.ndim])]
    axis = f.ndim
    for w in ident.wrt:
        sym = next(s for s in f.symbols if s.name == w)
        groups.append(tuple(np.shape(reference)[axis : axis + sym.ndim]))
        axis += sym.ndim
    job = {
        "expr": ident.expr,
        "kinds": dict(ident.kinds),
        "wrt": tuple(ident.wrt),
        "values": values,
        "reference": reference,
        "groups": groups,
        "timeout": timeout,
        "eval_timeout": 3 * timeout,
        "repeats": repeats,
    }
    # the worker imports the matcalc this process runs (a checkout need not be installed)
    root = str(Path(mc.__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))
    try:
        proc = subprocess.run(
            [sys.executable, str(WORKER)],
            input=pickle.dumps(job),
            capture_output=True,
            env={**os.environ, "PYTHONPATH": path},
            timeout=5 * timeout + 30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        r.sympy = {"status": "fails", "note": "worker killed (overran)", "ms": None}
        return
    if proc.returncode != 0 or not proc.stdout:
        last = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        r.sympy = {"status": "fails", "note": f"worker crashed: {last[0]}"[:120], "ms": None}
        return
    r.sympy = pickle.loads(proc.stdout)


def run(
    identities: Sequence[Any],
    repeats: int = 7,
    sympy: bool = True,
    timeout: float = 10.0,
    sympy_repeats: int = 3,
    progress: bool = False,
) -> tuple[list[Result], dict[str, Any]]:
    """Benchmark ``identities``; returns the results and run-wide facts (for the summary)."""
    facts: dict[str, Any] = {"machine": machine(), "repeats": repeats, "timeout": timeout}
    warm_up()
    results = [Result(ident) for ident in identities]
    checked = [check(r) for r in results]
    timer = Timer()
    for n, r in enumerate(results, 1):
        time_matcalc(r, timer, repeats)
        if progress:
            print(f"[{n}/{len(results)}] {r.ident.name}: {r.ms:.3f} ms", file=sys.stderr)
    facts["leaks"] = timer.leaks
    timed = [r for r in results if r.times]
    if timed:
        warm = [warm_ms(r, repeats) for r in timed]
        facts["warm_ratio"] = float(np.median([w / r.ms for w, r in zip(warm, timed, strict=True)]))
    if sympy:
        for n, (r, (reference, values)) in enumerate(zip(results, checked, strict=True), 1):
            if reference is None:
                r.sympy = {"status": "fails", "note": "no reference (matcalc failed)", "ms": None}
            else:
                time_sympy(r, reference, values, timeout, sympy_repeats)
            if progress:
                print(f"[{n}/{len(results)}] SymPy {r.ident.name}: {r.sympy['status']}", file=sys.stderr)
    return results, facts


# ---- the report --------------------------------------------------------------------------

_ORDER = {1: "∂", 2: "∂²", 3: "∂³"}


def _stat(results: list[Result], order: int, attr: str = "ms") -> tuple[float, int]:
    ms = [getattr(r, attr) for r in results if r.order == order and r.times]
    return (float(np.median(ms)) if ms else float("nan")), len(ms)


def _met(value: float, target: float) -> str:
    return "met" if value <= target else "**not met**"


def summary(results: list[Result], facts: dict[str, Any]) -> str:
    """The summary: targets, SymPy counts."""
    timed = [r for r in results if r.times]
    wrong = [r for r in results if r.ok is False]
    rows = []
    for order, label, target in ((1, "first derivatives", FIRST_TARGET), (2, "Hessians", HESSIAN_TARGET)):
        ms, n = _stat(results, order)
        least, cpu = _stat(results, order, "min_ms")[0], _stat(results, order, "cpu_ms")[0]
        rows.append(
            [
                f"median, {label} ({n})",
                f"{ms:.3f}",
                f"{least:.3f}",
                f"{cpu:.3f}",
                f"≤ {target:g}",
                _met(ms, target),
            ]
        )
    if timed:
        slow = max(timed, key=lambda r: r.ms)
        rows.append(
            [
                f"slowest: {slow.ident.name} ({_ORDER.get(slow.order, slow.order)})",
                f"{slow.ms:.3f}",
                f"{max(r.min_ms for r in timed):.3f}",
                f"{max(r.cpu_ms for r in timed):.3f}",
                f"≤ {ANY_TARGET:g}",
                _met(slow.ms, ANY_TARGET),
            ]
        )
    ms, n3 = _stat(results, 3)
    if n3:
        least, cpu = _stat(results, 3, "min_ms")[0], _stat(results, 3, "cpu_ms")[0]
        rows.append([f"median, third derivatives ({n3})", f"{ms:.3f}", f"{least:.3f}", f"{cpu:.3f}", "", ""])
    header = ["", "median ms", "fastest run ms", "CPU ms", "target ms", "(by the median)"]
    out = [
        f"Run on {facts['machine']}; {facts['repeats']} cold repeats per identity; "
        f"{len(results)} identities.",
        "",
        table(header, rows, "lrrrrl"),
        "",
        "*median ms*: elapsed time (`time.perf_counter`), the median of each identity's runs, then the "
        "median (or the maximum, for the slowest) over the group. *fastest run ms*: the same with each "
        "identity's fastest run. *CPU ms*: the same with the median CPU time of the thread "
        "(`time.thread_time`), which leaves out time spent waiting for other processes. The targets are "
        "judged by the elapsed medians.",
        "",
        f"matcalc's derivative matched finite differences for {sum(r.ok is True for r in results)} "
        f"of {len(results)} identities"
        + (f"; **wrong or failing: {', '.join(r.ident.name for r in wrong)}**." if wrong else "."),
        f"Runs that started with cache entries left over from an earlier run: {facts['leaks']}.",
    ]
    if "warm_ratio" in facts:
        out.append(
            f"For comparison, timing the same call again while its previous input and result are alive "
            f"(so hash-consing finds the nodes already built) takes {facts['warm_ratio']:.2f}x "
            "the cold time (median over identities); the tables report cold times."
        )
    if any(r.sympy for r in results):
        out += ["", _sympy_summary(results, facts)]
    return "\n".join(out)


_VERDICTS = ("right", "wrong", "fails", "unchecked")


def _sympy_summary(results: list[Result], facts: dict[str, Any]) -> str:
    counts = {s: [r for r in results if r.sympy.get("status") == s] for s in _VERDICTS}
    verdicts = [s for s in _VERDICTS if counts[s] or s != "unchecked"]
    layout = [r for r in counts["right"] if r.sympy.get("note", "").startswith(("variable's", "axis"))]
    both = [r for r in counts["right"] if r.times and r.sympy.get("ms")]
    ratio = float(np.median([r.sympy["ms"] / r.ms for r in both])) if both else float("nan")
    groups: dict[str, list[Result]] = {}
    for r in results:
        groups.setdefault(getattr(r.ident, "topic", "all"), []).append(r)
    rows = [
        [topic, *(str(sum(r.sympy.get("status") == s for r in rs)) for s in verdicts)]
        for topic, rs in groups.items()
    ]
    rows.append(["**all**", *(f"**{len(counts[s])}**" for s in verdicts)])
    reasons: dict[str, int] = {}
    for r in counts["wrong"] + counts["fails"]:
        reason = _reason(r.sympy.get("note", ""))
        reasons[reason] = reasons.get(reason, 0) + 1
    text = [
        f"SymPy {_sympy_version()} on the same identities (time limit {facts['timeout']:g} s each), "
        "by topic of the corpus:",
        "",
        table(["topic", *verdicts], rows, "l" + "r" * len(verdicts)),
        "",
        "Wrong or failing, by reason: "
        + "; ".join(f"{why} ({n})" for why, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
        + ".",
        f"Of the right ones, {len(layout)} are right up to layout: SymPy puts the axes of the "
        "variable before those of the function (for a vector by a vector, the transposed Jacobian).",
    ]
    if both:
        text.append(
            f"Where SymPy is right, `expr.diff` takes {ratio:.0f}x matcalc's parse + diff "
            "(median of per-identity ratios)."
        )
    return "\n".join(text)


def _reason(note: str) -> str:
    """A failure note as a reason to count: 'returned 0', 'timed out', an exception and its message."""
    if note.startswith("timed out"):
        return "timed out"
    if note.startswith("not expressible"):
        return "no SymPy form"
    return note if len(note) <= 60 else note[:59] + "…"


def _sympy_version() -> str:
    try:
        import sympy
    except ImportError:  # pragma: no cover
        return "(not installed)"
    return str(sympy.__version__)


def details(results: list[Result]) -> str:
    """The per-identity table."""
    rows = []
    for r in results:
        ident = r.ident
        ms = f"{r.ms:.3f}" if r.times else "—"
        least = f"{r.min_ms:.3f}" if r.times else "—"
        cpu = f"{r.cpu_ms:.3f}" if r.times else "—"
        check = "✓" if r.ok else ("✗ " + (r.error or f"error {r.max_error:.1e}"))
        s = r.sympy
        sms = f"{s['ms']:.1f}" if s.get("ms") else "—"
        verdict = s.get("status", "—") + (f": {s['note']}" if s.get("note") else "")
        rows.append(
            [
                ident.name,
                ident.source,
                code(ident.expr, 50),
                _ORDER.get(r.order, str(r.order)) + " " + ",".join(ident.wrt),
                ms,
                least,
                cpu,
                check,
                code(r.text, 60) if r.text else "",
                verdict.replace("|", "\\|"),
                sms,
            ]
        )
    header = [
        "identity",
        "source",
        "expression",
        "by",
        "median ms",
        "min ms",
        "CPU ms",
        "check",
        "result",
        "SymPy",
        "SymPy ms",
    ]
    return table(header, rows, "llllrrrlllr")


def report(results: list[Result], facts: dict[str, Any]) -> str:
    """The whole ``derive`` section of docs/benchmarks.md."""
    return "\n".join(
        [
            "### Summary",
            "",
            summary(results, facts),
            "",
            "### Every identity",
            "",
            "Times are of cold runs of parse + diff, in milliseconds: median and fastest elapsed time, "
            "median CPU time. *check*: the derivative "
            "matches central finite differences. *SymPy ms*: `expr.diff(X)` alone (translation and "
            "numerical check not included).",
            "",
            details(results),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: run the benchmark and write the ``derive`` section of docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=10.0, help="SymPy time limit per identity (s)")
    parser.add_argument("--no-sympy", action="store_true")
    parser.add_argument("--only", help="only identities whose name contains this")
    parser.add_argument("--no-write", action="store_true", help="print the report instead of writing it")
    args = parser.parse_args(argv)
    identities = [i for i in load_identities() if not args.only or args.only in i.name]
    results, facts = run(identities, args.repeats, not args.no_sympy, args.timeout, progress=True)
    text = report(results, facts)
    if args.no_write:
        print(text)
    else:
        write_section("derive", text)
        print(summary(results, facts))


if __name__ == "__main__":
    main()
