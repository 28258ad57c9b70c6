"""``matcalc serve``: its arguments, and the uvicorn server that runs the application.

This module imports neither Starlette nor uvicorn at its top, so that the
command line can list ``serve`` without the ``web`` extra; `run` imports them
and says how to install them when they are missing.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
import webbrowser
from collections.abc import Callable

from matcalc.web.worker import Limits

__all__ = ["add_arguments", "is_loopback", "run"]

#: Port of ``matcalc serve`` unless ``--port`` says otherwise.
DEFAULT_PORT = 8765


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``matcalc serve``."""
    defaults = Limits()
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1, this machine only); any other address "
        "lets other machines use the server, and prints a warning",
    )
    parser.add_argument(
        "--workers",
        type=_positive(int),
        default=defaults.workers,
        help=f"worker processes (default {defaults.workers})",
    )
    parser.add_argument(
        "--time-limit",
        type=_positive(float),
        default=defaults.seconds,
        metavar="SECONDS",
        help=f"time a request may compute (default {defaults.seconds:g})",
    )
    parser.add_argument(
        "--memory-limit",
        type=_positive(int),
        default=defaults.memory >> 20,
        metavar="MIB",
        help=f"memory a worker may add to its size at rest, in MiB (default {defaults.memory >> 20})",
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (``localhost`` or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    """An argparse type: a number of ``kind`` greater than 0."""

    def convert(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a number greater than 0, got {text!r}")
        return value

    return convert


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        seconds=args.time_limit, memory=int(args.memory_limit) << 20, workers=args.workers, work=args.max_work
    )


def run(args: argparse.Namespace) -> int:
    """Serve the page until interrupted; 2 when the ``web`` extra is missing or the port is taken."""
    try:
        import uvicorn

        from matcalc.web.app import LOOPBACK_HOSTS, create_app
    except ImportError as exc:
        print(f'matcalc: error: {exc}; matcalc serve needs: pip install "matcalc[web]"', file=sys.stderr)
        return 2
    limits = _limits(args)
    loopback = is_loopback(args.host)
    if not loopback:
        print(
            f"matcalc: warning: binding to {args.host}: other machines can use this server "
            "and spend its CPU; use the default 127.0.0.1 unless you mean that",
            file=sys.stderr,
        )
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    try:
        sock = socket.create_server((args.host.strip("[]"), args.port), family=family)
    except OSError as exc:
        print(f"matcalc: error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    host = f"[{args.host.strip('[]')}]" if family == socket.AF_INET6 else args.host
    url = f"http://{host}:{sock.getsockname()[1]}/"
    app = create_app(limits, hosts=(*LOOPBACK_HOSTS, args.host) if loopback else ("*",))
    print(f"matcalc: serving on {url} (Ctrl+C stops it)", flush=True)
    if args.open:
        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5))
    server.run(sockets=[sock])
    return 0


def main() -> int:
    """``python -m matcalc.web``: the same as ``matcalc serve``."""
    parser = argparse.ArgumentParser(prog="matcalc serve", description="Serve matcalc's web page.")
    add_arguments(parser)
    return run(parser.parse_args())
