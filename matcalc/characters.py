"""What a character outside the input language most likely stands for: the hint of the lexer's error.

Names are ASCII letters, digits and underscores, so ``α*x``, copied from a
paper, is refused; the error names the character (and its Unicode name, since
``'−'`` and ``'-'`` look alike), where it is, and what to write instead:
``alpha`` for ``α`` (the Greek letter's name, read from the Unicode database,
so every letter has its hint), ``*`` for ``×``, ``'`` for ``’``, ``e`` for ``é``.
"""

# ruff: noqa: RUF001, RUF002, RUF003 - the characters that look like ASCII ones are this module's subject

from __future__ import annotations

import re
import unicodedata

__all__ = ["unexpected_character"]

#: Typographic operators that papers and word processors write, and the input language's spelling.
_OPERATORS = {
    "−": "-", "–": "-", "—": "-", "×": "*", "·": "*", "⋅": "*", "∙": "*", "÷": "/",
    "∘": ".*", "⊙": ".*", "⊗": "kron(A, B)", "’": "'", "‘": "'", "′": "'", "´": "'",
    "²": "^2", "³": "^3", "⁻": "^-1 (or inv(X))", "√": "sqrt(u)", "∑": "sum(x)", "‖": "norm2(x)",
    "∥": "norm2(x)", "⊤": "' (the transpose)", "π": "3.141592653589793 (pi would be a symbol)",
    "∞": "a number (there is no infinity)",
}  # fmt: skip

_GREEK = re.compile(r"GREEK (?:(SMALL|CAPITAL) LETTER (?:FINAL )?|(?:LUNATE )?)([A-Z]+)(?: SYMBOL)?\Z")
_SPELLING = {"LAMDA": "lambda"}  # Unicode's spelling of λ; the input language's name is lambda
_OTHER_NAMES = {"MICRO SIGN": "mu"}  # µ, which keyboards type for μ


def _suggestion(ch: str, name: str) -> str | None:
    """What to write for ``ch`` (its Unicode name ``name``), or None."""
    if ch in _OPERATORS:
        return _OPERATORS[ch]
    if name in _OTHER_NAMES:
        return _OTHER_NAMES[name]
    greek = _GREEK.match(name)
    if greek:
        case, letter = greek.groups()
        word = _SPELLING.get(letter, letter.lower())
        return word.capitalize() if case == "CAPITAL" else word
    ascii_part = "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii() and c.isprintable())
    return ascii_part or None  # é is e, ﬁ is fi, a full-width ｘ is x


def unexpected_character(text: str, pos: int) -> str:
    """The message for the character at ``pos`` of ``text``, which no token starts with."""
    ch = text[pos]
    if ch.isascii():
        return f"unexpected character {ch!r} at character {pos}"
    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}" + (f" {name}" if name else "")
    rule = "names are ASCII letters, digits and underscores" if ch.isalpha() else "not in the input language"
    hint = _suggestion(ch, name)
    return f"unexpected character {ch!r} ({code}) at character {pos}: {rule}" + (
        f"; write {hint} instead" if hint else ""
    )
