"""``matcalc serve``: matrixcalculus.org's workflow as a local web page, on matcalc.

The package is split so that only what needs the web library imports it:

- `service`: what the JSON API computes, as plain functions of JSON-like
  requests (validation, limits on sizes, the answer as JSON-ready data); no web
  library, so it is tested and used without one;
- `worker`: a pool of worker processes that run `service` under a time limit
  and a memory limit, replacing a worker that exceeds either;
- `app`: the Starlette application (the page, its static files, the API
  routes, security headers) around the pool;
- `serve`: the command-line arguments of ``matcalc serve`` and the uvicorn
  server.

``import matcalc`` imports none of this; ``app`` and ``serve`` import
Starlette and uvicorn (the ``web`` extra: ``pip install "matcalc[web]"``).
"""
