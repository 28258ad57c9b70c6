r"""LaTeX in index form: Einstein notation with Kronecker deltas, for any expression.

An `IndexForm` prints its own terms.  Any other expression is lowered to index
terms for display by the index forms of `matcalc.lower`: ``A B`` is
``A_{ip} B_{pj}``, ``A^\top`` swaps indices, ``x \odot y`` shares them,
``\operatorname{tr}``, ``\operatorname{diag}``, sums of entries, ``I`` (a
delta), number multiples and sums open up; every other node is one indexed
factor in matrix form (``[\exp(X w)]_{i}``).
Deltas on a summed index are then contracted (``\operatorname{diag}(v) X``
is ``v_{i} X_{ij}``).

Free indices are named ``i, j, k, ...`` and summed ones ``p, q, r, ...`` (see
`matcalc.printing.indices`).  A summed index that occurs exactly twice in a
term is summed implicitly, as in Einstein's convention; one that occurs once
or more than twice (``\mathbf{1}^\top x`` is ``\sum_{p} x_{p}``) gets an
explicit ``\sum``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from matcalc.expr import (
    Add,
    ElemDiv,
    Expr,
    IndexForm,
    Inverse,
    MatPow,
    Number,
    Ones,
    PairIndex,
    Partials,
    Scale,
    Transpose,
    children,
)
from matcalc.index import Factor, Idx, IndexExpr, Term, fresh_like, product
from matcalc.lower import LOWERINGS, lower
from matcalc.printing.indices import free_names, index_names, lhs_groups
from matcalc.printing.shared import mean_of
from matcalc.printing.tex import ATOM, FRAC, MUL, Tex, delimited, number_tex, symbol_tex, wrap
from matcalc.simplify_index import contract

if TYPE_CHECKING:
    from matcalc.printing.matrix import Printer

__all__ = [
    "bound_index_latex", "index_definition", "index_latex", "lhs_latex", "lowered_for_display",
    "needs_index_form",
    "render",
]  # fmt: skip

#: Nodes the display lowering opens (an `IndexForm` below them forces the index form).
_SPINE = tuple(LOWERINGS)

#: Bases that take a subscript as they are: ``A``, ``\Sigma``, ``\mathit{bias}``, ``\mathbf{1}``.
_PLAIN = re.compile(r"\\?[A-Za-z]+|\\mathit\{[^{}]*\}|\\mathbf\{[01]\}")


def needs_index_form(e: Expr) -> bool:
    """True when ``e`` has no matrix form: order 3 or more, or an index form inside."""
    if e.ndim > 2:
        return True
    seen: set[int] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, IndexForm):
            return True
        if id(x) not in seen and isinstance(x, _SPINE):
            seen.add(id(x))
            stack.extend(children(x))
    return False


def index_latex(printer: Printer, e: Expr, open_bases: bool = True) -> str:
    """The index form of ``e``.

    With ``open_bases`` the factors of an `IndexForm` are lowered too
    (``[B X]_{kj}`` becomes ``B_{kp} X_{pj}``); without, they stay in matrix form.
    """
    return _render(printer, _lowered(printer, e, None, open_bases))


def index_definition(printer: Printer, e: Expr, open_bases: bool = True) -> tuple[str, str]:
    """``([t_1]_{ijk}, its terms)``: the definition of a named subexpression in index form."""
    ix = _lowered(printer, e, e, open_bases)
    names = index_names(ix)
    lhs = _indexed(Tex(printer.names[e], ATOM), _subscript([names[i] for i in ix.free]))
    return lhs, _render(printer, ix)


def lowered_for_display(printer: Printer, e: Expr) -> IndexExpr:
    """``e`` in index notation (products, transposes, traces ... opened), for display."""
    return _lowered(printer, e, None, True)


def render(printer: Printer, ix: IndexExpr) -> str:
    """The LaTeX of the terms of an index expression (the right-hand side only)."""
    return _render(printer, ix)


def bound_index_latex(printer: Printer, e: IndexForm) -> Tex:
    r"""An index form inside a matrix expression: ``\left[ \delta_{ij} x_{k} \right]_{ijk}``."""
    names = index_names(e.tensor)
    body = _render(printer, e.tensor)
    return Tex(rf"\left[{body}\right]_{{{_subscript([names[i] for i in e.tensor.free])}}}", ATOM, True)


def lhs_latex(ndim: int, lhs: Partials) -> str:
    r"""``\frac{\partial f_{i}}{\partial W_{jk}}``: the left-hand side of a derivative of ``ndim`` axes."""
    own, groups = lhs_groups(free_names(ndim), lhs)
    order = "" if len(groups) == 1 else f"^{{{len(groups)}}}"
    parts = [_indexed(Tex(symbol_tex(name), ATOM), _subscript(ix)) if ix else symbol_tex(name)
             for name, ix in groups]
    num = _indexed(Tex("f", ATOM), _subscript(own)) if own else "f"
    den = " ".join(rf"\partial {p}" for p in parts)
    return rf"\frac{{\partial{order} {num}}}{{{den}}}"


def _lowered(printer: Printer, e: Expr, root: Expr | None, open_bases: bool) -> IndexExpr:
    free = fresh_like(e.shape)
    lowering = _Lowering(printer, root, open_bases)
    terms = [_tidy(contract(t, frozenset(free))) for t in lowering.terms(e, free, top=True)]
    return IndexExpr(free, tuple(terms))


def _tidy(t: Term) -> Term:
    """``t`` without the factors ``1_i`` that delta contraction leaves where ``i`` occurs anyway."""
    counts = t.indices()
    kept = tuple(
        f for f in t.factors
        if not (isinstance(f.base, Ones) and f.indices and all(counts[i] > 1 for i in f.indices))
    )  # fmt: skip
    return Term(t.coef, kept, t.deltas)


class _Lowering:
    """Index terms of a matrix-level expression, for display; named nodes stay whole."""

    def __init__(self, printer: Printer, root: Expr | None, open_bases: bool) -> None:
        self._printer = printer
        self._names = printer.names
        self._root = root
        self._open = open_bases

    def terms(self, e: Expr, idx: Sequence[Idx], top: bool) -> list[Term]:
        """``e[idx]`` as a sum of terms; a sum below a product (not ``top``) stays one factor.

        Structural nodes open by their index form (`matcalc.lower`); a
        child that is the only factor of its term keeps ``top``.
        """
        idx = tuple(idx)
        if e in self._names and e is not self._root:
            return [_atom(e, idx)]
        match e:
            case Add() if not top:
                pass
            case Scale(coef=Number() as k, body=ElemDiv(num=body, den=den) as q) if _over_scalar(q, idx):
                return self._over(k, den, body, idx, top)  # (2 X/c)_ij = 2/c X_ij
            case Scale():
                return _products([self._coefficient(e.coef), self.terms(e.body, idx, top)])
            case ElemDiv(num=body, den=den) if _over_scalar(e, idx):
                return self._over(Number(1, shape=()), den, body, idx, top)  # (X/c)_ij = 1/c X_ij
            case Inverse(body=Transpose()) | MatPow(body=Transpose()):  # inv(X')_ij = inv(X)_ji
                return [_atom(_untransposed(e), idx[::-1])]
            case IndexForm():
                terms = lower(e, idx)
                return [u for t in terms for u in self._opened(t)] if self._open else terms
            case _ if type(e) in LOWERINGS:
                return [u for t in lower(e, idx) for u in self._spread(t, top and len(t.factors) == 1)]
        negative, positive = self._printer.signed(e)  # -a/b is -1 times a/b
        return [Term(-1 if negative else 1, (Factor(positive, idx),))]

    def _over(self, k: Number, den: Expr, body: Expr, idx: tuple[Idx, ...], top: bool) -> list[Term]:
        """``(k body/den)[idx]``: the scalar quotient ``k/den`` as the coefficient of ``body[idx]``."""
        coefficient = self._coefficient(ElemDiv(k, den, shape=()))
        return _products([coefficient, self.terms(body, idx, top)])

    def _spread(self, t: Term, top: bool) -> list[Term]:
        """The terms of ``t`` with each factor lowered in turn, its number and deltas last."""
        factors = [self.terms(f.base, f.indices, top) for f in t.factors]
        return _products([*factors, [Term(t.coef, (), t.deltas)]])

    def _coefficient(self, c: Expr) -> list[Term]:
        r"""A scale's coefficient, its sign pulled out into the number (``-\frac{4}{s}``)."""
        negative, positive = self._printer.signed(c)
        terms = self.terms(positive, (), False)
        return [product(Term(-1), t) for t in terms] if negative else terms

    def _opened(self, t: Term) -> list[Term]:
        """The terms of ``t`` with each factor lowered in turn."""
        factors = [self.terms(f.base, f.indices, False) for f in t.factors]
        return _products([[Term(t.coef, (), t.deltas)], *factors])


def _over_scalar(e: ElemDiv, idx: tuple[Idx, ...]) -> bool:
    """Whether ``e[idx]`` opens as ``1/c e.num[idx]``: a matrix or vector over a scalar, not a mean."""
    return bool(idx) and not e.den.shape and mean_of(e) is None


def _untransposed(e: Inverse | MatPow) -> Expr:
    """``inv(X)`` for ``inv(X')``, ``X^k`` for ``(X')^k``: the same node of the transpose's body."""
    assert isinstance(e.body, Transpose)
    body = e.body.body
    return Inverse(body, shape=body.shape) if isinstance(e, Inverse) else MatPow(body, e.k, shape=body.shape)


def _atom(e: Expr, idx: tuple[Idx, ...]) -> Term:
    return Term(1, (Factor(e, idx),))


def _products(factors: list[list[Term]]) -> list[Term]:
    """The terms of a product of sums (each factor a list of terms)."""
    return [product(*combo) for combo in itertools.product(*factors)]


# ---- rendering ------------------------------------------------------------------------


def _subscript(names: Sequence[str]) -> str:
    """``ij``, or ``i,j6`` when a name is longer than one letter."""
    return ("" if all(len(n) == 1 for n in names) else ",").join(names)


def _indexed(base: Tex, subscript: str) -> str:
    """``A_{ij}``, or ``[A B]_{ij}`` for a base that is not a plain name."""
    if _PLAIN.fullmatch(base.text):
        return f"{base.text}_{{{subscript}}}"
    return f"{delimited('[', base, ']').text}_{{{subscript}}}"


def _factor(printer: Printer, f: Factor, names: dict[Idx, str]) -> str:
    if isinstance(f.base, PairIndex):  # δ_{r,(a,b)}: r runs over the pairs (a, b), a the slower
        r, a, b = (names[i] for i in f.indices)
        return rf"\delta_{{{r},({a},{b})}}"
    base = printer.tex(f.base)
    if not f.indices:  # a scalar: parenthesized like a coefficient
        return wrap(base, ATOM if base.prec == MUL else FRAC).text
    return _indexed(base, _subscript([names[i] for i in f.indices]))


def _term(printer: Printer, t: Term, free: frozenset[Idx], names: dict[Idx, str]) -> tuple[bool, str]:
    """``(negative, text)`` of one term: number, scalars, explicit sums, deltas, indexed factors."""
    parts: list[str] = []
    coef = -t.coef if t.coef < 0 else t.coef
    if coef != 1:
        parts.append(number_tex(coef).text)
    parts += [_factor(printer, f, names) for f in t.factors if not f.indices]
    counts = t.indices()
    explicit = [names[i] for i in counts if i not in free and counts[i] != 2]
    if explicit:
        parts.append(rf"\sum_{{{','.join(explicit)}}}")
    parts += [rf"\delta_{{{_subscript([names[d.a], names[d.b]])}}}" for d in t.deltas]
    parts += [_factor(printer, f, names) for f in t.factors if f.indices]
    return t.coef < 0, " ".join(parts) if parts else "1"


def _render(printer: Printer, ix: IndexExpr) -> str:
    """The terms of ``ix`` joined by ``+`` and ``-``."""
    if not ix.terms:
        return "0"
    names = index_names(ix)
    free = frozenset(ix.free)
    out = ""
    for n, t in enumerate(ix.terms):
        negative, text = _term(printer, t, free, names)
        if n == 0:
            out = f"-{text}" if negative else text
        else:
            out += f" {'-' if negative else '+'} {text}"
    return out
