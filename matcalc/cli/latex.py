"""``matcalc latex``: an expression as LaTeX, in matrix, index or vec form."""

from __future__ import annotations

import argparse

import matcalc
from matcalc.cli import report
from matcalc.cli.args import add_expression_arguments, add_json_argument, expression_text, kinds_of
from matcalc.cli.command import Command
from matcalc.errors import MatcalcError

LATEX_EXAMPLES = """\
examples:
  matcalc latex "x'*A*x"                               # x^\\top A x
  matcalc latex "x'*A*x" --form index                  # x_{p} A_{pq} x_{q}
  matcalc latex "W*x" --form vec --wrt W               # x^\\top \\otimes I_{n}: d vec(Wx)/d vec(W)^T
  matcalc latex "logdet(S) + tr(inv(S)*A)" --kind S=symmetric
  matcalc latex "exp(A*x)'*exp(A*x)" --where           # t_{1}^\\top t_{1}, where t_{1} = ...
  matcalc latex "x'*A*x" --json                        # the LaTeX, with the shape and kinds: JSON

The LaTeX has no $ delimiters.  The vec form is the first derivative by the
--wrt variable as Kronecker products (column-major vec, Magnus & Neudecker).
For the LaTeX of a derivative of any order, use matcalc diff --as latex
(or --as index, --as vec).
"""


def _add_latex_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc latex``."""
    add_expression_arguments(parser)
    parser.add_argument(
        "--form",
        choices=("matrix", "index", "vec"),
        default="matrix",
        help="matrix (like a paper, the default), index (Einstein notation) or vec "
        "(d vec(EXPR)/d vec(X)^T as Kronecker products; needs --wrt X)",
    )
    parser.add_argument("-w", "--wrt", metavar="NAME", help="the variable of --form vec")
    parser.add_argument(
        "--where", action="store_true",
        help="name every subexpression used more than once and define it below "
        "(without it, only those big enough to matter)",
    )
    add_json_argument(parser)


def _run_latex(args: argparse.Namespace) -> int:
    """Print the LaTeX of the expression."""
    if args.form == "vec" and args.wrt is None:
        raise MatcalcError("--form vec is a derivative: give the variable with --wrt NAME")
    if args.form != "vec" and args.wrt is not None:
        raise MatcalcError(f"--wrt is for --form vec (the form is {args.form})")
    if args.form == "vec" and args.where:
        raise MatcalcError("--where is for the matrix and index forms, not --form vec")
    parsed = matcalc.parse_result(expression_text(args.expr), kinds_of(args.kind))
    if args.form == "vec":
        output = matcalc.latex(parsed.expr, form="vec", wrt=args.wrt)
    else:
        output = matcalc.latex(parsed.expr, form=args.form, where=args.where or None)
    if args.json:
        answer = {**report.expression_answer(parsed), "form": args.form, "wrt": args.wrt, "output": output}
        print(report.dumps({"command": "latex", **answer}))
    else:
        print(output)
    return 0


COMMAND = Command(
    name="latex",
    help="print an expression as LaTeX",
    examples=LATEX_EXAMPLES,
    add_arguments=_add_latex_arguments,
    run=_run_latex,
)
