"""Business rules of mediation: associations, places, assignment, slots, bookings, sessions.

Services take the acting person as ``actor`` and never touch the request; the caller commits.
A mediator's scope is their association: anything of another association is "not found".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, func, not_, select, update

from isp.auth import Scope
from isp.choices import Role
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.models import User
from isp.timeutil import PARIS, as_utc, start_of_day, today, utcnow
from isp.validation import Text, WebAddress
from mediation.choices import (
    AGE_BANDS,
    AUTONOMY_LEVELS,
    EQUIPMENT,
    HOLDING_STATUSES,
    PLACE_TYPES,
    REFERRALS,
    SPECIALTIES,
    THEMES,
    BookingStatus,
    SessionType,
)
from mediation.models import Assignment, Association, Booking, CoachingSlot, Place, SessionRecord
from mediation.scoring import AssociationFacts, HouseholdFacts, Suggestion, rank_associations
from subscribers.choices import LANGUAGES
from subscribers.models import Building, District, Household, Unit
from subscribers.services import (
    assigned_to_association,
    get_household,
    household_search_condition,
)

LOCAL = PARIS  # the one calendar (isp.timeutil)
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,29}$")
INSEE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
POSTCODE_RE = re.compile(r"^\d{5}$")
PIVOT_RE = re.compile(r"^[a-zA-Z0-9]{9,14}$")
MAX_SLOT_MINUTES = 8 * 60
MAX_SLOT_CAPACITY = 30
#: An association's contact fields (the columns' lengths; the website only http or https).
ASSOCIATION_CONTACT_FIELDS = {field.name: field for field in (
    Text("email", 254), Text("phone", 30), Text("summary", 280, multiline=True),
    WebAddress("website", 300))}


# --- associations and places -------------------------------------------------------------------

def associations_query(search: str | None = None) -> Select:
    statement = select(Association).order_by(Association.code)
    if search:
        pattern = f"%{search.strip()}%"
        statement = statement.where(Association.name.ilike(pattern)
                                    | Association.code.ilike(pattern))
    return statement


def get_association(code: str, scope: Scope | None = None) -> Association:
    """An association by code; a mediator only finds their own."""
    association = db.session.execute(
        select(Association).where(Association.code == code)).scalar_one_or_none()
    if association is None or (scope is not None and scope.is_mediator
                               and association.id != scope.association_id):
        raise NotFoundError(_(
            "Association %(code)s introuvable", code=code), field="association_code")
    return association


def _check_list(values: list[str], known, field: str, what: str) -> str:
    unknown = [value for value in values if value not in known]
    if unknown:
        raise DomainError(_(
            "%(what)s inconnu(s) : %(values)s", what=what, values=', '.join(unknown)), field=field)
    return ";".join(dict.fromkeys(values))


def split_list(value: str | list[str] | None) -> list[str]:
    """``a;b`` or a list → clean list."""
    if isinstance(value, list):
        return [item.strip() for item in value if item and item.strip()]
    return Association.split(value)


def save_association(association: Association | None = None, **fields) -> Association:
    """Create (``association`` None) or update an association after checking each field."""
    creating = association is None
    code = (fields.get("code") or (association.code if association else "")).strip().upper()
    if creating:
        if not CODE_RE.match(code):
            raise DomainError(_("Code : 2 à 30 majuscules, chiffres, - ou _"), field="code")
        if db.session.execute(select(Association.id).where(Association.code == code)).first():
            raise DomainError(_(
                "L'association %(code)s existe déjà", code=code), field="code", status=409)
        association = Association(code=code)
    name = (fields.get("name") if "name" in fields else association.name) or ""
    if not name.strip():
        raise DomainError(_("Le nom est obligatoire"), field="name")
    association.name = name.strip()[:160]
    if "siret_or_rna" in fields:
        pivot = (fields["siret_or_rna"] or "").replace(" ", "")
        if pivot and not (re.fullmatch(r"\d{14}", pivot) or re.fullmatch(r"W\d{9}", pivot)):
            raise DomainError(_("Le SIRET a 14 chiffres, le RNA est un W suivi de 9 chiffres"),
                              field="siret_or_rna")
        association.siret_or_rna = pivot or None
    if "districts" in fields or creating:
        districts = split_list(fields.get("districts"))
        if not districts:
            raise DomainError(_("Au moins un quartier est obligatoire"), field="districts")
        known = set(db.session.execute(select(District.code).where(
            District.code.in_(districts))).scalars())
        association.districts = _check_list(districts, known, "districts", "district")
    if "languages" in fields or creating:
        languages = split_list(fields.get("languages")) or ["fr"]
        association.languages = _check_list(languages, LANGUAGES, "languages", "language")
    if "specialties" in fields or creating:
        association.specialties = _check_list(split_list(fields.get("specialties")),
                                              SPECIALTIES, "specialties", "specialty")
    if fields.get("capacity_per_month") is not None or creating:
        capacity = fields.get("capacity_per_month")
        capacity = 20 if capacity in (None, "") else capacity
        if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity \
                <= 10000:
            raise DomainError(_("La capacité mensuelle est un nombre entier de 0 à 10000"),
                              field="capacity_per_month")
        association.capacity_per_month = capacity
    for name_ in ("email", "phone", "summary", "website"):
        if name_ in fields:
            setattr(association, name_, ASSOCIATION_CONTACT_FIELDS[name_].check(fields[name_]))
    if association.summary and len(association.summary) > 280:
        raise DomainError(_("Le résumé fait au plus 280 caractères"), field="summary")
    if creating:
        db.session.add(association)
    db.session.flush()
    return association


def get_place(place_id: int, association: Association) -> Place:
    place = db.session.get(Place, place_id)
    if place is None or place.association_id != association.id:
        raise NotFoundError(_("Lieu %(place_id)s introuvable", place_id=place_id), field="place_id")
    return place


def save_place(association: Association, place: Place | None = None, **fields) -> Place:
    """Create or update a place of an association."""
    place = place or Place(association=association)
    for required in ("name", "address", "postcode", "commune"):
        if not (fields.get(required) or "").strip():
            raise DomainError(_("%(required)s est obligatoire", required=required), field=required)
    if not POSTCODE_RE.match(fields["postcode"].strip()):
        raise DomainError(_("Code postal : 5 chiffres"), field="postcode")
    insee = (fields.get("insee_code") or "").strip().upper()
    if insee and not INSEE_RE.match(insee):
        raise DomainError(_("Code INSEE : 5 caractères (par exemple 44109)"), field="insee_code")
    for coordinate, bound in (("latitude", 90), ("longitude", 180)):
        value = fields.get(coordinate)
        if value is not None and not -bound <= value <= bound:
            raise DomainError(_(
                "%(coordinate)s hors limites", coordinate=coordinate), field=coordinate)
    place.name = fields["name"].strip()
    place.address = fields["address"].strip()
    place.postcode = fields["postcode"].strip()
    place.commune = fields["commune"].strip()
    place.insee_code = insee or None
    place.address_complement = (fields.get("address_complement") or "").strip() or None
    place.latitude = fields.get("latitude")
    place.longitude = fields.get("longitude")
    place.opening_hours = (fields.get("opening_hours") or "").strip() or None
    place.accessibility = (fields.get("accessibility") or "").strip() or None
    place.accessibility_url = (fields.get("accessibility_url") or "").strip() or None
    place.mobile = bool(fields.get("mobile"))
    place.updated_on = today()
    db.session.add(place)
    db.session.flush()
    return place


# --- assignment ------------------------------------------------------------------------------

def current_assignment(household_id: int) -> Assignment | None:
    return db.session.execute(select(Assignment).where(
        Assignment.household_id == household_id, Assignment.ended_at.is_(None))
        .order_by(Assignment.decided_at.desc())).scalars().first()


def assignment_history(household_id: int) -> list[Assignment]:
    return list(db.session.execute(select(Assignment).where(
        Assignment.household_id == household_id)
        .order_by(Assignment.decided_at.desc(), Assignment.id.desc())).scalars())


def _month_start(on: date) -> datetime:
    """The first instant of the Paris month of ``on`` (its midnight, as a UTC instant)."""
    return start_of_day(on.replace(day=1))


def association_facts(on: date | None = None) -> list[AssociationFacts]:
    """Every association with this month's use of its capacity and its current load.

    Capacity is counted in households newly assigned this month (a household takes a place
    the month it starts being followed) — our reading of "capacity per month".
    """
    start = _month_start(on or today())
    current = dict(db.session.execute(
        select(Assignment.association_id, func.count()).where(Assignment.ended_at.is_(None))
        .group_by(Assignment.association_id)).all())
    this_month = dict(db.session.execute(
        select(Assignment.association_id, func.count()).where(
            Assignment.decided_at >= start).group_by(Assignment.association_id)).all())
    return [AssociationFacts(a.code, a.name, tuple(a.split(a.districts)),
                             tuple(a.split(a.languages)), tuple(a.split(a.specialties)),
                             a.capacity_per_month, this_month.get(a.id, 0),
                             current.get(a.id, 0))
            for a in db.session.execute(select(Association).order_by(Association.code)).scalars()]


def household_facts(household: Household) -> HouseholdFacts:
    return HouseholdFacts(household.unit.building.district.code, household.language or "fr",
                          tuple(household.needs_list))


def suggestions_for(household: Household, on: date | None = None, *,
                    associations: list[AssociationFacts] | None = None
                    ) -> tuple[Suggestion, ...]:
    """The ranked associations for a household, each with its terms (docs/design.md §3.6).

    ``associations``: ``association_facts(on)`` already read (a list of households reads
    them once, not once per household).
    """
    labels = {code: str(label) for code, label in SPECIALTIES.items()}
    if associations is None:
        associations = association_facts(on)
    return rank_associations(household_facts(household), associations, labels)


def assign_household(household: Household, association_code: str, *, reason: str | None,
                     actor: User) -> Assignment:
    """An operator's decision: follow this household by this association (ends any other).

    Confirming the top suggestion needs no reason; choosing another one does.
    """
    if Role(actor.role) not in (Role.OPERATOR, Role.ADMIN):
        raise DomainError(_("Seul un opérateur décide d'une orientation"), status=403)
    if household.moved_out_on is not None:
        raise DomainError(_("Ce foyer a quitté le logement"), status=409)
    association = get_association(association_code)
    suggestions = suggestions_for(household)
    reason = (reason or "").strip()
    top = suggestions[0].code if suggestions else None
    if association.code != top and not reason:
        raise DomainError(_(
            "Dites pourquoi vous choisissez une autre association que celle suggérée"),
                          field="reason")
    current = current_assignment(household.id)
    if current is not None and current.association_id == association.id:
        raise DomainError(_("Le foyer est déjà suivi par %(code)s", code=association.code),
                          field="association_code", status=409)
    now = utcnow()
    if current is not None:
        end_assignment(current, actor=actor, at=now,
                       reason=f"Orientation vers {association.code}")
    assignment = Assignment(
        household_id=household.id, association_id=association.id,
        suggestion=json.dumps([s.as_dict() for s in suggestions], ensure_ascii=False),
        reason=reason or "Suggestion confirmée", decided_by_id=actor.id, decided_at=now)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def end_assignment(assignment: Assignment, *, actor: User | None, at: datetime | None = None,
                   reason: str | None = None) -> None:
    """End a follow-up: cut the session records' link to the household, cancel its bookings.

    The association then no longer sees the household (docs/design.md §3.8).
    """
    at = at or utcnow()
    assignment.ended_at = at
    assignment.ended_by_id = actor.id if actor is not None else None
    assignment.end_reason = reason
    db.session.execute(update(SessionRecord).where(
        SessionRecord.household_id == assignment.household_id,
        SessionRecord.association_id == assignment.association_id,
    ).values(household_id=None, assignment_id=None))
    future = db.session.execute(select(Booking).join(Booking.slot).where(
        Booking.household_id == assignment.household_id,
        CoachingSlot.association_id == assignment.association_id,
        CoachingSlot.starts_at >= at, Booking.status == BookingStatus.BOOKED)).scalars()
    for booking in future:
        booking.status = BookingStatus.CANCELLED
        booking.updated_at = at
    db.session.flush()


def end_follow_up_on_move_out(household: Household, *, moved_out_on: date,
                              actor: User | None) -> Assignment | None:
    """The household left its flat: its current follow-up ends now, in the recorder's name."""
    assignment = current_assignment(household.id)
    if assignment is None:
        return None
    end_assignment(assignment, actor=actor,
                   reason=f"Départ du logement le {moved_out_on.isoformat()}")
    return assignment


def cut_ended_links() -> int:
    """Session records still linked through an ended follow-up lose the link (retention)."""
    ended = select(Assignment.id).where(Assignment.ended_at.is_not(None))
    return db.session.execute(update(SessionRecord).where(
        SessionRecord.assignment_id.in_(ended)).values(household_id=None, assignment_id=None)
        .execution_options(synchronize_session=False)).rowcount or 0


def anonymise_household_mediation(household_id: int, identity) -> None:
    """Remove a household's identity (``isp.gdpr.Identity``) from mediation's records.

    Its follow-ups stay (dates, association) for the figures; their free texts are scrubbed
    and no session record stays linked to it.
    """
    for assignment in db.session.execute(select(Assignment).where(
            Assignment.household_id == household_id)).scalars():
        assignment.reason = identity.scrub(assignment.reason)
        assignment.end_reason = identity.scrub(assignment.end_reason)
    db.session.execute(update(SessionRecord).where(SessionRecord.household_id == household_id)
                       .values(household_id=None, assignment_id=None)
                       .execution_options(synchronize_session=False))
    db.session.flush()


def unassigned_households_query(search: str | None = None) -> Select:
    """Current households followed by no association, by flat.

    Reads ``households`` alone, in the order of their copy of the flat code (one index), so
    ``households_count`` counts the same rows; the flats are for the caller to load.
    """
    statement = (select(Household).where(
        Household.moved_out_on.is_(None),
        not_(select(Assignment.id).where(Assignment.household_id == Household.id,
                                         Assignment.ended_at.is_(None)).exists()))
        .order_by(Household.unit_code, Household.id))
    if search:
        statement = statement.where(household_search_condition(search))
    return statement


# --- slots and bookings ------------------------------------------------------------------------

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
    statement = select(CoachingSlot).order_by(CoachingSlot.starts_at, CoachingSlot.id)
    if scope.is_mediator:
        statement = statement.where(CoachingSlot.association_id == scope.association_id)
    if association is not None:
        statement = statement.where(CoachingSlot.association_id == association.id)
    if start is not None:
        statement = statement.where(CoachingSlot.starts_at >= start)
    if end is not None:
        statement = statement.where(CoachingSlot.starts_at < end)
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
    from isp.signals import booking_made

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


# --- session records ---------------------------------------------------------------------------

def sessions_query(scope: Scope, *, association: Association | None = None) -> Select:
    statement = select(SessionRecord).order_by(SessionRecord.held_on.desc(),
                                               SessionRecord.id.desc())
    if scope.is_mediator:
        statement = statement.where(SessionRecord.association_id == scope.association_id)
    if association is not None:
        statement = statement.where(SessionRecord.association_id == association.id)
    return statement


def get_session(session_id: int, scope: Scope) -> SessionRecord:
    record = db.session.get(SessionRecord, session_id)
    if record is None or (scope.is_mediator and record.association_id != scope.association_id):
        raise NotFoundError(_(
            "Séance %(session_id)s introuvable", session_id=session_id), field="session_id")
    return record


def _choice(value, vocabulary, field: str, *, required: bool = True):
    if value in (None, ""):
        if required:
            raise DomainError(_("%(field)s est obligatoire", field=field), field=field)
        return None
    if value not in vocabulary:
        raise DomainError(_(
            "Valeur inconnue pour %(field)s : %(value)s", field=field, value=value), field=field)
    return value


def record_session(*, actor: User, association: Association, kind: str, held_on: date,
                   duration_minutes: int, place_type: str, commune_code: str,
                   themes: list[str], autonomy: str | None = None,
                   equipment: list[str] | None = None, referral: str | None = None,
                   follow_up: bool = False, first_session: bool = False,
                   participants: int | None = None, age_band: str | None = None,
                   profile_commune_code: str | None = None, household_id: int | None = None,
                   slot_id: int | None = None) -> SessionRecord:
    """A session in the activity-report fields; linked to a household only if it is assigned."""
    scope = Scope.of(actor)
    if scope.is_mediator and association.id != scope.association_id:
        raise NotFoundError(_("Association %(code)s introuvable", code=association.code))
    _choice(kind, tuple(SessionType), "kind")
    if not isinstance(held_on, date) or held_on > today():
        raise DomainError(_(
            "La date est obligatoire et ne peut pas être dans le futur"), field="held_on")
    if isinstance(duration_minutes, bool) or not isinstance(duration_minutes, int) \
            or not 5 <= duration_minutes <= 600:
        raise DomainError(_("Durée : de 5 à 600 minutes"), field="duration_minutes")
    _choice(place_type, PLACE_TYPES, "place_type")
    commune_code = (commune_code or "").strip().upper()
    if not INSEE_RE.match(commune_code):
        raise DomainError(_("Code commune : le code INSEE à 5 caractères (par exemple 44109)"),
                          field="commune_code")
    themes = split_list(themes)
    if not themes:
        raise DomainError(_("Choisissez au moins un thème"), field="themes")
    _check_list(themes, THEMES, "themes", "theme")
    equipment = split_list(equipment)
    _check_list(equipment, EQUIPMENT, "equipment", "equipment")
    _choice(autonomy, AUTONOMY_LEVELS, "autonomy", required=False)
    _choice(referral, REFERRALS, "referral", required=False)
    _choice(age_band, AGE_BANDS, "age_band", required=False)
    profile_commune_code = (profile_commune_code or "").strip().upper() or None
    if profile_commune_code and not INSEE_RE.match(profile_commune_code):
        raise DomainError(_(
            "Code commune : le code INSEE à 5 caractères"), field="profile_commune_code")
    if kind == SessionType.INDIVIDUAL:
        participants = 1
    elif isinstance(participants, bool) or not isinstance(participants, int) \
            or not 2 <= participants <= 200:
        raise DomainError(_("Une séance collective a de 2 à 200 participants"),
                          field="participants")
    record = SessionRecord(
        association_id=association.id, kind=kind, held_on=held_on,
        duration_minutes=duration_minutes, place_type=place_type, commune_code=commune_code,
        themes=";".join(dict.fromkeys(themes)), autonomy=autonomy or None,
        equipment=";".join(dict.fromkeys(equipment)) or None, referral=referral or None,
        follow_up=bool(follow_up), first_session=bool(first_session), participants=participants,
        age_band=age_band or None, profile_commune_code=profile_commune_code,
        recorded_by_id=actor.id)
    if household_id is not None:
        household = get_household(household_id, scope)
        assignment = current_assignment(household.id)
        if assignment is None or assignment.association_id != association.id:
            raise DomainError(_(
                "Le foyer %(household_id)s n'est pas suivi par %(code)s",
                household_id=household_id, code=association.code), field="household_id", status=409)
        record.household_id = household.id
        record.assignment_id = assignment.id
        record.building_id = household.unit.building_id
    if slot_id is not None:
        slot = get_slot(slot_id, scope)
        if slot.association_id != association.id:
            raise NotFoundError(_(
                "Créneau %(slot_id)s introuvable", slot_id=slot_id), field="slot_id")
        record.slot_id = slot.id
    db.session.add(record)
    db.session.flush()
    return record


# --- figures for evaluation --------------------------------------------------------------------

def _period_bounds(period: str) -> tuple[date, date]:
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
    first, following = _period_bounds(period)
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


def assigned_counts() -> dict[int, int]:
    return dict(db.session.execute(
        select(Assignment.association_id, func.count()).where(Assignment.ended_at.is_(None))
        .group_by(Assignment.association_id)).all())

