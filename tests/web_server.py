"""A real ``matcalc serve`` on a free loopback port, for the API, browser and load tests.

`running_server` starts ``python -m matcalc serve --port 0`` as a child
process, reads the URL it prints, waits until its workers are ready, and
stops it (SIGTERM, then SIGKILL) afterwards.  `post` and `get` talk to it
with the standard library only.  `require_web` skips a test locally when the
``web`` extra is not installed, and fails it in CI (``CI`` set), where it
must be.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail in CI, where everything the tests need is installed."""
    if in_ci():
        pytest.fail(f"{reason}; CI must run this test")
    pytest.skip(reason)


def require_web() -> None:
    missing = [m for m in ("starlette", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:
        skip_or_fail(f"the web extra is not installed ({', '.join(missing)} missing)")


@contextlib.contextmanager
def running_server(*args: str, timeout: float = 60.0, env: dict[str, str] | None = None) -> Iterator[str]:
    """The URL of a ``matcalc serve`` started with ``args`` (plus ``--port 0``), stopped afterwards."""
    require_web()
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, **(env or {}), "PYTHONPATH": path}
    command = [sys.executable, "-m", "matcalc", "serve", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "serving on " not in line:
            _, err = process.communicate(timeout=10)
            raise AssertionError(f"matcalc serve did not start: {line!r} {err}")
        url = line.split("serving on ")[1].split()[0]
        _wait_ready(url, int(_arg(args, "--workers", "2")), timeout)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _arg(args: tuple[str, ...], name: str, default: str) -> str:
    return args[args.index(name) + 1] if name in args else default


def _wait_ready(url: str, workers: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if get(url + "api/health")[1]["workers"] >= workers:
                return
        time.sleep(0.1)
    raise AssertionError(f"matcalc serve at {url} had not started its workers after {timeout} s")


def post(
    url: str, body: object, *, raw: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """POST JSON (or ``raw`` bytes); the status and the decoded JSON answer."""
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    return _send(request)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    return _send(urllib.request.Request(url, headers=headers or {}))


def _send(request: urllib.request.Request) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, body, kind = response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        status, body, kind = exc.code, exc.read(), exc.headers.get_content_type()
    return status, json.loads(body) if kind == "application/json" else body
