"""Mediation factories: slots, bookings and session records (flush, never commit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from isp.extensions import db
from isp.timeutil import today, utcnow


def make_slot(association, *, starts_at: datetime | None = None, capacity: int = 1,
              kind: str = "individual", duration_minutes: int = 60, topic: str = "email"):
    from mediation.models import CoachingSlot

    slot = CoachingSlot(association=association, starts_at=starts_at or (
        utcnow().replace(microsecond=0) + timedelta(days=2)), capacity=capacity, kind=kind,
        duration_minutes=duration_minutes, topic=topic)
    db.session.add(slot)
    db.session.flush()
    return slot


def make_session(association, *, household=None):
    from mediation.models import SessionRecord

    record = SessionRecord(association_id=association.id, kind="individual", held_on=today(),
                           duration_minutes=60, place_type="own_place", commune_code="44109",
                           themes="email", participants=1,
                           household_id=household.id if household else None)
    db.session.add(record)
    db.session.flush()
    return record


def make_booking(slot, household, status: str = "booked"):
    from mediation.models import Booking

    booking = Booking(slot=slot, household_id=household.id, status=status)
    db.session.add(booking)
    db.session.flush()
    return booking


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
