"""WSGI entry point for a production server: ``gunicorn --preload isp.wsgi:app``.

The application is built once (in gunicorn's master with ``--preload``, then shared by the
forked workers) with every template already compiled: otherwise the first request to each page
in each worker compiles its templates (20-130 ms) while the requests behind it wait.
"""

from __future__ import annotations

from config import config_name
from isp import create_app, precompile_templates

app = create_app(config_name())
precompile_templates(app)

# The objects built so far (modules, app, compiled templates) live as long as the process:
# keep them out of the garbage collector's generations, so that a full collection in a worker
# walks only what requests allocate (and forked workers keep sharing those pages).
import gc  # noqa: E402

gc.freeze()
