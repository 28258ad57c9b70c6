"""Shared test configuration: the Hypothesis profiles.

Choose a profile with ``HYPOTHESIS_PROFILE=dev|ci|thorough``.  Without it,
the profile is ``ci`` when the ``CI`` environment variable is set (CI runs
set ``CI=true``) and ``dev`` otherwise.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=100)
settings.register_profile("ci", max_examples=300, deadline=None, print_blob=True, derandomize=False)
settings.register_profile("thorough", max_examples=20_000, deadline=None, print_blob=True)


def _default_profile() -> str:
    ci = os.environ.get("CI", "").strip().lower()
    return "ci" if ci not in ("", "0", "false", "no") else "dev"


settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or _default_profile())
