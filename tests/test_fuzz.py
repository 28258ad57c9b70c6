"""Fuzzing the public API and the CLI with random and adversarial input (issue 12, item 1).

The rule: every public function either succeeds or raises a `matcalc.MatcalcError`;
every CLI command exits with 0 (or 1 for a refuted claim) or prints
``matcalc: error: ...`` and exits with 2 - never a traceback.

Profiles (tests/conftest.py): ``dev`` runs 100 examples per test, ``ci`` 300,
``thorough`` 20,000; for the long run see docs/robustness.md::

    HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from optional import require

import matcalc as mc
from matcalc.cli import main
from matcalc.expr import FUNCTION_KINDS
from matcalc.testing import random_values

#: Small limits keep each example quick; exceeding them is a MatcalcError like any other.
LIMITS = {"work": 20_000, "seconds": 5.0}

_NAMES = ["x", "y", "A", "B", "S", "a", "b", "W", "lambda", "print", "np", "exp", "tr", "eye", "F", "_x"]
_TOKENS = [
    *_NAMES, "+", "-", "*", "/", ".*", "./", ".^", "^", "'", "(", ")", ",", "1", "2", "0.5", "1e999",
    "9" * 400, "-1", "1000000", "tr(", "det(", "inv(", "exp(", "log(", "softmax(", "diag(", "sum(",
    "norm2(", "grad(F)(", "vector(1)", "matrix(2)", "eye", " ", "\u0663", "\uff46", "\x00", "δ", "'",
]  # fmt: skip

texts = st.one_of(
    st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=12).map("".join),
    st.text(max_size=30),
)
kinds_st = st.dictionaries(
    st.sampled_from(_NAMES),
    st.one_of(
        st.sampled_from(["scalar", "vector", "matrix", "symmetric", "scalar function", "bogus"]),
        st.lists(st.just("vector"), max_size=1),
        st.integers(),
    ),
    max_size=3,
)
values_st = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.lists(st.floats(-1e3, 1e3), max_size=4),
    st.lists(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=2), max_size=3),
    st.text(max_size=3),
    st.none(),
)


def _api(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; a MatcalcError is an allowed outcome, anything else fails the test."""
    try:
        with mc.limits(**LIMITS):
            return fn(*args, **kwargs)
    except mc.MatcalcError:
        return None


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, kinds=kinds_st)
def test_parse_and_print_never_raise_a_foreign_error(text: str, kinds: dict[str, Any]) -> None:
    e = _api(mc.parse, text, kinds)
    if e is None:
        return
    assert isinstance(repr(e), str)
    assert _api(mc.parse, str(e), {s.name: s.kind for s in e.symbols}) is not None
    _api(mc.latex, e)
    _api(mc.latex, e, form="index")


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    text=texts,
    wrt=st.sampled_from([*_NAMES, "", 3, None]),
    values=st.dictionaries(st.sampled_from(_NAMES), values_st),
)
def test_diff_evaluate_and_code_never_raise_a_foreign_error(text: str, wrt: Any, values: dict[str, Any]) -> None:  # noqa: E501
    e = _api(mc.parse, text)
    if e is None:
        return
    d = _api(mc.diff, e, wrt)
    _api(mc.evaluate, e, values)
    for target in (e, d):
        if target is not None:
            f = _api(mc.lambdify, target, name=str(wrt))
            if f is not None:
                _call_generated(f, values)
    _api(mc.explain, e, wrt)
    _api(mc.check, e, wrt, text)
    _api(mc.latex, e, form="vec", wrt=wrt)


def _call_generated(f: Any, values: dict[str, Any]) -> None:
    """Generated code is standalone (it raises ValueError/TypeError, not MatcalcError) - but never worse."""
    with np.errstate(all="ignore"), contextlib.suppress(ValueError, TypeError):
        f(**values)


def _backend_array(backend: str) -> Any:
    """How an array is passed to ``backend``'s generated code (64-bit floats everywhere)."""
    if backend == "jax":
        jax = require("jax")
        jax.config.update("jax_enable_x64", True)
        return jax.numpy.asarray
    if backend == "torch":
        return require("torch").as_tensor
    if backend == "array_api":
        return require("array_api_strict").asarray
    return np.asarray


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    text=texts,
    wrt=st.sampled_from(_NAMES),
    backend=st.sampled_from(["numpy", "jax", "torch", "array_api"]),
    seed=st.integers(0, 2**16),
)
def test_generated_code_agrees_with_evaluate(text: str, wrt: str, backend: str, seed: int) -> None:
    # never silently wrong generated code: where evaluate gives a finite value, every backend's
    # function gives the same (it may not raise: the values are valid)
    e = _api(mc.parse, text)
    if e is None or any(s.kind in FUNCTION_KINDS for s in e.symbols):
        return
    d = _api(mc.diff, e, wrt) if wrt in {s.name for s in e.symbols} else None
    for target in (e, d):
        if target is None:
            continue
        values = random_values(target, seed)
        with np.errstate(all="ignore"):
            want = _api(mc.evaluate, target, values)
            f = _api(mc.lambdify, target, args=sorted(values), backend=backend)
            if want is None or f is None or not np.all(np.isfinite(want)):
                continue
            to = _backend_array(backend)
            got = np.asarray(f(*[to(np.asarray(values[k], dtype=np.float64)) for k in sorted(values)]))
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9, err_msg=f"{target} on {backend}")


_COMMANDS = st.sampled_from(["parse", "eval", "diff", "check", "code", "latex"])


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    command=_COMMANDS,
    text=texts,
    extra=st.lists(
        st.sampled_from(
            ["--wrt", "x", "A", "--kind", "x=vector", "x=bogus", "--value", "x=[1,2]", "a=NaN",
             "a=1e400", "a=" + "9" * 401, "--claim", "2*x", "--name", "\uff46", "float", "--as",
             "vec", "latex", "--form", "index", "--max-work", "100", "--timeout", "0.5", "-"]
        ),
        max_size=8,
    ),
)  # fmt: skip
def test_cli_exits_0_1_or_2_and_never_shows_a_traceback(command: str, text: str, extra: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), np.errstate(all="ignore"):
        status = main([command, text, *extra])
    allowed = {0, 1, 2} if command == "check" else {0, 2}
    assert status in allowed, (status, err.getvalue())
    assert "Traceback" not in err.getvalue()
    if status == 2 and err.getvalue():
        assert "matcalc" in err.getvalue() or "usage:" in err.getvalue()
