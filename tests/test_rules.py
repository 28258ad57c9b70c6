"""Soundness of every simplification rule: both sides have the same value.

Each rule carries an example input on which it fires.  The test finds the
node of the example where the rule applies, rewrites that node with the rule
alone, and compares the values of both sides (NumPy, random values at two
seeds); it also checks that the shape and orientation are kept.
"""

from __future__ import annotations

import numpy as np
import pytest

import matcalc as mc
from matcalc.expr import Expr, walk
from matcalc.rewrite import Rule
from matcalc.simplify import RULES
from matcalc.testing import random_values


def _firing(r: Rule) -> tuple[Expr, Expr, Expr]:
    example = mc.parse(r.example, dict(r.kinds))
    for node in walk(example):
        out = r(node)
        if out is not None:
            return example, node, out
    raise AssertionError(f"rule {r.name} does not fire on its example {r.example!r}")


@pytest.mark.parametrize("r", RULES.rules, ids=lambda r: r.name)
def test_rule_keeps_the_value(r: Rule) -> None:
    example, before, after = _firing(r)
    assert (after.shape, after.row) == (before.shape, before.row), f"{before} -> {after}"
    for seed in (0, 1):
        values = random_values(example, seed)  # the example fixes every dimension
        want, got = mc.evaluate(before, values), mc.evaluate(after, values)
        assert np.shape(got) == np.shape(want)
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12), f"{r.name}: {before} -> {after}"


@pytest.mark.parametrize(
    "text",
    [
        "sum(vector(1)'*A*matrix(1, size(A, 2), size(A, 1)))",
        "sum(matrix(1, size(A, 2), size(A, 1))*A*vector(1))",
        "tr(A*matrix(1)*B*matrix(1))",
    ],
)
def test_ones_at_either_end_of_a_product(text: str) -> None:
    """sum(1'P) = sum(P 1) = sum(P) and tr(1 P) = tr(P 1) = sum(P) whichever end the ones stand at.

    (Only the last factor was tried when both ends hold ones.)
    """
    e = mc.parse(text)
    s = mc.simplify(e)
    assert str(s).startswith("sum(") and "vector(1)" not in str(s) and s.tree_size < e.tree_size, str(s)
    values = random_values(e, 0)
    assert np.allclose(mc.evaluate(s, values), mc.evaluate(e, values))
