"""``matcalc parse``: an expression printed back, with its shape and symbols."""

from __future__ import annotations

import argparse

from matcalc.cli.args import add_expression_arguments, describe_shape, dims_text, parse_expr
from matcalc.cli.command import Command

PARSE_EXAMPLES = """\
examples:
  matcalc parse "x'*A*x"
  matcalc parse "X*w-y"                     # X is n x m, w has length m, y length n
  matcalc parse "logdet(S) + tr(inv(S)*A)" --kind S=symmetric

Dimensions print as SYMBOL.AXIS: A.0 is the number of rows of A, A.1 its
number of columns, x.0 the length of x.  Dimensions that the expression forces
to be equal print as one name.
"""


def _run_parse(args: argparse.Namespace) -> int:
    """Print the expression back in input syntax, its shape and its symbols."""
    expr = parse_expr(args)
    print(f"expression: {expr}")
    print(f"shape: {describe_shape(expr)}")
    print("symbols:" if expr.symbols else "symbols: none")
    width = max((len(s.name) for s in expr.symbols), default=0)
    for s in expr.symbols:
        print(f"  {s.name:<{width}}  {s.kind:<9}  {dims_text(s.shape)}".rstrip())
    return 0


COMMAND = Command(
    name="parse",
    help="parse an expression; print it back, its shape and its symbols",
    examples=PARSE_EXAMPLES,
    add_arguments=add_expression_arguments,
    run=_run_parse,
)
