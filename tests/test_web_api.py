"""The JSON API of ``matcalc serve`` over real HTTP: answers, errors, safety and limits."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from web_server import ROOT, get, post, running_server

from matcalc.web import service
from matcalc.web.serve import is_loopback

BLOWUP = {"expression": "det(X)", "wrt": ["X"] * 8}  # ~10 s and ~100 MB unchecked: millions of terms


@pytest.fixture(scope="module")
def url():
    with running_server("--workers", "2", "--time-limit", "1") as url:
        yield url


def test_derivative_over_http_is_the_services_answer(url):
    request = {"expression": "W*x", "wrt": ["W"]}
    status, answer = post(url + "api/derivative", request)
    assert status == 200
    assert answer == json.loads(json.dumps(service.handle("derivative", request)))


def test_the_workers_computing_time_is_in_a_server_timing_header(url):
    import urllib.request

    data = json.dumps({"expression": "x'*A*x", "wrt": ["x"]}).encode()
    request = urllib.request.Request(url + "api/derivative", data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        timing = response.headers["Server-Timing"]
    assert re.fullmatch(r"compute;dur=\d+\.\d", timing) and float(timing.split("=")[1]) > 0


def test_check_and_code_over_http(url):
    status, answer = post(url + "api/check", {"expression": "W*x", "wrt": ["W"], "claim": "x'"})
    assert status == 200 and answer["ok"] is False and answer["counterexample"]
    status, answer = post(url + "api/code", {"expression": "x'*A*x", "wrt": ["x"], "backend": "jax"})
    assert status == 200 and "import jax" in answer["code"]


def test_errors_are_json_with_a_4xx_status_and_the_caret(url):
    status, answer = post(url + "api/derivative", {"expression": "x*x", "wrt": ["x"]})
    assert status == 422
    assert answer["error"]["type"] == "ShapeError" and answer["error"]["position"] == 1
    assert post(url + "api/derivative", None, raw=b"{")[0] == 400
    assert post(url + "api/derivative", None, raw=b'{"expression": "' + b"x" * 40_000 + b'"}')[0] == 413
    assert post(url + "api/derivative", None, raw=b"{}", headers={"Content-Type": "text/plain"})[0] == 415
    assert post(url + "api/integral", {})[0] == 404
    status, answer = get(url + "api/derivative")
    assert status == 405


def test_requests_for_another_host_are_refused(url):
    """A page on another site that rebinds its name to 127.0.0.1 gets nothing."""
    status, _ = get(url, headers={"Host": "attacker.example"})
    assert status == 400
    assert post(url + "api/derivative", {"expression": "x"}, headers={"Host": "attacker.example"})[0] == 400


def test_everything_comes_from_this_server(url):
    status, page = get(url)
    assert status == 200
    html = page.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "the page loads nothing from elsewhere"
    for path in (
        "static/katex/katex.min.js",
        "static/katex/katex.min.css",
        "static/app.js",
        "static/style.css",
    ):
        assert get(url + path)[0] == 200, path
    css = get(url + "static/katex/katex.min.css")[1].decode()
    fonts = set(re.findall(r"url\((fonts/[^)]+)\)", css))
    assert fonts and all(get(url + "static/katex/" + font)[0] == 200 for font in fonts)


def test_the_page_forbids_loading_from_elsewhere(url):
    request = __import__("urllib.request").request.urlopen(url, timeout=30)
    policy = request.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy


def test_vendored_katex_is_the_pinned_version():
    lock = json.loads((ROOT / ".ci" / "katex" / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/katex"]["version"]
    vendored = ROOT / "matcalc" / "web" / "static" / "katex"
    assert f'version:"{pinned}"' in (vendored / "katex.min.js").read_text()
    assert f"**{pinned}**" in (vendored / "README.md").read_text()
    assert "MIT" in (vendored / "LICENSE").read_text()


def test_the_package_data_ships_every_static_file():
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["matcalc"]
    static = ROOT / "matcalc" / "web" / "static"
    files = [p.relative_to(ROOT / "matcalc").as_posix() for p in static.rglob("*") if p.is_file()]
    assert len(files) > 60  # the page, KaTeX's script, styles, licence and 60 font files
    unshipped = [
        f for f in files if not any(fnmatch.fnmatch(f, g) and f.count("/") == g.count("/") for g in globs)
    ]
    assert unshipped == []


@pytest.fixture(scope="module")
def unbudgeted_url():
    """A server whose work budget is far away (--max-work): only its time limit stops a blowup."""
    with running_server("--workers", "2", "--time-limit", "1", "--max-work", "1000000000") as url:
        yield url


def test_a_blowup_is_cut_off_at_its_time_limit_while_other_requests_are_answered(unbudgeted_url):
    url = unbudgeted_url
    outcome: dict[str, object] = {}

    def blowup() -> None:
        start = time.monotonic()
        outcome["reply"] = post(url + "api/derivative", BLOWUP)
        outcome["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=blowup)
    thread.start()
    time.sleep(0.2)
    answered = []
    while thread.is_alive():
        status, answer = post(url + "api/derivative", {"expression": "x'*A*x", "wrt": ["x"]})
        answered.append(status == 200 and answer["derivative"]["text"] == "(A+A')*x")
    thread.join()
    status, answer = outcome["reply"]
    assert status == 422 and answer["error"]["type"] == "TimeLimit"
    assert 1.0 <= outcome["seconds"] < 4.0
    assert len(answered) >= 5 and all(answered)
    assert get(url + "api/health")[1]["replaced"] >= 1


def test_the_load_benchmark_runs_and_every_answer_is_right(url):
    """benchmarks/web_load.py, small: every answer checked against mc.diff, and the blowup cut off."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import web_load

    results = web_load.run(url, requests=24, clients=6)
    assert results["calm"]["correct"] == results["calm"]["requests"] == 24
    blowup = results["blowup"]
    assert blowup["others_correct"] == 24
    # matcalc's own work limit (matcalc.limits, issue 12) may stop it before the server's time limit
    assert blowup["status"] == 422 and blowup["type"] in ("TimeLimit", "LimitError")
    assert blowup["seconds"] < 4.0


def test_a_blowup_is_cut_off_at_its_memory_limit():
    with running_server("--workers", "1", "--time-limit", "60", "--memory-limit", "30") as url:
        status, answer = post(url + "api/derivative", BLOWUP)
        # matcalc's own work limit (matcalc.limits, issue 12) may stop it before the server's memory limit
        assert status == 422 and answer["error"]["type"] in ("MemoryLimit", "LimitError")
        status, answer = post(url + "api/derivative", {"expression": "W*x", "wrt": ["W"]})
        assert status == 200 and answer["derivative"]["latex"]["vec"] == r"x^\top \otimes I_{n}"


def test_binding_elsewhere_warns(tmp_path: Path):
    """192.0.2.1 (TEST-NET-1) is no address of this machine: the warning, then the bind fails."""
    command = [sys.executable, "-m", "matcalc", "serve", "--host", "192.0.2.1", "--port", "0"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert "warning: binding to 192.0.2.1" in result.stderr
    assert "cannot listen on 192.0.2.1" in result.stderr


def test_open_opens_the_printed_url_in_a_browser(tmp_path: Path):
    """``--open`` goes through the webbrowser module, which honours $BROWSER: here a script that records."""
    record = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys, pathlib; pathlib.Path({str(record)!r}).write_text(sys.argv[1])")
    with running_server("--open", env={"BROWSER": f"{sys.executable} {browser} %s"}) as url:
        deadline = time.monotonic() + 30
        while not record.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert record.read_text() == url
        assert url.startswith("http://127.0.0.1:")


def test_loopback_hosts():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2") and not is_loopback("example.org")
