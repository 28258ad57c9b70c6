"""The hand-run benchmarks still run: each on two items, one repeat (see docs/benchmarks.md)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from matcalc.cookbook import IDENTITIES

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import benchtools  # noqa: E402
import codegen  # noqa: E402
import derive  # noqa: E402
import scale  # noqa: E402

HAVE_SYMPY = importlib.util.find_spec("sympy") is not None
HAVE_JAX = importlib.util.find_spec("jax") is not None


def test_derive_two_identities() -> None:
    two = [r for r in IDENTITIES if r.name in ("det_X", "rule_trace")]
    assert len(two) == 2
    results, facts = derive.run(two, repeats=1, sympy=HAVE_SYMPY, timeout=5.0, sympy_repeats=1)
    assert all(r.ok and len(r.times) == 1 for r in results)
    assert facts["leaks"] == 0
    if HAVE_SYMPY:
        verdicts = {r.ident.name: r.sympy["status"] for r in results}
        assert set(verdicts.values()) <= {"right", "wrong", "fails", "unchecked"}
    text = derive.report(results, facts)
    assert "det_X" in text and "median, first derivatives" in text


@pytest.mark.skipif(not HAVE_SYMPY, reason="SymPy is in the bench extra")
def test_derive_sends_abstract_functions_to_the_sympy_worker() -> None:
    # the values of an abstract function (a StandIn of local functions) go to the worker pickled;
    # they once stopped the whole run with "Can't pickle local object"
    one = [r for r in IDENTITIES if r.name == "chain_two_arguments"]
    assert len(one) == 1 and any(k.endswith("function") for k in one[0].kinds.values())
    results, _ = derive.run(one, repeats=1, sympy=True, timeout=5.0, sympy_repeats=1)
    assert results[0].ok and results[0].sympy["status"] in {"right", "wrong", "fails", "unchecked"}
    assert "worker crashed" not in results[0].sympy.get("note", "")


@pytest.mark.skipif(not HAVE_SYMPY, reason="SymPy is in the bench extra")
def test_sympy_translation_and_layouts() -> None:
    from sympy_bridge import compare, translate

    import matcalc as mc

    tr = translate(mc.parse("x'*A*x + tr(inv(A))", {"x": "vector", "A": "matrix"}))
    assert set(tr.symbols) == {"A", "x"}
    ref = np.arange(6.0).reshape(2, 3)
    assert compare(ref.T[:, :, None], ref, [(2,), (3,)]) == ("right", "variable's axes first")
    assert compare(ref, ref, [(), (2, 3)]) == ("right", "")
    assert compare(ref.T, ref.T, [(), (3, 2)])[0] == "right"
    assert compare(ref.T.reshape(2, 3), ref, [(), (2, 3)])[0] == "wrong"


def test_scale_two_depths(tmp_path: Path) -> None:
    points = scale.run((1, 2), repeats=1)
    assert [p.layers for p in points] == [1, 2]
    assert all(p.check == "✓" for p in points)
    assert points[1].dag > points[0].dag
    text = scale.report(points, 1, (1, 2, scale.profile(1, 2, top=2)))
    assert "result DAG" in text and "Where the time goes" in text
    if importlib.util.find_spec("matplotlib") is not None:
        scale.plot(points, tmp_path / "scale.png")
        assert (tmp_path / "scale.png").stat().st_size > 0


NEEDS_JAX = pytest.mark.skipif(not HAVE_JAX, reason="JAX is in the bench extra")


@pytest.mark.parametrize("use_jax", [False, pytest.param(True, marks=NEEDS_JAX)])
def test_codegen_tiny(use_jax: bool) -> None:
    rows = codegen.run(sizes=[(40, 6)], repeats=1, budget=0.0, use_jax=use_jax)
    assert len(rows) == 2 * len(codegen.PROBLEMS)
    measured = [r for r in rows if not r.skipped]
    assert len(measured) == len(rows)  # every Hessian is small at this size
    for r in measured:
        assert r.error < 1e-8  # generated, hand-written (and JAX) agree
        assert ("jax" in r.ms) is use_jax and r.peak_mb["generated"] > 0
    assert "_on_diagonal(" in next(r.source for r in rows if r.problem.key == "mf" and r.what == "Hessian")
    assert ".T @ t" in next(r.source for r in rows if r.problem.key == "logreg" and r.what == "Hessian")
    text = codegen.report(rows, 1, use_jax)
    assert "generated time" in text and "two-layer network" in text and "```python" in text
    assert "jax.hessian at" not in text  # the 2x target is judged at the large sizes only
    large = codegen.rows_for(codegen.PROBLEMS[2], (10000, 500))
    assert large[1].skipped.startswith("order 4")


def test_write_section_replaces_only_its_part(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("# Title\n\n<!-- a:begin -->\nold\n<!-- a:end -->\n\ntail\n")
    benchtools.write_section("a", "new", doc)
    benchtools.write_section("b", "added", doc)
    assert doc.read_text() == (
        "# Title\n\n<!-- a:begin -->\nnew\n<!-- a:end -->\n\ntail\n\n"
        "<!-- b:begin -->\nadded\n<!-- b:end -->\n"
    )


def test_hostile_inputs_benchmark_runs_short_chains() -> None:
    import hostile

    table = hostile.main(["--length", "400", "chain-plus", "chain-matrices"])
    assert table.count("| ok (") == 2


def test_nested_softmax_two_depths() -> None:
    import nested_softmax

    nested_softmax.warm_up()
    timer = benchtools.Timer()
    rows = [nested_softmax.measure(n, timer, 1, cli=False) for n in (1, 2)]
    assert all(r.round_trip for r in rows) and rows[1].text_chars > rows[0].text_chars
    assert "characters per level" in nested_softmax.report(rows)


def test_paper_form_counts_and_checks() -> None:
    import paper_form

    import matcalc as mc

    assert paper_form.operators("X'*(sigmoid(X*w)-y)") == 5
    assert paper_form.operators("-inv(X)'*a*b'*inv(X)'") == 9
    assert paper_form.operators("(i,j) -> x[i]*δ[i,j]") == 1
    # a constant's size is its subscript (I_n): eye(size(X, 1)) counts as eye, vector(1, n) as vector(1)
    assert paper_form.operators("2*tr(X)*eye(size(X, 1))") == paper_form.operators("2*tr(X)*eye") == 3
    assert paper_form.operators("kron(y, eye(size(x, 1)))+matrix(2*c, size(X, 1), size(X, 2))") == 4
    kinds = {"A": "matrix", "u": "vector", "X": "matrix", "c": "scalar"}
    cases = {
        "-A'*diag(-1./u)*A": "double_negation",
        "2*u./(4*exp(u))": "unfolded_numbers",  # not reduced (2*u./(3*exp(u)) is, as a paper writes it)
        "X*inv(X)*u": "inverse_leftover",
    }
    for text, what in cases.items():
        e = mc.parse(text, kinds)
        assert getattr(paper_form.findings(e, str(e)), what), text
    for text in ("-u.^2/2+A*u-1/c*u", "-1/(2*c)*u", "3*u/(2*c)", "2*u./(3*exp(u))"):
        clean = mc.parse(text, kinds)
        assert paper_form.findings(clean, str(clean)).clean, text
    rows = paper_form.run([r for r in IDENTITIES if r.name in ("tr_AXB", "bce")])
    assert [r.ratio is not None for r in rows] == [True, True]
    text = paper_form.report(rows)
    assert "at most the textbook's size" in text


@pytest.mark.skipif(not (BENCH.parent / ".git").exists(), reason="needs the git checkout (git archive)")
def test_against_times_two_versions_alternating(capsys: pytest.CaptureFixture[str]) -> None:
    import against

    # HEAD against the working tree: both sides have det_X, so it is compared, by CPU and elapsed time
    against.main(["--reference", "HEAD", "--only", "det_X", "--rounds", "2", "--repeats", "1", "--no-write"])
    out = capsys.readouterr()
    assert re.search(r"\| first derivatives \(\d+\) \| [\d.]+ \| [\d.]+ \| \*\*[\d.]+\*\* \|", out.out)
    assert "| det_X by X |" in out.out
    assert out.err.splitlines() == [
        "round 1: reference timed",
        "round 1: current timed",
        "round 2: current timed",
        "round 2: reference timed",
    ]


def test_against_compares_only_shared_identities() -> None:
    import against

    a = {
        '["f", "x", [], ["x"]]': {"cpu": [0.002, 0.004], "wall": [0.002, 0.004]},
        '["g", "X", [], ["X", "X"]]': {"cpu": [0.010], "wall": [0.010]},
        '["new", "y", [], ["y"]]': {"cpu": [1.0], "wall": [1.0]},
    }
    b = {
        '["f", "x", [], ["x"]]': {"cpu": [0.002], "wall": [0.001]},
        '["g", "X", [], ["X", "X"]]': {"cpu": [0.005], "wall": [0.005]},
    }
    found = against.compare(a, b, [(a, b)])
    assert found[1]["n"] == 1 and found[1]["cpu"] == pytest.approx((3.0, 2.0))
    assert found[1]["wall"] == pytest.approx((3.0, 1.0)) and found[1]["rounds"] == pytest.approx([1.5])
    assert found[2]["cpu"] == pytest.approx((10.0, 5.0))
    assert [w[1] for w in against.slowest(a, b)] == ["g by X,X", "f by x"]


def test_against_code_runs_both_versions_generated_code() -> None:
    import against_code

    # the working tree against itself at a tiny size: every loss's gradient and Hessian agree and are timed
    rows = against_code.compare(BENCH.parent, BENCH.parent, [(40, 6)], repeats=1)
    assert {(r[0].split(",")[0], r[1].split()[0]) for r in rows} >= {
        ("logistic regression", "gradient"),
        ("logistic regression", "Hessian"),
        ("two-layer network", "gradient"),
    }
    assert all(float(r[3]) > 0 and float(r[5]) > 0 and float(r[7]) > 0 for r in rows)
    assert "median ratio current/reference" in against_code.report(rows)
