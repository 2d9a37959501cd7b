"""Availability of a building: the one definition every page, export and API shows.

docs/design.md §3.5: the building is down while its aggregation device is down, or while every
access device is down at once; 1 − downtime ÷ period over Paris calendar days (issue 16.9).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm.attributes import set_committed_value

from isp.database import AmongIds, built_once
from isp.extensions import db
from isp.formatting import percent
from isp.timeutil import PARIS, utcnow
from network.choices import DeviceRole, LifecycleState
from network.models import (
    Device,
    Outage,
)

LOCAL_TZ = PARIS  # the one calendar (isp.timeutil)

Interval = tuple[datetime, datetime]


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass
class Availability:
    """Availability of a building over [start, end)."""

    start: datetime
    end: datetime
    downtime_s: int
    outages: list[Outage]
    devices: int

    @property
    def period_s(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def availability_pct(self) -> float | None:
        """1 − downtime ÷ period, in percent with two decimals; None without devices."""
        if self.devices == 0 or self.period_s <= 0:
            return None
        return round(100 * (1 - self.downtime_s / self.period_s), 2)

    @property
    def label(self) -> str:
        """The figure as every page shows it: ``99,46 %`` (French number format), or ``—``."""
        return percent(self.availability_pct)


def _devices_in_service(building_id: int) -> list[Device]:
    return list(db.session.execute(_devices_in_service_statement(),
                                   {"building_id": building_id}).scalars())


# Both statements are built once (isp.database.built_once): the building page, the
# footprint page and the aggregates read them for each building (issue 23.3).
@built_once
def _devices_in_service_statement() -> Select:
    return select(Device).where(Device.building_id == bindparam("building_id"),
                                Device.lifecycle_state == LifecycleState.IN_SERVICE)


@built_once
def _outages_overlapping_statement() -> Select:
    return (select(Outage).where(
        AmongIds(Outage.device_id, "device_ids"),
        Outage.started_at < bindparam("end"),
        or_(Outage.ended_at.is_(None), Outage.ended_at > bindparam("start")))
        .order_by(Outage.started_at))


def _outages_overlapping(devices: list[Device], start: datetime, end: datetime) -> list[Outage]:
    by_id = {device.id: device for device in devices}
    outages = list(db.session.execute(_outages_overlapping_statement(), {
        "device_ids": list(by_id), "start": start, "end": end}).scalars())
    # Each outage holds its device, already read: the session keeps loaded rows only while
    # something refers to them, so ``outage.device`` would cost a query per device otherwise.
    for outage in outages:
        set_committed_value(outage, "device", by_id[outage.device_id])
    return outages


def _availability_from(devices: list[Device], outages: list[Outage], start: datetime,
                       end: datetime, now: datetime) -> Availability:
    """The rule itself, on devices and outages already read (``outages`` may reach beyond the
    window: only those overlapping [start, end) count)."""
    if not devices:
        return Availability(start, end, 0, [], 0)
    outages = [o for o in outages
               if o.started_at < end and (o.ended_at is None or o.ended_at > start)]
    limit = min(end, max(now, start))
    by_device: dict[int, list[Interval]] = defaultdict(list)
    for outage in outages:
        s = max(outage.started_at, start)
        e = min(outage.ended_at or limit, end)
        by_device[outage.device_id].append((s, e))  # type: ignore[index]
    aggregation = [d for d in devices if d.role == DeviceRole.AGGREGATION]
    access = [d for d in devices if d.role != DeviceRole.AGGREGATION]
    down: list[Interval] = []
    for device in aggregation:
        down += _merge(by_device[device.id])
    if access:
        common = _merge(by_device[access[0].id])
        for device in access[1:]:
            common = _intersect(common, _merge(by_device[device.id]))
        down += common
    merged = _merge(down)
    downtime = int(sum((e - s).total_seconds() for s, e in merged))
    return Availability(start, end, downtime, outages, len(devices))


def building_availability(building_id: int, start: datetime, end: datetime,
                          *, now: datetime | None = None) -> Availability:
    """docs/design.md §3.5: the building is down while its aggregation device is down, or while
    every access device is down at once (union of the two). Open outages count until
    ``now`` (or ``end`` if earlier)."""
    return building_availability_over(building_id, [(start, end)], now=now)[0]


def building_availability_over(building_id: int, windows: list[Interval], *,
                               now: datetime | None = None) -> list[Availability]:
    """The same rule over several windows, reading the devices and outages once (the building
    page shows 30 days and 12 months: two queries instead of 84)."""
    now = now or utcnow()
    devices = _devices_in_service(building_id)
    if not devices or not windows:
        return [Availability(start, end, 0, [], 0) for start, end in windows]
    outages = _outages_overlapping(devices, min(s for s, _e in windows),
                                   max(e for _s, e in windows))
    return [_availability_from(devices, outages, start, end, now) for start, end in windows]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants of a Europe/Paris calendar day."""
    start = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def building_availability_between(building_id: int, first: date, following: date, *,
                                  now: datetime | None = None) -> Availability:
    """THE availability of a building over Paris calendar days [first, following) (issue 16.9).

    The one definition every page, export and API shows (docs/design.md §3.5): 1 − downtime ÷
    period, where the period runs from ``first`` 00:00 Europe/Paris to ``following`` 00:00, cut
    at ``now`` for the running month (time not yet lived is neither up nor down). A period that
    has not started gives ``availability_pct`` None.
    """
    now = now or utcnow()
    start, end = _calendar_window(first, following, now)
    return building_availability(building_id, start, end, now=now)


def _calendar_window(first: date, following: date, now: datetime) -> Interval:
    """[first 00:00, following 00:00) in Paris, cut at ``now`` (time not yet lived)."""
    start = day_bounds(first)[0]
    return start, min(day_bounds(following)[0], max(now, start))


def building_month_availability(building_id: int, period: str, *,
                                now: datetime | None = None) -> Availability:
    """Availability of a building for one calendar month ``YYYY-MM`` (see above)."""
    year, month = (int(part) for part in period.split("-"))
    following = date(year + (month == 12), month % 12 + 1, 1)
    return building_availability_between(building_id, date(year, month, 1), following, now=now)


def availability_by_day(building_id: int, first: date,
                        last: date) -> list[tuple[date, Availability]]:
    """Availability of each day from ``first`` to ``last`` included."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    results = building_availability_over(building_id, [day_bounds(day) for day in days])
    return list(zip(days, results, strict=True))


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The UTC instants of a Europe/Paris calendar month."""
    start = day_bounds(date(year, month, 1))[0]
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return start, day_bounds(nxt)[0]


def availability_by_month(building_id: int, months: int, today: date) -> list[
        tuple[str, Availability]]:
    """Availability of the last ``months`` calendar months, the current one included."""
    now = utcnow()
    periods: list[tuple[str, Interval]] = []
    year, month = today.year, today.month
    for _month in range(months):
        following = date(year + (month == 12), month % 12 + 1, 1)
        periods.append((f"{year}-{month:02d}",
                        _calendar_window(date(year, month, 1), following, now)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    periods.reverse()
    results = building_availability_over(building_id, [window for _p, window in periods],
                                         now=now)
    return [(period, result) for (period, _w), result in zip(periods, results, strict=True)]
