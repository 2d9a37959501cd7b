"""Usage store benchmark (issue 23.2): disk per switch-year, the roll-up of a month, the pages.

Builds a fresh database with ``--switches`` switches of ``--ports`` ports (one flat, household
and active subscription per port) and ``--days`` finished days of hourly port usage (every port
every hour: the 4.2-billion-rows-a-year assumption), written into the partitioned
``usage_hours`` and, as the peer in the same run, into ``usage_hours_flat`` — the table as it
was before (surrogate key, unique (port, hour), two B-tree indexes, no partitions). Prints:

* disk: bytes per hourly row of both tables, measured on the sample, and the extrapolation to
  a switch-year and to 10,000 switches (``--target-switches``); PostgreSQL only (SQLite: none);
* the roll-up job (``network.usage_store.roll_up``) over the sample's days, and the same
  INSERT … SELECT on the flat table, extrapolated linearly to a month at the target size;
* the server time (Flask test client, in process) of the household usage page, the port page
  (a year by month across the hourly window) and the building page (target ≤ 100 ms), and the
  pages' hour queries on both tables;
* the retention: dropping the sample's partitions versus deleting the same rows (peer).

The sample is smaller than the target: index lookups and partition pruning grow with the
logarithm of the rows, so the page times are measured, not extrapolated (say so when quoting).

    .venv/bin/python -m benchmarks.usage_store --database-url postgresql://…/bench_usage
        [--switches 100] [--ports 48] [--days 31] [--runs 20] [--smoke]

``--smoke`` (run by the test suite): 2 switches of 4 ports, 3 days, 2 requests per page.
Default database: a throw-away SQLite file (its tables are dropped and recreated); a PostgreSQL
``--database-url`` is dropped and created afresh (a name starting with "test" is refused).
"""

from __future__ import annotations

import argparse
import os
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

HOURS_PER_YEAR = 8760
KEPT_HOURLY_DAYS = 90 + 31  # the window, plus at most a month until its partition is dropped


def _load() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def _flat_table(metadata):
    from sqlalchemy import (
        BigInteger,
        Column,
        DateTime,
        ForeignKey,
        Index,
        Integer,
        Table,
        UniqueConstraint,
    )

    return Table("usage_hours_flat", metadata,
                 Column("id", Integer, primary_key=True),
                 Column("port_id", Integer, ForeignKey("ports.id"), nullable=False),
                 Column("hour", DateTime(timezone=True), nullable=False),
                 Column("octets_in", BigInteger, nullable=False),
                 Column("octets_out", BigInteger, nullable=False),
                 UniqueConstraint("port_id", "hour"),
                 Index("ix_usage_hours_flat_port_id", "port_id"),
                 Index("ix_usage_hours_flat_hour", "hour"))


def _generate(db, switches: int, ports: int) -> None:
    from sqlalchemy import insert

    from network.models import Device, Port
    from subscribers.models import Building, District, Household, Subscription, Unit, search_text

    now = datetime.now(UTC)
    db.session.execute(insert(District), [{"id": 1, "code": "UD001", "name": "Quartier",
                                           "commune": "Nantes"}])
    db.session.execute(insert(Building), [
        {"id": b + 1, "code": f"UB{b:05d}", "name": f"Immeuble {b}", "address": "fictive",
         "postcode": "44000", "commune": "Nantes", "district_id": 1, "status": "live"}
        for b in range(switches)])
    db.session.execute(insert(Device), [
        {"id": b + 1, "building_id": b + 1, "hostname": f"usw-{b:05d}",
         "mgmt_address": "192.0.2.1", "role": "access", "lifecycle_state": "in_service"}
        for b in range(switches)])
    units, people, subs, port_rows = [], [], [], []
    for index in range(switches * ports):
        building = index // ports
        code = f"UU{index:07d}"
        units.append({"id": index + 1, "code": code, "building_id": building + 1,
                      "staircase": "A", "floor": index % 10, "door": str(index % ports)})
        people.append({"id": index + 1, "unit_id": index + 1, "holder_name": "Fictif",
                       "unit_code": code, "search_key": search_text("Fictif", code),
                       "language": "fr", "moved_in_on": date(2015, 1, 1), "created_at": now})
        subs.append({"id": index + 1, "household_id": index + 1, "unit_id": index + 1,
                     "plan_code": "SOLIDAIRE-1G", "tier": "T2", "status": "active",
                     "created_at": now, "activated_on": date(2020, 1, 1)})
        port_rows.append({"id": index + 1, "device_id": building + 1,
                          "if_index": index % ports + 1, "if_name": f"Gi1/0/{index % ports + 1}",
                          "unit_id": index + 1, "speed_bps": 1_000_000_000})
    for model, rows in ((Unit, units), (Household, people), (Subscription, subs),
                        (Port, port_rows)):
        for start in range(0, len(rows), 20_000):
            db.session.execute(insert(model), rows[start:start + 20_000])
    db.session.commit()


def _fill_hours(db, flat, first: date, days: int, postgres: bool) -> int:
    """Hourly rows for every port and hour of the days; the same rows into the flat peer."""
    from sqlalchemy import insert, select, text

    from isp.timeutil import start_of_day
    from network import usage_store
    from network.models import Port, UsageHour

    lo, hi = start_of_day(first), start_of_day(first + timedelta(days=days))
    if postgres:
        month = first.replace(day=1)
        while usage_store.partition_for(month).start < hi:
            if usage_store.partition_for(month).name not in {
                    p.name for p in usage_store.partitions()}:
                usage_store._create_partition(usage_store.partition_for(month))
            month = usage_store._add_months(month, 1)
        db.session.execute(text(
            "INSERT INTO usage_hours (port_id, hour, octets_in, octets_out) "
            "SELECT p.id, h, (p.id * 7919 + extract(epoch FROM h)::bigint / 3600 * 104729) "
            "% 50000000, (p.id * 104729 + extract(epoch FROM h)::bigint / 3600 * 7919) "
            "% 900000000 FROM ports p CROSS JOIN generate_series(CAST(:lo AS timestamptz), "
            "CAST(:hi AS timestamptz) - interval '1 hour', interval '1 hour') h "
            "ORDER BY h, p.id"),  # in time order, as the poller writes them
            {"lo": lo, "hi": hi})
    else:
        port_ids = db.session.execute(select(Port.id)).scalars().all()
        batch = []
        hour = lo
        while hour < hi:
            stamp = int(hour.timestamp()) // 3600
            batch.extend({"port_id": p, "hour": hour, "octets_in": (p * 7919 + stamp * 104729)
                          % 50_000_000, "octets_out": (p * 104729 + stamp * 7919) % 900_000_000}
                         for p in port_ids)
            if len(batch) >= 50_000:
                db.session.execute(insert(UsageHour), batch)
                batch = []
            hour += timedelta(hours=1)
        if batch:
            db.session.execute(insert(UsageHour), batch)
    db.session.execute(insert(flat).from_select(
        ["port_id", "hour", "octets_in", "octets_out"],
        select(UsageHour.port_id, UsageHour.hour, UsageHour.octets_in, UsageHour.octets_out)))
    db.session.commit()
    return db.session.scalar(select(__import__("sqlalchemy").func.count())
                             .select_from(UsageHour))


def _fill_days(db, first: date, days: int) -> None:
    """The subscription and building days the poller writes with the hours."""
    from sqlalchemy import text

    for table, key in (("usage_days", "subscription_id"), ("building_usage_days",
                                                           "building_id")):
        source = ("SELECT s.id AS k, p.id AS port FROM subscriptions s JOIN ports p "
                  "ON p.unit_id = s.unit_id" if key == "subscription_id" else
                  "SELECT d.building_id AS k, p.id AS port FROM devices d JOIN ports p "
                  "ON p.device_id = d.id")
        for offset in range(days):
            day = first + timedelta(days=offset)
            db.session.execute(text(
                f"INSERT INTO {table} ({key}, day, download_octets, upload_octets) "
                f"SELECT k, :day, sum(12000000 + port * 31), sum(1200000 + port * 7) "
                f"FROM ({source}) src GROUP BY k"), {"day": day})
    db.session.commit()


def _disk(db, flat_rows: int) -> dict[str, float] | None:
    from sqlalchemy import text

    if db.session.get_bind().dialect.name != "postgresql":
        return None
    db.session.execute(text("ANALYZE usage_hours"))
    db.session.execute(text("ANALYZE usage_hours_flat"))
    partitioned = db.session.scalar(text(
        "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('usage_hours')"))
    flat = db.session.scalar(text("SELECT pg_total_relation_size('usage_hours_flat')"))
    days = db.session.scalar(text("SELECT pg_total_relation_size('port_usage_days')"))
    day_rows = db.session.scalar(text("SELECT count(*) FROM port_usage_days"))
    return {"hour_row": float(partitioned) / flat_rows, "flat_row": float(flat) / flat_rows,
            "day_row": float(days) / max(day_rows, 1)}


def _median_ms(action, runs: int) -> float:
    action()  # warm-up
    times = []
    for index in range(runs):
        start = time.perf_counter()
        action(index)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:  # noqa: C901 - one linear report
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--switches", type=int, default=100)
    parser.add_argument("--ports", type=int, default=48)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--target-switches", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = _smoke.parse_args(parser, argv, {"switches": 2, "ports": 4, "days": 3, "runs": 2})
    checks = _smoke.Checks()
    path = None
    if args.database_url:
        url = args.database_url
        if url.startswith("postgresql"):
            from benchmarks.http_load import ensure_database

            ensure_database(url)  # its own database, made afresh (never a test database)
    else:
        path = Path(tempfile.gettempdir()) / f"bench_usage_{os.getpid()}.sqlite"
        url = f"sqlite:///{path}"

    from sqlalchemy import MetaData, func, select, text

    from isp import create_app, load_all_models
    from isp.extensions import db
    from isp.timeutil import local_date, start_of_day

    app = create_app("default", SQLALCHEMY_DATABASE_URI=url, TESTING=True,
                     WTF_CSRF_ENABLED=False, THROTTLE_ENABLED=False)
    flat = _flat_table(MetaData())
    print(f"load average at start: {_load()}")
    with app.app_context():
        load_all_models()
        from network import usage_store
        from network.models import Port, PortUsageDay, UsageHour

        postgres = db.engine.dialect.name == "postgresql"
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS usage_hours_flat"))
            connection.execute(text("DROP TABLE IF EXISTS port_usage_days_peer"))
        db.drop_all()
        db.create_all()
        flat.metadata.reflect(bind=db.engine, only=["ports"])
        flat.create(db.engine)
        started = time.perf_counter()
        _generate(db, args.switches, args.ports)
        today = local_date(datetime.now(UTC))
        # the sample's days: finished, inside the hourly window, a whole month by default
        first = today - timedelta(days=args.days)
        rows = _fill_hours(db, flat, first, args.days, postgres)
        _fill_days(db, first, args.days)
        ports = args.switches * args.ports
        print(f"generated {args.switches} switches × {args.ports} ports, {rows:,} port hours "
              f"({args.days} days) in each table in {time.perf_counter() - started:.0f} s "
              f"({db.engine.dialect.name})")
        checks.check(rows == ports * args.days * 24, f"{rows} hourly rows written")

        # --- roll-up: the sample's days, partitioned, then the flat peer ----------------------
        started = time.perf_counter()
        written = usage_store.roll_up(first, today - timedelta(days=1))
        db.session.commit()
        rollup_s = time.perf_counter() - started
        checks.check(written == ports * args.days, f"roll-up wrote {written} port days")
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE port_usage_days_peer (port_id integer, "
                                    "day date, octets_in bigint, octets_out bigint, "
                                    "PRIMARY KEY (port_id, day))"))
        started = time.perf_counter()
        for offset in range(args.days):
            day = first + timedelta(days=offset)
            db.session.execute(text(
                "INSERT INTO port_usage_days_peer SELECT port_id, :day, sum(octets_in), "
                "sum(octets_out) FROM usage_hours_flat WHERE hour >= :lo AND hour < :hi "
                "GROUP BY port_id"), {"day": day, "lo": start_of_day(day),
                                      "hi": start_of_day(day + timedelta(days=1))})
        db.session.commit()
        peer_s = time.perf_counter() - started
        scale = args.target_switches / args.switches * 30 / args.days
        print(f"roll-up of {args.days} days × {ports:,} ports ({rows:,} hours): "
              f"{rollup_s:.2f} s partitioned, peer (flat table, same SQL) {peer_s:.2f} s; "
              f"extrapolated linearly to a 30-day month at {args.target_switches:,} switches × "
              f"{args.ports} ports: {rollup_s * scale / 60:.1f} min (peer "
              f"{peer_s * scale / 60:.1f} min)  load {_load()}")

        # --- disk ----------------------------------------------------------------------------
        disk = _disk(db, rows)
        if disk is None:
            print("disk per switch-year: not measured on SQLite (PostgreSQL only)")
        else:
            year = args.ports * HOURS_PER_YEAR
            kept = args.ports * 24 * KEPT_HOURLY_DAYS
            days_year = args.ports * 365
            switch_bytes = kept * disk["hour_row"] + days_year * disk["day_row"]
            print(f"disk: {disk['hour_row']:.1f} B per hourly row partitioned (heap + primary "
                  f"key + BRIN), peer flat table {disk['flat_row']:.1f} B; "
                  f"{disk['day_row']:.1f} B per port day (measured on {rows:,} rows)")
            print(f"disk per switch-year (extrapolated from the sample, {args.ports} ports): "
                  f"a year of hours {year * disk['hour_row'] / 1e6:.1f} MB (peer "
                  f"{year * disk['flat_row'] / 1e6:.1f} MB); kept by the store (≤ "
                  f"{KEPT_HOURLY_DAYS} days of hours + a year of port days) "
                  f"{switch_bytes / 1e6:.1f} MB; at {args.target_switches:,} switches: "
                  f"{switch_bytes * args.target_switches / 1e9:.0f} GB "
                  f"(peer keeping every hour of a year: "
                  f"{year * disk['flat_row'] * args.target_switches / 1e9:.0f} GB)")

        # --- pages -----------------------------------------------------------------------------
        from isp.auth import SESSION_ID_KEY, start_session
        from isp.services import create_user

        user = create_user("bench-operator@example.org", "operator",
                           password="Bench-2026-pass!", name="Bench")
        session_id = start_session(user)
        db.session.commit()
        user_id = user.id
        units = [f"UU{index:07d}" for index in range(0, ports, max(1, ports // 50))]
        port_ids = [index + 1 for index in range(0, ports, max(1, ports // 50))]
        now = datetime.now(UTC)

        def flat_days(port_id: int, start: datetime, end: datetime):
            """The port page's days as before: every hour read, summed per Paris day."""
            days: dict = {}
            for hour, out_o, in_o in db.session.execute(
                    select(flat.c.hour, flat.c.octets_out, flat.c.octets_in)
                    .where(flat.c.port_id == port_id, flat.c.hour >= start,
                           flat.c.hour < end).order_by(flat.c.hour)):
                slot = days.setdefault(usage_store.local_day(
                    hour if hour.tzinfo else hour.replace(tzinfo=UTC)), [0, 0])
                slot[0] += out_o
                slot[1] += in_o
            return sorted(days.items())

        def unit_flat(unit_id: int, start: datetime, end: datetime):
            return db.session.execute(
                select(flat.c.hour, func.sum(flat.c.octets_out), func.sum(flat.c.octets_in))
                .join(Port.__table__, Port.__table__.c.id == flat.c.port_id)
                .where(Port.__table__.c.unit_id == unit_id, flat.c.hour >= start,
                       flat.c.hour < end).group_by(flat.c.hour).order_by(flat.c.hour)).all()

        queries = [
            ("household 24 h (unit_usage_hours)",
             lambda i=0: usage_store.unit_usage_hours(port_ids[i % len(port_ids)],
                                                      now - timedelta(hours=24), now),
             lambda i=0: unit_flat(port_ids[i % len(port_ids)], now - timedelta(hours=24), now)),
            ("port 90 days of hours (port_usage_days)",
             lambda i=0: usage_store.port_usage_days(port_ids[i % len(port_ids)],
                                                     today - timedelta(days=89), today),
             lambda i=0: flat_days(port_ids[i % len(port_ids)],
                                    start_of_day(today - timedelta(days=89)), now)),
        ]
        for label, ours, peer in queries:
            ours_ms, peer_ms = _median_ms(ours, args.runs), _median_ms(peer, args.runs)
            print(f"query {label:40} {ours_ms:7.2f} ms; peer (flat table) {peer_ms:7.2f} ms")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session[SESSION_ID_KEY] = session_id
    for label, pattern in (("household usage page", "/network/units/{unit}/usage"),
                           ("port page (a year by month)", "/network/ports/{port}"),
                           ("building page", "/network/buildings/UB00000")):
        statuses = []

        def get(index=0, pattern=pattern, statuses=statuses):
            response = client.get(pattern.format(unit=units[index % len(units)],
                                                 port=port_ids[index % len(port_ids)]))
            statuses.append(response.status_code)

        median = _median_ms(get, args.runs)
        print(f"page {label:30} median {median:7.1f} ms server time (target ≤ 100 ms) "
              f"{'OK' if median <= 100 else 'OVER TARGET'}  load "
              f"{_load()}")
        checks.check(set(statuses) == {200}, f"{label}: HTTP {sorted(set(statuses))}")

    # --- retention: drop the sample's partitions versus deleting the rows -------------------
    with app.app_context():
        # as if the sample's months were before the window: every partition holding them goes
        since = usage_store.partition_for(today).end
        started = time.perf_counter()
        removed = usage_store.remove_expired_hours(since)
        db.session.commit()
        drop_s = time.perf_counter() - started
        started = time.perf_counter()
        peer_deleted = db.session.execute(flat.delete().where(flat.c.hour < since)).rowcount
        db.session.commit()
        delete_s = time.perf_counter() - started
        left = db.session.scalar(select(func.count()).select_from(UsageHour))
        how = ("dropped " + ", ".join(removed.partitions_dropped)) if postgres else "rows deleted"
        print(f"retention of {removed.hours_deleted:,} hours: {drop_s:.2f} s ({how}"
              f", {removed.days_rolled_up} days rolled up first); peer DELETE of "
              f"{peer_deleted:,} rows from the flat table {delete_s:.2f} s")
        checks.check(removed.hours_deleted == rows and left == 0,
                     f"retention removed {removed.hours_deleted} of {rows} hours, {left} left")
        checks.check(db.session.scalar(select(func.count()).select_from(PortUsageDay))
                     == ports * args.days, "port days kept after the hours are gone")
        db.engine.dispose()
    if path is not None and path.exists():
        path.unlink()
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
