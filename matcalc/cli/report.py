"""Answers as JSON: what ``matcalc COMMAND --json`` prints and the web API sends.

Plain dicts, lists, strings and numbers, built from matcalc's public API.  The
fields are documented in docs/cli.md and, as a JSON Schema, in
``docs/cli.schema.json`` (tests validate real output against it).  The web API
(`matcalc.web.service`) builds its answers from the same functions, so an
expression, a derivative or a verdict reads the same from either.

JSON has no NaN or infinity: a value that is not finite is written as the
string ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

import matcalc as mc
from matcalc.check import CheckResult
from matcalc.cli.args import describe_shape
from matcalc.errors import MatcalcError
from matcalc.expr import FUNCTION_KINDS, Expr

__all__ = [
    "Json",
    "check_answer",
    "derivative_answer",
    "dumps",
    "error_answer",
    "expression_answer",
    "plain",
    "shape",
    "symbols",
]

Json = dict[str, Any]

_NONFINITE = {float("inf"): "Infinity", float("-inf"): "-Infinity"}


def dumps(answer: Json) -> str:
    """``answer`` as one line of strict JSON, no NaN, ASCII whatever the terminal (δ as an escape)."""
    return json.dumps(answer, allow_nan=False)


def plain(value: object) -> Any:
    """A NumPy value as JSON: a number or nested lists, non-finite entries as strings."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return _number(float(array))
    return [plain(row) for row in array] if array.ndim > 1 else [_number(float(v)) for v in array]


def _number(v: float) -> float | str:
    if v != v:
        return "NaN"
    return _NONFINITE.get(v, v)


def shape(e: Expr) -> Json:
    """The dimensions of ``e`` (``["A.0", "A.1"]``) and a phrase for its shape."""
    return {"dims": [repr(d) for d in e.shape], "text": describe_shape(e)}


def symbols(parsed: mc.ParseResult) -> list[Json]:
    """The symbol table: name, kind, dimensions, and how the kind was decided."""
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "dims": [repr(d) for d in s.shape],
            "function": s.kind in FUNCTION_KINDS,
            "decided": _decided(s.name, parsed.inferred, parsed.guessed),
            "guessed": s.name in parsed.guessed,
        }
        for s in parsed.expr.symbols
    ]


def _decided(name: str, inferred: Collection[str], guessed: Collection[str]) -> str:
    if name in guessed:
        return "guessed"
    return "inferred" if name in inferred else "declared"


def expression_answer(parsed: mc.ParseResult) -> Json:
    """What every answer says about the expression: text, LaTeX, shape, symbols, kinds."""
    f = parsed.expr
    table = symbols(parsed)
    return {
        "expression": str(f),
        "latex": mc.latex(f),
        "shape": shape(f),
        "symbols": table,
        "kinds": {s["name"]: s["kind"] for s in table},
        "guessed": [s["name"] for s in table if s["guessed"]],
    }


def _latex_forms(f: Expr, wrt: Sequence[str | Expr], d: Expr) -> tuple[Json, Json]:
    """The LaTeX of ``d = diff(f, *wrt)`` in each form, and why a form is missing."""
    forms: Json = {
        "matrix": mc.latex(d),
        "index": mc.latex(d, form="index"),
        "where": mc.latex(d, where=True),
    }
    missing: Json = {}
    try:  # the vec form of the last differentiation: of diff(f, *wrt[:-1]) by wrt[-1]
        inner = mc.diff(f, *wrt[:-1]) if len(wrt) > 1 else f
        forms["vec"] = mc.latex(inner, form="vec", wrt=wrt[-1])
    except MatcalcError as exc:
        forms["vec"] = None
        missing["vec"] = str(exc)
    return forms, missing


def _steps(f: Expr, wrt: Sequence[str | Expr]) -> tuple[list[Json] | None, str | None]:
    try:
        explanation = mc.explain(f, *wrt)
    except MatcalcError as exc:
        return None, str(exc)
    return [{"title": s.title, "text": s.text, "latex": s.latex} for s in explanation.steps], None


def derivative_answer(f: Expr, wrt: Sequence[str | Expr], d: Expr, steps: bool = False) -> Json:
    """``d = diff(f, *wrt)``: text, shape, LaTeX forms, the derivation if asked, and what is missing."""
    forms, missing = _latex_forms(f, wrt, d)
    derivation, steps_missing = _steps(f, wrt) if steps else (None, None)
    if steps_missing:
        missing["steps"] = steps_missing
    return {"text": str(d), "shape": shape(d), "latex": forms, "steps": derivation, "unavailable": missing}


def check_answer(claim: Expr, result: CheckResult) -> Json:
    """The verdict on a claimed derivative, with the explanation and a counterexample."""
    counterexample = result.counterexample or {}
    return {
        "ok": result.ok,
        "verdict": "claim accepted" if result.ok else "claim refuted",
        "explanation": result.explanation,
        "max_error": result.max_error if np.isfinite(result.max_error) else None,
        "counterexample": {name: plain(v) for name, v in counterexample.items()} or None,
        "shape_expected": list(result.shape_expected),
        "shape_claimed": None if result.shape_claimed is None else list(result.shape_claimed),
        "derivative": str(result.derivative),
        "derivative_latex": mc.latex(result.derivative),
        "claim": str(claim),
        "claim_latex": mc.latex(claim),
    }


def error_answer(kind: str, message: str, field: str | None = None, position: int | None = None) -> Json:
    """An error: its type (``ParseError``, ``UsageError``, ...), message, the input and position at fault."""
    return {"error": {"type": kind, "message": message, "field": field, "position": position}}
