"""Support's part of the retention rules and of anonymisation (docs/design.md §3.8, isp/gdpr.py).

Tickets are kept 3 years after closure, then deleted with their timeline, links and
notifications; a household's anonymisation removes its identity from its tickets' texts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select

from isp.extensions import db
from isp.gdpr import years_before
from isp.timeutil import local_date, start_of_day
from support.choices import TicketStatus
from support.models import Notification, Ticket, TicketEvent, TicketOutage, TicketUnit


def purge_closed_tickets(before: datetime) -> int:
    """Delete tickets closed before ``before`` (resolved but never closed: resolved before).

    Returns how many; safe to run twice.
    """
    old = select(Ticket.id).where(or_(
        Ticket.closed_at < before,
        (Ticket.status == TicketStatus.RESOLVED) & Ticket.closed_at.is_(None)
        & (Ticket.resolved_at < before)))
    for model in (Notification, TicketEvent, TicketOutage, TicketUnit):
        db.session.execute(delete(model).where(model.ticket_id.in_(old))
                           .execution_options(synchronize_session=False))
    return db.session.execute(delete(Ticket).where(Ticket.id.in_(old))
                              .execution_options(synchronize_session=False)).rowcount or 0


def anonymise_household_tickets(household_id: int, identity) -> None:
    """Remove a household's identity (``isp.gdpr.Identity``) from its tickets and their
    comments and notifications; categories, dates and durations stay for the figures."""
    tickets = list(db.session.execute(select(Ticket).where(
        Ticket.household_id == household_id)).scalars())
    for ticket in tickets:
        ticket.subject = identity.scrub(ticket.subject)
        ticket.description = identity.scrub(ticket.description)
        ticket.resolution = identity.scrub(ticket.resolution)
        for event in ticket.events:
            event.body = identity.scrub(event.body)
            event.from_value = identity.scrub(event.from_value)
            event.to_value = identity.scrub(event.to_value)
        for notification in db.session.execute(select(Notification).where(
                Notification.ticket_id == ticket.id)).scalars():
            notification.subject = identity.scrub(notification.subject)
            notification.body = identity.scrub(notification.body)
            if identity.found_in(notification.email_to):
                notification.email_to = None
    db.session.flush()


def purge_expired(now: datetime, rules: dict) -> dict[str, int]:
    """Closed tickets after ``ticket_years_after_close`` (the retention job's hook)."""
    limit = years_before(local_date(now), rules.get("ticket_years_after_close", 3))
    return {"tickets_deleted": purge_closed_tickets(start_of_day(limit))}
