"""The registry of operations: one record per operation, which every pass reads.

- `matcalc.ops.record`: the record type `Elementwise`, the immutable `Registry`
  and its validation (an incomplete record is a `RegistryError` at import);
- `matcalc.ops.elementwise`: the elementwise functions (``exp``, ``sigmoid``, ...).

The parser, the smart constructors, the derivative rules, evaluation, the text,
LaTeX and SymPy translations, every code backend, the sign facts of code
generation and the tests' value domains take their tables from `ELEMENTWISE`.
"""

from __future__ import annotations

from matcalc.ops.elementwise import ELEMENTWISE
from matcalc.ops.record import (
    BACKENDS,
    LATEX_STYLES,
    DerivativeRule,
    Elementwise,
    Interval,
    Registry,
    spelled,
)

__all__ = [
    "BACKENDS",
    "ELEMENTWISE",
    "LATEX_STYLES",
    "DerivativeRule",
    "Elementwise",
    "Interval",
    "Registry",
    "spelled",
]
