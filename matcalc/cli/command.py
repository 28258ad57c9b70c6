"""What a subcommand of ``matcalc`` is, and the exit statuses every command shares."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from matcalc.errors import MatcalcError

__all__ = ["EXIT_ERROR", "Command", "InputError"]

#: Exit status for bad input of any kind (argparse uses it for bad usage too).
EXIT_ERROR = 2


@dataclass(frozen=True, slots=True)
class Command:
    """One subcommand of ``matcalc``: a module of `matcalc.cli` defines one as ``COMMAND``."""

    name: str
    help: str
    examples: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class InputError(MatcalcError):
    """An error in one input of a command other than EXPR (``--claim``), said with its name.

    ``field`` names the input for ``--json`` answers; ``reason`` and
    ``position`` are those of the error in it (a caret position) when it has them.
    """

    def __init__(self, field: str, where: str, error: MatcalcError) -> None:
        super().__init__(f"{where}: {error}")
        self.field = field
        self.error = error
