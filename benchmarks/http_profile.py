"""Per-URL server cost, single-threaded: ms per request and SQL statements per request.

The companion of ``benchmarks/http_load.py``: the same URLs (its ``targets()``), requested
through the Flask test client (no HTTP server, no concurrency) as the demo operator (session)
and with an API token, against an already scaled database (build one with http_load's
``ensure_database``, ``seed_database`` and ``scale_demo``, or run http_load once). The figures
do not depend on the machine's load as much as latencies under load do: the statement count not
at all, the milliseconds roughly. Exits 1 when a URL answers anything but HTTP 200.

    .venv/bin/python -m benchmarks.http_profile [--database-url URL] [--repeat 10]
        [--batches 3] [--only SUBSTRING] [--sql] [--cprofile N] [--sort tottime] [--smoke]

``--smoke`` (run by the test suite, after ``http_load --smoke`` on the same database): every
URL, 2 timed requests, 1 batch.

``--sql`` prints the statements of the last request, ``--cprofile N`` the N most costly
functions (cumulative time) over the timed requests.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _smoke  # noqa: E402
from benchmarks.http_load import DEFAULT_URL, OPERATOR, targets  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per batch")
    parser.add_argument("--batches", type=int, default=3,
                        help="batches per URL; the fastest is shown (others' load disturbs)")
    parser.add_argument("--only", action="append", default=[],
                        help="only URLs containing this (repeatable)")
    parser.add_argument("--sql", action="store_true", help="print the last request's SQL")
    parser.add_argument("--cprofile", type=int, metavar="N", default=0,
                        help="print the N most expensive functions per URL")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"),
                        help="order of --cprofile: time under the function, or in it")
    args = _smoke.parse_args(parser, argv, {"repeat": 2, "batches": 1})
    checks = _smoke.Checks()

    from sqlalchemy import event

    from isp import create_app
    from isp.extensions import db

    app = create_app("default", SQLALCHEMY_DATABASE_URI=args.database_url)
    pages, apis = targets(args.database_url)
    statements: list[str] = []
    backends: set[int] = set()

    def _on_connect(dbapi_connection, _record) -> None:
        if db.engine.dialect.name == "postgresql":
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.add(cursor.fetchone()[0])
            dbapi_connection.commit()

    with app.app_context():
        db.engine.dispose()
        event.listen(db.engine, "connect", _on_connect)
        event.listen(db.engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_a: statements.append(statement))
    client, token = operator_client(app)
    api_headers = {"Authorization": f"Bearer {token}"}

    rows = [(path, {}) for path in pages] + [(path, api_headers) for path in apis]
    if args.only:
        rows = [row for row in rows if any(part in row[0] for part in args.only)]
    print("| URL | ms/request | app CPU ms | DB CPU ms | SQL statements | KB |")
    print("|---|---:|---:|---:|---:|---:|")
    total_ms = total_cpu = 0.0
    for path, headers in rows:
        response = client.get(path, headers=headers)  # warm caches, templates, token use
        if not checks.check(response.status_code == 200,
                            f"{path}: HTTP {response.status_code}"):
            print(f"| `{path}` | HTTP {response.status_code} | | | | |")
            continue
        profiler = cProfile.Profile() if args.cprofile else None
        best = None
        for _batch in range(args.batches):  # the best batch: the least disturbed by others
            db_cpu = _cpu_seconds(backends)
            cpu = time.process_time()
            started = time.perf_counter()
            for _ in range(args.repeat):
                statements.clear()
                if profiler:
                    profiler.enable()
                response = client.get(path, headers=headers)
                if profiler:
                    profiler.disable()
            figures = ((time.perf_counter() - started) * 1000 / args.repeat,
                       (time.process_time() - cpu) * 1000 / args.repeat,
                       (_cpu_seconds(backends) - db_cpu) * 1000 / args.repeat)
            if best is None or figures[0] < best[0]:
                best = figures
        ms, cpu, db_cpu = best
        total_ms += ms
        total_cpu += cpu + db_cpu
        print(f"| `{path}` | {ms:.1f} | {cpu:.1f} | {db_cpu:.1f} | {len(statements)} | "
              f"{len(response.data) / 1024:.1f} |", flush=True)
        if args.sql:
            for statement in statements:
                print("    " + " ".join(statement.split())[:300])
        if profiler:
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.cprofile)
    checks.check(bool(rows), "at least one URL to profile")
    print(f"\nsum of ms/request: {total_ms:.0f}; of CPU ms (app + DB): {total_cpu:.0f}")
    return checks.exit_code()


def operator_client(app):
    """A test client of ``app`` logged in as the demo operator (a live server-side session, as
    pages need) and an API token of theirs."""
    from sqlalchemy import select

    from isp.auth import SESSION_ID_KEY, start_session
    from isp.extensions import db
    from isp.models import User
    from isp.services import create_token

    with app.app_context():
        operator = db.session.execute(select(User).where(User.email == OPERATOR)).scalar_one()
        operator_id, token = operator.id, create_token(operator)
        session_id = start_session(operator)
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(operator_id)
        session["_fresh"] = True
        session[SESSION_ID_KEY] = session_id
    return client, token


def _cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of these local processes (the PostgreSQL backends we use)."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # not local, or gone
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


if __name__ == "__main__":
    sys.exit(main())
