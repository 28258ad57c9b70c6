"""One tested derivative (`Recipe`), its topics, and the helpers the tables of the corpus are written with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["SCALAR", "SQUARE", "SYMMETRIC", "TOPICS", "VECTOR", "Recipe", "cite", "recipe"]

#: Topics, in the order of the corpus.
TOPICS = (
    "rules",
    "determinant",
    "inverse",
    "form",
    "trace",
    "norm",
    "ml",
    "hessian",
    "third",
    "jacobian",
    "kronecker",
    "applied",
)


@dataclass(frozen=True, slots=True)
class Recipe:
    """One tested derivative.

    Attributes:
        name: short unique identifier (a test id).
        source: where it comes from: ``"Matrix Cookbook eq. (101)"``,
            ``"Matrix Cookbook §2.4.4"`` or ``"ML: logistic regression"``.
        expr: the function, in the input language.
        kinds: kinds of the symbols whose kind is not the default of their
            first letter (a-g scalar, h-z vector, A-Z matrix).
        wrt: the variables, in the order of differentiation.
        expected: the textbook closed form in the input language, or None.
        closed_form: whether the result must come out in matrix form; False
            for derivatives that are genuinely tensors of order 3 or 4.
        topic: one of `TOPICS`.
        sizes: sizes to use for some symbols' axes (symbol name to one size
            per axis) where the identity needs them, such as a tall ``X`` for
            ``det(X'*A*X)``; other dimensions are random.
        note: conditions of the identity or a remark on the textbook form.
        ranges: intervals to draw some symbols' entries from (symbol name to
            ``(low, high)``) where the identity holds on a domain, such as
            ``p, q > 0`` (passed to `matcalc.testing.random_values`).
    """

    name: str
    source: str
    expr: str
    kinds: Mapping[str, str] = field(default_factory=dict, hash=False)
    wrt: tuple[str, ...] = ("x",)
    expected: str | None = None
    closed_form: bool = True
    topic: str = "form"
    sizes: Mapping[str, tuple[int, ...]] = field(default_factory=dict, hash=False)
    note: str = ""
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict, hash=False)

    @property
    def order(self) -> int:
        """How many times the expression is differentiated."""
        return len(self.wrt)

    @property
    def from_cookbook(self) -> bool:
        """Whether the source is the Matrix Cookbook."""
        return self.source.startswith("Matrix Cookbook")

    @property
    def is_ml(self) -> bool:
        """Whether the source is a machine-learning loss."""
        return self.source.startswith("ML:")


def cite(eq: int | str) -> str:
    """A Matrix Cookbook citation: an equation number, or a section given as text."""
    return f"Matrix Cookbook eq. ({eq})" if isinstance(eq, int) else f"Matrix Cookbook {eq}"


#: The kinds the tables name most.
VECTOR, SYMMETRIC, SCALAR, SQUARE = "vector", "symmetric", "scalar", "square"


def recipe(
    name: str,
    source: str,
    expr: str,
    wrt: tuple[str, ...],
    expected: str | None = None,
    *,
    kinds: Mapping[str, str] | None = None,
    closed_form: bool = True,
    topic: str = "form",
    sizes: Mapping[str, tuple[int, ...]] | None = None,
    note: str = "",
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> Recipe:
    """A `Recipe`, its optional tables given as None or any mapping (copied)."""
    kinds, sizes = dict(kinds or {}), dict(sizes or {})
    ranges = dict(ranges or {})
    return Recipe(name, source, expr, kinds, wrt, expected, closed_form, topic, sizes, note, ranges)
