"""Printed size of matcalc's results against the textbook forms, and clean-print checks (issue 9).

    python benchmarks/paper_form.py                     # rewrite the "now" section of docs/paper-form.md
    python benchmarks/paper_form.py --section baseline  # write the "baseline" section instead
    python benchmarks/paper_form.py --no-write          # print only

For each identity of `matcalc.cookbook.IDENTITIES` that has a textbook form
(``expected``, written as the source prints it), the result of
``mc.diff(mc.parse(expr, kinds), *wrt)`` is printed with ``str`` and its
operators are counted the way a reader counts them in the text: every
binary and unary operator (``+ - * / .* ./ ^ .^``), every transpose mark
``'`` and every function applied (a name followed by ``(``).  Numbers,
symbols, ``eye`` and parentheses are not operators, nor is the size a
constant prints where the parser needs it (``eye(size(X, 1))`` counts as
``eye``: a paper writes it as a subscript, ``I_n``).  The ratio is matcalc's
count over the textbook's (over 1 when the textbook's is 0).

Every printed result of the corpus (with or without a textbook form) is also
checked for what a paper never prints:

- ``+-`` (or ``--``) in the text;
- a double negation: two minus signs multiplied together in one product
  (``-A'*diag(-1./u)*A``), found on the expression tree;
- an unfolded product of numbers: two numbers multiplied in one product
  (``2*x/3``, ``2*(1/c)``; a coefficient -1 is a sign and the 1 over a
  quotient, as in ``1/c``, is notation);
- a matrix next to its own inverse in a product (``X*inv(X)``).
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matcalc as mc
from matcalc.cookbook import IDENTITIES, Recipe
from matcalc.expr import (
    DiagMatrix,
    DiagVector,
    ElemDiv,
    Expr,
    Hadamard,
    Inverse,
    MatMul,
    Number,
    Scale,
    Transpose,
)
from matcalc.tree import children

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchtools import ROOT, code, table, write_section

DOC = ROOT / "docs" / "paper-form.md"

#: Targets of issue 9: the share of identities at most the textbook's size, and the worst ratio.
SHARE_TARGET, WORST_TARGET = 0.90, 1.5

_TOKEN = re.compile(r"\s*(?:(?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                    r"|(?P<op>->|\.\*|\./|\.\^|[-+*/^'(),:\[\]])|(?P<other>\S))")
_OPERATORS = frozenset({"+", "-", "*", "/", ".*", "./", "^", ".^", "'"})


def tokens(text: str) -> list[tuple[str, str]]:
    """``(kind, text)`` for each token: kind is ``number``, ``name``, ``op`` or ``other`` (such as ``δ``)."""
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:  # only trailing blanks are left
            break
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def operators(text: str) -> int:
    """The number of operators a reader sees in ``text`` (see the module docstring).

    >>> operators("X'*(sigmoid(X*w)-y)")
    5
    >>> operators("-inv(X)'*a*b'*inv(X)'")
    9
    """
    toks = _unsized(tokens(text))
    count = 0
    for n, (kind, tok) in enumerate(toks):
        applied = kind == "name" and n + 1 < len(toks) and toks[n + 1] == ("op", "(")
        if applied or (kind == "op" and tok in _OPERATORS):
            count += 1
    return count


#: The constants whose size the text may give, and how many arguments they keep without it.
_SIZED = {"eye": 0, "vector": 1, "matrix": 1}


def _unsized(toks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``toks`` with the size arguments of constants left out: ``eye(size(X, 1))`` reads ``eye``.

    A paper writes a constant's size as a subscript (``I_n``, ``1_n``) or not at all; the
    text gives it only where the parser needs it to size the constant.

    >>> operators("2*tr(X)*eye(size(X, 1))"), operators("vector(1, size(x, 1))"), operators("vector(0)")
    (3, 1, 1)
    """
    out: list[tuple[str, str]] = []
    n = 0
    while n < len(toks):
        kind, tok = toks[n]
        if kind != "name" or tok not in _SIZED or n + 1 == len(toks) or toks[n + 1] != ("op", "("):
            out.append(toks[n])
            n += 1
            continue
        args, end = _arguments(toks, n + 1)
        kept = args[: _SIZED[tok]]
        out.append((kind, tok))
        if kept:
            out.append(("op", "("))
            for k, arg in enumerate(kept):
                out.extend([("op", ",")] * bool(k) + arg)
            out.append(("op", ")"))
        n = end
    return out


def _arguments(toks: list[tuple[str, str]], start: int) -> tuple[list[list[tuple[str, str]]], int]:
    """The arguments of the call whose ``(`` is at ``start``, and the index after its ``)``."""
    args: list[list[tuple[str, str]]] = [[]]
    depth, n = 0, start
    while n < len(toks):
        tok = toks[n]
        n += 1
        if tok in (("op", "("), ("op", "[")):
            depth += 1
            if depth == 1:
                continue
        elif tok in (("op", ")"), ("op", "]")):
            depth -= 1
            if depth == 0:
                break
        elif tok == ("op", ",") and depth == 1:
            args.append([])
            continue
        args[-1].append(tok)
    return args, n


def _product_factors(e: Expr, below: bool = False) -> Iterator[tuple[Expr, str]]:
    """The factors multiplied together in ``e`` (through scales, products, transposes, diag, quotients).

    Each comes with its place: ``"up"`` multiplied, ``"down"`` in a denominator, ``"one"`` the
    numerator of a quotient whose numerator is a single number (the 1 of ``1/c``).
    """
    match e:
        case Scale(coef=a, body=b):
            yield from _product_factors(a, below)
            yield from _product_factors(b, below)
        case MatMul(factors=fs) | Hadamard(factors=fs):
            for f in fs:
                yield from _product_factors(f, below)
        case Transpose(body=b) | DiagMatrix(body=b) | DiagVector(body=b):
            yield from _product_factors(b, below)
        case ElemDiv(num=Number() as a, den=b) if not below:
            yield a, "one"
            yield from _product_factors(b, True)
        case ElemDiv(num=a, den=b) if not below:
            yield from _product_factors(a)
            yield from _product_factors(b, True)
        case _:
            yield e, ("down" if below else "up")


def _negative(e: Expr) -> bool:
    return isinstance(e, Number) and e.value < 0


def _unfolded(factors: list[tuple[Expr, str]]) -> bool:
    """Numbers that a paper would have folded into one fraction.

    Two numbers multiplied (``2*3*x``, ``2*(1/c)``: a numerator 1 or -1 of a quotient is notation
    unless another number multiplies it) or two in one denominator, or a fraction whose numbers
    share a factor (``2*x/(4*c)``) or are not integers (``0.5*x/(2*c)``); a coefficient -1 is a sign.
    """
    up = [f.value for f, place in factors if place == "up" and isinstance(f, Number) and abs(f.value) != 1]
    down = [f.value for f, place in factors if place == "down" and isinstance(f, Number)]
    one = any(place == "one" for _, place in factors)
    if len(up) >= 2 or len(down) >= 2 or (up and one):
        return True
    if up and down:
        a, b = up[0], down[0]
        exact = float(a).is_integer() and float(b).is_integer()
        return not exact or math.gcd(int(a), int(b)) != 1
    return False


@dataclass
class Findings:
    """What the clean-print checks found in one printed result."""

    plus_minus: bool = False
    double_negation: list[str] = field(default_factory=list)
    unfolded_numbers: list[str] = field(default_factory=list)
    inverse_leftover: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True if no check found anything."""
        return not (self.plus_minus or self.double_negation or self.unfolded_numbers or self.inverse_leftover)


def _walk(e: Expr) -> Iterator[Expr]:
    seen: set[int] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        yield x
        stack.extend(children(x))


def _product_roots(e: Expr) -> Iterator[Expr]:
    """The nodes that start a product: the root and every child of a node that is not itself a product."""
    products = (Scale, MatMul, Hadamard, Transpose, DiagMatrix, DiagVector, ElemDiv)
    for x in _walk(e):
        if not isinstance(x, products):
            for k in children(x):
                if isinstance(k, products):
                    yield k
    if isinstance(e, products):
        yield e


def findings(e: Expr, text: str) -> Findings:
    """Run the clean-print checks on a result ``e`` printed as ``text``."""
    found = Findings(plus_minus="+-" in text or "--" in text)
    for root in dict.fromkeys(_product_roots(e)):
        factors = list(_product_factors(root))
        if sum(_negative(f) for f, _ in factors) >= 2:
            found.double_negation.append(str(root))
        if _unfolded(factors):
            found.unfolded_numbers.append(str(root))
    for x in _walk(e):
        if isinstance(x, MatMul):
            for a, b in zip(x.factors, x.factors[1:], strict=False):
                if (isinstance(b, Inverse) and b.body is a) or (isinstance(a, Inverse) and a.body is b):
                    found.inverse_leftover.append(str(x))
    return found


@dataclass
class Row:
    """One identity: matcalc's printed result, its operator count, the textbook's."""

    recipe: Recipe
    text: str
    ops: int
    found: Findings
    textbook_ops: int | None = None

    @property
    def ratio(self) -> float | None:
        """matcalc's operators over the textbook's (None without a textbook form)."""
        if self.textbook_ops is None:
            return None
        return self.ops / max(self.textbook_ops, 1)


def measure(recipe: Recipe) -> Row:
    """Differentiate one identity and measure its printed result."""
    result = mc.diff(mc.parse(recipe.expr, recipe.kinds), *recipe.wrt)
    text = str(result)
    row = Row(recipe, text, operators(text), findings(result, text))
    if recipe.expected is not None:
        row.textbook_ops = operators(recipe.expected)
    return row


@dataclass(frozen=True)
class Summary:
    """The figures issue 9 asks for."""

    with_textbook: int
    at_most: int
    median_ratio: float
    worst_ratio: float
    worst: str
    over_target: int
    printed: int
    plus_minus: int
    double_negation: int
    unfolded_numbers: int
    inverse_leftover: int

    @property
    def share(self) -> float:
        """The share of identities with a textbook form whose result is at most the textbook's size."""
        return self.at_most / self.with_textbook


def summarize(rows: Sequence[Row]) -> Summary:
    """The summary figures of ``rows``."""
    rated = [r for r in rows if r.ratio is not None]
    ratios = [r.ratio for r in rated if r.ratio is not None]
    worst = max(rated, key=lambda r: r.ratio or 0.0)
    return Summary(
        with_textbook=len(rated),
        at_most=sum(r.ops <= (r.textbook_ops or 0) for r in rated),
        median_ratio=statistics.median(ratios),
        worst_ratio=max(ratios),
        worst=worst.recipe.name,
        over_target=sum(x > WORST_TARGET for x in ratios),
        printed=len(rows),
        plus_minus=sum(r.found.plus_minus for r in rows),
        double_negation=sum(bool(r.found.double_negation) for r in rows),
        unfolded_numbers=sum(bool(r.found.unfolded_numbers) for r in rows),
        inverse_leftover=sum(bool(r.found.inverse_leftover) for r in rows),
    )


def report(rows: Sequence[Row]) -> str:
    """The Markdown section: the summary, then the identities over the textbook's size or not clean."""
    s = summarize(rows)
    checks = [
        ("at most the textbook's size", f"{s.at_most} ({s.share:.1%})", "≥ 90%", s.share >= SHARE_TARGET),
        ("median ratio", f"{s.median_ratio:.2f}", "", None),
        ("worst ratio", f"{s.worst_ratio:.2f} (`{s.worst}`)", "≤ 1.5", s.worst_ratio <= WORST_TARGET),
        ("over 1.5 times", str(s.over_target), "0", s.over_target == 0),
        ("printed results checked", str(s.printed), "", None),
        ("with `+-` or `--`", str(s.plus_minus), "0", s.plus_minus == 0),
        ("with a double negation", str(s.double_negation), "0", s.double_negation == 0),
        ("with an unfolded product of numbers", str(s.unfolded_numbers), "0", s.unfolded_numbers == 0),
        ("with `X*inv(X)` left over", str(s.inverse_leftover), "0", s.inverse_leftover == 0),
    ]
    verdict = {True: "met", False: "**not met**", None: ""}
    lines = [
        table(
            ["measure", "value", "target", ""],
            [["identities with a textbook form", str(s.with_textbook), "", ""]]
            + [[name, value, target, verdict[ok]] for name, value, target, ok in checks],
            "lrrl",
        ),
        "",
        "Identities over the textbook's size, worst first:",
        "",
    ]
    over = sorted((r for r in rows if r.ratio is not None and r.ops > (r.textbook_ops or 0)),
                  key=lambda r: -(r.ratio or 0.0))
    lines.append(table(
        ["identity", "matcalc", "ops", "textbook", "ops", "ratio"],
        [[r.recipe.name, code(r.text, 90), str(r.ops), code(r.recipe.expected or "", 60),
          str(r.textbook_ops), f"{r.ratio:.2f}"] for r in over],
        "llrlrr",
    ) if over else "(none)")
    dirty = [r for r in rows if not r.found.clean]
    lines += ["", "Printed results that fail a clean-print check:", ""]
    lines.append(table(
        ["identity", "matcalc", "found"],
        [[r.recipe.name, code(r.text, 90), _what(r.found)] for r in dirty],
    ) if dirty else "(none)")
    return "\n".join(lines)


def _what(found: Findings) -> str:
    parts = []
    if found.plus_minus:
        parts.append("`+-`")
    if found.double_negation:
        parts.append("double negation " + code(found.double_negation[0], 40))
    if found.unfolded_numbers:
        parts.append("numbers " + code(found.unfolded_numbers[0], 40))
    if found.inverse_leftover:
        parts.append("inverse " + code(found.inverse_leftover[0], 40))
    return "; ".join(parts)


def run(identities: Sequence[Recipe] = IDENTITIES) -> list[Row]:
    """Measure every identity."""
    return [measure(r) for r in identities]


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the corpus, print the section and (unless ``--no-write``) write it to docs/paper-form.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--section", default="now", help="the marker of the section to rewrite")
    args = ap.parse_args(argv)
    text = report(run())
    print(text)
    if not args.no_write:
        write_section(args.section, text, DOC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
