"""Refresh of the monthly aggregates (job ``evaluation.refresh_aggregates``, CLI refresh).

Raw tables (subscriptions, daily usage, other domains' figures) are read here once a night, per
month; the dashboards, the API and the open data read only ``EvaluationMonthly``. The caller
commits.
"""

from __future__ import annotations

import importlib
import logging
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, func, insert, or_, select

from evaluation.models import EvaluationMonthly
from evaluation.queries import (
    FAMILY_PREFIXES,
    METRICS,
    SMALL_CELL,
    current_period,
    month_bounds,
    period_of,
    periods_between,
)
from isp.extensions import db
from isp.timeutil import today, utcnow
from subscribers.choices import SubscriptionStatus
from subscribers.models import Building, District, Household, Subscription, Unit

log = logging.getLogger(__name__)

#: The trend covers at most this many months back.
MAX_MONTHS = 36


@dataclass
class _Sub:
    id: int
    building_id: int
    status: str
    tier: str
    activated_on: date | None
    terminated_on: date | None
    created_on: date


@dataclass
class _Scope:
    level: str
    code: str
    building_ids: list[int]
    rows: dict[str, tuple[float | None, int | None]] = field(default_factory=dict)


def optional(module: str, name: str):
    """A function another domain exposes, or None while it has not landed."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def pilot_start() -> str:
    """The first month of the pilot: the first activation (or this month)."""
    first = db.session.execute(select(func.min(Subscription.activated_on))).scalar()
    start = period_of(first) if first else current_period()
    floor_day = today().replace(day=1)
    for _ in range(MAX_MONTHS - 1):
        floor_day = (floor_day - timedelta(days=1)).replace(day=1)
    return max(start, period_of(floor_day))


def refresh(periods: list[str] | None = None) -> dict:
    """Recompute the aggregates of the given months (default: the pilot's whole life)."""
    periods = periods or periods_between(pilot_start(), current_period())
    buildings = db.session.execute(
        select(Building.id, Building.code, District.code).join(Building.district)).all()
    flats = dict(db.session.execute(
        select(Unit.building_id, func.count(Unit.id)).group_by(Unit.building_id)).all())
    subs = [_Sub(row.id, row.building_id, row.status, row.tier, row.activated_on,
                 row.terminated_on, row.created_at.date())
            for row in db.session.execute(
                select(Subscription.id, Unit.building_id, Subscription.status, Subscription.tier,
                       Subscription.activated_on, Subscription.terminated_on,
                       Subscription.created_at).join(Unit, Subscription.unit_id == Unit.id))]
    by_district: dict[str, list[int]] = defaultdict(list)
    scopes = []
    for building_id, code, district_code in buildings:
        if flats.get(building_id):
            scopes.append(_Scope("building", code, [building_id]))
            by_district[district_code].append(building_id)
    scopes += [_Scope("district", code, ids) for code, ids in sorted(by_district.items())]
    subs_by_building: dict[int, list[_Sub]] = defaultdict(list)
    for sub in subs:
        subs_by_building[sub.building_id].append(sub)
    written = 0
    now = utcnow()
    for period in periods:
        first, following = month_bounds(period)
        households = _households_at(following - timedelta(days=1))
        usage = _usage_by_subscription(first, following)
        for scope in scopes:
            scope.rows = {}
            scope_subs = [s for b in scope.building_ids for s in subs_by_building[b]]
            _subscriber_figures(scope, scope_subs, sum(flats.get(b, 0) for b in scope.building_ids),
                                sum(households.get(b, 0) for b in scope.building_ids),
                                first, following)
            _usage_figures(scope, scope_subs, usage, first, following)
            _other_domains(scope, period, first, following)
        _complementary_suppression(scopes)
        db.session.execute(delete(EvaluationMonthly).where(EvaluationMonthly.period == period))
        payload = [{"level": scope.level, "code": scope.code, "period": period, "metric": key,
                    "value": value, "households": basis, "refreshed_at": now}
                   for scope in scopes for key, (value, basis) in scope.rows.items()]
        if payload:
            db.session.execute(insert(EvaluationMonthly), payload)
        written += len(payload)
    db.session.flush()
    return {"periods": len(periods), "scopes": len(scopes), "rows": written}


def _households_at(day: date) -> dict[int, int]:
    return dict(db.session.execute(
        select(Unit.building_id, func.count(Household.id)).join(Household.unit).where(
            Household.moved_in_on <= day,
            or_(Household.moved_out_on.is_(None), Household.moved_out_on > day))
        .group_by(Unit.building_id)).all())


def _served_on(sub: _Sub, day: date) -> bool:
    return (sub.activated_on is not None and sub.activated_on <= day
            and (sub.terminated_on is None or sub.terminated_on > day))


def _subscriber_figures(scope: _Scope, subs: list[_Sub], flats: int, households: int,
                        first: date, following: date) -> None:
    last = following - timedelta(days=1)
    served = [s for s in subs if _served_on(s, last)]
    # Status history is not kept month by month: a subscription served at the month's end
    # counts under its current status if that is a served one, else as active (it was then).
    by_status: dict[str, int] = defaultdict(int)
    for sub in served:
        status = sub.status if sub.status in (SubscriptionStatus.REDUCED,
                                              SubscriptionStatus.SUSPENDED) else "active"
        by_status[status] += 1
    pending = sum(1 for s in subs if s.created_on <= last
                  and (s.activated_on is None or s.activated_on > last)
                  and s.status in (SubscriptionStatus.PENDING, SubscriptionStatus.PROVISIONING))
    terminated = sum(1 for s in subs if s.terminated_on and first <= s.terminated_on < following)
    in_service = by_status["active"] + by_status["reduced"]
    rows = scope.rows
    rows["flats"] = (flats, None)
    rows["households"] = (households, households)
    rows["served"] = (in_service, in_service)
    for status in ("active", "reduced", "suspended"):
        rows[f"subs_{status}"] = (by_status[status], by_status[status])
    rows["subs_pending"] = (pending, pending)
    rows["subs_terminated"] = (terminated, terminated)
    rows["take_up"] = (round(100 * in_service / flats, 2) if flats else None, in_service)
    tiers: dict[str, int] = defaultdict(int)
    for sub in served:
        if sub.status != SubscriptionStatus.SUSPENDED:
            tiers[sub.tier] += 1
    for tier, count in tiers.items():
        rows[f"tier:{tier}"] = (count, count)


def _usage_by_subscription(first: date, following: date) -> dict[int, int]:
    try:
        from network.models import UsageDay
    except ImportError:
        return {}
    down = getattr(UsageDay, "download_octets", None)
    up = getattr(UsageDay, "upload_octets", None)
    if down is None or up is None:
        return {}
    return {sub_id: int(total or 0) for sub_id, total in db.session.execute(
        select(UsageDay.subscription_id, func.sum(down + up)).where(
            UsageDay.day >= first, UsageDay.day < following)
        .group_by(UsageDay.subscription_id)).all()}


def _usage_figures(scope: _Scope, subs: list[_Sub], usage: dict[int, int], first: date,
                   following: date) -> None:
    if not usage:
        return
    last = following - timedelta(days=1)
    values = sorted(usage[s.id] for s in subs if _served_on(s, last) and s.id in usage)
    if not values:
        return
    scope.rows["usage_median_octets"] = (float(statistics.median(values)), len(values))
    scope.rows["usage_p90_octets"] = (float(percentile(values, 90)), len(values))


def percentile(values: list[float], pct: float) -> float:
    """Linear-interpolated percentile of sorted values (numpy's default method)."""
    if not values:
        raise ValueError("no values")
    rank = (len(values) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def _place(scope: _Scope) -> dict:
    return ({"building_code": scope.code, "district_code": None} if scope.level == "building"
            else {"building_code": None, "district_code": scope.code})


def building_uptime(building_id: int, first: date, following: date) -> float | None:
    """Measured availability of a building (0–1) from the network domain; None if unknown."""
    from datetime import UTC, datetime, time

    function = optional("network.services", "building_availability")
    if function is None:
        return None
    start = datetime.combine(first, time(), tzinfo=UTC)
    end = datetime.combine(following, time(), tzinfo=UTC)
    try:
        with db.session.begin_nested():
            result = function(building_id, start, end)
    except Exception:  # noqa: BLE001 - a missing measure is shown as such, never invented
        log.exception("availability of building %s failed", building_id)
        return None
    pct = getattr(result, "availability_pct", result)
    return None if pct is None else float(pct) / 100


def _first(figures: dict, *names):
    for name in names:
        if figures.get(name) is not None:
            return figures[name]
    return None


def _other_domains(scope: _Scope, period: str, first: date, following: date) -> None:
    """Figures of the other domains through their published functions, when they exist."""
    rows = scope.rows
    if scope.level == "building" and first <= today():
        uptime = building_uptime(scope.building_ids[0], first, min(following, today()
                                                                   + timedelta(days=1)))
        if uptime is not None:
            rows["availability"] = (round(100 * uptime, 2), None)
    billing = optional("billing.services", "billing_figures")
    if billing is not None:
        figures = _call(billing, scope, period)
        if figures:
            households = _first(figures, "households_billed", "households_invoiced")
            rows["invoiced_cents"] = (_first(figures, "invoiced_cents"), households)
            rows["collected_cents"] = (_first(figures, "collected_cents"), households)
            in_arrears = _first(figures, "households_in_arrears", "arrears_households")
            share = _first(figures, "share_in_arrears", "arrears_share")
            if share is None and in_arrears is not None and households:
                share = in_arrears / households
            if share is not None:
                basis = min(x for x in (households, in_arrears) if x is not None) \
                    if households is not None or in_arrears is not None else None
                rows["arrears_share"] = (round(100 * share, 2) if share <= 1 else share, basis)
    tickets = optional("support.services", "ticket_figures")
    if tickets is not None:
        figures = _call(tickets, scope, period)
        if figures:
            basis = min(figures.get("subscriptions") or 0, figures.get("tickets") or 0)
            rows["tickets_per_100"] = (figures.get("tickets_per_100_subscriptions"), basis)
            rows["median_hours_to_resolve"] = (figures.get("median_hours_to_resolve"),
                                               figures.get("resolved") or 0)
    mediation = optional("mediation.services", "mediation_figures")
    if mediation is not None:
        figures = _call(mediation, scope, period)
        if figures:
            bookings = _first(figures, "bookings")
            # Slots of a building are those its households booked: they rest on the bookings.
            rows["coaching_slots"] = (_first(figures, "slots", "coaching_slots"), bookings)
            attended = _first(figures, "attended", "bookings_attended")
            rows["bookings"] = (bookings, bookings)
            rate = _first(figures, "attendance_rate")
            if rate is None and bookings and attended is not None:
                rate = attended / bookings
            if rate is not None:
                rows["attendance_rate"] = (round(100 * rate, 2) if rate <= 1 else rate,
                                           attended if attended is not None else bookings)
            sessions = _first(figures, "sessions")
            rows["sessions"] = (sessions, sessions)
            accompanied = _first(figures, "households_accompanied", "households")
            rows["households_accompanied"] = (accompanied, accompanied)
            for theme, count in (_first(figures, "sessions_by_theme", "themes") or {}).items():
                rows[f"theme:{theme}"] = (count, count)
    for key in [k for k, (value, _b) in rows.items() if value is None]:
        del rows[key]  # "not available" is the absence of a row, never a 0


def _call(function, scope: _Scope, period: str) -> dict | None:
    try:
        # A savepoint: on PostgreSQL a failed statement would otherwise abort the whole refresh.
        with db.session.begin_nested():
            return function(period=period, **_place(scope))
    except Exception:  # noqa: BLE001 - another domain's failure must not stop the refresh
        log.exception("%s for %s %s failed", function.__name__, scope.level, scope.code)
        return None


def _complementary_suppression(scopes: list[_Scope]) -> None:
    """A district figure that would reveal one suppressed building by difference is suppressed.

    District counts are sums of their buildings; with one building hidden and the others shown,
    the district total minus the shown ones gives the hidden one back.
    """
    buildings = {scope.building_ids[0]: scope for scope in scopes if scope.level == "building"}
    count_keys = [key for key, metric in METRICS.items() if metric.unit == "count"]
    for scope in scopes:
        if scope.level != "district" or len(scope.building_ids) < 2:
            continue
        keys = set(count_keys) | {k for k in scope.rows if
                                  any(k.startswith(p) for p in FAMILY_PREFIXES)}
        for key in keys:
            if key not in scope.rows:
                continue
            hidden = [b for b in scope.building_ids if b in buildings and
                      _is_small(buildings[b].rows.get(key, (0, 0))[1])]
            if len(hidden) == 1:
                for linked in (key, *DERIVED_FROM.get(key, ())):
                    if linked in scope.rows:
                        value, _basis = scope.rows[linked]
                        scope.rows[linked] = (value, 0)  # basis 0: suppressed like a small cell


#: Figures from which a suppressed count could be recomputed (take-up × flats = served).
DERIVED_FROM = {"served": ("take_up",)}


def _is_small(basis: int | None) -> bool:
    return basis is not None and basis < SMALL_CELL
