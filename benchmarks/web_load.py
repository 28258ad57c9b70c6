"""Load test of ``matcalc serve``, on loopback only: latency under concurrent clients, and a cut-off blowup.

Starts ``python -m matcalc serve --port 0`` (default limits and workers unless
told otherwise), then:

1. sends `REQUESTS` first-derivative requests from `CLIENTS` concurrent clients
   and checks every answer against `matcalc.diff` computed here; reports the
   latency (median, p95, max) as the clients see it, queueing included;
2. does the same again while one request that blows up (the 8th derivative of
   ``det(X)``: millions of terms) is in flight, and reports when and how it
   was cut off and the latency of the others meanwhile.

Every request goes to 127.0.0.1; the number of requests is fixed and each has
a timeout, so the run always ends.  ``python benchmarks/web_load.py --write``
also writes the tables into docs/web.md, between its ``web_load`` markers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import matcalc as mc

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "web.md"
REQUESTS = 200
CLIENTS = 20
#: First derivatives a page's users ask for (the request kinds are guessed from first letters).
CASES = (
    ("x'*A*x", "x"),
    ("W*x", "W"),
    ("norm2(X*w-y)^2", "w"),
    ("sum(log(1+exp(-y.*(X*w))))", "w"),
    ("tr(A*X*B)", "X"),
    ("logdet(X)+tr(inv(X)*A)", "X"),
    ("exp(x'*A*x)", "x"),
    ("softmax(W*x)'*y", "W"),
)
BLOWUP = {"expression": "det(X)", "wrt": ["X"] * 8}


@dataclass
class Outcome:
    """One request as a client saw it."""

    seconds: float
    status: int
    correct: bool
    compute_ms: float  # the worker's computing time (its Server-Timing header)


def post(url: str, body: object, timeout: float = 60.0) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


_LOCAL = threading.local()


def post_kept_alive(url: str, path: str, body: object, timeout: float = 60.0) -> tuple[int, dict]:
    """POST over this client thread's own keep-alive connection (as a browser would)."""
    parts = urllib.parse.urlsplit(url)
    connection = getattr(_LOCAL, "connection", None)
    if connection is None:
        connection = _LOCAL.connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=timeout
        )
    connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    timing = response.getheader("Server-Timing", "")
    answer = json.loads(response.read())
    answer["_compute_ms"] = float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")
    return response.status, answer


def expected_answers() -> dict[tuple[str, str], str]:
    return {(e, w): str(mc.diff(mc.parse(e), w)) for e, w in CASES}


def one_request(url: str, n: int, expected: dict[tuple[str, str], str]) -> Outcome:
    expression, wrt = CASES[n % len(CASES)]
    start = time.perf_counter()
    status, answer = post_kept_alive(url, "/api/derivative", {"expression": expression, "wrt": [wrt]})
    seconds = time.perf_counter() - start
    correct = status == 200 and answer["derivative"]["text"] == expected[(expression, wrt)]
    return Outcome(seconds, status, correct, answer["_compute_ms"])


def load(url: str, requests: int, clients: int) -> list[Outcome]:
    expected = expected_answers()
    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(lambda n: one_request(url, n, expected), range(requests)))


def with_blowup(url: str, requests: int, clients: int) -> tuple[list[Outcome], tuple[int, dict, float]]:
    """The load while one blowup is in flight; the blowup's status, answer and time."""
    result: list[tuple[int, dict, float]] = []

    def blowup() -> None:
        start = time.perf_counter()
        status, answer = post(url + "api/derivative", BLOWUP)
        result.append((status, answer, time.perf_counter() - start))

    thread = threading.Thread(target=blowup)
    thread.start()
    time.sleep(0.05)
    outcomes = load(url, requests, clients)
    thread.join(120)
    return outcomes, result[0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(outcomes: list[Outcome]) -> dict[str, float]:
    ms = [o.seconds * 1000 for o in outcomes]
    return {
        "requests": len(outcomes),
        "correct": sum(o.correct for o in outcomes),
        "median_ms": statistics.median(ms),
        "p95_ms": percentile(ms, 95),
        "max_ms": max(ms),
        "compute_ms": statistics.median(o.compute_ms for o in outcomes),
    }


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(*args: str) -> Server:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "matcalc", "serve", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    if "serving on " not in line:
        process.kill()
        raise SystemExit(f"matcalc serve did not start: {line!r}")
    url = line.split("serving on ")[1].split()[0]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "api/health", timeout=5) as response:
                if json.loads(response.read())["idle"] >= 1:
                    return Server(process, url)
        except OSError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("matcalc serve did not get ready in 60 s")


def run(url: str, requests: int = REQUESTS, clients: int = CLIENTS) -> dict[str, object]:
    """Both phases against the server at ``url``."""
    load_average = os.getloadavg()[0]
    alone = summary(load(url, max(8, requests // 5), 1))
    calm = summary(load(url, requests, clients))
    outcomes, (status, answer, seconds) = with_blowup(url, requests, clients)
    stormy = summary(outcomes)
    return {
        "load": load_average,
        "alone": alone,
        "calm": calm,
        "blowup": {
            "status": status,
            "type": answer["error"]["type"] if "error" in answer else None,
            "seconds": seconds,
            **{f"others_{k}": v for k, v in stormy.items()},
        },
    }


def _row(label: str, stats: dict[str, float], prefix: str = "") -> str:
    def get(key: str) -> float:
        return stats[prefix + key]

    return (
        f"| {label} | {get('correct'):.0f}/{get('requests'):.0f} | {get('median_ms'):.0f} ms | "
        f"{get('p95_ms'):.0f} ms | {get('max_ms'):.0f} ms | {get('compute_ms'):.1f} ms |"
    )


def report(results: dict[str, object], args: argparse.Namespace) -> str:
    alone, calm, blow = results["alone"], results["calm"], results["blowup"]
    assert isinstance(alone, dict) and isinstance(calm, dict) and isinstance(blow, dict)
    lines = [
        f"Measured with `python benchmarks/web_load.py` on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}: `matcalc serve --workers {args.workers} --time-limit "
        f"{args.time_limit:g}`, {args.requests} requests from {args.clients} concurrent clients "
        "(each with a keep-alive connection), each a first derivative (8 expressions in turn), latency "
        "as the client sees it (queueing included); the machine's load average was "
        f"{results['load']:.1f} at the start (other processes share its cores).",
        "",
        "| phase | answered correctly | median | p95 | max | median computing time in the worker |",
        "|---|---|---|---|---|---|",
        _row("one client, one request at a time", alone),
        _row(f"{args.clients} concurrent clients", calm),
        _row(f"{args.clients} concurrent clients, one blowup in flight", blow, "others_"),
        "",
        f"The blowup (`det(X)` differentiated 8 times by `X`) was answered {blow['status']} "
        f"`{blow['type']}` after {blow['seconds']:.2f} s; its worker was killed and replaced while the "
        "other requests went on being answered.",
    ]
    return "\n".join(lines)


def write(text: str) -> None:
    begin, end = "<!-- web_load:begin -->", "<!-- web_load:end -->"
    doc = DOC.read_text()
    head, rest = doc.split(begin)
    _, tail = rest.split(end)
    DOC.write_text(f"{head}{begin}\n{text}\n{end}{tail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--write", action="store_true", help="write the tables into docs/web.md")
    args = parser.parse_args()
    server = start_server("--workers", str(args.workers), "--time-limit", str(args.time_limit))
    try:
        run(server.url, 40, 8)  # warm-up: imports and caches of the workers
        results = run(server.url, args.requests, args.clients)
    finally:
        server.stop()
    text = report(results, args)
    print(text)
    if args.write:
        write(text)
    calm, blow = results["calm"], results["blowup"]
    assert isinstance(calm, dict) and isinstance(blow, dict)
    ok = calm["correct"] == calm["requests"] and blow["others_correct"] == blow["others_requests"]
    return 0 if ok and blow["type"] == "TimeLimit" else 1


if __name__ == "__main__":
    sys.exit(main())
