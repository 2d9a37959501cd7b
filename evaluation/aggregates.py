"""Refresh of the monthly aggregates (job ``evaluation.refresh_aggregates``, CLI refresh).

Raw tables (subscriptions, daily usage, other domains' figures) are read here once a night, per
month; the dashboards, the API and the open data read only ``EvaluationMonthly``. The caller
commits.
"""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ScalarSelect, delete, func, insert, or_, select

from billing.reports import billing_figures
from billing.tariffs import prices_for_period
from evaluation.queries import (
    current_period,
    month_bounds,
    period_of,
    periods_between,
)
from isp.disclosure import (
    hidden_group_is_small,
    money_base_cents,
    ratio,
    round_count,
    round_money,
)
from isp.extensions import db
from isp.timeutil import local_date, today, utcnow
from mediation.figures import mediation_figures
from network.availability import building_availability_between
from network.models import UsageDay
from subscribers.choices import SubscriptionStatus
from subscribers.models import Building, District, Household, Subscription, Unit
from subscribers.models_figures import EvaluationMonthly
from support.figures import ticket_figures

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


def pilot_start() -> str:
    """The first month of the pilot: the first activation (or this month)."""
    first = db.session.execute(select(func.min(Subscription.activated_on))).scalar()
    start = period_of(first) if first else current_period()
    floor_day = today().replace(day=1)
    for _ in range(MAX_MONTHS - 1):
        floor_day = (floor_day - timedelta(days=1)).replace(day=1)
    return max(start, period_of(floor_day))


def flats_of_building() -> ScalarSelect:
    """A building's number of flats, as a column of a query on buildings: the one definition
    of the "flats" figure, which the refresh stores and the scenarios count live where it has
    no row.

    Counted building by building on the flats' building index: at 100,000 flats, joining
    every flat to its building and grouping cost ~3× more (issue 23.3).
    """
    return (select(func.count()).select_from(Unit).where(Unit.building_id == Building.id)
            .correlate(Building).scalar_subquery())


def refresh(periods: list[str] | None = None) -> dict:
    """Recompute the aggregates of the given months (default: the pilot's whole life)."""
    periods = periods or periods_between(pilot_start(), current_period())
    rows = db.session.execute(select(Building.id, Building.code, District.code,
                                     flats_of_building()).join(Building.district)).all()
    buildings = [(building_id, code, district_code)
                 for building_id, code, district_code, _flats in rows]
    flats = {building_id: int(count) for building_id, _code, _district, count in rows}
    subs = [_Sub(row.id, row.building_id, row.status, row.tier, row.activated_on,
                 row.terminated_on, local_date(row.created_at))
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
        money_base = money_base_cents(prices_for_period(period))
        for scope in scopes:
            scope.rows = {}
            scope_subs = [s for b in scope.building_ids for s in subs_by_building[b]]
            _subscriber_figures(scope, scope_subs, sum(flats.get(b, 0) for b in scope.building_ids),
                                sum(households.get(b, 0) for b in scope.building_ids),
                                first, following)
            _usage_figures(scope, scope_subs, usage, first, following)
            _other_domains(scope, period, first, following, money_base=money_base)
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
    rows["flats"] = (flats, None)  # dwellings, not households: exact
    rows["households"] = _count(households)
    rows["served"] = _count(in_service)
    for status in ("active", "reduced", "suspended"):
        rows[f"subs_{status}"] = _count(by_status[status])
    rows["subs_pending"] = _count(pending)
    rows["subs_terminated"] = _count(terminated)
    rows["take_up"] = (ratio(round_count(in_service), flats), in_service)
    tiers: dict[str, int] = defaultdict(int)
    for sub in served:
        if sub.status != SubscriptionStatus.SUSPENDED:
            tiers[sub.tier] += 1
    for tier, count in tiers.items():
        rows[f"tier:{tier}"] = _count(count)


def _count(households: int) -> tuple[int, int]:
    """A count of households as stored: published value rounded to 5, exact basis kept for the
    small-cell rule (isp.disclosure)."""
    return round_count(households), households


def _usage_by_subscription(first: date, following: date) -> dict[int, int]:
    usage = UsageDay.download_octets + UsageDay.upload_octets
    return {sub_id: int(total or 0) for sub_id, total in db.session.execute(
        select(UsageDay.subscription_id, func.sum(usage)).where(
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
    """Measured availability of a building (0–1) over [first, following); None if unknown.

    Network's one definition (``network.availability.building_availability_between``, issue 16.9).
    """
    pct = building_availability_between(building_id, first, following).availability_pct
    return None if pct is None else pct / 100


def _other_domains(scope: _Scope, period: str, first: date, following: date, *,
                   money_base: int) -> None:
    """Figures of the other domains through their published functions, when they exist."""
    rows = scope.rows
    if scope.level == "building" and first <= today():
        pct = building_availability_between(scope.building_ids[0], first,
                                            following).availability_pct
        if pct is not None:
            rows["availability"] = (pct, None)
    _billing_figures(scope, period, money_base)
    figures = _call(ticket_figures, scope, period)
    if figures:
        subscriptions, opened = figures["subscriptions"], figures["tickets"]
        rows["tickets_per_100"] = (
            ratio(round_count(opened), round_count(subscriptions), digits=1),
            min(subscriptions, opened))
        rows["median_hours_to_resolve"] = (figures.get("median_hours_to_resolve"),
                                           figures.get("resolved") or 0)
    figures = _call(mediation_figures, scope, period)
    if figures:
        bookings = figures["bookings"]
        # Slots of a building are those its households booked: they rest on the bookings.
        rows["coaching_slots"] = (figures["slots"], bookings)
        rows["bookings"] = _count(bookings)
        attended = figures["attended"]
        counted = attended + figures["absent"]
        rows["attendance_rate"] = (ratio(round_count(attended), round_count(counted)),
                                   attended)
        rows["sessions"] = _count(figures["sessions"])
        rows["households_accompanied"] = _count(figures["households_accompanied"])
        for theme, count in figures["sessions_by_theme"].items():
            rows[f"theme:{theme}"] = _count(count)
    for key in [k for k, (value, _b) in rows.items() if value is None]:
        del rows[key]  # "not available" is the absence of a row, never a 0


def _billing_figures(scope: _Scope, period: str, money_base: int) -> None:
    """Invoiced, collected, full cost, public subsidy and household share (issue 16.3).

    Amounts are rounded to ``money_base``; shares and the subsidy per household are computed
    from the published (rounded) figures. A scope nobody was billed in has no billing figure.
    """
    figures = _call(billing_figures, scope, period)
    if not figures or not figures["households_billed"]:
        return
    billed = figures["households_billed"]
    invoiced = figures["invoiced_cents"]
    subsidy = figures["subsidy_cents"]
    rows = scope.rows
    amounts = {"invoiced_cents": invoiced, "collected_cents": figures["collected_cents"],
               "full_cost_cents": invoiced + subsidy, "subsidy_cents": subsidy,
               "household_share_cents": invoiced}
    for key, cents in amounts.items():
        rows[key] = (round_money(cents, money_base), billed)
    published_subsidy = rows["subsidy_cents"][0]
    per_household = ratio(published_subsidy, round_count(billed), scale=1, digits=0)
    rows["subsidy_per_household_cents"] = (
        None if per_household is None else int(per_household), billed)
    in_arrears = figures["households_in_arrears"]
    rows["arrears_share"] = (ratio(round_count(in_arrears), round_count(billed)),
                             min(billed, in_arrears))


def _call(function, scope: _Scope, period: str) -> dict | None:
    try:
        # A savepoint: on PostgreSQL a failed statement would otherwise abort the whole refresh.
        with db.session.begin_nested():
            return function(period=period, **_place(scope))
    except Exception:  # noqa: BLE001 - another domain's failure must not stop the refresh
        log.exception("%s for %s %s failed", function.__name__, scope.level, scope.code)
        return None


#: Amounts that add up from buildings to their district (complementary suppression).
ADDITIVE_AMOUNTS = ("invoiced_cents", "collected_cents", "full_cost_cents", "subsidy_cents",
                    "household_share_cents")


def _complementary_suppression(scopes: list[_Scope]) -> None:
    """A district amount that would give back suppressed buildings by difference is suppressed.

    Counts need no such step (every published count is a multiple of 5, so differences are
    too); amounts do: the district total minus the buildings shown is the hidden buildings'
    total, suppressed when they rest together on fewer than 5 households.
    """
    buildings = {scope.building_ids[0]: scope for scope in scopes if scope.level == "building"}
    for scope in scopes:
        if scope.level != "district":
            continue
        for key in ADDITIVE_AMOUNTS:
            if key not in scope.rows:
                continue
            bases = [buildings[b].rows.get(key, (None, None))[1]
                     for b in scope.building_ids if b in buildings]
            if hidden_group_is_small(bases):
                for linked in (key, "subsidy_per_household_cents"):
                    if linked in scope.rows:
                        scope.rows[linked] = (scope.rows[linked][0], 0)  # basis 0: suppressed
