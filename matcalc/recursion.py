"""Room on the Python stack for passes that recurse over deep expressions.

Expressions are at most `MAX_DEPTH` levels deep, and the input text at most
`parse.MAX_NESTING`; the recursive passes (printing, parsing) need a few
frames a level, more than Python's default limit of 1000 allows.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["deep"]

_LIMIT = 20_000


@contextmanager
def deep() -> Iterator[None]:
    """Raise the recursion limit for the duration of a pass (never lower it)."""
    old = sys.getrecursionlimit()
    if old < _LIMIT:
        sys.setrecursionlimit(_LIMIT)
    try:
        yield
    finally:
        if old < _LIMIT:
            sys.setrecursionlimit(old)
