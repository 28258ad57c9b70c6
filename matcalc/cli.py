"""The ``matcalc`` command line.

Every subcommand is a `Command`: its name, a one-line help, worked examples,
a function that declares its arguments and a function that runs it.  Adding a
subcommand is writing those two functions and one entry in `COMMANDS`.

User text is parsed by `matcalc.parse` and values by `json.loads`; nothing the
user types is evaluated as Python.  Any `MatcalcError` is reported as
``matcalc: error: <message>`` on stderr with exit status 2, the status
argparse uses for bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import matcalc
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import FUNCTION_KINDS, KINDS, Expr
from matcalc.gradcheck import value_and_gradient

__all__ = ["COMMANDS", "Command", "build_parser", "main"]

#: Exit status for bad input of any kind (argparse uses it for bad usage too).
EXIT_ERROR = 2

#: Every kind ``--kind`` accepts: those of arrays, then those of abstract functions.
ALL_KINDS = (*KINDS, *FUNCTION_KINDS)


@dataclass(frozen=True, slots=True)
class Command:
    """One subcommand of ``matcalc``."""

    name: str
    help: str
    examples: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# ---- argument types (argparse turns their errors into usage errors, exit 2) -------------


def _kind_spec(text: str) -> tuple[str, str]:
    """Parse ``NAME=KIND`` of ``--kind``."""
    name, sep, kind = text.partition("=")
    name, kind = name.strip(), " ".join(kind.split())  # "scalar  function" is "scalar function"
    if not sep or not name or not kind:
        raise argparse.ArgumentTypeError(f"expected NAME=KIND, got {text!r}")
    if not (name.isidentifier() and name.isascii()):
        raise argparse.ArgumentTypeError(f"{name!r} is not a symbol name")
    if kind not in ALL_KINDS:
        raise argparse.ArgumentTypeError(
            f"unknown kind {kind!r} for '{name}'; kinds are {', '.join(ALL_KINDS)}"
        )
    return name, kind


def _check_numeric(name: str, data: object) -> None:
    """Raise unless ``data`` is a number or (nested) lists of numbers."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool) or not isinstance(item, int | float):
            raise argparse.ArgumentTypeError(
                f"the value of '{name}' must be a number or nested lists of numbers, found {json.dumps(item)}"
            )


def _value_spec(text: str) -> tuple[str, np.ndarray[Any, np.dtype[np.float64]]]:
    """Parse ``NAME=JSON`` of ``--value`` into a float array (0-d for a scalar)."""
    name, sep, source = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=JSON, got {text!r}")
    if not (name.isidentifier() and name.isascii()):
        raise argparse.ArgumentTypeError(f"{name!r} is not a symbol name")
    try:
        data = json.loads(source)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"the value of '{name}' is not valid JSON: {exc}") from None
    except RecursionError:
        raise argparse.ArgumentTypeError(f"the value of '{name}' is nested too deeply") from None
    _check_numeric(name, data)
    try:
        array = np.asarray(data, dtype=np.float64)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the value of '{name}' is not a rectangular array (rows of different lengths)"
        ) from None
    return name, array


# ---- shared arguments and helpers ------------------------------------------------------


def _add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare EXPR and ``--kind``, which every subcommand that reads an expression takes."""
    parser.add_argument("expr", metavar="EXPR", help='the expression, e.g. "x\'*A*x"')
    parser.add_argument(
        "-k",
        "--kind",
        metavar="NAME=KIND",
        type=_kind_spec,
        action="append",
        default=[],
        help=(
            f"kind of a symbol, one of {', '.join(ALL_KINDS)} (repeatable; quote the "
            'function kinds: --kind "L=scalar function"); a symbol given no kind '
            "takes it from its first letter: a-g scalar, h-z vector, A-Z matrix"
        ),
    )


def _kinds(specs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The ``--kind`` specs as a mapping; a name given two different kinds is an error."""
    kinds: dict[str, str] = {}
    for name, kind in specs:
        if kinds.setdefault(name, kind) != kind:
            raise MatcalcError(f"--kind gives '{name}' two kinds: {kinds[name]} and {kind}")
    return kinds


def _parse(args: argparse.Namespace) -> Expr:
    """Parse the EXPR argument with the ``--kind`` specs."""
    return matcalc.parse(args.expr, _kinds(args.kind))


def _dims(shape: Sequence[Dim]) -> str:
    """``A.0 x A.1``: the dimensions of a shape."""
    return " x ".join(repr(d) for d in shape)


def describe_shape(e: Expr) -> str:
    """A phrase for the shape of ``e``: ``scalar``, ``column vector of length x.0``, ..."""
    if not e.shape:
        return "scalar"
    if len(e.shape) == 1:
        return f"{'row' if e.row else 'column'} vector of length {e.shape[0]!r}"
    if len(e.shape) == 2:
        return f"{_dims(e.shape)} matrix"
    return f"{_dims(e.shape)} order-{len(e.shape)} tensor"


def format_value(value: object) -> str:
    """A value as plain numbers: ``14.0``, ``[1. 2.]`` (no ``array(...)`` around it)."""
    array = np.asarray(value)
    if array.ndim == 0:
        return str(array.item())
    return np.array2string(array, threshold=sys.maxsize)


# ---- matcalc parse -----------------------------------------------------------------------

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
    expr = _parse(args)
    print(f"expression: {expr}")
    print(f"shape: {describe_shape(expr)}")
    print("symbols:" if expr.symbols else "symbols: none")
    width = max((len(s.name) for s in expr.symbols), default=0)
    for s in expr.symbols:
        print(f"  {s.name:<{width}}  {s.kind:<9}  {_dims(s.shape)}".rstrip())
    return 0


# ---- matcalc eval ------------------------------------------------------------------------

EVAL_EXAMPLES = """\
examples:
  matcalc eval "x'*A*x" --value "x=[1,2]" --value "A=[[2,0],[0,3]]"
  matcalc eval "a*x + 1" --value a=2.5 --value "x=[1,2,3]"
  matcalc eval "logdet(S)" --kind S=symmetric --value "S=[[2,1],[1,2]]"
  matcalc eval --value a=2 -- "-a^2"        # '--' before an EXPR that starts with '-'

Values are JSON: a number for a scalar, a list for a vector, a list of rows
for a matrix.  Vectors are plain lists; x and x' take the same value.
"""


def _add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc eval``."""
    _add_expression_arguments(parser)
    parser.add_argument(
        "-v",
        "--value",
        metavar="NAME=JSON",
        type=_value_spec,
        action="append",
        default=[],
        help="value of a symbol as JSON, e.g. x=[1,2] or A=[[1,0],[0,1]] or a=2.5 (repeatable)",
    )


def _values(expr: Expr, specs: Sequence[tuple[str, np.ndarray[Any, Any]]]) -> Mapping[str, Any]:
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


def _run_eval(args: argparse.Namespace) -> int:
    """Evaluate the expression at the given values and print the result."""
    expr = _parse(args)
    values = _values(expr, args.value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = matcalc.evaluate(expr, values)
    for message in dict.fromkeys(str(w.message) for w in caught):  # NumPy's, e.g. log of a negative
        print(f"matcalc: warning: {message}", file=sys.stderr)
    print(format_value(result))
    return 0


# ---- matcalc diff ------------------------------------------------------------------------

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

The result has the shape of the expression followed by the shape of each
variable (the layout of jax.jacobian): a gradient has the variable's shape.
Results with no matrix form print in index notation.
"""


def _add_wrt_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """Declare ``--wrt``, required and repeatable."""
    parser.add_argument("-w", "--wrt", metavar="NAME", action="append", required=True, help=help)


def _add_diff_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc diff``."""
    _add_expression_arguments(parser)
    _add_wrt_argument(parser, "variable to differentiate by; repeat for higher derivatives (--wrt x --wrt x)")
    parser.add_argument(
        "--as",
        dest="form",
        choices=DIFF_FORMS,
        default="text",
        help="text (input syntax, the default), latex (matrix form), index (Einstein notation), "
        "vec (d vec(f)/d vec(X)^T, first derivatives), numpy (a function computing f and the derivative)",
    )
    parser.add_argument("--steps", action="store_true", help="show the derivation step by step")


DIFF_FORMS = ("text", "latex", "index", "vec", "numpy")


def _run_diff(args: argparse.Namespace) -> int:
    """Differentiate and print the derivative (or its derivation) in the chosen form."""
    f = _parse(args)
    if args.steps:
        explanation = matcalc.explain(f, *args.wrt)
        print(explanation.latex() if args.form == "latex" else explanation)
        return 0
    derivative = matcalc.diff(f, *args.wrt)
    if args.form == "text":
        print(derivative)
    elif args.form in ("latex", "index"):
        print(matcalc.latex(derivative, form="matrix" if args.form == "latex" else "index"))
    elif args.form == "vec":
        if len(args.wrt) != 1:
            raise MatcalcError("--as vec is for first derivatives: give one --wrt")
        print(matcalc.latex(f, form="vec", wrt=args.wrt[0]))
    else:
        name = "d" + "d".join(args.wrt)
        print(matcalc.numpy_code({"f": f, name: derivative}), end="")
    return 0


# ---- matcalc check -------------------------------------------------------------------------

CHECK_EXAMPLES = """\
examples:
  matcalc check "x'*A*x" --wrt x --claim "(A+A')*x"        # right: exit status 0
  matcalc check "x'*A*x" --wrt x --claim "2*A*x"           # right only for symmetric A: 1
  matcalc check "W*x" --wrt W --claim "(x'*vector(1))*vector(1)"     # wrong shape: 1
  matcalc check "norm2(W*x+b)^2" --wrt W --claim "2*(W*x+b)*x'" --kind b=vector
  matcalc check "logdet(S)" --wrt S --claim "inv(S)" --kind S=symmetric
  matcalc check "L(W*x+b)" --wrt W --claim "grad(L)(W*x+b)*x'" --kind "L=scalar function" --kind b=vector

The claim is compared with matcalc's derivative, in its layout (the shape of
the expression, then that of the variable; see docs/conventions.md), at
random points and sizes.  A wrong claim is explained in words (wrong shape,
transposed, a factor off, right only for symmetric matrices, ...) and shown
false at a counterexample.  Exit status: 0 when the claim is right, 1 when it
is wrong, 2 for bad input.
"""


def _add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc check``."""
    _add_expression_arguments(parser)
    _add_wrt_argument(parser, "variable to differentiate by; repeat for higher derivatives")
    parser.add_argument("-c", "--claim", required=True, help="the claimed derivative, in the syntax of EXPR")


def _run_check(args: argparse.Namespace) -> int:
    """Compare the claim with the derivative; 0 if it is right, 1 if not."""
    f = _parse(args)
    kinds = _kinds(args.kind)
    # The claim's symbols are the expression's: the same kinds, even those taken from a first letter.
    claim_kinds = {**{s.name: s.kind for s in f.symbols}, **kinds}
    try:
        claim = matcalc.parse(args.claim, claim_kinds)
    except MatcalcError as exc:
        raise MatcalcError(f"in --claim: {exc}") from None
    result = matcalc.check(f, args.wrt, claim, kinds)
    print(result)
    return 0 if result.ok else 1


# ---- matcalc code --------------------------------------------------------------------------

CODE_EXAMPLES = """\
examples:
  matcalc code "norm2(X*w-y)^2" --wrt w > lsq.py && python lsq.py   # runs its gradient check
  matcalc code "sum(log(1+exp(-y.*(X*w))))" --wrt w --name logistic
  matcalc code "x'*A*x" --wrt x --wrt A --backend torch          # two gradients
  matcalc code "logdet(S) + tr(inv(S)*A)" --wrt S --kind S=symmetric --backend jax
  matcalc code "L(W*x+b)" --wrt W --kind "L=scalar function" --kind b=vector

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
    _add_expression_arguments(parser)
    _add_wrt_argument(
        parser, "variable of a gradient; repeat for the gradients by several variables (--wrt X --wrt w)"
    )
    parser.add_argument(
        "-b", "--backend", choices=CODE_BACKENDS, default="numpy", help="array library (default: numpy)"
    )
    parser.add_argument("-n", "--name", default="f", help="name of the generated function (default: f)")


CODE_BACKENDS = ("numpy", "jax", "torch")


def _run_code(args: argparse.Namespace) -> int:
    """Print a module computing the value and gradients, with a gradient check."""
    print(value_and_gradient(_parse(args), args.wrt, args.name, args.backend), end="")
    return 0


# ---- matcalc latex -------------------------------------------------------------------------

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
    _add_expression_arguments(parser)
    parser.add_argument(
        "--form",
        choices=("matrix", "index"),
        default="matrix",
        help="matrix (like a paper, the default) or index (Einstein notation)",
    )
    parser.add_argument(
        "--where", action="store_true", help="name subexpressions used more than once and define them below"
    )


def _run_latex(args: argparse.Namespace) -> int:
    """Print the LaTeX of the expression."""
    print(matcalc.latex(_parse(args), form=args.form, where=args.where))
    return 0


# ---- the command table and main ------------------------------------------------------------

COMMANDS: tuple[Command, ...] = (
    Command(
        name="diff",
        help="differentiate an expression (gradient, Jacobian, Hessian, ...)",
        examples=DIFF_EXAMPLES,
        add_arguments=_add_diff_arguments,
        run=_run_diff,
    ),
    Command(
        name="check",
        help="check a claimed derivative with numbers, and say what is wrong with it",
        examples=CHECK_EXAMPLES,
        add_arguments=_add_check_arguments,
        run=_run_check,
    ),
    Command(
        name="code",
        help="generate a value-and-gradient function with a built-in gradient check",
        examples=CODE_EXAMPLES,
        add_arguments=_add_code_arguments,
        run=_run_code,
    ),
    Command(
        name="latex",
        help="print an expression as LaTeX",
        examples=LATEX_EXAMPLES,
        add_arguments=_add_latex_arguments,
        run=_run_latex,
    ),
    Command(
        name="parse",
        help="parse an expression; print it back, its shape and its symbols",
        examples=PARSE_EXAMPLES,
        add_arguments=_add_expression_arguments,
        run=_run_parse,
    ),
    Command(
        name="eval",
        help="evaluate an expression at numeric values",
        examples=EVAL_EXAMPLES,
        add_arguments=_add_eval_arguments,
        run=_run_eval,
    ),
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
