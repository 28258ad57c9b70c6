"""Issue 11, item 7: the CLI for scripts (``--json``, ``-`` for stdin, ``latex --form vec``, array API).

Every ``--json`` answer is validated against docs/cli.schema.json and compared
with what the library computes; stdin is tested through a real process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from optional import require

import matcalc as mc
from matcalc.cli import main
from matcalc.cli.args import MAX_STDIN_BYTES
from matcalc.gradcheck import value_and_gradient

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "cli.schema.json").read_text())


def validate(answer: dict[str, Any]) -> None:
    jsonschema = require("jsonschema")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(answer)


def answer(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> dict[str, Any]:
    """Run with --json; the one JSON line on stdout, validated against the schema."""
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (status, ""), (out, err)
    assert out.endswith("\n") and out.count("\n") == 1  # one line, for line-oriented tools
    assert out.isascii()  # valid whatever the terminal's encoding
    parsed: dict[str, Any] = json.loads(out)
    validate(parsed)
    return parsed


def error(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """An error answer: exit status 2, JSON on stdout, nothing on stderr."""
    parsed = answer(capsys, *argv, status=2)
    assert set(parsed) == {"error"}
    return dict(parsed["error"])


# ---- --json answers -----------------------------------------------------------------------


def test_parse_json_tells_how_each_kind_was_decided(capsys):
    text = "norm2(X*w-y)^2 + lam*norm2(w)^2"
    got = answer(capsys, "parse", text, "--kind", "X=matrix")
    result = mc.parse_result(text, {"X": "matrix"})
    assert got["command"] == "parse"
    assert got["expression"] == str(result.expr)
    assert got["latex"] == mc.latex(result.expr)
    assert got["shape"] == {"dims": [], "text": "scalar"}
    decided = {s["name"]: s["decided"] for s in got["symbols"]}
    assert decided == {"X": "declared", "lam": "inferred", "w": "guessed", "y": "guessed"}
    assert got["kinds"] == {"X": "matrix", "lam": "scalar", "w": "vector", "y": "vector"}
    assert got["guessed"] == ["w", "y"]
    dims = {s["name"]: s["dims"] for s in got["symbols"]}
    assert dims["X"][1] == dims["w"][0] and dims["X"][0] == dims["y"][0]


def test_diff_json_has_every_form(capsys):
    got = answer(capsys, "diff", "W*x", "--wrt", "W")
    f = mc.parse("W*x")
    d = mc.diff(f, "W")
    assert got["wrt"] == ["W"]
    derivative = got["derivative"]
    assert derivative["text"] == str(d) == "∂f[i]/∂W[j,k] = x[k]*δ[i,j]"
    assert derivative["shape"]["dims"] == [repr(a) for a in d.shape]
    assert derivative["latex"] == {
        "matrix": mc.latex(d),
        "index": mc.latex(d, form="index"),
        "where": mc.latex(d, where=True),
        "vec": mc.latex(f, form="vec", wrt="W"),
    }
    assert derivative["steps"] is None and derivative["unavailable"] == {}


def test_diff_json_second_order_steps_and_missing_forms(capsys):
    got = answer(capsys, "diff", "x'*A*x", "--wrt", "x", "--wrt", "x", "--steps")
    assert got["derivative"]["text"] == str(mc.diff(mc.parse("x'*A*x"), "x", "x"))
    steps = got["derivative"]["steps"]
    assert steps == [
        {"title": s.title, "text": s.text, "latex": s.latex}
        for s in mc.explain(mc.parse("x'*A*x"), "x", "x").steps
    ]
    # a vec form that does not exist is null, with the reason
    got = answer(capsys, "diff", "x'*A*x", "--wrt", "z", "--if-absent", "zero")
    assert got["derivative"]["latex"]["vec"] is None
    assert "'z'" in got["derivative"]["unavailable"]["vec"]


def test_diff_json_refuses_as(capsys):
    err = error(capsys, "diff", "x'*x", "--wrt", "x", "--as", "latex")
    assert (
        err["message"] == "--json gives the derivative in every form: drop --as (use matcalc code for code)"
    )


def test_check_json_refuted_with_a_counterexample(capsys):
    got = answer(capsys, "check", "x'*A*x", "--wrt", "x", "--claim", "2*A*x", status=1)
    assert (got["ok"], got["verdict"]) == (False, "claim refuted")
    assert "symmetric" in got["explanation"]
    assert got["claim"] == "2*A*x" and got["derivative"] == "(A+A')*x"
    values = {name: np.asarray(v) for name, v in got["counterexample"].items()}
    f = mc.parse("x'*A*x")
    true = mc.evaluate(mc.diff(f, "x"), values)
    claimed = mc.evaluate(mc.parse("2*A*x"), values)
    assert not np.allclose(true, claimed)
    assert got["max_error"] > 1e-3


def test_check_json_accepted(capsys):
    got = answer(capsys, "check", "x'*A*x", "--wrt", "x", "--claim", "(A+A')*x")
    assert (got["ok"], got["verdict"], got["counterexample"]) == (True, "claim accepted", None)
    assert got["max_error"] < 1e-8


def test_check_json_wrong_shape_has_no_error_number(capsys):
    got = answer(capsys, "check", "W*x", "--wrt", "W", "--claim", "(x'*vector(1))*vector(1)", status=1)
    assert got["max_error"] is None
    assert len(got["shape_expected"]) == 3 and len(got["shape_claimed"]) == 1


def test_eval_json_value_shape_and_warnings(capsys):
    got = answer(capsys, "eval", "A*x", "--value", "x=[1,2]", "--value", "A=[[2,0],[0,3]]")
    assert (got["value"], got["value_shape"], got["warnings"]) == ([2.0, 6.0], [2], [])
    assert got["symbols"][0]["decided"] == "declared"  # by its value
    got = answer(capsys, "eval", "log(a)", "--value", "a=-1")
    assert got["value"] == "NaN" and got["warnings"] == ["invalid value encountered in log"]
    got = answer(capsys, "eval", "x./y", "--value", "x=[1,-1,0]", "--value", "y=[0,0,0]")
    assert got["value"] == ["Infinity", "-Infinity", "NaN"]


def test_latex_json(capsys):
    got = answer(capsys, "latex", "exp(A*x)'*exp(A*x)", "--where")
    assert got["output"] == mc.latex(mc.parse("exp(A*x)'*exp(A*x)"), where=True)
    assert (got["form"], got["wrt"]) == ("matrix", None)
    got = answer(capsys, "latex", "W*x", "--form", "vec", "--wrt", "W")
    assert (got["form"], got["wrt"], got["output"]) == ("vec", "W", "x^\\top \\otimes I_{n}")


def test_code_json(capsys):
    got = answer(capsys, "code", "norm2(X*w-y)^2", "--wrt", "w", "--backend", "array_api", "--name", "lsq")
    assert (got["backend"], got["name"], got["wrt"]) == ("array_api", "lsq", ["w"])
    assert got["code"] == value_and_gradient(mc.parse("norm2(X*w-y)^2"), ["w"], "lsq", "array_api")


def test_the_json_examples_of_the_docs_follow_the_schema():
    blocks = re.findall(r"```json\n(.*?)```", (ROOT / "docs" / "cli.md").read_text(), re.DOTALL)
    assert len(blocks) >= 2
    for block in blocks:
        validate(json.loads(block))


# ---- errors as JSON -------------------------------------------------------------------------


def test_parse_error_as_json_points_at_the_expression(capsys):
    err = error(capsys, "diff", "x'*A*", "--wrt", "x")
    assert err == {
        "type": "ParseError",
        "message": "expected an operand, found the end of the expression",
        "field": "expr",
        "position": 5,
    }


def test_claim_error_as_json_points_at_the_claim(capsys):
    err = error(capsys, "check", "x'*A*x", "--wrt", "x", "--claim", "2*A*+x")
    assert (err["type"], err["field"], err["position"]) == ("ParseError", "claim", 4)


def test_other_errors_as_json(capsys):
    err = error(capsys, "diff", "x'*A*x", "--wrt", "z")
    assert (err["type"], err["field"], err["position"]) == ("AbsentVariableError", None, None)
    assert "does not contain 'z'" in err["message"] and err["message"].endswith("add --if-absent zero")
    err = error(capsys, "parse", "x*x", "--kind", "x=vector")
    assert (err["type"], err["field"]) == ("ShapeError", "expr")
    err = error(capsys, "parse", "(" * 5000 + "x" + ")" * 5000)
    assert err["type"] == "ParseError" and "nested" in err["message"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["diff", "x'*x"], "the following arguments are required: -w/--wrt"),
        (["eval", "x", "--value", "x=[1,"], "the value of 'x' is not valid JSON"),
        (["code", "x'*x", "--wrt", "x", "--backend", "tf"], "invalid choice: 'tf'"),
        (["parse", "x", "--kind", "x=tensor"], "unknown kind 'tensor'"),
    ],
)
def test_usage_errors_as_json(capsys, argv, message):
    err = error(capsys, *argv)
    assert err["type"] == "UsageError" and message in err["message"]


def test_json_after_double_dash_is_the_expression(capsys):
    # "--json" after "--" is EXPR (minus minus json), not the flag: text output
    assert main(["parse", "--", "--json"]) == 0
    assert capsys.readouterr().out.startswith("expression: json\n")
    assert main(["parse", "--", "--json+"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("matcalc: error: ")


# ---- latex --form vec ----------------------------------------------------------------------


def test_latex_vec_form(capsys):
    assert main(["latex", "W*x", "--form", "vec", "--wrt", "W"]) == 0
    assert capsys.readouterr().out == "x^\\top \\otimes I_{n}\n"
    assert main(["latex", "x'*A*x", "--form", "vec", "--wrt", "x"]) == 0
    assert capsys.readouterr().out == mc.latex(mc.parse("x'*A*x"), form="vec", wrt="x") + "\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["W*x", "--form", "vec"], "--form vec is a derivative: give the variable with --wrt NAME"),
        (["W*x", "--wrt", "W"], "--wrt is for --form vec (the form is matrix)"),
        (["W*x", "--form", "vec", "--wrt", "W", "--where"], "--where is for the matrix and index forms"),
        (["W*x", "--form", "vec", "--wrt", "V"], "the expression does not contain 'V'"),
    ],
)
def test_latex_vec_form_errors(capsys, argv, message):
    assert main(["latex", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and message in err


# ---- the array-API backend ------------------------------------------------------------------


def test_code_array_api_runs_its_gradient_check(capsys, tmp_path):
    require("array_api_compat")
    argv = ["logdet(S) + x'*S*x + sum(exp(a*x))", "--wrt", "S", "--wrt", "x", "--wrt", "a"]
    assert main(["code", *argv, "--kind", "S=symmetric", "--backend", "array_api"]) == 0
    source = capsys.readouterr().out
    assert "from array_api_compat import array_namespace" in source
    path = tmp_path / "generated.py"
    path.write_text(source)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "(ok, tolerance 1e-06)" in done.stdout, done


def test_code_array_api_module_runs_on_a_strict_namespace(capsys):
    strict = require("array_api_strict")
    assert main(["code", "norm2(X*w-y)^2", "--wrt", "w", "--backend", "array_api"]) == 0
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(capsys.readouterr().out, "<generated>", "exec"), namespace)  # our generated code
    rng = np.random.default_rng(0)
    X, w, y = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=5)
    out = namespace["f"](X=strict.asarray(X), w=strict.asarray(w), y=strict.asarray(y))
    np.testing.assert_allclose(np.asarray(out["grad_w"]), 2 * X.T @ (X @ w - y))


# ---- the expression from stdin (a real process: stdin is the process's) ---------------------


def _run(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "matcalc", *argv]
    return subprocess.run(cmd, input=stdin, capture_output=True, env=env, check=False)


def test_expression_from_stdin():
    done = _run("diff", "-", "--wrt", "x", stdin=b"x'*A*x\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"(A+A')*x\n", b"")
    done = _run("parse", "-", stdin="\ufeffnorm2(X*w-y)^2 +\n  lam*norm2(w)^2\n".encode())  # BOM, lines
    assert done.returncode == 0 and b"lam  scalar" in done.stdout
    done = _run("check", "x'*A*x", "--wrt", "x", "--claim", "-", stdin=b"2*A*x")
    assert done.returncode == 1 and done.stdout.startswith(b"claim refuted")


def test_stdin_error_positions_count_from_the_start_of_stdin():
    done = _run("parse", "-", "--json", stdin=b"  x'*A*\n")
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"]["position"] == 7


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["parse", "-"], b"", b"the expression on stdin is empty"),
        (["parse", "-"], b" \n\t\n", b"the expression on stdin is empty"),
        (["parse", "-"], b"x\xff+1", b"not UTF-8 text: byte 0xff at offset 1"),
        (["parse", "-"], b"x" * (MAX_STDIN_BYTES + 1), b"longer than 400,000 bytes"),
        (["check", "-", "--wrt", "x", "--claim", "-"], b"x'*x", b"only one of them can be read from stdin"),
        (["check", "x'*x", "--wrt", "x", "--claim", "-"], b"", b"the claim on stdin is empty"),
    ],
)
def test_stdin_errors(argv, stdin, message):
    done = _run(*argv, stdin=stdin)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.startswith(b"matcalc: error: ") and message in done.stderr, done.stderr


def test_a_longer_expression_is_read_with_max_length():
    text = b"+".join(b"x%d" % i for i in range(20_000))  # 128,889 characters
    refused = _run("parse", "-", stdin=text)
    assert refused.returncode == 2 and b"(CLI: --max-length N)" in refused.stderr, refused.stderr
    done = _run("parse", "-", "--max-length", "200000", "--max-work", "10000000", stdin=text)
    assert done.returncode == 0 and done.stdout.startswith(b"expression: x0+x1+"), done.stderr


def test_closed_stdin():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = (
        "import sys; sys.stdin.close(); from matcalc.cli import main; raise SystemExit(main(['parse', '-']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=False)
    assert done.returncode == 2
    assert b"the expression is '-' (read it from stdin), but there is no stdin" in done.stderr
