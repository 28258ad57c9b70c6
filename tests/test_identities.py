"""The identity corpus (`matcalc.cookbook`): numbers, closed matrix form, textbook form.

For every recipe: the derivative matches central finite differences at two
random points and has the shape ``f.shape + wrt shapes``; when the recipe
asks for a closed form, the result contains no index form and its text parses
back to the same expression; every result's text (index notation included)
parses back to an expression with the same numbers; when the recipe gives the
textbook form, both have the same value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

import matcalc as mc
from matcalc.cookbook import IDENTITIES, TOPICS, Recipe, by_name
from matcalc.dims import Dim
from matcalc.expr import Expr, IndexForm, substitute_dims, walk
from matcalc.testing import check_derivative, random_values

SEEDS = (0, 1)

#: Recipes that expose a known engine bug: (name, reason).  Temporary; see the report.
KNOWN_BUGS: dict[str, str] = {}


def _param(r: Recipe) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[r.name])] if r.name in KNOWN_BUGS else []
    return pytest.param(r, id=r.name, marks=marks)


ALL = [pytest.param(r, id=r.name) for r in IDENTITIES]
CLOSED = [_param(r) for r in IDENTITIES if r.closed_form]
EXPECTED = [pytest.param(r, id=r.name) for r in IDENTITIES if r.expected is not None]


def _values(f: Expr, r: Recipe, seed: int) -> dict[str, Any]:
    """Random values for ``f``'s symbols, with the sizes the recipe asks for."""
    sizes: dict[Dim, int] = {}
    for s in f.symbols:
        for d, n in zip(s.shape, r.sizes.get(s.name, ()), strict=False):
            assert sizes.setdefault(d, n) == n, f"{r.name}: conflicting sizes for {d}"
    return random_values(f, seed, sizes, r.ranges)


def _derive(r: Recipe) -> tuple[Expr, Expr]:
    f = mc.parse(r.expr, r.kinds)
    return f, mc.diff(f, *r.wrt)


def _same_dims_as(e: Expr, g: Expr, symbols: Mapping[str, Expr]) -> Expr:
    """``e`` with its dimensions renamed to those of ``g``.

    A text carries no dimensions: ``a*b'`` parses with dimensions named after
    ``a`` and ``b`` although, as a derivative of ``a'*X*b``, it has those of
    ``X``; a standalone ``eye`` parses with anonymous ones.  Symbols take the
    dimensions they have in ``g`` (or in ``symbols``), the result's axes
    those of ``g``.
    """
    sub: dict[Dim, Dim] = {}
    for s in e.symbols:
        ref = symbols.get(s.name)
        if ref is not None:
            sub.update(zip(s.shape, ref.shape, strict=True))
    for d, gd in zip(e.shape, g.shape, strict=True):
        sub.setdefault(d, gd)
    return substitute_dims(e, {d: gd for d, gd in sub.items() if d != gd})


@pytest.mark.parametrize("r", ALL)
def test_matches_finite_differences(r: Recipe) -> None:
    f, g = _derive(r)
    for seed in SEEDS:
        values = _values(f, r, seed)
        check = check_derivative(f, *r.wrt, values=values)
        assert check.ok, f"{r.expr} by {r.wrt}, seed {seed}: max error {check.max_error:.3g}\n{g}"
        shape = np.shape(mc.evaluate(f, values)) + sum((np.shape(values[w]) for w in r.wrt), ())
        assert np.shape(mc.evaluate(g, values)) == shape


@pytest.mark.parametrize("r", CLOSED)
def test_closed_form_round_trips(r: Recipe) -> None:
    _, g = _derive(r)
    assert not any(isinstance(n, IndexForm) for n in walk(g)), f"no matrix form: {g}"
    kinds = {s.name: s.kind for s in g.symbols}
    back = mc.parse(str(g), kinds)
    assert _same_dims_as(back, g, {s.name: s for s in g.symbols}) is g, f"{g} -> {back}"


@pytest.mark.parametrize("r", ALL)
def test_printed_result_parses_back_to_the_same_numbers(r: Recipe) -> None:
    """Every result, in matrix form or index notation, prints as text that parses back and evaluates.

    Parsed with the kinds of the original symbols (a result may no longer show
    what made ``y`` a vector), and with nothing renamed: every size comes from
    the text itself (a constant of the sample count prints ``vector(1, size(y, 1))``).
    """
    f, g = _derive(r)
    back = mc.parse(str(g), {s.name: s.kind for s in f.symbols})
    assert not any(d.anonymous for d in back.dims), f"{g} parses back with a size left open"
    if isinstance(g, IndexForm):
        assert isinstance(back, IndexForm) and back.lhs == g.lhs and str(back) == str(g)
    for seed in SEEDS:
        values = _values(f, r, seed)
        got, want = mc.evaluate(back, values), mc.evaluate(g, values)
        assert np.shape(got) == np.shape(want)
        assert np.allclose(got, want, rtol=1e-10, atol=1e-12, equal_nan=True), f"{g}"


@pytest.mark.parametrize("r", EXPECTED)
def test_textbook_form(r: Recipe) -> None:
    f, g = _derive(r)
    assert r.expected is not None
    expected = _same_dims_as(mc.parse(r.expected, r.kinds), g, {s.name: s for s in f.symbols})
    for seed in SEEDS:
        values = _values(f, r, seed)
        got, want = mc.evaluate(g, values), mc.evaluate(expected, values)
        assert np.shape(got) == np.shape(want)
        assert np.allclose(got, want, rtol=1e-8, atol=1e-10), f"{g}  vs  {r.expected}"


def test_corpus_size_and_sources() -> None:
    cookbook = [r for r in IDENTITIES if r.from_cookbook]
    ml = {r.source for r in IDENTITIES if r.is_ml and r.order == 1}
    assert len(cookbook) >= 60
    assert len(ml) >= 8
    assert all(r.source and r.topic in TOPICS for r in IDENTITIES)
    assert len({r.name for r in IDENTITIES}) == len(IDENTITIES)
    for r in cookbook:
        assert r.source.startswith(("Matrix Cookbook eq. (", "Matrix Cookbook §")), r.source


def test_corpus_covers_the_issue() -> None:
    orders = {r.order for r in IDENTITIES}
    assert orders == {1, 2, 3}
    needed = ["least squares", "ridge", "logistic", "softmax cross-entropy", "Gaussian",
              "matrix factorization", "tanh network"]  # fmt: skip
    for word in needed:
        wrt = {w for r in IDENTITIES if r.is_ml and word in r.source for w in r.wrt}
        assert wrt, word
    assert {"m", "S"} <= {w for r in IDENTITIES if "Gaussian" in r.source for w in r.wrt}
    assert by_name("tr_AXB").expected == "A'*B'"
