"""``matcalc code``: a value-and-gradient module with a built-in gradient check."""

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
from matcalc.gradcheck import value_and_gradient

CODE_EXAMPLES = """\
examples:
  matcalc code "norm2(X*w-y)^2" --wrt w > lsq.py && python lsq.py   # runs its gradient check
  matcalc code "sum(log(1+exp(-y.*(X*w))))" --wrt w --name logistic
  matcalc code "x'*A*x" --wrt x --wrt A --backend torch          # two gradients
  matcalc code "logdet(S) + tr(inv(S)*A)" --wrt S --kind S=symmetric --backend jax
  matcalc code "L(W*x+b)" --wrt W --kind "L=scalar function" --kind b=vector
  matcalc code "norm2(X*w-y)^2" --wrt w --backend array_api   # any array-API library
  matcalc code "norm2(X*w-y)^2" --wrt w --json                # the module in a JSON answer

The module defines f(...) (see --name), which returns a dict: "f", the value,
and "grad_w" for each --wrt w ("jac_w" when the value is not a scalar), in
matcalc's layout.  That is matrixcalculus.org's fAndG, by name rather than by
position.  It also defines check_f(), which compares each derivative with
central differences of the value at random inputs of sizes 2 to 5, and a
__main__ block: "python module.py" prints the largest relative error and
exits with status 0 if it is at most 1e-6, 1 if not, 2 if no usable inputs
were found.  The module imports only its array library (and NumPy).  An
expression of abstract functions takes them as arguments and gets no
built-in check.
"""


def _add_code_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc code``."""
    add_expression_arguments(parser)
    add_wrt_argument(
        parser, "variable of a gradient; repeat for the gradients by several variables (--wrt X --wrt w)"
    )
    parser.add_argument(
        "-b", "--backend", choices=CODE_BACKENDS, default="numpy", help="array library (default: numpy)"
    )
    parser.add_argument("-n", "--name", default="f", help="name of the generated function (default: f)")
    add_json_argument(parser)


CODE_BACKENDS = ("numpy", "jax", "torch", "array_api")


def _run_code(args: argparse.Namespace) -> int:
    """Print a module computing the value and gradients, with a gradient check."""
    parsed = matcalc.parse_result(expression_text(args.expr), kinds_of(args.kind))
    source = value_and_gradient(parsed.expr, args.wrt, args.name, args.backend)
    if args.json:
        answer = {**report.expression_answer(parsed), "wrt": args.wrt, "backend": args.backend}
        answer |= {"name": args.name, "code": source}
        print(report.dumps({"command": "code", **answer}))
    else:
        print(source, end="")
    return 0


COMMAND = Command(
    name="code",
    help="generate a value-and-gradient function with a built-in gradient check",
    examples=CODE_EXAMPLES,
    add_arguments=_add_code_arguments,
    run=_run_code,
)
