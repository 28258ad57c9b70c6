"""The SymPy bridge: `mc.from_sympy` and `mc.to_sympy` (matcalc/sympy_bridge.py).

Checked with numbers throughout: every input of the identity corpus goes to
SymPy and back to an expression with the same values, and every derivative in
matrix form goes to a SymPy expression whose value, with concrete matrices
substituted and evaluated by SymPy itself, is matcalc's.  SymPy is in the
``test`` extra, so CI (``CI`` set) fails rather than skips without it.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matcalc as mc
from matcalc.cookbook import IDENTITIES, Recipe
from matcalc.dims import Dim
from matcalc.expr import Expr, IndexForm, walk
from matcalc.ops.matrix import NODE_TYPES, matrix_function
from matcalc.testing import random_values

HAVE_SYMPY = importlib.util.find_spec("sympy") is not None
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
ROOT = Path(__file__).resolve().parent.parent

needs_sympy = pytest.mark.skipif(not HAVE_SYMPY, reason="SymPy is not installed (the test extra has it)")

if HAVE_SYMPY:
    import sympy as sp


def test_ci_has_sympy() -> None:
    if IN_CI:
        assert HAVE_SYMPY, "CI installs the test extra, which includes sympy; the bridge must be tested"


# ---- an optional dependency -------------------------------------------------------------------


def test_import_matcalc_does_not_import_sympy() -> None:
    code = (
        "import sys, matcalc as mc\n"
        "f = mc.parse(\"x'*A*x + logdet(A)\")\n"
        "mc.evaluate(mc.diff(f, 'A'), {'x': [1.0, 2.0], 'A': [[2.0, 0.0], [0.0, 3.0]]})\n"
        "print('sympy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_sympy_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sympy", None)  # `import sympy` now raises ImportError
    with pytest.raises(mc.MatcalcError, match=r"install sympy: pip install 'matcalc\[sympy\]'"):
        mc.to_sympy(mc.parse("x"))
    with pytest.raises(mc.MatcalcError, match=r"pip install 'matcalc\[sympy\]'"):
        mc.from_sympy(1)


def test_sympy_extra_and_test_extra() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(req.startswith("sympy") for req in extras["sympy"])
    assert any(req.startswith("sympy") for req in extras["test"])
    assert 'pip install ".[test]"' in (ROOT / ".ci" / "run").read_text()


# ---- numbers of SymPy expressions ------------------------------------------------------------


def sympy_value(expr: Any, values: dict[str, Any], source: Any = None) -> np.ndarray:
    """The value of a SymPy expression at ``values``, computed by SymPy.

    Dimension symbols get the sizes of the arrays (read off the `MatrixSymbol`
    objects of ``expr`` and of ``source``), symbols become `ImmutableMatrix`
    values, and the tree is evaluated bottom-up.
    """
    sizes: dict[Any, int] = {}
    symbols = expr.atoms(sp.MatrixSymbol) | (source.atoms(sp.MatrixSymbol) if source is not None else set())
    for m in symbols:
        arr = np.asarray(values[m.name], dtype=float)
        shape = arr.shape if arr.ndim == 2 else ((1, arr.size) if m.shape[0] == 1 else (arr.size, 1))
        for d, k in zip(m.shape, shape, strict=True):
            if not d.is_Integer:
                sizes[d] = k
    concrete = expr.subs(sizes) if sizes else expr
    replace: dict[Any, Any] = {}
    for m in concrete.atoms(sp.MatrixSymbol):
        replace[m] = sp.ImmutableMatrix(np.asarray(values[m.name], dtype=float).reshape(m.shape).tolist())
    for s in concrete.atoms(sp.Symbol):
        if s.name in values and not isinstance(s, sp.Dummy):
            replace[s] = sp.Float(float(values[s.name]))
    for c in concrete.atoms(sp.OneMatrix, sp.Identity, sp.ZeroMatrix):
        replace[c] = sp.ImmutableMatrix(c.as_explicit())
    out = _explicit(concrete.xreplace(replace))
    if isinstance(out, sp.MatrixBase):
        return np.array(out.tolist(), dtype=float)
    return np.array(float(out))


def _explicit(e: Any) -> Any:
    """Evaluate bottom-up: a matrix node becomes an explicit matrix once its arguments are."""
    if isinstance(e, sp.MatrixBase | sp.Lambda) or not e.args:
        return e
    args = [_explicit(a) for a in e.args]
    if e.func in (sp.DiagonalOf, sp.DiagonalMatrix):  # SymPy 1.14 fails on them with explicit matrices
        diagonal = [args[0][i, i] for i in range(args[0].rows)]
        return sp.ImmutableMatrix(diagonal if e.func is sp.DiagonalOf else sp.diag(*diagonal))
    out = e.func(*args).doit(deep=False)
    if isinstance(out, sp.MatrixExpr) and not isinstance(out, sp.MatrixBase):
        out = out.as_explicit()
    return out


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.size == b.size and bool(np.allclose(a.ravel(), b.ravel(), rtol=1e-9, atol=1e-9))


def _values(f: Expr, r: Recipe) -> dict[str, Any]:
    sizes: dict[Dim, int] = {}
    for s in f.symbols:
        for d, n in zip(s.shape, r.sizes.get(s.name, ()), strict=False):
            sizes.setdefault(d, n)
    return random_values(f, 0, sizes, r.ranges)


def _kinds(f: Expr) -> dict[str, str]:
    return {s.name: s.kind for s in f.symbols}


def _matrix_form(e: Expr) -> bool:
    return e.ndim <= 2 and not any(isinstance(n, IndexForm) for n in walk(e))


# ---- the identity corpus, both ways ------------------------------------------------------------

#: SymPy has no undefined functions of vectors and matrices: identities with an abstract
#: function stay out (`mc.to_sympy` refuses them: test_abstract_functions_have_no_counterpart).
def _without_sympy_form(r: Recipe) -> bool:
    """The recipe uses a matrix function SymPy cannot write (``max(X, [], 2)``: record ``in_sympy``)."""
    f = mc.parse(r.expr, r.kinds)
    return any(type(n) in NODE_TYPES and not matrix_function(n).in_sympy for n in walk(f))


ALL = [pytest.param(r, id=r.name) for r in IDENTITIES
       if "function" not in " ".join(r.kinds.values()) and not _without_sympy_form(r)]
NO_SYMPY_FORM = [pytest.param(r, id=r.name) for r in IDENTITIES if _without_sympy_form(r)]


@pytest.mark.parametrize("r", NO_SYMPY_FORM)
def test_identities_without_a_sympy_form_are_refused_clearly(r: Recipe) -> None:
    with pytest.raises(mc.MatcalcError, match="SymPy's matrix expressions have no"):
        mc.to_sympy(mc.parse(r.expr, r.kinds))


def test_abstract_functions_have_no_counterpart() -> None:
    f = mc.parse("f(A*x, x+y)", {"f": "scalar function"})
    with pytest.raises(mc.MatcalcError, match="no SymPy counterpart"):
        mc.to_sympy(f)


@needs_sympy
@pytest.mark.parametrize("r", ALL)
def test_input_round_trips(r: Recipe) -> None:
    f = mc.parse(r.expr, r.kinds)
    s = mc.to_sympy(f)
    g = mc.from_sympy(s, _kinds(f))
    assert _kinds(g) == _kinds(f)
    values = _values(f, r)
    assert _same(mc.evaluate(g, values), mc.evaluate(f, values)), f"{f} -> {s} -> {g}"


@needs_sympy
@pytest.mark.parametrize("r", ALL)
def test_derivative_evaluates_the_same_in_sympy(r: Recipe) -> None:
    f = mc.parse(r.expr, r.kinds)
    d = mc.diff(f, *r.wrt)
    source = mc.to_sympy(f)
    if not _matrix_form(d):
        with pytest.raises(mc.MatcalcError, match="no matrix form"):
            mc.to_sympy(d, dims=source)
        return
    s = mc.to_sympy(d, dims=source)  # the symbols of f's translation, as they are
    values = _values(f, r)
    assert _same(sympy_value(s, values, source), mc.evaluate(d, values)), f"{d} -> {s}"


def test_most_derivatives_have_a_matrix_form() -> None:
    forms = [_matrix_form(mc.diff(mc.parse(r.expr, r.kinds), *r.wrt)) for r in IDENTITIES]
    assert sum(forms) >= 120  # 124 of 153; the rest are tensors of order 3 and 4


# ---- the story: what SymPy gets wrong ------------------------------------------------------------


@needs_sympy
def test_log_det_through_matcalc() -> None:
    n = sp.Symbol("n")
    X = sp.MatrixSymbol("X", n, n)
    f = sp.log(sp.Determinant(X))
    # SymPy 1.14 says f.diff(X) is 0 (a ZeroMatrix); matcalc's answer does not depend on that.
    g = mc.diff(mc.from_sympy(f), "X")
    assert str(g) == "inv(X)'"
    G = mc.to_sympy(g, dims=f)
    assert G == X.inverse().T
    assert G.has(X)  # the user's own symbol
    value = np.array([[3.0, 1.0], [0.5, 2.0]])
    assert _same(sympy_value(G, {"X": value}), np.linalg.inv(value).T)


@needs_sympy
def test_sympy_derivative_reads_back() -> None:
    n = sp.Symbol("n")
    A, x = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("x", n, 1)
    f = x.T * A * x
    d = mc.from_sympy(f.diff(x))
    values = random_values(d, 3)
    assert _same(mc.evaluate(d, values), mc.evaluate(mc.diff(mc.from_sympy(f), "x"), values))


# ---- from_sympy, class by class ---------------------------------------------------------------


def _cases() -> list[tuple[Any, str]]:
    n = sp.Symbol("n")
    A, B, C = (sp.MatrixSymbol(name, n, n) for name in "ABC")
    x, y = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("y", n, 1)
    w, a = sp.MatrixSymbol("w", 1, n), sp.MatrixSymbol("a", 1, 1)
    t, c = sp.symbols("t c")
    return [
        (x.T * A * x, "x'*A*x"),
        (A * B + C, "A*B+C"),
        (sp.Trace(A * B), "tr(A*B)"),
        (sp.Determinant(A), "det(A)"),
        (A.I, "inv(A)"),
        (A**-2, "A^-2"),
        (sp.MatPow(A, 3), "A^3"),
        (sp.HadamardProduct(A, B), "A.*B"),
        (sp.HadamardPower(A, 2), "A.^2"),
        (sp.HadamardProduct(x, sp.HadamardPower(y, -1)), "x./y"),
        (sp.Identity(n) * x + sp.ZeroMatrix(n, 1), "x"),
        (sp.OneMatrix(1, n) * x, "sum(x)"),
        (sp.OneMatrix(1, n) * A * sp.OneMatrix(n, 1), "sum(A)"),
        (sp.DiagMatrix(x) * A, "diag(x)*A"),
        (sp.DiagonalOf(A), "diag(A)"),
        (sp.DiagonalMatrix(A), "diag(diag(A))"),
        (sp.DotProduct(x, y), "x'*y"),
        (sp.Adjoint(A), "A'"),
        (w * A, "w'*A"),
        (x * w, "x*w'"),
        (a[0, 0] * t, "t*a"),
        (sp.log(sp.Determinant(A)), "logdet(A)"),
        (sp.log(sp.Abs(sp.Determinant(A))), "logdet(A)"),
        (sp.exp(sp.Trace(A)) * A.T, "exp(tr(A))*A'"),
        (sp.sqrt(sp.Trace(x.T * x)), "sqrt(x'*x)"),
        (x.applyfunc(sp.exp), "exp(x)"),
        (x.applyfunc(lambda u: 1 / (1 + sp.exp(-u))), "sigmoid(x)"),
        (x.applyfunc(lambda u: u**2 + 2 * u + 1), "1+x.^2+2*x"),
        (x.applyfunc(lambda u: 1 / u), "1./x"),
        (x.applyfunc(sp.tanh).applyfunc(sp.Abs), "abs(tanh(x))"),
        (sp.Max(0, t) + sp.Heaviside(t, 0), "step(t)+relu(t)"),
        (sp.sin(t) ** 2 + sp.cos(t) / t, "sin(t)^2+cos(t)/t"),
        (sp.asin(t) * sp.acos(t) * sp.atan(t), "arccos(t)*arcsin(t)*arctan(t)"),
        (c * A / 2, "c*A/2"),
        (sp.Rational(1, 3) * A, "A/3"),
        (2.5 * x, "2.5*x"),
        (1 / sp.sqrt(t), "1/sqrt(t)"),
    ]


@needs_sympy
def test_from_sympy_cases() -> None:
    for e, text in _cases():
        assert str(mc.from_sympy(e)) == text, e


@needs_sympy
def test_from_sympy_numbers() -> None:
    assert mc.from_sympy(2) is mc.parse("2")
    assert str(mc.from_sympy(sp.Rational(-1, 2))) == "-1/2"
    assert str(mc.from_sympy(sp.pi * sp.Symbol("c"))) == "3.141592653589793*c"


@needs_sympy
def test_from_sympy_values() -> None:
    """The translation of each case has the value SymPy computes."""
    for e, _ in _cases():
        f = mc.from_sympy(e)
        values = random_values(f, 1, {d: 3 for s in f.symbols for d in s.shape})  # SymPy's are all n
        values = {k: 0.5 if np.ndim(v) == 0 else v for k, v in values.items()}  # inside arcsin's domain
        assert _same(sympy_value(e, values), mc.evaluate(f, values)), e


@needs_sympy
def test_kinds() -> None:
    n = sp.Symbol("n")
    S = sp.MatrixSymbol("S", n, n)
    assert mc.from_sympy(S, {"S": "symmetric"}) is mc.symmetric("S")
    assert mc.from_sympy(sp.MatrixSymbol("x", n, 1)) is mc.vector("x")
    assert mc.from_sympy(sp.MatrixSymbol("a", 1, 1)) is mc.scalar("a")
    assert mc.from_sympy(S * S.T, {"T": "vector"}) is mc.parse("S*S'", {"S": "matrix"})
    with pytest.raises(mc.ShapeError, match="kinds makes 'S' a vector, but SymPy's S is nxn"):
        mc.from_sympy(S, {"S": "vector"})
    with pytest.raises(mc.ShapeError, match="kinds makes 't' a matrix, but in SymPy it is a scalar"):
        mc.from_sympy(sp.Symbol("t"), {"t": "matrix"})
    with pytest.raises(mc.ShapeError, match="unknown kind 'sym'"):
        mc.from_sympy(S, {"S": "sym"})
    with pytest.raises(mc.ShapeError, match="the symmetric S needs 3 and 4"):
        mc.from_sympy(sp.MatrixSymbol("S", 3, 4), {"S": "symmetric"})


# ---- from_sympy: what it refuses -------------------------------------------------------------


@needs_sympy
def test_unsupported_names_the_class() -> None:
    n, t = sp.Symbol("n"), sp.Symbol("t")
    A = sp.MatrixSymbol("A", n, n)
    refused = [
        (sp.BlockMatrix([[A, A]]), "the SymPy class BlockMatrix"),
        (sp.ImmutableMatrix([[1, 2]]), "the SymPy class ImmutableDenseMatrix"),
        (sp.Matrix([[1]]), "explicit matrices have no matcalc counterpart; use MatrixSymbol"),
        (A[0, 1], r"the matrix entry A\[0, 1\] has no matcalc counterpart"),
        (sp.I * t, "the SymPy class ImaginaryUnit"),
        (sp.Min(t, 0), "the SymPy class Min"),
        (sp.Function("f")(t), "the undefined SymPy function f"),
        (sp.Heaviside(t), r"matcalc's step is 0 at 0; write Heaviside\(t, 0\)"),
        (sp.Max(t, 1), r"matcalc has Max\(0, t\) only"),
        (sp.MatPow(A, sp.Rational(1, 2)), "integer exponents only"),
        (sp.oo, "not a finite real number"),
        (sp.Dummy("q"), "not the variable of an elementwise function"),
        ("x'*A*x", "from_sympy needs a SymPy expression, got str"),
    ]
    for e, message in refused:
        with pytest.raises(mc.MatcalcError, match=message):
            mc.from_sympy(e)


@needs_sympy
def test_inconsistent_dimensions() -> None:
    n, m = sp.symbols("n m")
    A = sp.MatrixSymbol("A", n, n)
    B, C = sp.MatrixSymbol("B", 3, 3), sp.MatrixSymbol("C", 4, 4)
    # SymPy accepts each product (n may be 3, and n may be 4), not both at once.
    message = r"inconsistent SymPy dimensions: .* n \(which is 3 elsewhere\) and 4"
    with pytest.raises(mc.ShapeError, match=message):
        mc.from_sympy(sp.Trace(A * B) + sp.Trace(A * C))
    # Symbolic dimensions may be equal: SymPy allows n-by-m times n-by-n, and so does matcalc.
    M = sp.MatrixSymbol("M", n, m)
    assert str(mc.from_sympy(M * A)) == "M*A"


@needs_sympy
def test_two_symbols_with_one_name() -> None:
    n, m = sp.symbols("n m")
    A = sp.MatrixSymbol("A", n, n)
    x, other_x = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("x", m, 1)
    with pytest.raises(mc.ShapeError, match="two different symbols named 'x': x \\(nx1\\) and x \\(mx1\\)"):
        mc.from_sympy(x.T * A * other_x)
    with pytest.raises(mc.ShapeError, match="named 'A': the scalar A and A \\(nxn\\)"):
        mc.from_sympy(sp.Symbol("A") * A)


@needs_sympy
def test_matcalc_shape_errors_come_through() -> None:
    n = sp.Symbol("n")
    x, y = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("y", n, 1)
    with pytest.raises(mc.ShapeError):
        mc.from_sympy(sp.MatMul(x, y))  # SymPy cannot tell that n is not 1


# ---- to_sympy ----------------------------------------------------------------------------------


@needs_sympy
def test_to_sympy_names_dimensions() -> None:
    e = mc.to_sympy(mc.parse("W*x+b", {"b": "vector"}))
    n, m = sp.symbols("n m")
    assert e == sp.MatrixSymbol("W", n, m) * sp.MatrixSymbol("x", m, 1) + sp.MatrixSymbol("b", n, 1)
    # letters that are symbol names are skipped
    e = mc.to_sympy(mc.parse("n'*A*n", {"n": "vector"}))
    assert sp.MatrixSymbol("A", m, m) in e.atoms(sp.MatrixSymbol)
    # a row vector is the transpose of an nx1 symbol; a scalar is a real Symbol
    assert mc.to_sympy(mc.parse("c*x'")) == sp.Symbol("c", real=True) * sp.MatrixSymbol("x", n, 1).T


@needs_sympy
def test_to_sympy_node_forms() -> None:
    n = sp.Symbol("n")
    X, x = sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("x", n, 1)
    assert mc.to_sympy(mc.parse("x'*X*x")) == x.T * X * x  # 1x1, as SymPy writes it
    assert mc.to_sympy(mc.parse("logdet(X)")) == sp.log(sp.Determinant(X))
    assert mc.to_sympy(mc.parse("inv(X)'")) == X.inverse().T
    assert mc.to_sympy(mc.parse("diag(x)*X^3")) == sp.DiagMatrix(x) * X**3
    assert mc.to_sympy(mc.parse("sum(X*X)")) == sp.OneMatrix(1, n) * X**2 * sp.OneMatrix(n, 1)
    assert mc.to_sympy(mc.parse("x'*X*x+tr(X)")) == x.T * X * x + sp.Trace(X) * sp.Identity(1)


@needs_sympy
def test_to_sympy_dims_by_name() -> None:
    f = mc.parse("X*y")
    e = mc.to_sympy(f, dims={"X": (2, 3)})
    assert e.shape == (2, 1)
    values = {"X": np.arange(6.0).reshape(2, 3), "y": np.array([1.0, -1.0, 2.0])}
    assert _same(sympy_value(e, values), mc.evaluate(f, values))
    k = sp.Symbol("k")
    assert mc.to_sympy(f, dims={"y": (1, k)}).atoms(sp.MatrixSymbol) == {
        sp.MatrixSymbol("X", sp.Symbol("n"), k),
        sp.MatrixSymbol("y", 1, k),
    }
    # the derivative of sum(y) is ones of y's length, though y is not in it
    assert mc.to_sympy(mc.diff(mc.parse("sum(y)"), "y"), dims={"y": 5}).shape == (5, 1)
    with pytest.raises(mc.MatcalcError, match="dims names 'z', which is not a symbol"):
        mc.to_sympy(f, dims={"z": 3})
    with pytest.raises(mc.MatcalcError, match=r"dims gives 'y' a dimension of size 4, .* of size 3"):
        mc.to_sympy(f, dims={"X": (2, 3), "y": 4})
    with pytest.raises(mc.MatcalcError, match="dims gives 'X' the shape \\(2,\\), but it is a matrix"):
        mc.to_sympy(f, dims={"X": 2})
    with pytest.raises(mc.MatcalcError, match="sizes are integers or SymPy expressions"):
        mc.to_sympy(f, dims={"X": ("n", "m")})


@needs_sympy
def test_to_sympy_reuses_the_symbols_of_a_sympy_expression() -> None:
    n, t = sp.Symbol("n", integer=True), sp.Symbol("t")
    w, A = sp.MatrixSymbol("w", 1, n), sp.MatrixSymbol("A", n, n)
    f = sp.exp(t) * w * A
    g = mc.diff(mc.from_sympy(f), "w")  # the derivative of a row vector by a vector: a matrix
    e = mc.to_sympy(g, dims=f)
    assert e.atoms(sp.MatrixSymbol) <= {w, A} and t in e.free_symbols


@needs_sympy
def test_to_sympy_refuses() -> None:
    with pytest.raises(mc.MatcalcError, match="no matrix form; SymPy's array expressions are not supported"):
        mc.to_sympy(mc.diff(mc.parse("W*x"), "W"))
    with pytest.raises(mc.MatcalcError, match="SymPy has no elementwise power with an array exponent"):
        mc.to_sympy(mc.parse("x.^y"))
    with pytest.raises(mc.MatcalcError, match="to_sympy needs a matcalc expression, got str"):
        mc.to_sympy("x")  # type: ignore[arg-type]
