"""Generated NumPy code (`matcalc.codegen`): numbers, the shape of the code, snapshots.

Three layers: every identity of the corpus (the function and its derivative)
computed by generated code agrees with `mc.evaluate`; random expressions
(Hypothesis) agree too; and each optimization the issue asks for is checked
in the generated source *and* in its numbers.  Golden snapshots of whole
modules live in ``tests/snapshots/codegen``; ``MATCALC_UPDATE_SNAPSHOTS=1``
rewrites them.
"""

from __future__ import annotations

import ast
import math
import os
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, note
from strategies import expressions_with_values

import matcalc as mc
from matcalc import codegen
from matcalc import expr as ex
from matcalc.cookbook import IDENTITIES, Recipe, by_name
from matcalc.dims import Dim
from matcalc.expr import Expr, walk
from matcalc.testing import StandIn, callable_arguments, random_values

SNAPSHOTS = Path(__file__).parent / "snapshots" / "codegen"
UPDATE = os.environ.get("MATCALC_UPDATE_SNAPSHOTS", "") not in ("", "0")

#: Every expression some test below generates code for: the node-coverage test reads it.
SEEN: set[type] = set()


def _values(f: Expr, r: Recipe | None = None, seed: int = 0) -> dict[str, Any]:
    sizes: dict[Dim, int] = {}
    for s in f.symbols:
        for d, n in zip(s.shape, (r.sizes.get(s.name, ()) if r else ()), strict=False):
            sizes[d] = n
    return random_values(f, seed, sizes, r.ranges if r else None)


def _agree(got: Any, want: Any) -> None:
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def source_of(e: Expr | dict[str, Expr], given: dict[str, Any] | None = None, **kwargs: Any) -> str:
    """The generated source, checked to compile, import only numpy, and agree with `mc.evaluate`."""
    exprs = [e] if isinstance(e, Expr) else list(e.values())
    for x in exprs:
        SEEN.update(type(n) for n in walk(x))
    kwargs.setdefault("checks", False)  # about the computation; input checks: test_hostile_codegen
    src = mc.numpy_code(e, **kwargs)
    tree = ast.parse(src)
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    matrix_functions = any(isinstance(n, ex.MatFun) for x in exprs for n in walk(x))
    allowed = {"numpy", "scipy.linalg"} if matrix_functions else {"numpy"}
    assert {a.name for n in imports for a in n.names} <= allowed  # only what the code uses
    fn = mc.lambdify(e, **kwargs)
    values = {**random_values(_joint(exprs), 3), **(given or {})}
    out = fn(**values)
    results = [out] if isinstance(e, Expr) else [out[k] for k in e]
    for x, got in zip(exprs, results, strict=True):
        _agree(got, mc.evaluate(x, values))
    return src


def _joint(exprs: list[Expr]) -> Expr:
    """An expression with all the symbols of ``exprs``, dimensions unified (for `random_values`)."""
    from matcalc import build

    total: Expr = build.number(0)
    for s in {s.name: s for x in exprs for s in x.symbols}.values():
        total = build.add(total, build.sum_entries(s))
    return total


def body(src: str) -> str:
    """The statements of the generated function (without the docstring)."""
    tree = ast.parse(src)
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_"))
    return "\n".join(ast.unparse(s) for s in func.body[1:])


P = mc.parse
V = {"v": "vector", "t": "scalar"}


# ---- the corpus ------------------------------------------------------------------------------------


@pytest.mark.parametrize("r", [pytest.param(r, id=r.name) for r in IDENTITIES])
def test_corpus_function_and_derivative(r: Recipe) -> None:
    f = P(r.expr, r.kinds)
    g = mc.diff(f, *r.wrt)
    SEEN.update(type(n) for e in (f, g) for n in walk(e))
    values = _values(f, r)
    arrays = {k: v for k, v in values.items() if not isinstance(v, StandIn)}
    given = {**arrays, **callable_arguments((f, g), values)}
    fn = mc.lambdify({"f": f, "d": g}, args=sorted(given))
    out = fn(**given)
    _agree(out["f"], mc.evaluate(f, values))
    _agree(out["d"], mc.evaluate(g, values))


def test_generated_functions_are_standalone_modules(tmp_path: Path) -> None:
    r = by_name("logistic")
    f = P(r.expr)
    src = mc.numpy_code({"f": f, "grad": mc.diff(f, "w")}, name="logistic")
    (tmp_path / "generated_logistic.py").write_text(src)
    import importlib.util

    spec = importlib.util.spec_from_file_location("generated_logistic", tmp_path / "generated_logistic.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    values = _values(f)
    out = module.logistic(**values)
    _agree(out["f"], mc.evaluate(f, values))


# ---- random expressions ------------------------------------------------------------------------------


@given(expressions_with_values())
def test_random_expressions_agree_with_evaluate(case: Any) -> None:
    e = case.expr
    note(f"text: {e}")
    if isinstance(case.expected, Exception):
        return  # a singular matrix: nothing to compare
    with np.errstate(all="ignore"):
        want = mc.evaluate(e, case.values)
        fn = mc.lambdify(e, args=sorted(case.values))
        note(fn.__matcalc_source__)
        got = fn(**case.values)
    want = np.asarray(want, dtype=float)
    assert np.shape(got) == want.shape
    got = np.asarray(got, dtype=float)
    moderate = np.isfinite(want) & (np.abs(want) < 1e6)
    # An entry that is zero up to roundoff (A*inv(A) off its diagonal) may come out
    # as -1e-19 on one path and +1e-19 on the other; a power of it is then nan on one
    # side only.  Such entries are ill-conditioned, not wrong.
    moderate &= ~(np.isnan(got) & (np.abs(want) < 1e-12))
    np.testing.assert_allclose(got[moderate], want[moderate], rtol=1e-6, atol=1e-8)


# ---- products --------------------------------------------------------------------------------------


def test_quadratic_form_contracts_vectors_first() -> None:
    assert body(source_of(P("x'*A*y"))) == "return x @ (A @ y)"
    assert body(source_of(P("x'*A*B*y"))) == "return x @ (A @ (B @ y))"
    assert body(source_of(P("X'*X*w"))) == "return X.T @ (X @ w)"
    assert body(source_of(P("x'*A*B"))) == "return x @ A @ B"


def test_outer_and_row_products() -> None:
    assert body(source_of(P("x*y'"))) == "return np.outer(x, y)"
    assert body(source_of(P("x'*A"))) == "return x @ A"
    assert body(source_of(P("A*x*y'*B"))) == "return np.outer(A @ x, y @ B)"


def test_scalar_goes_on_the_smallest_operand() -> None:
    assert body(source_of(P("-X'*v", V))) == "return -(X.T @ v)"
    assert body(source_of(P("2*X'*X"))) == "return 2 * (X.T @ X)"
    assert body(source_of(P("3*x*y'"))) == "return np.outer(3 * x, y)"
    assert body(source_of(P("-2*A*x*y'"))) == "return np.outer(-2 * (A @ x), y)"


def test_diag_factors_scale_rows_and_columns() -> None:
    src = body(source_of(P("diag(v)*X", V)))
    assert src == "return v[:, None] * X"
    assert body(source_of(P("X*diag(v)", V))) == "return X * v"
    assert body(source_of(P("diag(v)*x", V))) == "return v * x"
    assert body(source_of(P("x'*diag(v)", V))) == "return x * v"
    assert body(source_of(P("X'*diag(v)*X", V))) == "return X.T @ (v[:, None] * X)"
    for text in ("diag(v)*X", "X*diag(v)", "diag(v)*x", "X'*diag(v)*X", "A*diag(v)*B*x"):
        assert "np.diag(" not in source_of(P(text, V)), text


def test_product_of_diagonals_is_one_diagonal() -> None:
    from matcalc import build

    x = build.symbol("x", "vector")
    e = build.transpose(build.matmul(build.matmul(P("A"), build.diag(x)), build.diag(build.transpose(x))))
    assert body(source_of(e)) == "return (A * (x * x)).T"  # found by Hypothesis: diag(x') is diag(x)


def test_diag_standalone_and_diagonal() -> None:
    assert body(source_of(P("diag(v)", V))) == "return np.diag(v)"
    assert body(source_of(P("diag(X)"))) == "return np.diagonal(X).copy()"
    assert body(source_of(P("diag(X)'*y"))) == "return np.diagonal(X) @ y"
    assert body(source_of(P("diag(A*B)"))) == "return np.einsum('ij,ji->i', A, B)"
    assert body(source_of(P("diag(A*B')"))) == "return np.einsum('ij,ij->i', A, B)"


def test_trace_never_forms_the_product() -> None:
    assert body(source_of(P("tr(A)"))) == "return np.trace(A)"
    assert body(source_of(P("tr(A*B)"))) == "return np.einsum('ij,ji->', A, B)"
    assert body(source_of(P("tr(A*B')"))) == "return np.einsum('ij,ij->', A, B)"
    assert body(source_of(P("tr(x*y')"))) == "return y @ x"
    assert body(source_of(P("tr(A*x*y')"))) == "return y @ (A @ x)"
    three = body(source_of(P("tr(A*B*C)")))
    assert three.startswith("return np.einsum('ij,ji->'") and three.count("@") == 1
    assert "@" not in body(source_of(P("tr(A*B+C*D)")))
    assert body(source_of(P("tr(2*A)"))) == "return 2 * np.trace(A)"


def test_inverse_times_vector_is_a_solve() -> None:
    assert body(source_of(P("inv(X)*y"))) == "return np.linalg.solve(X, y)"
    assert body(source_of(P("y'*inv(X)"))) == "return np.linalg.solve(X.T, y)"
    assert body(source_of(P("A*inv(X)"))) == "return np.linalg.solve(X.T, A.T).T"
    assert body(source_of(P("inv(X)'*y"))) == "return np.linalg.solve(X.T, y)"
    # an inverse needed elsewhere is computed once and multiplied
    shared = body(source_of({"a": P("inv(X)*y"), "b": P("inv(X)")}))
    assert "solve" not in shared and shared.count("np.linalg.inv(X)") == 1


def test_sum_factor_multiplied_out_when_cheaper() -> None:
    src = body(source_of(P("(A*B+C*D)*x")))
    assert src == "return A @ (B @ x) + C @ (D @ x)"
    assert body(source_of(P("(A+B)*x"))) == "return (A + B) @ x"


def test_weighted_gram_with_nonnegative_weights_is_half_a_product() -> None:
    # A'*diag(v)*A with v >= 0 is B'*B, B = diag(sqrt(v))*A: NumPy's B.T @ B is BLAS syrk
    src = body(source_of(P("X'*diag(exp(X*w))*X")))
    assert src == "t0 = np.sqrt(np.exp(X @ w))[:, None] * X\nreturn t0.T @ t0"
    src = body(source_of(P("B'*X'*diag(1-tanh(X*w).^2)*X*B")))  # a longer symmetric chain
    assert src == "t0 = np.sqrt(1 - np.tanh(X @ w) ** 2)[:, None] * (X @ B)\nreturn t0.T @ t0"
    assert "np.sqrt(" not in source_of(P("X'*diag(v)*X"))  # the sign of v is unknown
    assert "np.sqrt(" not in source_of(P("X'*diag(exp(v))*Y"))  # not symmetric
    assert "np.sqrt(" not in source_of(P("x'*diag(exp(v))*x"))  # a scalar: x @ (exp(v) * x)


def test_bounds_of_entries() -> None:
    from matcalc.codegen.signs import bounds, nonnegative

    assert bounds(P("1-sigmoid(t)")) == (0.0, 1.0)
    assert bounds(P("1-tanh(t).^2")) == (0.0, 1.0)
    assert bounds(P("(-exp(t)).^3")) == (-math.inf, 0.0)
    assert nonnegative(P("y.^2.*sigmoid(t).*(1-sigmoid(t))"))  # the logistic Hessian's weights
    assert nonnegative(P("softmax(t)")) and nonnegative(P("exp(t)./exp(s)"))
    assert not nonnegative(P("exp(t)-1")) and not nonnegative(P("t.^3")) and not nonnegative(P("-t"))
    assert nonnegative(P("1e200.^2*t.^2"))  # no OverflowError


# ---- constants -----------------------------------------------------------------------------------------


def test_constants_are_not_materialized_in_products_and_sums() -> None:
    assert body(source_of(P("X+eye"))) == "return X + np.eye(X.shape[0])"
    assert body(source_of(P("x+1"))) == "return x + 1"
    assert body(source_of(P("1-tanh(x).^2"))) == "return 1 - np.tanh(x) ** 2"
    assert body(source_of(P("sum(X)"))) == "return np.sum(X)"
    assert body(source_of(P("vector(1)'*X"))) == "return np.sum(X, axis=0)"
    assert body(source_of(P("X*vector(1)"))) == "return np.sum(X, axis=1)"
    assert body(source_of(P("sum(A*B)"))) == "return np.sum(A @ np.sum(B, axis=1))"  # 1'*(A*(B*1))
    assert body(source_of(P("sum(x.*y)"))) == "return x @ y"
    assert body(source_of(P("x./2+vector(3)"))) == "return x / 2 + 3"


def test_constants_as_the_result() -> None:
    x, given = P("x"), {"x": np.arange(3.0)}
    assert body(source_of(mc.diff(P("sum(x)"), "x"), given)) == "return np.ones(x.shape[0])"
    zeros = "return np.zeros((A.shape[0], A.shape[0], A.shape[0]))"  # x's length is A's rows
    assert body(source_of(mc.diff(P("x'*A*x"), "x", "x", "x"), {"A": np.eye(3)})) == zeros
    assert body(source_of(mc.diff(x, "x"), given)) == "return np.eye(x.shape[0])"
    assert body(source_of(P("matrix(2)+X"))) == "return 2 + X"


# ---- index forms ----------------------------------------------------------------------------------------


def test_index_forms_are_einsums() -> None:
    src = body(source_of(mc.diff(P("W*x"), "W"), {"W": np.ones((2, 3))}))
    # a delta between result axes: zeros, and x written on that diagonal only (no identity matrix)
    assert src == "return _on_diagonal((W.shape[0], W.shape[0], x.shape[0]), 'iik->ik', x)"
    src = body(source_of(mc.diff(P("A*X*B"), "X")))
    assert src == "return np.einsum('ik,lj->ijkl', A, B)"
    src = body(source_of(mc.diff(P("sum(log(1+exp(-y.*(X*w))))"), "w", "w", "w")))
    assert "optimize=['einsum_path', (0, 1), (0, 1)]" in src
    assert "np.diag(" not in src
    # diag(v)[i,j] unpacks to v[i] with a delta: no diagonal matrix is built
    src = body(source_of(mc.diff(P("exp(X*w)"), "X")))
    assert "np.diag(" not in src and "np.eye" not in src and "_on_diagonal(" in src


def test_deltas_between_result_axes_write_a_diagonal() -> None:
    # d2 norm2(X)^2 / dX2 = 2*δ[i,k]*δ[j,l]: no operand at all, the value 2 on the diagonal
    src = body(source_of(mc.diff(P("norm2(X)^2"), "X", "X"), {"X": np.ones((2, 3))}))
    assert src == "return _on_diagonal((X.shape[0], X.shape[1], X.shape[0], X.shape[1]), 'ijij->ij', 2)"
    # the order-4 Hessian of a matrix factorization: 2*U'*U in d diagonal blocks
    src = body(source_of(mc.diff(P("norm2(M-U*V')^2"), "V", "V"), {"M": np.ones((3, 3))}))
    assert src.startswith("return _on_diagonal(") and "'ijil->ijl', 2 * (U.T @ U))" in src
    # libraries whose arrays cannot be written through a view keep the identity operand
    assert "jnp.eye(" in codegen.code(mc.diff(P("W*x"), "W"), backend="jax")


@pytest.mark.parametrize(
    "text", ["max(x)", "min(A*x)", "sum(max(X, [], 1))", "sum(min(X, [], 2).^2)", "max(x)*min(y)"]
)
def test_argmax_computes_its_tie_indicator_once(text: str) -> None:
    """argmax = ismax / sum(ismax): the comparison with the extremum is one temporary, not written twice."""
    e = P(text)
    grads = {f"d{s.name}": mc.diff(e, s.name) for s in e.symbols}
    src = body(source_of(grads))
    shares = {n for g in grads.values() for n in walk(g) if isinstance(n, ex.Attained) and n.shared}
    compared = [n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Compare)]
    assert shares and len(compared) == len(shares), src


# ---- numerically safe forms -------------------------------------------------------------------------------


def test_safe_elementwise_forms() -> None:
    assert "np.logaddexp(0.0, " in source_of(P("sum(log(1+exp(x)))"))
    assert "np.logaddexp(0.0, " in source_of(P("log(1+exp(t))", V))
    assert body(source_of(P("relu(x)"))) == "return np.maximum(x, 0.0)"
    assert body(source_of(P("step(x)"))) == "return np.where(x > 0, 1.0, 0.0)"
    assert body(source_of(P("logdet(X)"))) == "return np.linalg.slogdet(X)[1]"
    assert body(source_of(P("log(softmax(x))"))) == "return _log_softmax(x)"
    assert body(source_of(P("log(sigmoid(x))"))) == "return -np.logaddexp(0.0, -x)"
    assert body(source_of(P("norm2(X*w-y)^2"))) == "t0 = X @ w - y\nreturn t0 @ t0"
    assert body(source_of(P("norm2(A-B)^2"))) == "t0 = A - B\nreturn np.einsum('ij,ij->', t0, t0)"


@pytest.mark.parametrize("text", ["sigmoid(x)", "sum(log(1+exp(x)))", "softmax(x)", "log(softmax(x))",
                                  "log(sigmoid(x))", "sum(log(1+exp(-y.*(X*w))))"])  # fmt: skip
def test_no_overflow_at_large_arguments(text: str) -> None:
    e = P(text)
    fn = mc.lambdify(e)
    values = {s.name: np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]) for s in e.symbols if s.is_vector}
    if "X" in {s.name for s in e.symbols}:
        values["X"] = np.eye(5)
        values["w"] = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
        values["y"] = np.ones(5)
    # Underflow to 0 is the correctly rounded result (and np.logaddexp itself flags it): not an error.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = fn(**values)
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize("text", ["-sum(y.*log(sigmoid(z))+(1-y).*log(1-sigmoid(z)))",  # binary cross-entropy
                                  "-y'*log(softmax(z))", "sum(log(-sigmoid(z)+1))"])  # fmt: skip
def test_value_and_gradient_stay_finite_at_large_logits(text: str) -> None:
    """The log of a softmax or sigmoid that the gradient needs too is still computed from its argument
    (a shared sigmoid(50) rounds to 1, and log(1-1) is -inf where the loss is 50)."""
    e = P(text, {"y": "vector", "z": "vector"})
    fn = mc.lambdify({"f": e, "g": mc.diff(e, "z")})
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        values = {"y": np.array([1.0, 0.0, 0.5, 1.0, 0.0]), "z": z}
        got = fn(**{s.name: values[s.name] for s in e.symbols})
    assert np.isfinite(got["f"]) and np.all(np.isfinite(got["g"]))
    assert abs(got["f"]) > 999  # the last (or first) example alone contributes 1000


def test_sigmoid_is_accurate_in_both_tails() -> None:
    fn = mc.lambdify(P("sigmoid(x)"))
    t = np.array([-700.0, -30.0, 30.0])
    want = [np.exp(-700.0), 1 / (1 + np.exp(30.0)), 1 / (1 + np.exp(-30.0))]
    np.testing.assert_allclose(fn(x=t), want, rtol=1e-14)


# ---- shared subexpressions, arguments, outputs ----------------------------------------------------------


def test_shared_subexpressions_are_computed_once_across_outputs() -> None:
    f = P("sum(log(1+exp(-y.*(X*w))))")
    src = source_of({"f": f, "grad": mc.diff(f, "w"), "hess": mc.diff(f, "w", "w")})
    assert src.count("X @ w") == 1
    assert src.count("_sigmoid(t0)") == 1
    assert "grad = " in src and "hess = " in src and "return {'f': f, 'grad': grad, 'hess': hess}" in src


def test_outputs_single_tuple_and_dict() -> None:
    f, g = P("x'*A*x"), mc.diff(P("x'*A*x"), "x")
    values = _values(f)
    single = mc.lambdify(f)(**values)
    pair = mc.lambdify([f, g])(**values)
    both = mc.lambdify({"value": f, "gradient": g})(**values)
    assert isinstance(pair, tuple) and set(both) == {"value", "gradient"}
    _agree(single, both["value"])
    _agree(pair[1], both["gradient"])


def test_arguments_by_name_and_position() -> None:
    f = P("x'*A*y")
    fn = mc.lambdify(f, args=["y", "A", "x", "unused"])
    values = _values(f)
    want = mc.evaluate(f, values)
    _agree(fn(values["y"], values["A"], values["x"], None), want)
    _agree(fn(unused=0, **values), want)
    assert mc.lambdify(f).__code__.co_varnames[:3] == ("A", "x", "y")


def test_argument_errors() -> None:
    f = P("x'*A*y")
    with pytest.raises(mc.MatcalcError, match="lacks 'x'"):
        mc.numpy_code(f, args=["A", "y"])
    with pytest.raises(mc.MatcalcError, match="twice"):
        mc.numpy_code(f, args=["A", "x", "y", "x"])
    with pytest.raises(mc.MatcalcError, match="not a Python identifier"):
        mc.numpy_code(f, name="1x")
    with pytest.raises(mc.MatcalcError, match="parse text first"):
        mc.numpy_code("x'*A*y")  # type: ignore[arg-type]
    with pytest.raises(mc.MatcalcError, match="not a Python identifier"):
        mc.numpy_code(f, name="f-g")
    with pytest.raises(mc.MatcalcError, match="cannot generate code"):
        mc.numpy_code(mc.parse("eye"))


def test_names_that_collide_with_the_library_are_renamed() -> None:
    e = mc.parse("exp(np)+t0", {"np": "vector", "t0": "vector"})
    src = source_of({"a": e, "b": mc.parse("exp(np)", {"np": "vector"})})
    assert "import numpy as np_" in src and "np_.exp(np)" in src


def test_docstring_lists_the_outputs() -> None:
    f = P("x'*A*x")
    src = mc.numpy_code({"f": f, "g": mc.diff(f, "x")})
    defs = [n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == "f"]
    doc = ast.get_docstring(defs[0])
    assert doc is not None and "f = x'*A*x" in doc and "g = (A+A')*x" in doc


# ---- coverage and snapshots -------------------------------------------------------------------------------

SNAPSHOT_CASES: dict[str, tuple[str, dict[str, str], tuple[tuple[str, ...], ...]]] = {
    "logistic": ("sum(log(1+exp(-y.*(X*w))))", {}, (("w",), ("w", "w"))),
    "least_squares": ("norm2(X*w-y)^2", {}, (("w",), ("w", "w"))),
    "ridge": ("norm2(X*w-y)^2+c*norm2(w)^2", {}, (("w",), ("w", "w"))),
    "factorization": ("norm2(X-U*V')^2", {}, (("U",), ("V",))),
    "tanh_net": ("norm2(W2*tanh(W1*x)-y)^2", {}, (("W1",), ("W2",))),
    "softmax_xent": ("-y'*log(softmax(W*x))", {}, (("W",), ("x", "x"))),
    "gaussian": (
        "-0.5*logdet(S)-0.5*(x-m)'*inv(S)*(x-m)",
        {"S": "symmetric", "m": "vector"},
        (("m",), ("S",)),
    ),
    "rayleigh": ("x'*S*x/(x'*x)", {"S": "symmetric"}, (("x",), ("x", "x"))),
    "quotient": ("(A*x)'*(A*x)/((B*x)'*(B*x))", {}, (("x",),)),
    "jacobian_Wx": ("W*x", {}, (("W",), ("x",))),
    "trace_chain": ("tr(A*X*B*X')", {}, (("X",), ("X", "X"))),
}


@pytest.mark.parametrize("case", list(SNAPSHOT_CASES))
def test_golden_snapshot(case: str) -> None:
    text, kinds, wrts = SNAPSHOT_CASES[case]
    f = P(text, kinds)
    outputs = {"f": f, **{"d_" + "_".join(w): mc.diff(f, *w) for w in wrts}}
    src = source_of(outputs, name=case)
    path = SNAPSHOTS / f"{case}.py"
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(src)
    assert src == path.read_text(), f"{path} changed; rerun with MATCALC_UPDATE_SNAPSHOTS=1 if intended"


def test_abstract_functions_are_callable_parameters() -> None:
    kinds = {"L": "scalar function"}
    f = mc.parse("L(W*x+b)", kinds)
    g = mc.diff(f, "W")
    SEEN.update(type(n) for e in (f, g) for n in walk(e))
    source = mc.numpy_code({"f": f, "g": g})
    assert "def f(L, W, b, grad_L, x)" in source
    assert source.count("W @ x") == 1  # the argument is computed once, for both
    fn = mc.lambdify({"f": f, "g": g})
    rng = np.random.default_rng(0)
    W, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    out = fn(W=W, x=x, b=0.5, L=lambda u: np.sum(np.exp(u)), grad_L=np.exp)
    np.testing.assert_allclose(out["f"], np.sum(np.exp(W @ x + 0.5)))
    np.testing.assert_allclose(out["g"], np.outer(np.exp(W @ x + 0.5), x))


def test_every_node_type_is_generated() -> None:
    extra = [
        "det(X)*norm1(x)+sum(A.^2)+tr(X^3)", "diag(X)'*softmax(x)", "sign(x)'*abs(y)./sqrt(1+z.^2)",
        "max(x)-min(A*x)", "ismax(x)'*ismin(A*x)", "tr(A*expm(X)) + sum(eigvals(X)) + nuclear_norm(A)",
        "vec(A)'*commutation(size(A, 2), size(A, 1))*vec(A')",
    ]
    for text in extra:
        source_of(P(text))
    for r in IDENTITIES:
        f = P(r.expr, r.kinds)
        SEEN.update(type(n) for e in (f, mc.diff(f, *r.wrt)) for n in walk(e))
    assert set(typing.get_args(ex.Node)) <= SEEN, set(typing.get_args(ex.Node)) - SEEN
