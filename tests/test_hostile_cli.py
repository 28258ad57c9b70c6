"""Issue 12: the CLI exits with status 2 and a one-line message, never a traceback or status 1.

The first tests run ``python -m matcalc`` as a subprocess, because a closed pipe,
a full disk and an ASCII-only terminal are properties of the process's streams.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from matcalc.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
BIG = "x=[" + ",".join(["1.5"] * 30_000) + "]"  # a value printed in some 150 kB: more than a pipe holds


def _run(*args: str, extra_env: dict[str, str] | None = None, stdout: object = subprocess.PIPE) -> Any:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    cmd = [sys.executable, "-m", "matcalc", *args]
    return subprocess.run(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE, check=False)


def test_closed_pipe() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "matcalc", "eval", "x", "--value", BIG]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # like `| head -c 10` finishing first
    err = p.stderr.read().decode()
    assert p.wait() == 2
    assert err == "matcalc: error: the output was closed before it was written (broken pipe)\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk() -> None:
    with open("/dev/full", "wb") as full:
        p = _run("diff", "W*x", "--wrt", "W", stdout=full)
    assert p.returncode == 2
    assert p.stderr.decode() == "matcalc: error: cannot write the output: No space left on device\n"


def _json_error(stream: bytes) -> dict[str, Any]:
    """The one JSON error line of a stream, validated against docs/cli.schema.json."""
    from test_cli_scripts import validate

    lines = stream.decode("ascii").splitlines()
    assert len(lines) == 1, lines
    answer = json.loads(lines[0])
    validate(answer)
    return answer["error"]  # type: ignore[no-any-return]


def test_closed_pipe_under_json_is_a_json_error_on_stderr() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "matcalc", "eval", "x", "--value", BIG, "--json"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait() == 2
    message = "the output was closed before it was written (broken pipe)"
    assert _json_error(err) == {"type": "OutputError", "message": message, "field": None, "position": None}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(("wrt", "kind"), [("W", "OutputError"), ("z", "AbsentVariableError")])
def test_full_disk_under_json_is_a_json_error_on_stderr(wrt: str, kind: str) -> None:
    """The answer (or the JSON error about a misspelled variable) cannot be written: stderr says why."""
    with open("/dev/full", "wb") as full:
        p = _run("diff", "W*x", "--wrt", wrt, "--json", stdout=full)
    assert p.returncode == 2
    err = _json_error(p.stderr)
    assert err["type"] == kind
    assert kind != "OutputError" or err["message"] == "cannot write the output: No space left on device"


def test_bytes_that_are_not_utf8_in_argv_under_json() -> None:
    """An argument the terminal's encoding cannot decode reaches the parser as escapes: a JSON ParseError."""
    p = subprocess.run(
        [sys.executable, "-m", "matcalc", "diff", b"x+\xff", "--wrt", "x", "--json"],
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "ascii"},
        capture_output=True, check=False,
    )  # fmt: skip
    assert p.returncode == 2 and p.stderr == b""
    err = _json_error(p.stdout)
    assert (err["type"], err["field"], err["position"]) == ("ParseError", "expr", 2)


def test_stdin_that_is_not_utf8_under_json() -> None:
    p = subprocess.run(
        [sys.executable, "-m", "matcalc", "diff", "-", "--wrt", "x", "--json"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, input=b"x+\xff", capture_output=True, check=False,
    )  # fmt: skip
    assert p.returncode == 2 and p.stderr == b""
    assert "not UTF-8" in _json_error(p.stdout)["message"]


def test_ascii_terminal() -> None:
    p = _run("diff", "W*x", "--wrt", "W", extra_env={"PYTHONIOENCODING": "ascii"})
    assert p.returncode == 0 and p.stderr == b""
    assert p.stdout.decode("ascii").strip() == "\\u2202f[i]/\\u2202W[j,k] = x[k]*\\u03b4[i,j]"


# ---- in-process ---------------------------------------------------------------------------


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a=" + "9" * 401, "too large for floating point"),
        ("a=1e400", "the number 1e400, too large for floating point"),
        ("a=[1, -1e999]", "too large for floating point"),
        ("a=NaN", "pass --allow-nonfinite"),
        ("a=Infinity", "pass --allow-nonfinite"),
        ("a=[1, -Infinity]", "pass --allow-nonfinite"),
        ("a=1" + "0" * 5000, "too long"),
    ],
)
def test_values_are_strict_json(capsys: pytest.CaptureFixture[str], value: str, message: str) -> None:
    status, out, err = _main(capsys, "eval", "sum(a)", "--kind", "a=vector", "--value", value)
    assert status == 2 and out == "" and message in err and "Traceback" not in err


def test_nonfinite_values_with_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(capsys, "eval", "a+1", "--value", "a=-Infinity", "--allow-nonfinite")[:2] == (0, "-inf\n")
    assert _main(capsys, "eval", "a+1", "--value", "a=NaN", "--allow-nonfinite")[:2] == (0, "nan\n")


def test_fullwidth_function_name(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _main(capsys, "code", "sigmoid(x)", "--wrt", "x", "--name", "\uff46")
    assert status == 0 and "def f(x):" in out and "check_f()" in out


def test_default_work_limit_and_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    nest = "exp(" * 12 + "a" + ")" * 12
    status, _, err = _main(capsys, "diff", nest, "--wrt", "a", "--wrt", "a", "--max-work", "1000")
    assert status == 2 and "needs more than 1,000 units of work" in err and "--max-work" in err
    assert _main(capsys, "diff", "exp(exp(a))", "--wrt", "a", "--max-work", "100000")[0] == 0


def test_time_limit_flag(capsys: pytest.CaptureFixture[str]) -> None:
    nest = "exp(" * 12 + "a" + ")" * 12
    wrt = ["--wrt", "a"] * 3
    status, _, err = _main(capsys, "diff", nest, *wrt, "--timeout", "0.01")
    assert status == 2 and "did not finish within 0.01 seconds" in err and "--timeout" in err


@pytest.mark.parametrize("bad", ["0", "-1", "x", "inf", "nan"])
def test_limit_flags_take_positive_numbers(capsys: pytest.CaptureFixture[str], bad: str) -> None:
    for flag in ("--timeout", "--max-work"):
        status, _, err = _main(capsys, "parse", "x", flag, bad)
        assert status == 2 and "expected a positive number" in err


def test_huge_power_in_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(capsys, "diff", "tr(X^1000000)", "--wrt", "X")[:2] == (0, "1000000*X'^999999\n")


def test_kind_of_a_variable_the_expression_lacks(capsys: pytest.CaptureFixture[str]) -> None:
    # --kind Y=scalar was ignored: Y took the kind of its first letter (a matrix)
    args = ("diff", "x'*x", "--wrt", "Y", "--if-absent", "zero")
    assert _main(capsys, *args, "--kind", "Y=scalar")[:2] == (0, "0\n")
    assert _main(capsys, *args, "--kind", "Y=vector")[:2] == (0, "vector(0, size(Y, 1))\n")
    assert _main(capsys, *args)[:2] == (0, "matrix(0, size(Y, 1), size(Y, 2))\n")


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["diff", "-x'*x", "--wrt", "x"], "matcalc diff [options] -- \"-x'*x\""),
        (["diff", "--wrt", "x", "-x'*x"], "matcalc diff [options] -- \"-x'*x\""),
        (["eval", "--value", "a=2", "-a^2"], 'matcalc eval [options] -- "-a^2"'),
        (["latex", "-2*x"], 'matcalc latex [options] -- "-2*x"'),
        (["diff", "--wrt", "x", '-x"*x'], "-- '-x\"*x'"),  # a word the shell keeps as it is
    ],
)
def test_an_expression_that_starts_with_a_dash_is_told_to_follow_double_dash(
    capsys: pytest.CaptureFixture[str], argv: list[str], shown: str
) -> None:
    """argparse takes '-x'*x' for an option; the error says where an EXPR that starts with '-' goes."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "an EXPR that starts with '-' goes after '--'" in err and shown in err, err
    assert main([*argv[:1], "--json", *argv[1:]]) == 2
    answer = json.loads(capsys.readouterr().out)
    assert "goes after '--'" in answer["error"]["message"]


def test_after_double_dash_the_expression_is_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "--wrt", "x", "--", "-x'*x"]) == 0
    assert capsys.readouterr().out == "-2*x\n"
    assert main(["eval", "--value", "a=2", "--", "-a^2"]) == 0
    assert capsys.readouterr().out == "-4.0\n"


def test_other_usage_errors_have_no_dash_hint(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["-q"], ["diff", "x", "--wrt"], ["diff", "-kA=matrix", "x"]):
        main(argv)
        assert "goes after '--'" not in capsys.readouterr().err, argv


def test_help_says_where_such_an_expression_goes(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["diff", "--help"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(argv)
        out = capsys.readouterr().out
        assert "-- \"-x'*x\"" in out, argv
