"""Arguments and output helpers that the subcommands share.

Values are read with `json.loads` and expressions with `matcalc.parse`;
nothing the user types is evaluated as Python.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import FUNCTION_KINDS, KINDS, Expr
from matcalc.limits import max_length
from matcalc.parse import MAX_LENGTH

__all__ = [
    "ALL_KINDS",
    "add_expression_arguments",
    "add_json_argument",
    "add_wrt_argument",
    "describe_shape",
    "dims_text",
    "expression_text",
    "format_value",
    "kind_spec",
    "kinds_of",
    "read_stdin",
    "value_spec",
]

#: Every kind ``--kind`` accepts: those of arrays, then those of abstract functions.
ALL_KINDS = (*KINDS, *FUNCTION_KINDS)


def kind_spec(text: str) -> tuple[str, str]:
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


def check_numeric(name: str, data: object) -> None:
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


def value_spec(text: str) -> tuple[str, np.ndarray[Any, np.dtype[np.float64]]]:
    """Parse ``NAME=JSON`` of ``--value`` into a float array (0-d for a scalar).

    Strict JSON: ``NaN`` and ``Infinity`` (not JSON) become NaN and infinity, which
    ``matcalc eval`` accepts only with ``--allow-nonfinite``; a number beyond
    floating point (``1e400``, a 401-digit integer) is refused.
    """
    name, sep, source = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=JSON, got {text!r}")
    if not (name.isidentifier() and name.isascii()):
        raise argparse.ArgumentTypeError(f"{name!r} is not a symbol name")
    try:
        data = json.loads(source, parse_float=_finite_float, parse_int=_float_int)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"the value of '{name}' is not valid JSON: {exc}") from None
    except _TooLarge as exc:
        raise argparse.ArgumentTypeError(
            f"the value of '{name}' has the number {exc}, too large for floating point (at most 1.8e308)"
        ) from None
    except (RecursionError, ValueError):  # nested too deeply; an integer of over 4300 digits
        raise argparse.ArgumentTypeError(f"the value of '{name}' is nested too deeply or too long") from None
    check_numeric(name, data)
    try:
        array = np.asarray(data, dtype=np.float64)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the value of '{name}' is not a rectangular array (rows of different lengths)"
        ) from None
    return name, array


class _TooLarge(Exception):
    """A JSON number that overflows floating point (the message is the number, shortened)."""


def _short_number(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} characters)"


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _TooLarge(_short_number(text))
    return value


def _float_int(text: str) -> int:
    value = int(text)
    if abs(value) > sys.float_info.max:
        raise _TooLarge(_short_number(text))
    return value


def add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare EXPR and ``--kind``, which every subcommand that reads an expression takes."""
    parser.add_argument(
        "expr", metavar="EXPR",
        help="the expression, e.g. \"x'*A*x\"; - reads it from stdin (UTF-8); one that starts with '-' "
        "goes after '--', which ends the options (-- \"-x'*x\")",
    )
    parser.add_argument(
        "-k",
        "--kind",
        metavar="NAME=KIND",
        type=kind_spec,
        action="append",
        default=[],
        help=(
            f"kind of a symbol, one of {', '.join(ALL_KINDS)} (repeatable; quote the "
            'function kinds: --kind "L=scalar function"); a symbol given no kind '
            "takes it from its first letter: a-g scalar, h-z vector, A-Z matrix"
        ),
    )


def kinds_of(specs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The ``--kind`` specs as a mapping; a name given two different kinds is an error."""
    kinds: dict[str, str] = {}
    for name, kind in specs:
        if kinds.setdefault(name, kind) != kind:
            raise MatcalcError(f"--kind gives '{name}' two kinds: {kinds[name]} and {kind}")
    return kinds


#: Most bytes ``-`` reads from stdin by default: room for the parser's longest text in UTF-8
#: (``--max-length N`` makes it 4*N).
MAX_STDIN_BYTES = 4 * MAX_LENGTH


def expression_text(text: str, what: str = "the expression") -> str:
    """``text`` itself, or for ``-`` the text on stdin (see `read_stdin`)."""
    return read_stdin(what) if text == "-" else text


def read_stdin(what: str = "the expression") -> str:
    """The text on stdin: UTF-8 (a byte-order mark is dropped), at most 4 bytes per character parsed.

    Trailing white space (the newline of ``echo``) is dropped, so that error
    positions count characters from the start of stdin.

    Raises:
        MatcalcError: no stdin, more bytes than that, bytes that are not UTF-8, or only white space.
    """
    stream = sys.stdin
    if stream is None or stream.closed:
        raise MatcalcError(f"{what} is '-' (read it from stdin), but there is no stdin")
    length = max_length()
    most = 4 * length
    data = stream.buffer.read(most + 1) if hasattr(stream, "buffer") else stream.read().encode()
    if len(data) > most:
        raise MatcalcError(
            f"{what} on stdin is longer than {most:,} bytes "
            f"(an expression has at most {length:,} characters; --max-length N raises it)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MatcalcError(
            f"{what} on stdin is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            "cannot be decoded"
        ) from None
    if not text.strip():
        raise MatcalcError(f"{what} on stdin is empty ('-' reads it from stdin; pipe or redirect it there)")
    return text.rstrip()


def dims_text(shape: Sequence[Dim]) -> str:
    """``A.0 x A.1``: the dimensions of a shape."""
    return " x ".join(repr(d) for d in shape)


def describe_shape(e: Expr) -> str:
    """A phrase for the shape of ``e``: ``scalar``, ``column vector of length x.0``, ..."""
    if not e.shape:
        return "scalar"
    if len(e.shape) == 1:
        return f"{'row' if e.row else 'column'} vector of length {e.shape[0]!r}"
    if len(e.shape) == 2:
        return f"{dims_text(e.shape)} matrix"
    return f"{dims_text(e.shape)} order-{len(e.shape)} tensor"


def format_value(value: object) -> str:
    """A value as plain numbers: ``14.0``, ``[1. 2.]`` (no ``array(...)`` around it)."""
    array = np.asarray(value)
    if array.ndim == 0:
        return str(array.item())
    return np.array2string(array, threshold=sys.maxsize)


def add_wrt_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """Declare ``--wrt``, required and repeatable."""
    parser.add_argument("-w", "--wrt", metavar="NAME", action="append", required=True, help=help)


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    """Declare ``--json``: the answer (or the error) as one JSON object on stdout (docs/cli.md)."""
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the answer as one JSON object on stdout, errors too (exit status 2); see docs/cli.md",
    )
