"""The exceptions matcalc raises: every failure a user can cause is one of these."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AbsentVariableError",
    "CodegenError",
    "DifferentiationError",
    "DomainError",
    "EvaluationError",
    "MatcalcError",
    "ParseError",
    "RegistryError",
    "RewriteLimitError",
    "ShapeError",
]


class MatcalcError(ValueError):
    """Base of every error matcalc raises on bad input."""


class _Located(MatcalcError):
    """An error that may point at a character of the text: ``reason``, ``text``, ``position``.

    The message shows the text with a caret under that character; the attributes
    let a program (the web page) place the caret itself.
    """

    def __init__(self, message: str, text: str | None = None, position: int | None = None):
        self.reason = message
        self.text = text
        self.position = position
        if text is not None and position is not None and "\n" not in text and len(text) <= 200:
            message = f"{message}\n  {text}\n  {' ' * position}^"
        elif text is not None and position is not None:
            message = f"{message} (at character {position})"
        super().__init__(message)


class ParseError(_Located):
    """Text that is not a valid expression; the message shows where, with a caret."""


class ShapeError(_Located):
    """Operands whose shapes or kinds do not fit together; from `parse`, with the position at fault."""


class EvaluationError(MatcalcError):
    """Values that cannot be used to evaluate an expression (missing, wrong type)."""


class DifferentiationError(MatcalcError):
    """A derivative the engine cannot take; the message names the construct."""


class AbsentVariableError(DifferentiationError):
    """Differentiation by a name the expression does not contain (most often a misspelling).

    ``name`` is that name, ``symbols`` the ones the expression has, ``opt_out``
    how the caller asks for the zero derivative instead, or None where it has
    no way to (`mc.check`, `matcalc code`): the message offers only an opt-out
    that exists there (`offering`).
    """

    def __init__(self, name: str, symbols: Sequence[str], opt_out: str | None = None) -> None:
        self.name, self.symbols, self.opt_out = name, tuple(symbols), opt_out
        has = f"its symbols are {', '.join(symbols)}" if symbols else "it has no symbols (it is a constant)"
        message = f"the expression does not contain {name!r} ({has}); a misspelling?"
        super().__init__(f"{message} To get the zero derivative, {opt_out}" if opt_out else message)

    def offering(self, opt_out: str | None) -> AbsentVariableError:
        """The same error, offering ``opt_out`` (None: none) as the way to get the zero instead."""
        return AbsentVariableError(self.name, self.symbols, opt_out)


class CodegenError(MatcalcError):
    """Code that cannot be generated: an operation the chosen backend has no code for (``logm`` in JAX)."""


class RegistryError(MatcalcError):
    """An operation the registry does not know, or a record that is incomplete (`matcalc.ops`)."""


class RewriteLimitError(MatcalcError):
    """Rewrite rules that did not settle (step limit, or a node rebuilt inside itself): a bug in the rules."""


class DomainError(EvaluationError):
    """A value outside an operation's domain, or a point where its derivative does not exist.

    (A matrix logarithm at an eigenvalue on the branch cut, a Cholesky factor of a
    matrix that is not positive definite, an eigenvector at a repeated eigenvalue.)
    """
