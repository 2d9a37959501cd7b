"""HTTP load: gunicorn (2 sync workers) on PostgreSQL, the demo scaled to 10,000 households.

Creates the database when missing, migrates it, seeds the demo, adds generated buildings, flats,
households and subscriptions in bulk up to ``--households`` and refreshes the analysts' monthly
figures over them (as the nightly job would), then drives each main page (as
the demo operator, session cookie) and each API list (bearer token) with ``--users`` concurrent
clients (threads with the standard library's HTTP client, no think time: a closed loop) and
prints requests/s and p50/p95/p99 latency per URL, measured after a warm-up. Target: p95 under
200 ms at 20 users and 10,000 households; issue 23.3 asks 100 ms at 100,000. Sync workers
close each connection after its response (the clients open the next one), as they would behind
a reverse proxy. Exits 1 when a URL answers anything but
HTTP 200 or gets no request in.

    createdb -h 127.0.0.1 -U postgres bench_http   # or let the script create it
    .venv/bin/python -m benchmarks.http_load [--database-url URL] [--households 10000]
        [--users 20] [--seconds 5] [--warmup 1] [--workers 2] [--worker-class sync]
        [--only SUBSTRING] [--reuse-database] [--against REF] [--smoke]

``--against REF`` serves that git revision too (a worktree, the same gunicorn and database) and
loads each URL on both in turn, each going first every other URL: this machine's speed drifts
by a third within an hour, so only a comparison made in the same run tells two revisions apart.

``--smoke`` (run by the test suite): 150 households, 2 users, 0.1 s per URL, every URL; the
same migrations, demo seed, gunicorn and login. ``--database-url sqlite:///FILE`` works too
(the file is replaced): two workers writing at once (the audit log of each page) wait for each
other there (``BEGIN IMMEDIATE``, see isp/database.py), so SQLite's figures show the queue.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _smoke  # noqa: E402
from tests.ui.server import seed_database, server_env, start_server, stop_server  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_http"
OPERATOR = "operateur@demo.social-isp.fr"
FLATS_PER_BUILDING = 100


def ensure_database(url: str) -> None:
    """A fresh database each run: the demo seed is quick on 80 households, slow on 10,000."""
    import psycopg

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if name.startswith("test"):
            raise SystemExit("refusing to drop a test database")
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def scale_demo(url: str, households: int, seed: int = 2026) -> int:
    """Add generated buildings/flats/households/subscriptions until ``households`` exist."""
    from sqlalchemy import func, insert, select

    from evaluation.aggregates import refresh as refresh_aggregates
    from isp import create_app
    from isp.extensions import db
    from subscribers.models import (
        Building,
        District,
        Household,
        Subscription,
        Unit,
        search_text,
    )

    app = create_app("default", SQLALCHEMY_DATABASE_URI=url)
    rng = random.Random(seed)
    with app.app_context():
        have = db.session.execute(select(func.count(Household.id))).scalar_one()
        missing = households - have
        if missing <= 0:
            return have
        district_id = db.session.execute(select(District.id).order_by(District.id)).scalar()
        start = db.session.execute(select(func.count(Building.id))).scalar_one()
        n_buildings = -(-missing // FLATS_PER_BUILDING)
        codes = [f"GEN-{start + i:04d}" for i in range(n_buildings)]
        db.session.execute(insert(Building), [
            {"code": code, "name": f"Résidence générée {code} (fictive)",
             "address": f"{i + 1} rue de l'Essai", "postcode": "44300", "commune": "Nantes",
             "district_id": district_id, "status": "live"} for i, code in enumerate(codes)])
        building_ids = dict(db.session.execute(
            select(Building.code, Building.id).where(Building.code.in_(codes))).all())
        db.session.execute(insert(Unit), [
            {"code": f"{code}-{n:03d}", "building_id": building_ids[code], "staircase": "A",
             "floor": n // 10, "door": str(n % 10)}
            for code in codes for n in range(FLATS_PER_BUILDING)])
        units = db.session.execute(select(Unit.id, Unit.code).join(Building)
                                   .where(Building.code.in_(codes)).order_by(Unit.id)).all()
        first_names = ("Amina", "Jean", "Fatou", "Marie", "Karim", "Sophie", "Lucie", "Omar")
        last_names = ("Benali", "Martin", "Diallo", "Bernard", "Petit", "Traoré", "Durand")
        moved_in = date(2026, 1, 1)
        rows = []
        for unit_id, unit_code in units[:missing]:
            name = f"{rng.choice(first_names)} {rng.choice(last_names)} (fictif)"
            rows.append({"unit_id": unit_id, "unit_code": unit_code, "holder_name": name,
                         "search_key": search_text(name, unit_code), "language": "fr",
                         "size": rng.randint(1, 6),
                         "moved_in_on": moved_in - timedelta(days=rng.randint(0, 2000))})
        db.session.execute(insert(Household), rows)
        # by the new buildings' codes, not the new flats' ids: 100,000 bound parameters
        # exceed what a PostgreSQL statement takes (65,535)
        new = db.session.execute(select(Household.id, Household.unit_id).join(Unit)
                                 .join(Building).where(Building.code.in_(codes))).all()
        db.session.execute(insert(Subscription), [
            {"household_id": hid, "unit_id": uid, "tier": rng.choice(("T1", "T2", "T3")),
             "status": "active", "activated_on": moved_in} for hid, uid in new])
        db.session.commit()
        fresh_statistics(db.engine)
        # The analysts' figures as the nightly job leaves them (evaluation.refresh_aggregates):
        # without them the evaluation pages read the demo's few buildings only, not 1,000.
        started = time.perf_counter()
        summary = refresh_aggregates()
        db.session.commit()
        print(f"evaluation refresh: {summary['rows']} figures in "
              f"{time.perf_counter() - started:.1f} s")
        fresh_statistics(db.engine)  # of the figures too, rewritten by the refresh
        return db.session.execute(select(func.count(Household.id))).scalar_one()


def fresh_statistics(engine) -> None:
    """Statistics and visibility map after a bulk load, as autovacuum would make them (it is
    off on the test machine): without statistics the planner takes 100,000-row tables for
    empty ones (nested loops over every household instead of hash joins; a building's months
    read over the 200,000 figures instead of through their unique index); without the
    visibility map each index-only scan (a list's count) reads the table's pages too."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


class Client:
    """One keep-alive HTTP connection with its cookies or bearer token."""

    def __init__(self, base: str, headers: dict | None = None):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.headers = dict(headers or {})
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict | None = None) -> tuple[int, object, bytes]:
        merged = {**self.headers, **(headers or {})}
        try:
            self.connection.request(method, path, body=body, headers=merged)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.connection.request(method, path, body=body, headers=merged)
            response = self.connection.getresponse()
        data = response.read()
        return response.status, response.msg, data


def operator_cookie(base: str) -> str:
    """Log in through the form; the session cookie to send."""
    from config.default import DefaultConfig

    client = Client(base)
    status, headers, body = client.request("GET", "/login")
    cookie = _session_cookie(headers)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'name="csrf_token" value="([^"]+)"', body)
    form = urlencode({"email": OPERATOR, "password": DefaultConfig.DEMO_PASSWORDS[OPERATOR],
                      "csrf_token": token.group(1).decode()})
    status, headers, _ = client.request(
        "POST", "/login", body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    if status != 302:
        raise RuntimeError(f"login failed: HTTP {status}")
    return _session_cookie(headers)


def _session_cookie(headers) -> str:
    for value in headers.get_all("Set-Cookie") or ():
        if value.startswith("session="):
            return value.split(";")[0]
    raise RuntimeError("no session cookie")


def api_token(url: str) -> str:
    done = subprocess.run([str(Path(sys.executable).parent / "isp"), "tokens", "create",
                           OPERATOR], cwd=ROOT, env=server_env(url), capture_output=True,
                          text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def targets(url: str) -> tuple[list[str], list[str]]:
    """Main pages (operator navigation, details and the household page's tabs) and every
    parameterless API list."""
    from sqlalchemy import select

    from isp import create_app
    from isp.auth import access_matrix
    from isp.extensions import db
    from isp.nav import nav_for
    from isp.registry import household_tabs
    from subscribers.models import Household

    app = create_app("default", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context(), app.test_request_context():
        from flask import url_for

        pages = [url_for(item.endpoint) for item in nav_for("operator")]
        household = db.session.execute(select(Household.id).order_by(Household.id.desc())
                                       .limit(1)).scalar()
    pages += ["/buildings/PB", f"/households/{household}", "/households?q=Martin",
              "/households?page=100"]
    # the household page's tabs: the sections it reads on request (isp.registry.HouseholdTab)
    pages += [f"/households/{household}/{tab.slug}" for tab in household_tabs()]
    apis = [rule for rule, _endpoint, methods, access in access_matrix(app)
            if rule.startswith("/api/") and "GET" in methods and "<" not in rule
            and access is not None and not access.is_public and "operator" in
            {str(role) for role in access.roles} and not rule.endswith(".json")]
    # the two network reports need a subject: a demo flat's usage, the demo building's uptime
    needs_parameters = {"/api/v1/usage": "?unit=PB-A-01-1&granularity=day",
                        "/api/v1/availability": "?building=PB"}
    apis = [rule + needs_parameters.get(rule, "") for rule in apis]
    return pages, apis


def load(base: str, path: str, headers: dict, users: int, seconds: float,
         warmup: float) -> dict:
    """``users`` closed-loop clients GET ``path`` for ``warmup + seconds``; latency in ms.

    Only the requests that start after the warm-up are counted: the first second sees every
    client open its connection at once and each worker run the URL's queries for the first
    time (statement caches, prepared statements), which is not the steady state of 20 users.
    """
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    measure_from = time.perf_counter() + warmup
    stop_at = measure_from + seconds

    def _user() -> None:
        client = Client(base, headers)
        mine, bad = [], []
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                break
            status, _, _ = client.request("GET", path)
            if started >= measure_from:
                mine.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    bad.append(status)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=_user) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - measure_from
    # quantiles() needs two values; a smoke run may get fewer (then the figures are that one)
    cuts = (statistics.quantiles(latencies, n=100) if len(latencies) > 1
            else latencies * 99 or [float("nan")] * 99)
    return {"path": path, "rps": len(latencies) / elapsed, "count": len(latencies),
            "p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "errors": len(errors),
            "statuses": sorted(set(errors))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5,
                        help="measured seconds per URL (after the warm-up)")
    parser.add_argument("--warmup", type=float, default=1, help="unmeasured seconds per URL")
    parser.add_argument("--workers", type=int, default=2)
    # gunicorn's default synchronous workers, as behind a reverse proxy: each worker takes the
    # next request from the shared socket when it is free, so 20 clients share the 2 workers
    # evenly. Threaded workers keep each keep-alive connection on the worker that accepted it:
    # an uneven split (say 14/6) doubles the latency of the busier worker's clients (p95 150-
    # 210 ms against 110-120 ms for the same pages and the same throughput, measured).
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=2,
                        help="threads per worker (gthread only; the app is CPU-bound Python)")
    parser.add_argument("--only", action="append", default=[],
                        help="only URLs containing this (repeatable)")
    # As deployed (docs/deployment.md): the reverse proxy logs the requests, gunicorn does not.
    parser.add_argument("--access-log", action="store_true",
                        help="gunicorn writes a line per request too")
    parser.add_argument("--reuse-database", action="store_true",
                        help="keep an already scaled database (skip drop, seed and scaling)")
    parser.add_argument("--against", metavar="REF",
                        help="also serve this git revision (its peer) and load each URL on "
                             "both, one after the other, in the same run")
    args = _smoke.parse_args(parser, argv, {"households": 150, "users": 2, "seconds": 0.1,
                                            "warmup": 0.0})
    checks = _smoke.Checks()

    if not args.reuse_database:
        ensure_database(args.database_url)
        seed_database(args.database_url)
    started = time.perf_counter()
    count = scale_demo(args.database_url, args.households)
    print(f"{count} households in the database "
          f"(scaling took {time.perf_counter() - started:.1f} s)")
    log = Path(tempfile.gettempdir()) / "isp-http-load.log"
    # gunicorn runs threaded workers whenever --threads > 1, whatever the worker class
    threads = args.threads if args.worker_class == "gthread" else 1
    process, base = start_server(args.database_url, log, workers=args.workers, threads=threads,
                                 worker_class=args.worker_class, access_log=args.access_log)
    work = Path(tempfile.mkdtemp(prefix="isp-http-load-"))
    peer: tuple[subprocess.Popen, str] | None = None
    tree: Path | None = None
    try:
        if args.against:
            # Imported here: http_instructions imports this module.
            from benchmarks.http_instructions import remove_worktree, worktree

            tree = worktree(args.against, work)
            # The same server, workers and database, the other revision's code: served beside
            # this one, each URL loaded on both in turn (the machine's drift within a run, ±30 %
            # in a quarter of an hour, then falls on both alike).
            peer = start_server(args.database_url, work / "peer.log", workers=args.workers,
                                threads=threads, worker_class=args.worker_class,
                                access_log=args.access_log, code=tree)
        cookie = operator_cookie(base)
        token = api_token(args.database_url)
        pages, apis = targets(args.database_url)
        print(f"gunicorn {args.workers} {args.worker_class} workers × {threads} thread(s), "
              f"{args.users} "
              f"concurrent users, "
              f"{args.seconds:g} s per URL after {args.warmup:g} s of warm-up")
        if peer:
            print(f"| URL | req/s | p95 ms | {args.against} req/s | {args.against} p95 ms | "
                  f"p95 change | errors |")
            print("|---|---:|---:|---:|---:|---:|---:|")
        else:
            print("| URL | req/s | requests | p50 ms | p95 ms | p99 ms | errors |")
            print("|---|---:|---:|---:|---:|---:|---:|")
        worst = 0.0
        peer_cookie = operator_cookie(peer[1]) if peer else ""
        bearer = {"Authorization": f"Bearer {token}"}  # one database: the peer's token too
        rows = ([(p, {"Cookie": cookie}, {"Cookie": peer_cookie}) for p in pages]
                + [(a, bearer, bearer) for a in apis])
        if args.only:
            rows = [row for row in rows if any(part in row[0] for part in args.only)]
        for index, (path, headers, peer_headers) in enumerate(rows):
            if peer:
                # Each revision goes first every other URL.
                turns = [("here", base, headers), ("peer", peer[1], peer_headers)]
                got = {name: load(url, path, sent, args.users, args.seconds, args.warmup)
                       for name, url, sent in (turns if index % 2 == 0 else turns[::-1])}
                row, before = got["here"], got["peer"]
            else:
                row = load(base, path, headers, args.users, args.seconds, args.warmup)
            worst = max(worst, row["p95"])
            errors = f"{row['errors']} {row['statuses']}" if row["errors"] else "0"
            if peer:
                change = 100 * (row["p95"] / before["p95"] - 1) if before["p95"] else 0
                peer_errors = before["errors"]
                print(f"| `{path}` | {row['rps']:.0f} | {row['p95']:.0f} | "
                      f"{before['rps']:.0f} | {before['p95']:.0f} | {change:+.0f} % | "
                      f"{errors}{f' (peer {peer_errors})' if peer_errors else ''} |",
                      flush=True)
            else:
                print(f"| `{path}` | {row['rps']:.0f} | {row['count']} | {row['p50']:.0f} | "
                      f"{row['p95']:.0f} | {row['p99']:.0f} | {errors} |", flush=True)
            checks.check(row["count"] > 0 and not row["errors"],
                         f"{path}: {row['count']} requests, errors {errors}")
        checks.check(bool(rows), "at least one URL to load")
        print(f"\nworst p95: {worst:.0f} ms (target < 200 ms)")
    finally:
        stop_server(process)
        if peer:
            stop_server(peer[0])
        if tree:
            remove_worktree(tree)
        shutil.rmtree(work, ignore_errors=True)
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
