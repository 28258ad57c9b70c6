"""Issue 11, item 7: what users of other tools write (``x^T``, ``xᵀ``, ``X.T``, ``trace``, typos).

The transpose spellings are decided in docs/syntax.md: ``xᵀ`` and ``X.T`` are
transposes; ``x^T`` with ``T`` not declared is refused with a hint (with a
declared ``T`` it is a power).  An unknown function gets the nearest built-in
spellings, from a table of other libraries' names and by edit distance, in the
library's error, so the CLI and the web page say the same.
"""

from __future__ import annotations

import numpy as np
import pytest

import matcalc as mc
from matcalc.cli import main
from matcalc.grammar import CALLABLE
from matcalc.spellings import FUNCTION_ALIASES, OPERATOR_ALIASES, distance, unknown_function
from matcalc.web import service

# ---- transposes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("xᵀ*A*x", "x'*A*x"),
        ("x.T*A*x", "x'*A*x"),
        ("(A*B).T", "(A*B)'"),
        ("(A*B)ᵀ", "(A*B)'"),
        ("X.T.T*y", "X''*y"),
        ("Xᵀ'", "X''"),
        ("exp(x).T*y", "exp(x)'*y"),
        ("x ᵀ * y", "x'*y"),
    ],
)
def test_other_transpose_spellings_are_transposes(text: str, written: str) -> None:
    assert mc.parse(text) is mc.parse(written)


def test_transpose_spellings_evaluate() -> None:
    rng = np.random.default_rng(0)
    A, x = rng.normal(size=(3, 3)), rng.normal(size=3)
    for text in ("xᵀ*A*x", "x.T*A*x", "x'*A.T*x"):
        assert mc.evaluate(mc.parse(text), {"A": A, "x": x}) == pytest.approx(x @ A @ x)


def test_dot_t_must_end_there() -> None:
    with pytest.raises(mc.ParseError, match=r"unexpected character '\.'"):
        mc.parse("A.Tx")


@pytest.mark.parametrize("text", ["x^T*A*x", "X^T*X", "a^T", "(A*B)^T", "x^T'"])
def test_caret_t_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(mc.ParseError) as info:
        mc.parse(text)
    assert info.value.reason.startswith("'^T' is not a transpose here: write x' (or xᵀ, x.T)")
    assert "kinds={'T': 'scalar'}" in info.value.reason
    assert info.value.position == text.index("T")


def test_caret_t_with_a_declared_t_is_a_power() -> None:
    kinds = {"T": "scalar"}
    a = mc.parse("a^T", kinds)
    assert str(a) == "a^T"
    assert mc.evaluate(a, {"a": 2.0, "T": 3.0}) == pytest.approx(8.0)
    X = np.array([[2.0, 1.0], [1.0, 3.0]])
    w, V = np.linalg.eigh(X)
    power = mc.evaluate(mc.parse("X^T", kinds), {"X": X, "T": 0.5})  # the principal power
    np.testing.assert_allclose(power, V @ np.diag(np.sqrt(w)) @ V.T)


def test_t_as_a_symbol_elsewhere_is_untouched() -> None:
    assert str(mc.parse("x^(T)", {"x": "scalar"})) == "x^T"  # parenthesized: the symbol T
    assert str(mc.parse("x.^T", {"T": "scalar"})) == "x.^T"
    assert str(mc.parse("T*x")) == "T*x"


# ---- unknown functions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("trace(X)", "unknown function 'trace'; did you mean tr(...)?"),
        ("Trace(X)", "unknown function 'Trace'; did you mean tr(...)?"),
        ("tarce(X)", "unknown function 'tarce'; did you mean tr(...)?"),  # a typo of the alias
        ("transpose(X)", "unknown function 'transpose': for the transpose, write X'"),
        ("transpsoe(X)", "unknown function 'transpsoe': for the transpose, write X'"),
        ("sofmax(x)", "unknown function 'sofmax'; did you mean softmax(...)?"),
        ("lgosumexp(x)", "unknown function 'lgosumexp'; did you mean logsumexp(...)?"),
        ("logsumexpp(x)", "unknown function 'logsumexpp'; did you mean logsumexp(...)?"),
        ("log_sum_exp(x)", "unknown function 'log_sum_exp'; did you mean logsumexp(...)?"),
        ("inverse(X)", "unknown function 'inverse'; did you mean inv(...)?"),
        ("norm(x)", "unknown function 'norm'; did you mean norm2(...) or norm1(...)?"),
        ("sigmod(x)", "unknown function 'sigmod'; did you mean sigmoid(...)?"),
        ("matmul(A, B)", "unknown function 'matmul': for the matrix product, write A*B"),
        ("cholesky(S)", "unknown function 'cholesky'; did you mean chol(...)?"),
        ("gammaln(x)", "unknown function 'gammaln'; did you mean lgamma(...)?"),
    ],
)
def test_unknown_function_suggests_the_nearest(text: str, said: str) -> None:
    with pytest.raises(mc.ParseError) as info:
        mc.parse(text)
    assert info.value.reason.startswith(said)
    assert info.value.position == 0


def test_no_suggestion_for_a_name_far_from_all() -> None:
    with pytest.raises(mc.ParseError) as info:
        mc.parse("foo(x)")
    assert info.value.reason == (
        "unknown function 'foo' (declare an abstract function with kinds={'foo': 'scalar function'}, "
        "or 'vector function' / 'matrix function')"
    )


def test_a_long_unknown_name_is_measured_only_against_names_of_near_length(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hostile input: a 5000-letter name took seconds (an edit distance to every candidate)."""
    from matcalc import spellings

    measured: list[tuple[str, str]] = []

    def counted(a: str, b: str) -> int:
        measured.append((a, b))
        return distance(a, b)

    monkeypatch.setattr(spellings, "distance", counted)
    with pytest.raises(mc.ParseError, match="unknown function 'x9999"):
        mc.parse("x" + "9" * 5000 + "(y)")
    with pytest.raises(mc.ParseError, match=r"did you mean softmax\(\.\.\.\)"):
        mc.parse("sofmax(y)")
    assert measured and all(abs(len(a) - len(b)) <= 2 for a, b in measured)


def test_declared_abstract_functions_are_suggested() -> None:
    with pytest.raises(mc.ParseError, match=r"did you mean Loss\(\.\.\.\)\?"):
        mc.parse("Losss(x) + Loss(x)", {"Loss": "scalar function"})


def test_every_built_in_is_found_from_a_typo() -> None:
    """The mechanism, not the table: two neighbours swapped in any built-in of five letters or more."""
    for name in CALLABLE:
        if len(name) < 5:
            continue
        middle = len(name) // 2
        typo = name[: middle - 1] + name[middle] + name[middle - 1] + name[middle + 1 :]
        if typo == name or typo in CALLABLE:
            continue
        message = unknown_function(typo, CALLABLE, "declare it")
        assert f"{name}(...)" in message, (typo, message)


def test_the_alias_tables_point_at_real_spellings() -> None:
    for alias, target in FUNCTION_ALIASES.items():
        assert alias not in CALLABLE, alias  # an alias that is a built-in would never be reached
        assert target in CALLABLE, (alias, target)
    for alias, (written, _) in OPERATOR_ALIASES.items():
        assert alias not in CALLABLE, alias
        for spelling in written.split(" or "):
            mc.parse(spelling, {"p": "scalar", "k": "scalar", "b": "vector"})


def test_distance() -> None:
    assert distance("trace", "trace") == 0
    assert distance("sofmax", "softmax") == 1
    assert distance("lgosumexp", "logsumexp") == 1  # a swap of neighbours is one edit
    assert distance("abc", "") == 3
    assert distance("kitten", "sitting") == 3


# ---- the same answer from the CLI and the web API ------------------------------------------


def test_cli_says_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "trace(X)", "--wrt", "X"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("matcalc: error: unknown function 'trace'; did you mean tr(...)?")
    assert main(["diff", "x^T*A*x", "--wrt", "x"]) == 2
    assert "'^T' is not a transpose here" in capsys.readouterr().err
    assert main(["diff", "xᵀ*A*x", "--wrt", "x"]) == 0
    assert capsys.readouterr().out == "(A+A')*x\n"


def test_web_api_says_it() -> None:
    with pytest.raises(service.RequestError) as info:
        service.handle("derivative", {"expression": "sofmax(x)", "wrt": ["x"]})
    assert info.value.message.startswith("unknown function 'sofmax'; did you mean softmax(...)?")
    assert (info.value.field, info.value.position) == ("expression", 0)
