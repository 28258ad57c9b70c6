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
import sys
from collections.abc import Sequence

import matcalc
from matcalc.cli import check, code, diff, latex, parse, serve
from matcalc.cli import eval as eval_
from matcalc.cli.command import EXIT_ERROR, Command
from matcalc.errors import MatcalcError

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
        p.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``matcalc`` with ``argv`` (default: the process arguments); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or bad usage (argparse printed why)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    try:
        status: int = args.run(args)
    except MatcalcError as exc:
        print(f"matcalc: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return status
