r"""Printing the vec form (`matcalc.vec.VecJacobian`) in LaTeX and in text.

LaTeX is for papers: ``d vec(W*x)/d vec(W)ᵀ`` prints as ``x^\top \otimes
I_{n}``, ``d vec(A*X*B)/d vec(X)ᵀ`` as ``B^\top \otimes A``, ``d vec(X')/d
vec(X)ᵀ`` as ``K_{mn}``.  Matrix-level factors print with
`matcalc.printing.matrix`.  Identities, all-ones blocks and commutation matrices carry
their dimensions as subscripts: each dimension gets a letter, ``n, m, p, q,
r, ...``: the dimensions of ``f`` first, then those of the variable, then
the others printed, in the order of their symbols' names and axes (letters
used as symbol names are skipped), so ``W`` of ``W*x`` is nxm and ``I_{n}``
is the identity of the length of ``W*x``.  A product dimension (the rows of
a Kronecker product) is its parts' letters, ``I_{nm}``; its parts are named
after the variable's dimensions, so ``X`` of ``kron(X, B)`` is nxm and ``B`` pxq.

Text is the input language: `vec_expr` builds the Jacobian as an expression
(``kron``, ``vec``, ``diag``, ``.*``, ``commutation(p, q)`` for ``K_pq``,
``symmetrizer(n)`` for ``N_n``) and `vec_text` prints it with the text
printer, which gives every constant the size its text would leave open
(``kron(x', eye(size(W, 1)))``), so the text parses back to the same numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from matcalc import build, kronecker
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import ElemDiv, Expr, Hadamard, Identity, Number, Ones, Scale, Symbol
from matcalc.printing.matrix import Printer
from matcalc.printing.tex import ADD, ATOM, MUL, POW, Tex, juxtapose, number_tex, wrap
from matcalc.recursion import deep
from matcalc.vec import Chain, Commutation, Kron, KronTerm, Piece, VecJacobian, vec_jacobian

__all__ = ["dimension_names", "to_latex_vec", "vec_expr", "vec_latex", "vec_text"]

_LETTERS = "nmpqrstuvwabcdefgh"


def to_latex_vec(expr: Expr, wrt: Expr | str | None) -> str:
    """The LaTeX of ``∂vec(expr)/∂vec(wrt)ᵀ`` in Kronecker form (``mc.latex(expr, form="vec", wrt=...)``).

    ``expr`` is the function (scalar, vector or matrix), not its derivative.
    """
    if wrt is None:
        raise MatcalcError("form='vec' needs the variable: mc.latex(f, form='vec', wrt='X')")
    if isinstance(wrt, Expr) and not isinstance(wrt, Symbol):
        raise MatcalcError(f"form='vec' differentiates by a symbol, not by {wrt}")
    if not isinstance(wrt, str | Symbol):
        raise MatcalcError(f"form='vec' needs wrt= a symbol or its name, got {type(wrt).__name__}")
    return vec_latex(vec_jacobian(expr, wrt))


def vec_latex(jac: VecJacobian) -> str:
    """The LaTeX of a vec-form Jacobian."""
    with deep():
        return _writer(jac, _LATEX).sum()


def vec_text(jac: VecJacobian) -> str:
    """The text of `vec_expr`: ``kron(x', eye(size(W, 1)))``, ``commutation(size(X, 1), size(X, 2))``."""
    return str(vec_expr(jac))


def vec_expr(jac: VecJacobian) -> Expr:
    """The Jacobian ``∂vec(f)/∂vec(X)ᵀ`` as an expression of the input language, a matrix.

    Its rows are the entries of ``f`` and its columns those of ``X`` (a vector
    or a scalar where ``f`` or ``X`` is one: the Jacobian of a scalar by a
    matrix is the row ``vec(G)'``); ``mc.evaluate`` gives what
    ``jac.evaluate`` does, with the axes of length one dropped.
    """
    with deep():
        if not jac.terms:
            return build.zeros(_axes(jac.rows, jac.cols), row=not jac.rows)
        total = _sum_expr(jac.terms)
        if jac.symmetrized:  # times N_n = (I + K_nn)/2
            total = build.matmul(total, build.symmetrizer(jac.wrt.shape[0]))
        return total


def _axes(rows: tuple[Dim, ...], cols: tuple[Dim, ...]) -> tuple[Dim, ...]:
    """The shape of a term over ``rows`` x ``cols``: an axis for each side that has dimensions.

    An axis is the length of ``vec`` of its side, columns the slower (``(X.1*X.0)``).
    """
    return tuple(Dim.product(side[::-1]) for side in (rows, cols) if side)


def _column(e: Expr | None, dims: tuple[Dim, ...]) -> Expr:
    """``vec(e)`` as a column (ones over ``dims`` for None)."""
    if e is None or isinstance(e, Ones):  # vec(1*1') is 1
        return build.ones(_axes(dims, ()))
    return kronecker.vec(e)


def _sum_expr(terms: tuple[KronTerm, ...]) -> Expr:
    return build.add_all([_term_expr(t) for t in terms])


def _term_expr(t: KronTerm) -> Expr:
    """One term: ``coef*vec(L)*vec(R)'``, or ``coef*diag(vec(L))*(core ⊙ ...)*diag(vec(R))``."""
    if not t.core:
        left, right = _column(t.left, t.rows), _column(t.right, t.cols)
        body = build.matmul(left, build.transpose(right)) if t.rows and t.cols else (
            left if t.rows else build.transpose(right))
        return build.mul(t.coef, body)
    identity = len(t.core) == 1 and isinstance(t.core[0], Kron) and _is_identity(t.core[0])
    core: list[Expr]
    if identity and (t.left is not None or t.right is not None):  # diag(vec(L))*I*diag(vec(R))
        core = [build.eye(_axes((), t.cols)[0])]
    else:
        core = [_core_expr(c) for c in t.core]
    body = functools.reduce(build.hadamard, core)
    if t.left is not None:
        body = build.matmul(build.diag(kronecker.vec(t.left)), body)
    if t.right is not None:
        body = build.matmul(body, build.diag(kronecker.vec(t.right)))
    return build.mul(t.coef, body)


def _core_expr(c: Kron | Chain) -> Expr:
    """A Kronecker product (times ``K_pq``), or a chain ``first*diag(vec(middle))*second``."""
    if isinstance(c, Chain):
        first, second = _sum_expr(c.first), _sum_expr(c.second)
        if c.middle is not None:
            first = build.matmul(first, build.diag(kronecker.vec(c.middle)))
        return build.matmul(first, second)
    factors = [_piece_expr(p) for p in c.factors]
    if factors and all(isinstance(f, Identity) for f in factors):  # I_p ⊗ I_q = I_pq
        factors = [build.eye(Dim.product(f.shape[0] for f in factors))]
    body = functools.reduce(kronecker.kron, factors) if factors else build.number(1)
    if c.commute is not None:
        body = build.matmul(body, build.commutation(*c.commute))
    return body


def _piece_expr(p: Piece) -> Expr:
    """A factor of a Kronecker product: a matrix, or ``commutation(p, q)``."""
    return build.commutation(p.p, p.q) if isinstance(p, Commutation) else p


def dimension_names(jac: VecJacobian) -> dict[Dim, str]:
    """The letter of each dimension, as printed: those of ``f`` and of the variable, then any other."""
    writer = _writer(jac, _LATEX)
    writer.sum()
    return writer.names


def _writer(jac: VecJacobian, style: _Style) -> _Writer:
    """A writer whose letters follow f, the variable, then the other dimensions printed, sorted."""
    first = _Writer(jac, style, ())
    first.sum()
    return _Writer(jac, style, tuple(sorted(first.names)))


# ---- styles -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    kron: str  # the operator between the factors of A ⊗ B
    hadamard: str
    top: str
    eye: str
    ones: str
    commutation: str
    vec: str
    diag: str
    product: Callable[[list[str]], str]
    sub: Callable[[str], str]


_LATEX = _Style(
    kron=r" \otimes ", hadamard=r" \odot ", top=r"^\top", eye="I", ones=r"\mathbf{1}", commutation="K",
    vec=r"\operatorname{vec}", diag=r"\operatorname{diag}", product=juxtapose, sub=lambda s: f"_{{{s}}}",
)  # fmt: skip


class _Writer:
    def __init__(self, jac: VecJacobian, style: _Style, others: tuple[Dim, ...]) -> None:
        self.jac = jac
        self.s = style
        taken = {s.name for s in jac.f.symbols} | {jac.wrt.name}
        self.letters = [c for c in _LETTERS if c not in taken]
        self.names: dict[Dim, str] = {}
        # f's dimensions, then the variable's: a product (a Kronecker product's rows) after the
        # variable's, so that its parts take their letters in their symbols' order (X n x m, B p x q)
        rows = [d for d in jac.rows if not d.parts] + list(jac.cols) + [d for d in jac.rows if d.parts]
        for d in (*rows, *others):
            self.name(d)
        self.printer = Printer({})

    def name(self, d: Dim) -> str:
        """The letter of ``d``: the next free one the first time it is asked for; a product, its parts'."""
        if d.parts:
            return "".join(self.name(p) for p in d.parts)
        if d not in self.names:
            n = len(self.names)
            self.names[d] = self.letters[n] if n < len(self.letters) else f"n{n}"
        return self.names[d]

    def sum(self) -> str:
        out = self.terms(self.jac.terms)
        if self.jac.symmetrized:  # (Σ terms) N_n, a leading sign kept outside
            negated = len(self.jac.terms) == 1 and out.startswith("-")
            inner = out[1:] if negated else out
            symmetrizer = "N" + self.dims(self.jac.wrt.shape[:1])
            loose = tuple(op for op in (self.s.kron, self.s.hadamard, " + ", " - ") if op)  # looser than *
            group = f"({inner})" if _at_top(inner, loose) else inner
            out = ("-" if negated else "") + self.s.product([group, symmetrizer])
        return out

    def terms(self, terms: tuple[KronTerm, ...]) -> str:
        """A sum of terms; ``0`` for none."""
        if not terms:
            return "0"
        out = ""
        for n, t in enumerate(terms):
            sign, body = self.term(t)
            out += ("-" if sign else "") + body if n == 0 else f" {'-' if sign else '+'} {body}"
        return out

    # ---- matrix-level pieces -------------------------------------------------------------

    def dims(self, dims: tuple[Dim, ...]) -> str:
        return self.s.sub("".join(self.name(d) for d in dims))

    def matrix(self, e: Expr) -> Tex:
        """A slot: identities and ones with their dimensions, anything else by the matrix printer."""
        s = self.s
        if isinstance(e, Identity):
            return Tex(s.eye + self.dims(e.shape[:1]), ATOM)
        if isinstance(e, Ones):
            col = s.ones + self.dims(e.shape[:1])
            if e.is_matrix:
                return Tex(s.product([col, f"{s.ones}{self.dims(e.shape[1:])}{s.top}"]), MUL)
            return Tex(col + s.top, POW) if e.row else Tex(col, ATOM)
        return self.printer.tex(e)

    def vec(self, e: Expr, transposed: bool) -> str:
        """``vec(e)`` (a vector as itself), transposed for the row side."""
        if isinstance(e, Ones):
            ones = self.s.ones + self.dims(e.shape)
            return ones + (self.s.top if transposed else "")
        if e.ndim <= 1:
            body = build.transpose(e) if transposed != e.row else e
            return wrap(self.matrix(body), POW if transposed else MUL).text
        text = f"{self.s.vec}({self.matrix(e).text})"
        return text + self.s.top if transposed else text

    def diag_vec(self, e: Expr) -> str:
        if e.ndim <= 1:
            return self.matrix(build.diag(build.transpose(e) if e.row else e)).text
        return f"{self.s.diag}({self.s.vec}({self.matrix(e).text}))"

    # ---- terms ------------------------------------------------------------------------------

    def term(self, t: KronTerm) -> tuple[bool, str]:
        """(negative?, the term without its sign)."""
        negative, coef = self.coefficient(t.coef)
        parts = self.factors(t)
        if not parts:
            return negative, self.s.product(coef) if coef else "1"
        if not coef and len(parts) == 1:
            return negative, wrap(parts[0], MUL).text if negative else parts[0].text
        return negative, self.s.product([*coef, *(wrap(p, MUL).text for p in parts)])

    def coefficient(self, c: Expr) -> tuple[bool, list[str]]:
        """The sign and the printed factors of a scalar coefficient (none for 1)."""
        number: Number | None = None
        if isinstance(c, Number):
            number, c = c, build.number(1)
        elif isinstance(c, Scale) and isinstance(c.coef, Number):
            number, c = c.coef, c.body
        value = 1 if number is None else number.value
        parts: list[str] = []
        if abs(value) != 1:
            magnitude = build.number(abs(value))
            assert isinstance(magnitude, Number)
            parts.append(number_tex(magnitude.value).text if self.s is _LATEX else str(magnitude))
        if not (isinstance(c, Number) and c.value == 1):
            parts.append(wrap(self.matrix(c), POW).text)
        return value < 0, parts

    def factors(self, t: KronTerm) -> list[Tex]:
        """The matrix factors of a term, multiplied left to right."""
        if not t.core:
            vecs = [self.vec(t.left, False)] if t.left is not None else []
            vecs += [self.vec(t.right, True)] if t.right is not None else []
            return [Tex(v, ATOM) for v in vecs]
        left = [Tex(self.diag_vec(t.left), ATOM)] if t.left is not None else []
        right = [Tex(self.diag_vec(t.right), ATOM)] if t.right is not None else []
        identity = len(t.core) == 1 and isinstance(t.core[0], Kron) and _is_identity(t.core[0])
        core = [] if identity and (left or right) else [self.core(t.core)]
        return left + core + right

    def core(self, core: tuple[Kron | Chain, ...]) -> Tex:
        """The Hadamard product of the Kronecker products."""
        parts = [self.kron(c) if isinstance(c, Kron) else self.chain(c) for c in core]
        if len(parts) == 1:
            return parts[0]
        return Tex(self.s.hadamard.join(wrap(p, POW).text for p in parts), ADD)

    def commutation(self, p: Dim, q: Dim) -> str:
        """``K_{pq}``; ``K_{nq,m}`` when a dimension is a product (of a Kronecker product's axis)."""
        sep = "," if p.parts or q.parts else ""
        return self.s.commutation + self.s.sub(self.name(p) + sep + self.name(q))

    def kron(self, c: Kron) -> Tex:
        slots = c.factors
        commute = None if c.commute is None else self.commutation(*c.commute)
        if all(isinstance(s, Identity) for s in slots):
            eye = Tex(self.s.eye + self.dims(tuple(s.shape[0] for s in slots if isinstance(s, Expr))), ATOM)
            return Tex(commute, ATOM) if commute else eye
        texts = [self.piece(s) for s in slots]
        if len(texts) == 1:
            body = texts[0]
        else:  # a product binds tighter than ⊗ (AC ⊗ BD); a sum or ⊙ does not
            pairs = zip(slots, texts, strict=True)
            wrapped = [wrap(t, POW if _elementwise(e) else MUL).text for e, t in pairs]
            body = Tex(self.s.kron.join(wrapped), ADD)
        if commute is None:
            return body
        return Tex(self.s.product([wrap(body, MUL).text, commute]), MUL)

    def piece(self, p: Piece) -> Tex:
        """A factor of a Kronecker product: a matrix, or ``K_{pq}``."""
        return Tex(self.commutation(p.p, p.q), ATOM) if isinstance(p, Commutation) else self.matrix(p)

    def chain(self, c: Chain) -> Tex:
        first, second = self.side(c.first), self.side(c.second)
        middle = [self.diag_vec(c.middle)] if c.middle is not None else []
        return Tex(self.s.product([*first, *middle, *second]), MUL)

    def side(self, terms: tuple[KronTerm, ...]) -> list[str]:
        """The factors of one side of a product: a sum in parentheses, a term's own factors."""
        if len(terms) == 1:
            negative, coef = self.coefficient(terms[0].coef)
            if not negative:
                return [*coef, *(wrap(f, MUL).text for f in self.factors(terms[0]))]
        return [f"({self.terms(terms)})"]


def _elementwise(e: Piece) -> bool:
    """Whether ``e`` prints as an elementwise product or quotient (``A ⊙ B``)."""
    return isinstance(e, Hadamard) or (isinstance(e, ElemDiv) and not e.den.is_scalar)


def _at_top(text: str, operators: tuple[str, ...]) -> bool:
    """True when one of ``operators`` occurs in ``text`` outside all parentheses and braces."""
    depth = 0
    for n, ch in enumerate(text):
        depth += {"(": 1, "{": 1, ")": -1, "}": -1}.get(ch, 0)
        if depth == 0 and any(text.startswith(op, n) for op in operators):
            return True
    return False


def _is_identity(c: Kron) -> bool:
    return c.commute is None and all(isinstance(s, Identity) for s in c.factors)
