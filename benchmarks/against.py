"""Time parse + diff of the corpus against an earlier version of matcalc, on the same machine.

    python benchmarks/against.py                     # against 456f00c, 3 rounds of 3 cold runs
    python benchmarks/against.py --reference v0.2 --rounds 5 --no-write

Issue 8 asks that `derive.py`'s medians stay within 1.2x of those of the code
before it (456f00c). Absolute times depend on the machine and its load, so
this script measures both versions side by side:

1. the reference commit's ``matcalc`` package is exported with ``git archive``
   into a temporary directory (``--reference-path`` takes a checkout instead);
2. each round runs `against_worker.py` once per version, each in a fresh
   process with that version first on ``PYTHONPATH``; the order of the two
   alternates from round to round, so a drift of the machine's speed hurts
   neither side; the worker times ``mc.diff(mc.parse(text, kinds), *wrt)``
   cold (`derive.py`'s method: garbage collected before each run, CPU time of
   the thread and elapsed time) for each corpus identity;
3. the identities both versions have (same name, text, kinds and variables)
   are compared: per identity the median over all runs, then per derivative
   order the median over identities, as `derive.py` reports it;
4. unless ``--no-code``, the NumPy code both versions generate for the losses
   of `codegen.py` is run on the same data and timed interleaved
   (`against_code.py`).

The report replaces the ``against`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchtools import ROOT, machine, table, write_section

WORKER = Path(__file__).resolve().parent / "against_worker.py"

#: The commit issue 8's speed target is measured against (main before issue 8).
REFERENCE = "456f00c"

#: Issue 8's bound on the ratio of the medians.
BOUND = 1.2

ORDERS = {1: "first derivatives", 2: "second derivatives", 3: "third derivatives"}

Runs = dict[str, dict[str, list[float]]]  # identity key -> {"cpu": [...], "wall": [...]}


def export(rev: str, dest: Path) -> Path:
    """The ``matcalc`` package of commit ``rev`` of this repository, unpacked under ``dest``."""
    try:
        tar = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "matcalc"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise SystemExit(
            f"cannot export {rev!r} with git archive: {detail.decode().strip() or exc}"
        ) from None
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(dest, filter="data")
    return dest


def time_version(checkout: Path, repeats: int, only: str) -> Runs:
    """One worker run: the cold times of every identity with the matcalc of ``checkout``."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (str(checkout), os.environ.get("PYTHONPATH")))),
    }
    proc = subprocess.run(
        [sys.executable, str(WORKER), str(repeats), only],
        capture_output=True,
        env=env,
        cwd=tempfile.gettempdir(),  # so that the current directory's matcalc is not imported instead
        check=False,
    )
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"the worker failed for {checkout}: {tail[0]}")
    runs: Runs = {}
    for row in json.loads(proc.stdout):
        if not row["error"] and row["cpu"]:
            runs[json.dumps(row["key"])] = {"cpu": row["cpu"], "wall": row["wall"]}
    return runs


def merge(into: Runs, runs: Runs) -> None:
    """Add the times of ``runs`` to ``into``."""
    for key, times in runs.items():
        slot = into.setdefault(key, {"cpu": [], "wall": []})
        slot["cpu"] += times["cpu"]
        slot["wall"] += times["wall"]


def medians(runs: Runs, keys: list[str], clock: str) -> float:
    """The median over ``keys`` of each identity's median time, in milliseconds."""
    return 1e3 * statistics.median(statistics.median(runs[k][clock]) for k in keys)


def order_of(key: str) -> int:
    """How many variables an identity differentiates by."""
    return len(json.loads(key)[3])


def compare(current: Runs, reference: Runs, rounds: list[tuple[Runs, Runs]]) -> dict[int, dict[str, Any]]:
    """Per derivative order: the shared identities' medians, their ratios, and each round's ratio."""
    shared = sorted(set(current) & set(reference))
    out: dict[int, dict[str, Any]] = {}
    for order in sorted({order_of(k) for k in shared}):
        keys = [k for k in shared if order_of(k) == order]
        row: dict[str, Any] = {"n": len(keys)}
        for clock in ("cpu", "wall"):
            row[clock] = (medians(current, keys, clock), medians(reference, keys, clock))
        row["rounds"] = [medians(c, keys, "cpu") / medians(r, keys, "cpu") for c, r in rounds]
        out[order] = row
    return out


def slowest(current: Runs, reference: Runs, count: int = 10) -> list[tuple[float, str, float, float]]:
    """The identities of largest CPU ratio: (ratio, name and variables, current ms, reference ms)."""
    out = []
    for key in set(current) & set(reference):
        c, r = (1e3 * statistics.median(runs[key]["cpu"]) for runs in (current, reference))
        name, _, _, wrt = json.loads(key)
        out.append((c / r, f"{name} by {','.join(wrt)}", c, r))
    return sorted(out, reverse=True)[:count]


def report(
    found: dict[int, dict[str, Any]], worst: list[tuple[float, str, float, float]], facts: dict[str, Any]
) -> str:
    """The ``against`` section of docs/benchmarks.md."""
    rows = []
    for order, row in found.items():
        (c_cpu, r_cpu), (c_wall, r_wall) = row["cpu"], row["wall"]
        ratio = c_cpu / r_cpu
        rows.append(
            [
                f"{ORDERS.get(order, f'order {order}')} ({row['n']})",
                f"{r_cpu:.3f}",
                f"{c_cpu:.3f}",
                f"**{ratio:.2f}**",
                f"{c_wall / r_wall:.2f}",
                ", ".join(f"{x:.2f}" for x in row["rounds"]),
                "met" if max(ratio, c_wall / r_wall) <= BOUND else "**not met**",
            ]
        )
    header = [
        "identities",
        "reference CPU ms",
        "current CPU ms",
        "CPU ratio",
        "elapsed ratio",
        "CPU ratio per round",
        f"≤ {BOUND}x",
    ]
    slow = [[name, f"{r:.3f}", f"{c:.3f}", f"{ratio:.2f}"] for ratio, name, c, r in worst]
    return "\n".join(
        [
            f"`python benchmarks/against.py --reference {facts['reference']} --rounds {facts['rounds']} "
            f"--repeats {facts['repeats']}`: {facts['machine']}; load average after the run "
            f"{facts['load_after']}. Medians over the identities both versions have (same name, text, "
            "kinds and variables) of each identity's median over all cold runs of parse + diff.",
            "",
            table(header, rows, "lrrrrll"),
            "",
            "Slowest against the reference (CPU ms):",
            "",
            table(["identity", "reference", "current", "ratio"], slow, "lrrr"),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    """Command line: time both versions, alternating, and report the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default=REFERENCE, help="commit to compare with (git archive)")
    parser.add_argument("--reference-path", type=Path, help="a checkout to compare with, instead of a commit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="cold runs per identity per round")
    parser.add_argument("--only", default="", help="only identities whose name contains this")
    parser.add_argument("--no-code", action="store_true", help="do not compare the generated code")
    parser.add_argument("--code-repeats", type=int, default=7, help="interleaved timings per function")
    parser.add_argument("--no-write", action="store_true", help="print the report instead of writing it")
    args = parser.parse_args(argv)
    facts: dict[str, Any] = {"machine": machine(), "rounds": args.rounds, "repeats": args.repeats}
    with tempfile.TemporaryDirectory() as tmp:
        ref_path = args.reference_path or export(args.reference, Path(tmp))
        facts["reference"] = args.reference if args.reference_path is None else str(args.reference_path)
        current: Runs = {}
        reference: Runs = {}
        rounds = []
        for n in range(args.rounds):
            pair = {}
            for side in ("reference", "current") if n % 2 == 0 else ("current", "reference"):
                pair[side] = time_version(ref_path if side == "reference" else ROOT, args.repeats, args.only)
                print(f"round {n + 1}: {side} timed", file=sys.stderr, flush=True)
            merge(current, pair["current"])
            merge(reference, pair["reference"])
            rounds.append((pair["current"], pair["reference"]))
        if not args.no_code:
            import against_code

            rows = against_code.compare(ref_path, ROOT, against_code.SIZES, args.code_repeats)
            code = against_code.report(rows)
    facts["load_after"] = (
        ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    )
    text = report(compare(current, reference, rounds), slowest(current, reference), facts)
    if not args.no_code:
        text += "\n\n" + code
    if args.no_write:
        print(text)
    else:
        write_section("against", text)
        print(text)


if __name__ == "__main__":
    if "--no-code" not in sys.argv:
        from codegen import pin_threads

        pin_threads(1, sys.argv)  # OpenBLAS on one thread for the generated code, as codegen.py times it
    main()
