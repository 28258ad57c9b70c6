"""The exceptions matcalc raises: every failure a user can cause is one of these."""

from __future__ import annotations

__all__ = [
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
