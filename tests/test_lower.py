"""The lowering stage (`matcalc.lower`): each structural node's index form is its value.

The index form is the one definition the derivative rules, `atom`, the LaTeX
index printer and einsum code read, so it is checked against NumPy
evaluation of the node itself, and the rules derived from it against finite
differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import matcalc as mc
from matcalc import build
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import Expr, IndexForm, Ones, Zero
from matcalc.index import fresh_like, index_form
from matcalc.lower import LOWERINGS, atom, lower
from matcalc.testing import check_derivative, random_values

_n = Dim.of("x", 0)
_KINDS = {"a": "scalar", "x": "vector", "y": "vector"}


def _cases() -> dict[str, Expr]:
    parsed = {
        text: mc.parse(text, _KINDS)
        for text in ("A*B*C", "x*y'", "x'*A", "A*x", "A'", "tr(A*B)", "sum(A)", "diag(A)", "diag(x)",
                     "A+B", "2*A", "a*A", "A.*B.*C", "x'*y", "kron(A, B)", "kron(x, y')", "kron(x, B)",
                     "kron(x', y')", "vec(A*B)")
    }  # fmt: skip
    others: dict[str, Expr] = {
        "eye": build.eye(_n),
        "ones": build.ones((_n,)),
        "zeros": build.zeros((_n,)),
        "d(W*x)/dW": mc.diff(mc.parse("W*x"), "W"),
        "number": build.number(3),
    }
    return {**parsed, **others}


CASES = _cases()


def test_every_structural_node_has_a_case() -> None:
    assert set(LOWERINGS) <= {type(e) for e in CASES.values()}
    assert isinstance(CASES["d(W*x)/dW"], IndexForm)
    assert isinstance(CASES["ones"], Ones) and isinstance(CASES["zeros"], Zero)


def _values(e: Expr) -> dict[str, object]:
    """Random values; ``x`` (length 3) and ``W`` always, as they size the constants."""
    fixed = {"x": np.array([0.5, -1.0, 2.0]), "W": np.arange(6.0).reshape(2, 3)}
    return {**fixed, **random_values(e, 1, {_n: 3})}


@pytest.mark.parametrize("name", list(CASES))
def test_the_index_form_is_the_value(name: str) -> None:
    e = CASES[name]
    idx = fresh_like(e.shape)
    values = _values(e)
    got = mc.evaluate(index_form(idx, lower(e, idx)), values)
    np.testing.assert_allclose(got, mc.evaluate(e, values), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", [n for n, e in CASES.items() if type(e) in LOWERINGS])
def test_atom_keeps_the_value(name: str) -> None:
    e = CASES[name]
    idx = fresh_like(e.shape)
    values = _values(e)
    got = mc.evaluate(index_form(idx, [atom(e, idx)]), values)
    np.testing.assert_allclose(got, mc.evaluate(e, values), rtol=1e-12, atol=1e-12)


def test_atom_opens_only_what_renames_indices_adds_deltas_or_scales() -> None:
    a = mc.parse("A")
    (i, j) = fresh_like(a.shape)
    assert atom(mc.parse("A'"), (i, j)).factors[0].indices == (j, i)
    assert atom(mc.parse("2*A"), (i, j)).coef == 2
    assert len(atom(mc.parse("diag(x)", _KINDS), (i, i)).deltas) == 1
    kept = mc.parse("A*B")
    assert atom(kept, (i, j)).factors[0].base is kept  # a product has a summed index: not unpacked


@pytest.mark.parametrize(
    ("text", "wrt"),
    [("tr(A*X*B)", "X"), ("sum(X.*A)", "X"), ("diag(X)'*x", "X"), ("x'*diag(x)*A*x", "x"),
     ("a*X'*A", "X"), ("x*x'", "x"), ("tr(X'*X)", "X"), ("sum(x*y')", "y")],
)  # fmt: skip
def test_derived_linear_rules_match_finite_differences(text: str, wrt: str) -> None:
    result = check_derivative(mc.parse(text, _KINDS), wrt)
    assert result.ok, (text, result.error)


def test_a_node_without_an_index_form_is_a_clear_error() -> None:
    with pytest.raises(MatcalcError, match="not a structural node"):
        lower(mc.parse("exp(A)"), fresh_like(mc.parse("A").shape))
