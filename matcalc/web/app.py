"""The Starlette application: the page, its static files, and the JSON API.

Routes:

- ``GET /``: the page (``static/index.html``); its state lives in the query string;
- ``GET /static/...``: the page's script and styles, and KaTeX (script, styles,
  fonts), all from the installed package: nothing is loaded from elsewhere;
- ``POST /api/derivative``, ``/api/check``, ``/api/code``: `matcalc.web.service`'s
  tasks, computed in the `WorkerPool`; errors are JSON with a 4xx status;
- ``GET /api/health``: the pool's counts.

Every response carries a Content-Security-Policy that allows this origin
only.  Requests must name a loopback host (unless the server was bound
elsewhere on purpose), which stops DNS-rebinding pages, and the API takes
only ``application/json`` bodies, which a cross-site page cannot send without
a CORS preflight that this server never grants.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matcalc.web.service import TASKS, RequestError
from matcalc.web.worker import Limits, WorkerPool

__all__ = ["LOOPBACK_HOSTS", "MAX_BODY", "STATIC", "create_app"]

#: Largest request body accepted, in bytes.
MAX_BODY = 32 * 1024
#: The folder of the page and its assets, inside the installed package.
STATIC = Path(__file__).resolve().parent / "static"
#: Host names a loopback-bound server answers to.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")

_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class _SecurityHeaders:
    """ASGI middleware adding `_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error(error: RequestError) -> JSONResponse:
    return JSONResponse(error.to_json(), status_code=error.status)


async def _body(request: Request) -> Any:
    """The request's JSON body, read up to `MAX_BODY` bytes."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise RequestError(415, "the body must be JSON, sent with Content-Type: application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise RequestError(413, f"the body is longer than {MAX_BODY} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise RequestError(413, f"the body is longer than {MAX_BODY} bytes")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise RequestError(400, f"the body is not valid JSON: {exc}") from None


def create_app(limits: Limits | None = None, hosts: Sequence[str] = LOOPBACK_HOSTS) -> Starlette:
    """The application, with a pool of workers under ``limits`` that starts and stops with it.

    Args:
        limits: the limits of each request (defaults: `Limits()`).
        hosts: the host names requests may address (``"*"`` for any).
    """
    pool = WorkerPool(limits or Limits())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.start()
        try:
            yield
        finally:
            await pool.stop()

    async def api(request: Request) -> Response:
        task = request.path_params["task"]
        if task not in TASKS:
            return _error(RequestError(404, f"no API route {task!r}; the routes are {', '.join(TASKS)}"))
        try:
            body = await _body(request)
        except RequestError as exc:
            return _error(exc)
        reply = await pool.run(task, body)
        # the worker's own computing time, apart from queueing and HTTP (browsers' devtools show it)
        timing = {} if reply.seconds is None else {"server-timing": f"compute;dur={reply.seconds * 1000:.1f}"}
        return Response(reply.body, status_code=reply.status, media_type="application/json", headers=timing)

    async def health(request: Request) -> Response:
        return JSONResponse(pool.status())

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    routes = [
        Route("/", page),
        Route("/api/health", health),
        Route("/api/{task}", api, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(_SecurityHeaders), Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.pool = pool
    return app
