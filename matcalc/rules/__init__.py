"""The matrix-level rewrite rules, grouped by what they do; `matcalc.simplify` orders them.

- `order`: one order of the terms of sums and the factors of commutative products;
- `transposes`: transposes to the leaves, one spelling of an inverse's transpose, symmetry;
- `products`: matrix powers, ``diag`` against vectors and outer products, traces;
- `sums`: like terms, common factors, scalars and numbers out of sums;
- `elementwise`: Hadamard products and quotients (one quotient, cancellation, logistic);
- `scalars`: powers and fractions of scalars, zero scales;
- `signs`: no double negation, no negated base under an integer power.

Each rule is a `matcalc.rewrite.Rule`: a pattern, a replacement whose
docstring states the identity and why it terminates, and an example input.
"""
