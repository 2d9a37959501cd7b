"""Coaching figures of a month for evaluation (per association, building or district)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from mediation.associations import get_association
from mediation.choices import (
    HOLDING_STATUSES,
    BookingStatus,
    SessionType,
)
from mediation.models import Booking, CoachingSlot, SessionRecord
from mediation.slots import LOCAL
from subscribers.models import Building, District, Household, Unit


def period_bounds(period: str) -> tuple[date, date]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", period or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DomainError(_("La période s'écrit AAAA-MM"), field="period")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following


def mediation_figures(*, association_code: str | None = None, building_code: str | None = None,
                      district_code: str | None = None, period: str) -> dict:
    """Coaching figures of one month, for an association and/or a building or district.

    With a building or district, slots count those where at least one of its households held a
    seat; bookings and attendance count its households' bookings; sessions count those recorded
    for its households (the building is kept on the record when the household link is cut).
    Attendance rate = attended ÷ (attended + absent), None when no attendance was recorded.
    """
    first, following = period_bounds(period)
    start = datetime.combine(first, time(), tzinfo=LOCAL).astimezone(UTC)
    end = datetime.combine(following, time(), tzinfo=LOCAL).astimezone(UTC)
    association = get_association(association_code) if association_code else None
    buildings = None
    if building_code or district_code:
        statement = select(Building.id)
        if building_code:
            statement = statement.where(Building.code == building_code)
        if district_code:
            statement = statement.join(Building.district).where(District.code == district_code)
        buildings = list(db.session.execute(statement).scalars())

    bookings = (select(Booking).join(Booking.slot).where(
        CoachingSlot.starts_at >= start, CoachingSlot.starts_at < end))
    slots = select(CoachingSlot.id).where(CoachingSlot.starts_at >= start,
                                          CoachingSlot.starts_at < end,
                                          CoachingSlot.cancelled_at.is_(None))
    sessions = select(SessionRecord).where(SessionRecord.held_on >= first,
                                           SessionRecord.held_on < following)
    if association is not None:
        bookings = bookings.where(CoachingSlot.association_id == association.id)
        slots = slots.where(CoachingSlot.association_id == association.id)
        sessions = sessions.where(SessionRecord.association_id == association.id)
    if buildings is not None:
        in_buildings = select(Household.id).join(Household.unit).where(
            Unit.building_id.in_(buildings))
        bookings = bookings.where(Booking.household_id.in_(in_buildings))
        slots = slots.where(CoachingSlot.id.in_(
            select(Booking.slot_id).where(Booking.household_id.in_(in_buildings),
                                          Booking.status.in_(HOLDING_STATUSES))))
        sessions = sessions.where(SessionRecord.building_id.in_(buildings))
    booking_rows = list(db.session.execute(bookings).scalars())
    held = [b for b in booking_rows if b.status in HOLDING_STATUSES]
    attended = [b for b in held if b.status == BookingStatus.ATTENDED]
    absent = [b for b in held if b.status == BookingStatus.ABSENT]
    records = list(db.session.execute(sessions).scalars())
    by_theme: dict[str, int] = {}
    for record in records:
        for theme in record.theme_list:
            by_theme[theme] = by_theme.get(theme, 0) + 1
    accompanied = {b.household_id for b in attended} | {
        r.household_id for r in records if r.household_id is not None}
    counted = len(attended) + len(absent)
    return {
        "period": period,
        "slots": len(db.session.execute(slots).all()),
        "bookings": len(held),
        "attended": len(attended),
        "absent": len(absent),
        "attendance_rate": round(len(attended) / counted, 4) if counted else None,
        "sessions": len(records),
        "collective_sessions": sum(1 for r in records if r.kind == SessionType.COLLECTIVE),
        "participants": sum(r.participants for r in records),
        "sessions_by_theme": dict(sorted(by_theme.items())),
        "households_accompanied": len(accompanied),
        "hours": round(sum(r.duration_minutes for r in records) / 60, 1),
    }
