"""Every simplification rule fires somewhere in the corpus; a rule that never fires is deleted.

The corpus: each recipe of the identity corpus (`matcalc.cookbook`, which is
also docs/cookbook.md), its input simplified and its derivative taken, and a
fixed sample of random expressions and their first derivatives (the
derandomized strategies of tests/strategies.py), since the recipes are
textbook inputs and many rules exist for what random compositions produce.

    python tests/test_rule_coverage.py    # the firing count of every rule
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, Phase, given, settings
from strategies import expressions

import matcalc as mc
from matcalc import rewrite
from matcalc.cookbook import IDENTITIES
from matcalc.expr import Expr
from matcalc.simplify import PAIR_RULES, RULES

#: Random expressions in the sample (each simplified, and differentiated by two of its symbols).
SAMPLE = 1000


def corpus_counts() -> tuple[Counter[str], Counter[str]]:
    """Firings per rule: (in the identity corpus, in the random sample)."""
    with rewrite.stats() as corpus:
        for r in IDENTITIES:
            f = mc.parse(r.expr, r.kinds)
            mc.simplify(f)
            mc.diff(f, *r.wrt)
    with rewrite.stats() as sample:
        _random_sample()
    return corpus, sample


@settings(max_examples=SAMPLE, derandomize=True, database=None, deadline=None,
          phases=[Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
@given(expressions())
def _random_sample(e: Expr) -> None:
    mc.simplify(e)
    for s in e.symbols[:2]:
        mc.diff(e, s.name)


def test_every_rule_fires_in_the_corpus() -> None:
    corpus, sample = corpus_counts()
    rules = RULES.rules + PAIR_RULES.rules  # PAIR_RULES: after simplify, on derivatives through kron/vec
    never = [r.name for r in rules if not corpus[r.name] and not sample[r.name]]
    assert not never, f"rules that fire nowhere (delete them, or add the case they exist for): {never}"
    assert set(corpus) | set(sample) <= {r.name for r in rules}


if __name__ == "__main__":
    counts = corpus_counts()
    print(f"{'rule':24}{'corpus':>8}{'sample':>8}")
    for r in RULES.rules:
        print(f"{r.name:24}{counts[0][r.name]:8}{counts[1][r.name]:8}")
