r"""LaTeX for papers: matrix form, index (Einstein) form, and the entry point `latex`.

The matrix form reads like a paper: ``x^\top A x``, ``A \odot B``,
``\operatorname{tr}(X)``, ``X^{-1}``, ``\|x\|_2``, scalar coefficients in
front, parentheses from one precedence table.  The index form writes any
expression in Einstein notation with Kronecker deltas (``\delta_{ij} x_{k}``):
products, transposes, Hadamard products, traces, ``diag`` and sums are lowered
to indexed factors for display (`matcalc.printing.latex_index`), every other
node is one indexed factor (``[\exp(X w)]_{i}``).  The vec (Kronecker) form
lives in ``matcalc.printing.vec``; `latex` only dispatches to it.

With ``where=True`` subexpressions used more than once are named ``t_{1},
t_{2}, ...`` (children before parents) and defined below the result, so the
text grows with the DAG, not with the expanded tree.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import assert_never, cast

from matcalc import build
from matcalc.errors import MatcalcError
from matcalc.expr import (
    Add,
    Apply,
    Call,
    Det,
    DiagMatrix,
    DiagVector,
    ElemDiv,
    Expr,
    Hadamard,
    Identity,
    IndexForm,
    Inverse,
    LogDet,
    MatMul,
    MatPow,
    Node,
    Norm,
    Number,
    Ones,
    Power,
    Scale,
    Softmax,
    SumEntries,
    Symbol,
    Trace,
    Transpose,
    Zero,
    children,
    walk,
)
from matcalc.ops import ELEMENTWISE
from matcalc.recursion import deep

__all__ = [
    "ADD", "ATOM", "FORMS", "FRAC", "MUL", "POW", "UNARY", "Printer", "Tex", "combined", "delimited",
    "juxtapose", "latex", "number_tex", "shared_names", "symbol_tex", "to_latex", "wrap",
]  # fmt: skip

#: The forms `latex` knows.
FORMS = ("matrix", "index", "vec")

# Precedence, loosest to tightest.  UNARY (a leading minus) is below MUL: a
# negated factor is parenthesized wherever it follows something (``A (-B)``).
# FRAC is self-delimiting but takes no superscript (``\frac{a}{b}``);
# POW carries a superscript already (``A^\top``); ATOM takes anything.
ADD, UNARY, MUL, FRAC, POW, ATOM = range(1, 7)

_CALLS: dict[type, str] = {
    Trace: r"\operatorname{tr}", Det: r"\det", LogDet: r"\log\det", DiagMatrix: r"\operatorname{diag}",
    DiagVector: r"\operatorname{diag}", Softmax: r"\operatorname{softmax}",
}  # fmt: skip

_GREEK = frozenset((
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
    "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi",
    "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma",
    "Upsilon", "Phi", "Psi", "Omega",
))  # fmt: skip

#: Letters for the names of shared subexpressions, the first one no symbol uses.
_TEMP_LETTERS = "tuvszTUV"

#: The smallest shared subexpression that gets a name (nodes, not counting transposes and numbers).
_NAMED_WEIGHT = 3


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


def latex(expr: Expr, form: str = "matrix", where: bool = False, wrt: Expr | str | None = None) -> str:
    """The LaTeX of ``expr`` (without ``$`` delimiters).

    Args:
        expr: any expression, including derivative results in index form.
        form: ``"matrix"`` (like a paper; an expression with no matrix form
            falls back to index notation), ``"index"`` (Einstein notation with
            Kronecker deltas, for any expression) or ``"vec"`` (the
            Magnus-Neudecker vec/Kronecker form of a derivative by ``wrt``).
        where: name subexpressions used more than once (``t_{1}, t_{2}, ...``)
            and define them in a "where" list below the result.
        wrt: the variable of the vec form; only for ``form="vec"``.

    Raises:
        MatcalcError: for an unknown form, or an argument the form does not take.
    """
    if form == "vec":
        if where:
            raise MatcalcError("where=True is not available for form='vec'")
        from matcalc.printing.vec import to_latex_vec

        return to_latex_vec(expr, wrt)
    if form not in FORMS:
        raise MatcalcError(f"unknown LaTeX form {form!r}; the forms are {', '.join(map(repr, FORMS))}")
    if wrt is not None:
        raise MatcalcError(f"wrt= is for form='vec' only, not for form={form!r}")
    from matcalc.printing.latex_index import index_latex, needs_index_form

    with deep():
        printer = Printer(shared_names(expr) if where else {}, open_bases=form == "index")
        if form == "index" or needs_index_form(expr):
            main = index_latex(printer, expr, printer.open_bases)
        else:
            main = printer.tex(expr).text
        definitions = [printer.definition(node) for node in printer.names]
    return _where_layout(main, definitions)


#: The name `Expr._repr_latex_` calls.
to_latex = latex


def _where_layout(main: str, definitions: list[tuple[str, str]]) -> str:
    """``main``, then ``where t_1 = ..., t_2 = ...`` one per line, in an ``aligned`` block."""
    if not definitions:
        return main
    lines = [f"&{main},"]
    for n, (lhs, rhs) in enumerate(definitions):
        lead = r"\text{where }" if n == 0 else r"\phantom{\text{where }}"
        end = "," if n < len(definitions) - 1 else ""
        lines.append(f"&{lead}{lhs} = {rhs}{end}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


# ---- names -----------------------------------------------------------------------------


def function_tex(name: str, kind: str, order: int) -> str:
    r"""``L``, ``\nabla L``, ``\nabla^2 L``, ``J_{F}``, ``D^{3} F``: an abstract function or a derivative."""
    f = symbol_tex(name)
    if order == 0:
        return f
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


def _stem_of(name: str) -> str:
    m = re.match(r"[A-Za-z]+", name)
    return m[0] if m else name


def _uses(e: Expr) -> list[Expr]:
    """The children of ``e``, once per use (an index form's bases once per factor)."""
    if isinstance(e, IndexForm):
        return [f.base for t in e.tensor.terms for f in t.factors]
    return list(children(e))


def shared_names(e: Expr) -> dict[Expr, str]:
    r"""Names ``t_{1}, t_{2}, ...`` for the subexpressions of ``e`` used more than once.

    A subexpression is named when it is used more than once and has at least
    three nodes besides transposes and numbers, a named subexpression inside
    it counting as one (so ``X^{-\top}`` and ``t_{1}^{-1}`` keep their form).
    The numbering follows the dependency order, children first.
    """
    nodes = list(walk(e))
    uses: Counter[Expr] = Counter()
    for n in nodes:
        uses.update(_uses(n))
    weight: dict[Expr, int] = {}
    shared: dict[Expr, None] = {}  # ordered set
    for n in nodes:  # children before parents
        own = 0 if isinstance(n, Transpose | Number) else 1
        weight[n] = own + sum(1 if k in shared else weight[k] for k in _uses(n))
        if n is not e and uses[n] > 1 and weight[n] >= _NAMED_WEIGHT:
            shared[n] = None
    stems = {_stem_of(s.name) for s in e.symbols}
    letter = next((c for c in _TEMP_LETTERS if c not in stems), "t")
    return {n: f"{letter}_{{{k}}}" for k, n in enumerate(shared, start=1)}


# ---- numbers and wrapping --------------------------------------------------------------


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
    out = parts[0]
    for p in parts[1:]:
        if p[:1].isdigit() or p[:1] == ".":
            out += rf" \cdot {p}"
        elif re.search(r"\\mathit\{[^{}]*\}$", out):
            out += rf"\,{p}"
        else:
            out += f" {p}"
    return out


# ---- the matrix-form printer -----------------------------------------------------------


class Printer:
    """Memoized matrix-form LaTeX of each node; ``names`` stand in for shared subexpressions."""

    def __init__(self, names: dict[Expr, str], open_bases: bool = False) -> None:
        self.names = names
        self.open_bases = open_bases  # index form: lower the factors of index forms too
        # Keyed by the node itself, not id(): printing builds temporary nodes (`negated`).
        self._memo: dict[Expr, Tex] = {}

    def tex(self, e: Expr) -> Tex:
        """The LaTeX of ``e`` (its name, if it has one)."""
        name = self.names.get(e)
        if name is not None:
            return Tex(name, ATOM)
        done = self._memo.get(e)
        if done is None:
            done = self._memo[e] = self._print(e)
        return done

    def definition(self, e: Expr) -> tuple[str, str]:
        """The two sides of the definition of the named subexpression ``e``."""
        from matcalc.printing.latex_index import index_definition, needs_index_form

        if needs_index_form(e):
            return index_definition(self, e, self.open_bases)
        return self.names[e], self._print(e).text

    def negated(self, e: Expr) -> Expr | None:
        """``m`` with ``-m`` equal to ``e``, when ``e`` prints with a leading minus."""
        if e in self.names:
            return None
        if isinstance(e, Number) and e.value < 0:
            return build.number(-e.value)
        if isinstance(e, Scale):
            coef = self.negated(e.coef)
            if coef is None:
                return None
            if isinstance(coef, Number) and coef.value == 1:
                return e.body
            return Scale(coef, e.body, shape=e.shape, row=e.row)
        if isinstance(e, ElemDiv) and e.num.is_scalar and e.den.is_scalar:
            num = self.negated(e.num)
            return None if num is None else ElemDiv(num, e.den, shape=e.shape, row=e.row)
        return None

    def signed(self, e: Expr) -> tuple[bool, Expr]:
        """``(negative, m)`` with ``e = -m`` or ``e = m``, every printed minus sign pulled out."""
        negative = False
        while (positive := self.negated(e)) is not None:
            negative, e = not negative, positive
        return negative, e

    def _print(self, e: Expr) -> Tex:  # noqa: C901 - one case per node type
        e = cast(Node, e)  # the closed set of nodes: assert_never below names a missing case
        match e:
            case Symbol():
                return Tex(symbol_tex(e.name), ATOM)
            case Number():
                return number_tex(e.value)
            case Zero():
                return Tex(r"\mathbf{0}" if e.ndim else "0", ATOM)
            case Ones():
                return _ones(e)
            case Identity():
                return Tex("I", ATOM)
            case Add():
                return self._sum(e.terms)
            case Scale():
                return self._scale(e)
            case MatMul():
                parts = [wrap(self.tex(f), FRAC) for f in e.factors]
                return combined(juxtapose([p.text for p in parts]), MUL, parts)
            case Hadamard():
                parts = [wrap(self.tex(f), FRAC) for f in e.factors]
                return combined(r" \odot ".join(p.text for p in parts), MUL, parts)
            case ElemDiv():
                return self._divide(e)
            case Power():
                return self._power(e)
            case MatPow():
                return self._sup(e.body, str(e.k))
            case Transpose():
                return self._transpose(e)
            case Inverse():
                if isinstance(e.body, Transpose):  # inv(X') = inv(X)'
                    return self._sup(e.body.body, r"-\top")
                return self._sup(e.body, "-1")
            case Apply():
                return self._apply(e)
            case Call():
                return self._call(function_tex(e.name, e.kind, e.order), e.arg)
            case Norm():
                return self._norm(e)
            case Trace() | Det() | LogDet() | DiagMatrix() | DiagVector() | Softmax():
                return self._call(_CALLS[type(e)], e.body)
            case SumEntries():
                return self._sum_entries(e)
            case IndexForm():
                from matcalc.printing.latex_index import bound_index_latex

                return bound_index_latex(self, e)
        assert_never(e)

    def _sup(self, base: Expr, sup: str) -> Tex:
        b = wrap(self.tex(base), ATOM)
        return combined(f"{b.text}^{{{sup}}}", POW, [b])

    def _transpose(self, e: Transpose) -> Tex:
        if isinstance(e.body, Inverse):  # inv(X)' is X^{-T}
            return self._sup(e.body.body, r"-\top")
        b = wrap(self.tex(e.body), ATOM)
        return combined(rf"{b.text}^\top", POW, [b])

    def _sum(self, terms: tuple[Expr, ...]) -> Tex:
        parts = [self.tex(terms[0])]
        out = parts[0].text
        for term in terms[1:]:
            negative, positive = self.signed(term)
            parts.append(wrap(self.tex(positive), MUL))
            out += f" {'-' if negative else '+'} {parts[-1].text}"
        return combined(out, ADD, parts)

    def coefficient_parts(self, e: Expr) -> list[Tex]:
        """The factors of a scalar coefficient, a chain of scales flattened."""
        if isinstance(e, Scale) and e not in self.names:
            return self.coefficient_parts(e.coef) + self.coefficient_parts(e.body)
        t = self.tex(e)
        if isinstance(e, Number) and e not in self.names:  # 2.5 \cdot 10^{-8} A needs no parentheses
            return [wrap(t, MUL)]
        # A scalar product (x'*y, 1'*x) is parenthesized before what it multiplies.
        return [wrap(t, ATOM if t.prec == MUL else FRAC)]

    def _scale(self, e: Scale) -> Tex:
        negative, positive = self.signed(e)
        if negative:
            t = wrap(self.tex(positive), MUL)
            return combined(f"-{t.text}", UNARY, [t])
        if positive is not e:  # -(-a)*x
            return self.tex(positive)
        parts = self.coefficient_parts(e.coef)
        parts.append(wrap(self.tex(e.body), MUL))
        return combined(juxtapose([p.text for p in parts]), MUL, parts)

    def _divide(self, e: ElemDiv) -> Tex:
        if e.den.is_scalar:
            negative, positive = self.signed(e.num) if e.num.is_scalar else (False, e.num)
            num, den = self.tex(positive), self.tex(e.den)
            text = rf"\frac{{{num.text}}}{{{den.text}}}"
            if negative:
                return combined(f"-{text}", UNARY, [num, den], True)
            return combined(text, FRAC, [num, den], True)
        num, den = wrap(self.tex(e.num), FRAC), wrap(self.tex(e.den), FRAC)
        return combined(rf"{num.text} \oslash {den.text}", MUL, [num, den])

    def _power(self, e: Power) -> Tex:
        exponent = self.tex(e.exponent).text
        if e.base.is_scalar and e.exponent.is_scalar:
            return self._sup(e.base, exponent)
        return self._sup(e.base, rf"\odot {exponent}")

    def _apply(self, e: Apply) -> Tex:
        record = ELEMENTWISE[e.func]
        if record.latex_style == "root":
            arg = self.tex(e.arg)
            return combined(rf"\sqrt{{{arg.text}}}", ATOM, [arg], True)
        if record.latex_style == "bars":
            return delimited(r"\lvert ", self.tex(e.arg), r"\rvert")
        return self._call(record.latex, e.arg)

    def _call(self, name: str, arg: Expr) -> Tex:
        a = delimited("(", self.tex(arg), ")")
        return combined(name + a.text, ATOM, [a])

    def _norm(self, e: Norm) -> Tex:
        body = self.tex(e.body)
        sub = {(2, True): "F", (1, True): "{1,1}"}.get((e.p, e.body.is_matrix), str(e.p))
        bars = delimited(r"\|", body, r"\|")
        return combined(f"{bars.text}_{sub}", ATOM, [bars])

    def _sum_entries(self, e: SumEntries) -> Tex:
        """``1^T x`` (a column), ``x^T 1`` (a row), ``1^T X 1`` (a matrix)."""
        if e.body.ndim > 2:
            return self._call(r"\operatorname{sum}", e.body)
        b = self.tex(e.body)
        b = b if b.prec == MUL and isinstance(e.body, MatMul) else wrap(b, FRAC)
        if e.body.is_vector and e.body.row:
            text = rf"{b.text} \mathbf{{1}}"
        elif e.body.is_vector:
            text = rf"\mathbf{{1}}^\top {b.text}"
        else:
            text = rf"\mathbf{{1}}^\top {b.text} \mathbf{{1}}"
        return combined(text, MUL, [b])


def _ones(e: Ones) -> Tex:
    r"""``\mathbf{1}``; a row ``\mathbf{1}^\top``, a matrix ``\mathbf{1}\mathbf{1}^\top``."""
    if e.is_matrix:
        return Tex(r"\mathbf{1}\mathbf{1}^\top", MUL)
    if e.is_vector and e.row:
        return Tex(r"\mathbf{1}^\top", POW)
    return Tex(r"\mathbf{1}", ATOM)
