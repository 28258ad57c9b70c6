"""Optional libraries the tests need: skipped where they are missing locally, a failure in CI.

The test extra installs every array backend (JAX, PyTorch, array-api-strict,
dask), so in CI (``CI`` set, as .ci/run runs) a missing one is an installation
error to report, never a reason to skip.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
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


def array_maker(backend: str) -> Callable[[Any], Any]:
    """What turns a NumPy value into an array of ``backend`` (float64 under JAX), requiring its library."""
    if backend == "array_api":
        require("array_api_compat")
        return require("array_api_strict").asarray  # type: ignore[no-any-return]
    if backend == "jax":
        jax = require("jax")
        jax.config.update("jax_enable_x64", True)
        return jax.numpy.asarray  # type: ignore[no-any-return]
    if backend == "torch":
        return require("torch").as_tensor  # type: ignore[no-any-return]
    return lambda v: np.asarray(v, dtype=np.float64)
