"""Session records: what a mediator did with a household or a group (themes, autonomy, referrals).

The caller commits; a mediator records and reads only their association's sessions.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from isp.auth import Scope
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.timeutil import today
from mediation.assignments import current_assignment
from mediation.associations import INSEE_RE, check_list, split_list
from mediation.choices import (
    AGE_BANDS,
    AUTONOMY_LEVELS,
    EQUIPMENT,
    PLACE_TYPES,
    REFERRALS,
    THEMES,
    SessionType,
)
from mediation.models import Association, SessionRecord
from mediation.slots import get_slot
from subscribers.services import get_household


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
    check_list(themes, THEMES, "themes", "theme")
    equipment = split_list(equipment)
    check_list(equipment, EQUIPMENT, "equipment", "equipment")
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
