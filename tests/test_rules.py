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
