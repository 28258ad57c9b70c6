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
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from matcalc.errors import RegistryError

if TYPE_CHECKING:
    from matcalc.expr import Expr

__all__ = [
    "ARGUMENTS", "BACKENDS", "LATEX_STYLES", "DerivativeRule", "Elementwise", "Interval", "MatrixFunction",
    "Registry", "alias_problems", "code_name", "code_problems", "name_problems", "spelled",
]  # fmt: skip

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
_ALIAS = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
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
        aliases: what NumPy, SciPy, MATLAB or PyTorch call it (``expit``); the parser
            suggests ``name`` for them (`matcalc.spellings`).
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
    aliases: tuple[str, ...] = ()

    def problems(self) -> list[str]:
        """What is missing or malformed in this record (empty when it is complete)."""
        out = name_problems(self.name)
        for attr in ("numpy", "sympy"):
            if not callable(getattr(self, attr)):
                out.append(f"{attr} is not callable")
        if self.derivative is not None and not callable(self.derivative):
            out.append("derivative is neither None nor callable")
        if self.latex_style not in LATEX_STYLES:
            out.append(f"latex_style {self.latex_style!r} is not one of {LATEX_STYLES}")
        elif self.latex_style == "call" and not (isinstance(self.latex, str) and self.latex.strip()):
            out.append("latex is empty")
        out.extend(code_problems(self.code, self.helpers))
        out.extend(alias_problems(self.name, self.aliases))
        for attr in ("samples", "range", "defined"):
            lo, hi = getattr(self, attr)
            if not lo < hi if attr == "samples" else not lo <= hi:
                out.append(f"{attr} ({lo}, {hi}) is not an interval")
        lo, hi = self.samples
        if self.defined[0] > lo or hi > self.defined[1]:
            out.append(f"samples {self.samples} leave where it is defined, {self.defined}")
        return out



def name_problems(name: object) -> list[str]:
    """What is wrong with a record's name (empty when it is a lower-case identifier)."""
    if isinstance(name, str) and _NAME.match(name):
        return []
    return [f"name {name!r} is not a lower-case identifier"]


def alias_problems(name: str, aliases: object) -> list[str]:
    """What is wrong with a record's aliases (empty when they are identifiers other than its name)."""
    if not isinstance(aliases, tuple):
        return [f"aliases {aliases!r} is not a tuple of names"]
    return [f"alias {a!r} is not an identifier other than {name!r}" for a in aliases
            if not (isinstance(a, str) and _ALIAS.match(a)) or a == name]


def code_problems(
    code: Mapping[str, str | None], helpers: Mapping[str, str], uses: str = "_0", optional: bool = False
) -> list[str]:
    """What is missing or malformed in a table of templates by backend.

    Every backend of `BACKENDS` needs an entry; with ``optional``, None stands
    for "not available there" (a `CodegenError` at generation).  A template
    must use the argument ``uses`` and call only helpers that ``helpers`` defines.
    """
    out: list[str] = []
    missing = [b for b in BACKENDS if b not in code]
    if missing:
        what = "code (a template, or None: not available)" if optional else "code"
        out.append(f"no {what} for the backend(s) {', '.join(missing)}")
    extra = sorted(set(code) - set(BACKENDS))
    if extra:
        out.append(f"code for unknown backend(s) {', '.join(extra)}; backends are {', '.join(BACKENDS)}")
    for backend, template in code.items():
        if template is None and optional:
            continue
        if not isinstance(template, str) or uses not in template:
            out.append(f"the {backend} template {template!r} does not use the argument {uses}")
            continue
        for helper in _HELPER_CALL.findall(template):
            if helper not in helpers:
                out.append(f"the {backend} template calls {helper}, which helpers does not define")
    return out


#: What tests give a matrix-level function: a square (well-conditioned) matrix, a vector, either,
#: or (a function of two operands) a vector and a matrix.
ARGUMENTS = ("square", "vector", "array", "vector or square", "two arrays")


@dataclass(frozen=True, slots=True)
class MatrixFunction:
    r"""A named matrix-level function (``tr``, ``det``, ``norm2``, ``softmax``, ``size`` ...).

    Each keeps a node type of its own, whose derivative rule (in index form,
    `matcalc.diff`, or derived from its lowering, `matcalc.lower`) and the
    code generator's rules for special arguments (traces and diagonals of
    products, solves instead of inverses, `matcalc.codegen.emit`) specialize
    on it.  Everything else a pass needs by name is here: the spelling, the
    shape rule, the NumPy value, the LaTeX name, a code template per backend,
    the range, the SymPy value, and what tests give it.

    Attributes:
        name: the spelling in the input language and in printed text (``tr``).
        nodes: the node types it builds (``diag`` two; ``mean`` none: it is a
            sum over a `Size`).
        build: the smart constructor of ``name(X)`` (of ``name(A, B)`` with two
            ``operands``: the shape rule, with errors that name the operand); None
            where an axis is required (``size``).
        sympy: ``sympy(sp, M)`` or, with an axis, ``sympy(sp, M, axis)`` (``sympy(sp, A, B)``
            with two operands): the value for explicit SymPy matrices (a vector is a
            column), an oracle for tests.
        argument: what the tests give it, one of `ARGUMENTS`.
        latex: the LaTeX name when it prints as a call (``\det(X)``); None where the
            printer has a form of its own (``X^{-1}``, ``\|x\|_2``, ``\mathbf{1}^\top x``).
        with_axis: the smart constructor of ``name(X, k)``, k = 1 down each column,
            2 along each row (`matcalc.axes`); None if it takes no axis.
        params: node fields that select this spelling (``norm1`` is `Norm` with ``p=1``).
        range: an interval that holds every value (`matcalc.codegen.signs`).
        lacks: array libraries that cannot compute it (``dask`` has no ``det``).
        sympy_reads_back: `from_sympy` reads `to_sympy`'s form back as this function;
            False where SymPy has no node for it and gets a formula (``norm2(u)`` is
            ``sqrt(u'*u)``), which reads back as that formula.
        numpy: ``numpy(e, x, shape)``, the value of the node ``e`` from the value ``x``
            of its argument (``shape``: the sizes of the value's axes); None for a
            record without a node of its own (``mean``).  A singular matrix raises
            `numpy.linalg.LinAlgError`, which evaluation reports.
        code: the code generator's operations, by *form*, each a template per backend
            (``xp.trace(_0)``, ``_0`` the argument; `code_name` names the operation).
            The form ``""`` is ``name(X)``, ``"cols"``/``"rows"`` are ``name(X, 1)``/``name(X, 2)``,
            ``forms`` gives a node type a form of its own (``diag`` of a matrix), and a
            pass may ask for a form by name (``"log"``: ``log(softmax(x))``, computed stably).
            Empty where generated code needs no call (``size`` is the dimension's size).
        helpers: helper name to the source of its ``def`` (with ``xp``), for templates that call one.
        forms: the code form of a node type, where it is not ``""`` (`code`).
        axis_latex: the LaTeX name of ``name(X, k)`` by axis, where it is not ``latex``
            with a subscript (``size(X, 1)`` is ``\operatorname{rows}(X)``).
        norm: the subscripts of ``\|x\|`` for a vector and for a matrix, for a record
            that prints as a norm (``("2", "F")``); None for a call.
        to_sympy: ``to_sympy(sp, t, e, v)``, the SymPy matrix expression of the node ``e``
            whose argument translates to ``v`` (``sp.Trace(v)``; with two operands ``v`` is
            the pair of their translations); ``t`` is the translator of
            `matcalc.sympy_to` (its ``scalar``, ``apply``, ``sum``, ``by_axis``, ``norm``,
            ``dim`` and ``vec`` build the forms SymPy handles best).  None where SymPy's
            matrix expressions have no counterpart (``max(X)``): `to_sympy` refuses it.
        empty_before_axis: the axis is the third argument, after MATLAB's empty
            ``[]`` (``max(X, [], 2)``), because ``name(a, b)`` means something else
            (``max(X, 2)`` is the entry-by-entry maximum of X and 2).
        pairwise: the smart constructor of ``name(a, b)`` entry by entry (``max(x, 0)``), the
            meaning that puts the axis after ``[]``; None if ``name`` takes no two arrays.
        operands: how many operands ``name`` takes: 1, or 2 (``kron(A, B)``, whose node
            has the children ``left`` and ``right``; ``numpy`` gets the pair of their values).
        sympy_classes: the SymPy classes (names in the ``sympy`` module, or `matcalc.sympy_to`'s
            own ``VecOf``) that `from_sympy` reads as ``build`` of their arguments.
        of_scalar: its value at a scalar, for `from_sympy` (SymPy's ``1x1`` matrices are
            matcalc's scalars: ``Inverse`` of one is ``1/a``); None: ``build`` takes scalars.
        square: a matrix argument must be square (``tr``; ``diag`` of a matrix), which
            `from_sympy` checks against SymPy's sizes.
        aliases: what NumPy, SciPy, MATLAB or PyTorch call it (``trace``); the parser
            suggests ``name`` for them (`matcalc.spellings`).
    """

    name: str
    nodes: tuple[type, ...]
    build: Callable[..., Any] | None
    sympy: Callable[..., Any]
    argument: str
    latex: str | None = None
    with_axis: Callable[[Any, int], Any] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    range: Interval = _ANY
    lacks: tuple[str, ...] = ()
    sympy_reads_back: bool = True
    numpy: Callable[[Any, Any, tuple[int, ...]], Any] | None = None
    code: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    helpers: Mapping[str, str] = field(default_factory=dict)
    forms: Mapping[type, str] = field(default_factory=dict)
    axis_latex: Mapping[int, str] = field(default_factory=dict)
    norm: tuple[str, str] | None = None
    to_sympy: Callable[[Any, Any, Any, Any], Any] | None = None
    empty_before_axis: bool = False
    pairwise: Callable[[Any, Any], Any] | None = None
    operands: int = 1
    sympy_classes: tuple[str, ...] = ()
    of_scalar: Callable[[Any], Any] | None = None
    square: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def in_sympy(self) -> bool:
        """SymPy's matrix expressions can write it: a ``to_sympy`` form, or no node of its own (``mean``)."""
        return self.to_sympy is not None or not self.nodes

    def call_text(self, arg: str, axis: int | str = 0) -> str:
        """The call of ``name`` on the argument text ``arg``: ``sum(X)``, ``sum(X, 2)``, ``max(X, [], 2)``."""
        if not axis:
            return f"{self.name}({arg})"
        return f"{self.name}({arg}, [], {axis})" if self.empty_before_axis else f"{self.name}({arg}, {axis})"

    def problems(self) -> list[str]:
        """What is missing or malformed in this record (empty when it is complete)."""
        out = name_problems(self.name) + alias_problems(self.name, self.aliases)
        out.extend(self._pass_problems())
        if not isinstance(self.nodes, tuple) or not all(isinstance(n, type) for n in self.nodes):
            out.append("nodes is not a tuple of node types")
        if self.build is None and self.with_axis is None:
            out.append("neither build nor with_axis: nothing constructs it")
        if self.empty_before_axis and self.with_axis is None:
            out.append("empty_before_axis without with_axis: it takes no axis")
        if self.pairwise is not None and not self.empty_before_axis:
            out.append("pairwise without empty_before_axis: name(X, k) would be ambiguous")
        if self.operands not in (1, 2):
            out.append(f"operands is {self.operands!r}, not 1 or 2")
        elif (self.operands == 2) != (self.argument == "two arrays"):
            out.append("a function of two operands, and only one, takes the argument 'two arrays'")
        elif self.operands == 2 and (self.with_axis is not None or self.build is None):
            out.append("a function of two operands is built by build, and takes no axis")
        for attr in ("build", "with_axis"):
            if getattr(self, attr) is not None and not callable(getattr(self, attr)):
                out.append(f"{attr} is neither None nor callable")
        if not callable(self.sympy):
            out.append("sympy is not callable")
        if self.argument not in ARGUMENTS:
            out.append(f"argument {self.argument!r} is not one of {ARGUMENTS}")
        if self.latex is not None and not (isinstance(self.latex, str) and self.latex.strip()):
            out.append("latex is empty")
        lo, hi = self.range
        if not lo <= hi:
            out.append(f"range ({lo}, {hi}) is not an interval")
        return out

    def _pass_problems(self) -> list[str]:
        """What the passes that read a node's record (evaluation, code, LaTeX) would miss."""
        out: list[str] = []
        if self.nodes and not callable(self.numpy):
            out.append("numpy is not callable: evaluation computes its nodes with it")
        if self.to_sympy is not None and not callable(self.to_sympy):
            out.append("to_sympy is neither None (SymPy has no counterpart) nor callable")
        for form, templates in self.code.items():
            out.extend(f"code form {form!r}: {p}" for p in code_problems(templates, self.helpers))
        for node, form in self.forms.items():
            if node not in self.nodes or form not in self.code:
                out.append(f"forms gives {getattr(node, '__name__', node)} the form {form!r}, "
                           "which is not one of its nodes' code forms")
        if self.norm is not None and not (len(self.norm) == 2 and all(isinstance(x, str) for x in self.norm)):
            out.append("norm is not two subscripts (a vector's, a matrix's)")
        return out


def code_name(name: str, form: str) -> str:
    """The code generator's name for form ``form`` of the operation ``name`` (``softmax_cols``)."""
    return f"{name}_{form}" if form else name


def spelled(numpy: str, **others: str) -> dict[str, str]:
    """A template for every backend: ``numpy``'s, except where ``others`` spell it differently."""
    unknown = sorted(set(others) - set(BACKENDS))
    if unknown:
        known = ", ".join(BACKENDS)
        raise RegistryError(f"code for unknown backend(s) {', '.join(unknown)}; backends are {known}")
    return {b: others.get(b, numpy) for b in BACKENDS}


class _Record(Protocol):
    @property
    def name(self) -> str: ...

    def problems(self) -> list[str]: ...


R = TypeVar("R", bound=_Record)


class Registry(Mapping[str, R]):
    """An immutable, validated table of records of one type, by name, in order of registration."""

    __slots__ = ("_kind", "_records")

    def __init__(self, records: tuple[R, ...] = (), kind: type = Elementwise) -> None:
        table: dict[str, R] = {}
        for r in records:
            if not isinstance(r, kind):
                raise RegistryError(f"the registry holds {kind.__name__} records, not {type(r).__name__}")
            problems = r.problems()
            if problems:
                raise RegistryError(f"operation {r.name!r} is incomplete: " + "; ".join(problems))
            if r.name in table:
                raise RegistryError(f"operation {r.name!r} is registered twice")
            table[r.name] = r
        self._kind = kind
        self._records: Mapping[str, R] = MappingProxyType(table)

    def __getitem__(self, name: str) -> R:
        try:
            return self._records[name]
        except (KeyError, TypeError):
            known = ", ".join(self._records)
            what = "elementwise function" if self._kind is Elementwise else "operation"
            raise RegistryError(f"no {what} {name!r}; the functions are {known}") from None

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

    def extended(self, *records: R) -> Registry[R]:
        """A new registry with ``records`` added (validated); this one is unchanged."""
        return Registry((*self._records.values(), *records), self._kind)
