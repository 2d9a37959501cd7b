"""The usage store: port hours, their daily roll-up, and the readers across the boundary.

Kept in one file (~500 lines) because writing, partitions, roll-up and reading all obey the
one hourly window stated below; split, each part would restate where the window starts.

Sized for a metropolis (issue 23.2): 10,000 switches × 48 ports write 4.2 billion port hours a
year. The rules (docs/usage-store.md, docs/design.md §3.4 and §3.8):

* the poller adds octets per (port, UTC hour) to ``usage_hours`` and, in the same transaction,
  per subscription day (``usage_days``, the flat's subscription at the time of the traffic)
  and per building day (``add_usage``). Those two daily tables never depend on the hours;
* hourly detail is kept ``RETENTION["usage_hour_days"]`` days (90 by default): the *hourly
  window* starts at the beginning of the Europe/Paris day ``today - N``;
* the nightly job (``network.usage_store``) creates the monthly partitions ahead (PostgreSQL)
  and rolls each finished day up per port into ``port_usage_days`` (``roll_up``), recording
  the day in ``usage_rollups``;
* the retention job (``network.retention.purge_usage``) removes the hours older than the
  window, after rolling up any such day the ledger does not have: on PostgreSQL by dropping
  the monthly partitions entirely before the window (so the last hours of a month go at most
  one month later, never read meanwhile), on SQLite by deleting rows;
* readers take days before the window from the daily tables and days inside it from the
  hours (``port_usage_days``), and never read an hour older than the window.

PostgreSQL: ``usage_hours`` is partitioned by RANGE (hour), one partition per Europe/Paris
month (``usage_hours_2026_12``) plus a default partition that catches rows no partition
covers (a missed job): creating a partition moves those rows into it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import Date, bindparam, delete, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite

from isp.extensions import db
from isp.timeutil import PARIS, local_date, start_of_day, utcnow
from network.models import (
    USAGE_HOURS_DEFAULT_PARTITION,
    BuildingUsageDay,
    Port,
    PortUsageDay,
    UsageDay,
    UsageHour,
    UsageRollup,
)
from subscribers.models import Subscription

LOCAL_TZ = PARIS  # the one calendar (isp.timeutil)
USAGE_STATUSES = ("active", "reduced", "suspended", "provisioning")
DEFAULT_HOUR_DAYS = 90
DEFAULT_PARTITIONS_AHEAD = 2
#: Days before yesterday the nightly roll-up computes again (a late poll adds to past hours).
RECHECK_DAYS = 2
PARENT = "usage_hours"
DEFAULT_PARTITION = USAGE_HOURS_DEFAULT_PARTITION

def is_usage_partition(name: str) -> bool:
    """A partition of ``usage_hours`` (not in the models: Alembic must leave it alone)."""
    return name.startswith(PARENT + "_") and (
        name == DEFAULT_PARTITION or name[len(PARENT) + 1:].replace("_", "").isdigit())


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


# --- the hourly window -------------------------------------------------------------------------

def hour_days() -> int:
    """How many days of hourly detail are kept (config RETENTION["usage_hour_days"])."""
    return int(current_app.config.get("RETENTION", {}).get("usage_hour_days",
                                                           DEFAULT_HOUR_DAYS))


def first_hourly_day(today: date | None = None) -> date:
    """The oldest Europe/Paris day still read from the hours (days before it: daily roll-ups)."""
    return (today or local_date(utcnow())) - timedelta(days=hour_days())


def hourly_since(today: date | None = None) -> datetime:
    """The instant the hourly window starts (UTC): hours before it are never read."""
    return start_of_day(first_hourly_day(today))


# --- writing (the poller) ----------------------------------------------------------------------

def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def split_by_hour(start: datetime, end: datetime, octets: int) -> list[tuple[datetime, int]]:
    """Spread ``octets`` over the UTC hours of [start, end) in proportion to time (sums exactly)."""
    if end <= start or octets == 0:
        return [(hour_of(end), octets)] if octets else []
    total = (end - start).total_seconds()
    parts: list[tuple[datetime, int]] = []
    cursor = start
    given = 0
    while cursor < end:
        bucket = hour_of(cursor)
        stop = min(end, bucket + timedelta(hours=1))
        share = int(octets * (stop - cursor).total_seconds() / total)
        parts.append((bucket, share))
        given += share
        cursor = stop
    last_hour, last = parts[-1]
    parts[-1] = (last_hour, last + octets - given)
    return [(h, o) for h, o in parts if o]


def local_day(hour: datetime) -> date:
    """The Europe/Paris calendar day of a UTC hour (offsets are whole hours)."""
    return hour.astimezone(LOCAL_TZ).date()


def served_subscription_ids(unit_ids: Iterable[int],
                            statuses: Sequence[str] = USAGE_STATUSES) -> dict[int, int]:
    """{unit_id: id of the flat's newest subscription in ``statuses``}, in one query."""
    ids = sorted(unit_ids)
    if not ids:
        return {}
    served: dict[int, int] = {}
    for subscription_id, unit_id in db.session.execute(
            select(Subscription.id, Subscription.unit_id).where(
                Subscription.unit_id.in_(ids), Subscription.status.in_(list(statuses)))
            .order_by(Subscription.id)):
        served[unit_id] = subscription_id  # the highest id wins
    return served


def add_usage(hours: dict[tuple[int, datetime], list[int]],
              owners: dict[int, tuple[int | None, int]]) -> None:
    """Add octets per (port, hour) to the hour, subscription-day and building-day tables.

    ``owners`` gives each port's flat (None for uplinks and spare ports, whose traffic is
    not a household's) and building.
    """
    per_sub: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    per_building: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    subscriptions = served_subscription_ids(
        {unit for unit, _ in owners.values() if unit is not None})
    hour_rows = []
    for (port_id, hour), (octets_in, octets_out) in hours.items():
        hour_rows.append({"port_id": port_id, "hour": hour, "octets_in": octets_in,
                          "octets_out": octets_out})
        unit_id, building_id = owners[port_id]
        if unit_id is None:
            continue
        day = local_day(hour)
        # port out = household download, port in = household upload (docs/design.md §3.4)
        per_building[(building_id, day)][0] += octets_out
        per_building[(building_id, day)][1] += octets_in
        subscription_id = subscriptions.get(unit_id)
        if subscription_id is not None:
            per_sub[(subscription_id, day)][0] += octets_out
            per_sub[(subscription_id, day)][1] += octets_in
    upsert(UsageHour, hour_rows, ("port_id", "hour"), add=("octets_in", "octets_out"))
    upsert(UsageDay, [{"subscription_id": s, "day": d, "download_octets": v[0],
                       "upload_octets": v[1]} for (s, d), v in per_sub.items()],
           ("subscription_id", "day"), add=("download_octets", "upload_octets"))
    upsert(BuildingUsageDay, [{"building_id": b, "day": d, "download_octets": v[0],
                               "upload_octets": v[1]} for (b, d), v in per_building.items()],
           ("building_id", "day"), add=("download_octets", "upload_octets"))


def upsert(model, rows: list[dict], keys: Sequence[str], *, add: Sequence[str] = (),
           replace: Sequence[str] = ()) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE: ``add`` columns are summed, ``replace`` overwritten.

    One statement for many rows (PostgreSQL and SQLite ≥ 3.24 share the syntax; on a
    partitioned table the conflict target is the primary key, which holds the partition key).
    Rows are sorted by key so that two workers touching the same rows (a building's day) lock
    them in the same order and never deadlock.
    """
    if not rows:
        return
    dialect_insert = postgresql.insert if _postgres() else sqlite.insert
    table = model.__table__
    statement = dialect_insert(table)
    values = {c: table.c[c] + statement.excluded[c] for c in add}
    values.update({c: statement.excluded[c] for c in replace})
    statement = statement.on_conflict_do_update(index_elements=[table.c[k] for k in keys],
                                                set_=values)
    rows.sort(key=lambda row: tuple(row[k] for k in keys))
    db.session.execute(statement, rows)


# --- partitions (PostgreSQL) -------------------------------------------------------------------

@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime  # UTC instant of the first Europe/Paris day of the month
    end: datetime

    @property
    def month(self) -> date:
        return local_date(self.start)


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def partition_for(month: date) -> Partition:
    """The partition of the Europe/Paris month of ``month``."""
    first = month.replace(day=1)
    return Partition(f"{PARENT}_{first.year}_{first.month:02d}", start_of_day(first),
                     start_of_day(_add_months(first, 1)))


def partitions() -> list[Partition]:
    """The monthly partitions of ``usage_hours`` that exist, oldest first (PostgreSQL)."""
    if not _postgres():
        return []
    names = db.session.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :parent"),
        {"parent": PARENT}).scalars()
    found = []
    for name in names:
        if name == DEFAULT_PARTITION:
            continue
        year, month = name[len(PARENT) + 1:].split("_")
        found.append(partition_for(date(int(year), int(month), 1)))
    return sorted(found, key=lambda p: p.start)


def ensure_partitions(today: date | None = None, *, ahead: int | None = None) -> list[str]:
    """Create the partitions of the current month and of ``ahead`` months after it (config
    USAGE_PARTITIONS_AHEAD, 2 by default) and of any month whose rows wait in the default
    partition; returns the names created. Idempotent; nothing to do on SQLite."""
    if not _postgres():
        return []
    today = today or local_date(utcnow())
    ahead = ahead if ahead is not None else int(current_app.config.get(
        "USAGE_PARTITIONS_AHEAD", DEFAULT_PARTITIONS_AHEAD))
    wanted = {partition_for(_add_months(today.replace(day=1), n)) for n in range(ahead + 1)}
    for (stray,) in db.session.execute(text(
            f"SELECT DISTINCT date_trunc('month', hour AT TIME ZONE 'Europe/Paris') "
            f"FROM {DEFAULT_PARTITION}")):
        wanted.add(partition_for(stray.date()))
    existing = {p.name for p in partitions()}
    created = []
    for partition in sorted(wanted, key=lambda p: p.start):
        if partition.name in existing:
            continue
        _create_partition(partition)
        created.append(partition.name)
    return created


def _create_partition(partition: Partition) -> None:
    bounds = {"lo": partition.start, "hi": partition.end}
    waiting = db.session.execute(text(
        f"SELECT 1 FROM {DEFAULT_PARTITION} WHERE hour >= :lo AND hour < :hi LIMIT 1"),
        bounds).first()
    lo, hi = (f"'{value.isoformat()}'" for value in (partition.start, partition.end))
    if waiting is None:
        db.session.execute(text(f"CREATE TABLE {partition.name} PARTITION OF {PARENT} "
                                f"FOR VALUES FROM ({lo}) TO ({hi})"))
        return
    # rows of that month reached the default partition (the job did not run): move them
    db.session.execute(text(f"CREATE TABLE {partition.name} (LIKE {PARENT} INCLUDING DEFAULTS)"))
    db.session.execute(text(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE hour >= :lo AND hour < :hi "
        f"RETURNING *) INSERT INTO {partition.name} SELECT * FROM moved"), bounds)
    db.session.execute(text(f"ALTER TABLE {PARENT} ATTACH PARTITION {partition.name} "
                            f"FOR VALUES FROM ({lo}) TO ({hi})"))


# --- roll-up -----------------------------------------------------------------------------------

def roll_up(first: date, last: date, *, prepare: bool = True) -> int:
    """(Re)compute ``port_usage_days`` for the Europe/Paris days ``first``..``last`` from the
    hours, one INSERT … SELECT per day, and record each day in the ledger; returns the port
    days written. Idempotent: a day rolled up twice is replaced, not added (a port whose hours
    of the day all went since keeps its row: hours are only ever added)."""
    written = 0
    day = first
    hour_table, day_table = UsageHour.__table__, PortUsageDay.__table__
    dialect_insert = postgresql.insert if _postgres() else sqlite.insert
    if _postgres() and prepare:
        _prepare_partitions(start_of_day(first), start_of_day(last + timedelta(days=1)))
    while day <= last:
        lo, hi = start_of_day(day), start_of_day(day + timedelta(days=1))
        # an upsert, not delete + insert: port_usage_days is keyed (port, day), and finding a
        # day's rows to delete would scan the whole table
        statement = dialect_insert(day_table).from_select(
            ["port_id", "day", "octets_in", "octets_out"],
            select(hour_table.c.port_id, bindparam("day", day, type_=Date),
                   func.sum(hour_table.c.octets_in), func.sum(hour_table.c.octets_out))
            .where(hour_table.c.hour >= lo, hour_table.c.hour < hi)
            .group_by(hour_table.c.port_id))
        statement = statement.on_conflict_do_update(
            index_elements=[day_table.c.port_id, day_table.c.day],
            set_={"octets_in": statement.excluded.octets_in,
                  "octets_out": statement.excluded.octets_out})
        if _postgres():  # psycopg gives no row count for INSERT … SELECT here: count in SQL
            inserted = statement.returning(day_table.c.port_id).cte("inserted")
            count = db.session.scalar(select(func.count()).select_from(inserted)) or 0
        else:
            count = max(db.session.execute(statement).rowcount or 0, 0)
        db.session.execute(delete(UsageRollup.__table__).where(UsageRollup.day == day))
        db.session.execute(insert(UsageRollup.__table__).values(
            day=day, rolled_at=utcnow(), port_days=count))
        written += count
        day += timedelta(days=1)
    return written


def _prepare_partitions(start: datetime, end: datetime) -> None:
    """Before a roll-up: BRIN summaries of the new pages, and fresh statistics of the months
    read — a partition filled since autovacuum last analysed it looks empty to the planner,
    which then reads the whole month for each day instead of the day's block ranges."""
    summarize_brin()
    for partition in partitions():
        if partition.start < end and partition.end > start:
            db.session.execute(text(f"ANALYZE {partition.name}"))


def summarize_brin() -> None:
    """Summarise the block ranges the BRIN indexes of the partitions do not cover yet.

    A BRIN index knows nothing of the pages written since its last summary (autosummarize
    hands them to autovacuum, later): a day's query would read the whole partition. Cheap:
    only the new ranges are read."""
    db.session.execute(text(
        "SELECT brin_summarize_new_values(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
        "WHERE a.amname = 'brin' AND i.indrelid IN (SELECT inhrelid FROM pg_inherits "
        "WHERE inhparent = CAST(:parent AS regclass))"), {"parent": PARENT})


def rolled_days(first: date, last: date) -> set[date]:
    return set(db.session.execute(select(UsageRollup.day).where(
        UsageRollup.day >= first, UsageRollup.day <= last)).scalars())


def roll_up_due(today: date | None = None) -> int:
    """The nightly roll-up: every finished day since the last one in the ledger (or since the
    oldest hour still in the window), and the ``RECHECK_DAYS`` before yesterday again."""
    today = today or local_date(utcnow())
    yesterday = today - timedelta(days=1)
    last = db.session.scalar(select(func.max(UsageRollup.day)))
    if last is not None:
        first = last + timedelta(days=1)
    else:
        oldest = db.session.scalar(select(func.min(UsageHour.hour)).where(
            UsageHour.hour >= hourly_since(today)))
        first = local_day(oldest) if oldest is not None else yesterday
    first = min(first, yesterday - timedelta(days=RECHECK_DAYS))
    first = max(first, first_hourly_day(today) - timedelta(days=1))
    return roll_up(first, yesterday)


@dataclass(frozen=True)
class HoursRemoved:
    hours_deleted: int
    partitions_dropped: list[str]
    days_rolled_up: int


def remove_expired_hours(since: datetime | None = None) -> HoursRemoved:
    """Remove the hours before the window, rolling up first any of their days the ledger lacks.

    PostgreSQL: drop every monthly partition that ends at or before the window's start
    (counting its rows first, for the register) and delete the expired rows of the default
    partition; SQLite: delete the rows. ``since``: the window's start (``hourly_since()``)."""
    since = since or hourly_since()
    hour_table = UsageHour.__table__
    if _postgres():
        expired = [p for p in partitions() if p.end <= since]
        days: set[date] = set()
        for partition in expired:
            day = local_date(partition.start)
            while start_of_day(day) < partition.end:
                days.add(day)
                day += timedelta(days=1)
        days.update(_days_of_hours(text(f"SELECT DISTINCT date_trunc('hour', hour) "
                                        f"FROM {DEFAULT_PARTITION} WHERE hour < :since"), since))
    else:
        expired = []
        days = _days_of_hours(select(hour_table.c.hour).distinct()
                              .where(hour_table.c.hour < since), since)
    rolled = 0
    if days:
        missing = sorted(days - rolled_days(min(days), max(days)))
        if missing and _postgres():
            _prepare_partitions(start_of_day(missing[0]),
                                start_of_day(missing[-1] + timedelta(days=1)))
        for day in missing:
            roll_up(day, day, prepare=False)
            rolled += 1
    deleted = 0
    for partition in expired:
        deleted += db.session.scalar(text(f"SELECT count(*) FROM {partition.name}")) or 0
        db.session.execute(text(f"DROP TABLE {partition.name}"))
    if _postgres():  # rows a missed job left in the default partition (rare)
        deleted += db.session.execute(text(f"DELETE FROM {DEFAULT_PARTITION} WHERE hour < :since"),
                                      {"since": since}).rowcount or 0
    else:
        deleted += db.session.execute(delete(hour_table).where(hour_table.c.hour < since)
                                      .execution_options(synchronize_session=False)).rowcount or 0
    return HoursRemoved(deleted, [p.name for p in expired], rolled)


def _days_of_hours(statement, since: datetime) -> set[date]:
    hours = db.session.execute(statement, {"since": since}).scalars()
    return {local_day(h if h.tzinfo else h.replace(tzinfo=UTC)) for h in hours}


def run_nightly(today: date | None = None) -> tuple[list[str], int]:
    """The ``network.usage_store`` job: partitions ahead, then the roll-up of finished days."""
    created = ensure_partitions(today)
    written = roll_up_due(today)
    return created, written


# --- reading -----------------------------------------------------------------------------------

def unit_usage_hours(unit_id: int, start: datetime, end: datetime) -> list[tuple[datetime, int,
                                                                                  int]]:
    """(hour, download, upload) for the ports serving a flat, oldest first (within the window)."""
    start = max(start, hourly_since())
    rows = db.session.execute(
        select(UsageHour.hour, func.sum(UsageHour.octets_out), func.sum(UsageHour.octets_in))
        .join(Port, Port.id == UsageHour.port_id)
        .where(Port.unit_id == unit_id, UsageHour.hour >= start, UsageHour.hour < end)
        .group_by(UsageHour.hour).order_by(UsageHour.hour)).all()
    return [(h if h.tzinfo else h.replace(tzinfo=UTC), int(d or 0), int(u or 0))
            for h, d, u in rows]


def unit_usage_days(unit_id: int, first: date, last: date) -> list[tuple[date, int, int]]:
    """(day, download, upload) summed over the flat's subscriptions, oldest first."""
    rows = db.session.execute(
        select(UsageDay.day, func.sum(UsageDay.download_octets), func.sum(UsageDay.upload_octets))
        .join(Subscription, Subscription.id == UsageDay.subscription_id)
        .where(Subscription.unit_id == unit_id, UsageDay.day >= first, UsageDay.day <= last)
        .group_by(UsageDay.day).order_by(UsageDay.day)).all()
    return [(d, int(dn or 0), int(up or 0)) for d, dn, up in rows]


def port_usage_hours(port_id: int, start: datetime, end: datetime) -> list[tuple[datetime, int,
                                                                                  int]]:
    """(hour, out, in) of one port, oldest first (within the window)."""
    start = max(start, hourly_since())
    rows = db.session.execute(select(UsageHour.hour, UsageHour.octets_out, UsageHour.octets_in)
                              .where(UsageHour.port_id == port_id, UsageHour.hour >= start,
                                     UsageHour.hour < end).order_by(UsageHour.hour)).all()
    return [(h if h.tzinfo else h.replace(tzinfo=UTC), int(o), int(i)) for h, o, i in rows]


def port_usage_days(port_id: int, first: date, last: date) -> list[tuple[date, int, int]]:
    """(day, out, in) of one port per Europe/Paris day, oldest first: the daily roll-ups
    before the hourly window, the hours summed per day within it."""
    boundary = first_hourly_day()
    days: dict[date, list[int]] = {}
    if first < boundary:
        for day, out_o, in_o in db.session.execute(
                select(PortUsageDay.day, PortUsageDay.octets_out, PortUsageDay.octets_in)
                .where(PortUsageDay.port_id == port_id, PortUsageDay.day >= first,
                       PortUsageDay.day <= min(last, boundary - timedelta(days=1)))):
            days[day] = [int(out_o), int(in_o)]
    if last >= boundary:
        start = start_of_day(max(first, boundary))
        for hour, out_o, in_o in port_usage_hours(port_id, start,
                                                  start_of_day(last + timedelta(days=1))):
            slot = days.setdefault(local_day(hour), [0, 0])
            slot[0] += out_o
            slot[1] += in_o
    return [(d, v[0], v[1]) for d, v in sorted(days.items())]


def building_usage_days(building_id: int, first: date, last: date) -> list[tuple[date, int, int]]:
    """(day, download, upload) of a building, oldest first."""
    rows = db.session.execute(select(BuildingUsageDay).where(
        BuildingUsageDay.building_id == building_id, BuildingUsageDay.day >= first,
        BuildingUsageDay.day <= last).order_by(BuildingUsageDay.day)).scalars()
    return [(r.day, r.download_octets, r.upload_octets) for r in rows]


def by_month(days: Iterable[tuple[date, int, int]]) -> list[tuple[str, int, int]]:
    """Sum daily rows per calendar month (``YYYY-MM``)."""
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for day, down, up in days:
        key = f"{day.year}-{day.month:02d}"
        months[key][0] += down
        months[key][1] += up
    return [(k, v[0], v[1]) for k, v in sorted(months.items())]
