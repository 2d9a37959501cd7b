"""Evaluation benchmark: district dashboard and open-data export at metropolis scale.

Builds a fresh database with 10,000 households (250 buildings of 40 flats in 25 districts),
1,000 switches (4 per building) and one year of daily usage per subscription (3.65 million
``usage_days`` rows), refreshes the monthly aggregates, then prints the server time (Flask test
client, in process: no network; uncached and cached) of the district dashboard and of the
open-data exports.
Target: district dashboard under 300 ms (it reads the precomputed aggregates only). Exits 1
when a page does not answer HTTP 200 or the refresh computes no figures.

    .venv/bin/python -m benchmarks.dashboard [--database-url URL] [--households 10000]
        [--days 365] [--runs 20] [--smoke]

``--smoke`` (run by the test suite): 80 households, 40 days, 2 requests per URL; seconds.

Default database: a throw-away SQLite file. PostgreSQL: ``--database-url
postgresql://postgres@127.0.0.1:5432/bench_evaluation`` (created beforehand with createdb; its
tables are dropped and recreated).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _smoke  # noqa: E402

FLATS_PER_BUILDING = 40
BUILDINGS_PER_DISTRICT = 10
SWITCHES_PER_BUILDING = 4


def _timed(client, url: str, runs: int, *, cached: bool) -> tuple[float, float, int, int]:
    """Median and max server time in ms over ``runs`` requests, status, body size.

    Uncached: the charts/exports cache (kept until the next refresh) is emptied before each
    request, so every request reads the aggregates and renders everything.
    """
    from evaluation import views

    times, response = [], None
    client.get(url)  # warm-up (template compilation)
    for _ in range(runs):
        if not cached:
            views._CHARTS.items.clear()
            views._EXPORTS.items.clear()
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), response.status_code, len(response.data)


def _generate(db, households: int, days: int) -> None:
    from sqlalchemy import insert

    from network.models import Device, UsageDay
    from subscribers.models import (
        Building,
        District,
        Household,
        Subscription,
        Unit,
        search_text,
    )

    rng = random.Random(10_000)
    buildings = households // FLATS_PER_BUILDING
    districts = max(1, buildings // BUILDINGS_PER_DISTRICT)
    now = datetime.now(UTC)
    db.session.execute(insert(District), [
        {"id": d + 1, "code": f"BD{d:03d}", "name": f"Quartier {d}", "commune": "Nantes"}
        for d in range(districts)])
    db.session.execute(insert(Building), [
        {"id": b + 1, "code": f"BB{b:04d}", "name": f"Immeuble {b}", "address": "fictive",
         "postcode": "44000", "commune": "Nantes", "district_id": b % districts + 1,
         "status": "live"} for b in range(buildings)])
    db.session.execute(insert(Device), [
        {"id": b * SWITCHES_PER_BUILDING + s + 1, "building_id": b + 1,
         "hostname": f"bsw-{b:04d}-{s}", "mgmt_address": "192.0.2.1",
         "role": "aggregation" if s == 0 else "access", "power_watts": 30.0,
         "embodied_kgco2e": 250.0, "lifecycle_state": "in_service"}
        for b in range(buildings) for s in range(SWITCHES_PER_BUILDING)])
    units, people, subs = [], [], []
    start_day = now.date() - timedelta(days=days)
    for index in range(households):
        building = index // FLATS_PER_BUILDING
        units.append({"id": index + 1, "code": f"BU{index:05d}", "building_id": building + 1,
                      "staircase": "A", "floor": index % 10, "door": str(index % 4)})
        people.append({"id": index + 1, "unit_id": index + 1, "holder_name": "Fictif",
                       "unit_code": f"BU{index:05d}",
                       "search_key": search_text("Fictif", f"BU{index:05d}"),
                       "language": "fr", "moved_in_on": date(2015, 1, 1), "created_at": now})
        subs.append({"id": index + 1, "household_id": index + 1, "unit_id": index + 1,
                     "plan_code": "SOLIDAIRE-1G", "tier": rng.choice(("T1", "T2", "T3")),
                     "status": "active", "created_at": now,
                     "activated_on": start_day + timedelta(days=rng.randint(0, 60))})
    db.session.execute(insert(Unit), units)
    db.session.execute(insert(Household), people)
    db.session.execute(insert(Subscription), subs)
    db.session.commit()
    batch = []
    for offset in range(days):
        day = start_day + timedelta(days=offset)
        for sub in range(1, households + 1):
            batch.append({"subscription_id": sub, "day": day,
                          "download_octets": rng.randint(10**8, 5 * 10**9),
                          "upload_octets": rng.randint(10**7, 5 * 10**8)})
        if len(batch) >= 200_000:
            db.session.execute(insert(UsageDay), batch)
            db.session.commit()
            batch = []
    if batch:
        db.session.execute(insert(UsageDay), batch)
    db.session.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=20)
    args = _smoke.parse_args(parser, argv, {"households": 80, "days": 40, "runs": 2})
    checks = _smoke.Checks()
    path = None
    if args.database_url:
        url = args.database_url
        if url.startswith("postgresql"):
            from benchmarks.http_load import ensure_database

            ensure_database(url)  # its own database, made afresh (never a test database)
    else:
        path = Path(tempfile.gettempdir()) / f"bench_evaluation_{os.getpid()}.sqlite"
        url = f"sqlite:///{path}"

    from isp import create_app, load_all_models
    from isp.extensions import db

    app = create_app("default", SQLALCHEMY_DATABASE_URI=url, TESTING=True,
                     WTF_CSRF_ENABLED=False, THROTTLE_ENABLED=False)
    with app.app_context():
        load_all_models()
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        _generate(db, args.households, args.days)
        print(f"generated {args.households} households, "
              f"{args.households // FLATS_PER_BUILDING * SWITCHES_PER_BUILDING} switches, "
              f"{args.households * args.days} usage days in {time.perf_counter() - started:.0f} s"
              f" ({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]})")
        from evaluation.aggregates import refresh
        from isp.auth import SESSION_ID_KEY, start_session
        from isp.services import create_user

        started = time.perf_counter()
        summary = refresh()
        db.session.commit()
        print(f"refresh: {summary['periods']} months, {summary['scopes']} buildings/districts, "
              f"{summary['rows']} figures in {time.perf_counter() - started:.1f} s")
        checks.check(summary["rows"] > 0, f"refresh computed {summary['rows']} figures")
        user = create_user("bench-analyst@example.org", "analyst", password="Bench-2026-pass!",
                           name="Bench")
        session_id = start_session(user)  # pages need a live server-side session
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session[SESSION_ID_KEY] = session_id
    district_ms = None
    for label, url in (
            ("district dashboard", "/evaluation?level=district&code=BD000"),
            ("building dashboard", "/evaluation?level=building&code=BB0000"),
            ("open data CSV", "/open-data/aggregates.csv"),
            ("open data JSON", "/open-data/aggregates.json")):
        for cached in (False, True):
            median, worst, status, size = _timed(client, url, args.runs, cached=cached)
            print(f"{label:20} {'cached' if cached else 'uncached':8} median {median:7.1f} ms"
                  f"  max {worst:7.1f} ms  HTTP {status}  {size / 1000:.0f} kB")
            checks.check(status == 200 and size > 0, f"{label} ({url}): HTTP {status}, "
                         f"{size} bytes")
            if label == "district dashboard" and not cached:
                district_ms = median
    if district_ms is not None:
        print(f"district dashboard uncached median {district_ms:.1f} ms (target < 300 ms) — "
              f"{'OK' if district_ms < 300 else 'OVER TARGET'}")
    if path is not None and path.exists():
        path.unlink()
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
