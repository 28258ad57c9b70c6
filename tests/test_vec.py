"""The vec (Magnus-Neudecker) form: ``∂vec(f)/∂vec(X)ᵀ`` as Kronecker products.

The oracle is the derivative itself: ``mc.evaluate(mc.diff(f, X))`` has
shape ``f.shape + X.shape``, and with column-major vec the Jacobian is that
array reshaped in Fortran order, ``J[i + m*j, k + p*l] = D[i, j, k, l]``.
The layout is also checked against finite differences (an oracle that shares
no code with matcalc's derivatives), and ``K_{pq}`` against its definition.

Checked: every first-derivative identity of `matcalc.cookbook`, a table of
Jacobians with no matrix form (commutation matrices, diag(vec) weights,
Hadamard products, chains), random expressions from Hypothesis, golden
strings for the textbook examples, and the errors.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from strategies import expressions_with_values

import matcalc as mc
from matcalc.cookbook import IDENTITIES, Recipe
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import Expr
from matcalc.testing import numeric_derivative, random_values
from matcalc.vec import Chain, Kron, VecJacobian, commutation_matrix

FIRST = [pytest.param(r, id=r.name) for r in IDENTITIES if r.order == 1]

#: Jacobians beyond the corpus: (expression, kinds, variable).
EXTRA: list[tuple[str, dict[str, str], str]] = [
    ("W*x", {}, "W"),
    ("W*x", {}, "x"),
    ("A*X*B", {}, "X"),
    ("X'", {}, "X"),
    ("A.*X", {}, "X"),
    ("X*X", {}, "X"),
    ("inv(X)", {}, "X"),
    ("X'*A*X", {}, "X"),
    ("exp(X)", {}, "X"),
    ("x*x'", {}, "x"),
    ("softmax(x)", {}, "x"),
    ("softmax(W*x)", {}, "W"),
    ("diag(X)", {}, "X"),
    ("diag(x)", {}, "x"),
    ("X'*x", {}, "X"),
    ("tr(X)*A", {}, "X"),
    ("a*tr(X)", {"a": "vector"}, "X"),
    ("S*A", {"S": "symmetric"}, "S"),
    ("inv(S)", {"S": "symmetric"}, "S"),
    ("A*X'*B", {}, "X"),
    ("X*A*X'", {}, "X"),
    ("X.*X", {}, "X"),
    ("exp(X*w)", {}, "X"),
    ("X*t", {"t": "scalar"}, "t"),
    ("exp(t*x)", {"t": "scalar"}, "t"),
    ("sum(X)", {}, "X"),
    ("det(X)", {}, "X"),
    ("diag(A*X*B')", {}, "X"),
    ("A*diag(B'*X*C)", {}, "X"),
    ("((A*X*B).*M)*C", {}, "X"),
    ("((B*S)./M)*A", {}, "B"),
    ("(X^2).*(A*X)", {}, "X"),
    ("X^3", {}, "X"),
    ("tanh(W2*tanh(W1*x))", {}, "W1"),
    ("(X.^A)*(X.^A)", {}, "A"),
    ("a'*X*b", {"a": "vector", "b": "vector"}, "X"),
    ("((((A*X*B).*M)*C).*N)*D", {}, "X"),
    ("diag(A*diag(diag(B*X*C))*D')", {}, "X"),
    ("diag(A*X*B)*diag(C*X*D)'", {}, "X"),
    ("(((A*X).*M)*((X*B).*N))", {}, "X"),
    ("exp(A*X*B).*(C*X')", {}, "X"),
]


def _jacobian_reference(f: Expr, wrt: str, values: dict[str, Any]) -> np.ndarray:
    """``mc.evaluate(mc.diff(f, wrt))`` as the (size of f) x (size of wrt) column-major Jacobian."""
    d = np.asarray(mc.evaluate(mc.diff(f, wrt), values), dtype=float)
    rows = int(np.prod(np.shape(mc.evaluate(f, values)), dtype=int))
    return d.reshape((rows, -1), order="F")


def _check(f: Expr, wrt: str, values: dict[str, Any]) -> VecJacobian:
    jac = mc.vec_jacobian(f, wrt)
    latex, text = jac.latex(), str(jac)
    assert latex and text
    assert r"\sum" not in latex and "_{i" not in latex, latex  # no index notation left
    got, want = jac.evaluate(values), _jacobian_reference(f, wrt, values)
    assert got.shape == want.shape
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11 * scale, err_msg=f"{f} by {wrt}: {text}")
    return jac


def _recipe_values(f: Expr, r: Recipe, seed: int) -> dict[str, Any]:
    sizes: dict[Dim, int] = {}
    for s in f.symbols:
        sizes.update(zip(s.shape, r.sizes.get(s.name, ()), strict=False))
    return random_values(f, seed, sizes, r.ranges)


@pytest.mark.parametrize("r", FIRST)
def test_every_first_derivative_identity(r: Recipe) -> None:
    f = mc.parse(r.expr, r.kinds)
    for seed in (0, 1):
        _check(f, r.wrt[0], _recipe_values(f, r, seed))


@pytest.mark.parametrize(("expr", "kinds", "wrt"), EXTRA, ids=[f"{e} by {w}" for e, _, w in EXTRA])
def test_jacobians(expr: str, kinds: dict[str, str], wrt: str) -> None:
    f = mc.parse(expr, kinds)
    for seed in (0, 1):
        values = random_values(f, seed)
        if "X.^A" in expr:  # a real power needs a positive base
            values["X"] = np.abs(values["X"]) + 0.5
        _check(f, wrt, values)


# ---- the layout, against an independent oracle -----------------------------------------------


LAYOUT = [("W*x", "W"), ("A*X*B", "X"), ("X'", "X"), ("A*X'*B", "X"), ("x*x'", "x")]


@pytest.mark.parametrize(("expr", "wrt"), LAYOUT)
def test_layout_matches_finite_differences(expr: str, wrt: str) -> None:
    """Column-major vec, J[i + m*j, k + p*l] = ∂f[i,j]/∂X[k,l], on distinct sizes 2, 3, 4, 5."""
    f = mc.parse(expr)
    dims = sorted({d for s in f.symbols for d in s.shape})
    values = random_values(f, 3, dict(zip(dims, (2, 3, 4, 5), strict=False)))
    fd = numeric_derivative(f, wrt, values)
    jac = mc.vec_jacobian(f, wrt).evaluate(values)
    if fd.ndim == 4:
        m, n, p, q = fd.shape
        for i, j, k, c in itertools.product(range(m), range(n), range(p), range(q)):
            assert jac[i + m * j, k + p * c] == pytest.approx(fd[i, j, k, c], abs=1e-6)
    rows = int(np.prod(np.shape(mc.evaluate(f, values)), dtype=int))
    np.testing.assert_allclose(jac, fd.reshape((rows, -1), order="F"), rtol=1e-6, atol=1e-8)


def test_commutation_matrix_transposes_a_vec() -> None:
    x = np.arange(6.0).reshape(2, 3)
    k = commutation_matrix(2, 3)
    np.testing.assert_array_equal(k @ x.ravel(order="F"), x.T.ravel(order="F"))
    np.testing.assert_array_equal(commutation_matrix(3, 2) @ k, np.eye(6))


# ---- golden strings -----------------------------------------------------------------------


GOLDEN = [
    ("W*x", {}, "W", r"x^\top \otimes I_{n}", "kron(x', eye(size(W, 1)))"),
    ("A*X*B", {}, "X", r"B^\top \otimes A", "kron(B', A)"),
    ("X'", {}, "X", r"K_{mn}", "commutation(size(X, 1), size(X, 2))"),
    ("A*X'*B", {}, "X", r"(B^\top \otimes A) K_{pq}", "kron(B', A)*commutation(size(B, 1), size(A, 2))"),
    ("A.*X", {}, "X", r"\operatorname{diag}(\operatorname{vec}(A))", "diag(vec(A))"),
    ("X*X", {}, "X", r"X^\top \otimes I_{n} + I_{n} \otimes X",
     "kron(X', eye(size(X, 1)))+kron(eye(size(X, 1)), X)"),
    ("inv(X)", {}, "X", r"-(X^{-\top} \otimes X^{-1})", "-kron(inv(X)', inv(X))"),
    ("x*x'", {}, "x", r"x \otimes I_{n} + I_{n} \otimes x",
     "kron(x, eye(size(x, 1)))+kron(eye(size(x, 1)), x)"),
    ("2*X.*X", {}, "X", r"4 \operatorname{diag}(\operatorname{vec}(X))", "4*diag(vec(X))"),
    ("W*x", {}, "x", "W", "W"),
    ("sum(X)", {}, "X", r"\mathbf{1}_{nm}^\top", "vector(1, size(X, 2)*size(X, 1))'"),
    ("tr(X)*A", {}, "X", r"\operatorname{vec}(A) \operatorname{vec}(I_{p})^\top",
     "vec(A)*vec(eye(size(X, 1)))'"),
    ("X'*x", {}, "X", r"I_{n} \otimes x^\top", "kron(eye(size(X, 2)), x')"),
    # symmetric S: the entrywise J times the symmetrizer N_n = (I + K_nn)/2 (Magnus & Neudecker)
    ("S*A", {"S": "symmetric"}, "S", r"(A^\top \otimes I_{n}) N_{n}",
     "kron(A', eye(size(A, 1)))*symmetrizer(size(A, 1))"),
    ("inv(S)", {"S": "symmetric"}, "S", r"-(S^{-1} \otimes S^{-1}) N_{n}",
     "-kron(inv(S), inv(S))*symmetrizer(size(S, 1))"),
    ("S.*A", {"S": "symmetric"}, "S", r"\operatorname{diag}(\operatorname{vec}(A)) N_{n}",
     "diag(vec(A))*symmetrizer(size(A, 1))"),
    ("S*S", {"S": "symmetric"}, "S", r"(S \otimes I_{n} + I_{n} \otimes S) N_{n}",
     "(kron(S, eye(size(S, 1)))+kron(eye(size(S, 1)), S))*symmetrizer(size(S, 1))"),
    ("((A*X*B).*M)*C", {}, "X", "", "kron(C', eye(size(A, 1)))*diag(vec(M))*kron(B', A)"),
    ("((((A*X*B).*M)*C).*N)*D", {}, "X", "",
     "kron(D', eye(size(A, 1)))*diag(vec(N))*kron(C', eye(size(A, 1)))*diag(vec(M))*kron(B', A)"),
    ("softmax(W*x)", {}, "W", "", "kron(x', diag(softmax(W*x))-softmax(W*x)*softmax(W*x)')"),
]


@pytest.mark.parametrize(("expr", "kinds", "wrt", "latex", "text"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden(expr: str, kinds: dict[str, str], wrt: str, latex: str, text: str) -> None:
    f = mc.parse(expr, kinds)
    jac = mc.vec_jacobian(f, wrt)
    if latex:
        assert jac.latex() == latex
        assert mc.latex(f, form="vec", wrt=wrt) == latex
    assert str(jac) == text


def test_headline_structure() -> None:
    """The textbook forms as structure, whatever the printer does with them."""
    (term,) = mc.vec_jacobian(mc.parse("W*x"), "W").terms
    (kron,) = term.core
    assert isinstance(kron, Kron) and kron.commute is None
    left, right = kron.factors
    assert str(left) == "x'" and isinstance(right, mc.Expr) and str(right) == "eye(size(W, 1))"
    (term,) = mc.vec_jacobian(mc.parse("X'"), "X").terms
    (kron,) = term.core
    x = mc.parse("X")
    assert isinstance(kron, Kron) and kron.commute == x.shape


def test_dimension_names_follow_f_then_the_variable() -> None:
    jac = mc.vec_jacobian(mc.parse("W*x"), "W")
    w = jac.wrt
    assert jac.dimension_names() == {w.shape[0]: "n", w.shape[1]: "m"}
    # letters that name symbols are skipped
    jac = mc.vec_jacobian(mc.parse("n*m'*X", {"n": "vector", "m": "vector"}), "X")
    assert set(jac.dimension_names().values()).isdisjoint({"n", "m"})


def test_chains_and_hadamard_products_when_needed() -> None:
    jac = mc.vec_jacobian(mc.parse("((A*X*B).*M)*C"), "X")
    assert any(isinstance(c, Chain) for t in jac.terms for c in t.core)
    jac = mc.vec_jacobian(mc.parse("diag(X)"), "X")
    assert str(jac) == "kron(vector(1, size(X, 1))', eye(size(X, 1)))*diag(vec(eye(size(X, 1))))"


# ---- special cases and errors ----------------------------------------------------------------


def test_a_function_that_does_not_depend_on_the_variable() -> None:
    jac = mc.vec_jacobian(mc.parse("A*x+0*sum(X)"), "X")
    assert jac.terms == () and jac.latex() == "0"
    assert str(jac) == "matrix(0, size(A, 1), size(X, 2)*size(X, 1))"  # the zero with its size, in text
    values = {"A": np.ones((2, 3)), "x": np.ones(3), "X": np.ones((4, 5))}
    assert jac.evaluate(values).shape == (2, 20)


def test_scalar_by_scalar() -> None:
    f = mc.parse("exp(2*t)", {"t": "scalar"})
    assert str(mc.vec_jacobian(f, "t")) == "2*exp(2*t)"


def test_the_gradient_of_a_gradient_is_the_hessian() -> None:
    f = mc.parse("tr(X'*A*X)")
    g = mc.diff(f, "X")
    jac = _check(g, "X", random_values(g, 0))
    assert str(jac) == "kron(eye(size(X, 2)), A+A')"


def test_a_derivative_is_rejected_with_a_hint() -> None:
    d = mc.diff(mc.parse("W*x"), "W")
    with pytest.raises(MatcalcError, match="pass the function itself"):
        mc.latex(d, form="vec", wrt="W")
    with pytest.raises(MatcalcError, match="pass the function itself"):
        mc.vec_jacobian(d, "W")


def test_the_vec_form_needs_a_variable() -> None:
    with pytest.raises(MatcalcError, match="needs the variable"):
        mc.latex(mc.parse("W*x"), form="vec")
    with pytest.raises(MatcalcError, match="by a symbol"):
        mc.latex(mc.parse("W*x"), form="vec", wrt=mc.parse("W*x"))
    with pytest.raises(MatcalcError, match="not a symbol name"):
        mc.vec_jacobian(mc.parse("W*x"), "2x")
    with pytest.raises(MatcalcError, match="needs an expression"):
        mc.vec_jacobian("W*x", "W")  # type: ignore[arg-type]


def test_every_table_entry_renders_with_katex() -> None:
    """The forms the corpus lacks (K, diag(vec), Hadamard products, chains) render too."""
    from test_latex_render import _render_all  # skips locally, fails in CI, without KaTeX

    strings = [mc.vec_jacobian(mc.parse(e, k), w).latex() for e, k, w in EXTRA]
    report = _render_all(strings)
    assert report["rendered"] == len(strings)
    assert not report["failures"], report["failures"]


def test_repr_latex() -> None:
    jac = mc.vec_jacobian(mc.parse("A*X*B"), "X")
    assert jac._repr_latex_() == (
        r"$$\frac{\partial \operatorname{vec}(f)}{\partial \operatorname{vec}(X)^\top} = B^\top \otimes A$$"
    )
    assert repr(jac) == f"∂vec(f)/∂vec(X)' = {jac}"


# ---- random expressions ------------------------------------------------------------------------


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=expressions_with_values(max_depth=4, functions=("exp", "tanh", "sin", "sigmoid")), data=st.data())
def test_random_expressions(case: Any, data: st.DataObject) -> None:
    f = case.expr
    assume(f.symbols)
    var = data.draw(st.sampled_from(f.symbols), label="variable")
    jac = mc.vec_jacobian(f, var.name)  # never fails
    note(f"{f} by {var.name}: {jac}")
    assert jac.latex()
    with np.errstate(all="ignore"):
        try:
            want = _jacobian_reference(f, var.name, case.values)
        except MatcalcError:  # a singular matrix: nothing to compare
            return
        got = jac.evaluate(case.values)
    assume(np.all(np.isfinite(want)) and np.all(np.abs(want) < 1e8))
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9 * scale)
