"""WSGI entry point for a production server: ``gunicorn --preload isp.wsgi:app``.

The application is built once (in gunicorn's master with ``--preload``, then shared by the
forked workers) with every template already compiled and every ORM mapper configured:
otherwise the first request to each page in each worker compiles its templates (20-130 ms), and
the first query configures the mappers (0.6 s), while the requests behind it wait.
"""

from __future__ import annotations

from sqlalchemy.orm import configure_mappers

from config import config_name
from isp import create_app, load_all_models, precompile_templates

app = create_app(config_name())
precompile_templates(app)
load_all_models()
configure_mappers()

# The objects built so far (modules, app, compiled templates) live as long as the process:
# keep them out of the garbage collector's generations, so that a full collection in a worker
# walks only what requests allocate (and forked workers keep sharing those pages).
import gc  # noqa: E402

gc.freeze()
