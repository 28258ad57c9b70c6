"""Kronecker products and vec (issue 10, item 3): parse, shapes, values, derivatives, printing, code, SymPy.

The identities are those of Magnus & Neudecker, *Matrix Differential Calculus*
(3rd ed.), ch. 2, and of the Matrix Cookbook (2012-11-15), sec. 10.2.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from optional import array_maker, require

import matcalc as mc
from matcalc.testing import check_derivative, random_values

RNG = np.random.default_rng(7)
VALUES = {
    "A": RNG.normal(size=(2, 3)), "B": RNG.normal(size=(4, 2)), "X": RNG.normal(size=(3, 4)),
    "x": RNG.normal(size=3), "y": RNG.normal(size=2),
}  # fmt: skip


def _vec(m: np.ndarray) -> np.ndarray:
    return m.reshape(-1, order="F")


# ---- parse, shapes, values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("kron(A, B)", np.kron(VALUES["A"], VALUES["B"])),
        ("vec(A*X*B)", _vec(VALUES["A"] @ VALUES["X"] @ VALUES["B"])),
        ("kron(x, y)", np.kron(VALUES["x"], VALUES["y"])),
        ("kron(x, y')", np.outer(VALUES["x"], VALUES["y"])),
        ("kron(x', y')", np.kron(VALUES["x"], VALUES["y"])),
        ("kron(x, B)", np.kron(VALUES["x"][:, None], VALUES["B"])),
        ("kron(A, y')", np.kron(VALUES["A"], VALUES["y"][None, :])),
        ("kron(2*A, -B)", -2 * np.kron(VALUES["A"], VALUES["B"])),
        ("vec(x')", VALUES["x"]),
    ],
)
def test_values_and_round_trip(text: str, value: np.ndarray) -> None:
    e = mc.parse(text)
    assert_allclose(mc.evaluate(e, VALUES), value, rtol=1e-12)
    assert mc.parse(str(e)) is e


def test_shapes_are_products_of_the_operands_dimensions() -> None:
    e = mc.parse("kron(A, B)")
    assert repr(e.shape) == "((A.0*B.0), (A.1*B.1))"
    assert repr(mc.parse("vec(X)").shape) == "((X.1*X.0),)"  # the column index the slower
    assert mc.parse("kron(x', y')").row and mc.parse("kron(x, y')").is_matrix
    assert mc.parse("vec(x')") is mc.parse("x")  # vec of a vector is the column


def test_a_product_dimension_shared_with_another_is_checked_when_evaluated() -> None:
    e = mc.parse("z'*vec(X)")  # z has the length of vec(X): unknown until values come
    assert mc.evaluate(e, {"z": np.ones(12), "X": VALUES["X"]}) == pytest.approx(VALUES["X"].sum())
    with pytest.raises(mc.ShapeError, match=r"has shape \(12,\) from its operands, but the expression needs"):
        mc.evaluate(e, {"z": np.ones(5), "X": VALUES["X"]})


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("kron(A)", mc.ParseError, "'kron' takes 2 arguments, got 1"),
        ("kron(A, B, X)", mc.ParseError, "'kron' takes 2 arguments, got 3"),
        ("vec(A, B)", mc.ParseError, "'vec' takes 1 argument"),
        ("kron + 1", mc.ParseError, "'kron' is a function"),
    ],
)
def test_bad_input_is_a_clear_error(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        mc.parse(text)


def test_kron_and_vec_are_in_the_python_api() -> None:
    a, b, x = mc.matrix("A"), mc.matrix("B"), mc.matrix("X")
    assert mc.kron(a, b) is mc.parse("kron(A, B)")
    assert mc.vec(a @ x @ b) is mc.parse("vec(A*X*B)")
    with pytest.raises(mc.MatcalcError, match="kron needs expressions"):
        mc.kron(a, "B")  # type: ignore[arg-type]


# ---- derivatives -------------------------------------------------------------------------------


CASES = [
    ("vec(A*X*B)", ("X",)),
    ("kron(A, B)", ("A",)),
    ("kron(X, X)", ("X",)),
    ("sum(kron(X, X).^2)", ("X", "X")),
    ("x'*kron(X, X)*x", ("X", "x")),
    ("vec(X)'*vec(X)", ("X", "X")),
    ("kron(x, y)", ("x",)),
    ("sum(exp(kron(x, y')))", ("x", "y")),
    ("norm2(vec(X*X'))", ("X", "X")),
    ("sum(exp(kron(x, X)))", ("x", "X")),
    ("z'*vec(X*X')", ("X", "X")),
    ("tr(kron(X, X'))", ("X", "X")),
    ("logdet(kron(S, T))", ("S", "T")),
    # δ[p,(q,q)]: both slots of the pair index on the diagonal (raising it stopped with StopIteration)
    ("vec(X+eye*a)'*vec(X+eye*a)", ("a", "X")),
    ("-(-vec(S+eye.*(S+a)))'*vec(S+eye.*(S+a))", ("a", "S")),
]


@pytest.mark.parametrize(("text", "wrt"), CASES)
def test_first_and_second_derivatives_agree_with_finite_differences(text: str, wrt: tuple[str, ...]) -> None:
    kinds = {"S": "symmetric", "T": "symmetric", "z": "vector"}
    f = mc.parse(text, kinds)
    first = check_derivative(f, wrt[0])
    assert first.ok, (text, first.max_error, str(first.derivative))
    g = f if f.is_scalar else mc.parse(f"sum(({text}).^2)", kinds)
    second = check_derivative(g, *wrt[:2]) if len(wrt) == 2 else check_derivative(g, wrt[0], wrt[0])
    assert second.ok, (text, second.max_error, str(second.derivative))


@pytest.mark.parametrize(
    ("text", "wrt", "printed"),
    [
        ("vec(x*y')", "x", "kron(y, eye(size(x, 1)))"),  # d vec(x y')/dx = y ⊗ I; nothing else sizes I
        ("vec(x*y')", "y", "kron(eye(size(y, 1)), x)"),
        ("x'*kron(A, B)*x", "x", "(kron(A, B)+kron(A', B'))*x"),
        ("sum(vec(X))", "X", "matrix(1, size(X, 1), size(X, 2))"),
        ("vec(X)'*vec(X)", "X", "2*X"),  # Σ_p vec(X)[p] δ[p,(j,i)] = X[i,j]
        ("sum(kron(X, B))", "X", "sum(B)*matrix(1, size(X, 1), size(X, 2))"),
        ("tr(kron(A, B)*kron(A', B'))", "A", "2*tr(B'*B)*A"),
    ],
)
def test_derivatives_raise_to_kron_and_vec(text: str, wrt: str, printed: str) -> None:
    f = mc.parse(text)
    assert str(mc.diff(f, wrt)) == printed
    assert check_derivative(f, wrt).ok


def test_a_gradient_with_no_matrix_form_is_an_index_form_with_pair_indices() -> None:
    # d(z'vec(X))/dX = unvec(z): no matrix form in the language; the pair index says it
    g = mc.diff(mc.parse("z'*vec(X)", {"z": "vector"}), "X")
    assert str(g) == "∂f/∂X[i,j] = z[p]*δ[p,(j,i)]"
    assert r"\delta_{p,(j,i)}" in mc.latex(g, form="index")
    z = np.arange(12.0)
    assert_allclose(mc.evaluate(g, {"z": z, "X": VALUES["X"]}), z.reshape(3, 4, order="F"))


# ---- the vec form: the examples -----------------------------------------------------------


def test_the_vec_form_of_vec_AXB_is_the_kronecker_product() -> None:
    jac = mc.vec_jacobian(mc.parse("vec(A*X*B)"), "X")
    assert str(jac) == "kron(B', A)"  # Magnus & Neudecker, Thm. 2.2
    assert mc.latex(mc.parse("vec(A*X*B)"), form="vec", wrt="X") == r"B^\top \otimes A"
    values = random_values(mc.parse("A*X*B"), 1)
    dense = jac.evaluate(values)
    want = np.kron(values["B"].T, values["A"])
    assert_allclose(dense, want, rtol=1e-12)


@pytest.mark.parametrize("text", ["vec(A*X*B)", "A*X*B"])
def test_the_vec_form_of_AXB_on_the_command_line(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    # issue 10: d vec(A*X*B)/d vec(X)' is kron(B', A), with `latex --form vec` and `diff --as vec` too
    from matcalc.cli import main

    for argv in (["latex", text, "--form", "vec", "--wrt", "X"], ["diff", text, "--wrt", "X", "--as", "vec"]):
        assert main(argv) == 0
        assert capsys.readouterr().out == "B^\\top \\otimes A\n", argv
    assert str(mc.vec_jacobian(mc.parse(text), "X")) == "kron(B', A)"


def test_the_vec_form_of_vec_X_is_the_identity() -> None:
    jac = mc.vec_jacobian(mc.parse("vec(X)"), "X")
    assert str(jac) == "eye(size(X, 2)*size(X, 1))"
    assert_allclose(jac.evaluate({"X": VALUES["X"]}), np.eye(12))


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("z'*vec(X)", "z'"),  # d(z'vec X) = z' d vec X: Magnus & Neudecker, first identification theorem
        ("kron(A', B)*vec(X)", "kron(A', B)"),
        ("vec(X)'*vec(X)", "2*vec(X)'"),
        ("exp(vec(X))", "diag(exp(vec(X)))"),
        ("log(1+exp(y'*kron(A', B)*vec(X)))", "sigmoid(y'*kron(A', B)*vec(X))*(kron(A, B')*y)'"),
        ("C*vec(X)*vec(X)'*D", "kron(D'*vec(X), C)+kron(D', C*vec(X))"),
    ],
)
def test_the_vec_form_through_vec_X_inside_the_function(text: str, printed: str) -> None:
    """X only as vec(X): the Jacobian by vec(X) as a vector of its own, checked by finite differences."""
    f = mc.parse(text)
    jac = mc.vec_jacobian(f, "X")
    assert str(jac) == printed
    values = random_values(f, 3)
    numeric = mc.testing.numeric_derivative(f, "X", values)
    rows = int(np.prod(np.shape(mc.evaluate(f, values))))
    assert_allclose(jac.evaluate(values), numeric.reshape((rows, -1), order="F"), rtol=1e-6, atol=1e-8)


def test_the_vec_form_of_vec_of_a_transpose_has_the_commutation_matrix() -> None:
    """vec(X') = K_mn vec(X) (Magnus & Neudecker, ch. 3, §7): d(vec(X')'z) = z' K d vec(X)."""
    jac = mc.vec_jacobian(mc.parse("vec(X')'*z"), "X")
    assert str(jac) == "z'*commutation(size(X, 1), size(X, 2))"  # K_nm for X n x m
    values = random_values(jac.f, 2)
    numeric = mc.testing.numeric_derivative(jac.f, "X", values)
    assert_allclose(jac.evaluate(values), numeric.reshape((1, -1), order="F"), rtol=1e-6, atol=1e-8)


# ---- the Magnus-Neudecker identities in the simplifier ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "kinds", "simplified"),
    [
        ("kron(A, B)*kron(A', B')", {}, "kron(A*A', B*B')"),  # Matrix Cookbook §10.2.1
        ("kron(A, B)'", {}, "kron(A', B')"),  # §10.2.1
        ("inv(kron(S, T))", {"S": "symmetric", "T": "symmetric"}, "kron(inv(S), inv(T))"),  # §10.2.1
        ("tr(kron(S, T))", {"S": "symmetric", "T": "symmetric"}, "tr(S)*tr(T)"),  # §10.2.1
        ("kron(B, A)*vec(X)+vec(A*X*B')", {}, "2*vec(A*X*B')"),  # §10.2.2, Magnus & Neudecker Thm. 2
    ],
)
def test_identities_simplify_and_keep_the_value(text: str, kinds: dict[str, str], simplified: str) -> None:
    e = mc.parse(text, kinds)
    s = mc.simplify(e)
    assert str(s) == simplified
    for seed in (0, 1):
        values = random_values(e, seed)
        assert_allclose(mc.evaluate(s, values), mc.evaluate(e, values), rtol=1e-9)


def test_identities_need_the_parts_to_agree() -> None:
    # kron(A,B)*kron(C,D) only makes the products agree (2x6 and 3x4 are both 12): nothing to merge
    e = mc.parse("kron(A, B)*kron(C, D)")
    assert mc.simplify(e) is e
    values = {"A": np.ones((2, 2)), "B": np.ones((3, 6)), "C": np.ones((3, 2)), "D": np.ones((4, 2))}
    assert mc.evaluate(e, values).shape == (6, 4)
    assert mc.simplify(mc.parse("tr(kron(A, B))")) is mc.parse("tr(kron(A, B))")  # A, B need not be square


# ---- code and SymPy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "array_api"])
def test_code_on_every_backend(backend: str) -> None:
    f = mc.parse("sum(kron(A, B).^2) + sum(exp(vec(X*X')))*norm2(kron(x, y'))")
    outputs = {"f": f, "dA": mc.diff(f, "A"), "dX": mc.diff(f, "X"), "kron": mc.parse("kron(x, B)")}
    to = array_maker(backend)
    values = random_values(mc.parse("sum(kron(A, B).^2) + sum(X) + sum(kron(x, B)) + sum(y)"), 3)
    fn = mc.lambdify(outputs, args=sorted(values), backend=backend)
    out = fn(**{k: to(np.asarray(v, dtype=np.float64)) for k, v in values.items()})
    for key, e in outputs.items():
        assert_allclose(np.asarray(out[key]), mc.evaluate(e, values), rtol=1e-10, atol=1e-12, err_msg=key)


def test_sympy_bridge() -> None:
    sp = require("sympy")
    e = mc.parse("kron(B', A)*vec(X)")
    s = mc.to_sympy(e, {"A": (2, 3), "B": (4, 2), "X": (3, 4)})
    assert s.args[0] == sp.KroneckerProduct(sp.MatrixSymbol("B", 4, 2).T, sp.MatrixSymbol("A", 2, 3))
    assert mc.from_sympy(s) is e
    values = {k: VALUES[k] for k in "ABX"}
    want = np.kron(VALUES["B"].T, VALUES["A"]) @ _vec(VALUES["X"])
    explicit = s.subs(_sympy_values(sp, values)).doit().as_explicit()
    assert_allclose(np.array(explicit, dtype=float).ravel(), want)
    assert mc.from_sympy(mc.to_sympy(mc.parse("vec(X)"))) is mc.parse("vec(X)")  # SymPy has no vec: VecOf
    with pytest.raises(mc.MatcalcError, match="SymPy cannot state that"):
        mc.to_sympy(mc.parse("kron(A, B)*kron(C, D)"))  # cols(A)*cols(B) = rows(C)*rows(D) only


def _sympy_values(sp: object, values: dict[str, np.ndarray]) -> dict[object, object]:
    return {sp.MatrixSymbol(k, *v.shape): sp.Matrix(v) for k, v in values.items()}  # type: ignore[attr-defined]
