"""Index notation in the input language: what the printer writes for a tensor with no matrix form.

Two headers, then a sum of terms over the indices::

    (i,j,k) -> x[k]*δ[i,j]                  the free indices, in order
    ∂f[i]/∂W[j,k] = x[k]*δ[i,j]             a derivative: f's indices, then each variable's
    ∂²f/∂X[i,j]∂X[k,l] = -inv(X)[j,k]*inv(X)[l,i]

A term is a product (``*``) of a number, Kronecker deltas ``δ[a,b]``, pair
indices ``δ[r,(a,b)]`` (the index form of ``kron`` and ``vec``: 1 where ``r``
is the pair ``(a, b)``, ``a`` the slower), scalar
factors (``det(X)``) and indexed factors ``base[i,j]``, one index per axis of
the base (a name, a call or a parenthesized expression, optionally
transposed: ``(X'*B)[i,k]``).  An index that is not free is summed over
within its term, wherever it occurs in it (generalized Einstein notation, as
in ``np.einsum``); another term may use its name for another index.

A term with the coefficient 0 adds nothing and need not hold every free
index; it gives the sizes of the indices it has: the zero tensor
``∂²f[i]/∂W[j,k]∂W[l,m] = 0*vector(1, size(W, 1))[i]``.

The dimension of each index is unified from the axes it indexes and the
deltas it is in (the ``r`` of a pair index runs over the product of the
dimensions of ``a`` and ``b``, unless something else fixes it); the
left-hand side of a derivative gives each variable's indices the variable's
dimensions (``W[j,k]``: the rows and columns of W), so
``∂f[i]/∂W[j,k] = X[i,j]*vector(1)[k]`` parses to a tensor whose every size
is known.  The result is an `IndexForm`, labelled with the derivative it is
(`Partials`) when the header says so.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from matcalc import build, kronecker
from matcalc.dims import Dim, Unifier, fresh_dim, substituted
from matcalc.errors import ShapeError
from matcalc.expr import Expr, IndexForm, Partials, substitute_dims
from matcalc.index import Coef, Delta, Factor, Idx, IndexExpr, Term, fresh, verify
from matcalc.lexer import Token

if TYPE_CHECKING:
    from matcalc.grammar import Parser

__all__ = ["header_ahead", "index_notation"]

#: The order of a derivative written as a superscript: ``∂²f``.
_SUPERSCRIPT = {c: n for n, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}

#: An indexed factor as read: its base, its index names, the token where it starts.
_Read = tuple[Expr, list[str], Token]

#: A term as read: its coefficient, indexed factors, deltas ``(a, b)`` and pair indices ``(r, a, b)``.
_TermRead = tuple[Coef, list[_Read], list[tuple[str, str]], list[tuple[str, str, str]]]


def header_ahead(p: Parser) -> bool:
    """True at ``∂`` or at ``(i, j, ...) ->``: the text is in index notation."""
    if p.tok.kind == "op" and p.tok.text.startswith("∂"):
        return True
    if not _is(p.tok, "("):
        return False
    k = p.i + 1
    while p.tokens[k].kind == "name" and _is(p.tokens[k + 1], ","):
        k += 2
    return p.tokens[k].kind == "name" and _is(p.tokens[k + 1], ")") and _is(p.tokens[k + 2], "->")


def index_notation(p: Parser) -> Expr:
    """The index form at the parser's position (`header_ahead` is true there)."""
    start = p.tok
    free, lhs, given = _derivative_header(p) if start.text.startswith("∂") else (_free_header(p), None, {})
    terms = _terms(p)
    if p.typing:  # kinds are inferred from the bases (read by p.make); a stand-in of the right rank
        return build.zeros(tuple(fresh_dim() for _ in free))
    return _built(p, start, free, lhs, given, terms)


# ---- headers ----------------------------------------------------------------------------


def _free_header(p: Parser) -> list[str]:
    p.take()  # '('
    names = [_name(p)]
    while _is(p.tok, ","):
        p.take()
        names.append(_name(p))
    p.expect(")", "to close the free indices")
    p.expect("->", "after the free indices")
    return names


def _derivative_header(p: Parser) -> tuple[list[str], Partials, dict[str, Dim]]:
    """``∂ⁿf[i]/∂X[j,k]∂y[l]... =``: the free indices, the label, the variables' index dimensions."""
    superscript = p.take().text[1:]  # '∂', '∂²', ...
    order = int("".join(str(_SUPERSCRIPT[c]) for c in superscript)) if superscript else 1
    if p.tok.kind != "name":
        raise p.error(f"expected the function's name after '∂', found {p.tok.text or 'the end'!r}")
    p.take()
    free = _bracketed(p)
    p.expect("/", "between the function and the variables of a derivative")
    variables: list[tuple[str, int]] = []
    given: dict[str, Dim] = {}
    while _is(p.tok, "∂"):  # each variable: '∂' without an order
        p.take()
        tok = p.tok
        name = _name(p)
        indices = _bracketed(p)
        symbol = p.make(tok, build.symbol, name, p.kinds.get(name))
        if isinstance(symbol, Expr):  # not in typing mode: the variable's own dimensions
            if symbol.ndim != len(indices):
                raise p.error(f"{name} has {symbol.ndim} axes, but {len(indices)} indices here", tok)
            given.update(zip(indices, symbol.shape, strict=True))
        variables.append((name, len(indices)))
        free += indices
    if len(variables) != order:
        raise p.error(
            f"a derivative of order {order} needs {order} variables after '/', got {len(variables)}"
        )
    p.expect("=", "after the left-hand side of the derivative")
    return free, Partials(tuple(variables)), given


def _bracketed(p: Parser) -> list[str]:
    """``[i,j]`` (or nothing): index names."""
    if not _is(p.tok, "["):
        return []
    p.take()
    names = [_name(p)]
    while _is(p.tok, ","):
        p.take()
        names.append(_name(p))
    p.expect("]", "to close the indices")
    return names


def _name(p: Parser) -> str:
    if p.tok.kind != "name":
        raise p.error(f"expected an index name, found {p.tok.text or 'the end'!r}")
    return p.take().text


# ---- the body -------------------------------------------------------------------------------

_Body = list[_TermRead]


def _terms(p: Parser) -> _Body:
    """``term (('+' | '-') term)*`` up to the end of the text or a closing parenthesis."""
    terms: _Body = []
    sign = 1
    if _is(p.tok, "-"):
        p.take()
        sign = -1
    while True:
        coef, factors, deltas, pairs = _term(p)
        terms.append((sign * coef, factors, deltas, pairs))
        if not (p.tok.kind == "op" and p.tok.text in "+-"):
            return terms
        sign = -1 if p.take().text == "-" else 1


def _term(p: Parser) -> _TermRead:
    coef: Coef = 1
    factors: list[_Read] = []
    deltas: list[tuple[str, str]] = []
    pairs: list[tuple[str, str, str]] = []
    while True:
        if p.tok.kind == "number":
            coef *= _number(p)
        elif _is(p.tok, "δ"):
            read = _delta(p)
            if len(read) == 2:
                deltas.append((read[0], read[1]))
            else:
                pairs.append((read[0], read[1], read[2]))
        else:
            tok = p.tok
            base = p.postfix()
            indices = _bracketed(p)
            factors.append((p.make(tok, _indexable(len(indices)), base), indices, tok))
        if not _is(p.tok, "*"):
            return coef, factors, deltas, pairs
        p.take()


def _delta(p: Parser) -> tuple[str, ...]:
    """``δ[a,b]`` (two names) or the pair index ``δ[r,(a,b)]`` (three)."""
    tok = p.take()
    usage = "a Kronecker delta takes two indices, δ[i,j], or an index and a pair, δ[r,(a,b)]"
    if not _is(p.tok, "["):
        raise p.error(f"{usage}; got none", tok)
    p.take()
    first = _name(p)
    if _is(p.tok, "]"):
        raise p.error(f"{usage}; got 1", tok)
    p.expect(",", f"after the first index of the δ at character {tok.pos}")
    if not _is(p.tok, "("):
        second = _name(p)
        if not _is(p.tok, "]"):
            raise p.error(f"{usage}; got more", tok)
        p.take()
        return first, second
    p.take()
    slow = _name(p)
    p.expect(",", "between the two indices of a pair, (a,b)")
    fast = _name(p)
    p.expect(")", "to close the pair (a,b)")
    p.expect("]", "to close the indices")
    return first, slow, fast


def _number(p: Parser) -> Coef:
    """A coefficient: ``2``, ``0.5``, ``1/2``."""
    tok = p.take()
    value: Coef = float(tok.text) if any(c in tok.text for c in ".eE") else int(tok.text)
    if _is(p.tok, "/") and p.tokens[p.i + 1].kind == "number":
        p.take()
        den = p.take()
        value = (
            Fraction(int(tok.text), int(den.text))
            if isinstance(value, int) and den.text.isdigit()
            else (value / float(den.text))
        )
    return value


def _indexable(n: int) -> Callable[[Expr], Expr]:
    """A check that a base has ``n`` axes (as an operation, so kinds are inferred from it too)."""

    def check(base: Expr) -> Expr:
        if base.ndim != n:
            what = "no indices" if n == 0 else f"{n} ind{'ex' if n == 1 else 'ices'}"
            raise ShapeError(f"{build.describe(base)} has {base.ndim} axes, but {what} here")
        return base

    return check


# ---- building ---------------------------------------------------------------------------------


def _built(
    p: Parser, start: Token, free: list[str], lhs: Partials | None, given: dict[str, Dim], body: _Body
) -> Expr:
    """The `IndexForm`: index dimensions unified, bases renamed to them, invariants checked.

    A free index is one index throughout; a summed one is local to its term (the
    printer names the summed indices of each term afresh: ``p`` may run over
    the rows of A in one term and the length of x in the next).
    """
    if len(set(free)) != len(free):
        raise p.error("the free indices repeat", start)
    for n, (coef, factors, deltas, pairs) in enumerate(body, 1):
        present = {i for _, indices, _ in factors for i in indices} | {i for d in deltas for i in d}
        present |= {i for pair in pairs for i in pair}
        missing = [name for name in free if name not in present]
        if missing and coef != 0:  # a term 0*... adds nothing: it may give sizes only
            raise p.error(
                f"the free index {missing[0]} is missing from term {n}: each term has every free index", start
            )
    variable: dict[_Key, Dim] = {name: fresh_dim() for name in free}
    key = _keys(free)

    def var(n: int, name: str) -> Dim:
        return variable.setdefault(key(n, name), fresh_dim())

    dims = Unifier()
    for name, d in given.items():
        dims.unify(variable[name], d)
    for n, (_, factors, deltas, _) in enumerate(body):
        for base, indices, _tok in factors:
            for name, d in zip(indices, base.shape, strict=True):
                dims.unify(var(n, name), d)
        for a, b in deltas:
            dims.unify(var(n, a), var(n, b))
    for n, (_, _, _, pairs) in enumerate(body):  # after the rest: a named dimension of r stands for it
        for r, a, b in pairs:
            dims.unify(var(n, r), Dim.product((var(n, a), var(n, b))))
    sub = dims.substitution()
    idx = {k: fresh(substituted(d, sub)) for k, d in variable.items()}

    def at(n: int, names: tuple[str, ...] | list[str]) -> tuple[Idx, ...]:
        return tuple(idx[key(n, i)] for i in names)

    terms = tuple(
        Term(
            coef,
            tuple(_pair_factor(*at(n, pair)) for pair in pairs)  # first, as lowering has them
            + tuple(Factor(substitute_dims(b, sub), at(n, ix)) for b, ix, _ in factors),
            tuple(Delta(*at(n, pair)) for pair in deltas),
        )
        for n, (coef, factors, deltas, pairs) in enumerate(body)
        if coef != 0
    )  # fmt: skip
    ix = IndexExpr(tuple(idx[name] for name in free), terms)
    verify(ix)  # the other invariants hold by construction
    label = (lhs,) if lhs is not None else ()
    if not terms and lhs is None:
        return build.zeros(ix.shape)  # a zero derivative keeps its left-hand side, as diff gives it
    return IndexForm(ix, *label, shape=ix.shape)


#: An index as the parser keeps it: a free index by its name, a summed one by its term and name.
_Key = str | tuple[int, str]


def _keys(free: list[str]) -> Callable[[int, str], _Key]:
    """The key of index ``name`` in term ``n``."""
    own = set(free)
    return lambda n, name: name if name in own else (n, name)


def _pair_factor(*rab: Idx) -> Factor:
    """The factor δ[r,(a,b)]: 1 where ``r = a*|b| + b``."""
    r, a, b = rab
    return Factor(kronecker.pair_index(r.dim, a.dim, b.dim), (r, a, b))


def _is(tok: Token, op: str) -> bool:
    return tok.kind == "op" and tok.text == op
