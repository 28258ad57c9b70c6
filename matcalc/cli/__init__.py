"""The ``matcalc`` command line.

Every subcommand is a `Command` defined by a module of this package named
after it (``diff.py``, ``check.py``, ``code.py``, ``latex.py``, ``parse.py``,
``eval.py``, ``serve.py``): its name, a one-line help, worked examples, a function that
declares its arguments and a function that runs it.  Adding a subcommand is
one module and one entry in `COMMANDS`.

User text is parsed by `matcalc.parse` and values by `json.loads`; nothing the
user types is evaluated as Python.  Any `MatcalcError` is reported as
``matcalc: error: <message>`` on stderr with exit status 2, the status
argparse uses for bad usage.  With ``--json`` (docs/cli.md) the answer is one
JSON object on stdout (`matcalc.cli.report`), and so is an error, bad usage
included, still with exit status 2; an error writing the output itself (a
closed pipe, a full disk) is a JSON object on stderr, stdout being unusable.
"""

from __future__ import annotations

import argparse
import io
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import NoReturn

import matcalc
from matcalc.cli import check, code, diff, latex, parse, report, serve
from matcalc.cli import eval as eval_
from matcalc.cli.command import EXIT_ERROR, Command, InputError
from matcalc.errors import AbsentVariableError, MatcalcError
from matcalc.limits import DEFAULT_LENGTH, DEFAULT_WORK

__all__ = ["COMMANDS", "MAIN_EXAMPLES", "Command", "build_parser", "main"]

#: The subcommands, in the order ``matcalc --help`` lists them.
COMMANDS: tuple[Command, ...] = (
    diff.COMMAND,
    check.COMMAND,
    code.COMMAND,
    latex.COMMAND,
    parse.COMMAND,
    eval_.COMMAND,
    serve.COMMAND,
)

MAIN_EXAMPLES = """\
examples:
  matcalc diff "x'*A*x" --wrt x                         # (A+A')*x
  matcalc diff "W*x" --wrt W --as vec                   # x^\\top \\otimes I_{n}
  matcalc diff "W*x" --wrt W --steps                    # the derivation, step by step
  matcalc check "W*x" --wrt W --claim "(x'*vector(1))*vector(1)"   # refuted: exit status 1
  matcalc code "norm2(X*w-y)^2" --wrt w > lsq.py && python lsq.py
  matcalc latex "x'*A*x"                                # x^\\top A x
  matcalc parse "x'*A*x"
  matcalc eval "x'*A*x" --value "x=[1,2]" --value "A=[[2,0],[0,3]]"
  matcalc diff --wrt x -- "-x'*x"                       # '--' before an EXPR that starts with '-'
  matcalc check --help                                  # more examples for one command

The language is that of matrixcalculus.org: A*B product, A' transpose, A.*B
elementwise, tr det logdet inv diag sum norm1 norm2 softmax, exp log ... ;
see docs/syntax.md.
"""


class UsageError(Exception):
    """Bad usage that argparse found, raised instead of exiting when the answer is JSON."""


#: The arguments of the running `main` (what a usage error's hint reads).
_ARGV: ContextVar[Sequence[str]] = ContextVar("_ARGV", default=())


def _dash_hint(parser: argparse.ArgumentParser) -> str:
    """For an argument that starts with '-' but is no option (an EXPR such as ``-x'*x``): put it after '--'.

    argparse reads every such argument as an option, and then complains of a
    missing EXPR or an unknown option; the hint says what to write instead.
    """
    if not any(a.dest == "expr" for a in parser._actions):  # a parser without EXPR (matcalc itself)
        return ""
    argv = list(_ARGV.get())
    before = argv[: argv.index("--")] if "--" in argv else argv
    options = parser._option_string_actions  # argparse keeps its option strings here
    for arg in before:
        if len(arg) < 2 or arg[0] != "-" or arg.startswith("--") or arg.split("=")[0] in options:
            continue
        if arg[:2] in options and options[arg[:2]].nargs != 0:  # -kA=matrix: an option with its value
            continue
        return (f"; an EXPR that starts with '-' goes after '--', which ends the options: "
                f"{parser.prog} [options] -- {_quoted(arg)}")
    return ""


def _quoted(arg: str) -> str:
    """``arg`` as a shell word: in double quotes where that keeps it as it is (``"-x'*x"``)."""
    return f'"{arg}"' if not any(c in arg for c in '"$`\\!') else shlex.quote(arg)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors say where an EXPR that starts with '-' goes."""

    def error(self, message: str) -> NoReturn:
        super().error(message + _dash_hint(self))


class _JsonUsageParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are exceptions (the caller reports them as JSON)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}{_dash_hint(self)}")


def build_parser(json_errors: bool = False) -> argparse.ArgumentParser:
    """The argument parser of ``matcalc`` with one subparser per `Command`.

    With ``json_errors``, bad usage raises `UsageError` instead of printing the
    usage and exiting.
    """
    parser_class = _JsonUsageParser if json_errors else _Parser
    parser = parser_class(
        prog="matcalc",
        description=(
            "Symbolic matrix calculus: differentiate matrix expressions, check claimed\n"
            "derivatives, generate code, print LaTeX, parse and evaluate."
        ),
        epilog=MAIN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"matcalc {matcalc.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        p = sub.add_parser(
            command.name,
            help=command.help,
            description=command.help[0].upper() + command.help[1:] + ".",
            epilog=command.examples,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(p)
        _add_limit_arguments(p)
        p.set_defaults(run=command.run)
    return parser


#: The CLI's default time limit per command, in seconds (``--timeout``).
DEFAULT_TIMEOUT = 60.0


def _add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """``--max-work``, ``--timeout``, ``--max-length``: the limits of matcalc.limits, the CLI's defaults."""
    group = parser.add_argument_group("limits (docs/robustness.md)")
    group.add_argument(
        "--max-work", type=_positive(int), default=DEFAULT_WORK, metavar="N",
        help=f"most units of symbolic work (expression nodes built) per step (default {DEFAULT_WORK:,})",
    )  # fmt: skip
    group.add_argument(
        "--timeout", type=_positive(float), default=DEFAULT_TIMEOUT, metavar="SECONDS",
        help=f"most seconds of symbolic work per step (default {DEFAULT_TIMEOUT:g})",
    )  # fmt: skip
    group.add_argument(
        "--max-length", type=_positive(int), default=DEFAULT_LENGTH, metavar="N",
        help=f"most characters of an expression (default {DEFAULT_LENGTH:,}; a long result may need more)",
    )  # fmt: skip


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def read(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return read


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``matcalc`` with ``argv`` (default: the process arguments); return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    as_json = "--json" in argv[: argv.index("--") if "--" in argv else len(argv)]
    parser = build_parser(json_errors=as_json)
    token = _ARGV.set(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or bad usage (argparse printed why)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except UsageError as exc:
        return _fail_json(report.error_answer("UsageError", str(exc)))
    finally:
        _ARGV.reset(token)
    _readable_output()
    as_json = getattr(args, "json", False)
    fail = _fail_json_of if as_json else _fail_of
    try:
        work, length = int(args.max_work), int(args.max_length)
        with matcalc.limits(work=work, seconds=float(args.timeout), length=length):
            status: int = args.run(args)
        sys.stdout.flush()  # a full disk or closed pipe shows here, not at exit
    except MatcalcError as exc:
        return fail(_as_this_command_says(exc, args))
    except BrokenPipeError:
        _silence_stdout()
        return _fail_output("the output was closed before it was written (broken pipe)", as_json)
    except OSError as exc:  # e.g. > /dev/full
        _silence_stdout()
        return _fail_output(f"cannot write the output: {exc.strerror or exc}", as_json)
    except (RecursionError, MemoryError) as exc:
        return fail(MatcalcError(f"the input is too large or too deeply nested ({type(exc).__name__})"))
    return status


def _as_this_command_says(exc: MatcalcError, args: argparse.Namespace) -> MatcalcError:
    """An absent variable's error offering this command's opt-out: ``--if-absent zero``, or none."""
    if isinstance(exc, AbsentVariableError):
        return exc.offering("add --if-absent zero" if hasattr(args, "if_absent") else None)
    return exc


def _fail_output(message: str, as_json: bool) -> int:
    """An error writing stdout: on stderr, as JSON (type ``OutputError``) under ``--json``."""
    if not as_json:
        return _fail(message)
    try:
        print(report.dumps(report.error_answer("OutputError", message)), file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return EXIT_ERROR


def _fail_of(exc: MatcalcError) -> int:
    return _fail(str(exc))


def _fail_json_of(exc: MatcalcError) -> int:
    """A `MatcalcError` as a JSON answer: its type, message, and the input and position at fault."""
    field = None
    if isinstance(exc, InputError):
        field, exc = exc.field, exc.error
    position = getattr(exc, "position", None)
    if field is None and position is not None:  # a caret position: in the text of EXPR
        field = "expr"
    message = getattr(exc, "reason", None) if position is not None else None
    return _fail_json(report.error_answer(type(exc).__name__, message or str(exc), field, position))


def _fail_json(answer: report.Json) -> int:
    """Print an error answer on stdout (on stderr if stdout cannot be written) and return exit status 2."""
    try:
        print(report.dumps(answer))
        sys.stdout.flush()
    except (OSError, ValueError):
        _silence_stdout()
        try:
            print(report.dumps(answer), file=sys.stderr)
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
    return EXIT_ERROR


def _fail(message: str) -> int:
    """Report an error on stderr (if it is still open) and return exit status 2."""
    try:
        print(f"matcalc: error: {message}", file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return EXIT_ERROR


def _readable_output() -> None:
    """Characters the terminal's encoding lacks (δ, ∂ under PYTHONIOENCODING=ascii) print as escapes."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """Point stdout at the null device, so that the flush at exit cannot fail again."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a file (captured in tests): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
