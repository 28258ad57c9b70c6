"""Bounded resources: a work budget for each public call, and the guard at the API boundary.

Some operations have outputs that grow exponentially with the input (the
fourth derivative of ``exp`` nested 30 deep, the generated code of a Jacobian
of nested ``softmax``).  Rather than exhaust memory or run for minutes, every
public function runs under a *work budget*: each new expression node costs
one unit, and the passes whose work is not node creation charge theirs (the
rules that read a product factor by factor, the product planner of code
generation), so that a unit is a few microseconds of work and the default
budget about a second.  When the budget is spent, the call raises
`LimitError`, which names the limit and how to raise it::

    with matcalc.limits(work=50_000_000):
        matcalc.diff(f, "x", "x", "x", "x")

The budget is per outermost public call (nested calls share it) and lives in a
context variable, so threads and async tasks each have their own.  `guarded`
also turns the failures that Python reports as RecursionError and MemoryError
into `LimitError`: they mean the input is too large, not that matcalc is wrong.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from matcalc.errors import MatcalcError

__all__ = [
    "DEFAULT_LENGTH", "DEFAULT_WORK", "Budget", "LimitError", "charge", "guarded", "limits", "max_length",
]  # fmt: skip

#: Work units (new expression nodes, factors of products read by the rules, product-planning
#: steps) one public call may spend: about a second of work (docs/robustness.md).
DEFAULT_WORK = 250_000

#: Characters of text `matcalc.parse` reads: a bound against hostile input, which a text the
#: caller trusts (a long printed result) may raise with ``limits(length=N)``.
DEFAULT_LENGTH = 100_000


class LimitError(MatcalcError):
    """An operation reached a documented size or time limit (see docs/robustness.md)."""


@dataclass(frozen=True, slots=True)
class Budget:
    """The limits of one public call: work units, optionally seconds of wall clock, characters parsed."""

    work: int = DEFAULT_WORK
    seconds: float | None = None
    length: int = DEFAULT_LENGTH


@dataclass(slots=True)
class _Meter:
    budget: Budget
    what: str
    used: int = 0
    deadline: float | None = None
    check_at: int = 0  # the most units spent before `charge` looks at the budget and the clock

    def __post_init__(self) -> None:
        self.check_at = self._next_check()

    def _next_check(self) -> int:
        """The budget, or (with a time limit) less than the next multiple of `_CLOCK_EVERY` if sooner."""
        if self.deadline is None:
            return self.budget.work
        return min(self.budget.work, (self.used // _CLOCK_EVERY + 1) * _CLOCK_EVERY - 1)


_METER: ContextVar[_Meter | None] = ContextVar("matcalc_work_meter", default=None)
_BUDGET: ContextVar[Budget | None] = ContextVar("matcalc_budget", default=None)  # None: the default

#: How often (in units) the clock is read when there is a time limit.
_CLOCK_EVERY = 512


def charge(units: int = 1) -> None:
    """Spend ``units`` of the current call's budget; raise `LimitError` when it is spent."""
    meter = _METER.get()
    if meter is None:
        return
    meter.used += units
    if meter.used > meter.check_at:  # (most calls stop here: one comparison)
        _check(meter, meter.used - units)


def _check(meter: _Meter, before: int) -> None:
    """Raise `LimitError` if the budget is spent or the clock has passed the deadline."""
    if meter.used > meter.budget.work:
        # (it keeps raising on every later charge, so code that catches a MatcalcError to try
        # something else cannot run on unbounded)
        raise LimitError(
            f"{meter.what} needs more than {meter.budget.work:,} units of work (expression nodes built "
            "or read, product-planning steps): its result grows too fast with the input.  Raise the limit "
            "with `with matcalc.limits(work=N):` (CLI: --max-work N) if you mean it."
        )
    tick = before // _CLOCK_EVERY != meter.used // _CLOCK_EVERY
    if meter.deadline is not None and tick and time.monotonic() > meter.deadline:
        raise LimitError(
            f"{meter.what} did not finish within {meter.budget.seconds:g} seconds.  Raise the limit "
            "with `with matcalc.limits(seconds=T):` (CLI: --timeout T) if you mean it."
        )
    meter.check_at = meter._next_check()


@contextmanager
def limits(
    work: int | None = None, seconds: float | None = None, length: int | None = None
) -> Iterator[None]:
    """Run the block with a budget per public call: ``work`` units (default `DEFAULT_WORK`), ``seconds``.

    ``seconds`` (default: none) is checked as work is charged, so it bounds the
    symbolic passes, not a single NumPy operation on large arrays.  ``length``
    is the longest text `matcalc.parse` reads (default `DEFAULT_LENGTH`).  A
    limit not given keeps the value of an enclosing ``limits`` block.
    """
    for name, value in (("work", work), ("length", length)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise MatcalcError(f"limits({name}=...) needs a positive whole number, got {value!r}")
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds > 0
    ):
        raise MatcalcError(f"limits(seconds=...) needs a positive number, got {seconds!r}")
    outer = _BUDGET.get() or Budget()
    token = _BUDGET.set(Budget(
        outer.work if work is None else work,
        outer.seconds if seconds is None else seconds,
        outer.length if length is None else length,
    ))  # fmt: skip
    try:
        yield
    finally:
        _BUDGET.reset(token)


def max_length() -> int:
    """The longest text `matcalc.parse` reads here: `DEFAULT_LENGTH`, or what ``limits(length=N)`` says."""
    return (_BUDGET.get() or Budget()).length


P = ParamSpec("P")
R = TypeVar("R")


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a public function under the work budget; report exhaustion as `LimitError`."""
    what = f"matcalc.{fn.__name__}"

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if _METER.get() is not None:  # an inner public call shares the outer one's budget
            return fn(*args, **kwargs)
        budget = _BUDGET.get() or Budget()
        deadline = None if budget.seconds is None else time.monotonic() + budget.seconds
        token = _METER.set(_Meter(budget, what, deadline=deadline))
        try:
            return fn(*args, **kwargs)
        except RecursionError:
            raise LimitError(f"{what}: the expression is nested too deeply for this operation") from None
        except MemoryError:
            raise LimitError(f"{what}: the result does not fit in memory") from None
        finally:
            _METER.reset(token)

    return run
