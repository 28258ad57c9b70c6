"""What a subcommand of ``matcalc`` is, and the exit statuses every command shares."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["EXIT_ERROR", "Command"]

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
