"""The tokens of the input language: numbers, names and operators, with their positions."""

from __future__ import annotations

import re
from typing import NamedTuple

from matcalc.characters import unexpected_character
from matcalc.errors import ParseError

__all__ = ["EMPTY", "TRANSPOSES", "Token", "is_float", "shorten", "tokenize"]

#: MATLAB's empty array, only as the placeholder of ``max(X, [], k)`` (whatever spaces it holds).
EMPTY = "[]"

#: The postfix transpose: MATLAB's ``'``, papers' ``ᵀ`` (U+1D40) and NumPy's ``.T``.
TRANSPOSES = ("'", "ᵀ", ".T")

TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>(?:[0-9]+\.[0-9]+|[0-9]+|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    | (?P<name>[A-Za-z][A-Za-z0-9_]*)
    | (?P<op>\.\*|\./|\.\^|\.T(?![A-Za-z0-9_])|\[\s*\]|->|∂[⁰¹²³⁴⁵⁶⁷⁸⁹]*|[-+*/^'(),:\[\]=ᵀδ])
    )""",
    re.VERBOSE,
)


class Token(NamedTuple):
    """One token: its kind, its text and where it starts (a named tuple: long inputs make many)."""

    kind: str  # "number", "name", "op" or "end"
    text: str
    pos: int


_SPACE = re.compile(r"\s*")


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token."""
    tokens: list[Token] = []
    append, match = tokens.append, TOKEN.match
    pos = 0
    while True:
        m = match(text, pos)
        if m is None or m.lastgroup is None:
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # (\s* always matches)
            if pos == len(text):
                break
            raise ParseError(unexpected_character(text, pos), text, pos)
        group = m.lastgroup
        spelled = m.group(group)
        empty = len(spelled) > 1 and spelled[0] == "["  # '[ ]' is '[]'; a lone '[' opens indices
        append(Token(group, EMPTY if empty else spelled, m.start(group)))
        pos = m.end()
    append(Token("end", "", len(text)))
    return tokens


def is_float(text: str) -> bool:
    """True if a number token is written with a point or an exponent."""
    return any(c in text for c in ".eE")


def shorten(text: str) -> str:
    """A long token for a message: its ends and its length."""
    return text if len(text) <= 20 else f"{text[:8]}...{text[-8:]} ({len(text)} characters)"
