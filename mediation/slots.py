"""Coaching slots and bookings: publishing, cancelling, booking a seat, the week's planning.

Services take the acting person as ``actor`` and never touch the request; the caller commits.
A mediator's scope is their association: anything of another association is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload

from isp.auth import Scope
from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.pagination import ListStatements
from isp.signals import booking_made
from isp.timeutil import PARIS, as_utc, utcnow
from mediation.associations import get_association, get_place
from mediation.choices import (
    HOLDING_STATUSES,
    THEMES,
    BookingStatus,
    SessionType,
)
from mediation.models import Association, Booking, CoachingSlot
from subscribers.models import Household, Unit
from subscribers.services import assigned_to_association

LOCAL = PARIS  # the one calendar (isp.timeutil)
MAX_SLOT_MINUTES = 8 * 60
MAX_SLOT_CAPACITY = 30


def scoped_association(scope: Scope, code: str | None) -> Association | None:
    """The association a request acts on: a mediator's own; otherwise the code given (or None)."""
    if scope.is_mediator:
        association = db.session.get(Association, scope.association_id)
        if association is None or (code and code != association.code):
            raise NotFoundError(_(
                "Association %(code)s introuvable", code=code), field="association")
        return association
    return get_association(code) if code else None


def slots_query(scope: Scope, *, association: Association | None = None,
                start: datetime | None = None, end: datetime | None = None,
                include_cancelled: bool = False) -> Select:
    return slots_list(scope, association=association, start=start, end=end,
                      include_cancelled=include_cancelled).bound()


def slots_list(scope: Scope, *, association: Association | None = None,
               start: datetime | None = None, end: datetime | None = None,
               include_cancelled: bool = False,
               with_associations: bool = False) -> ListStatements:
    """``slots_query`` for the lists: its statement built once per kind of reader and set of
    filters used (isp.database.built_once), the filters' values as values (issue 23.3);
    ``with_associations`` joins each slot's association."""
    values: dict[str, object] = {}
    if scope.is_mediator:
        values["scope_association_id"] = scope.association_id
    if association is not None:
        values["association_id"] = association.id
    if start is not None:
        values["start"] = start
    if end is not None:
        values["end"] = end
    return ListStatements(_slots_statement(tuple(values), include_cancelled, with_associations),
                          values)


@built_once
def _slots_statement(filtered: tuple[str, ...], include_cancelled: bool,
                     with_associations: bool) -> Select:
    statement = select(CoachingSlot).order_by(CoachingSlot.starts_at, CoachingSlot.id)
    if with_associations:
        statement = statement.options(joinedload(CoachingSlot.association, innerjoin=True))
    for name in filtered:
        if name in ("scope_association_id", "association_id"):
            statement = statement.where(CoachingSlot.association_id == bindparam(name))
        elif name == "start":
            statement = statement.where(CoachingSlot.starts_at >= bindparam(name))
        else:
            statement = statement.where(CoachingSlot.starts_at < bindparam(name))
    if not include_cancelled:
        statement = statement.where(CoachingSlot.cancelled_at.is_(None))
    return statement


def get_slot(slot_id: int, scope: Scope) -> CoachingSlot:
    slot = db.session.get(CoachingSlot, slot_id)
    if slot is None or (scope.is_mediator and slot.association_id != scope.association_id):
        raise NotFoundError(_("Créneau %(slot_id)s introuvable", slot_id=slot_id), field="slot_id")
    return slot


def publish_slot(*, actor: User, association: Association, starts_at: datetime,
                 duration_minutes: int, capacity: int, topic: str, kind: str,
                 place_id: int | None = None) -> CoachingSlot:
    """A new coaching slot of an association (mediators: their own only)."""
    scope = Scope.of(actor)
    if scope.is_mediator and association.id != scope.association_id:
        raise NotFoundError(_("Association %(code)s introuvable", code=association.code))
    if starts_at.tzinfo is None:
        raise DomainError(_("L'heure de début doit avoir un fuseau horaire"), field="starts_at")
    if kind not in tuple(SessionType):
        raise DomainError(_("Le type est individuel ou collectif"), field="kind")
    if topic not in THEMES:
        raise DomainError(_("Thème inconnu : %(topic)s", topic=topic), field="topic")
    if not isinstance(duration_minutes, int) or not 15 <= duration_minutes <= MAX_SLOT_MINUTES:
        raise DomainError(_(
            "Durée : de 15 à %(max_slot_minutes)s minutes",
            max_slot_minutes=MAX_SLOT_MINUTES), field="duration_minutes")
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_SLOT_CAPACITY:
        raise DomainError(_(
            "Capacité : de 1 à %(max_slot_capacity)s",
            max_slot_capacity=MAX_SLOT_CAPACITY), field="capacity")
    if kind == SessionType.INDIVIDUAL and capacity != 1:
        raise DomainError(_("Un créneau individuel a une capacité de 1"), field="capacity")
    if as_utc(starts_at) < utcnow() - timedelta(days=1):
        raise DomainError(_("Un créneau ne peut pas commencer dans le passé"), field="starts_at")
    place = get_place(place_id, association) if place_id else None
    slot = CoachingSlot(association=association, place=place, starts_at=starts_at.astimezone(UTC),
                        duration_minutes=duration_minutes, capacity=capacity, topic=topic,
                        kind=kind, created_by_id=actor.id)
    db.session.add(slot)
    db.session.flush()
    return slot


def cancel_slot(slot: CoachingSlot, *, actor: User) -> CoachingSlot:
    """Cancel a slot and its bookings (the reminders page then lists whom to warn)."""
    if slot.cancelled_at is not None:
        raise DomainError(_("Ce créneau est déjà annulé"), status=409)
    now = utcnow()
    slot.cancelled_at = now
    for booking in slot.bookings:
        if booking.status == BookingStatus.BOOKED:
            booking.status = BookingStatus.CANCELLED
            booking.updated_at = now
    db.session.flush()
    return slot


def holding_count(slot: CoachingSlot) -> int:
    return db.session.execute(select(func.count()).select_from(Booking).where(
        Booking.slot_id == slot.id, Booking.status.in_(HOLDING_STATUSES))).scalar_one()


def holding_count_column():
    """``holding_count`` as a column of a query on slots (read with the slots, not after)."""
    return (select(func.count()).select_from(Booking)
            .where(Booking.slot_id == CoachingSlot.id, Booking.status.in_(HOLDING_STATUSES))
            .correlate(CoachingSlot).scalar_subquery())


def holding_counts(slot_ids: list[int]) -> dict[int, int]:
    """``holding_count`` of many slots in one query (slots without bookings are absent)."""
    if not slot_ids:
        return {}
    return dict(db.session.execute(
        select(Booking.slot_id, func.count()).where(
            Booking.slot_id.in_(slot_ids), Booking.status.in_(HOLDING_STATUSES))
        .group_by(Booking.slot_id)).all())


def book(slot: CoachingSlot, household_id: int, *, actor: User) -> Booking:
    """Book a household assigned to the slot's association: no overlap, no overbooking."""
    scope = Scope.of(actor)
    get_slot(slot.id, scope)
    # Lock the slot row so two bookings at once cannot both take the last seat (PostgreSQL).
    db.session.execute(select(CoachingSlot.id).where(CoachingSlot.id == slot.id)
                       .with_for_update())
    household = db.session.execute(select(Household).where(
        Household.id == household_id, Household.moved_out_on.is_(None),
        assigned_to_association(slot.association_id)).with_for_update(of=Household)
    ).scalar_one_or_none()
    if household is None:
        if scope.is_mediator:
            raise NotFoundError(_(
                "Foyer %(household_id)s introuvable",
                household_id=household_id), field="household_id")
        raise DomainError(_(
            "Le foyer %(household_id)s n'est pas suivi par %(code)s",
            household_id=household_id, code=slot.association.code),
            field="household_id", status=409)
    if slot.cancelled_at is not None:
        raise DomainError(_("Ce créneau est annulé"), field="slot_id", status=409)
    if slot.ends_at <= utcnow():
        raise DomainError(_("Ce créneau est passé"), field="slot_id", status=409)
    existing = db.session.execute(select(Booking).where(
        Booking.slot_id == slot.id, Booking.household_id == household.id)).scalar_one_or_none()
    if existing is not None and existing.status in HOLDING_STATUSES:
        raise DomainError(_("Ce foyer est déjà inscrit sur ce créneau"),
                          field="household_id", status=409)
    if holding_count(slot) >= slot.capacity:
        raise DomainError(_(
            "Ce créneau est complet (%(capacity)s places)",
            capacity=slot.capacity), field="slot_id",
                          status=409)
    start, end = as_utc(slot.starts_at), slot.ends_at
    for other in db.session.execute(select(Booking).join(Booking.slot).where(
            Booking.household_id == household.id, Booking.status.in_(HOLDING_STATUSES),
            CoachingSlot.id != slot.id, CoachingSlot.cancelled_at.is_(None),
            CoachingSlot.starts_at < end,
            CoachingSlot.starts_at > start - timedelta(minutes=MAX_SLOT_MINUTES))).scalars():
        if other.slot.ends_at > start:
            raise DomainError(_(
                "Ce foyer a déjà une inscription à cette heure (créneau %(slot_id)s)",
                slot_id=other.slot_id), field="household_id", status=409)
    if existing is not None:  # a cancelled booking comes back
        existing.status = BookingStatus.BOOKED
        existing.booked_by_id = actor.id
        existing.updated_at = utcnow()
        booking = existing
    else:
        booking = Booking(slot=slot, household_id=household.id, booked_by_id=actor.id,
                          status=BookingStatus.BOOKED)
        db.session.add(booking)
    db.session.flush()
    booking_made.send(booking, household_id=household.id, starts_at=as_utc(slot.starts_at))
    return booking


def get_booking(booking_id: int, scope: Scope) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or (scope.is_mediator
                           and booking.slot.association_id != scope.association_id):
        raise NotFoundError(_(
            "Inscription %(booking_id)s introuvable", booking_id=booking_id), field="booking_id")
    return booking


def set_booking_status(booking: Booking, status: str, *, actor: User) -> Booking:
    """Record attendance (attended/absent, once the slot has started) or cancel a booking."""
    get_booking(booking.id, Scope.of(actor))
    if status not in tuple(BookingStatus) or status == BookingStatus.BOOKED:
        raise DomainError(_("Le statut est présent, absent ou annulé"), field="status")
    if status == BookingStatus.CANCELLED:
        if booking.status != BookingStatus.BOOKED:
            raise DomainError(_(
                "Seule une place réservée peut être annulée"), field="status", status=409)
    else:
        if booking.status == BookingStatus.CANCELLED:
            raise DomainError(_("Cette inscription a été annulée"), field="status", status=409)
        if as_utc(booking.slot.starts_at) > utcnow():
            raise DomainError(_("La présence s'enregistre une fois le créneau commencé"),
                              field="status", status=409)
    booking.status = status
    booking.updated_at = utcnow()
    db.session.flush()
    return booking


def bookable_households(association_id: int) -> list[Household]:
    return list(db.session.execute(select(Household).join(Household.unit).where(
        Household.moved_out_on.is_(None), assigned_to_association(association_id))
        .order_by(Unit.code)).scalars())


def local(value: datetime) -> datetime:
    return as_utc(value).astimezone(LOCAL)


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    start = datetime.combine(monday, time(), tzinfo=LOCAL)
    return start.astimezone(UTC), (start + timedelta(days=7)).astimezone(UTC)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class PlanningDay:
    day: date
    slots: tuple[CoachingSlot, ...]


def week_planning(association: Association, monday: date) -> list[PlanningDay]:
    """The association's slots of one week (Monday to Sunday, local time), day by day."""
    start, end = week_bounds(monday)
    slots = list(db.session.execute(slots_query(Scope(Role.ADMIN), association=association,
                                                start=start, end=end)).scalars())
    return [PlanningDay(monday + timedelta(days=n),
                        tuple(s for s in slots if local(s.starts_at).date()
                              == monday + timedelta(days=n))) for n in range(7)]


WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def reminder_text(booking: Booking) -> str:
    """An SMS reminder in plain French, short enough for two SMS (no gateway: copy it)."""
    slot = booking.slot
    when = local(slot.starts_at)
    day = f"{WEEKDAYS[when.weekday()]} {when.day} {MONTHS[when.month - 1]}"
    hour = f"{when.hour}h{when.minute:02d}"
    where = f", {slot.place.name}, {slot.place.address}" if slot.place else ""
    contact = f" Pour annuler : {slot.association.phone}." if slot.association.phone else ""
    return (f"Bonjour, rappel de votre rendez-vous d'accompagnement numérique "
            f"({THEMES[slot.topic]}) avec {slot.association.name} le {day} à {hour}{where}."
            f"{contact}")
