"""How the gradient of a deep network loss scales with depth.

    python benchmarks/scale.py                 # L = 1 ... 64, 7 repeats, table + docs/scale.png
    python benchmarks/scale.py --layers 1 2 4 --no-write

The loss of an L-layer tanh network is

    norm2(WL*tanh(...tanh(W2*tanh(W1*x))))^2

(W1 ... WL matrices, x a vector).  For each L we time ``mc.diff(f, "W1")``
cold (see `benchtools`; the expression is parsed before the clock starts) and
measure the result: distinct nodes of its DAG (`matcalc.expr.walk`), nodes of
the expanded tree (``tree_size``, shared nodes counted once per use) and the
length of its text.  For L ≤ 4 the gradient is checked against finite
differences.  Growth is judged by a least-squares line through the points and
by the local exponent ``log(y(L)/y(L/2)) / log 2`` (1 for linear, 2 for
quadratic) between the two deepest networks.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import matcalc as mc
from matcalc.expr import Expr, walk
from matcalc.testing import check_derivative

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchtools import ROOT, Timer, code, machine, settle, table, write_section

LAYERS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 40, 48, 56, 64)
PLOT = ROOT / "docs" / "scale.png"


def loss(layers: int) -> tuple[str, dict[str, str]]:
    """The text and the kinds of the L-layer loss."""
    inner = "W1*x"
    for k in range(2, layers + 1):
        inner = f"W{k}*tanh({inner})"
    kinds = {f"W{k}": "matrix" for k in range(1, layers + 1)} | {"x": "vector"}
    return f"norm2({inner})^2", kinds


@dataclass
class Point:
    """Measurements for one depth."""

    layers: int
    parse_ms: float
    diff_ms: float
    diff_min_ms: float
    diff_cpu_ms: float
    print_ms: float
    dag: int
    tree: int
    text: int
    input_dag: int
    check: str

    @property
    def per_layer_ms(self) -> float:
        """Median diff time per layer."""
        return self.diff_ms / self.layers

    @property
    def per_layer_cpu_ms(self) -> float:
        """Median diff CPU time per layer."""
        return self.diff_cpu_ms / self.layers


def measure(layers: int, timer: Timer, repeats: int) -> Point:
    """Time and size of the gradient in W1 of the L-layer loss."""
    text, kinds = loss(layers)
    parse = timer.times(lambda _: mc.parse(text, kinds), repeats)
    diff = timer.times(lambda f: mc.diff(f, "W1"), repeats, setup=lambda: mc.parse(text, kinds))
    f = mc.parse(text, kinds)
    g = mc.diff(f, "W1")
    start = time.perf_counter()
    printed = str(g)
    print_ms = 1e3 * (time.perf_counter() - start)
    check = "—"
    if layers <= 4:
        result = check_derivative(f, "W1")
        check = "✓" if result.ok else f"✗ error {result.max_error:.1e}"
    return Point(
        layers,
        parse.median_ms,
        diff.median_ms,
        diff.min_ms,
        diff.cpu_ms,
        print_ms,
        _count(g),
        g.tree_size,
        len(printed),
        _count(f),
        check,
    )


def _count(e: Expr) -> int:
    return sum(1 for _ in walk(e))


def run(layers: Sequence[int] = LAYERS, repeats: int = 7, progress: bool = False) -> list[Point]:
    """Measure every depth in ``layers``."""
    str(mc.diff(mc.parse(*loss(2)), "W1"))  # warm up lazy imports
    timer = Timer()
    points = []
    for n in layers:
        points.append(measure(n, timer, repeats))
        if progress:
            p = points[-1]
            print(f"L={n}: diff {p.diff_ms:.2f} ms, {p.dag} nodes, {p.text} chars", file=sys.stderr)
    if timer.leaks:
        print(f"warning: {timer.leaks} runs started warm ({sorted(timer.grew)})", file=sys.stderr)
    return points


# ---- growth --------------------------------------------------------------------------------


@dataclass
class Hotspot:
    """One function's own time at two depths, from cProfile."""

    name: str
    calls: tuple[int, int]
    own_ms: tuple[float, float]

    def excess_ms(self, ratio: float) -> float:
        """Own time at the larger depth beyond what linear growth from the smaller predicts."""
        return self.own_ms[1] - ratio * self.own_ms[0]


def profile(small: int, large: int, top: int = 8, runs: int = 3) -> list[Hotspot]:
    """The functions whose own time in ``diff`` grows most beyond linear from L=small to L=large.

    Each depth is profiled ``runs`` times and each function keeps its least
    own time, so that other load on the machine inflates the figures less.
    """
    ratio = large / small
    own = [_profile_once(small, runs), _profile_once(large, runs)]
    spots = [
        Hotspot(name, (own[0].get(name, (0, 0.0))[0], c), (own[0].get(name, (0, 0.0))[1], t))
        for name, (c, t) in own[1].items()
    ]
    spots.sort(key=lambda h: h.excess_ms(ratio), reverse=True)
    return spots[:top]


def _profile_once(layers: int, runs: int) -> dict[str, tuple[int, float]]:
    """Calls and least own time (ms) of each function in ``runs`` profiled runs of the gradient."""
    import cProfile
    import pstats

    best: dict[str, tuple[int, float]] = {}
    for _ in range(runs):
        settle()
        f = mc.parse(*loss(layers))
        prof = cProfile.Profile()
        prof.enable()
        mc.diff(f, "W1")
        prof.disable()
        del f
        for k, v in pstats.Stats(prof).stats.items():  # type: ignore[attr-defined]
            name, calls, ms = _where(k), v[1], 1e3 * v[2]
            best[name] = (calls, min(ms, best.get(name, (0, ms))[1]))
    return best


def _where(key: tuple[str, int, str]) -> str:
    path, line, func = key
    if path == "~":
        return func
    parts = Path(path).parts
    short = "/".join(parts[parts.index("matcalc") :]) if "matcalc" in parts else Path(path).name
    return f"{short}:{line} {func}"


def hotspot_table(spots: list[Hotspot], small: int, large: int) -> str:
    """The profile as a Markdown table."""
    ratio = large / small
    rows = [
        [
            code(h.name, 60),
            f"{h.calls[0]} → {h.calls[1]}",
            f"{h.own_ms[0]:.2f} → {h.own_ms[1]:.2f}",
            f"{math.log(h.own_ms[1] / h.own_ms[0]) / math.log(ratio):.2f}" if h.own_ms[0] > 0 else "—",
            f"{h.excess_ms(ratio):.2f}",
        ]
        for h in spots
    ]
    header = [
        "function",
        f"calls, L={small} → {large}",
        "own ms (under cProfile)",
        "exponent",
        f"ms beyond {ratio:g}x growth",
    ]
    return table(header, rows, "lrrrr")


def fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """Least-squares line ``y = a*x + b`` and its R²."""
    a, b = np.polyfit(xs, ys, 1)
    pred = a * np.asarray(xs) + b
    ss_res = float(np.sum((np.asarray(ys) - pred) ** 2))
    ss_tot = float(np.sum((np.asarray(ys) - np.mean(ys)) ** 2))
    return float(a), float(b), 1 - ss_res / ss_tot if ss_tot else 1.0


def quadratic_share(xs: Sequence[float], ys: Sequence[float]) -> float:
    """In the fit ``y = a + b*L + c*L²``, the share ``c*L²/y`` at the largest L (0 if too few points)."""
    if len(xs) < 4:
        return 0.0
    c, _, _ = np.polyfit(xs, ys, 2)
    i = int(np.argmax(xs))
    return float(c * xs[i] ** 2 / ys[i]) if ys[i] else 0.0


def verdict(points: list[Point]) -> str:
    """How the CPU time and the DAG size grow: per-layer cost at the deepest L against shallow ones."""
    lines = []
    for attr, what in (
        ("diff_cpu_ms", "CPU time of the derivative"),
        ("dag", "size of the result (DAG nodes)"),
    ):
        deep, shallow, rise = per_layer_rise(points, attr)
        if rise <= 1.1:
            status = "grows linearly in L"
        elif rise <= 1.5:
            status = "grows almost linearly in L, with a small superlinear term"
        else:
            status = "**grows faster than linearly in L**"
        lines.append(
            f"- The {what} {status}: per layer {deep:.3g} at the deepest L against {shallow:.3g} "
            f"for L ≤ 8 ({rise:.2f}x); exponent {exponent(points, attr):.2f}."
        )
    lines.append(
        f"- The text of the result grows quadratically (exponent {exponent(points, 'text'):.2f}), "
        "as any text without shared subexpressions must: see above."
    )
    return "\n".join(lines)


def per_layer_rise(points: list[Point], attr: str) -> tuple[float, float, float]:
    """``y/L`` at the deepest L, the median ``y/L`` over L ≤ 8, and their ratio (1 for linear growth)."""
    deepest = max(points, key=lambda p: p.layers)
    deep = float(getattr(deepest, attr)) / deepest.layers
    shallow_points = [p for p in points if p.layers <= 8] or [min(points, key=lambda p: p.layers)]
    shallow = float(np.median([float(getattr(p, attr)) / p.layers for p in shallow_points]))
    return deep, shallow, deep / shallow if shallow else float("nan")


def exponent(points: list[Point], attr: str) -> float:
    """``log(y(L)/y(L/2)) / log 2`` for the deepest L whose half was measured too (nan if none)."""
    by = {p.layers: float(getattr(p, attr)) for p in points}
    for n in sorted(by, reverse=True):
        if n % 2 == 0 and n // 2 in by and by[n // 2] > 0:
            return math.log(by[n] / by[n // 2]) / math.log(2)
    return float("nan")


_MEASURES = (
    ("diff_ms", "diff time, median (ms)"),
    ("diff_min_ms", "diff time, fastest run (ms)"),
    ("diff_cpu_ms", "diff CPU time, median (ms)"),
    ("dag", "result DAG nodes"),
    ("tree", "result tree nodes"),
    ("text", "result text length"),
    ("print_ms", "printing time (ms)"),
)


def report(points: list[Point], repeats: int, spots: tuple[int, int, list[Hotspot]] | None = None) -> str:
    """The ``scale`` section of docs/benchmarks.md."""
    xs = [p.layers for p in points]
    rows = []
    for attr, label in _MEASURES:
        ys = [float(getattr(p, attr)) for p in points]
        a, b, r2 = fit(xs, ys)
        rows.append(
            [
                label,
                f"{a:.4g}",
                f"{b:.4g}",
                f"{r2:.4f}",
                f"{exponent(points, attr):.2f}",
                f"{100 * quadratic_share(xs, ys):.0f}%",
            ]
        )
    header = ["measure", "per layer (slope)", "intercept", "R² of the line", "exponent", "L² share"]
    growth = table(header, rows, "lrrrrr")
    body = [
        [
            str(p.layers),
            f"{p.parse_ms:.2f}",
            f"{p.diff_ms:.2f}",
            f"{p.diff_min_ms:.2f}",
            f"{p.diff_cpu_ms:.2f}",
            f"{p.diff_ms / p.layers:.3f}",
            str(p.input_dag),
            str(p.dag),
            str(p.tree),
            str(p.text),
            f"{p.print_ms:.2f}",
            p.check,
        ]
        for p in points
    ]
    header = [
        "L", "parse ms", "diff ms", "diff min ms", "diff CPU ms", "diff ms / L", "input DAG", "result DAG",
        "result tree", "result chars", "print ms", "check",
    ]  # fmt: skip
    return "\n".join(
        [
            f"Run on {machine()}; {repeats} cold runs per depth (elapsed time: median and fastest; "
            "CPU time of the thread: median).",
            "",
            verdict(points),
            "",
            growth,
            "",
            "*exponent*: log(y(L)/y(L/2))/log 2 at the deepest measured L (1 = linear, 2 = quadratic). "
            "*L² share*: in a least-squares fit y = a + b·L + c·L², the part c·L² of y at the deepest L.",
            "",
            table(header, body, "r" * 11 + "l"),
            "",
            "![time and size of the gradient against depth](scale.png)",
        ]
        + (_hotspots_text(*spots) if spots else [])
    )


def _hotspots_text(small: int, large: int, spots: list[Hotspot]) -> list[str]:
    return [
        "",
        f"Where the time goes: the functions of `mc.diff` whose own time grows most beyond linear "
        f"from L = {small} to L = {large} (least own time of 3 cProfile runs each; *exponent* as above).",
        "",
        hotspot_table(spots, small, large),
    ]


def plot(points: list[Point], path: Path = PLOT) -> None:
    """Time, time per layer and sizes against L, with least-squares fits, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = np.array([p.layers for p in points], dtype=float)
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), constrained_layout=True)
    times = [
        ("diff_ms", "diff, median"),
        ("diff_min_ms", "diff, fastest run"),
        ("diff_cpu_ms", "diff, CPU time"),
        ("print_ms", "str()"),
    ]
    per_layer = [("per_layer_ms", "diff median / L"), ("per_layer_cpu_ms", "diff CPU time / L")]
    panels = [  # axes, series (attribute, label), degree of the fitted polynomial, y label, title
        (axes[0, 0], times, 1, "milliseconds", "time of mc.diff(f, 'W1') and of str()"),
        (axes[0, 1], per_layer, 0, "milliseconds per layer", "time per layer"),
        (axes[1, 0], [("dag", "result DAG nodes"), ("input_dag", "input DAG nodes")], 1, "nodes", "DAG size"),
        (axes[1, 1], [("text", "result text"), ("tree", "result tree nodes")], 2, "characters / nodes",
         "expanded size (text has no sharing)"),
    ]  # fmt: skip
    grid = np.linspace(0, xs.max(), 200)
    for ax, series, degree, ylabel, title in panels:
        for (attr, label), color in zip(
            series, ("tab:blue", "tab:orange", "tab:purple", "tab:green"), strict=False
        ):
            ys = np.array([float(getattr(p, attr)) for p in points])
            ax.plot(xs, ys, "o", color=color, label=label)
            coef = np.polyfit(xs, ys, min(degree, len(xs) - 1))
            ax.plot(grid, np.polyval(coef, grid), "-", color=color, alpha=0.6, label=_fit_label(coef))
        ax.set_xlabel("layers L")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0, 1].set_ylim(bottom=0)
    fig.suptitle("gradient in W1 of norm2(WL*tanh(...tanh(W1*x)))^2")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _fit_label(coef: np.ndarray) -> str:
    """``fit: 0.84·L - 0.88`` for the coefficients of a polynomial in L (highest power first)."""
    powers = ["", "·L", "·L²"]
    terms = [f"{c:+.3g}{powers[len(coef) - 1 - k]}" for k, c in enumerate(coef)]
    kind = ["mean", "line", "quadratic"][len(coef) - 1]
    return f"{kind}: " + " ".join(terms).lstrip("+")


def _profile_depths(layers: Sequence[int]) -> tuple[int, int]:
    """The deepest L measured and a quarter of it (or the shallowest L)."""
    large = max(layers)
    small = large // 4 if large // 4 in layers else min(layers)
    return small, large


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: run the benchmark, write the ``scale`` section of docs/benchmarks.md and the plot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, nargs="+", default=list(LAYERS))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help="print the table; write no files")
    args = parser.parse_args(argv)
    points = run(args.layers, args.repeats, progress=True)
    small, large = _profile_depths(args.layers)
    spots = (small, large, profile(small, large)) if small < large else None
    text = report(points, args.repeats, spots)
    if args.no_write:
        print(text)
        return
    write_section("scale", text)
    plot(points)
    print(text)


if __name__ == "__main__":
    main()
