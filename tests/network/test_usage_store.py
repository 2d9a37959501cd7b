"""The usage store (issue 23.2, docs/usage-store.md): hours kept for the window, rolled up per
port and day, removed by the retention job (partitions dropped on PostgreSQL, rows deleted on
SQLite), and readers that give the same figures before and after."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from isp.extensions import db
from isp.timeutil import PARIS, start_of_day
from network import usage_store
from network.models import Port, PortUsageDay, UsageHour, UsageRollup
from network.retention import purge_usage
from tests import factories
from tests.support.factories import make_device


def _flat_with_port():
    household = factories.make_household()
    subscription = factories.make_subscription(household=household)
    unit = household.unit
    device = make_device(building=unit.building, ports_for=[unit])
    port = db.session.execute(select(Port).where(Port.device_id == device.id)).scalar_one()
    return unit, subscription, port, device


def _poll_hours(port, device, unit, first: date, days: int) -> None:
    """Usage as the poller writes it: per (port, UTC hour), with its subscription and building
    days in the same call. Each hour carries a distinct amount (so a lost hour shows)."""
    hours = {}
    start = start_of_day(first)
    for index in range(days * 24):
        hour = (start + timedelta(hours=index)).astimezone(UTC)
        hours[(port.id, hour)] = [1_000 + index, 10_000 + 7 * index]
    usage_store.add_usage(hours, {port.id: (unit.id, device.building_id)})
    db.session.flush()


def _figures(unit, port, first: date, last: date):
    return (usage_store.by_month(usage_store.unit_usage_days(unit.id, first, last)),
            usage_store.by_month(usage_store.port_usage_days(port.id, first, last)))


def _at(text: str):
    return time_machine.travel(datetime.fromisoformat(text), tick=False)


def test_monthly_usage_is_the_same_before_and_after_roll_up_and_retention(db):
    unit, _subscription, port, device = _flat_with_port()
    with _at("2026-08-20T12:00:00+02:00"):
        usage_store.ensure_partitions()
        # July 25 → August 19 (Paris days), across the month boundary and a partition's
        _poll_hours(port, device, unit, date(2026, 7, 25), 26)
        before = _figures(unit, port, date(2026, 7, 1), date(2026, 8, 31))
        assert [month for month, _, _ in before[1]] == ["2026-07", "2026-08"]
        assert before[0] == before[1]  # the household's days and its port agree

    with _at("2026-08-21T03:00:00+02:00"):
        created, written = usage_store.run_nightly()
        assert written == 26  # every finished day with hours, one port
        assert db.session.get(UsageRollup, date(2026, 8, 19)).port_days == 1

    # 90 days after August its hours go (PostgreSQL: with the August partition, once the
    # whole month is before the window), and its figures stay
    with _at("2026-12-01T03:10:00+01:00"):
        usage_store.run_nightly()
        assert usage_store.first_hourly_day() == date(2026, 9, 2)
        summary = purge_usage(hours_before=datetime.now(UTC) - timedelta(days=90),
                              ended_before=date(2026, 11, 1))
        assert summary.hours_deleted == 26 * 24
        left = db.session.scalar(select(func.count()).select_from(UsageHour)
                                 .where(UsageHour.port_id == port.id))
        assert left == 0
        if db.session.get_bind().dialect.name == "postgresql":
            assert summary.partitions_dropped == ("usage_hours_2026_07", "usage_hours_2026_08")
        after = _figures(unit, port, date(2026, 7, 1), date(2026, 8, 31))
        assert after == before


def test_readers_join_the_daily_roll_ups_and_the_hours_at_the_window(db):
    unit, _subscription, port, device = _flat_with_port()
    with _at("2026-11-20T12:00:00+01:00"):
        usage_store.ensure_partitions()
        boundary = usage_store.first_hourly_day()
        assert boundary == date(2026, 8, 22)
        # four days across the boundary: two rolled-up days before it, two hourly days in it
        _poll_hours(port, device, unit, boundary - timedelta(days=2), 4)
        usage_store.ensure_partitions()  # the August rows waited in the default partition
        usage_store.roll_up(boundary - timedelta(days=2), boundary - timedelta(days=1))
        # an hour of the rolled-up days is changed afterwards: readers must not see it
        stale = start_of_day(boundary - timedelta(days=1)).astimezone(UTC)
        db.session.execute(UsageHour.__table__.update().where(
            UsageHour.port_id == port.id, UsageHour.hour == stale).values(octets_out=10**12))
        days = usage_store.port_usage_days(port.id, boundary - timedelta(days=5),
                                           boundary + timedelta(days=5))
        assert [d for d, _, _ in days] == [boundary + timedelta(days=n) for n in (-2, -1, 0, 1)]
        rolled = db.session.get(PortUsageDay, (port.id, boundary - timedelta(days=1)))
        assert days[1] == (boundary - timedelta(days=1), rolled.octets_out, rolled.octets_in)
        assert days[1][1] < 10**12
        # the hours before the window are never shown, even while they are still stored
        assert usage_store.port_usage_hours(port.id, stale, stale + timedelta(hours=1)) == []
        assert usage_store.unit_usage_hours(unit.id, stale, stale + timedelta(hours=1)) == []
        in_window = start_of_day(boundary).astimezone(UTC)
        assert len(usage_store.port_usage_hours(port.id, in_window,
                                                in_window + timedelta(hours=3))) == 3


def test_roll_up_is_idempotent_and_the_purge_rolls_up_what_is_missing(db):
    unit, _subscription, port, device = _flat_with_port()
    with _at("2026-06-10T12:00:00+02:00"):
        usage_store.ensure_partitions()
        _poll_hours(port, device, unit, date(2026, 6, 1), 2)
        assert usage_store.roll_up(date(2026, 6, 1), date(2026, 6, 1)) == 1
        assert usage_store.roll_up(date(2026, 6, 1), date(2026, 6, 1)) == 1
        row = db.session.get(PortUsageDay, (port.id, date(2026, 6, 1)))
        assert (row.octets_in, row.octets_out) == (
            sum(1_000 + i for i in range(24)), sum(10_000 + 7 * i for i in range(24)))
    with _at("2026-12-01T12:00:00+01:00"):
        # June 2 was never rolled up: the purge does it before the hours go
        removed = usage_store.remove_expired_hours()
        assert removed.days_rolled_up >= 1  # PostgreSQL: every day of the dropped months
        assert usage_store.rolled_days(date(2026, 6, 1), date(2026, 6, 2)) == {
            date(2026, 6, 1), date(2026, 6, 2)}
        assert db.session.get(PortUsageDay, (port.id, date(2026, 6, 2))).octets_in == sum(
            1_000 + i for i in range(24, 48))


def test_partitions_are_created_ahead_once(db):
    with _at("2026-12-06T12:00:00+01:00"):
        created = usage_store.ensure_partitions()
        if db.session.get_bind().dialect.name != "postgresql":
            assert created == []  # SQLite: one plain table
            return
        names = {p.name for p in usage_store.partitions()}
        assert {"usage_hours_2026_12", "usage_hours_2027_01", "usage_hours_2027_02"} <= names
        assert usage_store.ensure_partitions() == []
        december = usage_store.partition_for(date(2026, 12, 6))
        assert december.start == datetime(2026, 12, 1, tzinfo=PARIS)
        assert december.end == datetime(2027, 1, 1, tzinfo=PARIS)
