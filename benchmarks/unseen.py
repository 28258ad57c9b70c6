"""Run the unseen cases (tests/unseen_cases.py) through every output and report what goes wrong.

For each case and each derivative (every variable, orders 1 to the case's
order, and the mixed ones): the number against JAX's automatic
differentiation of the hand-written reference; the text parsed back with the
original kinds and evaluated again; LaTeX in matrix and index form (rendered
by KaTeX at the end, when it is installed); the vec form of first derivatives
against the reference; ``mc.check`` of the printed result as a claim; the
generated code of f and the derivative on each backend; and, with ``--cli``,
``matcalc diff --json`` in a subprocess.

    python benchmarks/unseen.py [--cli] [--only NAME] [--backends numpy,jax,torch,array_api]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from unseen_cases import CASES, Case  # noqa: E402

import matcalc as mc  # noqa: E402
from matcalc.testing import random_values  # noqa: E402


def reference_derivative(
    case: Case, values: dict[str, Any], wrt: tuple[str, ...], kinds: dict[str, str]
) -> Any:
    """d^k ref / d wrt[0] ... d wrt[k-1] by JAX, a symmetric variable through its symmetric part."""

    def by(fn: Any, name: str) -> Any:
        def g(vals: dict[str, Any]) -> Any:
            def at(x: Any) -> Any:
                if kinds[name] == "symmetric":
                    x = (x + x.T) / 2
                return fn({**vals, name: x})

            return jax.jacfwd(at)(vals[name])

        return g

    fn = case.ref
    for name in wrt:
        fn = by(fn, name)
    return np.asarray(fn({k: jnp.asarray(v) for k, v in values.items()}))


def case_values(case: Case, f: mc.Expr, seed: int = 0) -> dict[str, Any]:
    """Random values for the case, with the shapes it fixes."""
    sizes = {}
    for s in f.symbols:
        for d, n in zip(s.shape, case.sizes.get(s.name, ()), strict=False):
            sizes[d] = n
    return random_values(f, seed, sizes=sizes, ranges=case.ranges)


def close(a: Any, b: Any, rtol: float = 1e-6) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return bool(np.allclose(a, b, rtol=rtol, atol=1e-8 * scale))


class Run:
    def __init__(self, backends: list[str], cli: bool) -> None:
        self.backends = backends
        self.cli = cli
        self.problems: list[tuple[str, str, str]] = []
        self.counts: Counter[str] = Counter()
        self.latex: list[tuple[str, str]] = []

    def problem(self, case: Case, what: str, detail: str) -> None:
        self.problems.append((case.id, what, detail))
        print(f"  PROBLEM {case.id} [{what}] {detail}", flush=True)

    def guard(self, case: Case, what: str, fn: Any) -> Any:
        self.counts[what] += 1
        try:
            return fn()
        except mc.MatcalcError as e:
            self.problem(case, what, f"{type(e).__name__}: {str(e)[:400]}")
        except Exception as e:  # a foreign exception is itself a problem
            tb = traceback.format_exc(limit=-3)
            self.problem(case, what, f"FOREIGN {type(e).__name__}: {e}\n{tb}")
        return None

    def run(self, case: Case, seed: int = 0) -> None:
        f = self.guard(case, "parse", lambda: mc.parse(case.text, case.kinds))
        if f is None:
            return
        kinds = {s.name: s.kind for s in f.symbols}
        values = case_values(case, f, seed)
        self.guard(case, "value", lambda: self.check_value(case, f, values))
        orders = [(w,) * k for w in case.wrt for k in range(1, case.order + 1)] + list(case.mixed)
        for wrt in orders:
            d = self.guard(case, f"diff{len(wrt)}", lambda wrt=wrt: mc.diff(f, *wrt))
            if d is None:
                continue
            tag = f"{'/'.join(wrt)}"
            ok = self.guard(
                case, f"number{len(wrt)}", lambda d=d, wrt=wrt: self.check_number(case, d, values, wrt, kinds)
            )
            if not ok:
                continue
            self.guard(
                case, "roundtrip", lambda d=d, tag=tag: self.check_roundtrip(case, d, kinds, values, tag)
            )
            for form in ("matrix", "index"):
                latex = self.guard(case, "latex", lambda d=d, form=form: mc.latex(d, form=form))
                if latex is not None:
                    self.latex.append((f"{case.id} {tag} {form}", latex))
            if len(wrt) == 1:
                self.guard(case, "vec", lambda wrt=wrt: self.check_vec(case, f, values, wrt[0], kinds))
                self.guard(case, "check", lambda d=d, wrt=wrt: self.check_claim(case, f, d, wrt[0]))
            if len(wrt) <= 2:
                for b in self.backends:
                    self.guard(
                        case,
                        f"code:{b}",
                        lambda d=d, b=b, tag=tag: self.check_code(case, f, d, values, b, tag),
                    )
            if self.cli and len(wrt) == 1:
                self.guard(case, "cli", lambda d=d, wrt=wrt: self.check_cli(case, d, wrt))
        for var, claim in case.paper.items():
            self.guard(case, "paper", lambda var=var, claim=claim: self.check_paper(case, f, var, claim))

    def check_value(self, case: Case, f: mc.Expr, values: dict[str, Any]) -> None:
        got = mc.evaluate(f, values)
        want = np.asarray(case.ref({k: jnp.asarray(v) for k, v in values.items()}))
        if not close(got, want):
            self.problem(case, "value", f"evaluate {got} != reference {want}")

    def check_number(
        self, case: Case, d: mc.Expr, values: dict[str, Any], wrt: tuple[str, ...], kinds: dict[str, str]
    ) -> bool:
        got = np.asarray(mc.evaluate(d, values), dtype=float)
        want = reference_derivative(case, values, wrt, kinds)
        if not close(got, want):
            err = (
                np.max(np.abs(got - want))
                if got.shape == want.shape
                else f"shape {got.shape} vs {want.shape}"
            )
            self.problem(case, f"WRONG{len(wrt)}", f"d/d{wrt}: max error {err}; {str(d)[:300]}")
            return False
        return True

    def check_roundtrip(
        self, case: Case, d: mc.Expr, kinds: dict[str, str], values: dict[str, Any], tag: str
    ) -> None:
        text = str(d)
        back = mc.parse(text, kinds)
        if not close(mc.evaluate(back, values), mc.evaluate(d, values), 1e-9):
            self.problem(case, "roundtrip", f"{tag}: {text[:300]} evaluates differently after parsing back")

    def check_vec(
        self, case: Case, f: mc.Expr, values: dict[str, Any], var: str, kinds: dict[str, str]
    ) -> None:
        try:
            jac = mc.vec_jacobian(f, var)
        except mc.DifferentiationError as e:
            if "no vec form yet" in str(e):
                self.counts["vec refused (known)"] += 1
                return
            raise
        got = np.asarray(jac.evaluate(values))
        want = reference_derivative(case, values, (var,), kinds)
        fshape = np.shape(mc.evaluate(f, values))
        n = int(np.prod(fshape)) if fshape else 1
        want = _vec_layout(want, len(fshape))
        if not close(got.reshape(n, -1), want):
            self.problem(case, "vec", f"vec form of d/d{var} differs: {str(jac)[:200]}")
        self.latex.append((f"{case.id} vec {var}", jac.latex()))

    def check_claim(self, case: Case, f: mc.Expr, d: mc.Expr, var: str) -> None:
        r = mc.check(f, var, str(d), {s.name: s.kind for s in f.symbols})
        if not r.ok:
            self.problem(case, "check", f"mc.check refutes matcalc's own d/d{var}: {str(r)[:300]}")

    def check_paper(self, case: Case, f: mc.Expr, var: str, claim: str) -> None:
        r = mc.check(f, var, claim, {s.name: s.kind for s in f.symbols})
        if not r.ok:
            self.problem(case, "paper", f"textbook form {claim} refuted: {str(r)[:300]}")
        got = str(mc.diff(f, var))
        self.counts["paper printed"] += 1
        if len(got) > 1.5 * len(claim) + 4:
            self.problem(case, "awkward", f"d/d{var} prints {got!r}, the textbook writes {claim!r}")

    def check_code(
        self, case: Case, f: mc.Expr, d: mc.Expr, values: dict[str, Any], backend: str, tag: str
    ) -> None:
        fn = mc.lambdify({"f": f, "d": d}, backend=backend)
        args = _backend_values(values, backend)
        out = fn(**args)
        for key, e in (("f", f), ("d", d)):
            got = np.asarray(out[key].tolist() if hasattr(out[key], "tolist") else out[key], dtype=float)
            if not close(got, mc.evaluate(e, values), 1e-8):
                self.problem(case, f"code:{backend}", f"{tag} {key}: generated code differs from evaluate")

    def check_cli(self, case: Case, d: mc.Expr, wrt: tuple[str, ...]) -> None:
        cmd = [sys.executable, "-m", "matcalc", "diff", case.text, "--json"]
        for w in wrt:
            cmd += ["--wrt", w]
        for k, v in case.kinds.items():
            cmd += ["--kind", f"{k}={v}"]
        r = subprocess.run(
            cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120
        )
        if r.returncode != 0:
            self.problem(case, "cli", f"exit {r.returncode}: {r.stdout[:300]} {r.stderr[:300]}")
            return
        answer = json.loads(r.stdout)
        text = (
            answer.get("derivative", {}).get("text")
            if isinstance(answer.get("derivative"), dict)
            else answer.get("text")
        )
        if text is not None and text != str(d):
            self.problem(case, "cli", f"CLI prints {text!r}, API {str(d)!r}")


def _vec_layout(jac: np.ndarray, frank: int) -> np.ndarray:
    """d vec(f) / d vec(X)' from the jax layout f.shape + X.shape (column-major vec of both)."""
    fshape, xshape = jac.shape[:frank], jac.shape[frank:]
    nf, nx = int(np.prod(fshape)) if fshape else 1, int(np.prod(xshape)) if xshape else 1
    # column-major: reverse the axes of each group, then C-order reshape
    perm = list(range(frank))[::-1] + [frank + i for i in range(len(xshape))][::-1]
    return np.transpose(jac, perm).reshape(nf, nx)


def _backend_values(values: dict[str, Any], backend: str) -> dict[str, Any]:
    if backend == "torch":
        import torch

        return {k: torch.tensor(v, dtype=torch.float64) if np.ndim(v) else v for k, v in values.items()}
    if backend == "jax":
        return {k: jnp.asarray(v) if np.ndim(v) else v for k, v in values.items()}
    if backend == "array_api":
        import array_api_strict as xp

        return {k: xp.asarray(v) if np.ndim(v) else v for k, v in values.items()}
    return values


def render(latex: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    katex = ROOT / ".ci" / "katex" / "node_modules" / "katex"
    if not katex.is_dir():
        print("KaTeX not installed: LaTeX not rendered")
        return []
    r = subprocess.run(
        ["node", str(ROOT / "tests" / "katex_check.js")],
        input=json.dumps([s for _, s in latex]),
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(r.stdout)
    return [(latex[f["index"]][0], f["latex"][:200], f["error"][:200]) for f in report["failures"]]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cli", action="store_true")
    p.add_argument("--only", default=None)
    p.add_argument("--backends", default="numpy,jax,torch,array_api")
    a = p.parse_args()
    run = Run(a.backends.split(",") if a.backends else [], a.cli)
    t0 = time.perf_counter()
    cases = [c for c in CASES if a.only is None or a.only in c.id]
    for c in cases:
        print(c.id, flush=True)
        run.run(c)
    for where, latex, err in render(run.latex):
        run.problems.append((where, "katex", f"{err}: {latex}"))
        print(f"  PROBLEM {where} [katex] {err}: {latex}")
    print(f"\n{len(cases)} cases by source: {dict(Counter(c.source for c in cases))}")
    print(f"checks: {dict(run.counts)}; LaTeX strings rendered: {len(run.latex)}")
    print(f"{len(run.problems)} problems in {time.perf_counter() - t0:.0f} s")
    for k, v in Counter(w for _, w, _ in run.problems).items():
        print(f"  {k}: {v}")
    return 1 if run.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
