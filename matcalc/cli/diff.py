"""``matcalc diff``: a derivative of any order, in text, LaTeX, index, vec form or as code."""

from __future__ import annotations

import argparse

import matcalc
from matcalc.cli import report
from matcalc.cli.args import (
    add_expression_arguments,
    add_json_argument,
    add_wrt_argument,
    expression_text,
    kinds_of,
)
from matcalc.cli.command import Command
from matcalc.errors import MatcalcError

DIFF_EXAMPLES = """\
examples:
  matcalc diff "x'*A*x" --wrt x                      # (A+A')*x
  matcalc diff "x'*A*x" --wrt x --steps              # the derivation, with its Kronecker deltas
  matcalc diff "x'*A*x" --wrt x --as latex           # (A + A^\\top) x
  matcalc diff "W*x" --wrt W --as vec                # x^\\top \\otimes I_{n}
  matcalc diff "x'*A*x" --wrt x --wrt x              # the Hessian: A+A'
  matcalc diff "logdet(S)" --wrt S --kind S=symmetric
  matcalc diff "sum(log(1+exp(-y.*(X*w))))" --wrt w  # logistic regression
  matcalc diff "W*x" --wrt W                         # order 3: (i,j,k) -> x[k]*δ[i,j]
  matcalc diff "W*x" --wrt W --json                  # text, shape, every LaTeX form, kinds: JSON
  echo "x'*A*x" | matcalc diff - --wrt x             # the expression from stdin

The result has the shape of the expression followed by the shape of each
variable (the layout of jax.jacobian): a gradient has the variable's shape.
Results with no matrix form print in index notation.
"""


def _add_diff_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc diff``."""
    add_expression_arguments(parser)
    add_wrt_argument(parser, "variable to differentiate by; repeat for higher derivatives (--wrt x --wrt x)")
    parser.add_argument(
        "--as",
        dest="form",
        choices=DIFF_FORMS,
        default=None,
        help="text (input syntax, the default), latex (matrix form), index (Einstein notation), "
        "vec (d vec(f)/d vec(X)^T, first derivatives), numpy (a function computing f and the derivative); "
        "--json gives every form but numpy",
    )
    parser.add_argument("--steps", action="store_true", help="show the derivation step by step")
    parser.add_argument(
        "--if-absent",
        choices=("error", "zero"),
        default="error",
        help="a variable the expression does not contain: an error (exit status 2, the default) or zero",
    )
    add_json_argument(parser)


DIFF_FORMS = ("text", "latex", "index", "vec", "numpy")


def _variables(f: matcalc.Expr, wrt: list[str], kinds: dict[str, str]) -> list[str | matcalc.Expr]:
    """The variables: a name the expression lacks takes its --kind, not its first letter's (issue 12)."""
    present = {sym.name for sym in f.symbols}
    return [matcalc.symbol(w, kinds[w]) if w in kinds and w not in present else w for w in wrt]


def _run_diff(args: argparse.Namespace) -> int:
    """Differentiate and print the derivative (or its derivation) in the chosen form."""
    if args.json and args.form is not None:
        raise MatcalcError("--json gives the derivative in every form: drop --as (use matcalc code for code)")
    kinds = kinds_of(args.kind)
    parsed = matcalc.parse_result(expression_text(args.expr), kinds)
    f = parsed.expr
    wrt = _variables(f, args.wrt, kinds)
    if args.steps and not args.json:
        explanation = matcalc.explain(f, *wrt, if_absent=args.if_absent)
        print(explanation.latex() if args.form == "latex" else explanation)
        return 0
    derivative = matcalc.diff(f, *wrt, if_absent=args.if_absent)
    if args.json:
        answer = {**report.expression_answer(parsed), "wrt": args.wrt}
        answer["derivative"] = report.derivative_answer(f, wrt, derivative, steps=args.steps)
        print(report.dumps({"command": "diff", **answer}))
    elif args.form in (None, "text"):
        print(derivative)
    elif args.form in ("latex", "index"):
        print(matcalc.latex(derivative, form="matrix" if args.form == "latex" else "index"))
    elif args.form == "vec":
        if len(args.wrt) != 1:
            raise MatcalcError("--as vec is for first derivatives: give one --wrt")
        absent = args.wrt[0] not in {s.name for s in f.symbols}  # with --if-absent zero: a zero Jacobian
        print("0" if absent else matcalc.latex(f, form="vec", wrt=args.wrt[0]))
    else:
        name = "d" + "d".join(args.wrt)
        print(matcalc.numpy_code({"f": f, name: derivative}), end="")
    return 0


COMMAND = Command(
    name="diff",
    help="differentiate an expression (gradient, Jacobian, Hessian, ...)",
    examples=DIFF_EXAMPLES,
    add_arguments=_add_diff_arguments,
    run=_run_diff,
)
