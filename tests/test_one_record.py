"""Adding an operation is one record: the claim of issue 8, checked on a copy of the package.

Each test copies `matcalc` into a temporary directory, appends ONE record to
ONE registry module (nothing else in the copy changes), and runs a script in
a fresh interpreter that takes the new operation through every pass: the
parser (and the suggestion for its alias), kind inference, the text round
trip, evaluation, first and second derivatives against finite differences,
LaTeX (rendered by KaTeX in the elementwise case), the code of every backend,
and the SymPy bridge.  If any pass kept a table of its own, the new name would
be missing there and the script would fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from optional import require
from test_latex_render import _render_all

import matcalc

SOFTSIGN = '''
    Elementwise(  # softsign(u) = u/(1+|u|), softsign' = 1/(1+|u|)^2
        "softsign", lambda x: x / (1 + np.abs(x)), lambda u, f: 1 / (1 + f("abs", u)) ** 2,
        r"\\operatorname{softsign}", spelled("_0 / (1 + xp.abs(_0))"),
        lambda sp, t: t / (1 + sp.Abs(t)), (-3, 3), range=(-1.0, 1.0), kinks=(0.0,), aliases=("soft_sign",),
    ),
)  # fmt: skip

#: Every elementwise function'''

#: What every script below starts with: the imports, and the checks all three make.
PRELUDE = r"""
import json
import numpy as np
import matcalc as mc
from matcalc.testing import check_derivative

def check_derivatives(f, vals, wrts, rtol=1e-5, atol=1e-7):
    for wrt in wrts:
        check = check_derivative(f, *wrt, values=vals, rtol=rtol, atol=atol)
        assert check.ok, (wrt, check.max_error, str(check.derivative))

def check_backends(outputs, vals, args, rtol):
    # the code of every backend gives what mc.evaluate gives
    import array_api_strict, jax, torch
    jax.config.update("jax_enable_x64", True)
    want = {k: mc.evaluate(v, vals) for k, v in outputs.items()}
    arrays = {"numpy": np.asarray, "array_api": array_api_strict.asarray, "jax": jax.numpy.asarray,
              "torch": torch.as_tensor}
    for backend, to in arrays.items():
        fn = mc.lambdify(outputs, args=args, backend=backend)
        out = fn(**{a: to(vals[a]) for a in args})
        for k in outputs:
            assert np.allclose(np.asarray(out[k]), want[k], rtol=rtol), (backend, k)
"""

ELEMENTWISE_SCRIPT = r"""
import sympy as sp

def ss(v):
    return v / (1 + np.abs(v))

rng = np.random.default_rng(0)
vals = {"X": rng.uniform(-1, 1, (3, 2)) + 0.2, "w": rng.uniform(0.3, 1, 2), "x": rng.uniform(0.2, 2, 4)}
f = mc.parse("sum(softsign(X*w))")            # kinds inferred: X a matrix, w a vector
assert str(f) == "sum(softsign(X*w))" and mc.parse(str(f)) is f
assert np.isclose(mc.evaluate(f, vals), np.sum(ss(vals["X"] @ vals["w"])))
check_derivatives(f, vals, [("w",), ("w", "w"), ("X",)], rtol=1e-6, atol=1e-8)
grad = mc.diff(f, "w")
assert "softsign" not in str(grad) and "abs" in str(grad), str(grad)
e = mc.parse("softsign(x)", {"x": "vector"})
latex = [mc.latex(s, form=form) for s in (e, grad) for form in ("matrix", "index")]
assert r"\operatorname{softsign}" in latex[0], latex[0]
outputs = {"f": e, "g": mc.diff(mc.parse("sum(softsign(x))"), "x")}
check_backends(outputs, vals, ["x"], rtol=1e-12)
s = mc.to_sympy(e, {"x": 4})
back = mc.from_sympy(s, {"x": "vector"})
assert back is e, str(back)  # the record's SymPy formula, x/(1 + |x|), reads back as softsign
assert np.allclose(mc.evaluate(back, vals), ss(vals["x"]))
from matcalc.codegen.signs import bounds
assert bounds(mc.parse("softsign(x).^3", {"x": "vector"})) == (-1.0, 1.0)
try:
    mc.parse("soft_sign(x)")
except mc.ParseError as err:
    assert "did you mean softsign(...)" in str(err), str(err)
else:
    raise AssertionError("soft_sign parsed")
print(json.dumps(latex))
"""

COSHM = '''
    PrimaryFunction(  # cosh(X): f' = sinh, f'(X) = (expm(X) - expm(-X))/2
        "coshm", lambda t, c: np.cosh(t), lambda t, c: np.sinh(t), lambda x, c: scipy_linalg().coshm(x),
        lambda x, c: build.scale(build.number(Fraction(1, 2)),
                                 build.sub(matfun("expm", x), matfun("expm", build.neg(x)))),
        r"\\cosh", _none(numpy=_numpy("xp.cosh", "scipy.linalg.coshm", False)), _none(), None, "general",
        helpers=HELPERS, aliases=("cosh_m",),
    ),
)  # fmt: skip

#: Every primary matrix function'''

PRIMARY_SCRIPT = r"""
import scipy.linalg

rng = np.random.default_rng(1)
vals = {"X": rng.normal(0, 0.4, (3, 3)), "A": rng.normal(0, 1, (3, 3))}
f = mc.parse("tr(A*coshm(X))", {"A": "matrix", "X": "matrix"})
assert mc.parse(str(f), {"A": "matrix", "X": "matrix"}) is f
assert np.isclose(mc.evaluate(f, vals), np.trace(vals["A"] @ scipy.linalg.coshm(vals["X"])))
check_derivatives(f, vals, [("X",), ("X", "X")])
g = mc.diff(mc.parse("tr(coshm(X))", {"X": "matrix"}), "X")
assert "expm" in str(g), str(g)
e = mc.parse("coshm(X)", {"X": "matrix"})
fn = mc.lambdify({"f": e}, args=["X"], backend="numpy")
assert np.allclose(fn(X=vals["X"])["f"], scipy.linalg.coshm(vals["X"]))
for backend in ("jax", "torch", "array_api"):
    try:
        mc.lambdify(e, backend=backend)
    except mc.CodegenError as err:
        assert "coshm" in str(err)
    else:
        raise AssertionError(backend)
try:
    mc.to_sympy(e)
except mc.MatcalcError as err:
    assert "SymPy" in str(err)
try:
    mc.parse("cosh_m(X)")
except mc.ParseError as err:
    assert "did you mean coshm(...)" in str(err), str(err)
print(json.dumps([mc.latex(f), mc.latex(e, form="index")]))
"""


def _with_record(tmp_path: Path, module: str, marker: str, record: str, script: str) -> list[str]:
    """Run ``script`` against a copy of matcalc whose ``module`` has ``record`` appended at ``marker``."""
    return _with_edits(tmp_path, [(module, marker, record.lstrip("\n"))], script)


def _with_edits(tmp_path: Path, edits: list[tuple[str, str, str]], script: str) -> list[str]:
    """Run `PRELUDE` and ``script`` against a copy of matcalc with each ``(module, old, new)`` replaced.

    Nothing else in the copy changes.
    """
    copy = tmp_path / "matcalc"
    shutil.copytree(Path(matcalc.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for module, old, new in edits:
        path = copy / module
        text = path.read_text()
        assert text.count(old) == 1, (module, old)
        path.write_text(text.replace(old, new))
    changed = {p.relative_to(copy) for p in copy.rglob("*.py")
               if p.read_bytes() != (Path(matcalc.__file__).parent / p.relative_to(copy)).read_bytes()}
    assert changed == {Path(module) for module, _, _ in edits}  # only the files named
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    # in tmp_path: "-c" puts the working directory first on the path
    run = [sys.executable, "-c", PRELUDE + script]
    done = subprocess.run(run, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_an_elementwise_function_is_one_record(tmp_path: Path) -> None:
    for library in ("array_api_strict", "jax", "torch"):
        require(library)
    marker = ")  # fmt: skip\n\n#: Every elementwise function"
    latex = _with_record(tmp_path, "ops/elementwise.py", marker, SOFTSIGN, ELEMENTWISE_SCRIPT)
    report = _render_all(latex)
    assert report["rendered"] == len(latex) and not report["failures"], report["failures"]


def test_a_primary_matrix_function_is_one_record(tmp_path: Path) -> None:
    marker = ")  # fmt: skip\n\n#: Every primary matrix function"
    latex = _with_record(tmp_path, "ops/primary.py", marker, COSHM, PRIMARY_SCRIPT)
    assert r"\cosh" in latex[0]
    report = _render_all(latex)
    assert report["rendered"] == len(latex) and not report["failures"], report["failures"]


#: A matrix function with a node of its own, logtr(X) = log(tr(X)): the node (its class and its place
#: in the union of node types), the record, and the derivative rule; nothing else changes.
LOGTR = [
    ("expr_functions.py", "\n\n@node\nclass Trace(Named):",
     '\n\n@node\nclass LogTr(Named):\n    """logtr(X) = log(tr(X))."""\n\n    body: Expr\n'
     "\n\n@node\nclass Trace(Named):"),
    ("expr.py", "    MatPow,\n", "    MatPow,\n    LogTr,\n"),
    ("expr.py", "| Kron | Vec | PairIndex", "| Kron | Vec | PairIndex | LogTr"),
    ("ops/matrix.py", ")  # fmt: skip\n\n#: Every named matrix-level function", '''    MatrixFunction(
        "logtr", (LogTr,), lambda x: LogTr(build.require_square("logtr", x), shape=()),
        lambda sp, m: sp.log(m.trace()), "square", r"\\log\\operatorname{tr}",
        to_sympy=lambda sp, t, e, v: sp.log(sp.Trace(v)), numpy=_scalar(lambda x: np.log(np.trace(x))),
        code={"": spelled("xp.log(xp.trace(_0))", array_api="xp.log(xp.linalg.trace(_0))")},
    ),
)  # fmt: skip

#: Every named matrix-level function'''),
    ("ops/matrix.py", "    Kron,\n", "    Kron,\n    LogTr,\n"),
    ("ops/matrix.py", "from matcalc.ops.record import MatrixFunction, Registry, code_name",
     "from matcalc.ops.record import MatrixFunction, Registry, code_name, spelled"),
    ("diff_matrix.py", "#: The rules by node type", '''\
def _logtr(dv: _Deriv, e: Expr, idx: tuple[Idx, ...]) -> list[Term]:
    # d log tr(A) = δ_ts dA_st / tr(A)
    n = e.body.shape[0]
    s, t = fresh(n), fresh(n)
    inverse_trace = atom(build.elem_div(build.number(1), build.trace(e.body)), ())
    return dv.chain(product(inverse_trace, Term(1, (), (Delta(t, s),))), e.body, (s, t))


#: The rules by node type'''),
    ("diff_matrix.py", "    LogDet: _logdet,\n", "    LogDet: _logdet,\n    LogTr: _logtr,\n"),
    ("diff_matrix.py", "from matcalc.expr import Det, Expr,", "from matcalc.expr import Det, Expr, LogTr,"),
]

LOGTR_SCRIPT = r"""

rng = np.random.default_rng(2)
vals = {"A": 3 * np.eye(3) + rng.normal(0, 0.3, (3, 3)), "B": rng.normal(0, 1, (3, 3))}
kinds = {"A": "matrix", "B": "matrix"}
f = mc.parse("logtr(A*B+A)", kinds)
assert str(f) == "logtr(A*B+A)" and mc.parse(str(f), kinds) is f
M = vals["A"] @ vals["B"] + vals["A"]
assert np.isclose(mc.evaluate(f, vals), np.log(np.trace(M)))
check_derivatives(f, vals, [("A",), ("A", "A"), ("B",)])
g = mc.diff(mc.parse("logtr(A)", kinds), "A")
assert np.allclose(mc.evaluate(g, vals), np.eye(3) / np.trace(vals["A"])), str(g)
assert mc.parse("logtr(X)").is_scalar  # kinds inferred: X a square matrix

outputs = {"f": f, "g": mc.diff(f, "A")}
check_backends(outputs, vals, ["A", "B"], rtol=1e-10)
s = mc.to_sympy(f, {"A": (3, 3), "B": (3, 3)})
back = mc.from_sympy(s, kinds)
assert np.isclose(mc.evaluate(back, vals), np.log(np.trace(M)))
latex = [mc.latex(e, form=form) for e in (f, outputs["g"]) for form in ("matrix", "index")]
assert r"\log\operatorname{tr}" in latex[0], latex[0]
print(json.dumps(latex))
"""


def test_a_matrix_function_is_one_node_one_record_and_its_derivative_rule(tmp_path: Path) -> None:
    for library in ("array_api_strict", "jax", "torch"):
        require(library)
    latex = _with_edits(tmp_path, LOGTR, LOGTR_SCRIPT)
    report = _render_all(latex)
    assert report["rendered"] == len(latex) and not report["failures"], report["failures"]


@pytest.mark.parametrize("module", ["ops/elementwise.py", "ops/primary.py"])
def test_the_marker_is_where_the_records_end(module: str) -> None:
    """The records tuple ends right before the registry: appending there is appending a record."""
    text = (Path(matcalc.__file__).parent / module).read_text()
    assert text.count(")  # fmt: skip\n\n#: Every ") == 1
