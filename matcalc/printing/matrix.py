r"""LaTeX in matrix form, like a paper: ``x^\top A x``, ``A \odot B``, ``X^{-1}``.

One `Printer` per call memoizes the LaTeX of each node; names given to shared
subexpressions stand in for them; parentheses come from the precedence table
of `matcalc.printing.tex`.  An index form inside a matrix expression prints
in index notation (`matcalc.printing.latex_index`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import assert_never, cast

from matcalc import build
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import (
    Add,
    Apply,
    Call,
    Commutation,
    ElemDiv,
    Expr,
    Hadamard,
    Identity,
    IndexForm,
    Inverse,
    Kron,
    MatFun,
    MatMul,
    MatPow,
    Named,
    Node,
    Norm,
    Number,
    Ones,
    PairIndex,
    Polygamma,
    Power,
    Scale,
    Spectral,
    SumEntries,
    Symbol,
    Transpose,
    Zero,
    children,
)
from matcalc.ops import ELEMENTWISE
from matcalc.ops.gamma import POLYGAMMA
from matcalc.ops.matrix import matrix_function
from matcalc.printing.latex_index import bound_index_latex, index_definition, needs_index_form
from matcalc.printing.latex_spectral import matfun_tex, spectral_tex
from matcalc.printing.shared import mean_of
from matcalc.printing.tex import (
    ADD,
    ATOM,
    FRAC,
    MUL,
    POW,
    UNARY,
    Tex,
    combined,
    delimited,
    function_tex,
    juxtapose,
    number_tex,
    symbol_tex,
    wrap,
)

__all__ = ["Printer"]



def _one_fraction(e: Scale) -> bool:
    r"""True for ``c*(u/s)`` with a scalar ``s``: it prints as ``\frac{c u}{s}``."""
    body = e.body
    return (isinstance(body, ElemDiv) and body.den.is_scalar and not isinstance(body.num, Number)
            and mean_of(body) is None)


def _call_name(e: Expr) -> str:
    r"""The LaTeX name of a matrix function printed as a call (``\det``), from its registry record."""
    name = matrix_function(e).latex
    if name is None:
        raise MatcalcError(f"the record of {type(e).__name__} has no LaTeX name for a call")
    return name

#: The subscript of a row- or column-wise function: ``\operatorname{softmax}_{\mathrm{row}}(X W)``.
_AXIS_TEX = {0: "", 1: r"_{\mathrm{col}}", 2: r"_{\mathrm{row}}"}



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
            case Commutation():  # K_{rows(X), cols(X)}, N_{rows(S)}: the sizes it is written with
                return Tex(f"{'N' if e.symmetric else 'K'}_{{{', '.join(map(_size_tex, e.sizes))}}}", ATOM)
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
            case Polygamma():  # log Γ, ψ, ψ^{(k)}
                return self._call(POLYGAMMA.latex(e.order), e.arg)
            case Call():
                return self._call(function_tex(e.name, e.kind, e.order, e.partials, len(e.args)), *e.args)
            case Norm():
                return self._norm(e)
            case SumEntries():
                return self._sum_entries(e)
            case IndexForm():
                return bound_index_latex(self, e)
            case MatFun():
                return matfun_tex(self, e)
            case Spectral():
                return spectral_tex(self, e)
            case Kron():  # A ⊗ B: operands that are sums or products in parentheses
                parts = [wrap(self.tex(x), POW) for x in (e.left, e.right)]
                return combined(rf"{parts[0].text} \otimes {parts[1].text}", MUL, parts)
            case PairIndex():  # only inside an index form, where its indices show
                return Tex(r"\delta", ATOM)
            case Named():  # a call of its record's LaTeX name: \det(X), softmax with a subscript
                axis = getattr(e, "axis", 0)
                own = matrix_function(e).axis_latex.get(axis)  # size(X, 1): rows(X)
                return self._call(own or _call_name(e) + _AXIS_TEX[axis], *children(e))
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
        if isinstance(e, Scale) and e not in self.names and not _one_fraction(e):
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
        body = e.body
        c = e.coef
        if isinstance(c, Number) and isinstance(c.value, Fraction) and c.value.denominator != 1:
            # (1/2)*(A+A') prints as \frac{A + A^\top}{2}, as the text prints (A+A')/2
            top = build.scale(build.number(c.value.numerator), body)
            return self._divide(ElemDiv(top, build.number(c.value.denominator), shape=e.shape, row=e.row))
        if isinstance(body, ElemDiv) and body not in self.names and _one_fraction(e):
            # c (u/s) prints as one fraction, \frac{c u}{s}, as a paper writes it
            num = Scale(e.coef, body.num, shape=body.num.shape, row=body.num.row)
            return self._divide(ElemDiv(num, body.den, shape=body.shape, row=body.row))
        parts = self.coefficient_parts(e.coef)
        parts.append(wrap(self.tex(e.body), MUL))
        return combined(juxtapose([p.text for p in parts]), MUL, parts)

    def _divide(self, e: ElemDiv) -> Tex:
        mean = mean_of(e)
        if mean is not None:  # sum(x)/size(x, 1) is mean(x), as the text prints it
            body, axis = mean
            return self._call(rf"\operatorname{{mean}}{_AXIS_TEX[axis]}", body)
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

    def _call(self, name: str, *args: Expr) -> Tex:
        inner = [self.tex(a) for a in args]
        a = delimited("(", combined(", ".join(t.text for t in inner), ATOM, inner), ")")
        return combined(name + a.text, ATOM, [a])

    def _norm(self, e: Norm) -> Tex:
        r"""``\|x\|_2``, ``\|X\|_F``: the subscripts of a vector and a matrix from the record."""
        body = self.tex(e.body)
        subscripts = matrix_function(e).norm
        if subscripts is None:
            raise MatcalcError(f"the record of {e} gives no subscripts of a norm")
        sub = subscripts[1] if e.body.is_matrix else subscripts[0]
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


def _size_tex(d: Dim) -> str:
    r"""A dimension as a size, ``\operatorname{rows}(X)``; a product's parts side by side; n if anonymous."""
    if any(a.anonymous for a in d.atoms()):
        return "n"
    names = (r"\operatorname{rows}", r"\operatorname{cols}")
    return " ".join(f"{names[min(a.axis, 1)]}({symbol_tex(a.owner)})" for a in d.atoms())


def _ones(e: Ones) -> Tex:
    r"""``\mathbf{1}``; a row ``\mathbf{1}^\top``, a matrix ``\mathbf{1}\mathbf{1}^\top``."""
    if e.is_matrix:
        return Tex(r"\mathbf{1}\mathbf{1}^\top", MUL)
    if e.is_vector and e.row:
        return Tex(r"\mathbf{1}^\top", POW)
    return Tex(r"\mathbf{1}", ATOM)
