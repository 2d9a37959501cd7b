"""Network's part of the retention rules (docs/design.md §3.4 and §3.8, isp/gdpr.py).

Port-hour usage is kept 90 days (RETENTION["usage_hour_days"]), counted in whole Europe/Paris
days, after being rolled up per port and day (``network.usage_store``: on PostgreSQL the
monthly partitions entirely before the window are dropped, on SQLite the rows are deleted); a
subscription's daily usage is kept while it lives (and a grace period after its end), then only
the building's days remain (kept forever, no person).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select

from isp.extensions import db
from isp.timeutil import local_date, start_of_day
from network.models import BuildingUsageDay, UsageDay
from network.usage_store import remove_expired_hours
from subscribers.models import Subscription, Unit


@dataclass(frozen=True)
class UsagePurge:
    hours_deleted: int
    subscription_days_deleted: int
    building_days_added: int
    partitions_dropped: tuple[str, ...] = ()
    port_days_rolled_up: int = 0


def purge_usage(*, hours_before: datetime, ended_before: date) -> UsagePurge:
    """Remove the port hours of the days before the Europe/Paris day of ``hours_before``
    (rolled up per port first: ``network.usage_store.remove_expired_hours``), and roll up the
    daily usage of subscriptions terminated before ``ended_before`` into per-building days,
    then delete it.

    The poller writes each hour to the subscription's day and to the building's day at once,
    so a building day that exists already counts the subscription's traffic; only the days
    without a building row (older data, imports) get one, from the subscriptions' sum.
    """
    removed = remove_expired_hours(start_of_day(local_date(hours_before)))
    ended = select(Subscription.id).where(Subscription.terminated_on.is_not(None),
                                          Subscription.terminated_on < ended_before)
    sums = db.session.execute(
        select(Unit.building_id, UsageDay.day, func.sum(UsageDay.download_octets),
               func.sum(UsageDay.upload_octets))
        .join(Subscription, Subscription.id == UsageDay.subscription_id)
        .join(Unit, Unit.id == Subscription.unit_id)
        .where(UsageDay.subscription_id.in_(ended))
        .group_by(Unit.building_id, UsageDay.day)).all()
    existing = set(db.session.execute(select(BuildingUsageDay.building_id, BuildingUsageDay.day)
                                      .where(BuildingUsageDay.building_id.in_(
                                          {row[0] for row in sums}))).all())
    added = [BuildingUsageDay(building_id=building_id, day=day, download_octets=int(down or 0),
                              upload_octets=int(up or 0))
             for building_id, day, down, up in sums if (building_id, day) not in existing]
    db.session.add_all(added)
    db.session.flush()
    days = db.session.execute(delete(UsageDay).where(UsageDay.subscription_id.in_(ended))
                              .execution_options(synchronize_session=False)).rowcount or 0
    return UsagePurge(removed.hours_deleted, days, len(added),
                      tuple(removed.partitions_dropped), removed.days_rolled_up)


def purge_expired(now: datetime, rules: dict) -> dict[str, int]:
    """The network's lines of the register (the retention job's hook, isp.gdpr)."""
    usage = purge_usage(
        hours_before=now - timedelta(days=rules["usage_hour_days"]),
        ended_before=local_date(now) - timedelta(days=rules.get("usage_day_days_after_end", 30)))
    return {"usage_hours_deleted": usage.hours_deleted,
            "subscription_usage_days_deleted": usage.subscription_days_deleted}
