r"""The record of one elementwise operation, and the immutable registry that holds them.

Why a record: what an operation means used to be spread over a dozen tables
(parser, derivative rules, evaluation, LaTeX, each code backend, SymPy, sign
facts, the test domains) kept in step by hand, and a table that missed an
entry showed only at run time, as a ``KeyError``.  Here everything about one
function is one frozen `Elementwise`, every pass reads its table from the
`Registry`, and the registry checks each record when it is built, so an
incomplete record fails at import with a `RegistryError` that names it and
the missing piece.

A registry is immutable: `Registry.extended` returns a new one (a test can
register a throwaway record in its own copy; nothing global changes).

This module imports nothing of matcalc but the errors (and `Expr` for types),
so that every stage, the IR included, may read the registry.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from matcalc.errors import RegistryError

if TYPE_CHECKING:
    from matcalc.expr import Expr

__all__ = ["BACKENDS", "LATEX_STYLES", "DerivativeRule", "Elementwise", "Interval", "Registry", "spelled"]

#: The code backends every record spells (`matcalc.codegen.backends` has one `Backend` for each).
BACKENDS = ("numpy", "jax", "torch", "array_api")

#: How the LaTeX printer sets a function: ``\exp(u)``, ``\sqrt{u}``, ``\lvert u \rvert``.
LATEX_STYLES = ("call", "root", "bars")

Interval = tuple[float, float]

#: ``f'`` as a builder: ``rule(u, apply)`` is the expression of f'(u), written with the
#: operator sugar of `Expr` (``1 / (1 + u**2)``) and ``apply(name, u)`` for registered functions.
DerivativeRule = Callable[["Expr", Callable[[str, "Expr"], "Expr"]], "Expr"]

_ANY: Interval = (-math.inf, math.inf)
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_HELPER_CALL = re.compile(r"\b(_[a-z][a-z0-9_]*)\(")


@dataclass(frozen=True, slots=True)
class Elementwise:
    r"""Everything matcalc knows about one elementwise function.

    Attributes:
        name: the spelling in the input language and in printed text (``exp``).
        numpy: the value entry by entry, as `mc.evaluate` computes it (an array or
            a float in, the same out).
        derivative: f' (`DerivativeRule`); None where f' is 0 wherever it exists
            (``sign``, ``step``).
        latex: the LaTeX of the name (``\exp``); unused by the ``root`` and ``bars`` styles.
        code: a template per backend (``xp.exp(_0)``: ``_0`` is the argument, ``xp``
            the library's namespace); `spelled` fills in the backends that agree with NumPy.
        sympy: ``sympy(sp, t)``, the function of a SymPy scalar ``t`` (``sp`` is the
            sympy module, imported only by the bridge).  When it is one SymPy
            function of ``t`` (``sp.asin(t)``), `from_sympy` reads that function back.
        samples: the interval tests draw arguments from (defined, well conditioned).
        latex_style: one of `LATEX_STYLES`.
        helpers: helper name to the source of its ``def``, written with ``xp``, for a
            template that calls it (``_sigmoid(_0)``).
        range: an interval that holds every value, for any argument (`matcalc.codegen.signs`).
        defined: where f is real and differentiable, apart from ``kinks``.
        kinks: points where f or f' jumps (derivative checks keep away from them).
    """

    name: str
    numpy: Callable[[Any], Any]
    derivative: DerivativeRule | None
    latex: str
    code: Mapping[str, str]
    sympy: Callable[[Any, Any], Any]
    samples: Interval
    latex_style: Literal["call", "root", "bars"] = "call"
    helpers: Mapping[str, str] = field(default_factory=dict)
    range: Interval = _ANY
    defined: Interval = _ANY
    kinks: tuple[float, ...] = ()

    def problems(self) -> list[str]:
        """What is missing or malformed in this record (empty when it is complete)."""
        out: list[str] = []
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            out.append(f"name {self.name!r} is not a lower-case identifier")
        for attr in ("numpy", "sympy"):
            if not callable(getattr(self, attr)):
                out.append(f"{attr} is not callable")
        if self.derivative is not None and not callable(self.derivative):
            out.append("derivative is neither None nor callable")
        if self.latex_style not in LATEX_STYLES:
            out.append(f"latex_style {self.latex_style!r} is not one of {LATEX_STYLES}")
        elif self.latex_style == "call" and not (isinstance(self.latex, str) and self.latex.strip()):
            out.append("latex is empty")
        out.extend(self._code_problems())
        for attr in ("samples", "range", "defined"):
            lo, hi = getattr(self, attr)
            if not lo < hi if attr == "samples" else not lo <= hi:
                out.append(f"{attr} ({lo}, {hi}) is not an interval")
        lo, hi = self.samples
        if self.defined[0] > lo or hi > self.defined[1]:
            out.append(f"samples {self.samples} leave where it is defined, {self.defined}")
        return out

    def _code_problems(self) -> list[str]:
        out: list[str] = []
        missing = [b for b in BACKENDS if b not in self.code]
        if missing:
            out.append(f"no code for the backend(s) {', '.join(missing)}")
        extra = sorted(set(self.code) - set(BACKENDS))
        if extra:
            out.append(f"code for unknown backend(s) {', '.join(extra)}; backends are {', '.join(BACKENDS)}")
        for backend, template in self.code.items():
            if not isinstance(template, str) or "_0" not in template:
                out.append(f"the {backend} template {template!r} does not use the argument _0")
                continue
            for helper in _HELPER_CALL.findall(template):
                if helper not in self.helpers:
                    out.append(f"the {backend} template calls {helper}, which helpers does not define")
        return out


def spelled(numpy: str, **others: str) -> dict[str, str]:
    """A template for every backend: ``numpy``'s, except where ``others`` spell it differently."""
    unknown = sorted(set(others) - set(BACKENDS))
    if unknown:
        known = ", ".join(BACKENDS)
        raise RegistryError(f"code for unknown backend(s) {', '.join(unknown)}; backends are {known}")
    return {b: others.get(b, numpy) for b in BACKENDS}


class Registry(Mapping[str, Elementwise]):
    """An immutable, validated table of `Elementwise` records, by name, in order of registration."""

    __slots__ = ("_records",)

    def __init__(self, records: tuple[Elementwise, ...] = ()) -> None:
        table: dict[str, Elementwise] = {}
        for r in records:
            if not isinstance(r, Elementwise):
                raise RegistryError(f"the registry holds Elementwise records, not {type(r).__name__}")
            problems = r.problems()
            if problems:
                raise RegistryError(f"operation {r.name!r} is incomplete: " + "; ".join(problems))
            if r.name in table:
                raise RegistryError(f"operation {r.name!r} is registered twice")
            table[r.name] = r
        self._records: Mapping[str, Elementwise] = MappingProxyType(table)

    def __getitem__(self, name: str) -> Elementwise:
        try:
            return self._records[name]
        except (KeyError, TypeError):
            known = ", ".join(self._records)
            raise RegistryError(f"no elementwise function {name!r}; the functions are {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, name: object) -> bool:
        return name in self._records

    def __repr__(self) -> str:
        return f"Registry({', '.join(self._records)})"

    @property
    def names(self) -> tuple[str, ...]:
        """The names, in order of registration."""
        return tuple(self._records)

    def extended(self, *records: Elementwise) -> Registry:
        """A new registry with ``records`` added (validated); this one is unchanged."""
        return Registry((*self._records.values(), *records))
