"""Billing run benchmark: 100,000 active subscriptions on SQLite and PostgreSQL.

Prints the time of the full run (drafts), of the idempotent re-run, of the issue and of the
idempotent re-issue. Targets on the 2-core machine: run < 60 s, re-run < 10 s. Exits 1 when
the run's own checks fail (one draft per billable subscription, nothing new on the re-run,
every draft issued once).

    .venv/bin/python benchmarks/billing_run.py [--count N] [--pg postgresql://.../bench_billing]
        [--skip-pg] [--smoke]

``--smoke`` (run by the test suite): 200 subscriptions, same code path, a few seconds.
``--pg`` (alias ``--database-url``) names the PostgreSQL database; its tables are dropped.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _smoke  # noqa: E402

PERIOD = "2026-10"


def _seed(db, count: int) -> None:
    from sqlalchemy import insert

    from billing.services import ensure_default_grid
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
        db.session.execute(insert(Unit), [{"id": i, "code": f"BENCH-{i:06d}", "building_id": 1,
                                           "staircase": "A", "floor": i % 20,
                                           "door": str(i)} for i in ids])
        db.session.execute(insert(Household), [{"id": i, "unit_id": i,
                                                "unit_code": f"BENCH-{i:06d}",
                                                "holder_name": f"Foyer {i}", "language": "fr",
                                                "search_key": search_text(
                                                    f"Foyer {i}", f"BENCH-{i:06d}"),
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
        db.session.execute(insert(Subscription), rows)
    ensure_default_grid()
    db.session.commit()


def _timed(db, label: str, action, outcomes: dict) -> float:
    start = time.perf_counter()
    result = action()
    db.session.commit()
    elapsed = time.perf_counter() - start
    print(f"  {label:<22} {elapsed:7.2f} s  {result}")
    outcomes[label] = result
    return elapsed


def bench(url: str, count: int, checks: _smoke.Checks) -> dict:
    from isp import create_app, load_all_models
    from isp.extensions import db

    app = create_app("default", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        load_all_models()
        db.drop_all()
        db.create_all()
        from billing import services

        start = time.perf_counter()
        _seed(db, count)
        name = db.engine.dialect.name
        print(f"{name}: {count} subscriptions seeded in {time.perf_counter() - start:.1f} s")
        billable = count  # by construction every subscription has days in the period

        def summary(result):
            return {k: getattr(result, k) for k in ("invoices", "lines", "issued", "skipped")
                    if hasattr(result, k)}

        out: dict = {}
        figures = {
            "run": _timed(db, "run (drafts)", lambda: summary(
                services.prepare_invoices(PERIOD, actor=None)), out),
            "rerun": _timed(db, "idempotent re-run", lambda: summary(
                services.prepare_invoices(PERIOD, actor=None)), out),
            "issue": _timed(db, "issue (numbering)", lambda: summary(
                services.issue_invoices(PERIOD, actor=None, issued_on=date(2026, 11, 2))), out),
            "reissue": _timed(db, "idempotent re-issue", lambda: summary(
                services.issue_invoices(PERIOD, actor=None, issued_on=date(2026, 11, 2))), out),
        }
        drafts = out["run (drafts)"].get("invoices")
        checks.check(drafts == billable and billable > 0,
                     f"{name}: {drafts} drafts for {billable} billable subscriptions")
        checks.check(out["idempotent re-run"].get("invoices") == 0
                     and out["idempotent re-run"].get("lines") == 0,
                     f"{name}: the re-run adds nothing ({out['idempotent re-run']})")
        checks.check(out["issue (numbering)"].get("issued") == drafts,
                     f"{name}: every draft issued ({out['issue (numbering)']})")
        checks.check(out["idempotent re-issue"].get("issued") == 0,
                     f"{name}: the re-issue issues nothing ({out['idempotent re-issue']})")
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--pg", "--database-url", dest="pg", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_billing"))
    parser.add_argument("--skip-pg", action="store_true")
    args = _smoke.parse_args(parser, argv, {"count": 200})
    checks = _smoke.Checks()
    sqlite_path = Path(tempfile.gettempdir()) / f"bench_billing_{os.getpid()}.sqlite"
    results = {"sqlite": bench(f"sqlite:///{sqlite_path}", args.count, checks)}
    sqlite_path.unlink(missing_ok=True)
    if not args.skip_pg:
        results["postgresql"] = bench(args.pg, args.count, checks)
    for name, figures in results.items():
        verdict = "OK" if figures["run"] < 60 and figures["rerun"] < 10 else "OVER TARGET"
        print(f"{name}: run {figures['run']:.2f} s (target < 60), re-run "
              f"{figures['rerun']:.2f} s (target < 10), issue {figures['issue']:.2f} s, "
              f"re-issue {figures['reissue']:.2f} s — {verdict}")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
