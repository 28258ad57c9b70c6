"""The vec form of derivatives through Kronecker products and vec inside the function (issue 10, item 3).

``d vec(X ⊗ B) = (I_n ⊗ K_qm ⊗ I_p)(I_mn ⊗ vec B) d vec(X)`` for X mxn and B
pxq (Magnus & Neudecker, *Matrix Differential Calculus*, 3rd ed., ch. 3,
Theorem 3.10), and the chain rule through it.  Every Jacobian is checked
against central finite differences (`matcalc.testing.numeric_derivative`,
which shares no code with the vec form) at sizes that are all distinct, so
that a transposed factor or a commutation matrix of the wrong order shows,
and against ``mc.diff`` reshaped column-major.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import matcalc as mc
from matcalc.dims import Dim
from matcalc.testing import numeric_derivative, random_values
from matcalc.vec import Chain, Commutation, Kron

#: (expression, variable, kinds, sizes of the symbols' axes): every size distinct within a case.
CASES: list[tuple[str, str, dict[str, str], dict[str, tuple[int, ...]]]] = [
    ("kron(X, B)", "X", {}, {"X": (2, 3), "B": (4, 5)}),
    ("kron(A, X)", "X", {}, {"A": (2, 3), "X": (4, 5)}),
    ("kron(X, X)", "X", {}, {"X": (2, 3)}),
    ("kron(X, X')", "X", {}, {"X": (2, 3)}),
    ("kron(x, X)", "X", {"x": "vector"}, {"x": (2,), "X": (3, 4)}),
    ("kron(X, x)", "X", {"x": "vector"}, {"x": (2,), "X": (3, 4)}),
    ("kron(x', X)", "X", {"x": "vector"}, {"x": (2,), "X": (3, 4)}),
    ("kron(X, x')", "X", {"x": "vector"}, {"x": (2,), "X": (3, 4)}),
    ("kron(x, A)", "x", {"x": "vector"}, {"x": (2,), "A": (3, 4)}),
    ("kron(A, x')", "x", {"x": "vector"}, {"x": (2,), "A": (3, 4)}),
    ("kron(x, y')", "x", {"x": "vector", "y": "vector"}, {"x": (2,), "y": (3,)}),
    ("kron(x, y')", "y", {"x": "vector", "y": "vector"}, {"x": (2,), "y": (3,)}),
    ("kron(A*X, B)", "X", {}, {"A": (2, 3), "X": (3, 4), "B": (5, 6)}),
    ("kron(X, B)*C", "X", {}, {"X": (2, 3), "B": (4, 5), "C": (15, 2)}),
    ("vec(kron(X, B))", "X", {}, {"X": (2, 3), "B": (4, 5)}),
    ("kron(kron(X, B), C)", "X", {}, {"X": (2, 3), "B": (4, 1), "C": (1, 5)}),
    ("kron(A, kron(B, X))", "X", {}, {"A": (2, 1), "B": (1, 3), "X": (4, 5)}),
    ("exp(kron(X, B))", "X", {}, {"X": (2, 3), "B": (4, 5)}),
    ("kron(X, B) + kron(X, C)", "X", {}, {"X": (2, 3), "B": (4, 5), "C": (4, 5)}),
    ("kron(X, B)*kron(X', C)", "X", {}, {"X": (2, 3), "B": (4, 5), "C": (5, 6)}),
    ("kron(S, B)", "S", {"S": "symmetric"}, {"S": (3, 3), "B": (4, 5)}),
    # scalar functions of a Kronecker product: the chain rule, vec(G)ᵀ times the Jacobian of the kron
    ("x'*kron(X, B)*y", "X", {"x": "vector", "y": "vector"}, {"X": (2, 3), "B": (4, 5)}),
    ("tr(kron(X, B)*C)", "X", {}, {"X": (2, 3), "B": (4, 5)}),
    ("sum(kron(X, B))", "X", {}, {"X": (2, 3), "B": (4, 5)}),
    ("sum(kron(X, B).^2)", "X", {}, {"X": (2, 3), "B": (4, 5)}),
    ("tr(X*A) + x'*kron(X, B)*y", "X", {"x": "vector", "y": "vector"}, {"X": (2, 3), "B": (4, 5)}),
    ("logdet(kron(X, B))", "X", {}, {"X": (2, 2), "B": (3, 3)}),
    # vec of something other than the variable itself
    ("vec(X')'*z", "X", {"z": "vector"}, {"X": (2, 3)}),
    ("vec(X*A)'*vec(B*X)", "X", {}, {"X": (2, 4), "A": (4, 6), "B": (3, 2)}),
    ("kron(A, B)*vec(X')", "X", {}, {"A": (2, 3), "B": (4, 2), "X": (3, 2)}),
]


def _values(f: mc.Expr, sizes: dict[str, tuple[int, ...]], seed: int) -> dict[str, Any]:
    dims: dict[Dim, int] = {}
    for s in f.symbols:
        dims.update(zip(s.shape, sizes.get(s.name, ()), strict=False))
    values = random_values(f, seed, dims)
    if "logdet" in str(f):  # well away from a singular X ⊗ B
        values = {k: v + 3 * np.eye(np.shape(v)[0]) if np.ndim(v) == 2 else v for k, v in values.items()}
    return values


def _rows(f: mc.Expr, values: dict[str, Any]) -> int:
    return int(np.prod(np.shape(mc.evaluate(f, values)), dtype=int))


@pytest.mark.parametrize(("text", "wrt", "kinds", "sizes"), CASES, ids=[f"{c[0]} by {c[1]}" for c in CASES])
def test_against_finite_differences(
    text: str, wrt: str, kinds: dict[str, str], sizes: dict[str, tuple[int, ...]]
) -> None:
    f = mc.parse(text, kinds)
    jac = mc.vec_jacobian(f, wrt)
    assert jac.latex() and str(jac)
    for seed in (0, 1):
        values = _values(f, sizes, seed)
        got = jac.evaluate(values)
        fd = numeric_derivative(f, wrt, values)
        rows = _rows(f, values)
        fd = fd.reshape((rows, -1), order="F")
        assert_allclose(got, fd, rtol=1e-6, atol=1e-7, err_msg=f"{text}: {jac}")
        exact = np.asarray(mc.evaluate(mc.diff(f, wrt), values), dtype=float).reshape((rows, -1), order="F")
        assert_allclose(got, exact, rtol=1e-9, atol=1e-11, err_msg=f"{text}: {jac}")


# ---- the printed forms read like Magnus & Neudecker ------------------------------------------------

GOLDEN = [
    # X n x m, B p x q (a product's parts are named after the variable): (I_m ⊗ K_qn ⊗ I_p)(I_nm ⊗ vec B)
    ("kron(X, B)", {}, r"(I_{m} \otimes K_{qn} \otimes I_{p}) (I_{nm} \otimes \operatorname{vec}(B))",
     "kron(kron(eye(size(X, 2)), commutation(size(B, 2), size(X, 1))), eye(size(B, 1)))"
     "*kron(eye(size(X, 1)*size(X, 2)), vec(B))"),
    # A p x q: (I_q ⊗ K_mp ⊗ I_n)(vec A ⊗ I_nm)
    ("kron(A, X)", {}, r"(I_{q} \otimes K_{mp} \otimes I_{n}) (\operatorname{vec}(A) \otimes I_{nm})",
     "kron(kron(eye(size(A, 2)), commutation(size(X, 2), size(A, 1))), eye(size(X, 1)))"
     "*kron(vec(A), eye(size(X, 1)*size(X, 2)))"),
    # X m x n, x of length p
    ("kron(x, X)", {"x": "vector"}, r"(K_{np} \otimes I_{m}) (x \otimes I_{mn})",
     "kron(commutation(size(X, 2), size(x, 1)), eye(size(X, 1)))"
     "*kron(x, eye(size(X, 1)*size(X, 2)))"),
    # X n x m, B p x q: vec(x y')' (I_m ⊗ K_qn ⊗ I_p)(I_nm ⊗ vec B)
    ("x'*kron(X, B)*y", {"x": "vector", "y": "vector"},
     r"\operatorname{vec}(x y^\top)^\top (I_{m} \otimes K_{qn} \otimes I_{p}) "
     r"(I_{nm} \otimes \operatorname{vec}(B))",
     "vec(x*y')'*kron(kron(eye(size(X, 2)), commutation(size(B, 2), size(X, 1))), eye(size(B, 1)))"
     "*kron(eye(size(X, 1)*size(X, 2)), vec(B))"),
    ("tr(kron(X, B)*C)", {},
     r"\operatorname{vec}(C^\top)^\top (I_{m} \otimes K_{qn} \otimes I_{p}) "
     r"(I_{nm} \otimes \operatorname{vec}(B))",
     "vec(C')'*kron(kron(eye(size(X, 2)), commutation(size(B, 2), size(X, 1))), eye(size(B, 1)))"
     "*kron(eye(size(X, 1)*size(X, 2)), vec(B))"),
    ("kron(X, X)", {},
     r"(I_{m} \otimes K_{mn} \otimes I_{n}) "
     r"(I_{nm} \otimes \operatorname{vec}(X) + \operatorname{vec}(X) \otimes I_{nm})",
     "kron(kron(eye(size(X, 2)), commutation(size(X, 2), size(X, 1))), eye(size(X, 1)))"
     "*(kron(eye(size(X, 1)*size(X, 2)), vec(X))+kron(vec(X), eye(size(X, 1)*size(X, 2))))"),
    ("vec(X')'*z", {"z": "vector"}, r"z^\top K_{nm}", "z'*commutation(size(X, 1), size(X, 2))"),
    ("sum(kron(X, B))", {}, r"(\mathbf{1}^\top B \mathbf{1}) \mathbf{1}_{nm}^\top",
     "sum(B)*vector(1, size(X, 2)*size(X, 1))'"),
]


@pytest.mark.parametrize(("text", "kinds", "latex", "printed"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden(text: str, kinds: dict[str, str], latex: str, printed: str) -> None:
    f = mc.parse(text, kinds)
    jac = mc.vec_jacobian(f, "X")
    assert jac.latex() == latex
    assert mc.latex(f, form="vec", wrt="X") == latex
    assert str(jac) == printed


def test_the_structure_is_the_textbook_one() -> None:
    """kron(X, B) by X: one product of two Kronecker products, the first I ⊗ K ⊗ I, the second I ⊗ vec(B)."""
    (term,) = mc.vec_jacobian(mc.parse("kron(X, B)"), "X").terms
    (product,) = term.core
    assert isinstance(product, Chain) and product.middle is None
    ((shuffle,),) = (t.core for t in product.first)
    ((spread,),) = (t.core for t in product.second)
    assert isinstance(shuffle, Kron) and isinstance(spread, Kron)
    eye_n, k, eye_p = shuffle.factors
    x, b = mc.parse("X"), mc.parse("B")
    assert isinstance(k, Commutation) and (k.p, k.q) == (b.shape[1], x.shape[0])  # K_qm
    assert isinstance(eye_n, mc.Expr) and eye_n.shape[0] == x.shape[1]
    assert isinstance(eye_p, mc.Expr) and eye_p.shape[0] == b.shape[0]
    eye_mn, vec_b = spread.factors
    assert str(vec_b) == "vec(B)"
    assert isinstance(eye_mn, mc.Expr) and eye_mn.shape[0].parts == x.shape


def test_letters_of_the_other_dimensions_follow_the_symbols() -> None:
    """B is p x q, in order of its axes, not in the order the product happens to meet them."""
    jac = mc.vec_jacobian(mc.parse("x'*kron(X, B)*y", {"x": "vector", "y": "vector"}), "X")
    b = mc.parse("B")
    names = jac.dimension_names()
    assert (names[b.shape[0]], names[b.shape[1]]) == ("p", "q")


def test_a_symmetric_variable_keeps_the_symmetrizer() -> None:
    jac = mc.vec_jacobian(mc.parse("kron(S, B)", {"S": "symmetric"}), "S")
    assert jac.symmetrized and str(jac).endswith("*symmetrizer(size(S, 1))")


def test_the_cli_prints_the_vec_form(capsys: pytest.CaptureFixture[str]) -> None:
    from matcalc.cli import main

    assert main(["latex", "kron(X, B)", "--form", "vec", "--wrt", "X"]) == 0
    assert r"K_{qn}" in capsys.readouterr().out


def test_every_case_renders_with_katex() -> None:
    from test_latex_render import _render_all  # skips locally, fails in CI, without KaTeX

    strings = [mc.vec_jacobian(mc.parse(t, k), w).latex() for t, w, k, _ in CASES]
    report = _render_all(strings)
    assert report["rendered"] == len(strings)
    assert not report["failures"], report["failures"]


# ---- random compositions ---------------------------------------------------------------------------

#: Operands of the Kronecker product that hold X, the other operand, and what is done with it ({k}).
_HOLDING = ("X", "X'", "A*X", "X*C", "exp(X)", "X.*X", "2*X")
_OTHER = ("B", "X", "x", "x'", "X'")
_AROUND = ("{k}", "exp({k})", "{k}'", "sum({k}.^2)", "vec({k})", "u'*{k}*w", "{k}*kron(E, F)")


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    holding=st.sampled_from(_HOLDING),
    other=st.sampled_from(_OTHER),
    swap=st.booleans(),
    around=st.sampled_from(_AROUND),
    seed=st.integers(0, 2**16),
)
def test_random_compositions(holding: str, other: str, swap: bool, around: str, seed: int) -> None:
    """A Kronecker product of the variable inside a function: the vec form equals mc.diff, reshaped."""
    operands = (other, holding) if swap else (holding, other)
    text = around.format(k=f"kron({operands[0]}, {operands[1]})")
    f = mc.parse(text, {"x": "vector", "u": "vector", "w": "vector"})
    note(text)
    jac = mc.vec_jacobian(f, "X")
    note(str(jac))
    assert jac.latex()
    values = random_values(f, seed)
    rows = _rows(f, values)
    want = np.asarray(mc.evaluate(mc.diff(f, "X"), values), dtype=float).reshape((rows, -1), order="F")
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    assert_allclose(jac.evaluate(values), want, rtol=1e-9, atol=1e-11 * scale, err_msg=f"{text}: {jac}")


def test_a_gradient_left_in_index_form_with_pair_indices_is_refused_clearly() -> None:
    """The gradient of x'*kron(X, X)*y has no matrix form (it needs unvec): its vec form is refused."""
    g = mc.diff(mc.parse("x'*kron(X, X)*y", {"x": "vector", "y": "vector"}), "X")
    with pytest.raises(mc.MatcalcError, match="splits an index over a product dimension outside any kron"):
        mc.vec_jacobian(g, "X")
    # a gradient with a matrix form has its Hessian: d vec(2 tr(B'B) X)/d vec(X)' = 2 tr(B'B) I
    h = mc.vec_jacobian(mc.diff(mc.parse("tr(kron(X, B)'*kron(X, B))"), "X"), "X")
    assert str(h).startswith("2*tr(B'*B)*")
