"""Matrix-level simplification: the rules a careful human applies to a result.

The rules are data (`matcalc.rules`: a pattern, the identity it applies, why it
terminates, an example), run by the one driver in :mod:`matcalc.rewrite`, which
takes every node to a fixed point.  The smart constructors already fold
numbers, flatten products and drop zeros and identities, so the rules are the
ones that look at more than one node.  `RULES` is the order in which they are
tried at a node: cheap local rules first, the ones that restructure sums last.

>>> import matcalc as mc
>>> str(mc.simplify(mc.parse("(x'+x')*X*A*A*w")))
"2*x'*X*A^2*w"
"""

from __future__ import annotations

from matcalc.expr import Expr
from matcalc.rewrite import RuleTable, rewrite
from matcalc.rules.elementwise import (
    logistic,
    quotient_cancel,
    quotient_merge,
    quotient_of_quotient,
    quotient_out_of_product,
    reciprocal_scale,
    repeated_factors,
)
from matcalc.rules.known import (
    norm_of_nonnegative,
    ones_dot,
    scalar_transposed,
    sigmoid_complement,
    size_of_symbol,
    softmax_lines_total,
    softmax_total,
    sum_of_constant,
    sum_of_ones_product,
    trace_of_ones_product,
    trace_of_outer,
)
from matcalc.rules.kron import (
    inverse_of_kron,
    kron_of_products,
    kron_times_ones,
    kron_times_vec,
    pair_indices,
    sum_of_kron,
    trace_of_kron,
    transpose_of_kron,
)
from matcalc.rules.monomials import expand_products, known_quotients, merge_powers, step_factors
from matcalc.rules.order import sort_factors, sort_scalar_product, sort_terms
from matcalc.rules.products import (
    diag_into_sum,
    diag_of_ones,
    diag_of_outer,
    diag_times_vector,
    inverse_of_product,
    matrix_powers,
    number_out_of_base,
    ones_outer,
    quotient_dot,
    trace_of_scale,
)
from matcalc.rules.scalars import (
    scalar_fraction,
    scalar_powers,
    sqrt_squared,
    squared_scalar,
    zero_scale,
)
from matcalc.rules.signs import double_negation, negated_base, negated_matrix_base, sign_of_term
from matcalc.rules.sums import (
    collect_like_terms,
    common_number,
    common_scalar,
    diag_linear,
    factor_common,
)
from matcalc.rules.transposes import (
    inverse_outside,
    sum_of_transposes,
    trace_of_transposes,
    transpose_down,
    transpose_out_of_sum,
)

__all__ = ["PAIR_RULES", "RULES", "simplify", "simplify_pairs"]

#: The rules, in the order they are tried at each node (only those for its node type are).
RULES = RuleTable(
    (
        sort_terms,
        sort_factors,
        sort_scalar_product,
        zero_scale,
        double_negation,
        negated_base,
        negated_matrix_base,
        sign_of_term,
        number_out_of_base,
        softmax_total,
        softmax_lines_total,
        sum_of_constant,
        ones_dot,
        sum_of_ones_product,
        trace_of_ones_product,
        sum_of_kron,
        norm_of_nonnegative,
        size_of_symbol,
        ones_outer,
        diag_of_ones,
        trace_of_scale,
        trace_of_outer,
        sqrt_squared,
        scalar_powers,
        squared_scalar,
        quotient_dot,
        transpose_of_kron,
        transpose_down,
        inverse_outside,
        inverse_of_kron,
        trace_of_kron,
        kron_of_products,
        kron_times_ones,
        kron_times_vec,
        inverse_of_product,
        matrix_powers,
        scalar_transposed,
        trace_of_transposes,
        sum_of_transposes,
        diag_times_vector,
        diag_into_sum,
        repeated_factors,
        quotient_merge,
        quotient_cancel,
        reciprocal_scale,
        quotient_out_of_product,
        quotient_of_quotient,
        merge_powers,
        known_quotients,
        step_factors,
        logistic,
        sigmoid_complement,
        diag_linear,
        diag_of_outer,
        collect_like_terms,
        common_scalar,
        common_number,
        scalar_fraction,
        factor_common,
        expand_products,
        transpose_out_of_sum,
    )
)


#: The identities of pair indices on index forms (`matcalc.pairs`), for derivatives through kron and vec.
PAIR_RULES = RuleTable((pair_indices,))


def simplify_pairs(e: Expr) -> Expr:
    """``e`` with the pair indices of its index forms contracted again, then simplified.

    A derivative through ``kron`` or ``vec`` is contracted at the index level
    before its factors are simplified (``vec(X)+vec(X)`` is ``2*vec(X)`` only
    later), so some identities of pair indices apply only after `simplify`.
    """
    out = rewrite(e, PAIR_RULES)
    return e if out is e else simplify(out)


def simplify(e: Expr) -> Expr:
    """``e`` rewritten by `RULES` until no rule applies anywhere in it.

    The result is a fixed point: ``simplify(simplify(e)) is simplify(e)``.  It has
    the value of ``e`` for all values of the symbols where both are defined.
    Rules that failed to settle would raise `matcalc.RewriteLimitError`.
    """
    return rewrite(e, RULES)
