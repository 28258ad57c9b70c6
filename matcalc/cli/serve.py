"""``matcalc serve``: the web page, on a local server (needs the ``web`` extra)."""

from __future__ import annotations

from matcalc.cli.command import Command
from matcalc.web.serve import add_arguments, run

SERVE_EXAMPLES = """\
examples:
  matcalc serve                       # http://127.0.0.1:8765/
  matcalc serve --port 9000 --open    # another port; open a browser on the page
  matcalc serve --time-limit 10       # let each request compute for 10 s

The server binds to 127.0.0.1 (this machine only); --host binds it elsewhere,
with a warning.  Each request is computed in a worker process under a time
and a memory limit.  The page, its JSON API (POST /api/derivative,
/api/check, /api/code) and the limits are described in docs/web.md.  It needs
the web extra: pip install "matcalc[web]".
"""

COMMAND = Command(
    name="serve",
    help="serve the web page: differentiate, check claims, generate code in a browser",
    examples=SERVE_EXAMPLES,
    add_arguments=add_arguments,
    run=run,
)
