"""What the web API computes: JSON-like requests in, JSON-ready answers out.

Each task (`derivative`, `check`, `code`) takes the decoded JSON body of a
request, validates it (types, lengths, names), calls matcalc's public API and
returns plain dicts, lists, strings and numbers.  Bad input raises
`RequestError`, which carries the HTTP status and, for a parse or shape error,
the field and the character position at fault, so that the page can put a
caret under it.  Nothing here imports a web library, and user text only ever
reaches `matcalc.parse` (never ``eval``).

A symbol's kind is reported as guessed when neither the request nor the
expression's uses decided it, only its first letter (`matcalc.parse_result`).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Mapping
from typing import Any

import matcalc as mc
from matcalc.cli.report import check_answer, derivative_answer, expression_answer
from matcalc.errors import AbsentVariableError, MatcalcError
from matcalc.expr import FUNCTION_KINDS, KINDS, Expr
from matcalc.gradcheck import value_and_gradient

__all__ = [
    "ALL_KINDS",
    "BACKENDS",
    "MAX_EXPRESSION",
    "MAX_ORDER",
    "MAX_SYMBOLS",
    "TASKS",
    "RequestError",
    "check",
    "code",
    "derivative",
    "handle",
]

#: Longest expression or claim accepted, in characters.
MAX_EXPRESSION = 2_000
#: Most entries of ``kinds`` accepted.
MAX_SYMBOLS = 64
#: Most variables in ``wrt`` (the order of the derivative).
MAX_ORDER = 8
#: Array libraries of the generated code.
BACKENDS = ("numpy", "jax", "torch")
#: Every kind a symbol can be given: those of arrays, then those of abstract functions.
ALL_KINDS = (*KINDS, *FUNCTION_KINDS)

Json = dict[str, Any]
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


class RequestError(Exception):
    """A request the API cannot answer: its HTTP status and what to tell the client."""

    def __init__(
        self, status: int, message: str, field: str | None = None, position: int | None = None, kind: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.position = position
        self.kind = kind or "RequestError"

    def to_json(self) -> Json:
        """The body of the error response."""
        return {
            "error": {
                "type": self.kind,
                "message": self.message,
                "field": self.field,
                "position": self.position,
            }
        }


# ---- reading a request ------------------------------------------------------------------


def _text(request: Mapping[str, Any], field: str, default: str | None = None) -> str:
    """A string field, present (unless it has a default) and at most `MAX_EXPRESSION` long."""
    value = request.get(field, default)
    if not isinstance(value, str):
        raise RequestError(400, f"'{field}' must be a string", field)
    if len(value) > MAX_EXPRESSION:
        raise RequestError(413, f"'{field}' is longer than {MAX_EXPRESSION} characters", field)
    if not value.strip():
        raise RequestError(422, f"'{field}' is empty", field, 0)
    return value


def _wrt(request: Mapping[str, Any], limit: int = MAX_ORDER) -> list[str]:
    """The variables to differentiate by: a list of at most ``limit`` symbol names."""
    wrt = request.get("wrt", [])
    if isinstance(wrt, str):
        wrt = [wrt]
    if not isinstance(wrt, list) or not all(isinstance(w, str) for w in wrt):
        raise RequestError(400, "'wrt' must be a list of symbol names", "wrt")
    if len(wrt) > limit:
        raise RequestError(422, f"'wrt' has {len(wrt)} variables; at most {limit} are accepted", "wrt")
    for w in wrt:
        if not _NAME.fullmatch(w):
            raise RequestError(422, f"'wrt': {w!r} is not a symbol name", "wrt")
    return wrt


def _kinds(request: Mapping[str, Any]) -> dict[str, str]:
    """The kinds the request gives: a mapping of at most `MAX_SYMBOLS` names to known kinds."""
    kinds = request.get("kinds", {})
    if not isinstance(kinds, dict):
        raise RequestError(400, "'kinds' must be an object mapping symbol names to kinds", "kinds")
    if len(kinds) > MAX_SYMBOLS:
        raise RequestError(422, f"'kinds' names {len(kinds)} symbols; at most {MAX_SYMBOLS}", "kinds")
    for name, kind in kinds.items():
        if not _NAME.fullmatch(name):
            raise RequestError(422, f"'kinds': {name!r} is not a symbol name", "kinds")
        if kind not in ALL_KINDS:
            raise RequestError(
                422, f"'kinds': unknown kind {kind!r} for '{name}'; kinds are {', '.join(ALL_KINDS)}", "kinds"
            )
    return dict(kinds)


def _matcalc_error(exc: MatcalcError, field: str) -> RequestError:
    """A `MatcalcError` as a 422, with its position when it has one (parse and shape errors)."""
    if isinstance(exc, AbsentVariableError):  # the API has no if_absent: no opt-out to offer
        exc = exc.offering(None)
    position = getattr(exc, "position", None)
    message = getattr(exc, "reason", None) if position is not None else None
    return RequestError(422, message or str(exc), field, position, type(exc).__name__)


def _parse(text: str, kinds: Mapping[str, str], field: str) -> Expr:
    return _parse_result(text, kinds, field).expr


def _parse_result(text: str, kinds: Mapping[str, str], field: str) -> mc.ParseResult:
    try:
        return mc.parse_result(text, kinds)
    except MatcalcError as exc:
        raise _matcalc_error(exc, field) from None


def _computed(field: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, with a `MatcalcError` turned into a 422 about ``field``."""
    try:
        return compute()
    except MatcalcError as exc:
        raise _matcalc_error(exc, field) from None


# ---- the tasks --------------------------------------------------------------------------


def derivative(request: Mapping[str, Any]) -> Json:
    """``POST /api/derivative``: the expression's symbols and, given ``wrt``, its derivative.

    With an empty ``wrt`` the answer describes the expression only (the page
    uses that to fill its symbol table as the user types).  The derivation
    steps (`matcalc.explain`, a second derivation) come only with ``"steps": true``.
    """
    kinds = _kinds(request)
    wrt = _wrt(request)
    want_steps = request.get("steps", False)
    if not isinstance(want_steps, bool):
        raise RequestError(400, "'steps' must be true or false", "steps")
    parsed = _parse_result(_text(request, "expression"), kinds, "expression")
    f = parsed.expr
    answer = expression_answer(parsed)
    answer["wrt"] = wrt
    answer["derivative"] = None
    if wrt:
        d = _computed("wrt", lambda: mc.diff(f, *wrt))
        answer["derivative"] = derivative_answer(f, wrt, d, steps=want_steps)
    return answer


def check(request: Mapping[str, Any]) -> Json:
    """``POST /api/check``: a claimed derivative against matcalc's, with a verdict and a counterexample."""
    kinds = _kinds(request)
    wrt = _wrt(request)
    if not wrt:
        raise RequestError(422, "'wrt' must name the variable(s) the claim differentiates by", "wrt")
    parsed = _parse_result(_text(request, "expression"), kinds, "expression")
    f = parsed.expr
    # The claim's symbols are the expression's: the same kinds, even those taken from a first letter.
    claim = _parse(_text(request, "claim"), {**{s.name: s.kind for s in f.symbols}, **kinds}, "claim")
    result = _computed("claim", lambda: mc.check(f, wrt, claim, kinds))
    return {**expression_answer(parsed), "wrt": wrt, **check_answer(claim, result)}


def code(request: Mapping[str, Any]) -> Json:
    """``POST /api/code``: a module computing the value and a gradient by each ``wrt``, with its check."""
    kinds = _kinds(request)
    wrt = _wrt(request)
    backend = _text(request, "backend", "numpy")
    if backend not in BACKENDS:
        raise RequestError(
            422, f"unknown backend {backend!r}; the backends are {', '.join(BACKENDS)}", "backend"
        )
    name = _text(request, "name", "f")
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise RequestError(422, f"{name!r} cannot name a Python function", "name")
    parsed = _parse_result(_text(request, "expression"), kinds, "expression")
    f = parsed.expr
    source = _computed("wrt", lambda: value_and_gradient(f, wrt, name, backend))
    return {
        **expression_answer(parsed),
        "wrt": wrt,
        "backend": backend,
        "code": source,
        "filename": f"{name}.py",
    }


#: The API's tasks by name: ``POST /api/<name>``.
TASKS: dict[str, Callable[[Mapping[str, Any]], Json]] = {
    "derivative": derivative,
    "check": check,
    "code": code,
}


def handle(task: str, request: object) -> Json:
    """Run the task named ``task`` on a decoded JSON body."""
    if task not in TASKS:
        raise RequestError(404, f"no task {task!r}; the tasks are {', '.join(TASKS)}")
    if not isinstance(request, dict):
        raise RequestError(400, "the request body must be a JSON object")
    return TASKS[task](request)
