"""The SymPy classes the operation records name, and what each reads back as (for `matcalc.sympy_from`).

Read off the records (`matcalc.ops`), never listed by hand: an elementwise
record whose SymPy form is one SymPy function of ``t`` (``asin(t)``) reads
that function back; a family's orders read back from the SymPy function of
each order (``loggamma(t)``) or of the order and ``t`` (``polygamma(k, t)``);
a matrix-function record names its SymPy classes (``KroneckerProduct``); a
record whose SymPy form is a formula (``relu`` is ``Max(0, t)``, ``sigmoid``
``1/(1 + exp(-t))``) reads back from that formula (`formula_record`).

Imports SymPy at the top, as `matcalc.sympy_from` does.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from matcalc import sympy_to
from matcalc.ops import ELEMENTWISE
from matcalc.ops.gamma import FAMILIES
from matcalc.ops.matrix import MATRIX_FUNCTIONS
from matcalc.ops.record import MatrixFunction

__all__ = ["FAMILY_ORDERS", "FORMULAS", "FUNCTIONS", "MATRIX_CLASSES", "formula_record"]


def _one_function_records() -> dict[Any, str]:
    """SymPy function classes that are a matcalc function: the records whose SymPy form is ``F(t)``."""
    t = sp.Dummy("t", real=True)
    out: dict[Any, str] = {}
    for r in ELEMENTWISE.values():
        form = r.sympy(sp, t)
        if isinstance(form, sp.Function) and form.args == (t,):
            out[form.func] = r.name
    return out


def _formulas() -> dict[Any, list[tuple[Any, Any, str]]]:
    """The records whose SymPy form is a formula of ``t``, by its class: (pattern, its wildcard, name)."""
    t, w = sp.Dummy("t", real=True), sp.Wild("w")
    out: dict[Any, list[tuple[Any, Any, str]]] = {}
    for r in ELEMENTWISE.values():
        form = r.sympy(sp, t)
        if not (isinstance(form, sp.Function) and form.args == (t,)):
            out.setdefault(form.func, []).append((form.xreplace({t: w}), w, r.name))
    return out


def formula_record(e: Any) -> tuple[str, Any] | None:
    """The record whose SymPy formula ``e`` is, and its argument; None if it is none.

    The argument must be in ``e`` (up to its sign): ``x**2`` matches the pattern
    of ``sqrt`` with ``x**4``, which is not in it.  Matrix subexpressions (a ``1x1``
    ``x'*y``) stand aside as scalar placeholders while matching: SymPy matches
    commutative terms only.
    """
    back: dict[Any, Any] = {}
    scalar = _placeholders(e, back)
    for pattern, w, name in FORMULAS.get(type(e), ()):
        found = scalar.match(pattern)
        if not found or w not in found:
            continue
        u = found[w]
        parts = set(sp.preorder_traversal(scalar))
        if (u in parts or -u in parts) and pattern.xreplace({w: u}) == scalar:
            return name, u.xreplace(back)
    return None


def _placeholders(e: Any, back: dict[Any, Any]) -> Any:
    """``e`` with each part that holds a matrix replaced by a scalar `Dummy` (``back`` maps them back).

    Only the classes the formulas are made of (`Pow`, `Add`, ``exp`` ...) are opened.
    """
    if not e.args or not e.has(sp.MatrixExpr):
        return e
    if type(e) not in _FORMULA_CLASSES:
        d = sp.Dummy()
        back[d] = e
        return d
    return e.func(*[_placeholders(a, back) for a in e.args])


def _family_orders() -> dict[Any, tuple[str, int, bool]]:
    """SymPy function classes that are orders of a family (`matcalc.ops.gamma`).

    To each class: the family, and either the one order it is (``loggamma(t)``: -1) or,
    when the class takes the order as its first argument (``polygamma(k, t)``), the
    lowest order it stands for.
    """
    t = sp.Dummy("t", real=True)
    out: dict[Any, tuple[str, int, bool]] = {}
    for r in FAMILIES.values():
        for k in range(r.lowest, r.lowest + 3):
            form = r.sympy(sp, k, t)
            if not isinstance(form, sp.Function) or form.func in out:
                continue
            if form.args == (t,):
                out[form.func] = (r.name, k, False)
            elif form.args == (sp.Integer(k), t):
                out[form.func] = (r.name, k, True)
    return out


def _matrix_classes() -> dict[Any, MatrixFunction]:
    """The SymPy class each matrix-function record names, to the record."""
    return {
        getattr(sympy_to, name, None) or getattr(sp, name): r
        for r in MATRIX_FUNCTIONS.values() if r.build is not None
        for name in r.sympy_classes
    }  # fmt: skip


#: SymPy's elementwise functions that are matcalc functions of the same meaning.
FUNCTIONS: dict[Any, str] = _one_function_records()

#: The records whose SymPy form is a formula, by the formula's SymPy class (``Max``: ``relu``).
FORMULAS: dict[Any, list[tuple[Any, Any, str]]] = _formulas()

#: The SymPy classes the formulas are made of.
_FORMULA_CLASSES = frozenset(
    type(x) for patterns in FORMULAS.values() for pattern, _, _ in patterns
    for x in sp.preorder_traversal(pattern)
)  # fmt: skip

#: SymPy's functions that are an order of a family of matcalc functions (the gamma family).
FAMILY_ORDERS: dict[Any, tuple[str, int, bool]] = _family_orders()

#: SymPy's classes that are a matrix-function record (``Trace``: ``tr``), to the record.
MATRIX_CLASSES: dict[Any, MatrixFunction] = _matrix_classes()
