"""CSV import benchmark: 100,000 flats, then 100,000 households, validated and imported.

Builds a fresh database with one district and 1,000 buildings, then times ``run_import``
(the code path of ``isp import`` and of the import page: every row validated by the domain's
rules, all or nothing) on generated files: ``units`` (100 flats per building) and
``households`` (one per flat), each committed; then a ``units`` file whose every row is bad
(flat codes already taken), rejected whole with the first 100 errors listed and the rest
counted. The peer is the floor of any import: the same flats and households written by a plain
``executemany`` (SQLAlchemy Core ``insert``, no validation) into an empty copy of the tables.
Target: 100,000 rows validated and imported in under 30 s. Exits 1 when a check fails (rows
missing, a rejected file that wrote something, more than 100 errors listed).

    .venv/bin/python -m benchmarks.csv_import [--database-url URL] [--rows 100000] [--smoke]

``--smoke`` (run by the test suite): 300 rows; seconds.

Default database: a throw-away SQLite file. PostgreSQL: ``--database-url
postgresql://postgres@127.0.0.1:5432/bench_import`` (created beforehand with createdb; its
tables are dropped and recreated).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _smoke  # noqa: E402

FLATS_PER_BUILDING = 100
#: CPU seconds of this process per kind (the machine may be loaded: wall time varies more)
CPU: dict[str, float] = {}
LANGUAGES = ("fr", "ar", "en", "tr")


def _units_csv(rows: int) -> bytes:
    lines = ["building_code,unit_code,staircase,floor,door"]
    for number in range(rows):
        building = number // FLATS_PER_BUILDING
        lines.append(f"BAT{building:05d},BAT{building:05d}-{number:06d},"
                     f"{'ABCD'[number % 4]},{number % 12},{number % 8 + 1}")
    return ("\n".join(lines) + "\n").encode()


def _households_csv(rows: int) -> bytes:
    lines = ["unit_code,holder_name,phone,email,size,language,needs,moved_in_on"]
    for number in range(rows):
        building = number // FLATS_PER_BUILDING
        lines.append(f"BAT{building:05d}-{number:06d},Foyer {number},06 12 34 {number % 100:02d}"
                     f" {number // 100 % 100:02d},foyer{number}@example.org,{number % 6 + 1},"
                     f"{LANGUAGES[number % 4]},online_admin;email,2025-{number % 12 + 1:02d}-01")
    return ("\n".join(lines) + "\n").encode()


def _seed(db, rows: int) -> None:
    from subscribers.models import Building, District

    district = District(code="BENCH", name="Quartier banc d'essai", commune="Nantes")
    db.session.add(district)
    db.session.flush()
    buildings = max(1, -(-rows // FLATS_PER_BUILDING))
    db.session.execute(db.insert(Building), [
        {"code": f"BAT{b:05d}", "name": f"Immeuble {b}", "address": f"{b} rue du Banc",
         "postcode": "44300", "commune": "Nantes", "district_id": district.id,
         "status": "live"} for b in range(buildings)])
    db.session.commit()


def _timed_import(db, kind: str, data: bytes) -> tuple[float, object]:
    """Wall-clock seconds and the outcome; the process's CPU seconds go to ``CPU[kind]``."""
    from isp.csvimport import ImportRejected, run_import

    cpu = time.process_time()
    started = time.perf_counter()
    try:
        result: object = run_import(kind, data, actor=None)
        db.session.commit()
    except ImportRejected as rejected:
        db.session.rollback()
        result = rejected
    CPU[kind] = CPU.get(kind, 0.0) + time.process_time() - cpu
    return time.perf_counter() - started, result


def _peer_executemany(db, rows: int) -> float:
    """Plain executemany of the same flats and households into empty copies of the tables."""
    from sqlalchemy import MetaData, Table, insert, select

    from subscribers.models import Building, Household, Unit

    db.session.commit()  # the SQLite write lock goes to the DDL below
    metadata = MetaData()
    units = Table("peer_units", metadata, *[c._copy() for c in Unit.__table__.columns])
    households = Table("peer_households", metadata,
                       *[c._copy() for c in Household.__table__.columns])
    metadata.drop_all(db.engine)
    metadata.create_all(db.engine)
    from isp.timeutil import utcnow
    from subscribers.models import search_text

    started = time.perf_counter()
    building_ids = dict(db.session.execute(select(Building.code, Building.id)).all())
    now = utcnow()
    db.session.execute(insert(units), [
        {"id": number + 1, "code": f"BAT{number // FLATS_PER_BUILDING:05d}-{number:06d}",
         "building_id": building_ids[f"BAT{number // FLATS_PER_BUILDING:05d}"],
         "staircase": "ABCD"[number % 4], "floor": number % 12, "door": str(number % 8 + 1)}
        for number in range(rows)])
    from datetime import date

    db.session.execute(insert(households), [
        {"unit_id": number + 1, "holder_name": f"Foyer {number}",
         "search_key": search_text(f"Foyer {number}"),
         "unit_code": f"BAT{number // FLATS_PER_BUILDING:05d}-{number:06d}",
         "phone": "0612340000", "email": f"foyer{number}@example.org", "size": number % 6 + 1,
         "language": LANGUAGES[number % 4], "needs": "online_admin;email",
         "moved_in_on": date(2025, number % 12 + 1, 1), "created_at": now}
        for number in range(rows)])
    db.session.commit()
    elapsed = time.perf_counter() - started
    metadata.drop_all(db.engine)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=100_000)
    args = _smoke.parse_args(parser, argv, {"rows": 300})
    checks = _smoke.Checks()
    path = None
    if args.database_url:
        url = args.database_url
        if url.startswith("postgresql"):
            from benchmarks.http_load import ensure_database

            ensure_database(url)  # its own database, made afresh (never a test database)
    else:
        path = Path(tempfile.gettempdir()) / f"bench_import_{os.getpid()}.sqlite"
        url = f"sqlite:///{path}"

    from sqlalchemy import func, select

    from isp import create_app, load_all_models
    from isp.csvimport import MAX_LISTED_ERRORS, ImportRejected, ImportResult
    from isp.extensions import db
    from subscribers.models import Household, Unit

    app = create_app("default", SQLALCHEMY_DATABASE_URI=url, TESTING=True)
    try:
        with app.app_context():
            load_all_models()
            db.drop_all()
            db.create_all()
            _seed(db, args.rows)
            dialect = db.engine.dialect.name
            units_csv, households_csv = _units_csv(args.rows), _households_csv(args.rows)
            print(f"{dialect}: {args.rows} rows per file "
                  f"(units {len(units_csv) / 1e6:.1f} MB, households "
                  f"{len(households_csv) / 1e6:.1f} MB)", flush=True)

            units_s, units = _timed_import(db, "units", units_csv)
            units_cpu = CPU["units"]
            checks.check(isinstance(units, ImportResult) and units.rows == args.rows,
                         f"units imported: {units}")
            households_s, households = _timed_import(db, "households", households_csv)
            checks.check(isinstance(households, ImportResult) and households.rows == args.rows,
                         f"households imported: {households}")
            stored = (db.session.execute(select(func.count(Unit.id))).scalar_one(),
                      db.session.execute(select(func.count(Household.id))).scalar_one())
            checks.check(stored == (args.rows, args.rows), f"stored flats, households {stored}")

            bad_s, bad = _timed_import(db, "units", units_csv)
            rejected = bad if isinstance(bad, ImportRejected) else None
            checks.check(rejected is not None, "the file of taken flat codes is rejected")
            listed = len(rejected.errors) if rejected else 0
            total = rejected.total if rejected else 0
            checks.check(listed == min(args.rows, MAX_LISTED_ERRORS) and total == args.rows,
                         f"errors listed {listed}, counted {total}")
            checks.check(db.session.execute(select(func.count(Unit.id))).scalar_one()
                         == args.rows, "the rejected file wrote nothing")
            report = "\n".join(str(error) for error in (rejected.errors if rejected else []))
            peer_s = _peer_executemany(db, args.rows)
    finally:
        if path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    print(f"import units: {args.rows} rows in {units_s:.1f} s "
          f"({args.rows / units_s:,.0f} rows/s; target < 30 s), CPU {units_cpu:.1f} s")
    print(f"import households: {args.rows} rows in {households_s:.1f} s "
          f"({args.rows / households_s:,.0f} rows/s; target < 30 s), "
          f"CPU {CPU['households']:.1f} s")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} cores)")
    print(f"rejected units file: {args.rows} bad rows in {bad_s:.1f} s, "
          f"{listed} listed + {total - listed} counted, report {len(report.encode()) / 1e3:.1f} KB")
    print(f"peer: plain executemany of the same flats and households (no validation) "
          f"{peer_s:.1f} s; import/peer {(units_s + households_s) / peer_s:.1f}×")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
