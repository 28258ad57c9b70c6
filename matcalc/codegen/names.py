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

import ast
import builtins
import keyword
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matcalc.errors import MatcalcError

if TYPE_CHECKING:
    from matcalc.codegen.backends import Backend
    from matcalc.expr import Symbol

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



@dataclass(frozen=True, slots=True)
class Naming:
    """The Python names of the user's names: symbols, callables and the function (see `names`)."""

    arrays: dict[str, str]  # symbol name -> parameter
    callables: dict[str, str]  # callable parameter as emitted (grad_L) -> parameter
    function: str

    @staticmethod
    def make(
        users: Sequence[str], symbols: Mapping[str, Symbol], calls: set[str], backend: Backend, function: str
    ) -> Naming:
        arrays = unique_names([u for u in users if u not in calls or u in symbols], "symbol name")
        # A callable makes way for a symbol of its name and for the module's library names.
        library = {bound_name(line) for line in backend.imports} | {backend.alias, *backend.helpers}
        callables = unique_names(sorted(calls), "function", taken={*arrays.values(), *library})
        return Naming(arrays, callables, python_name(function, "function name"))

    def params(self, users: Sequence[str]) -> tuple[str, ...]:
        """The parameters for the user's names, in order (a name that is a symbol and a callable: both)."""
        out = [self.arrays[u] for u in users if u in self.arrays]
        out += [self.callables[u] for u in users if u in self.callables]
        first: dict[str, int] = {}
        for n, u in enumerate(users):
            first.setdefault(u, n)
        owner = {p: u for table in (self.callables, self.arrays) for u, p in table.items()}  # arrays first
        return tuple(sorted(out, key=lambda p: first[owner[p]]))  # (a dict: thousands of names stay linear)


def bound_name(line: str) -> str:
    """The name an import line binds."""
    node = ast.parse(line).body[0]
    assert isinstance(node, ast.Import | ast.ImportFrom)
    (alias,) = node.names
    return alias.asname or alias.name.split(".")[0]
