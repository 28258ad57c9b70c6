"""Cases from other textbooks, ML models and peers' test suites, against JAX's automatic differentiation.

The cases are `unseen_cases.CASES` (Magnus & Neudecker, Minka, Dattorro,
Bishop, Goodfellow et al., ML and statistics models, SymPy's and tensorgrad's
tests, matrixcalculus.org), each with the function written by hand in
``jax.numpy``. For every case: the value, every derivative the case names (by
each variable to its order, and the mixed ones) against ``jax.jacfwd`` of the
reference, the printed derivative parsed back with the original kinds, the
vec form of first derivatives, the textbook's form accepted by ``mc.check``,
generated code on every backend, and the LaTeX rendered by KaTeX.
``benchmarks/unseen.py`` runs the same cases and reports instead of failing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from optional import require

require("jax")

from unseen_cases import CASES, Case  # noqa: E402

import matcalc as mc  # noqa: E402
from matcalc.dims import Dim  # noqa: E402
from matcalc.testing import random_values  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _values(case: Case, f: mc.Expr) -> dict[str, Any]:
    sizes: dict[Dim, int] = {}
    for s in f.symbols:
        for d, n in zip(s.shape, case.sizes.get(s.name, ()), strict=False):
            sizes[d] = n
    return random_values(f, 0, sizes, case.ranges)


def _references(
    case: Case, values: dict[str, Any], orders: list[tuple[str, ...]], kinds: dict[str, str]
) -> list[Any]:
    """``d^k ref / d wrt[0] ... d wrt[k-1]`` by JAX for each ``wrt`` of ``orders``, compiled as one function
    (a tenth of the time of JAX's eager dispatch of nested jacobians); by a symmetric variable, of ``ref``
    at its symmetric part."""
    import jax
    import jax.numpy as jnp

    def derivative(wrt: tuple[str, ...]) -> Any:
        fn = case.ref
        for name in wrt:

            def by(vals: dict[str, Any], fn: Any = fn, name: str = name) -> Any:
                def at(x: Any) -> Any:
                    return fn({**vals, name: (x + x.T) / 2 if kinds[name] == "symmetric" else x})

                return jax.jacfwd(at)(vals[name])

            fn = by
        return fn

    fns = [derivative(wrt) for wrt in orders]
    every = jax.jit(lambda vals: [case.ref(vals)] + [fn(vals) for fn in fns])
    return [np.asarray(a) for a in every({k: jnp.asarray(v) for k, v in values.items()})]


def _close(got: Any, want: Any, rtol: float = 1e-6) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-8 * scale)


def _orders(case: Case) -> list[tuple[str, ...]]:
    return [(w,) * k for w in case.wrt for k in range(1, case.order + 1)] + list(case.mixed)


_IDS = [pytest.param(c, id=c.id) for c in CASES]


def test_the_corpus_is_large_and_from_many_sources() -> None:
    sources = {c.source for c in CASES}
    assert len(CASES) >= 140 and len(sources) >= 10
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", _IDS)
def test_derivatives_agree_with_jax(case: Case) -> None:
    f = mc.parse(case.text, case.kinds)
    kinds = {s.name: s.kind for s in f.symbols}
    values = _values(case, f)
    value, *references = _references(case, values, _orders(case), kinds)
    _close(mc.evaluate(f, values), value)
    for wrt, reference in zip(_orders(case), references, strict=True):
        d = mc.diff(f, *wrt)
        got = mc.evaluate(d, values)
        _close(got, reference)
        back = mc.parse(str(d), kinds)  # the printed result reads back to the same numbers
        _close(mc.evaluate(back, values), got, 1e-9)


@pytest.mark.parametrize("case", _IDS)
def test_vec_forms_and_claims(case: Case) -> None:
    f = mc.parse(case.text, case.kinds)
    kinds = {s.name: s.kind for s in f.symbols}
    values = _values(case, f)
    _, *references = _references(case, values, [(var,) for var in case.wrt], kinds)
    for var, want in zip(case.wrt, references, strict=True):
        assert mc.check(f, var, str(mc.diff(f, var)), kinds).ok
        try:
            jac = mc.vec_jacobian(f, var)
        except mc.MatcalcError as e:  # X inside a Kronecker product: known, issue 10
            assert "no vec form yet" in str(e)
            continue
        frank = np.ndim(mc.evaluate(f, values))
        perm = [*range(frank)][::-1] + [frank + i for i in range(want.ndim - frank)][::-1]
        nf = int(np.prod(want.shape[:frank]))
        _close(np.asarray(jac.evaluate(values)).reshape(nf, -1), np.transpose(want, perm).reshape(nf, -1))
    for var, claim in case.paper.items():
        assert mc.check(f, var, claim, kinds).ok, f"the textbook's {claim}"


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "array_api"])
def test_generated_code_on_every_backend(backend: str) -> None:
    lib = {"numpy": np, "jax": None, "torch": None, "array_api": None}[backend]
    if backend == "jax":
        lib = require("jax").numpy
    elif backend == "torch":
        lib = require("torch")
    elif backend == "array_api":
        lib = require("array_api_strict")
    for case in CASES:
        f = mc.parse(case.text, case.kinds)
        values = _values(case, f)
        most = 1 if backend == "jax" else 2  # eager JAX dispatches slowly: first derivatives only
        outputs = {"f": f, **{"d_" + "_".join(w): mc.diff(f, *w) for w in _orders(case) if len(w) <= most}}
        try:
            fn = mc.lambdify(outputs, backend=backend)
        except mc.CodegenError as e:  # matrix functions outside NumPy: documented (docs/matrix-functions.md)
            assert "its record says it is not available there" in str(e)
            continue
        args = {k: lib.asarray(np.asarray(v)) if np.ndim(v) else v for k, v in values.items()}
        out = fn(**args)
        for key, e in outputs.items():
            got = out[key]
            got = (
                got.numpy() if hasattr(got, "numpy") and not isinstance(got, np.ndarray) else np.asarray(got)
            )
            _close(got, mc.evaluate(e, values), 1e-8)


def test_latex_renders() -> None:
    from test_latex_render import _node

    node = _node()
    strings = []
    for case in CASES:
        f = mc.parse(case.text, case.kinds)
        strings.append(mc.latex(f))
        for wrt in _orders(case):
            d = mc.diff(f, *wrt)
            strings += [mc.latex(d, form="matrix"), mc.latex(d, form="index")]
    result = subprocess.run(
        [node, str(ROOT / "tests" / "katex_check.js")],
        input=json.dumps(strings),
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["rendered"] == len(strings) and not report["failures"], report["failures"][:5]
