"""The ``matcalc`` command line.

Every subcommand is a `Command` defined by a module of this package named
after it (``diff.py``, ``check.py``, ``code.py``, ``latex.py``, ``parse.py``,
``eval.py``, ``serve.py``): its name, a one-line help, worked examples, a function that
declares its arguments and a function that runs it.  Adding a subcommand is
one module and one entry in `COMMANDS`.

User text is parsed by `matcalc.parse` and values by `json.loads`; nothing the
user types is evaluated as Python.  Any `MatcalcError` is reported as
``matcalc: error: <message>`` on stderr with exit status 2, the status
argparse uses for bad usage.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable, Sequence

import matcalc
from matcalc.cli import check, code, diff, latex, parse, serve
from matcalc.cli import eval as eval_
from matcalc.cli.command import EXIT_ERROR, Command
from matcalc.errors import MatcalcError
from matcalc.limits import DEFAULT_WORK

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
  matcalc check --help                                  # more examples for one command

The language is that of matrixcalculus.org: A*B product, A' transpose, A.*B
elementwise, tr det logdet inv diag sum norm1 norm2 softmax, exp log ... ;
see docs/syntax.md.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``matcalc`` with one subparser per `Command`."""
    parser = argparse.ArgumentParser(
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
    """``--max-work`` and ``--timeout``: the limits of matcalc.limits, with the CLI's defaults."""
    group = parser.add_argument_group("limits (docs/robustness.md)")
    group.add_argument(
        "--max-work", type=_positive(int), default=DEFAULT_WORK, metavar="N",
        help=f"most units of symbolic work (expression nodes built) per step (default {DEFAULT_WORK:,})",
    )  # fmt: skip
    group.add_argument(
        "--timeout", type=_positive(float), default=DEFAULT_TIMEOUT, metavar="SECONDS",
        help=f"most seconds of symbolic work per step (default {DEFAULT_TIMEOUT:g})",
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
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or bad usage (argparse printed why)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    _readable_output()
    try:
        with matcalc.limits(work=int(args.max_work), seconds=float(args.timeout)):
            status: int = args.run(args)
        sys.stdout.flush()  # a full disk or closed pipe shows here, not at exit
    except MatcalcError as exc:
        return _fail(str(exc))
    except BrokenPipeError:
        _silence_stdout()
        return _fail("the output was closed before it was written (broken pipe)")
    except OSError as exc:  # e.g. > /dev/full
        _silence_stdout()
        return _fail(f"cannot write the output: {exc.strerror or exc}")
    except (RecursionError, MemoryError) as exc:
        return _fail(f"the input is too large or too deeply nested ({type(exc).__name__})")
    return status


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
