"""Which association follows a household: suggestions, assignment, its end, its history.

The caller commits. A household has at most one current assignment; the ranking of
associations is the pure rule of ``mediation.scoring``.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import Select, bindparam, case, func, not_, or_, select, update
from sqlalchemy.orm import joinedload

from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.timeutil import start_of_day, today, utcnow
from mediation.associations import get_association
from mediation.choices import SPECIALTIES, BookingStatus
from mediation.models import Assignment, Association, Booking, CoachingSlot, SessionRecord
from mediation.scoring import AssociationFacts, HouseholdFacts, Suggestion, rank_associations
from subscribers.models import Household, needs_of
from subscribers.services import household_search_condition, places_of_flats


def current_assignment(household_id: int) -> Assignment | None:
    """The household's current assignment, its association read with it (pages name it)."""
    return db.session.execute(_current_assignment_statement(),
                              {"household_id": household_id}).scalars().first()


@built_once
def _current_assignment_statement():
    # The household page's: built once (isp.database.built_once).
    return (select(Assignment).where(
        Assignment.household_id == bindparam("household_id"), Assignment.ended_at.is_(None))
        .options(joinedload(Assignment.association, innerjoin=True))
        .order_by(Assignment.decided_at.desc()))


def assignment_history(household_id: int) -> list[Assignment]:
    return list(db.session.execute(select(Assignment).where(
        Assignment.household_id == household_id)
        .order_by(Assignment.decided_at.desc(), Assignment.id.desc())).scalars())


def _month_start(on: date) -> datetime:
    """The first instant of the Paris month of ``on`` (its midnight, as a UTC instant)."""
    return start_of_day(on.replace(day=1))


@built_once
def _association_facts_statement():
    """Every association with its current assignments and those since ``:month_start``."""
    is_current = Assignment.ended_at.is_(None)
    this_month = Assignment.decided_at >= bindparam("month_start")
    # Both counts in one pass over the assignments, joined to the associations: one statement
    # for a page that suggests associations (was three); built once (isp.database.built_once).
    counts = (select(Assignment.association_id,
                     func.count(case((is_current, 1))).label("current"),
                     func.count(case((this_month, 1))).label("this_month"))
              .where(or_(is_current, this_month)).group_by(Assignment.association_id).subquery())
    return (select(Association, counts.c.current, counts.c.this_month)
            .outerjoin(counts, counts.c.association_id == Association.id)
            .order_by(Association.code))


def association_facts(on: date | None = None) -> list[AssociationFacts]:
    """Every association with this month's use of its capacity and its current load.

    Capacity is counted in households newly assigned this month (a household takes a place
    the month it starts being followed) — our reading of "capacity per month".
    """
    rows = db.session.execute(_association_facts_statement(),
                              {"month_start": _month_start(on or today())})
    return [AssociationFacts(a.code, a.name, tuple(a.split(a.districts)),
                             tuple(a.split(a.languages)), tuple(a.split(a.specialties)),
                             a.capacity_per_month, month_count or 0, current_count or 0)
            for a, current_count, month_count in rows]


def household_facts(household: Household) -> HouseholdFacts:
    return _facts(household.unit.building.district.code, household.language, household.needs)


def _facts(district_code: str, language: str | None, needs: str | None) -> HouseholdFacts:
    return HouseholdFacts(district_code, language or "fr", tuple(needs_of(needs)))


#: What the orientation list reads of a household: plain rows (an ORM household with its flat,
#: building and district per row cost a third of the page, issue 23.3).
UNASSIGNED_COLUMNS = (Household.id, Household.unit_id, Household.unit_code, Household.holder_name,
                      Household.language, Household.needs)


def suggestions_for_rows(rows: list, associations: list[AssociationFacts]
                         ) -> dict[int, tuple[Suggestion, ...]]:
    """``suggestions_for`` each household of a page of ``UNASSIGNED_COLUMNS`` rows, by id: one
    statement for their districts."""
    if not rows:
        return {}
    places = places_of_flats([row.unit_id for row in rows])
    labels = {code: str(label) for code, label in SPECIALTIES.items()}
    return {row.id: rank_associations(
        _facts(places[row.unit_id].district_code, row.language, row.needs), associations, labels)
        for row in rows}


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

    Reads ``households`` alone, in the order of their copy of the flat code (one index); the
    flats are for the caller to load.
    """
    statement = _unassigned_statement()
    if search:
        statement = statement.where(household_search_condition(search))
    return statement


def unassigned_rows(search: str | None = None) -> Select:
    """``unassigned_households_query``'s ``UNASSIGNED_COLUMNS`` as plain rows: built once
    without a search (isp.database.built_once; ``paginate`` it with ``values={}``), a search
    adds its words (issue 23.3)."""
    statement = _unassigned_rows_statement()
    if search:
        statement = statement.where(household_search_condition(search))
    return statement


@built_once
def _unassigned_statement() -> Select:
    return (select(Household).where(
        Household.moved_out_on.is_(None),
        not_(select(Assignment.id).where(Assignment.household_id == Household.id,
                                         Assignment.ended_at.is_(None)).exists()))
        .order_by(Household.unit_code, Household.id))


@built_once
def _unassigned_rows_statement() -> Select:
    return _unassigned_statement().with_only_columns(*UNASSIGNED_COLUMNS)


def assigned_counts() -> dict[int, int]:
    """Households currently assigned to each association (absent: none)."""
    return dict(db.session.execute(
        select(Assignment.association_id, func.count()).where(Assignment.ended_at.is_(None))
        .group_by(Assignment.association_id)).all())


def assigned_count_column():
    """``assigned_counts`` of the outer query's association, as a column (read with it)."""
    return (select(func.count()).select_from(Assignment)
            .where(Assignment.association_id == Association.id, Assignment.ended_at.is_(None))
            .correlate(Association).scalar_subquery())
