"""``matcalc eval``: the value of an expression at numbers given as JSON."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import matcalc
from matcalc.cli import report
from matcalc.cli.args import (
    add_expression_arguments,
    add_json_argument,
    expression_text,
    format_value,
    kinds_of,
    value_spec,
)
from matcalc.cli.command import Command
from matcalc.errors import MatcalcError
from matcalc.expr import Expr

EVAL_EXAMPLES = """\
examples:
  matcalc eval "x'*A*x" --value "x=[1,2]" --value "A=[[2,0],[0,3]]"
  matcalc eval "a*x + 1" --value a=2.5 --value "x=[1,2,3]"
  matcalc eval "logdet(S)" --kind S=symmetric --value "S=[[2,1],[1,2]]"
  matcalc eval --value a=2 -- "-a^2"        # '--' before an EXPR that starts with '-'
  matcalc eval "A*x" --value "x=[1,2]" --value "A=[[2,0],[0,3]]" --json   # {"value": [2.0, 6.0], ...}

Values are JSON: a number for a scalar, a list for a vector, a list of rows
for a matrix.  Vectors are plain lists; x and x' take the same value.
"""


def _add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc eval``."""
    add_expression_arguments(parser)
    parser.add_argument(
        "-v",
        "--value",
        metavar="NAME=JSON",
        type=value_spec,
        action="append",
        default=[],
        help="value of a symbol as JSON, e.g. x=[1,2] or A=[[1,0],[0,1]] or a=2.5 (repeatable)",
    )
    parser.add_argument(
        "--allow-nonfinite",
        action="store_true",
        help="accept NaN, Infinity and -Infinity in values (they are not JSON, so refused by default)",
    )
    add_json_argument(parser)


def _values_of(expr: Expr, specs: Sequence[tuple[str, np.ndarray[Any, Any]]]) -> Mapping[str, Any]:
    """The ``--value`` specs as a mapping, checked against the symbols of ``expr``."""
    values: dict[str, Any] = {}
    for name, value in specs:
        if name in values:
            raise MatcalcError(f"--value gives '{name}' more than once")
        values[name] = value
    names = {s.name for s in expr.symbols}
    missing = sorted(names - values.keys())
    if missing:
        listed = ", ".join(f"'{n}'" for n in missing)
        raise MatcalcError(f"no value for {listed}; give one with --value NAME=JSON")
    unused = sorted(values.keys() - names)
    if unused:
        listed = ", ".join(f"'{n}'" for n in unused)
        raise MatcalcError(f"--value given for {listed}, which the expression does not use")
    return values


#: The kind a value gives a name no --kind declares.
_KIND_OF_NDIM = {0: "scalar", 1: "vector", 2: "matrix"}


def _run_eval(args: argparse.Namespace) -> int:
    """Evaluate the expression at the given values and print the result.

    A name no ``--kind`` declares takes its kind from its value (a number is
    a scalar, a list a vector, a list of rows a matrix).
    """
    from_values = {name: _KIND_OF_NDIM[v.ndim] for name, v in args.value if v.ndim in _KIND_OF_NDIM}
    parsed = matcalc.parse_result(expression_text(args.expr), from_values | kinds_of(args.kind))
    values = _values_of(parsed.expr, args.value)
    if not args.allow_nonfinite:
        for name, value in values.items():
            if not np.all(np.isfinite(value)):
                raise MatcalcError(
                    f"the value of '{name}' has NaN or Infinity, which are not JSON; "
                    "pass --allow-nonfinite to use them"
                )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = matcalc.evaluate(parsed.expr, values)
    messages = list(dict.fromkeys(str(w.message) for w in caught))  # NumPy's, e.g. log of a negative
    if args.json:
        answer = {**report.expression_answer(parsed), "value": report.plain(result)}
        answer |= {"value_shape": list(np.shape(result)), "warnings": messages}
        print(report.dumps({"command": "eval", **answer}))
        return 0
    for message in messages:
        print(f"matcalc: warning: {message}", file=sys.stderr)
    print(format_value(result))
    return 0


COMMAND = Command(
    name="eval",
    help="evaluate an expression at numeric values",
    examples=EVAL_EXAMPLES,
    add_arguments=_add_eval_arguments,
    run=_run_eval,
)
