"""Names in generated code: what a user-chosen name becomes, so that it never collides.

A name the user chooses (the function's name, a symbol's, an abstract
function's parameter such as ``grad_L``, an output's key) is written into the
generated module.  Python reads identifiers in NFKC normal form (fullwidth
``\uff46`` is ``f``), and a name may be a keyword (``lambda``), a builtin (``print``,
``float``) or taken by the module itself (``np``, ``_sigmoid``).  The rules,
documented in docs/codegen.md:

- a name is first NFKC-normalized, as Python would read it; it must then be
  a Python identifier, else it is refused;
- a keyword or builtin gets a trailing underscore: the symbol ``lambda`` is
  the parameter ``lambda_`` (call ``f(lambda_=0.1, ...)``), the function name
  ``print`` is ``print_``;
- two names that would still be equal get underscores in order, parameters
  first (so a symbol ``grad_L`` keeps its name and the derivative of ``L``
  becomes ``grad_L_``);
- the module's own names (the library alias, helpers, temporaries) make way
  for the user's: with a symbol named ``np``, NumPy is imported as ``np_``.
"""

from __future__ import annotations

import builtins
import keyword
import unicodedata
from collections.abc import Iterable

from matcalc.errors import MatcalcError

__all__ = ["RESERVED", "normalized", "python_name", "unique_names"]

#: Names a user's name must not take: keywords and builtins.
RESERVED = frozenset(keyword.kwlist) | frozenset(dir(builtins))


def normalized(name: object, what: str) -> str:
    """``name`` as Python reads it (NFKC), checked to be an identifier."""
    if not isinstance(name, str):
        raise MatcalcError(f"{what} must be a string, got {type(name).__name__}")
    text = unicodedata.normalize("NFKC", name)
    if not text.isidentifier():
        raise MatcalcError(f"{what} {name!r} is not a Python identifier")
    return text


def python_name(name: object, what: str) -> str:
    """The identifier generated code uses for a user's ``name``: normalized, off the reserved names."""
    text = normalized(name, what)
    while text in RESERVED:
        text += "_"
    return text


def unique_names(names: Iterable[str], what: str, taken: Iterable[str] = ()) -> dict[str, str]:
    """A distinct `python_name` for each of ``names``, in order, avoiding ``taken``."""
    used = set(taken)
    out: dict[str, str] = {}
    for name in names:
        chosen = python_name(name, what)
        while chosen in used:
            chosen += "_"
        used.add(chosen)
        out[name] = chosen
    return out
