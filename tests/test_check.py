"""mc.check: claims about derivatives accepted or refuted with numbers, and explained in words.

The seed question: W n x m, x an m-vector, f = W*x.  Answer 1 (the third-order
tensor, or x' ⊗ I in vec form) and answer 2 (backpropagation: (dL/dz) x') are
right; answer 3 ("every entry is 1": (x'1)1, an n-vector) is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest

import matcalc as mc
from matcalc import build
from matcalc.check import CheckResult
from matcalc.testing import numeric_derivative

# ---- the seed question --------------------------------------------------------------------------


def test_answer_1_the_third_order_tensor_is_accepted() -> None:
    f = mc.parse("W*x")
    tensor = mc.diff(f, "W")
    assert str(tensor) == "∂f[i]/∂W[j,k] = x[k]*δ[i,j]"
    result = mc.check(f, "W", tensor)
    assert result.ok, result.explanation
    assert result.max_error == 0.0
    assert result.counterexample is None
    assert result.shape_expected == result.shape_claimed == (3, 3, 4)


def test_answer_1_in_vec_form_is_accepted() -> None:
    f = mc.parse("W*x")
    vec = mc.vec_jacobian(f, "W")
    assert str(vec) == "kron(x', eye(size(W, 1)))"
    result = mc.check("W*x", "W", vec)
    assert result.ok, result.explanation
    assert "vec-form Jacobian" in result.explanation
    assert result.shape_expected == result.shape_claimed == (3, 12)


def test_answer_1_the_tensor_agrees_with_finite_differences() -> None:
    """What check takes as the truth is itself right: δ_ij x_k, entry by entry."""
    f = mc.parse("W*x")
    rng = np.random.default_rng(1)
    values = {"W": rng.normal(size=(3, 4)), "x": rng.normal(size=4)}
    expected = np.einsum("ij,k->ijk", np.eye(3), values["x"])
    np.testing.assert_allclose(mc.evaluate(mc.diff(f, "W"), values), expected)
    np.testing.assert_allclose(numeric_derivative(f, "W", values), expected, atol=1e-8)


@pytest.mark.parametrize(
    ("loss", "claim"),
    [("sum(exp(W*x+b))", "exp(W*x+b)*x'"), ("norm2(W*x+b)^2", "2*(W*x+b)*x'")],
)
def test_answer_2_backpropagation_outer_product_is_accepted(loss: str, claim: str) -> None:
    result = mc.check(loss, "W", claim)
    assert result.ok, result.explanation
    assert result.max_error < 1e-12


def test_answer_2_with_a_wrong_outer_product_is_refuted() -> None:
    result = mc.check("sum(exp(W*x+b))", "W", "x*exp(W*x+b)'")
    assert not result.ok
    assert "transpose" in result.explanation


def test_answer_3_every_entry_is_one_is_refuted() -> None:
    result = mc.check("W*x", "W", "(x'*vector(1))*vector(1)")
    assert not result.ok
    assert result.max_error == float("inf")
    assert result.shape_expected == (3, 3, 4)
    assert result.shape_claimed == (3,)
    text = result.explanation
    assert text.startswith("The claim has the wrong shape.")
    assert "the 3-vector W*x by the 3x4 matrix W has shape (3, 3, 4)" in text
    assert "entry [i, j, k] is ∂f_i/∂W_jk" in text
    assert "docs/conventions.md" in text
    assert "the shape of f itself" in text
    assert "24 of the derivative's 36 entries are 0" in text
    assert "∂f[i]/∂W[j,k] = x[k]*δ[i,j]" in text
    # The counterexample is a real one: finite differences at those values say the same.
    example = result.counterexample
    assert example is not None and set(example) == {"W", "x"}
    numeric = numeric_derivative(mc.parse("W*x"), "W", example)
    assert numeric.shape == (3, 3, 4)
    assert np.sum(np.abs(numeric) < 1e-9) == 24
    claimed = np.full(3, np.sum(example["x"]))
    assert f"are all {float(claimed[0]):.4g}" in text


def test_answer_3_result_prints_a_summary_with_the_counterexample() -> None:
    text = str(mc.check("W*x", "W", "(x'*vector(1))*vector(1)"))
    assert text.startswith("claim refuted: The claim has the wrong shape.")
    assert "\ncounterexample:\n  W = [[" in text
    assert "\n  x = [" in text


def test_scalar_intuition_x_transpose_is_refuted_with_a_shape_explanation() -> None:
    result = mc.check("W*x", "W", "x'")
    assert not result.ok
    assert (result.shape_expected, result.shape_claimed) == ((3, 3, 4), (4,))
    assert "wrong shape" in result.explanation
    assert "right only when the number of rows of W is 1" in result.explanation


# ---- claims right only in a special case --------------------------------------------------------


def test_right_only_when_a_matrix_is_symmetric() -> None:
    result = mc.check("x'*A*x", "x", "2*A*x")
    assert not result.ok
    assert result.shape_expected == result.shape_claimed == (3,)
    assert "right only when A is symmetric" in result.explanation
    assert "(A+A')*x" in result.explanation
    example = result.counterexample
    assert example is not None
    assert not np.allclose(example["A"], np.asarray(example["A"]).T)
    # With A declared symmetric the same claim is right.
    assert mc.check("x'*A*x", "x", "2*A*x", {"A": "symmetric"}).ok


def test_hessian_right_only_when_symmetric() -> None:
    assert mc.check("x'*A*x", ["x", "x"], "A+A'").ok
    result = mc.check("x'*A*x", ["x", "x"], "2*A")
    assert "right only when A is symmetric" in result.explanation


def test_right_only_at_one_size() -> None:
    result = mc.check("sum(x)^2", "x", "2*x")
    assert not result.ok
    assert "right only when the length of x is 1, not when it is 2, 3 or 4" in result.explanation


@pytest.mark.parametrize(
    ("expr", "claim", "layout"),
    [
        ("A*x", "A'", "denominator-layout Jacobian"),
        ("tr(A*X)", "A", "numerator-layout gradient"),
    ],
)
def test_transposed_layout(expr: str, claim: str, layout: str) -> None:
    result = mc.check(expr, "x" if "x" in expr else "X", claim)
    assert not result.ok
    assert result.shape_claimed == result.shape_expected[::-1]
    assert "Your claim is the transpose of the derivative" in result.explanation
    assert layout in result.explanation
    assert "matcalc's layout is f.shape + wrt.shape (see docs/conventions.md)" in result.explanation


def test_transposed_with_the_right_shape() -> None:
    # tr(X) makes X square, and so A.
    result = mc.check("tr(A*X)+tr(X)", "X", "A+eye")
    assert result.shape_expected == result.shape_claimed == (3, 3)
    assert "the transpose of the derivative" in result.explanation


def test_right_up_to_a_constant_factor() -> None:
    result = mc.check("x'*S*x", "x", "S*x", {"S": "symmetric"})
    assert not result.ok
    assert "constant factor: the claim is 1/2 times the derivative" in result.explanation
    assert "the derivative is 2 times the claim" in result.explanation


@pytest.mark.parametrize("seed", [10, 15])
def test_a_point_where_the_derivative_underflows_is_not_taken_as_agreement(seed: int) -> None:
    """a^det(A+X) is below 1e-300 where a < 1 and det(A+X) is large: errors there are all ~0.

    At these seeds every trial used to land on such points, and twice the derivative was accepted.
    """
    d = mc.diff(mc.parse("a^det(A+X)", {"a": "scalar"}), "X")
    twice = build.scale(build.number(2), d)
    result = mc.check("a^det(A+X)", "X", twice, {"a": "scalar"}, seed=seed, trials=3)
    assert not result.ok
    assert "2 times" in result.explanation


def test_right_up_to_sign() -> None:
    result = mc.check("logdet(X)", "X", "-inv(X)'")
    assert not result.ok
    assert "right up to sign" in result.explanation


def test_symmetric_gradient_convention_is_named() -> None:
    # Matrix Cookbook eq. (141): d logdet(S)/dS = 2 inv(S) - (inv(S) o I) under its eq. (138)
    result = mc.check("logdet(S)", "S", "2*inv(S)-diag(diag(inv(S)))", {"S": "symmetric"})
    assert not result.ok
    assert result.convention == "symmetric-gradient"
    assert "symmetric-gradient convention" in result.explanation
    assert "Matrix Cookbook (eq. 138)" in result.explanation


@pytest.mark.parametrize(
    ("f", "claim"),
    [("x'*S*y", "x*y'"), ("y'*S*x", "x*y'"), ("tr(S*A)", "A'"), ("tr(A'*S)", "A'"),
     ("y'*inv(S)*y", "-inv(S)*y*y'*inv(S)")],
)  # fmt: skip
def test_the_entrywise_convention_is_named(f: str, claim: str) -> None:
    """The entry-by-entry derivative (of f as written, or of another spelling) is recognized."""
    result = mc.check(f, "S", claim, {"S": "symmetric"})
    if result.ok:  # a symmetric claim is the entrywise derivative and matcalc's at once
        assert claim == "-inv(S)*y*y'*inv(S)"
        return
    assert result.convention == "entrywise", result.explanation
    assert "entry-by-entry convention" in result.explanation
    assert "(G+G')/2" in result.explanation


def test_the_entrywise_hessian_is_named() -> None:
    """jax.hessian's answer for y'*inv(S)*y: the entrywise derivative of the entrywise gradient."""
    f = mc.parse("y'*inv(S)*y", {"S": "symmetric"})
    plain = mc.parse("y'*inv(S)*y", {"S": "matrix"})
    entrywise = mc.diff(plain, "S", "S")  # S unstructured: what jax.hessian gives
    (s_plain,) = (s for s in plain.symbols if s.name == "S")
    (s_sym,) = (s for s in f.symbols if s.name == "S")
    claim = build.replace(entrywise, s_plain, s_sym)
    result = mc.check(f, ["S", "S"], claim)
    assert not result.ok
    assert result.convention == "entrywise", result.explanation


def test_an_entrywise_vec_form_claim_is_named() -> None:
    """x' ⊗ I, the vec form of d(S*x)/dS entry by entry, against matcalc's ½(x' ⊗ I)(I + K)."""
    f = mc.parse("S*x", {"S": "symmetric"})
    entrywise = mc.vec_jacobian(mc.parse("S*x"), "S")
    assert str(entrywise) == "kron(x', eye(size(S, 1)))"
    result = mc.check(f, "S", entrywise)
    assert not result.ok
    assert result.convention == "entrywise", result.explanation
    assert mc.check(f, "S", mc.vec_jacobian(f, "S")).ok


def test_matcalcs_symmetric_derivative_is_accepted() -> None:
    result = mc.check("x'*S*y", "S", "(x*y'+y*x')/2", {"S": "symmetric"})
    assert result.ok, result.explanation
    assert result.convention is None


def test_layout_conventions_are_named() -> None:
    assert mc.check("A*x", "x", "A'").convention == "denominator layout"
    assert mc.check("tr(A*X)", "X", "A").convention == "numerator layout"
    assert mc.check("W*x", "W", "x*x'").convention is None


def test_a_plain_wrong_claim_shows_the_entry_that_differs_most() -> None:
    result = mc.check("x'*A*x", "x", "A*x")
    assert not result.ok
    assert "At the counterexample (A 3x3, x 3), entry [" in result.explanation


def test_a_scalar_for_a_constant_array_is_told_how_to_write_it() -> None:
    assert mc.check("A*x+0*sum(y)", "y", "matrix(0)").ok  # the derivative is zero
    result = mc.check("A*x+0*sum(y)", "y", "0")
    assert "write matrix(0)" in result.explanation


def test_a_claim_that_cannot_be_evaluated_at_the_expression_sizes() -> None:
    result = mc.check("W*x", "W", "W'*x")
    assert not result.ok
    assert result.shape_claimed is None
    text = result.explanation
    assert text.startswith("The claim cannot be evaluated at sizes the expression allows (W 3x4, x 4)")
    # W'*x needs len(x) = rows of W; W*x has len(x) = columns of W: both only for a square W.
    assert "It needs W square, which the expression does not; even at such sizes it is wrong." in text


def test_a_textbook_identity_for_square_matrices_only() -> None:
    # Matrix Cookbook: d det(X'AX)/dX = 2 det(X'AX) inv(X)' for a square X.
    result = mc.check("det(X'*A*X)", "X", "2*det(X'*A*X)*inv(X)'")
    assert not result.ok
    text = result.explanation
    assert "(the claim needs it square)" in text
    assert "It needs X square, which the expression does not; at such sizes it is right." in text
    # d det(AXB)/dX = det(AXB) inv(X)' needs A and B square too.
    result = mc.check("det(A*X*B)", "X", "det(A*X*B)*inv(X)'")
    text = result.explanation
    assert "even at such sizes it is wrong, but it is right when all dimensions are equal" in text


def test_every_identity_of_the_corpus_is_accepted_in_its_own_form() -> None:
    """check never refutes the truth: matcalc's own derivatives, at every kind and order."""
    from matcalc.cookbook import IDENTITIES

    for r in IDENTITIES:
        f = mc.parse(r.expr, r.kinds)
        result = mc.check(f, list(r.wrt), mc.diff(f, *r.wrt), trials=2)
        assert result.ok, (r.name, result.explanation)


# ---- inputs -------------------------------------------------------------------------------------


def test_text_and_expressions_and_symbols_are_all_accepted() -> None:
    f = mc.parse("x'*S*x", {"S": "symmetric"})
    assert mc.check(f, mc.vector("x"), "2*S*x").ok  # the claim's S is the expression's
    result = mc.check("x'*A*x", "x", mc.parse("(A+A')*x"))
    assert isinstance(result, CheckResult)
    assert result.ok
    assert result.derivative is mc.diff(mc.parse("x'*A*x"), "x")


def test_same_seed_same_counterexample() -> None:
    a = mc.check("x'*A*x", "x", "A*x", seed=3)
    b = mc.check("x'*A*x", "x", "A*x", seed=3)
    assert a.explanation == b.explanation
    assert a.counterexample is not None and b.counterexample is not None
    np.testing.assert_array_equal(a.counterexample["A"], b.counterexample["A"])


def test_claim_with_a_symbol_the_expression_lacks() -> None:
    with pytest.raises(mc.MatcalcError, match="the claim uses 'z', which the expression does not"):
        mc.check("W*x", "W", "z")


def test_unparseable_claim_raises_parse_error_with_caret() -> None:
    with pytest.raises(mc.ParseError) as err:
        mc.check("W*x", "W", "x'*")
    assert str(err.value).endswith("\n  x'*\n     ^")


def test_claim_whose_sizes_cannot_be_told() -> None:
    with pytest.raises(mc.MatcalcError, match="cannot tell the size"):
        mc.check("W*x", "W", "vector(1)'*vector(1)")


def test_claim_with_a_symbol_of_another_kind() -> None:
    f = mc.parse("x'*S*x", {"S": "symmetric"})
    with pytest.raises(mc.MatcalcError, match="'S' is a symmetric matrix in the expression but a matrix"):
        mc.check(f, "x", mc.parse("2*S*x"))


@pytest.mark.parametrize("trials", [0, -1, True, 2.5])
def test_bad_trial_counts(trials: object) -> None:
    with pytest.raises(mc.MatcalcError, match="at least one trial"):
        mc.check("x'*x", "x", "2*x", trials=trials)  # type: ignore[arg-type]


def test_bad_claim_type() -> None:
    with pytest.raises(mc.MatcalcError, match="text or an expression"):
        mc.check("x'*x", "x", 2)  # type: ignore[arg-type]
