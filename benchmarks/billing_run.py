"""Billing run benchmark: a month's run and issue for N subscriptions, SQLite and PostgreSQL.

Prints, for each database, the time and the peak memory (resident set) of the run (drafts), of
the idempotent re-run, of the issue and of the idempotent re-issue, then the peer measured in
the same run on PostgreSQL: a plain ``INSERT … SELECT`` of the same invoices and lines (fixed
amounts, no rule) into copies of the two tables, the floor the database allows. Targets
(issue 23.4, PostgreSQL, 2-core machine): 100,000 subscriptions run ≤ 10 s and issue ≤ 10 s;
1,000,000 run ≤ 120 s with memory bounded (the run is streamed: its peak does not grow with N).
Exits 1 when the run's own checks fail (one draft per billable subscription, nothing new on
the re-run, every draft issued once, numbers without gaps).

    .venv/bin/python benchmarks/billing_run.py [--subscriptions N] [--pg URL] [--skip-pg]
        [--skip-sqlite] [--smoke]

``--smoke`` (run by the test suite): 200 subscriptions, small windows, same code path.
``--pg`` (alias ``--database-url``) names the PostgreSQL database; its tables are dropped.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _smoke  # noqa: E402

PERIOD = "2026-10"
ISSUED_ON = date(2026, 11, 2)


def _rss_peak_reset() -> None:
    """Start a new peak of resident memory for this process (Linux; else the peak since start)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _rss_mb() -> tuple[float, float]:
    """(current, peak since the last reset) resident memory in MB."""
    try:
        fields = dict(line.split(":", 1) for line in
                      Path("/proc/self/status").read_text().splitlines() if ":" in line)
        return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


def _bulk(db, model, rows: list[dict]) -> None:
    """Insert ``rows``: COPY on PostgreSQL (the columns' Python defaults filled in), else
    executemany."""
    from sqlalchemy import insert

    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(model), rows)
        return
    defaults = {}
    for column in model.__table__.columns:
        if column.name not in rows[0] and column.default is not None:
            arg = column.default.arg
            defaults[column.name] = arg(None) if callable(arg) else arg
    names = [*rows[0], *defaults]
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY {model.__tablename__} ({', '.join(names)}) FROM STDIN") as copy:
        extra = tuple(defaults.values())
        for row in rows:
            copy.write_row((*row.values(), *extra))


def _seed(db, count: int) -> None:
    from sqlalchemy import insert

    from billing.tariffs import ensure_default_grid
    from subscribers.models import Building, District, Household, Subscription, Unit, search_text

    rng = random.Random(2026)
    db.session.execute(insert(District), [{"id": 1, "code": "BENCH", "name": "Bench",
                                           "commune": "Nantes"}])
    db.session.execute(insert(Building), [{"id": 1, "code": "BENCH-B", "name": "Bench",
                                           "address": "1 rue", "postcode": "44000",
                                           "commune": "Nantes", "district_id": 1,
                                           "status": "live"}])
    for start in range(0, count, 20000):
        ids = range(start + 1, min(count, start + 20000) + 1)
        _bulk(db, Unit, [{"id": i, "code": f"BENCH-{i:07d}", "building_id": 1,
                          "staircase": "A", "floor": i % 20, "door": str(i)} for i in ids])
        _bulk(db, Household, [{"id": i, "unit_id": i, "unit_code": f"BENCH-{i:07d}",
                               "holder_name": f"Foyer {i}", "language": "fr",
                               "search_key": search_text(f"Foyer {i}", f"BENCH-{i:07d}"),
                               "moved_in_on": date(2025, 1, 1)} for i in ids])
        rows = []
        for i in ids:
            activated, terminated = date(2025, 6, 1), None
            roll = rng.random()
            if roll < 0.04:   # mid-month activations
                activated = date(2026, 10, 1) + timedelta(days=rng.randrange(31))
            elif roll < 0.07:  # mid-month terminations
                terminated = date(2026, 10, 2) + timedelta(days=rng.randrange(30))
            rows.append({"id": i, "household_id": i, "unit_id": i, "tier": rng.choice(
                ("T1", "T1", "T2", "T3")), "plan_code": "SOLIDAIRE-1G",
                "status": "terminated" if terminated else "active", "activated_on": activated,
                "terminated_on": terminated})
        _bulk(db, Subscription, rows)
    ensure_default_grid()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")


def _timed(db, label: str, action, outcomes: dict) -> dict:
    _rss_peak_reset()
    before, _peak = _rss_mb()
    start = time.perf_counter()
    result = action()
    db.session.commit()
    elapsed = time.perf_counter() - start
    _now, peak = _rss_mb()
    print(f"  {label:<22} {elapsed:7.2f} s  peak RSS {peak:6.0f} MB (+{peak - before:5.0f} MB "
          f"over {before:.0f})  {result}", flush=True)
    outcomes[label] = result
    return {"s": elapsed, "peak_mb": peak, "grew_mb": peak - before}


def _peer(db) -> dict:
    """The same invoices and lines by one plain INSERT … SELECT each (constant amounts, no
    proration, no VAT rule) into copies of the tables with their indexes: PostgreSQL only."""
    if db.engine.dialect.name != "postgresql":
        return {}
    statements = [
        "CREATE TABLE peer_invoices (LIKE invoices INCLUDING DEFAULTS INCLUDING INDEXES)",
        "CREATE TABLE peer_lines (LIKE invoice_lines INCLUDING DEFAULTS INCLUDING INDEXES)",
    ]
    invoices = (
        "INSERT INTO peer_invoices (household_id, period, status, total_cents, vat_cents, "
        "full_cost_cents, paid_cents, holder_name, unit_code, created_at) "
        f"SELECT s.household_id, '{PERIOD}', 'draft', 590, 98, 2500, 0, h.holder_name, u.code, "
        "now() FROM subscriptions s JOIN households h ON h.id = s.household_id "
        "JOIN units u ON u.id = s.unit_id ORDER BY s.household_id")
    lines = (
        "INSERT INTO peer_lines (invoice_id, subscription_id, period, tier, plan_code, days, "
        "days_in_month, unit_price_cents, amount_cents, full_cost_cents) "
        f"SELECT i.id, s.id, '{PERIOD}', s.tier, s.plan_code, 31, 31, 590, 590, 2500 "
        "FROM subscriptions s JOIN peer_invoices i ON i.household_id = s.household_id "
        "ORDER BY s.household_id, s.id")
    with db.engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    start = time.perf_counter()
    with db.engine.begin() as connection:
        connection.exec_driver_sql(invoices)
        connection.exec_driver_sql(lines)
    elapsed = time.perf_counter() - start
    print(f"  {'peer: INSERT … SELECT':<22} {elapsed:7.2f} s  (same rows, no rule)", flush=True)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE peer_lines, peer_invoices")
    return {"s": elapsed}


def _target(count: int) -> float:
    """Issue 23.4: 10 s up to 100,000 subscriptions, 120 s for 1,000,000 (linear between)."""
    return 10.0 if count <= 100_000 else 120.0 * count / 1_000_000


def bench(url: str, count: int, checks: _smoke.Checks, batch: int | None) -> dict:
    from isp import create_app, load_all_models
    from isp.extensions import db

    app = create_app("default", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        load_all_models()
        db.drop_all()
        db.create_all()
        from billing import runs
        from billing.models import Invoice

        start = time.perf_counter()
        _seed(db, count)
        name = db.engine.dialect.name
        print(f"{name}: {count} subscriptions seeded in {time.perf_counter() - start:.1f} s; "
              f"load average {Path('/proc/loadavg').read_text().split(' ', 3)[:3]}", flush=True)
        billable = count  # by construction every subscription has days in the period
        windows = {"batch_size": batch} if batch else {}

        def summary(result):
            return {k: getattr(result, k) for k in ("invoices", "lines", "issued", "skipped")
                    if hasattr(result, k)}

        out: dict = {}
        figures = {
            "run": _timed(db, "run (drafts)", lambda: summary(
                runs.prepare_invoices(PERIOD, actor=None, **windows)), out),
            "rerun": _timed(db, "idempotent re-run", lambda: summary(
                runs.prepare_invoices(PERIOD, actor=None, **windows)), out),
            "issue": _timed(db, "issue (numbering)", lambda: summary(
                runs.issue_invoices(PERIOD, actor=None, issued_on=ISSUED_ON)), out),
            "reissue": _timed(db, "idempotent re-issue", lambda: summary(
                runs.issue_invoices(PERIOD, actor=None, issued_on=ISSUED_ON)), out),
        }
        figures["peer"] = _peer(db)
        figures["load"] = Path("/proc/loadavg").read_text().split(" ", 3)[:3]
        drafts = out["run (drafts)"].get("invoices")
        checks.check(drafts == billable and billable > 0,
                     f"{name}: {drafts} drafts for {billable} billable subscriptions")
        checks.check(out["run (drafts)"].get("lines") == billable,
                     f"{name}: one line per subscription ({out['run (drafts)']})")
        checks.check(out["idempotent re-run"].get("invoices") == 0
                     and out["idempotent re-run"].get("lines") == 0,
                     f"{name}: the re-run adds nothing ({out['idempotent re-run']})")
        checks.check(out["issue (numbering)"].get("issued") == drafts,
                     f"{name}: every draft issued ({out['issue (numbering)']})")
        checks.check(out["idempotent re-issue"].get("issued") == 0,
                     f"{name}: the re-issue issues nothing ({out['idempotent re-issue']})")
        from sqlalchemy import func, select

        from billing.numbering import format_number

        # Distinct, the first and the last: no gap (a number past 999999 has seven digits).
        numbers = db.session.execute(select(
            func.count(func.distinct(Invoice.number)),
            func.count().filter(Invoice.number.in_([format_number("FA", 2026, 1),
                                                    format_number("FA", 2026, billable)])))).one()
        checks.check(tuple(numbers) == (billable, 2),
                     f"{name}: numbers FA-2026-000001 … {format_number('FA', 2026, billable)} "
                     f"without gap or twice ({tuple(numbers)})")
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", "--count", dest="count", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=None,
                        help="subscriptions per window of the run (billing.runs default)")
    parser.add_argument("--pg", "--database-url", dest="pg", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_billing"))
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = _smoke.parse_args(parser, argv, {"count": 200, "batch": 50})
    checks = _smoke.Checks()
    results = {}
    if not args.skip_sqlite:
        sqlite_path = Path(tempfile.gettempdir()) / f"bench_billing_{os.getpid()}.sqlite"
        results["sqlite"] = bench(f"sqlite:///{sqlite_path}", args.count, checks, args.batch)
        sqlite_path.unlink(missing_ok=True)
    if not args.skip_pg:
        from benchmarks.http_load import ensure_database

        ensure_database(args.pg)  # its own database, made afresh (never a test database)
        results["postgresql"] = bench(args.pg, args.count, checks, args.batch)
    target = _target(args.count)
    for name, figures in results.items():
        run, issue = figures["run"], figures["issue"]
        verdict = "OK" if run["s"] <= target and issue["s"] <= target else "OVER TARGET"
        peer = f", peer INSERT … SELECT {figures['peer']['s']:.2f} s" if figures["peer"] else ""
        print(f"{name}: run {run['s']:.2f} s (target < {target:g}), re-run "
              f"{figures['rerun']['s']:.2f} s (target < 10), issue {issue['s']:.2f} s, "
              f"re-issue {figures['reissue']['s']:.2f} s — {verdict}; {args.count} "
              f"subscriptions; peak RSS run {run['peak_mb']:.0f} MB (+{run['grew_mb']:.0f}), "
              f"issue {issue['peak_mb']:.0f} MB (+{issue['grew_mb']:.0f}){peer}; "
              f"load {' '.join(figures['load'])}")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
