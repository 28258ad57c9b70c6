"""The parser: node types and shapes, precedence, kinds, dimension inference, the Python API."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import matcalc as mc
from matcalc import build
from matcalc.dims import Dim
from matcalc.expr import (
    ELEMENTWISE_FUNCTIONS,
    Add,
    Apply,
    Det,
    DiagMatrix,
    DiagVector,
    ElemDiv,
    Expr,
    Hadamard,
    Identity,
    Inverse,
    LogDet,
    MatMul,
    MatPow,
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
)


def dims(e: Expr) -> list[str]:
    """The shape as strings: ``['X.0', 'X.1']``; an inferred dimension is ``'?'``."""
    return ["?" if d.anonymous else f"{d.owner}.{d.axis}" for d in e.shape]


def sym(e: Expr, name: str) -> Symbol:
    (s,) = [s for s in e.symbols if s.name == name]
    return s


# ---- every construct: node type and shape -------------------------------------------------------

# (text, node type at the top, shape, row)
NODES: list[tuple[str, type, list[str], bool]] = [
    ("A*B", MatMul, ["A.0", "B.1"], False),
    ("x'*y", MatMul, [], False),
    ("x*y'", MatMul, ["x.0", "y.0"], False),
    ("x'*A", MatMul, ["A.1"], True),
    ("A*x", MatMul, ["A.0"], False),
    ("a*A", Scale, ["A.0", "A.1"], False),
    ("A*a", Scale, ["A.0", "A.1"], False),
    ("a*b", Scale, [], False),
    ("A'", Transpose, ["A.1", "A.0"], False),
    ("x'", Transpose, ["x.0"], True),
    ("A+B", Add, ["A.0", "A.1"], False),
    ("A-B", Add, ["A.0", "A.1"], False),
    ("-A", Scale, ["A.0", "A.1"], False),
    ("1+exp(v)", Add, ["v.0"], False),
    ("A.*B", Hadamard, ["A.0", "A.1"], False),
    ("A./B", ElemDiv, ["A.0", "A.1"], False),
    ("1./x", ElemDiv, ["x.0"], False),
    ("A.^2", Power, ["A.0", "A.1"], False),
    ("2.^x", Power, ["x.0"], False),
    ("x'.^2", Power, ["x.0"], True),
    ("A/a", ElemDiv, ["A.0", "A.1"], False),
    ("a^2", Power, [], False),
    ("A^2", MatPow, ["A.0", "A.0"], False),
    ("A^-1", Inverse, ["A.0", "A.0"], False),
    ("A^-3", MatPow, ["A.0", "A.0"], False),
    ("A^0", Identity, ["A.0", "A.0"], False),
    ("A^1", Symbol, ["A.0", "A.0"], False),
    ("2", Number, [], False),
    ("0.5", Number, [], False),
    ("1e-3", Number, [], False),
    ("tr(A)", Trace, [], False),
    ("det(A)", Det, [], False),
    ("logdet(A)", LogDet, [], False),
    ("inv(A)", Inverse, ["A.0", "A.0"], False),
    ("diag(x)", DiagMatrix, ["x.0", "x.0"], False),
    ("diag(A)", DiagVector, ["A.0"], False),
    ("sum(X)", SumEntries, [], False),
    ("norm1(x)", Norm, [], False),
    ("norm2(X)", Norm, [], False),
    ("softmax(x)", Softmax, ["x.0"], False),
    ("eye", Identity, ["?", "?"], False),
    ("vector(2)", Scale, ["?"], False),
    ("matrix(1)", Ones, ["?", "?"], False),
    ("A+eye", Add, ["A.0", "A.0"], False),
    ("x+vector(2)", Add, ["x.0"], False),
    *[(f"{f}(X)", Apply, ["X.0", "X.1"], False) for f in ELEMENTWISE_FUNCTIONS],
    *[(f"{f}(a)", Apply, [], False) for f in ELEMENTWISE_FUNCTIONS],
]


@pytest.mark.parametrize(("text", "node", "shape", "row"), NODES, ids=[n[0] for n in NODES])
def test_node_type_and_shape(text: str, node: type, shape: list[str], row: bool) -> None:
    e = mc.parse(text)
    assert type(e) is node
    assert dims(e) == shape
    assert e.row is row


def test_numbers_are_exact_where_they_can_be() -> None:
    assert mc.parse("2").value == 2 and isinstance(mc.parse("2").value, int)
    assert mc.parse("2.0") is mc.parse("2")  # an integral float is that integer: one node
    assert isinstance(mc.parse("2.5").value, float)
    assert mc.parse("1/2").value == Fraction(1, 2)
    assert mc.parse("1e-3").value == pytest.approx(1e-3)
    assert mc.parse("1E+2").value == 100.0
    assert mc.parse(".5") is mc.parse("0.5")


def test_a_function_name_is_not_a_symbol_prefix() -> None:
    assert mc.parse("exponent") is mc.symbol("exponent")  # e...: a scalar
    assert mc.parse("trace").kind == "vector"  # t...: 'tr' is a function, 'trace' a name
    assert mc.parse("eyes").kind == "scalar"


def test_whitespace_is_ignored() -> None:
    assert mc.parse("  x ' * A*x\t\n") is mc.parse("x'*A*x")
    assert mc.parse("exp ( x )") is mc.parse("exp(x)")


# ---- precedence and associativity ------------------------------------------------------------------

SAME: list[tuple[str, str]] = [
    # postfix ' binds tighter than ^
    ("A'^2", "(A')^2"),
    ("a'^b'", "(a')^(b')"),
    ("x'.^2", "(x').^2"),
    # ^ is right-associative
    ("a^b^c", "a^(b^c)"),
    ("x.^a.^b", "x.^(a.^b)"),
    # unary minus sits between ^ and *
    ("-a^2", "-(a^2)"),
    ("-A^2", "-(A^2)"),
    ("-a*b", "(-a)*b"),
    ("-A*B", "(-A)*B"),
    ("a^-b", "a^(-b)"),
    ("a^-b^c", "a^(-(b^c))"),
    ("2*-a", "2*(-a)"),
    ("a--b", "a-(-b)"),
    # * / .* ./ are left-associative and of one level
    ("a/b/c", "(a/b)/c"),
    ("a/b*c", "(a/b)*c"),
    ("a*b/c", "(a*b)/c"),
    ("x./y.*z", "(x./y).*z"),
    ("x.*y./z", "(x.*y)./z"),
    ("A*B.*C", "(A*B).*C"),
    ("A.*B*C", "(A.*B)*C"),
    ("x'*y*z", "(x'*y)*z"),
    # a matrix product is associative: a scalar inside a chain is split off as a Scale
    ("x'*y*z'", "x'*(y*z')"),
    ("x*x'*x*x'", "(x'*x)*(x*x')"),
    # + - are the loosest and left-associative
    ("a-b-c", "(a-b)-c"),
    ("a-b+c", "(a-b)+c"),
    ("a+b*c", "a+(b*c)"),
    ("a*b+c", "(a*b)+c"),
    ("a+b^c", "a+(b^c)"),
    # the lexer: 2.^x is 2 .^ x, 2.*x is 2 .* x
    ("2.^x", "2 .^ x"),
    ("2.*x", "2 .* x"),
    ("2./x", "2 ./ x"),
    ("x.^.5", "x .^ 0.5"),
    ("x.^2.5", "x .^ 2.5"),
]

DIFFERENT: list[tuple[str, str]] = [
    ("A'^2", "(A^2)'"),
    ("a^b^c", "(a^b)^c"),
    ("-a^2", "(-a)^2"),
    ("a/b/c", "a/(b/c)"),
    ("a/b*c", "a/(b*c)"),
    ("x./y.*z", "x./(y.*z)"),
    ("a-b-c", "a-(b-c)"),
    ("a-b+c", "a-(b+c)"),
]


@pytest.mark.parametrize(("text", "same_as"), SAME, ids=[s[0] for s in SAME])
def test_precedence_same(text: str, same_as: str) -> None:
    kinds = {"C": "matrix"}
    assert mc.parse(text, kinds) is mc.parse(same_as, kinds)


@pytest.mark.parametrize(("text", "other"), DIFFERENT, ids=[d[0] for d in DIFFERENT])
def test_precedence_different(text: str, other: str) -> None:
    assert mc.parse(text) is not mc.parse(other)


def test_minus_x_squared_is_minus_of_the_square() -> None:
    e = mc.parse("-x^2", {"x": "scalar"})
    assert isinstance(e, Scale) and e.coef is build.number(-1)
    assert isinstance(e.body, Power) and e.body.base is mc.scalar("x")


def test_exponent_is_a_unary() -> None:
    e = mc.parse("a^-b")
    assert isinstance(e, Power)
    assert e.exponent is mc.parse("-b")


def test_postfix_transposes_fold() -> None:
    assert mc.parse("A''") is mc.matrix("A")
    assert mc.parse("A'''") is mc.parse("A'")
    assert mc.parse("(x')'") is mc.vector("x")
    assert mc.parse("a'") is mc.scalar("a")


def test_two_dot_operators_in_a_row_are_distinct_tokens() -> None:
    assert mc.parse("x.*y.^2") is mc.parse("x.*(y.^2)")
    assert mc.parse("x./y.^z") is mc.parse("x./(y.^z)")


# ---- kinds ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a", "scalar"), ("g", "scalar"), ("alpha", "scalar"), ("h", "vector"), ("theta", "vector"),
     ("z", "vector"), ("A", "matrix"), ("Z", "matrix"), ("Sigma", "matrix"), ("x_1", "vector"),
     ("W2", "matrix")],
)  # fmt: skip
def test_default_kind_by_first_letter(name: str, kind: str) -> None:
    e = mc.parse(name)
    assert isinstance(e, Symbol)
    assert e.kind == kind
    assert e.ndim == {"scalar": 0, "vector": 1, "matrix": 2}[kind]


def test_explicit_kinds_override_the_default() -> None:
    assert mc.parse("x", {"x": "scalar"}).kind == "scalar"
    assert mc.parse("a", {"a": "vector"}).ndim == 1
    assert mc.parse("A", {"A": "scalar"}).is_scalar
    assert mc.parse("x*y", {"x": "scalar", "y": "scalar"}).is_scalar
    assert mc.parse("x", {"y": "matrix"}).kind == "vector"  # kinds of absent names are fine


def test_symmetric_kind() -> None:
    k = {"S": "symmetric"}
    s = mc.parse("S", k)
    assert s.kind == "symmetric" and dims(s) == ["S.0", "S.0"]
    assert mc.parse("S'", k) is s
    assert str(mc.parse("S'", k)) == "S"
    assert str(mc.parse("(A*S)'", k)) == "(A*S)'"
    assert mc.parse("x'*S*x", k).is_scalar
    assert mc.parse("S", k) is mc.symmetric("S")


def test_same_name_in_two_kinds_is_a_different_symbol() -> None:
    assert mc.parse("x", {"x": "scalar"}) is not mc.parse("x")


# ---- dimension inference by unification ---------------------------------------------------------


def test_unification_in_a_least_squares_residual() -> None:
    e = mc.parse("X*w-y")
    assert dims(e) == ["X.0"]
    assert dims(sym(e, "X")) == ["X.0", "X.1"]  # X stays n x m
    assert dims(sym(e, "w")) == ["X.1"]  # w is m
    assert dims(sym(e, "y")) == ["X.0"]  # y is n: unified with the rows of X


def test_unification_does_not_depend_on_order() -> None:
    a, b = mc.parse("X*w-y"), mc.parse("-y+X*w")
    for name in "Xwy":
        assert sym(a, name) is sym(b, name)


def test_quadratic_form_makes_the_matrix_square() -> None:
    e = mc.parse("x'*A*x")
    assert dims(sym(e, "A")) == ["A.0", "A.0"]
    assert dims(sym(e, "x")) == ["A.0"]


def test_matrix_product_unifies_inner_dimensions() -> None:
    e = mc.parse("A*B*C")
    assert dims(e) == ["A.0", "C.1"]
    assert dims(sym(e, "B")) == ["A.1", "B.1"]
    assert dims(sym(e, "C")) == ["B.1", "C.1"]


@pytest.mark.parametrize("text", ["tr(X)", "det(X)", "logdet(X)", "inv(X)", "X^2", "diag(X)", "X+X'", "X*X"])
def test_square_operations_unify_rows_and_columns(text: str) -> None:
    assert dims(sym(mc.parse(text), "X")) == ["X.0", "X.0"]


def test_outer_product_does_not_unify() -> None:
    e = mc.parse("x*y'")
    assert dims(e) == ["x.0", "y.0"]
    assert dims(mc.parse("x*y'+A")) == ["A.0", "A.1"]
    assert dims(sym(mc.parse("x*y'+A"), "y")) == ["A.1"]


def test_a_symbol_used_twice_has_one_shape() -> None:
    e = mc.parse("A*x+A'*y")  # A*x: rows of A; A'*y: columns of A; the sum makes A square
    assert dims(sym(e, "A")) == ["A.0", "A.0"]
    assert dims(sym(e, "x")) == ["A.0"] and dims(sym(e, "y")) == ["A.0"]


def test_constants_take_their_size_from_context() -> None:
    assert dims(mc.parse("A+eye")) == ["A.0", "A.0"]
    assert dims(mc.parse("X.*matrix(2)")) == ["X.0", "X.1"]
    assert dims(mc.parse("x+vector(a)")) == ["x.0"]
    assert dims(mc.parse("x'+vector(1)'")) == ["x.0"]


def test_elementwise_operations_unify_shapes() -> None:
    e = mc.parse("x.*y./z")
    assert {tuple(dims(s)) for s in e.symbols} == {("x.0",)}


def test_an_inferred_dimension_is_described() -> None:
    assert Dim.of("X", 0).describe() == "dimension 1 of X"


# ---- the Python API -------------------------------------------------------------------------------


def test_python_api_quadratic_form() -> None:
    x, A = mc.vector("x"), mc.matrix("A")
    f = x.T @ A @ x
    assert f is mc.parse("x'*A*x")
    assert f is mc.parse("x'*A*x", {"x": "vector", "A": "matrix"})
    assert str(f) == "x'*A*x"
    assert mc.evaluate(f, {"x": np.ones(3), "A": np.eye(3)}) == 3.0


def test_python_api_operators() -> None:
    x, y, A, a = mc.vector("x"), mc.vector("y"), mc.matrix("A"), mc.scalar("a")
    kinds = {"x": "vector", "y": "vector", "A": "matrix", "a": "scalar"}
    assert x * y is mc.parse("x.*y")  # * is elementwise
    assert a * x is mc.parse("a*x")  # ... and scales by a scalar
    assert x * a is mc.parse("a*x")
    assert 2 * x is mc.parse("2*x")
    assert x * 2 is mc.parse("2*x")
    assert x**2 is mc.parse("x.^2")  # ** is the elementwise power
    assert 2**x is mc.parse("2.^x")
    assert a**2 is mc.parse("a^2")
    assert x + 1 is mc.parse("x+1", kinds)
    assert 1 + x is mc.parse("1+x", kinds)
    assert 1 - x is mc.parse("1-x", kinds)
    assert x - y is mc.parse("x-y")
    assert x / 2 is mc.parse("x/2")
    assert 1 / x is mc.parse("1./x")
    assert x / y is mc.parse("x./y")
    assert -A is mc.parse("-A")
    assert +A is A
    assert A @ A is mc.parse("A*A")
    assert x @ y.T is mc.parse("x*y'")
    assert A.T is mc.parse("A'")
    assert mc.symmetric("S").T is mc.symmetric("S")
    assert Fraction(1, 2) * x is mc.parse("1/2*x")
    assert 0.5 * x is mc.parse("0.5*x")
    assert np.float64(2.0) * x is mc.parse("2.0*x")


def test_python_api_mixes_with_parsed_expressions() -> None:
    x = mc.vector("x")
    assert mc.parse("x'*A") @ x is mc.parse("x'*A*x")
    assert mc.parse("exp(x)") + x is mc.parse("exp(x)+x")


def test_python_api_shape_errors() -> None:
    x, A = mc.vector("x"), mc.matrix("A")
    with pytest.raises(mc.ShapeError, match="column vector can only be multiplied by a row vector"):
        x @ x
    with pytest.raises(mc.ShapeError, match="matrix product needs two arrays"):
        A @ 2
    with pytest.raises(mc.ShapeError, match="cannot add column vector x and matrix A"):
        x + A


def test_symbol_constructors() -> None:
    assert mc.scalar("a").kind == "scalar"
    assert mc.vector("a").kind == "vector"
    assert mc.matrix("x").kind == "matrix"
    assert mc.symmetric("S").kind == "symmetric"
    assert mc.symbol("theta") is mc.vector("theta")
    assert repr(mc.vector("x")) == "x"
    assert mc.srepr(mc.vector("x")) == "Symbol('x', 'vector')"


def test_srepr_shows_the_structure() -> None:
    assert mc.srepr(mc.parse("x'*A*x")) == (
        "MatMul(Transpose(Symbol('x', 'vector')), Symbol('A', 'matrix'), Symbol('x', 'vector'))"
    )
    assert mc.srepr(mc.parse("2*a")) == "Scale(Number(2), Symbol('a', 'scalar'))"
    assert mc.srepr(mc.parse("exp(a)")) == "Apply('exp', Symbol('a', 'scalar'))"
    with pytest.raises(mc.MatcalcError, match="srepr needs an expression, got str"):
        mc.srepr("x")  # type: ignore[arg-type]


def test_parse_never_evaluates_python() -> None:
    # Python-looking text is either a parse error or an ordinary symbol/function.
    for text in ["__import__('os')", "x.__class__", "lambda: 0", "[x]", "x if y else z"]:
        with pytest.raises(mc.ParseError):
            mc.parse(text)
