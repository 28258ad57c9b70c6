"""Shared test configuration: the Hypothesis profiles.

Choose a profile with ``HYPOTHESIS_PROFILE=dev|ci|thorough``.  Without it,
the profile is ``ci`` when the ``CI`` environment variable is set to anything
but an empty string, ``0``, ``false`` or ``no`` (CI runs set ``CI=true``), and
``dev`` otherwise.
"""

from __future__ import annotations

import os

from hypothesis import settings

# Each profile derives from Hypothesis's own defaults, not from whatever profile
# Hypothesis picked for itself (it switches to its built-in "ci" when CI is set).
_BASE = settings.get_profile("default")
# No deadline anywhere: a per-example time limit is a timed test, and it failed on loaded
# machines (speed targets live in benchmarks/).
settings.register_profile("dev", _BASE, max_examples=100, deadline=None)
settings.register_profile("ci", _BASE, max_examples=300, deadline=None, print_blob=True, derandomize=False)
settings.register_profile("thorough", _BASE, max_examples=20_000, deadline=None, print_blob=True)


def _default_profile() -> str:
    ci = os.environ.get("CI", "").strip().lower()
    return "ci" if ci not in ("", "0", "false", "no") else "dev"


settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or _default_profile())
