"""Retention of the requests' contact (docs/outreach.md, isp/gdpr.py).

The contact (name, e-mail, phone) is needed to answer the request, not to count demand. It is
cleared ``request_contact_days_after_close`` days (default 365) after the request was planned
or refused, and in any case ``request_contact_days_max`` days (default 730) after it was made;
the address, the number of flats, the district and the history of statuses stay.
``purge_request_contacts`` is for ``isp.gdpr.purge_expired`` to call; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from isp.extensions import db
from isp.timeutil import utcnow
from outreach.choices import CLOSED
from outreach.models import RequestEvent, ServiceRequest

DEFAULT_DAYS_AFTER_CLOSE = 365
DEFAULT_DAYS_MAX = 730


def purge_request_contacts(*, now: datetime | None = None) -> int:
    """Clear the contact of the requests past their retention; returns how many. Safe to run
    twice."""
    now = now or utcnow()
    rules = current_app.config.get("RETENTION", {})
    after_close = timedelta(days=rules.get("request_contact_days_after_close",
                                           DEFAULT_DAYS_AFTER_CLOSE))
    at_most = timedelta(days=rules.get("request_contact_days_max", DEFAULT_DAYS_MAX))
    expired = db.session.execute(select(ServiceRequest).where(
        ServiceRequest.contact_cleared_at.is_(None),
        or_(ServiceRequest.status.in_(tuple(CLOSED))
            & (ServiceRequest.status_changed_at < now - after_close),
            ServiceRequest.created_at < now - at_most))).scalars().all()
    for request in expired:
        request.requester_name = None
        request.contact_email = None
        request.contact_phone = None
        request.contact_cleared_at = now
        request.events.append(RequestEvent(kind="contact_cleared", actor_email="retention",
                                           at=now))
    db.session.flush()
    return len(expired)


def purge_expired(now: datetime, rules: dict) -> dict[str, int]:
    """Requesters' names and contacts after their period (the retention job's hook)."""
    return {"request_contacts_cleared": purge_request_contacts(now=now)}
