"""Support figures of a month for evaluation (per building, district or everywhere)."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime

from sqlalchemy import func, or_, select

from isp.errors import DomainError
from isp.extensions import db
from subscribers.models import Building, District, Subscription, Unit
from support.choices import TicketCategory, TicketSource
from support.models import Ticket
from support.text import _


def _month_bounds(period: str) -> tuple[date, date]:
    try:
        year, month = (int(part) for part in period.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        raise DomainError(_(
            "la période s'écrit AAAA-MM (reçu : %(period)s)", period=period), field="period",
                          status=400) from None
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following


def ticket_figures(*, building_code: str | None = None, district_code: str | None = None,
                   period: str) -> dict:
    """Support figures of one month, per building or district (or everywhere).

    Tickets counted are those opened in the month (follow-ups excluded: they are tasks, not
    requests). ``subscriptions`` are those served at least one day of the month; the caller
    applies the small-cell rule.
    """
    first, following = _month_bounds(period)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(following.year, following.month, following.day, tzinfo=UTC)
    place = []
    if building_code:
        place.append(Building.code == building_code)
    if district_code:
        place.append(Building.district_id.in_(select(District.id).where(
            District.code == district_code).scalar_subquery()))

    tickets = db.session.execute(
        select(Ticket).outerjoin(Building, Ticket.building_id == Building.id).where(
            Ticket.opened_at >= start, Ticket.opened_at < end,
            Ticket.category != TicketCategory.FOLLOW_UP, *place)).scalars().all()
    subscriptions = db.session.execute(
        select(func.count(Subscription.id)).join(Unit, Subscription.unit_id == Unit.id)
        .join(Building, Unit.building_id == Building.id).where(
            Subscription.activated_on.is_not(None), Subscription.activated_on < following,
            or_(Subscription.terminated_on.is_(None), Subscription.terminated_on > first),
            *place)).scalar_one()
    resolved = [t for t in tickets if t.resolved_at is not None]
    hours = [(t.resolved_at - t.opened_at).total_seconds() / 3600 for t in resolved]
    within = [t for t in resolved if t.resolved_at <= t.sla_due_at]
    by_category: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for ticket in tickets:
        by_category[ticket.category] = by_category.get(ticket.category, 0) + 1
        by_source[ticket.source] = by_source.get(ticket.source, 0) + 1
    return {
        "period": period,
        "building_code": building_code,
        "district_code": district_code,
        "subscriptions": subscriptions,
        "tickets": len(tickets),
        "network_tickets": by_source.get(TicketSource.NETWORK, 0),
        "tickets_per_100_subscriptions": round(100 * len(tickets) / subscriptions, 1)
        if subscriptions else None,
        "resolved": len(resolved),
        "median_hours_to_resolve": round(statistics.median(hours), 1) if hours else None,
        "within_sla": len(within),
        "share_within_sla": round(len(within) / len(resolved), 3) if resolved else None,
        "by_category": by_category,
        "by_source": by_source,
    }
