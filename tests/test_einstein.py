"""Index notation in the input language (`matcalc.einstein`): what the printer writes parses back.

The value of a parsed index form is checked against ``np.einsum`` of the same
indices; a derivative's left-hand side gives its variables' indices their
dimensions and labels the result; malformed notation is a `ParseError` that
says what is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest

import matcalc as mc
from matcalc.expr import IndexForm, Partials
from matcalc.printing.text import to_text

RNG = np.random.default_rng(3)
VALUES = {"x": RNG.normal(size=3), "y": RNG.normal(size=2), "A": RNG.normal(size=(2, 3)),
          "B": RNG.normal(size=(3, 4)), "W": RNG.normal(size=(2, 3)), "c": 0.7, "C": RNG.normal(size=(3, 3)),
          "D": RNG.normal(size=(2, 2))}  # fmt: skip
KINDS = {"x": "vector", "y": "vector", "A": "matrix", "B": "matrix", "W": "matrix", "c": "scalar",
         "C": "matrix", "D": "matrix"}  # fmt: skip
I2, I3 = np.eye(2), np.eye(3)  # the identities of y's and x's lengths
V = VALUES

EINSUM = [
    # (text, the same tensor by np.einsum)
    ("(i,j) -> A[i,p]*B[p,j]", np.einsum("ip,pj->ij", V["A"], V["B"])),
    ("(i,j,k) -> x[k]*δ[i,j]*A[p,i]", np.einsum("k,ij,pi->ijk", V["x"], I3, V["A"])),
    ("(i) -> 2*A[i,p]*x[p]-y[i]", 2 * V["A"] @ V["x"] - V["y"]),
    ("(i,j) -> -1/2*x[i]*x[j]+c*δ[i,j]", -0.5 * np.outer(V["x"], V["x"]) + V["c"] * I3),
    ("(i,j) -> (A*B)'[j,i]", V["A"] @ V["B"]),
    ("(i,j,k) -> exp(A)[i,j]*sum(x)*(A'*y)[k]",
     np.exp(V["A"])[:, :, None] * V["x"].sum() * (V["A"].T @ V["y"])),
    ("(i) -> x[i]*x[p]*x[p]", V["x"] * (V["x"] @ V["x"])),
    ("(i) -> A[p,i]", V["A"].sum(axis=0)),  # a summed index that occurs once: a sum
    ("(i) -> A[i,p]*x[p]+y[i]*y[p]*y[p]", V["A"] @ V["x"] + V["y"] * (V["y"] @ V["y"])),  # p per term
]  # fmt: skip


@pytest.mark.parametrize(("text", "want"), EINSUM, ids=[t for t, _ in EINSUM])
def test_index_notation_evaluates_as_einsum(text: str, want: np.ndarray) -> None:
    e = mc.parse(text, KINDS)
    np.testing.assert_allclose(mc.evaluate(e, VALUES), want, rtol=1e-12, atol=1e-12)
    assert np.shape(mc.evaluate(mc.parse(str(e), KINDS), VALUES)) == np.shape(want)


def test_a_derivative_is_labelled_and_its_variables_give_the_sizes() -> None:
    e = mc.parse("∂f[i]/∂W[j,k] = x[k]*δ[i,j]", KINDS)
    assert isinstance(e, IndexForm) and e.lhs == Partials((("W", 2),))
    W = mc.parse("W*x", KINDS).symbols[0]
    assert e.shape == (W.shape[0], W.shape[0], W.shape[1])
    assert str(e) == "∂f[i]/∂W[j,k] = x[k]*δ[i,j]"
    g = mc.diff(mc.parse("W*x", KINDS), "W")
    assert e.lhs == g.lhs and e.shape == g.shape  # the indices themselves are new names
    np.testing.assert_allclose(mc.evaluate(e, VALUES), np.einsum("ij,k->ijk", I2, V["x"]))


def test_an_index_of_the_variable_alone_takes_its_size_from_the_left_hand_side() -> None:
    # vector(1)[k]: nothing on the right fixes k; the left-hand side says it is W's second axis
    e = mc.parse("∂f[i]/∂W[j,k] = A'[i,j]*vector(1)[k]", KINDS)
    assert not any(d.anonymous for d in e.dims)
    np.testing.assert_allclose(mc.evaluate(e, VALUES), np.einsum("ji,k->ijk", V["A"], np.ones(3)))
    plain = mc.parse("(i,j,k) -> A'[i,j]*vector(1)[k]", KINDS)  # without it, k has no size
    with pytest.raises(mc.EvaluationError, match="cannot infer the size"):
        mc.evaluate(plain, VALUES)


def test_higher_orders_and_zero() -> None:
    g = mc.diff(mc.parse("logdet(X)"), "X", "X")
    assert str(g) == "∂²f/∂X[i,j]∂X[k,l] = -inv(X)[j,k]*inv(X)[l,i]"
    assert mc.parse(str(g)).lhs == Partials((("X", 2), ("X", 2)))  # type: ignore[attr-defined]
    zero = mc.diff(mc.parse("x'*A*x", {"A": "matrix"}), "x", "x", "x")
    assert str(zero) == "∂³f/∂x[i]∂x[j]∂x[k] = 0"  # a zero tensor with its left-hand side
    back = mc.parse(str(zero), {"A": "matrix", "x": "vector"})
    assert str(back) == str(zero) and mc.evaluate(back, {"x": V["x"]}).shape == (3, 3, 3)


# ---- zero tensors and free indices whose size the rest of the text does not fix (issue 11) ------

ZEROS = [
    # (function, variables, text): the left-hand side sizes the variables' indices; the function's
    # indices carry their size in a term 0*vector(1, size(X, k))[i]
    ("W*x", ("W", "W"), "∂²f[i]/∂W[j,k]∂W[l,m] = 0*vector(1, size(W, 1))[i]"),
    ("A*x", ("x", "x"), "∂²f[i]/∂x[j]∂x[k] = 0*vector(1, size(A, 1))[i]"),
    ("c*x", ("x", "x"), "∂²f[i]/∂x[j]∂x[k] = 0*vector(1, size(x, 1))[i]"),
    ("x'*C*x", ("x", "x", "x"), "∂³f/∂x[i]∂x[j]∂x[k] = 0"),
    ("kron(x, A)", ("W",),
     "∂f[i,j]/∂W[k,l] = 0*vector(1, size(x, 1)*size(A, 1))[i]*vector(1, size(A, 2))[j]"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "wrt", "printed"), ZEROS, ids=[f"{t} by {w}" for t, w, _ in ZEROS])
def test_a_zero_tensor_prints_with_its_left_hand_side(text: str, wrt: tuple[str, ...], printed: str) -> None:
    zero = mc.diff(mc.parse(text, KINDS), *wrt, if_absent="zero")
    assert str(zero) == printed
    back = mc.parse(printed, KINDS)
    assert str(back) == printed and not any(d.anonymous for d in back.dims)
    value = mc.evaluate(back, VALUES)
    assert not np.any(value) and value.shape == mc.evaluate(zero, VALUES).shape
    lhs = r"\frac{\partial^{2} f_{i}}{\partial W_{jk} \partial W_{lm}} = 0"
    if wrt == ("W", "W"):
        assert mc.latex(zero) == lhs and mc.latex(zero, form="index") == lhs


def test_free_indices_the_text_does_not_size_print_their_size() -> None:
    """The δ of ``eye.*(A+x'*x)`` runs over the rows of A, which the derivative no longer holds."""
    g = mc.diff(mc.parse("eye.*(C+x'*x)", KINDS), "x")
    assert str(g) == "∂f[i,j]/∂x[k] = 2*x[k]*eye(size(C, 1))[i,j]"
    back = mc.parse(str(g), KINDS)
    assert not any(d.anonymous for d in back.dims)
    np.testing.assert_allclose(mc.evaluate(back, VALUES), mc.evaluate(g, VALUES))
    assert str(mc.diff(mc.parse("W*x", KINDS), "W")) == "∂f[i]/∂W[j,k] = x[k]*δ[i,j]"  # W sizes it
    assert mc.latex(g) == r"\frac{\partial f_{ij}}{\partial x_{k}} = 2 \delta_{ij} x_{k}"


def test_an_index_form_inside_an_expression() -> None:
    e = mc.parse("2*((i,j) -> x[i]*x[j]) + eye", KINDS)
    np.testing.assert_allclose(mc.evaluate(e, VALUES), 2 * np.outer(V["x"], V["x"]) + I3)


ERRORS = [
    ("(i,j) -> x[i]", "the free index j is missing from term 1"),
    ("(i,j) -> x[i]+0*y[j]", "the free index j is missing from term 1"),  # only a term 0*... may
    ("(i) -> x[i]+y[p]", "the free index i is missing from term 2"),
    ("(i) -> A[i]", r"matrix A has 2 axes, but 1 index here"),
    ("(i) -> x[i]*A", r"matrix A has 2 axes, but no indices here"),
    ("(i,i) -> δ[i,i]", "the free indices repeat"),
    ("(i) -> δ[i]*x[i]", r"a Kronecker delta takes two indices, δ\[i,j\], or an index and a pair, "
                         r"δ\[r,\(a,b\)\]; got 1"),
    ("(i) -> δ[i,j,k]*x[i]", r"δ\[r,\(a,b\)\]; got more"),
    ("(i) -> δ[i,(j,k]*x[i]", r"expected '\)' to close the pair \(a,b\)"),
    ("(i) -> x[i", r"expected '\]' to close the indices"),
    ("(i,j) x[i]", r"expected '\)' to close the '\(' at character 0, found ','"),
    ("∂f[i]/∂W[j] = x[i]", "W has 2 axes, but 1 indices here"),
    ("∂²f/∂x[i] = x[i]", "a derivative of order 2 needs 2 variables after '/', got 1"),
    ("∂f[i] = x[i]", r"expected '/' between the function and the variables"),
    ("∂f/∂x[i] x[i]", r"expected '=' after the left-hand side"),
    ("∂[i] = x[i]", "expected the function's name after '∂'"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS, ids=[t for t, _ in ERRORS])
def test_malformed_notation_is_refused(text: str, message: str) -> None:
    with pytest.raises(mc.MatcalcError, match=message):
        mc.parse(text, KINDS)


def test_indices_unify_the_sizes_they_run_over() -> None:
    e = mc.parse("(i) -> x[i]+y[i]", KINDS)  # x and y get one length
    with pytest.raises(mc.ShapeError, match="the length of x and the length of y must agree"):
        mc.evaluate(e, VALUES)  # 3 and 2 entries
    np.testing.assert_allclose(mc.evaluate(e, {"x": V["x"], "y": V["x"]}), 2 * V["x"])


def test_index_notation_tokens_outside_it_have_hints() -> None:
    with pytest.raises(mc.ParseError, match=r"indices such as A\[i,j\] are written in index notation only"):
        mc.parse("x[1]")
    with pytest.raises(mc.ParseError, match="expected an operand, found 'δ'"):
        mc.parse("2*δ")


def test_a_claim_in_index_notation_is_checked() -> None:
    """What the REPL shows for a tensor can be checked as a claim, as written on paper."""
    assert mc.check("W*x", "W", "∂f[i]/∂W[j,k] = x[k]*δ[i,j]").ok
    wrong = mc.check("W*x", "W", "(i,j,k) -> x[j]*δ[i,k]")  # W's indices swapped
    assert not wrong.ok and "its axes in the order (0, 2, 1)" in wrong.explanation
    assert mc.check("x'*A*x", "x", "(i) -> A[i,p]*x[p]+A[p,i]*x[p]").ok


# ---- pair indices (kron, vec) and 'where' lists -------------------------------------------------

PAIRS = [
    # (function, variables): derivatives whose index form has pair indices δ[r,(a,b)]
    ("vec(A*W'*B)", ("W",)),
    ("kron(A, B)", ("A",)),
    ("kron(A, B)", ("B",)),
    ("vec(W)", ("W",)),
    ("kron(x, y)'*kron(x, y)", ("x", "x")),
    ("vec(W)'*kron(C, D)*vec(W)", ("W",)),  # two index forms in a sum: one, with its left-hand side
    # a constant over product dimensions (fixed by the pair indices), and summed indices two terms
    # share: each term's other summed indices are named apart from them
    ("exp(sum(kron(A, A)))", ("A",)),
]


@pytest.mark.parametrize(("text", "wrt"), PAIRS, ids=[f"{t} by {w}" for t, w in PAIRS])
def test_pair_indices_parse_back_to_the_same_numbers(text: str, wrt: tuple[str, ...]) -> None:
    g = mc.diff(mc.parse(text, KINDS), *wrt)
    back = mc.parse(str(g), KINDS)
    assert back.shape == g.shape and not any(d.anonymous for d in back.dims)
    np.testing.assert_allclose(mc.evaluate(back, VALUES), mc.evaluate(g, VALUES), rtol=1e-12, atol=1e-12)


def test_a_pair_index_is_one_where_r_is_the_pair() -> None:
    """δ[r,(a,b)] with a the slower index: the vec of a matrix's columns, as NumPy's order='F'."""
    e = mc.parse("(r) -> δ[r,(j,i)]*A[i,j]", KINDS)
    np.testing.assert_allclose(mc.evaluate(e, VALUES), V["A"].flatten(order="F"))
    kron = mc.parse("(r,c) -> δ[r,(i,k)]*δ[c,(j,l)]*A[i,j]*B[k,l]", KINDS)
    np.testing.assert_allclose(mc.evaluate(kron, VALUES), np.kron(V["A"], V["B"]))


def test_index_notation_in_a_where_list() -> None:
    """A shared tensor is named like any other subexpression; the header follows the definitions."""
    e = mc.parse("2*t1 + t1 where t1 = (i,j) -> x[i]*x[j]", KINDS)
    np.testing.assert_allclose(mc.evaluate(e, VALUES), 3 * np.outer(V["x"], V["x"]))
    g = mc.parse("∂f[i]/∂W[j,k] = t1[k]*δ[i,j] where t1 = exp(x)", KINDS)
    np.testing.assert_allclose(mc.evaluate(g, VALUES), np.einsum("ij,k->ijk", I2, np.exp(V["x"])))
    f = mc.diff(mc.parse("W*exp(A'*y)+W*exp(A'*y).^2", KINDS), "W")
    named = to_text(f, where=True)  # every shared subexpression named
    assert " where t1 = " in named and named.startswith("∂f[i]/∂W[j,k] = ")
    np.testing.assert_allclose(mc.evaluate(mc.parse(named, KINDS), VALUES), mc.evaluate(f, VALUES))


def test_a_result_partly_in_index_form_is_one_labelled_index_form() -> None:
    """Raising can leave some terms in matrix form; the result still names its indices."""
    kinds = {"f": "scalar function", "F": "matrix function", **KINDS}
    g = mc.diff(mc.parse("f(F(A, y)*x, A*x)", kinds), "A")
    assert isinstance(g, IndexForm) and g.lhs == Partials((("A", 2),))
    assert str(g).startswith("∂f/∂A[i,j] = ")
    assert "+(" in str(g) and ")[i,j]" in str(g)  # the raised term, indexed like the rest


def test_a_symmetrized_index_result_is_one_labelled_index_form() -> None:
    """By a symmetric S the result is (T+T')/2 of an index form T: printed as one, it parses back sized."""
    kinds = {"S": "symmetric"}
    g = mc.diff(mc.parse("exp(-vec(S)'*vec(S))", kinds), "S")
    assert isinstance(g, IndexForm) and g.lhs == Partials((("S", 2),))
    back = mc.parse(str(g), kinds)
    assert not any(d.anonymous for d in back.dims)
    S = RNG.normal(size=(3, 3)) / 3
    values = {"S": S + S.T}
    np.testing.assert_allclose(mc.evaluate(back, values), mc.evaluate(g, values), rtol=1e-12)
