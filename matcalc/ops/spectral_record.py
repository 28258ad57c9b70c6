r"""The records of the matrix functions and spectral operations (issue 14), one per operation.

Two generic nodes carry them (`matcalc.expr`): `MatFun` holds a *primary
matrix function* ``f(X)`` -- ``f`` applied to the eigenvalues of ``X``, like
``expm``, ``logm``, ``sqrtm``, ``X^c`` -- and its Fréchet derivatives;
`Spectral` holds a *spectral operation* (``eigvals``, ``svdvals``, ``chol``,
the norms, and the helpers their derivatives are written with).  A node names
its record, and every pass reads what it needs from the record: the parser
the spelling, the smart constructor the shape rule, evaluation the NumPy/SciPy
value, `matcalc.diff` the derivative rule, the printers the text and LaTeX,
each code backend its template (or None: not available, a `CodegenError`),
the SymPy bridge its mapping (None: SymPy has none), and the tests the domain
they draw arguments from.  So adding a primary function is one
`PrimaryFunction` (its derivative is the Fréchet derivative every primary
function shares) and adding a spectral operation one `SpectralOp` with its
derivative rule; no pass keeps a list of names.

The registries are `matcalc.ops.primary.PRIMARY_FUNCTIONS` and
`matcalc.ops.spectral.SPECTRAL_OPS`; both validate every record at import
(`RegistryError`).  This module holds the record types only, so that the
numerical kernels (`matcalc.spectral`) can take a record without importing
the registries.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from matcalc.ops.record import alias_problems, code_problems, name_problems

if TYPE_CHECKING:
    from matcalc.expr import Expr
    from matcalc.index import Idx, Term

__all__ = ["DOMAINS", "SHAPES", "PrimaryFunction", "SpectralOp"]

#: Where tests draw an argument from: any square matrix (well scaled); a symmetric matrix with
#: well-separated eigenvalues; a symmetric positive definite one; a tall m x n (m > n) of full
#: column rank with distinct singular values.
DOMAINS = ("general", "symmetric", "spd", "tall")

#: The shape of a spectral operation's value for an m x n argument: (n,), (n, n), (), (m, n).
SHAPES = ("vector", "matrix", "scalar", "same")


#: A spectral operation's derivative rule at the index level: ``rule(dv, e, idx)`` gives the
#: terms of ``∂e[idx]/∂wrt`` (``dv`` is the differentiator of `matcalc.diff`, with ``chain``).
SpectralRule = Callable[[Any, "Expr", "tuple[Idx, ...]"], "list[Term]"]


def _common(name: str, latex: object, sympy: object, domain: object, aliases: object) -> list[str]:
    out = name_problems(name) + alias_problems(name, aliases)
    if not isinstance(latex, str):
        out.append("latex is not a string")
    if sympy is not None and not callable(sympy):
        out.append("sympy is neither None (SymPy has no counterpart) nor callable")
    if domain not in DOMAINS:
        out.append(f"domain {domain!r} is not one of {DOMAINS}")
    return out


@dataclass(frozen=True, slots=True)
class PrimaryFunction:
    r"""A primary matrix function ``f(X) = Q f(Λ) Q⁻¹`` (Higham 2008, Def. 1.2), a `MatFun` node.

    Its derivative is the Fréchet derivative ``L_f(X, E)`` that every primary
    function shares (`matcalc.diff_spectral`): evaluated by Daleckii-Krein at a
    symmetric ``X`` from ``scalar`` and ``scalar_derivative``, else by
    ``frechet_general`` or the block-triangular identity from ``general``.

    Attributes:
        name: the spelling (``expm(X)``, Fréchet derivatives ``L_expm(X, E)``).
        scalar: ``f(t, c)`` entry by entry on eigenvalues (``c`` the exponent of ``X^c``, else 1).
        scalar_derivative: ``f'(t, c)``, for the Loewner matrix of divided differences.
        general: ``general(X, c)``, the value at a matrix that is not symmetric (SciPy,
            imported at the first use); a complex value with a real principal value is fine.
        derivative: ``derivative(X, c)``, the matrix ``f'(X)`` (``expm(X)``, ``inv(X)``):
            ``L_f(X, E) = f'(X) E`` when ``E`` commutes with ``X``, so ``d tr(f(X))/dX = f'(X)'``;
            None where matcalc has no closed form (the Fréchet node stays).
        latex: the LaTeX of ``f`` (``\exp``: ``\exp(X)``, ``L_{\exp}``); with ``latex_style``
            ``"power"``, the superscript (``1/2``: ``X^{1/2}``; empty for ``X^c``: the exponent).
        code: per backend, the template of ``f(X)`` (``_0`` is X, ``_1`` the exponent c), or None.
        frechet_code: per backend, the template of ``L_f(X, E)`` (``_0`` X, ``_1`` E, ``_2`` c),
            or None; NumPy computes every order from ``code`` by the block-triangular identity.
        sympy: SymPy's form of ``f(M)``, or None: SymPy has no counterpart.
        domain: where tests draw ``X`` from (`DOMAINS`).
        branch_cut: the principal branch needs the eigenvalues off ``(-inf, 0]``.
        pole: ``pole(c)``: f is unbounded at 0 (``logm``; ``X^c`` with ``c < 0``), so a matrix
            singular to working precision is outside the domain.
        frechet_general: ``frechet_general(X, E, c)``, ``L_f`` at a matrix that is not
            symmetric when SciPy has it (``expm_frechet``); None: the block identity.
        latex_style: ``"call"`` or ``"power"``.
        params: 1 for ``X^c``: the exponent is a child of the node, and the function is
            spelled ``X^c`` (Fréchet derivatives ``L_pow(X, c, E)``); else 0.
        param_factor: the primary function g with ``∂f(X)/∂c = g(X) f(X)``, g commuting
            with f (``"logm"``: ``∂X^c/∂c = log(X) X^c``); required when ``params`` is 1. The
            derivative of every Fréchet derivative of f by c follows (Leibniz's rule).
        helpers: helper name to its source (with ``xp``), for templates that call one.
    """

    name: str
    scalar: Callable[[Any, float], Any]
    scalar_derivative: Callable[[Any, float], Any]
    general: Callable[[Any, float], Any]
    derivative: Callable[[Expr, Expr | None], Expr] | None
    latex: str
    code: Mapping[str, str | None]
    frechet_code: Mapping[str, str | None]
    sympy: Callable[..., Any] | None
    domain: str
    branch_cut: bool = False
    pole: Callable[[float], bool] = field(default=lambda c: False)
    frechet_general: Callable[[Any, Any, float], Any] | None = None
    latex_style: Literal["call", "power"] = "call"
    params: int = 0
    param_factor: str | None = None
    helpers: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    def problems(self) -> list[str]:
        """What is missing or malformed in this record (empty when it is complete)."""
        out = _common(self.name, self.latex, self.sympy, self.domain, self.aliases)
        if self.params and not self.param_factor:
            out.append("params is 1 but param_factor (g in the derivative g(X) f(X) by c) is missing")
        for attr in ("scalar", "scalar_derivative", "general", "pole"):
            if not callable(getattr(self, attr)):
                out.append(f"{attr} is not callable")
        for attr in ("derivative", "frechet_general"):
            if getattr(self, attr) is not None and not callable(getattr(self, attr)):
                out.append(f"{attr} is neither None nor callable")
        if self.latex_style not in ("call", "power"):
            out.append(f"latex_style {self.latex_style!r} is not 'call' or 'power'")
        elif self.latex_style == "call" and not self.latex.strip():
            out.append("latex is empty")
        if self.params not in (0, 1):
            out.append(f"params is {self.params!r}, not 0 or 1")
        out.extend(code_problems(self.code, self.helpers, optional=True))
        frechet = code_problems(self.frechet_code, self.helpers, optional=True)
        out.extend(f"frechet_code: {p}" for p in frechet)
        if self.code.get("numpy") is None:
            out.append("no NumPy code: NumPy's Fréchet derivatives are computed from it")
        return out


@dataclass(frozen=True, slots=True)
class SpectralOp:
    r"""A spectral operation of one matrix, a `Spectral` node (``eigvals(S)``, ``chol(S)``, ...).

    Attributes:
        name: the spelling (``eigvals(S)``).
        shape: the value's shape for an m x n argument, one of `SHAPES`.
        square: the argument must be square.
        value: the NumPy value from the argument's (raises `DomainError` outside the domain).
        derivative: the rule at the index level (`SpectralRule`); None for a constant.
        latex: the LaTeX name (``\lambda``: ``\lambda(S)``); with ``latex_style`` ``"norm"``
            the subscript (``*``: ``\|X\|_*``).
        code: per backend, the template (``_0`` the argument), or None: not available.
        sympy: SymPy's form, or None: SymPy has no counterpart.
        domain: where tests draw the argument from (`DOMAINS`).
        doc: one line for the docs.
        latex_style: ``"call"`` or ``"norm"``.
        helpers: helper name to its source (with ``xp``), for templates that call one.
        lacks: array libraries (through the array API) that cannot compute it (``dask``
            has no ``eigh``); their run fails, which the tests check.
        range: an interval that holds every entry of the value (`matcalc.codegen.signs`).
    """

    name: str
    shape: str
    square: bool
    value: Callable[[Any], Any]
    derivative: SpectralRule | None
    latex: str
    code: Mapping[str, str | None]
    sympy: Callable[..., Any] | None
    domain: str
    doc: str
    latex_style: Literal["call", "norm"] = "call"
    helpers: Mapping[str, str] = field(default_factory=dict)
    lacks: tuple[str, ...] = ()
    range: tuple[float, float] = (-math.inf, math.inf)
    aliases: tuple[str, ...] = ()

    def problems(self) -> list[str]:
        """What is missing or malformed in this record (empty when it is complete)."""
        out = _common(self.name, self.latex, self.sympy, self.domain, self.aliases)
        if not self.range[0] <= self.range[1]:
            out.append(f"range {self.range} is not an interval")
        if self.shape not in SHAPES:
            out.append(f"shape {self.shape!r} is not one of {SHAPES}")
        if not callable(self.value):
            out.append("value is not callable")
        if self.derivative is not None and not callable(self.derivative):
            out.append("derivative is neither None (a constant) nor callable")
        if self.latex_style not in ("call", "norm"):
            out.append(f"latex_style {self.latex_style!r} is not 'call' or 'norm'")
        elif not self.latex.strip():
            out.append("latex is empty")
        if self.domain == "tall" and self.square:
            out.append("a square operation cannot take tall arguments")
        out.extend(code_problems(self.code, self.helpers, optional=True))
        return out
