"""Generated code against hand-written NumPy closed forms and jitted JAX.

    python benchmarks/codegen.py                     # every problem and size, writes docs/benchmarks.md
    python benchmarks/codegen.py --sizes 1000x100 --no-write

Four losses, each written once in matcalc's language, once by hand in NumPy
(the closed forms a careful human writes) and once in ``jax.numpy``:

- logistic regression ``sum(log(1+exp(-y.*(X*w))))``: gradient and Hessian by w;
- least squares ``norm2(X*w-y)^2``: gradient and Hessian by w;
- matrix factorization ``norm2(M-U*V')^2``: gradient by U and V; the Hessian
  by V only where it is small enough to be worth an array;
- a two-layer network ``norm2(tanh(X*W1)*w2-y)^2``: gradient by W1 and w2,
  Hessian by w2.

At each size (N, d) the script compiles ``mc.lambdify(mc.diff(f, ...),
sizes=...)`` with the real shapes, ``jax.jit(jax.grad(loss))`` and
``jax.jit(jax.hessian(loss))`` in float64, checks that all agree, and times
them: the NumPy functions in interleaved rounds (one timing of each per
round, each first in turn, so that a busy machine slows them alike), then
JAX in rounds of its own (its allocations between NumPy calls would change
what NumPy's allocations cost); the median of ``--repeats`` rounds after a
warm-up, each timing the mean of enough calls to last about 20 ms.  Peak
memory is the ``tracemalloc`` peak of one call (NumPy reports its array
allocations to tracemalloc) of each NumPy function.

By default OpenBLAS and XLA run one thread each (``--threads``; the script
restarts itself with ``OPENBLAS_NUM_THREADS`` set, and starts JAX's CPU
client while held to one CPU, which sizes XLA's pool): on a shared 2-core
machine a second thread mostly measures waits for the other processes.  The
CPU time of the process over the elapsed time, at most 1 for one thread, is
checked for every timing.

The table replaces the ``codegen`` section of docs/benchmarks.md, followed by
the generated source of every function timed at the largest size.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import matcalc as mc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchtools import machine, table, write_section

SIZES = ((1000, 100), (10000, 500), (2000, 1000))
RANK = 10  # k, the inner size of the matrix factorization
HIDDEN = 50  # h, the hidden units of the two-layer network
#: A Hessian with more entries than this is not benchmarked (an array of 80 MB).
MAX_HESSIAN = 10**7
#: Targets of issue 4.
SPEED_TARGET, JAX_TARGET, MEMORY_TARGET = 1.1, 2.0, 1.2
JAX_TARGET_SIZES = ((10000, 500), (2000, 1000))

X = "\N{MULTIPLICATION SIGN}"

HAVE_JAX = importlib.util.find_spec("jax") is not None

Arrays = dict[str, np.ndarray]


# ---- the hand-written closed forms ----------------------------------------------------------------


def sigmoid(t: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow (exp only of -|t|)."""
    z = np.exp(-np.abs(t))
    return np.where(t >= 0, 1 / (1 + z), z / (1 + z))


def logreg_grad(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """-X'*(y .* sigmoid(-y .* X*w))."""
    return (-(X.T @ (y * sigmoid(-y * (X @ w)))),)


def logreg_hess(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """X'*diag(p .* (1-p))*X with p = sigmoid(X*w) (y is ±1, so y.^2 = 1)."""
    p = sigmoid(X @ w)
    return (X.T @ ((p * (1 - p))[:, None] * X),)


def logreg_hess_syrk(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """B'*B with B = diag(sqrt(p .* (1-p)))*X: NumPy's ``B.T @ B`` is BLAS syrk, half the work."""
    p = sigmoid(X @ w)
    B = np.sqrt(p * (1 - p))[:, None] * X
    return (B.T @ B,)


def lsq_grad(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """2*X'*(X*w-y)."""
    return (2 * (X.T @ (X @ w - y)),)


def lsq_hess(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """2*X'*X."""
    return (2 * (X.T @ X),)


def mf_grad(U: np.ndarray, V: np.ndarray, M: np.ndarray) -> tuple[np.ndarray, ...]:
    """With R = U*V' - M: 2*R*V and 2*R'*U."""
    R = U @ V.T - M
    return 2 * (R @ V), 2 * (R.T @ U)


def mf_hess_v(U: np.ndarray, V: np.ndarray, M: np.ndarray) -> tuple[np.ndarray, ...]:
    """H[i,j,k,l] = 2*(U'*U)[j,l]*δ[i,k]: zeros with d blocks 2*U'*U on the diagonal."""
    d, k = V.shape
    H = np.zeros((d, k, d, k))
    i = np.arange(d)
    H[i, :, i, :] = 2 * (U.T @ U)
    return (H,)


def net_grad(W1: np.ndarray, w2: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Backpropagation: A = tanh(X*W1), r = A*w2-y; 2*X'*((r*w2') .* (1-A.^2)) and 2*A'*r."""
    A = np.tanh(X @ W1)
    r = A @ w2 - y
    return 2 * (X.T @ (np.outer(r, w2) * (1 - A**2))), 2 * (A.T @ r)


def net_hess_w2(W1: np.ndarray, w2: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """2*A'*A with A = tanh(X*W1)."""
    A = np.tanh(X @ W1)
    return (2 * (A.T @ A),)


# ---- the same losses in jax.numpy ------------------------------------------------------------------


def start_jax(single_thread: bool) -> None:
    """Import JAX with float64 on and start its CPU client, with a one-thread pool if asked.

    XLA sizes its thread pool by the CPUs the process may run on (its
    ``XLA_FLAGS`` options do not limit the current CPU runtime), so the
    client starts while the process is held to one CPU; then every thread
    gets all CPUs back, for the scheduler to place as it likes.
    """
    import jax

    jax.config.update("jax_enable_x64", True)
    if not single_thread or not hasattr(os, "sched_setaffinity"):
        jax.devices()
        return
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        jax.devices()
    finally:
        for task in os.listdir("/proc/self/task"):
            os.sched_setaffinity(int(task), cpus)


def jax_losses() -> dict[str, Callable[..., Any]]:
    """The losses in ``jax.numpy``, by problem key (after `start_jax`)."""
    import jax.numpy as jnp

    def logreg(w: Any, X: Any, y: Any) -> Any:
        return jnp.sum(jnp.logaddexp(0.0, -y * (X @ w)))

    def lsq(w: Any, X: Any, y: Any) -> Any:
        r = X @ w - y
        return r @ r

    def mf(U: Any, V: Any, M: Any) -> Any:
        R = M - U @ V.T
        return jnp.sum(R * R)

    def net(W1: Any, w2: Any, X: Any, y: Any) -> Any:
        r = jnp.tanh(X @ W1) @ w2 - y
        return r @ r

    return {"logreg": logreg, "lsq": lsq, "mf": mf, "net": net}


# ---- the problems ----------------------------------------------------------------------------------


def _logreg_data(n: int, d: int, rng: np.random.Generator) -> Arrays:
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    w = rng.standard_normal(d)
    y = np.where(rng.random(n) < sigmoid(X @ w), 1.0, -1.0)
    return {"w": 0.5 * rng.standard_normal(d), "X": X, "y": y}


def _lsq_data(n: int, d: int, rng: np.random.Generator) -> Arrays:
    X = rng.standard_normal((n, d))
    return {"w": rng.standard_normal(d), "X": X, "y": X @ rng.standard_normal(d) + rng.standard_normal(n)}


def _mf_data(n: int, d: int, rng: np.random.Generator) -> Arrays:
    M = rng.standard_normal((n, RANK)) @ rng.standard_normal((RANK, d)) + 0.1 * rng.standard_normal((n, d))
    return {"U": rng.standard_normal((n, RANK)), "V": rng.standard_normal((d, RANK)), "M": M}


def _net_data(n: int, d: int, rng: np.random.Generator) -> Arrays:
    X = rng.standard_normal((n, d))
    W1 = rng.standard_normal((d, HIDDEN)) / np.sqrt(d)
    return {"W1": W1, "w2": rng.standard_normal(HIDDEN), "X": X, "y": rng.standard_normal(n)}


@dataclass(frozen=True)
class Problem:
    """A loss: its text, arguments (the variables first), data and hand-written derivatives.

    ``hessian`` is the variable of the Hessian (None: no Hessian); ``hessian_side`` its
    number of rows (and columns), from (N, d).
    """

    key: str
    title: str
    loss: str
    args: tuple[str, ...]
    grad_wrt: tuple[str, ...]
    data: Callable[[int, int, np.random.Generator], Arrays]
    hand_grad: Callable[..., tuple[np.ndarray, ...]]
    hessian: str | None = None
    hand_hess: Callable[..., tuple[np.ndarray, ...]] | None = None
    hessian_side: Callable[[int, int], int] = lambda n, d: d
    hand_hess_syrk: Callable[..., tuple[np.ndarray, ...]] | None = None  # exploiting symmetry


PROBLEMS = (
    Problem(
        "logreg", "logistic regression", "sum(log(1+exp(-y.*(X*w))))", ("w", "X", "y"), ("w",),
        _logreg_data, logreg_grad, "w", logreg_hess, hand_hess_syrk=logreg_hess_syrk,
    ),
    Problem(
        "lsq", "least squares", "norm2(X*w-y)^2", ("w", "X", "y"), ("w",),
        _lsq_data, lsq_grad, "w", lsq_hess,
    ),
    Problem(
        "mf", f"matrix factorization, k = {RANK}", "norm2(M-U*V')^2", ("U", "V", "M"), ("U", "V"),
        _mf_data, mf_grad, "V", mf_hess_v, lambda n, d: d * RANK,  # by U: (N·k)², never
    ),
    Problem(
        "net", f"two-layer network, h = {HIDDEN}", "norm2(tanh(X*W1)*w2-y)^2", ("W1", "w2", "X", "y"),
        ("W1", "w2"), _net_data, net_grad, "w2", net_hess_w2, lambda n, d: HIDDEN,  # by W1: (d·h)², never
    ),
)


# ---- measuring -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One derivative of one problem at one size."""

    problem: Problem
    what: str  # "gradient" or "Hessian"
    size: tuple[int, int]
    wrt: tuple[str, ...]
    load: float = float("nan")
    ms: dict[str, float] = field(default_factory=dict)  # generated, hand, jax
    peak_mb: dict[str, float] = field(default_factory=dict)  # generated, hand
    error: float = float("nan")  # the largest relative difference from the hand-written result
    cpu_share: float = float("nan")  # the largest CPU time over elapsed time of a timing
    source: str = ""
    skipped: str = ""


def _shapes(data: Arrays) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in data.items()}


def compile_all(p: Problem, what: str, data: Arrays, jax_loss: Callable[..., Any] | None) -> dict[str, Any]:
    """The generated, hand-written and jitted JAX functions of one derivative (positional, ``p.args``)."""
    f = mc.parse(p.loss)
    if what == "gradient":
        outputs = [mc.diff(f, v) for v in p.grad_wrt]
        hand = p.hand_grad
    else:
        assert p.hessian is not None and p.hand_hess is not None
        outputs = [mc.diff(f, p.hessian, p.hessian)]
        hand = p.hand_hess
    used = {s.name for e in outputs for s in e.symbols}
    sizes = {k: v for k, v in _shapes(data).items() if k in used}
    fns: dict[str, Any] = {
        "generated": mc.lambdify(outputs, args=list(p.args), sizes=sizes),
        "hand": hand,
    }
    if what == "Hessian" and p.hand_hess_syrk is not None:
        fns["hand, syrk"] = p.hand_hess_syrk
    if jax_loss is not None:
        import jax

        if what == "gradient":
            argnums = tuple(range(len(p.grad_wrt)))
            fns["jax"] = jax.jit(jax.grad(jax_loss, argnums=argnums))
        else:
            fns["jax"] = jax.jit(jax.hessian(jax_loss, argnums=p.args.index(p.hessian)))
    return fns


def _call(name: str, fn: Any, args: Sequence[Any]) -> tuple[np.ndarray, ...]:
    out = fn(*args)
    if not isinstance(out, tuple):
        out = (out,)
    if name == "jax":
        out = tuple(np.asarray(o.block_until_ready()) for o in out)
    return out


def agreement(results: dict[str, tuple[np.ndarray, ...]]) -> float:
    """The largest difference between any result and the hand-written one, relative to its largest entry."""
    worst = 0.0
    for name, out in results.items():
        for a, b in zip(out, results["hand"], strict=True):
            if a.shape != b.shape:
                raise AssertionError(f"{name}: shape {a.shape}, hand-written {b.shape}")
            worst = max(worst, float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)))
    return worst


def _calls_per_timing(name: str, fn: Any, args: Sequence[Any], budget: float) -> int:
    start = time.perf_counter()
    _call(name, fn, args)
    once = time.perf_counter() - start
    return max(1, int(budget / max(once, 1e-9)))


def time_interleaved(
    fns: dict[str, Any], args: dict[str, Sequence[Any]], repeats: int, budget: float
) -> tuple[dict[str, float], float]:
    """Median milliseconds per call of each function, timed in interleaved rounds.

    Also the largest CPU time of the process over the elapsed time of a timing.
    """
    share = 0.0
    number = {name: _calls_per_timing(name, fn, args[name], budget) for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:  # each goes first in turn
            fn = fns[name]
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(number[name]):
                _call(name, fn, args[name])
            elapsed = time.perf_counter() - start
            share = max(share, (time.process_time() - start_cpu) / elapsed)
            times[name].append(elapsed / number[name])
    return {name: 1e3 * statistics.median(t) for name, t in times.items()}, share


def peak_mb(fn: Any, args: Sequence[Any]) -> float:
    """The tracemalloc peak of one call, beyond what was allocated before it, in MB."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fn(*args)
        peak = tracemalloc.get_traced_memory()[1] - before
        del out
    finally:
        tracemalloc.stop()
    return peak / 2**20


def measure(row: Row, jax_loss: Callable[..., Any] | None, repeats: int, budget: float, seed: int) -> None:
    """Fill ``row``: check that the functions agree, time them, measure peak memory."""
    p = row.problem
    data = p.data(*row.size, np.random.default_rng(seed))
    fns = compile_all(p, row.what, data, jax_loss)
    row.source = fns["generated"].__matcalc_source__
    args: dict[str, Sequence[Any]] = {name: [data[a] for a in p.args] for name in fns}
    if "jax" in fns:
        import jax

        args["jax"] = [jax.device_put(x) for x in args["jax"]]
    results = {name: _call(name, fn, args[name]) for name, fn in fns.items()}  # warm-up, JIT compile
    row.error = agreement(results)
    if not row.error < 1e-8:
        raise AssertionError(f"{p.key} {row.what} at {row.size}: results differ by {row.error:.1e}")
    del results
    row.load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    numpy_fns = {name: fn for name, fn in fns.items() if name != "jax"}
    row.ms, row.cpu_share = time_interleaved(numpy_fns, args, repeats, budget)
    if "jax" in fns:  # apart: JAX's allocations between NumPy calls change what NumPy's cost
        ms, share = time_interleaved({"jax": fns["jax"]}, args, repeats, budget)
        row.ms |= ms
        row.cpu_share = max(row.cpu_share, share)
    row.peak_mb = {name: peak_mb(fn, args[name]) for name, fn in fns.items() if name != "jax"}


def rows_for(p: Problem, size: tuple[int, int]) -> list[Row]:
    """The gradient row and the Hessian row (measured or with the reason it is not) of ``p`` at ``size``."""
    rows = [Row(p, "gradient", size, p.grad_wrt)]
    hessian = Row(p, "Hessian", size, (p.hessian,) if p.hessian else ())
    if p.hessian is None:
        hessian.skipped = "no Hessian"
    elif p.hessian_side(*size) ** 2 > MAX_HESSIAN:
        hessian.skipped = f"order 4, {p.hessian_side(*size) ** 2:.1e} entries"
    rows.append(hessian)
    return rows


def run(
    problems: Sequence[Problem] = PROBLEMS,
    sizes: Sequence[tuple[int, int]] = SIZES,
    repeats: int = 7,
    budget: float = 0.02,
    use_jax: bool = HAVE_JAX,
    progress: bool = False,
) -> list[Row]:
    """Measure every derivative of every problem at every size."""
    if use_jax:
        start_jax(single_thread=os.environ.get("OPENBLAS_NUM_THREADS") == "1")
    losses = jax_losses() if use_jax else {}
    rows: list[Row] = []
    for size in sizes:
        for p in problems:
            for row in rows_for(p, size):
                if not row.skipped:
                    measure(row, losses.get(p.key), repeats, budget, seed=len(rows))
                rows.append(row)
                if progress:
                    print(_progress(row), file=sys.stderr, flush=True)
    return rows


def _progress(row: Row) -> str:
    if row.skipped:
        return f"{row.problem.key:7} {row.what:8} {row.size}: skipped"
    cells = "  ".join(f"{k} {v:9.3f} ms" for k, v in row.ms.items())
    tail = f"(load {row.load:.2f}, CPU/elapsed {row.cpu_share:.2f})"
    return f"{row.problem.key:7} {row.what:8} {row.size}: {cells}  {tail}"


# ---- the report ------------------------------------------------------------------------------------


def _ms(x: float) -> str:
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def _ratio(a: float, b: float) -> str:
    if not b > 0:
        return "—"
    return f"{a / b:.2f}" if a / b < 100 else f"{a / b:.0f}"


def _cells(row: Row) -> list[str]:
    p = row.problem
    wrt = ", ".join(row.wrt) if row.wrt else "—"
    head = [p.title, f"{row.what} by {wrt}" if row.wrt else row.what, _dims(row.size)]
    if row.skipped:
        return [*head, "n/a", "n/a", "—", "—", "n/a", "—", "n/a", "n/a", "—", f"n/a: {row.skipped}"]
    g, h, j = row.ms["generated"], row.ms["hand"], row.ms.get("jax", float("nan"))
    mg, mh = row.peak_mb["generated"], row.peak_mb["hand"]
    jax_cells = [_ms(j), _ratio(j, g)] if "jax" in row.ms else ["n/a", "—"]
    syrk = row.ms.get("hand, syrk")
    return [
        *head, _ms(g), _ms(h), _ratio(g, h), "—" if syrk is None else _ms(syrk), *jax_cells,
        f"{mg:.3g}", f"{mh:.3g}", _ratio(mg, mh), f"{row.error:.0e}; load {row.load:.1f}",
    ]


def verdicts(rows: Sequence[Row]) -> list[str]:
    """One line per target: met or not, with the worst case."""
    done = [r for r in rows if not r.skipped]
    out = []
    speed = max(done, key=lambda r: r.ms["generated"] / r.ms["hand"])
    worst = speed.ms["generated"] / speed.ms["hand"]
    target = f"generated time \u2264 {SPEED_TARGET}{X} hand-written"
    out.append(_verdict(target, worst <= SPEED_TARGET, worst, speed))
    mem = max(done, key=lambda r: r.peak_mb["generated"] / max(r.peak_mb["hand"], 1e-9))
    worst = mem.peak_mb["generated"] / max(mem.peak_mb["hand"], 1e-9)
    target = f"generated peak memory \u2264 {MEMORY_TARGET}{X} hand-written"
    out.append(_verdict(target, worst <= MEMORY_TARGET, worst, mem))
    big = [r for r in done if r.what == "Hessian" and r.size in JAX_TARGET_SIZES and "jax" in r.ms]
    if big:
        slow = min(big, key=lambda r: r.ms["jax"] / r.ms["generated"])
        least = slow.ms["jax"] / slow.ms["generated"]
        sizes = " and ".join(_dims(s) for s in JAX_TARGET_SIZES)
        target = f"generated Hessian \u2265 {JAX_TARGET}{X} faster than jitted jax.hessian at {sizes}"
        out.append(_verdict(target, least >= JAX_TARGET, least, slow))
        each = [f"{r.problem.title} {_dims(r.size)}: {r.ms['jax'] / r.ms['generated']:.2f}{X}" for r in big]
        out.append("  (" + "; ".join(each) + ")")
    return out


def _dims(size: tuple[int, int]) -> str:
    return f"{size[0]}{X}{size[1]}"


def _verdict(target: str, met: bool, value: float, row: Row) -> str:
    where = f"{row.problem.title}, {row.what}, {_dims(row.size)}"
    return f"- {target}: **{'met' if met else 'not met'}** (worst {value:.2f}{X}: {where})"


def report(rows: Sequence[Row], repeats: int, use_jax: bool) -> str:
    """The ``codegen`` section of docs/benchmarks.md."""
    import numpy

    versions = f"NumPy {numpy.__version__}"
    if use_jax:
        import jax

        versions += f", JAX {jax.__version__} (CPU, float64)"
    header = ["problem", "derivative", f"N{X}d", "generated ms", "hand ms", "gen/hand", "hand, syrk ms",
              "jax.jit ms", "jax/gen", "peak MB gen", "peak MB hand", "gen/hand", "max rel. diff; load"]
    share = max((r.cpu_share for r in rows if not r.skipped), default=float("nan"))
    lines = [
        f"Run on {machine()}; {versions}; {threads_now()} (CPU time of the process at most"
        f" {share:.2f}{X} the elapsed time of any timing); median of {repeats} rounds after a warm-up.",
        "",
        *verdicts(rows),
        "",
        table(header, [_cells(r) for r in rows], "lllrrrrrrrrrl"),
        "",
        "The generated code (at the largest size where it was timed):",
    ]
    largest: dict[tuple[str, str], Row] = {}
    for row in rows:
        key = (row.problem.key, row.what)
        if row.source and (key not in largest or row.size[0] * row.size[1] > math.prod(largest[key].size)):
            largest[key] = row
    for row in largest.values():
        title = f"{row.problem.title}: {row.what} by {', '.join(row.wrt)}, {_dims(row.size)}"
        lines += ["", f"<details><summary>{title}</summary>", "", "```python", row.source.rstrip(), "```",
                  "", "</details>"]
    return "\n".join(lines)


def thread_env(threads: int) -> dict[str, str]:
    """The environment variables that give OpenBLAS (NumPy) ``threads`` threads (JAX: `start_jax`)."""
    return {"OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}


def pin_threads(threads: int, argv: Sequence[str]) -> None:
    """Run this script again with the thread settings in its environment, unless they are there already.

    OpenBLAS reads them when NumPy is imported, XLA when JAX starts: too late to set them now.
    """
    env = thread_env(threads)
    if all(os.environ.get(k, "") == v for k, v in env.items()):
        return
    os.execve(sys.executable, [sys.executable, *argv], {**os.environ, **env})


def threads_now() -> str:
    """The thread settings this process runs with."""
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    xla = "1" if blas == "1" else "one per CPU"
    return f"threads: OpenBLAS {blas}, XLA {xla}"


def _size(text: str) -> tuple[int, int]:
    n, d = text.lower().split("x")
    return int(n), int(d)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: run the benchmark and write the ``codegen`` section of docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_size, nargs="+", default=list(SIZES), help="NxD ...")
    parser.add_argument("--only", nargs="+", choices=[p.key for p in PROBLEMS], help="problems to run")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-jax", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="threads of OpenBLAS and of XLA (default 1)")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    args = parser.parse_args(argv)
    pin_threads(args.threads, sys.argv if argv is None else [sys.argv[0], *argv])
    problems = [p for p in PROBLEMS if not args.only or p.key in args.only]
    use_jax = HAVE_JAX and not args.no_jax
    rows = run(problems, args.sizes, args.repeats, use_jax=use_jax, progress=True)
    text = report(rows, args.repeats, use_jax)
    if args.no_write:
        print(text)
    else:
        write_section("codegen", text)


if __name__ == "__main__":
    main()
