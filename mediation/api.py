"""JSON API of mediation (docs/design.md §4.5): associations, slots, bookings, sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, jsonify, request
from sqlalchemy.orm import selectinload

from isp import audit
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.formatting import iso
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.timeutil import as_utc
from isp.validation import MAX_INT, Integer, Text, body_schema, json_body
from mediation.assignments import assign_household, suggestions_for
from mediation.associations import associations_query
from mediation.models import Association, Booking, CoachingSlot, SessionRecord
from mediation.schemas import (
    AssignmentOut,
    AssociationOut,
    AssociationQuery,
    BookingOut,
    SessionOut,
    SlotOut,
    SlotQuery,
    SuggestionsOut,
)
from mediation.sessions import get_session, record_session
from mediation.slots import (
    LOCAL,
    book,
    get_slot,
    holding_count,
    holding_counts,
    scoped_association,
    slots_list,
)
from subscribers.services import get_household

bp = Blueprint("mediation_api", __name__, url_prefix="/api/v1")



def association_json(association: Association) -> dict:
    return {"code": association.code, "name": association.name,
            "siret_or_rna": association.siret_or_rna,
            "districts": association.split(association.districts),
            "languages": association.split(association.languages),
            "specialties": association.split(association.specialties),
            "capacity_per_month": association.capacity_per_month, "email": association.email,
            "phone": association.phone,
            "places": [{"id": p.id, "name": p.name, "address": p.address,
                        "postcode": p.postcode, "commune": p.commune,
                        "opening_hours": p.opening_hours, "accessibility": p.accessibility}
                       for p in association.places]}


def slot_json(slot: CoachingSlot, booked: int | None = None) -> dict:
    """One slot; ``booked``: its holding count when already known (lists)."""
    return {"id": slot.id, "association_code": slot.association.code,
            "starts_at": iso(as_utc(slot.starts_at)), "ends_at": iso(slot.ends_at),
            "duration_minutes": slot.duration_minutes, "capacity": slot.capacity,
            "booked": holding_count(slot) if booked is None else booked,
            "topic": slot.topic, "kind": slot.kind,
            "place_id": slot.place_id, "cancelled": slot.cancelled_at is not None}


def slots_json(slots: list[CoachingSlot]) -> list[dict]:
    """A page of slots: their bookings counted in one query, not one per slot (nor as a
    column of the page's statement, which an OFFSET would compute for every skipped slot)."""
    counts = holding_counts([slot.id for slot in slots])
    return [slot_json(slot, counts.get(slot.id, 0)) for slot in slots]


def booking_json(booking: Booking) -> dict:
    return {"id": booking.id, "slot_id": booking.slot_id, "household_id": booking.household_id,
            "status": booking.status, "booked_at": iso(as_utc(booking.booked_at))}


def session_json(record: SessionRecord) -> dict:
    return {"id": record.id, "association_code": record.association.code, "kind": record.kind,
            "held_on": record.held_on.isoformat(), "duration_minutes": record.duration_minutes,
            "place_type": record.place_type, "commune_code": record.commune_code,
            "themes": record.theme_list, "autonomy": record.autonomy,
            "equipment": record.equipment_list, "referral": record.referral,
            "follow_up": record.follow_up, "first_session": record.first_session,
            "participants": record.participants, "age_band": record.age_band,
            "profile_commune_code": record.profile_commune_code,
            "household_id": record.household_id, "slot_id": record.slot_id}


def _body() -> dict:
    return json_body()


def _int(data: dict, name: str, *, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise DomainError(_("%(field)s est obligatoire.", field=name), field=name, status=400)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("%(field)s doit être un nombre entier.", field=name),
                          field=name, status=400)
    if abs(value) > MAX_INT:  # beyond the database's INTEGER
        raise DomainError(_("%(field)s est hors des bornes admises.", field=name),
                          field=name, status=422)
    return value


def _str(data: dict, name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise DomainError(_("%(field)s est obligatoire.", field=name), field=name, status=400)
        return None
    if not isinstance(value, str):
        raise DomainError(_("%(field)s doit être un texte.", field=name), field=name, status=400)
    return value


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(_("%(field)s doit être une date ou une heure ISO 8601.", field=name),
                          field=name,
                          status=400) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL) if "T" in value else \
            datetime.combine(parsed.date(), datetime.min.time(), tzinfo=LOCAL)
    return parsed.astimezone(UTC)


def _audit(action: str, record_type: str, record_id, detail: str | None = None) -> None:
    audit.record(action, actor=current_actor(), record_type=record_type, record_id=record_id,
                 route=f"{request.method} {request.path}", detail=detail)


@bp.get("/associations")
@require_role(Role.OPERATOR, Role.MEDIATOR, Role.ANALYST)
@documented(query=AssociationQuery, items=AssociationOut)
def associations():
    """Associations with their districts, languages, specialties and places (no personal data)."""
    # The page's places in one query, not one per association.
    return api_list(associations_query(parse(AssociationQuery).q)
                    .options(selectinload(Association.places)), association_json)


@bp.get("/slots")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(query=SlotQuery, items=SlotOut)
def slots():
    """Slots, filterable by association and time (``from``/``to``: dates or ISO times)."""
    scope = Scope.of(current_actor())
    query = parse(SlotQuery)
    association = scoped_association(scope, query.association)
    return api_list(slots_list(scope, association=association, start=_when(query.start, "from"),
                               end=_when(query.end, "to"), with_associations=True),
                    serialize_page=slots_json)


@bp.get("/slots/<int:slot_id>")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(response=SlotOut)
def slot(slot_id: int):
    """One slot (no household detail)."""
    return jsonify(slot_json(get_slot(slot_id, Scope.of(current_actor()))))


@bp.post("/bookings")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(body_schema(Integer("slot_id", required=True), Integer("household_id", required=True)),
            response=BookingOut)
def booking_create():
    """Book a household of the caller's association on a slot (``slot_id``, ``household_id``)."""
    actor = current_actor()
    data = _body()
    slot_id, household_id = _int(data, "slot_id"), _int(data, "household_id")
    found = get_slot(slot_id, Scope.of(actor))
    with db.session.begin_nested():
        booking = book(found, household_id, actor=actor)
    _audit("book", "household", household_id, detail=f"slot {slot_id}")
    db.session.commit()
    return jsonify(booking_json(booking)), 201


@bp.post("/sessions")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(body_schema(
    Text("kind", 20, required=True), Text("held_on", 10, required=True),
    Integer("duration_minutes", required=True), Text("place_type", 40, required=True),
    Text("commune_code", 5, required=True)), response=SessionOut)
def session_create():
    """Record a session in the activity-report fields."""
    actor = current_actor()
    scope = Scope.of(actor)
    data = _body()
    association = scoped_association(scope, _str(data, "association_code",
                                                  required=not scope.is_mediator))
    held_on_text = _str(data, "held_on")
    try:
        held_on = date.fromisoformat(held_on_text)
    except ValueError:
        raise DomainError(_("held_on doit être une date AAAA-MM-JJ"), field="held_on",
                          status=400) from None
    for name in ("themes", "equipment"):
        value = data.get(name)
        if value is not None and not (isinstance(value, list)
                                      and all(isinstance(v, str) for v in value)):
            raise DomainError(_("%(field)s doit être une liste de codes.", field=name),
                              field=name, status=400)
    for name in ("follow_up", "first_session"):
        if not isinstance(data.get(name, False), bool):
            raise DomainError(_("%(field)s vaut true ou false.", field=name),
                              field=name, status=400)
    with db.session.begin_nested():
        record = record_session(
            actor=actor, association=association, kind=_str(data, "kind"), held_on=held_on,
            duration_minutes=_int(data, "duration_minutes"),
            place_type=_str(data, "place_type"), commune_code=_str(data, "commune_code"),
            themes=data.get("themes") or [], autonomy=_str(data, "autonomy", required=False),
            equipment=data.get("equipment") or [],
            referral=_str(data, "referral", required=False),
            follow_up=data.get("follow_up", False), first_session=data.get("first_session",
                                                                             False),
            participants=_int(data, "participants", required=False),
            age_band=_str(data, "age_band", required=False),
            profile_commune_code=_str(data, "profile_commune_code", required=False),
            household_id=_int(data, "household_id", required=False),
            slot_id=_int(data, "slot_id", required=False))
    _audit("create", "session_record", record.id,
           detail=f"household {record.household_id}" if record.household_id else None)
    db.session.commit()
    return jsonify(session_json(record)), 201


@bp.get("/sessions/<int:session_id>")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(response=SessionOut)
def session(session_id: int):
    """One session record."""
    record = get_session(session_id, Scope.of(current_actor()))
    if record.household_id is not None:
        _audit("read", "household", record.household_id, detail=f"session {record.id}")
        db.session.commit()
    return jsonify(session_json(record))


@bp.post("/assignments")
@require_role(Role.OPERATOR)
@documented(body_schema(Integer("household_id", required=True),
                        Text("association_code", 30, required=True),
                        Text("reason", 500, multiline=True)), response=AssignmentOut)
def assignment_create():
    """An operator's decision: ``household_id``, ``association_code``, ``reason``."""
    actor = current_actor()
    data = _body()
    household = get_household(_int(data, "household_id"), Scope.of(actor))
    with db.session.begin_nested():
        assignment = assign_household(
            household, _str(data, "association_code"), reason=_str(data, "reason",
                                                                   required=False),
            actor=actor)
    _audit("assign", "household", household.id, detail=f"→ {assignment.association.code}")
    db.session.commit()
    return jsonify({"id": assignment.id, "household_id": household.id,
                    "association_code": assignment.association.code,
                    "reason": assignment.reason, "decided_by": actor.email,
                    "decided_at": iso(as_utc(assignment.decided_at))}), 201


@bp.get("/households/<int:household_id>/suggested-associations")
@require_role(Role.OPERATOR)
@documented(response=SuggestionsOut)
def suggested_associations(household_id: int):
    """The associations covering the household's district, ranked, each with its score terms."""
    household = get_household(household_id, Scope.of(current_actor()))
    suggestions = suggestions_for(household)
    _audit("read", "household", household.id, detail="suggested associations")
    db.session.commit()
    return jsonify({"household_id": household.id, "items": [s.as_dict() for s in suggestions],
                    "rule": "district required; language +3; each matching specialty +2; "
                            "capacity left this month +1, none −5; ties: fewer households"})
