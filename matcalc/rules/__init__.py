"""The matrix-level rewrite rules, grouped by what they do; `matcalc.simplify` orders them.

- `transposes`: transposes to the leaves, one spelling of an inverse's transpose, symmetry;
- `products`: matrix powers, ``diag`` against vectors and outer products, traces;
- `sums`: like terms, common factors, scalars and numbers out of sums, term order;
- `elementwise`: Hadamard products and quotients (one quotient, cancellation, logistic);
- `scalars`: powers and fractions of scalars, numbers into quotients, zero scales.

Each rule is a `matcalc.rewrite.Rule`: a pattern, a replacement whose
docstring states the identity and why it terminates, and an example input.
"""
