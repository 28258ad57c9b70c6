"""The rewrite driver: fixed point, step limit, indexing by node type, firing counts."""

from __future__ import annotations

import pytest

import matcalc as mc
from matcalc import build, rewrite
from matcalc.expr import Add, Expr, MatMul, Scale, Transpose, walk
from matcalc.rewrite import Pat, RuleTable, rule
from matcalc.simplify import RULES

KINDS = {"x": "vector", "w": "vector", "X": "matrix", "A": "matrix"}


def test_the_issue_example_reaches_its_fixed_point_in_one_call() -> None:
    # The sum becomes 2*x', the constructor pulls the 2 out of the product and builds a
    # new chain x'*X*A*A*w: that chain must be simplified too (A*A = A^2).
    e = mc.parse("(x'+x')*X*A*A*w", KINDS)
    s = mc.simplify(e)
    assert s is mc.parse("2*x'*X*A^2*w", KINDS)
    assert mc.simplify(s) is s


def test_no_rule_applies_anywhere_in_a_result() -> None:
    e = mc.parse("((x'+x')*X*A*A*w)*(A*inv(A)*x)'*(w+w)", KINDS)
    s = mc.simplify(e)
    for node in walk(s):  # every rule of the node's type, not only those the operand index offers
        assert all(r(node) is None for r in RULES.rules if isinstance(node, r.pattern.types or Expr)), node


@rule(Pat(Add, name="s"), example="A+B")
def _swap(s: Add) -> Expr:
    """A + B = B + A.

    Terminates: it does not (the test of the step limit).
    """
    return build.add(s.terms[1], s.terms[0])


@rule(Pat(Transpose, name="t"), example="A'")
def _wrap(t: Transpose) -> Expr:
    """A' = A' I.

    Terminates: it does not change the node (the test of indexing by node type).
    """
    return build.matmul(t, build.eye(t.shape[1]))  # I drops out: the node reappears


@rule(Pat(Scale, name="s"), example="2*A")
def _grow(s: Scale) -> Expr:
    """c A = (c+1) A  (deliberately wrong: a new node every time).

    Terminates: it does not (the test of the step limit).
    """
    return build.scale(build.number(s.coef.value + 1), s.body)


def test_rules_that_never_settle_raise_a_clear_error() -> None:
    e = mc.parse("2*A")
    with pytest.raises(mc.RewriteLimitError, match=r"did not settle after 50 steps.*_grow"):
        rewrite.rewrite(e, RuleTable([_grow]), max_steps=50)
    assert issubclass(mc.RewriteLimitError, mc.MatcalcError)


def test_rules_that_cycle_are_stopped_when_a_form_comes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # A+B -> B+A -> A+B: the rules are functions of the node, so this would go round until the
    # step limit (or the work budget, which hid a cycle of transpose_down and
    # transpose_out_of_sum as "its result grows too fast"); the repeat is an error at once.
    monkeypatch.setattr(rewrite, "strict_cycles", True)
    with pytest.raises(mc.RewriteLimitError, match=r"cycles: A\+B comes back \(rules: .*_swap"):
        rewrite.rewrite(mc.parse("A+B"), RuleTable([_swap]), max_steps=10**9)


def test_a_cycle_settles_on_its_smallest_form_whatever_its_entry() -> None:
    # the forms of a cycle are equal in value; the result is one of them, the same from each
    a = rewrite.rewrite(mc.parse("A+B"), RuleTable([_swap]), max_steps=10**9)
    b = rewrite.rewrite(mc.parse("B+A"), RuleTable([_swap]), max_steps=10**9)
    assert a is b and str(a) in ("A+B", "B+A")


def test_a_node_rebuilt_inside_its_own_rewrite_is_an_error() -> None:
    inner = build.matmul(mc.parse("A'"), mc.parse("B"))
    wrapped = build.matmul(inner, mc.parse("C"))
    with pytest.raises(mc.RewriteLimitError):
        rewrite.rewrite(wrapped, RuleTable([_wrap_inside]))


@rule(Pat(MatMul, name="m"), example="A*B")
def _wrap_inside(m: MatMul) -> Expr:
    """A B = tr(A B) ones  (deliberately wrong and looping: the node reappears inside).

    Terminates: it does not (the test of loop detection).
    """
    return build.hadamard(build.transpose(build.transpose(build.hadamard(m, build.ones(m.shape)))), m)


def test_rules_are_tried_only_on_their_node_type() -> None:
    table = RuleTable([_swap, _wrap])
    assert table.for_node(mc.parse("A+B")) == (_swap,)
    assert table.for_node(mc.parse("A'")) == (_wrap,)
    assert table.for_node(mc.parse("A*B")) == ()
    for node_type_rules in (RULES.for_node(mc.parse("A*B")), RULES.for_node(mc.parse("A+B"))):
        assert node_type_rules and len(node_type_rules) < len(RULES.rules)


def test_a_rule_states_its_identity_and_why_it_terminates() -> None:
    for r in RULES.rules:
        assert r.maths and r.terminates and r.example, r.name
    with pytest.raises(TypeError, match="Terminates"):

        @rule(Pat(Add), example="A+B")
        def no_reason(s: Add) -> Expr:  # pragma: no cover - never called
            """A + B = B + A."""
            return s


def test_firing_counts_are_opt_in_and_scoped() -> None:
    e = mc.parse("(x'+x')*X*A*A*w", KINDS)
    with rewrite.stats() as outer:
        mc.simplify(e)
        with rewrite.stats() as inner:
            mc.simplify(mc.parse("A*A"))
        mc.simplify(mc.parse("B*B"))
    assert dict(inner) == {"matrix_powers": 1}
    assert outer == {"collect_like_terms": 1, "matrix_powers": 2}
    mc.simplify(mc.parse("C*C"))  # no counter open: nothing is recorded anywhere
    assert outer["matrix_powers"] == 2


def test_patterns_match_operand_tuples_and_plain_fields() -> None:
    from matcalc.expr import Apply, Ones

    two_ones = Pat(MatMul, factors=(Pat(Ones, name="a"), Pat(Ones, name="b")))
    captured: dict[str, Expr] = {}
    outer = mc.parse("vector(1)*vector(1)'")
    assert two_ones.match(outer, captured) and set(captured) == {"a", "b"}
    assert not two_ones.match(mc.parse("vector(1)*vector(1)'*A", KINDS), {})  # three factors
    assert not two_ones.match(mc.parse("x*vector(1)'", KINDS), {})  # an operand fails its pattern
    exp_of = Pat(Apply, func="exp", arg=Pat.var("u"))
    found: dict[str, Expr] = {}
    assert exp_of.match(mc.parse("exp(x)", KINDS), found) and found["u"] is mc.parse("x", KINDS)
    assert not exp_of.match(mc.parse("log(x)", KINDS), {})


def test_having_asks_for_operand_types() -> None:
    from matcalc.expr import Inverse

    with_inverse = Pat(MatMul, having=(Inverse,))
    assert with_inverse.match(mc.parse("A*inv(B)"), {})
    assert not with_inverse.match(mc.parse("A*B"), {})
    either = Pat(MatMul, having=((Inverse, Transpose), Add))  # one of the first two, and a sum
    assert either.match(mc.parse("A'*(B+C)"), {}) and either.match(mc.parse("inv(A)*(B+C)"), {})
    assert not either.match(mc.parse("A'*B"), {}) and not either.match(mc.parse("A*(B+C)"), {})


@rule(Pat(MatMul, name="m", having=(Transpose,)), example="A'*B")
def _transposed_product(m: MatMul) -> Expr:
    """A' B = A' B (a rule that only asks for an operand type).

    Terminates: it does not change the node.
    """
    return m  # pragma: no cover - the index keeps it from the products without a transpose


def test_the_operand_index_offers_a_rule_only_where_its_operands_are() -> None:
    table = RuleTable([_transposed_product])
    assert table.for_node(mc.parse("A'*B")) == (_transposed_product,)
    assert table.for_node(mc.parse("A*B")) == ()
    assert table.for_node(mc.parse("(A*B)'*C")) == (_transposed_product,)  # the same key, read again


def test_no_rule_is_hidden_by_the_operand_index_where_it_fires() -> None:
    # `having` is a necessary condition: wherever a rule fires on a node of its examples,
    # the table offers it there
    for r in RULES.rules:
        e = mc.parse(r.example, r.kinds or None)
        for node in walk(e):
            types = r.pattern.types or Expr
            if isinstance(node, types) and r(node) is not None:
                assert r in RULES.for_node(node), (r.name, str(node))
