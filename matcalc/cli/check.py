"""``matcalc check``: a claimed derivative checked with numbers; what is wrong with it."""

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
from matcalc.cli.command import Command, InputError
from matcalc.errors import MatcalcError

CHECK_EXAMPLES = """\
examples:
  matcalc check "x'*A*x" --wrt x --claim "(A+A')*x"        # right: exit status 0
  matcalc check "x'*A*x" --wrt x --claim "2*A*x"           # right only for symmetric A: 1
  matcalc check "W*x" --wrt W --claim "(x'*vector(1))*vector(1)"     # wrong shape: 1
  matcalc check "norm2(W*x+b)^2" --wrt W --claim "2*(W*x+b)*x'" --kind b=vector
  matcalc check "logdet(S)" --wrt S --claim "inv(S)" --kind S=symmetric
  matcalc check "L(W*x+b)" --wrt W --claim "grad(L)(W*x+b)*x'" --kind "L=scalar function" --kind b=vector
  matcalc check "x'*A*x" --wrt x --claim "2*A*x" --json    # verdict, counterexample: JSON
  echo "2*A*x" | matcalc check "x'*A*x" --wrt x --claim -  # the claim from stdin

The claim is compared with matcalc's derivative, in its layout (the shape of
the expression, then that of the variable; see docs/conventions.md), at
random points and sizes.  A wrong claim is explained in words (wrong shape,
transposed, a factor off, right only for symmetric matrices, ...) and shown
false at a counterexample.  Exit status: 0 when the claim is right, 1 when it
is wrong, 2 for bad input.
"""


def _add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc check``."""
    add_expression_arguments(parser)
    add_wrt_argument(parser, "variable to differentiate by; repeat for higher derivatives")
    parser.add_argument(
        "-c",
        "--claim",
        required=True,
        help="the claimed derivative, in the syntax of EXPR; - reads it from stdin",
    )
    add_json_argument(parser)


def _run_check(args: argparse.Namespace) -> int:
    """Compare the claim with the derivative; 0 if it is right, 1 if not."""
    if args.expr == "-" and args.claim == "-":
        raise MatcalcError("EXPR and --claim are both '-': only one of them can be read from stdin")
    kinds = kinds_of(args.kind)
    parsed = matcalc.parse_result(expression_text(args.expr), kinds)
    f = parsed.expr
    # The claim's symbols are the expression's: the same kinds, even those taken from a first letter.
    claim_kinds = {**{s.name: s.kind for s in f.symbols}, **kinds}
    try:
        claim = matcalc.parse(expression_text(args.claim, "the claim"), claim_kinds)
    except MatcalcError as exc:
        raise InputError("claim", "in --claim", exc) from None
    result = matcalc.check(f, args.wrt, claim, kinds)
    if args.json:
        answer = {**report.expression_answer(parsed), "wrt": args.wrt, **report.check_answer(claim, result)}
        print(report.dumps({"command": "check", **answer}))
    else:
        print(result)
    return 0 if result.ok else 1


COMMAND = Command(
    name="check",
    help="check a claimed derivative with numbers, and say what is wrong with it",
    examples=CHECK_EXAMPLES,
    add_arguments=_add_check_arguments,
    run=_run_check,
)
