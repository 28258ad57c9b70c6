"""The vec form's text is the input language: it parses back to the Jacobian's numbers.

``str(mc.vec_jacobian(f, X))`` writes ``∂vec(f)/∂vec(X)ᵀ`` with ``kron``, ``vec``,
``diag``, ``.*``, constants with their sizes (``eye(size(W, 1))``) and the two
constants of the vec calculus, ``commutation(p, q)`` (``K_pq``) and
``symmetrizer(n)`` (``N_n``) (docs/syntax.md, "Kronecker products and vec").
Checked: the text of every first-derivative identity of the corpus, of the
table of `test_vec.py` and of random expressions parses back, with the kinds of
the function's symbols (with Kronecker products of the variable inside the
function, `test_vec_kron.py`, too), to an expression whose value is the vec-form
Jacobian's (`VecJacobian.evaluate`, which builds every Kronecker product with
NumPy) and the derivative's (`mc.diff`, reshaped column-major); and the two
constants through every pass, against their definitions ``K_pq vec(X) =
vec(Xᵀ)`` and ``N_n vec(X) = vec((X + Xᵀ)/2)`` (Magnus & Neudecker, *Matrix
Differential Calculus*, ch. 3, secs. 7 and 8).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from optional import array_maker, require
from strategies import expressions_with_values
from test_vec import EXTRA, FIRST, _jacobian_reference, _recipe_values
from test_vec_kron import CASES as KRON_CASES
from test_vec_kron import _values as kron_values

import matcalc as mc
from matcalc.cookbook import Recipe
from matcalc.errors import MatcalcError, ParseError
from matcalc.expr import Expr
from matcalc.testing import check_derivative, random_values
from matcalc.traversal import walk
from matcalc.vec import commutation_matrix

CASES = [pytest.param(e, k, w, None, id=f"{e} by {w}") for e, k, w in EXTRA] + [
    pytest.param(r.expr, r.kinds, r.wrt[0], r, id=p.id) for p in FIRST for r in [p.values[0]]
]


def largest_inner_value(f: Expr, values: dict[str, Any]) -> float:
    """The largest finite magnitude of any subexpression of ``f`` at ``values`` (at least 1).

    Rounding errors of a derivative grow with its intermediate values: the entries of
    ``(A^3)^3`` are near 1e9 when A's are near 3, and ``softmax`` of them has a derivative
    of order 1 computed to about 1e-8 only.
    """
    big = 1.0
    for node in walk(f):
        try:
            v = np.abs(np.asarray(mc.evaluate(node, values), dtype=float))
        except MatcalcError:
            continue
        if v.size and np.all(np.isfinite(v)):
            big = max(big, float(np.max(v)))
    return big


def assert_text_parses_back(f: Expr, wrt: str, values: dict[str, Any], inner: float = 0.0) -> str:
    """The vec text of ``f`` by ``wrt``, parsed back, evaluates to the Jacobian (vec form and derivative).

    Agreement is within ``1e-11`` of the Jacobian's largest entry (at least 1) plus ``1e-14``
    times ``inner``, the largest intermediate value (`largest_inner_value`; 0: not counted).
    """
    jac = mc.vec_jacobian(f, wrt)
    text = str(jac)
    back = mc.parse(text, {s.name: s.kind for s in f.symbols})
    assert not any(d.anonymous for d in back.dims), f"{text!r} parses back with a size left open"
    want = jac.evaluate(values)
    got = np.asarray(mc.evaluate(back, values), dtype=float)
    assert got.size == want.size, f"{text!r}: {got.shape} entries, the Jacobian has {want.shape}"
    atol = 1e-11 * max(1.0, float(np.max(np.abs(want), initial=0.0))) + 1e-14 * inner
    assert_allclose(got.reshape(want.shape), want, rtol=1e-9, atol=atol, err_msg=text)
    assert_allclose(want, _jacobian_reference(f, wrt, values), rtol=1e-9, atol=atol, err_msg=text)
    return text


@pytest.mark.parametrize(("expr", "kinds", "wrt", "recipe"), CASES)
def test_every_vec_form_text_parses_back(
    expr: str, kinds: dict[str, str], wrt: str, recipe: Recipe | None
) -> None:
    f = mc.parse(expr, kinds)
    for seed in (0, 1):
        values = _recipe_values(f, recipe, seed) if recipe is not None else random_values(f, seed)
        if "X.^A" in expr:  # a real power needs a positive base
            values["X"] = np.abs(values["X"]) + 0.5
        assert_text_parses_back(f, wrt, values)


@pytest.mark.parametrize(
    ("expr", "wrt", "kinds", "sizes"), KRON_CASES, ids=[f"{c[0]} by {c[1]}" for c in KRON_CASES]
)
def test_the_text_through_a_kron_of_the_variable_parses_back(
    expr: str, wrt: str, kinds: dict[str, str], sizes: dict[str, tuple[int, ...]]
) -> None:
    """Kronecker products of identities, commutation matrices and vec(B) columns, at distinct sizes."""
    f = mc.parse(expr, kinds)
    for seed in (0, 1):
        assert_text_parses_back(f, wrt, kron_values(f, sizes, seed))


@pytest.mark.parametrize(
    ("expr", "kinds", "wrt", "text"),
    [
        ("W*x", {}, "W", "kron(x', eye(size(W, 1)))"),
        ("X'", {}, "X", "commutation(size(X, 1), size(X, 2))"),
        ("A*X'*B", {}, "X", "kron(B', A)*commutation(size(B, 1), size(A, 2))"),
        ("sum(X)", {}, "X", "vector(1, size(X, 2)*size(X, 1))'"),
        ("vec(X)", {}, "X", "eye(size(X, 2)*size(X, 1))"),
        ("inv(S)", {"S": "symmetric"}, "S", "-kron(inv(S), inv(S))*symmetrizer(size(S, 1))"),
        ("A*x+0*sum(X)", {}, "X", "matrix(0, size(A, 1), size(X, 2)*size(X, 1))"),
    ],
)
def test_the_text_names_every_size(expr: str, kinds: dict[str, str], wrt: str, text: str) -> None:
    """Identities, ones, zeros and commutation matrices carry sizes the parser reads (not I_n, K_mn, 1_n)."""
    f = mc.parse(expr, kinds)
    assert str(mc.vec_jacobian(f, wrt)) == text
    assert_text_parses_back(f, wrt, random_values(f, 2))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=expressions_with_values(max_depth=4, functions=("exp", "tanh", "sin", "sigmoid")), data=st.data())
def test_random_vec_form_texts_parse_back(case: Any, data: st.DataObject) -> None:
    f = case.expr
    assume(f.symbols)
    var = data.draw(st.sampled_from(f.symbols), label="variable")
    with np.errstate(all="ignore"):
        try:
            want = _jacobian_reference(f, var.name, case.values)
        except MatcalcError:  # a singular matrix: nothing to compare
            return
    assume(np.all(np.isfinite(want)) and np.all(np.abs(want) < 1e8))
    note(f"{f} by {var.name}: {mc.vec_jacobian(f, var.name)}")
    with np.errstate(all="ignore"):
        assert_text_parses_back(f, var.name, case.values, largest_inner_value(f, case.values))


def test_rounding_of_large_intermediate_values_is_allowed_for() -> None:
    # Hypothesis found this: entries of (A^3)^3 near 1e9 leave the Jacobian of the softmax
    # right to about 1e-8 only, in the vec form and in the reference alike
    f = mc.parse("diag(softmax((A^3)^3, 1))", {"A": "matrix"})
    values = {"A": np.random.default_rng(3).uniform(1.0, 4.0, (4, 4))}
    inner = largest_inner_value(f, values)
    assert inner > 1e8
    assert_text_parses_back(f, "A", values, inner)


# ---- the commutation matrix and the symmetrizer as operations ----------------------------------


K = "commutation(size(X, 1), size(X, 2))"
N = "symmetrizer(size(S, 1))"
RNG = np.random.default_rng(7)
VALUES = {"X": RNG.normal(size=(2, 3)), "S": RNG.normal(size=(3, 3)), "z": RNG.normal(size=6),
          "w": RNG.normal(size=6), "x": RNG.normal(size=2), "A": RNG.normal(size=(3, 4))}


def _vec(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, order="F")


def test_values_are_the_definitions() -> None:
    """K_pq vec(X) = vec(X'), N_n vec(S) = vec((S+S')/2), K_qp K_pq = I; the sizes of a product too."""
    X, S = VALUES["X"], VALUES["S"]
    assert_allclose(mc.evaluate(mc.parse(f"{K}*vec(X)"), VALUES), _vec(X.T))
    assert_allclose(mc.evaluate(mc.parse(f"{N}*vec(S)"), VALUES), _vec((S + S.T) / 2))
    assert_allclose(mc.evaluate(mc.parse(f"commutation(size(X, 2), size(X, 1))*{K}"), VALUES), np.eye(6))
    big = mc.parse("commutation(size(x, 1)*size(A, 1), size(A, 2))*vec(kron(x, A))")  # p = 2*3, q = 4
    assert_allclose(mc.evaluate(big, VALUES), _vec(np.kron(VALUES["x"][:, None], VALUES["A"]).T))
    # its rows and columns unified with vectors: the factors it needs are kept
    zkw = VALUES["z"] @ commutation_matrix(2, 3) @ VALUES["w"]
    assert_allclose(mc.evaluate(mc.parse(f"z'*{K}*w"), VALUES), zkw)


def test_text_latex_and_shape() -> None:
    for text in (K, N, f"{K}'", "kron(x', eye(size(W, 1)))*commutation(size(W, 1), size(W, 2))",
                 "commutation(size(x, 1)*size(A, 1), size(A, 2))"):
        e = mc.parse(text, {"S": "matrix"})
        assert mc.parse(str(e), {"S": "matrix"}) is e
    k = mc.parse(K)
    assert str(k) == K and repr(k.shape) == "((X.0*X.1), (X.1*X.0))"  # rows as vec(X'), columns as vec(X)
    assert str(mc.parse(f"{K}'")) == "commutation(size(X, 2), size(X, 1))"  # K_pq' = K_qp
    assert mc.parse(f"{N}'") is mc.parse(N)
    assert mc.latex(k) == r"K_{\operatorname{rows}(X), \operatorname{cols}(X)}"
    assert mc.latex(mc.parse(N)) == r"N_{\operatorname{rows}(S)}"


def test_latex_renders_with_katex() -> None:
    from test_latex_render import _render_all  # skips locally, fails in CI, without KaTeX

    strings = [mc.latex(mc.parse(t)) for t in (K, N, f"kron(A, x)*{K}*vec(X)")]
    report = _render_all(strings)
    assert report["rendered"] == len(strings) and not report["failures"], report["failures"]


def test_derivatives_through_them() -> None:
    """A constant: the rules pass through it (finite differences); a function of K alone has no variable."""
    f = mc.parse(f"vec(X)'*{K}*vec(X) + z'*{K}*vec(X)")  # tr(X X) + z' vec(X'), X square
    values = {"X": VALUES["S"], "z": RNG.normal(size=9)}
    assert check_derivative(f, "X", values=values).ok
    assert check_derivative(f, "X", "X", values=values).ok
    assert check_derivative(f, "z", "X", values=values).ok
    g = mc.diff(mc.parse(f"sum(({N}*vec(S)).^2)"), "S")
    assert_allclose(mc.evaluate(g, VALUES), 2 * (VALUES["S"] + VALUES["S"].T) / 2)
    with pytest.raises(MatcalcError, match="does not contain"):
        mc.diff(mc.parse(K), "X")


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "array_api"])
def test_code_on_every_backend(backend: str) -> None:
    outputs = {"k": mc.parse(f"{K}*vec(X)"), "n": mc.parse(f"{N}*vec(S)"), "kzw": mc.parse(f"z'*{K}*w"),
               "nn": mc.parse(N)}
    to = array_maker(backend)
    values = {k: VALUES[k] for k in ("S", "X", "w", "z")}
    fn = mc.lambdify(outputs, args=sorted(values), backend=backend)
    out = fn(**{k: to(v) for k, v in values.items()})
    for key, e in outputs.items():
        assert_allclose(np.asarray(out[key]), mc.evaluate(e, values), rtol=1e-12, err_msg=key)


def test_sympy_has_no_counterpart() -> None:
    require("sympy")
    with pytest.raises(MatcalcError, match=r"no SymPy counterpart.*commutation"):
        mc.to_sympy(mc.parse(f"{K}*vec(X)"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("commutation", r"takes its sizes: commutation\(size\(X, k\), size\(X, k\)\)"),
        ("symmetrizer*vec(S)", r"takes its size: symmetrizer\(size\(X, k\)\)"),
        ("commutation(size(X, 1))", "takes 2 sizes"),
        ("symmetrizer(size(X, 1), size(X, 2))", "takes 1 size"),
        ("commutation(3, size(X, 2))", r"a size in 'commutation\(...\)' is written size\(X, k\)"),
        ("commutation(size(X, 1), x)", r"a size in 'commutation\(...\)' is written size\(X, k\)"),
        ("comutation(size(X, 1), size(X, 2))", r"did you mean commutation\(...\)"),
        ("commutation_matrix(2, 3)", r"for the commutation matrix of X m x n, write commutation\(size"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        mc.parse(text)
