"""``matcalc latex``: an expression as LaTeX, in matrix or index form."""

from __future__ import annotations

import argparse

import matcalc
from matcalc.cli.args import add_expression_arguments, parse_expr
from matcalc.cli.command import Command

LATEX_EXAMPLES = """\
examples:
  matcalc latex "x'*A*x"                               # x^\\top A x
  matcalc latex "x'*A*x" --form index                  # x_{p} A_{pq} x_{q}
  matcalc latex "logdet(S) + tr(inv(S)*A)" --kind S=symmetric
  matcalc latex "exp(A*x)'*exp(A*x)" --where           # t_{1}^\\top t_{1}, where t_{1} = ...

The LaTeX has no $ delimiters.  For that of a derivative, use
matcalc diff --as latex (or --as index, --as vec).
"""


def _add_latex_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc latex``."""
    add_expression_arguments(parser)
    parser.add_argument(
        "--form",
        choices=("matrix", "index"),
        default="matrix",
        help="matrix (like a paper, the default) or index (Einstein notation)",
    )
    parser.add_argument(
        "--where", action="store_true",
        help="name every subexpression used more than once and define it below "
        "(without it, only those big enough to matter)",
    )


def _run_latex(args: argparse.Namespace) -> int:
    """Print the LaTeX of the expression."""
    print(matcalc.latex(parse_expr(args), form=args.form, where=args.where or None))
    return 0


COMMAND = Command(
    name="latex",
    help="print an expression as LaTeX",
    examples=LATEX_EXAMPLES,
    add_arguments=_add_latex_arguments,
    run=_run_latex,
)
