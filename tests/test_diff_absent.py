"""Differentiating by a name the expression does not contain is refused (issue 11, item 2)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import matcalc as mc
from matcalc.cli import main


def test_a_misspelled_variable_is_an_error_naming_the_symbols() -> None:
    with pytest.raises(mc.DifferentiationError, match=r"does not contain 'z' \(its symbols are A, x\)"):
        mc.diff(mc.parse("x'*A*x"), "z")


def test_a_symbol_object_that_does_not_occur_is_refused_too() -> None:
    with pytest.raises(mc.DifferentiationError, match="does not contain 'z'"):
        mc.diff(mc.parse("x'*A*x"), mc.vector("z"))


def test_a_constant_has_no_symbols() -> None:
    with pytest.raises(mc.DifferentiationError, match="it has no symbols"):
        mc.diff(mc.parse("2*3"), "x")


def test_the_opt_out_gives_the_zero_of_the_right_shape() -> None:
    d = mc.diff(mc.parse("A*x"), "y", if_absent="zero")
    values = {"A": np.ones((2, 3)), "x": np.ones(3), "y": np.ones(4)}
    assert mc.evaluate(d, values).shape == (2, 4)
    assert not mc.evaluate(d, values).any()


def test_an_unknown_opt_out_value_is_refused() -> None:
    with pytest.raises(mc.DifferentiationError, match="if_absent must be one of"):
        mc.diff(mc.parse("A*x"), "x", if_absent="ignore")


def test_a_variable_lost_by_an_earlier_derivative_gives_zero() -> None:
    f = mc.parse("x'*A*x + y'*y")
    values = {"A": np.ones((3, 3)), "x": np.ones(3), "y": np.ones(3)}
    assert not mc.evaluate(mc.diff(f, "x", "y"), values).any()  # mixed: ∂x of f has no y
    assert not mc.evaluate(mc.diff(f, "x", "x", "x"), values).any()  # a quadratic's third derivative


def test_explain_follows_a_variable_lost_by_an_earlier_derivative() -> None:
    e = mc.explain(mc.parse("x'*A*x + y'*y"), "x", "y")
    values = {"A": np.ones((3, 3)), "x": np.ones(3), "y": np.ones(3)}
    assert not mc.evaluate(e.result, values).any()
    with pytest.raises(mc.DifferentiationError, match="does not contain 'z'"):
        mc.explain(mc.parse("x'*A*x"), "z")


def test_check_and_vec_refuse_a_variable_that_does_not_occur() -> None:
    with pytest.raises(mc.DifferentiationError, match="does not contain 'y'"):
        mc.check("A*x", "y", "matrix(0)")
    with pytest.raises(mc.DifferentiationError, match="does not contain 'X'"):
        mc.vec_jacobian(mc.parse("A*x"), "X")


def test_the_cli_exits_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "x'*A*x", "--wrt", "z"]) == 2
    assert "does not contain 'z' (its symbols are A, x)" in capsys.readouterr().err


# ---- the opt-out is offered only where it exists ----------------------------------------------

API_WITH_THE_OPT_OUT = [
    lambda: mc.diff(mc.parse("x'*A*x"), "z"),
    lambda: mc.explain(mc.parse("x'*A*x"), "z"),
]
API_WITHOUT_IT = [
    lambda: mc.check("x'*A*x", "z", "x"),
    lambda: mc.vec_jacobian(mc.parse("A*x"), "z"),
]


@pytest.mark.parametrize("call", API_WITH_THE_OPT_OUT, ids=["diff", "explain"])
def test_the_api_offers_if_absent_where_it_is_a_parameter(call: Callable[[], object]) -> None:
    with pytest.raises(mc.AbsentVariableError) as info:
        call()
    assert str(info.value).endswith("To get the zero derivative, pass if_absent='zero'")
    assert info.value.name == "z" and info.value.symbols == ("A", "x")
    assert isinstance(info.value, mc.DifferentiationError)  # what callers caught before


@pytest.mark.parametrize("call", API_WITHOUT_IT, ids=["check", "vec_jacobian"])
def test_the_api_offers_no_opt_out_where_there_is_none(call: Callable[[], object]) -> None:
    with pytest.raises(mc.AbsentVariableError) as info:
        call()
    assert str(info.value).endswith("a misspelling?") and "if_absent" not in str(info.value)


def test_explain_takes_the_opt_out_too() -> None:
    e = mc.explain(mc.parse("x'*A*x"), "z", if_absent="zero")
    values = {"A": np.ones((3, 3)), "x": np.ones(3), "z": np.ones(2)}
    assert mc.evaluate(e.result, values).shape == (2,) and not mc.evaluate(e.result, values).any()


CLI_WITH_THE_FLAG = [
    ["diff", "x'*A*x", "--wrt", "z"],
    ["diff", "x'*A*x", "--wrt", "z", "--steps"],
    ["diff", "x'*A*x", "--wrt", "z", "--as", "vec"],
]
CLI_WITHOUT_IT = [
    ["code", "x'*A*x", "--wrt", "z"],
    ["check", "x'*A*x", "--wrt", "z", "--claim", "x"],
    ["latex", "A*x", "--form", "vec", "--wrt", "z"],
]


@pytest.mark.parametrize("argv", CLI_WITH_THE_FLAG, ids=lambda a: " ".join(a[4:]) or "plain")
def test_a_cli_command_with_if_absent_offers_it(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "does not contain 'z'" in err
    assert err.rstrip().endswith("To get the zero derivative, add --if-absent zero")
    assert "if_absent=" not in err  # the library's spelling is not the CLI's
    assert main([*argv, "--if-absent", "zero"]) == 0  # and the flag it names works there


@pytest.mark.parametrize("argv", CLI_WITHOUT_IT, ids=lambda a: a[0])
def test_a_cli_command_without_if_absent_does_not_offer_it(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "does not contain 'z'" in err and "if-absent" not in err and "if_absent" not in err
    assert main([*argv, "--if-absent", "zero"]) == 2  # it really has no such flag
    assert "unrecognized arguments: --if-absent" in capsys.readouterr().err


def test_the_web_api_offers_no_opt_out() -> None:
    from matcalc.web.service import RequestError, derivative

    with pytest.raises(RequestError) as info:
        derivative({"expression": "x'*A*x", "wrt": ["z"]})
    assert "does not contain 'z'" in str(info.value.message) and "if_absent" not in str(info.value.message)


def test_the_cli_opt_out_prints_the_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "x'*A*x", "--wrt", "z", "--if-absent", "zero"]) == 0
    assert capsys.readouterr().out.strip() == "vector(0, size(z, 1))"  # nothing else says its length


@pytest.mark.parametrize(
    ("text", "wrt"),
    [("F(x)*0", ("x",)), ("F(y)", ("x",)), ("G(x)*0", ("x",)), ("F(x)*0", ("x", "x")),
     ("G(y)+H(x)*0", ("x",))],
)
def test_a_zero_sized_by_a_function_value_parses_back(text: str, wrt: tuple[str, ...]) -> None:
    """The zero's size is an axis of F's value, printed size(F, k) where no call of F is left."""
    kinds = {"F": "vector function", "G": "matrix function", "H": "matrix function"}
    d = mc.diff(mc.parse(text, kinds), *wrt, if_absent="zero")
    assert "size(F, 1)" in str(d) or "size(G, 1)" in str(d)
    back = mc.parse(str(d), kinds)
    assert back.shape == d.shape and str(back) == str(d)
    if d.ndim <= 2:  # an index form (a zero of three axes) is rebuilt with fresh index names
        assert back is d
    values = {"x": np.ones(3), "y": np.ones(2), "F": lambda u: np.ones(4), "G": lambda u: np.ones((2, 5))}
    with pytest.raises(mc.EvaluationError, match="never calls"):  # a size nothing in it measures
        mc.evaluate(back, values)


def test_size_of_a_function_is_a_size_only() -> None:
    kinds = {"F": "vector function"}
    assert mc.parse("F(x)+vector(1, size(F, 1))", kinds).shape == mc.parse("F(x)", kinds).shape
    with pytest.raises(mc.ParseError, match="'F' is a vector function: write F"):
        mc.parse("size(F, 1)*x", kinds)
