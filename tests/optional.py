"""Optional libraries the tests need: skipped where they are missing locally, a failure in CI.

The test extra installs every array backend (JAX, PyTorch, array-api-strict,
dask), so in CI (``CI`` set, as .ci/run runs) a missing one is an installation
error to report, never a reason to skip.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set to anything but empty, 0, false or no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(name: str) -> ModuleType:
    """The module ``name``; a skip without it locally, a failure in CI."""
    if not in_ci():
        return pytest.importorskip(name)
    try:
        return importlib.import_module(name)
    except ImportError as err:
        pytest.fail(f"{name} is not installed ({err}); CI installs it with the test extra")
