"""``matcalc parse``: an expression printed back, with its shape and symbols."""

from __future__ import annotations

import argparse

import matcalc
from matcalc.cli import report
from matcalc.cli.args import (
    add_expression_arguments,
    add_json_argument,
    describe_shape,
    dims_text,
    expression_text,
    kinds_of,
)
from matcalc.cli.command import Command

PARSE_EXAMPLES = """\
examples:
  matcalc parse "x'*A*x"
  matcalc parse "X*w-y"                     # X is n x m, w has length m, y length n
  matcalc parse "logdet(S) + tr(inv(S)*A)" --kind S=symmetric
  matcalc parse "norm2(X*w-y)^2 + lam*norm2(w)^2" --json   # kinds, shapes, LaTeX as JSON
  echo "x'*A*x" | matcalc parse -                           # the expression from stdin

Each symbol's kind is declared (--kind), inferred from its uses (lam in
"norm2(w)^2 + lam*norm2(w)^2" is a scalar), or guessed from its first letter
(a-g scalar, h-z vector, A-Z matrix) where the uses leave it open.
Dimensions print as SYMBOL.AXIS: A.0 is the number of rows of A, A.1 its
number of columns, x.0 the length of x.  Dimensions that the expression forces
to be equal print as one name.
"""


def _run_parse(args: argparse.Namespace) -> int:
    """Print the expression back in input syntax, its shape, its symbols and how their kinds were decided."""
    result = matcalc.parse_result(expression_text(args.expr), kinds_of(args.kind))
    if args.json:
        print(report.dumps({"command": "parse", **report.expression_answer(result)}))
        return 0
    expr = result.expr
    print(f"expression: {expr}")
    print(f"shape: {describe_shape(expr)}")
    print("symbols:" if expr.symbols else "symbols: none")
    width = max((len(s.name) for s in expr.symbols), default=0)
    dims_width = max((len(dims_text(s.shape)) for s in expr.symbols), default=0)
    for s in expr.symbols:
        how = _HOW[(s.name in result.inferred) + 2 * (s.name in result.guessed)]
        print(f"  {s.name:<{width}}  {s.kind:<9}  {dims_text(s.shape):<{dims_width}}  {how}".rstrip())
    if result.guessed:
        names = ", ".join(result.guessed)
        print(f"guessed from the first letter: {names} (declare with --kind NAME=KIND to be sure)")
    return 0


_HOW = {0: "declared", 1: "inferred from use", 2: "guessed from first letter"}


def _add_parse_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc parse``."""
    add_expression_arguments(parser)
    add_json_argument(parser)


COMMAND = Command(
    name="parse",
    help="parse an expression; print it back, its shape and its symbols",
    examples=PARSE_EXAMPLES,
    add_arguments=_add_parse_arguments,
    run=_run_parse,
)
