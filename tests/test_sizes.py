"""Constants with their size: ``vector(c, size(y, 1))``, ``matrix(c, m, n)``, ``eye(n)`` (issue 11, item 6).

A constant whose size nothing in the text fixes prints with it, so that every
printed result parses back to an expression that evaluates, with the same
numbers; one whose context fixes its size prints as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import matcalc as mc
from matcalc import build
from matcalc.dims import Dim, fresh_dim
from matcalc.expr import Identity, Ones
from matcalc.parse import MAX_LENGTH
from matcalc.printing.text import to_text

RNG = np.random.default_rng(7)
VALUES = {"y": RNG.normal(size=4), "c": 0.3, "a": 0.7, "x": RNG.normal(size=3),
          "X": RNG.normal(size=(4, 3)), "W": RNG.normal(size=(2, 3)), "A": RNG.normal(size=(3, 3)),
          "B": RNG.normal(size=(2, 5))}  # fmt: skip
_D, _E = fresh_dim(), fresh_dim()
KINDS = {"c": "scalar", "a": "scalar", "y": "vector", "x": "vector", "X": "matrix", "W": "matrix",
         "A": "matrix", "B": "matrix"}  # fmt: skip


# ---- the syntax --------------------------------------------------------------------------------


def test_sized_constants_parse_with_the_dimension_they_name() -> None:
    v = mc.parse("vector(1, size(y, 1))", KINDS)
    assert isinstance(v, Ones) and v.shape == (mc.parse("y", KINDS).shape[0],)
    m = mc.parse("matrix(2, size(X, 2), size(y, 1))", KINDS)
    X, y = mc.parse("X", KINDS), mc.parse("y", KINDS)
    assert m.shape == (X.shape[1], y.shape[0]) and str(m) == "2*matrix(1, size(X, 2), size(y, 1))"
    eye = mc.parse("eye(size(X, 2))", KINDS)
    assert isinstance(eye, Identity) and eye.shape == (X.shape[1], X.shape[1])
    assert mc.parse("eye(size(X*W', 2))", KINDS).shape == (mc.parse("W", KINDS).shape[0],) * 2
    assert mc.evaluate(mc.parse("vector(1, size(y, 1))'*vector(1)", KINDS), VALUES) == 4.0


def test_a_product_of_sizes_is_a_product_dimension() -> None:
    """``size(x, 1)*size(A, 1)``: the rows of ``kron(x, A)``, which no one ``size(X, k)`` names."""
    k = mc.parse("kron(x, A)", KINDS)
    ones = mc.parse("matrix(1, size(x, 1)*size(A, 1), size(W, 1))", KINDS)
    assert ones.shape == (k.shape[0], mc.parse("W", KINDS).shape[0])
    assert mc.parse("eye(size(x, 1)*size(A, 1)*size(W, 2))", KINDS).shape[0].parts == (
        *k.shape[0].parts, mc.parse("W", KINDS).shape[1])  # fmt: skip
    e = mc.parse("vector(1, size(x, 1)*size(A, 1))'*vector(1)", KINDS)
    assert mc.evaluate(e, VALUES) == 9.0
    assert mc.evaluate(mc.parse("kron(x, A)'*vector(1, size(x, 1)*size(A, 1))", KINDS), VALUES).shape == (3,)


def test_a_size_the_context_fixes_anyway_is_unified_with_it() -> None:
    e = mc.parse("y + vector(1, size(y, 1))", KINDS)
    assert str(e) == "y+1"
    with pytest.raises(mc.ShapeError, match="cannot add"):
        mc.parse("y + vector(1, size(X, 2))'", KINDS)


def test_kinds_are_still_inferred_around_a_sized_constant() -> None:
    r = mc.parse_result("norm2(X*w-y)^2 + lam*norm2(w)^2 + vector(1, size(h, 2))'*w")
    assert r.inferred == {"lam": "scalar", "h": "matrix"}  # h from size(h, 2): it has columns
    assert r.kinds["w"] == "vector" and "h" not in r.kinds  # h names a size, it is not in the tree


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("eye(3)", r"a size in 'eye\(...\)' is written size\(X, k\).*got scalar 3"),
        ("vector(1, 3)", r"a size in 'vector\(...\)' is written size\(X, k\)"),
        ("vector(1, c)", r"got scalar c"),
        ("matrix(1, size(X, 1))", r"'matrix' takes c and 2 size\(s\), matrix\(c, size\(X, k\), size"),
        ("eye(size(X, 1), size(X, 2))", r"'eye' takes one size, eye\(size\(X, 1\)\), or no size"),
        ("vector(1, size(c, 1))", r"size\(X, 1\): scalar c has no axis 1"),
        ("vector(1, 2*size(A, 1))", r"or a product of them, size\(x, 1\)\*size\(A, 1\); got scalar 2\*size"),
        ("vector(1, size(A, 1)+size(x, 1))", r"or a product of them"),
    ],
)
def test_bad_sizes_are_refused_with_the_syntax(text: str, message: str) -> None:
    with pytest.raises(mc.MatcalcError, match=message):
        mc.parse(text, KINDS)


# ---- printing: a size only where the context does not fix it ---------------------------------

PRINTED = [
    # (function, variables, printed derivative)
    ("sum(y-c)", ("c",), "-sum(vector(1, size(y, 1)))"),
    ("sum(y)/size(y, 1)", ("y",), "vector(1, size(y, 1))/size(y, 1)"),
    ("sum(X-c)", ("c",), None),
    ("norm2(y-c)^2", ("c", "c"), None),
    ("tr(X)", ("X",), "eye(size(X, 1))"),
    ("x'*y", ("x", "y"), "eye(size(x, 1))"),
    ("sum(X, 2)", ("X",), None),  # an index form: its constant is fixed by the left-hand side
    ("sum(X*A, 1)", ("A",), None),
    ("x'*A*x+sum(x)", ("x",), "1+(A+A')*x"),  # the sum fixes it
    ("sum(X*x)", ("x",), "X'*vector(1)"),
    ("c*sum(y)", ("c",), "sum(y)"),
    # a constant over a product dimension (the rows of kron(x, A)) printed the product of sizes;
    # (x' ⊗ I) 1 = (x'1) ⊗ (I 1) now takes the product away (rules/kron.py, kron_times_ones)
    ("sum(kron(x, A))", ("A",), "sum(x)*matrix(1, size(A, 1), size(A, 2))"),
    ("sum(kron(B, A))", ("A",), None),
    ("sum(kron(x, A)*W')", ("A",), None),
    # the same ones are shown in one place and hidden as a broadcast scalar (a+...) in another:
    # the hidden occurrence fixes nothing, so the zero of the denominator prints its size
    ("max(lgamma(exp(A-A))+a)", ("a",), None),
    ("max(exp(A-A)+a)+sum(exp(A-A)+a)", ("a",), None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "wrt", "printed"), PRINTED, ids=[f"{t} by {w}" for t, w, _ in PRINTED])
def test_printed_results_parse_back_to_the_same_numbers(
    text: str, wrt: tuple[str, ...], printed: str | None
) -> None:
    g = mc.diff(mc.parse(text, KINDS), *wrt)
    if printed is not None:
        assert str(g) == printed
    back = mc.parse(str(g), KINDS)
    assert not any(d.anonymous for d in back.dims), f"{g} parses back with a size left open"
    np.testing.assert_allclose(mc.evaluate(back, VALUES), mc.evaluate(g, VALUES), rtol=1e-12)


def test_without_its_size_the_text_would_not_evaluate() -> None:
    """The reason for the sizes: the plain text of the sample count has no value."""
    with pytest.raises(mc.EvaluationError, match="cannot infer the size"):
        mc.evaluate(mc.parse("-vector(1)'*vector(1)", KINDS), VALUES)


def test_a_constant_hidden_in_a_broadcast_does_not_count_as_sized() -> None:
    """The ones of ``a+exp(0)`` are the ``matrix(1)`` printed on the right; the zero's size must show."""
    text = "sum(a+exp(matrix(0, size(A, 1), size(A, 2))))+sum(matrix(1, size(A, 1), size(A, 2)))"
    e = mc.parse(text, KINDS)
    assert str(e) == text
    back = mc.parse(str(e), KINDS)
    assert not any(d.anonymous for d in back.dims)
    np.testing.assert_allclose(mc.evaluate(back, VALUES), mc.evaluate(e, VALUES))


def test_a_constant_with_no_size_to_name_prints_as_before() -> None:
    assert str(mc.parse("tr(eye)")) == "tr(eye)"  # its size belongs to no symbol
    assert str(mc.parse("X*vector(1)")) == "X*vector(1)"


@pytest.mark.parametrize(
    ("made", "text"),
    [
        (lambda: build.zeros((_D, _D, _E)), "(i,j,k) -> 0*eye[i,j]"),  # the first two axes one dimension
        (lambda: build.zeros((_D, Dim.of("x", 0), _E)), "(i,j,k) -> 0*vector(1, size(x, 1))[j]"),
        (lambda: build.ones((_D, Dim.of("x", 0), _E)),
         "(i,j,k) -> vector(1)[i]*vector(1, size(x, 1))[j]*vector(1)[k]"),
        (lambda: mc.parse("(i,j,k) -> 0*vector(1)[i]*x[j]*eye[i,k]"),
         "(i,j,k) -> 0*vector(1, size(x, 1))[j]*eye[i,k]"),
    ],
)
def test_a_tensor_of_zeros_or_ones_of_inferred_size_prints_in_index_notation(made: Any, text: str) -> None:
    """It printed ``<order-3 array of 0s>``, which does not parse; now its sizes stay open, as they are."""
    e = made()
    assert str(e) == text
    back = mc.parse(text, {"x": "vector"})
    assert str(back) == text  # (ones come back as an index form of the same entries)
    assert [d.anonymous for d in back.shape] == [d.anonymous for d in e.shape]
    assert (back.shape[0] == back.shape[1]) == (e.shape[0] == e.shape[1])


# ---- texts longer than the parser reads (its limit against hostile input) --------------------

#: A sum of 1,850 terms sharing exp(...): about 106,000 characters with the shared part written out.
_LONG = "+".join(f"exp(first_long_scalar_name+second_long_scalar_name)*c{i}" for i in range(1850))


@pytest.fixture(scope="module")
def long_sum() -> mc.Expr:
    with mc.limits(length=len(_LONG)):  # a text the caller trusts: read with the limit raised
        return mc.parse(_LONG)


def test_a_result_longer_than_the_parser_reads_names_its_shared_parts(long_sum: mc.Expr) -> None:
    """The default text names the shared exp(...) once the text would pass the parser's limit."""
    text = str(long_sum)
    assert len(text) <= MAX_LENGTH < len(to_text(long_sum, where=False))
    assert text.endswith(" where t1 = exp(first_long_scalar_name+second_long_scalar_name)")
    assert mc.parse(text) is long_sum
    assert str(mc.parse("exp(a+b)*c+exp(a+b)*d")) == "exp(a+b)*c+exp(a+b)*d"  # short texts as before


def test_a_text_longer_than_the_limit_is_refused_with_the_way_to_read_it(long_sum: mc.Expr) -> None:
    plain = to_text(long_sum, where=False)
    with pytest.raises(mc.ParseError, match=r"longer than 100000 characters \(1\d\d,\d\d\d\).*"
                       r"`with matcalc.limits\(length=N\):` \(CLI: --max-length N\)"):  # fmt: skip
        mc.parse(plain)
    with mc.limits(length=len(plain)):
        assert mc.parse(plain) is long_sum
    with mc.limits(length=len(plain) - 1), pytest.raises(mc.ParseError, match="longer than"):
        mc.parse(plain)


def test_the_length_limit_is_checked_and_kept_by_inner_blocks() -> None:
    with pytest.raises(mc.MatcalcError, match=r"limits\(length=...\) needs a positive whole number"):  # noqa: SIM117
        with mc.limits(length=0):
            pass
    with mc.limits(length=5), mc.limits(work=10**6), pytest.raises(mc.ParseError, match="longer than 5 char"):
        mc.parse("x+y+z+w")  # the inner block keeps the length it does not set


@pytest.mark.parametrize("wrt", [("A", "lam"), ("lam", "A")])
def test_a_zero_tensor_by_a_scalar_prints_the_sizes_of_the_function(wrt: tuple[str, str]) -> None:
    """A zero derivative has no symbol; its left-hand side names ``lam``, read back as a scalar.

    The printer parsed the text back without lam's kind, failed, and so printed no sizes:
    ``∂²f[i,j]/∂A[k,l]∂lam = 0`` left i and j open (found by the property tests).
    """
    kinds = {"A": "matrix", "lam": "scalar"}
    d = mc.diff(mc.parse("A+lam", kinds), *wrt)
    assert str(d).endswith("= 0*vector(1, size(A, 1))[i]*vector(1, size(A, 2))[j]")
    back = mc.parse(str(d), kinds)
    assert not any(a.anonymous for dim in back.shape for a in dim.atoms())
