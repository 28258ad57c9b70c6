r"""LaTeX text with its precedence, and the pieces every LaTeX printer shares.

`Tex` carries the precedence of its outermost operator (one table, loosest to
tightest), so printers parenthesize by comparing precedences (`wrap`) and
size delimiters by what they enclose (`delimited`); numbers, symbol names and
abstract functions have one spelling here for the matrix, index and vec forms.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "ADD", "ATOM", "FRAC", "MUL", "POW", "UNARY", "Tex", "combined", "delimited", "function_tex",
    "juxtapose", "number_tex", "symbol_tex", "wrap",
]  # fmt: skip

# Precedence, loosest to tightest.  UNARY (a leading minus) is below MUL: a
# negated factor is parenthesized wherever it follows something (``A (-B)``).
# FRAC is self-delimiting but takes no superscript (``\frac{a}{b}``);
# POW carries a superscript already (``A^\top``); ATOM takes anything.
ADD, UNARY, MUL, FRAC, POW, ATOM = range(1, 7)

_GREEK = frozenset((
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
    "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi",
    "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma",
    "Upsilon", "Phi", "Psi", "Omega",
))  # fmt: skip

#: Delimiter sizes by the nesting depth of the delimiters inside (TeXbook style: outer ones bigger).
_SIZES = (("", ""), (r"\bigl", r"\bigr"), (r"\Bigl", r"\Bigr"), (r"\biggl", r"\biggr"))


@dataclass(frozen=True, slots=True)
class Tex:
    r"""LaTeX text, the precedence of its outermost operator, its height and nesting.

    A tall text (with a fraction or root in it) gets growing delimiters,
    ``\left( ... \right)``, where it is wrapped; otherwise delimiters grow
    with ``depth``, the nesting of delimiters inside (``\bigl( (a) \bigr)``).
    """

    text: str
    prec: int
    tall: bool = False
    depth: int = 0


def combined(text: str, prec: int, parts: list[Tex], tall: bool = False) -> Tex:
    """A text built from ``parts``: tall if one of them is, as deep as the deepest."""
    return Tex(text, prec, tall or any(p.tall for p in parts), max((p.depth for p in parts), default=0))


def delimited(left: str, inner: Tex, right: str) -> Tex:
    """``inner`` between a pair of delimiters, sized to what they enclose."""
    if inner.tall:
        return Tex(rf"\left{left}{inner.text}\right{right}", ATOM, True, inner.depth)
    big_left, big_right = _SIZES[min(inner.depth, len(_SIZES) - 1)]
    return Tex(f"{big_left}{left}{inner.text}{big_right}{right}", ATOM, False, inner.depth + 1)


def function_tex(name: str, kind: str, order: int, partials: tuple[int, ...] = (), arity: int = 1) -> str:
    r"""``L``, ``\nabla L``, ``\nabla^2 L``, ``J_{F}``, ``D^{3} F``, ``\partial_{1} \partial_{2} f``.

    An abstract function or a derivative; a function of several arguments
    names each partial derivative by its 1-based arguments (``\partial_{1}^{2} f``).
    """
    f = symbol_tex(name)
    if order == 0:
        return f
    if arity > 1:
        counts = {p: partials.count(p) for p in partials}
        parts = [rf"\partial_{{{p + 1}}}" + (f"^{{{n}}}" if n > 1 else "") for p, n in counts.items()]
        return " ".join(parts) + " " + f
    if kind == "scalar function" and order <= 2:
        return rf"\nabla {f}" if order == 1 else rf"\nabla^{{2}} {f}"
    if order == 1:
        return rf"J_{{{f}}}"
    return rf"D^{{{order}}} {f}"


def symbol_tex(name: str) -> str:
    r"""The LaTeX of a symbol name.

    One letter prints as itself, a Greek letter's name as the letter
    (``Sigma`` -> ``\Sigma``), other names in italic (``\mathit{bias}``);
    trailing digits become a subscript (``W1`` -> ``W_{1}``, ``x_0`` ->
    ``x_{0}``), as does what follows an underscore (``x_max`` ->
    ``x_{\mathit{max}}``).
    """
    m = re.fullmatch(r"([A-Za-z]+?)_?(\d+)", name)
    if m:
        return f"{_stem(m[1])}_{{{m[2]}}}"
    head, _, tail = name.partition("_")
    if head and tail:
        return f"{_stem(head)}_{{{_stem(tail)}}}"
    return _stem(name)


def _stem(s: str) -> str:
    if len(s) == 1 and s.isalpha():
        return s
    if s in _GREEK:
        return f"\\{s}"
    return r"\mathit{" + s.replace("_", r"\_") + "}"


def number_tex(value: int | float | Fraction) -> Tex:
    r"""A number: ``2``, ``-0.5``, ``\frac{1}{3}``, ``2.5 \cdot 10^{-8}``, ``\infty``."""
    if isinstance(value, Fraction) and value.denominator != 1:
        text = rf"\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"
        return Tex(f"-{text}", UNARY, True) if value < 0 else Tex(text, FRAC, True)
    if isinstance(value, float) and value != value:
        return Tex(r"\mathrm{NaN}", ATOM)
    text = repr(int(value) if isinstance(value, Fraction) else value)
    text = text.replace("inf", r"\infty")
    prec = ATOM
    if "e" in text:
        mantissa, exponent = text.split("e")
        power = f"10^{{{int(exponent)}}}"
        text, prec = (power, POW) if mantissa.lstrip("-") == "1" else (rf"{mantissa} \cdot {power}", MUL)
        text = f"-{text}" if mantissa.startswith("-") and text[0] != "-" else text
    return Tex(text, UNARY if text.startswith("-") else prec)


def wrap(t: Tex, at_least: int) -> Tex:
    """``t``, parenthesized if its precedence is below ``at_least``."""
    return t if t.prec >= at_least else delimited("(", t, ")")


def juxtapose(parts: list[str]) -> str:
    r"""Factors side by side: a space, ``\cdot`` before a digit, ``\,`` after an italic word."""
    out = [parts[0]]
    for prev, p in itertools.pairwise(parts):  # each part has balanced braces: look at the last only
        if p[:1].isdigit() or p[:1] == ".":
            out.append(rf" \cdot {p}")
        elif re.search(r"\\mathit\{[^{}]*\}$", prev):
            out.append(rf"\,{p}")
        else:
            out.append(f" {p}")
    return "".join(out)
