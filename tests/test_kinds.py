"""Kinds inferred from use (issue 11, item 1): matcalc.kinds and mc.parse_result."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import expressions

import matcalc as mc
from matcalc.expr import IndexForm, walk
from matcalc.testing import check_derivative

RIDGE = "norm2(X*w-y)^2 + lam*norm2(w)^2"


def test_the_ridge_loss_with_no_kinds_is_a_scalar_with_a_gradient() -> None:
    r = mc.parse_result(RIDGE)
    assert r.expr.is_scalar
    assert r.inferred == {"lam": "scalar"}
    assert r.guessed == {"X": "matrix", "w": "vector", "y": "vector"}
    g = mc.diff(r.expr, "w")
    assert g.shape == next(s for s in r.expr.symbols if s.name == "w").shape  # a gradient
    assert check_derivative(r.expr, "w").ok
    rng = np.random.default_rng(0)
    X, w, y, lam = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=5), 0.7
    want = 2 * X.T @ (X @ w - y) + 2 * lam * w
    got = mc.evaluate(g, {"X": X, "w": w, "y": y, "lam": lam})
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("1+v", "v", "scalar"),  # a name added to a scalar is not broadcast
        ("1+v'", "v", "scalar"),
        ("c - 2*v/3", "v", "scalar"),
        ("norm2(w)^2 + lam*norm2(w)^2", "lam", "scalar"),
        ("det(h)+1", "h", "matrix"),
        ("softmax(A)", "A", "vector"),
        ("vector(x)", "x", "scalar"),
        ("sum(log(1+exp(-y.*(X*w))))", "w", "vector"),  # X*w beside the vector y
    ],
)
def test_uses_decide_a_kind(text: str, name: str, kind: str) -> None:
    r = mc.parse_result(text)
    assert r.inferred[name] == kind
    assert r.kinds[name] == kind
    assert name not in r.guessed


@pytest.mark.parametrize(
    "text",
    [
        "norm2(X*w-y)^2 + lam*w'*w",  # parsed (lam*w')*w: lam is scaled by w'*w all the same
        "(X*w-y)'*(X*w-y) + lam*w'*w",
        "norm2(X*w-y)^2 + w'*w*lam",
        "norm2(X*w-y)^2 + lam*w'*S*w",  # any grouping of a scalar rest
    ],
)
def test_ridge_spelled_as_a_quadratic_form_is_a_scalar_too(text: str) -> None:
    r = mc.parse_result(text)
    assert r.inferred.get("lam") == "scalar" and r.expr.is_scalar
    g = mc.diff(r.expr, "w")
    assert g.is_vector and not g.row  # a gradient, not the Jacobian of a vector-valued loss


def test_a_name_guessed_before_the_rest_of_its_term_is_known_is_not_broadcast() -> None:
    # mu is guessed before x: mu*x'*x is a vector if mu is, and the scalar norm2(...)^2 is broadcast
    for text in ("norm2(X*w-y)^2 + mu*x'*x", "(X*w-y)'*(X*w-y) + mu*x'*x"):
        r = mc.parse_result(text)
        assert r.kinds["mu"] == "scalar" and "mu" in r.inferred and r.expr.is_scalar


@pytest.mark.parametrize(
    ("left", "right"),
    [("lam*sum(w)", "c"), ("x", "a"), ("mu*x'*x", "b"), ("u'*v*k", "d")],
)
def test_kinds_do_not_depend_on_the_order_of_a_sum(left: str, right: str) -> None:
    one, other = mc.parse_result(f"{left} + {right}"), mc.parse_result(f"{right} + {left}")
    assert one.kinds == other.kinds and one.expr.shape == other.expr.shape == ()


def test_an_expression_is_still_broadcast() -> None:
    r = mc.parse_result("1+exp(v)")
    assert r.guessed == {"v": "vector"}
    assert mc.evaluate(r.expr, {"v": np.zeros(2)}).tolist() == [2.0, 2.0]


def test_the_first_letter_decides_only_what_uses_leave_open() -> None:
    r = mc.parse_result("x'*A*x")
    assert r.guessed == {"x": "vector", "A": "matrix"} and r.inferred == {}
    # A vector x leaves A*x to be a vector: nothing else is guessed.
    r = mc.parse_result("x'*A*x", {"x": "vector"})
    assert r.guessed == {"A": "matrix"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x*x", "cannot multiply column vector x by column vector x"),  # x a scalar or a matrix?
        ("exp(h)*h", "cannot multiply column vector exp\\(h\\) by column vector h"),
    ],
)
def test_uses_that_rule_out_the_first_letter_but_leave_a_choice_are_an_error(text: str, message: str) -> None:
    with pytest.raises(mc.ShapeError, match=message):
        mc.parse(text)


@pytest.mark.parametrize(
    ("text", "kinds", "how"),
    [
        ("x-mean(x)", {"x": "vector"}, "guessed"),  # once x-x: a scalar, and the expression zero
        ("x-sum(x)/c", {"x": "vector", "c": "scalar"}, "guessed"),
        ("y-logsumexp(y)", {"y": "vector"}, "guessed"),
        ("A-mean(A)", {"A": "matrix"}, "guessed"),
        ("tr(h)", {"h": "matrix"}, "inferred"),  # tr of a scalar does nothing: h is a matrix
        ("b*tr(b)", {"b": "matrix"}, "inferred"),
        ("c-norm2(c)", {"c": "scalar"}, "guessed"),  # the uses disagree: the first letter decides
    ],
)
def test_a_reduced_name_is_not_a_scalar(text: str, kinds: dict[str, str], how: str) -> None:
    r = mc.parse_result(text)
    assert r.kinds == kinds
    assert (r.guessed if how == "guessed" else r.inferred) == kinds


def test_declared_kinds_are_kept_and_not_reported() -> None:
    r = mc.parse_result("a+x", {"a": "scalar", "x": "vector"})
    assert r.expr.is_vector  # the declared vector is broadcast as asked
    assert r.inferred == {} and r.guessed == {}
    assert r.kinds == {"a": "scalar", "x": "vector"}


def test_inferred_kinds_are_a_fixed_point() -> None:
    for text in (RIDGE, "sum(log(1+exp(-y.*(X*w))))", "a*x+b", "x+A", "softmax(A)*b"):
        r = mc.parse_result(text)
        assert mc.parse(text, r.kinds) is r.expr
        assert mc.parse(str(r.expr), r.kinds) is r.expr


def test_contradicting_uses_report_the_shape_error_with_first_letter_kinds() -> None:
    with pytest.raises(mc.ShapeError, match="tr needs a square matrix, got column vector z"):
        mc.parse("softmax(z) + tr(z)")


def test_parse_is_parse_result_expr() -> None:
    assert mc.parse(RIDGE) is mc.parse_result(RIDGE).expr


# ---- parse builds with the first-letter kinds where inference would decide them ----------


def _same(a: mc.Expr, b: mc.Expr) -> bool:
    """One expression, up to what is new in every parse (anonymous dimensions, the indices of index forms)."""
    if a is b:
        return True
    fresh = any(d.anonymous for d in a.dims) or any(isinstance(n, IndexForm) for n in walk(a))
    symbols = [(s.name, s.kind, s.shape) for s in a.symbols] == [(s.name, s.kind, s.shape) for s in b.symbols]
    shapes = len(a.shape) == len(b.shape) and all(
        d == e or (d.anonymous and e.anonymous) for d, e in zip(a.shape, b.shape, strict=True)
    )  # an unconstrained `vector(1)` has a size of its own in every parse
    return fresh and symbols and str(a) == str(b) and shapes


def _parsed(text: str, kinds: dict[str, str]) -> tuple[object, object]:
    """``parse`` and ``parse_result(...).expr`` of ``text``, or the error each raises."""
    out: list[object] = []
    for read in (mc.parse, lambda t, k: mc.parse_result(t, k).expr):
        try:
            out.append(read(text, kinds))
        except mc.MatcalcError as err:
            out.append((type(err), str(err)))
    return out[0], out[1]


@pytest.mark.parametrize(
    "text",
    [
        RIDGE, "x'*A*x", "1+v", "c - 2*v/3", "x-mean(x)", "tr(h)", "b*tr(b)", "c-norm2(c)", "sum(a)",
        "a+x", "x+A", "softmax(A)*b", "s + mu*x'*x", "x'*x + c", "sum(log(1+exp(-y.*(X*w))))",
        "softmax(z) + tr(z)", "x*x", "A*B-C'", "exp(a)*y + z", "kron(a, B)", "mean(X, 1)", "sum(a, 1)",
        "L_expm(A, B)", "x'*eye*x + sum(vector(1))", "(A+2)*vector(1)",
        "diag(x)*y - 1", "((i) -> x[i]*y[i])", "t1 where t1 = x",
        "1 + exp(v)", "exp(v)' - c", "c + -exp(v)", "1 + exp(v)*c", "exp(c) + v", "1 + exp(v)'",
        "c + log(1 + exp(-v))", "1 + exp(c*v)/c", "exp(a)*b + exp(A) + w",
    ],
)
def test_parse_agrees_with_inference(text: str) -> None:
    fast, full = _parsed(text, {})
    assert fast == full if isinstance(full, tuple) else _same(fast, full)  # type: ignore[arg-type]


def test_parse_skips_inference_where_first_letters_are_its_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    module = sys.modules["matcalc.parse"]
    calls: list[int] = []
    real = module.infer

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "infer", counted)
    for text in ("x'*A*x", "norm2(X*w-y)^2", "tr(A*X*B)", "sum(exp(Q*q))", "sum(log(1+exp(-y.*(X*w))))"):
        mc.parse(text)
    assert not calls  # the first letters build, no broadcast, no reduced scalar: no typing pass
    # (a scalar beside an elementwise function's value broadcasts against no name)
    for text in (RIDGE, "1+v", "sum(a)", "tr(h)"):  # a scalar beside an array; a reduced scalar letter
        mc.parse(text)  # and first letters that do not build (tr of a vector)
    assert len(calls) == 4
    assert mc.parse("1+v").is_scalar and mc.parse("tr(h)").body.is_matrix  # type: ignore[attr-defined]


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(expressions())
def test_parse_agrees_with_inference_on_random_texts(e: mc.Expr) -> None:
    text = str(e)
    fast, full = _parsed(text, {})
    assert fast == full if isinstance(full, tuple) else _same(fast, full)  # type: ignore[arg-type]
