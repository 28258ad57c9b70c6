"""The registry of operations: one record per operation, which every pass reads.

- `matcalc.ops.record`: the record type `Elementwise`, the immutable `Registry`
  and its validation (an incomplete record is a `RegistryError` at import);
- `matcalc.ops.elementwise`: the elementwise functions (``exp``, ``sigmoid``, ...);
- `matcalc.ops.gamma`: the gamma family (``lgamma``, ``digamma``, ``polygamma(k, u)``),
  one `Family` record of one node;
- `matcalc.ops.matrix`: the named matrix-level functions (``tr``, ``det``, ``logdet``,
  ``inv``, ``diag``, ``sum``, the norms, ``softmax``, ``logsumexp``, ``size``, ``vec``,
  ``mean``), records of type `MatrixFunction`, with their code templates in
  `matcalc.ops.matrix_code`.  That module stands above the smart constructors (each
  record's shape rule is one), so it is imported as `matcalc.ops.matrix`, not from here;
- `matcalc.ops.primary`, `matcalc.ops.spectral`: the primary matrix functions and the
  spectral operations (record types in `matcalc.ops.spectral_record`).

The parser, the smart constructors, the derivative rules, evaluation, the text,
LaTeX and SymPy translations, every code backend, the sign facts of code
generation and the tests' value domains take their tables from `ELEMENTWISE`.
"""

from __future__ import annotations

from matcalc.ops.elementwise import ELEMENTWISE
from matcalc.ops.record import (
    ARGUMENTS,
    BACKENDS,
    LATEX_STYLES,
    DerivativeRule,
    Elementwise,
    Interval,
    MatrixFunction,
    Registry,
    spelled,
)

__all__ = [
    "ARGUMENTS",
    "BACKENDS",
    "ELEMENTWISE",
    "LATEX_STYLES",
    "DerivativeRule",
    "Elementwise",
    "Interval",
    "MatrixFunction",
    "Registry",
    "spelled",
]
