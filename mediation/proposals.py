"""Coaching proposals tied to the connection (issue 20), and the analyst's 30-day figure.

Services take the acting person as ``actor``, flush and never commit. A mediator sees and
answers only the proposals of their association; an operator sees every one, the orientation
queue (no association yet) included.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

from isp import disclosure
from isp.auth import Scope
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.models import User
from isp.timeutil import PARIS, today, utcnow
from isp.validation import Text
from mediation.assignments import current_assignment
from mediation.choices import BookingStatus
from mediation.figures import period_bounds
from mediation.models import Booking, CoachingSlot, SessionRecord
from mediation.models_proposals import CoachingProposal
from mediation.slots import book, get_slot, holding_count_column
from subscribers.models import Household
from subscribers.services import assigned_to_association

FIRST_SESSION, FOLLOW_UP = "first_session", "follow_up"
KIND_LABELS = {FIRST_SESSION: _l("première séance (connexion active)"),
               FOLLOW_UP: _l("suivi (question d'usage)")}
PROPOSED, ACCEPTED, DECLINED, WITHDRAWN = "proposed", "accepted", "declined", "withdrawn"
STATUS_LABELS = {PROPOSED: _l("proposée"), ACCEPTED: _l("acceptée"),
                 DECLINED: _l("refusée"), WITHDRAWN: _l("retirée (départ du logement)")}
#: A connection counts as "followed" when a first session comes within this many days.
FOLLOWED_WITHIN_DAYS = 30
DECLINE_REASON = Text("reason", 500, multiline=True)


def _propose(household_id: int, kind: str, source_ref: str, event_on: date
             ) -> CoachingProposal | None:
    """One proposal per cause (a second signal for the same cause adds nothing)."""
    household = db.session.get(Household, household_id)
    if household is None or household.moved_out_on is not None:
        return None
    if db.session.execute(select(CoachingProposal.id).where(
            CoachingProposal.household_id == household_id, CoachingProposal.kind == kind,
            CoachingProposal.source_ref == source_ref)).first():
        return None
    assignment = current_assignment(household_id)
    proposal = CoachingProposal(
        household_id=household_id, kind=kind, source_ref=source_ref, event_on=event_on,
        association_id=assignment.association_id if assignment is not None else None,
        status=PROPOSED)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def propose_first_session(subscription, *, activated_on: date) -> CoachingProposal | None:
    """The household's connection became active: propose its first coaching session."""
    return _propose(subscription.household_id, FIRST_SESSION, f"subscription:{subscription.id}",
                    activated_on)


def propose_follow_up(ticket, *, household_id: int | None) -> CoachingProposal | None:
    """A ticket of the household was closed as a question of use: propose a follow-up."""
    if household_id is None:
        return None
    closed = ticket.closed_at or utcnow()
    return _propose(household_id, FOLLOW_UP, f"ticket:{ticket.number}",
                    closed.astimezone(PARIS).date())


def withdraw_for_household(household_id: int, *, actor: User | None) -> int:
    """The household moved out: its open proposals are withdrawn."""
    count = 0
    for proposal in db.session.execute(select(CoachingProposal).where(
            CoachingProposal.household_id == household_id,
            CoachingProposal.status == PROPOSED)).scalars():
        proposal.status = WITHDRAWN
        proposal.decided_at = utcnow()
        proposal.decided_by_id = actor.id if actor is not None else None
        count += 1
    db.session.flush()
    return count


def proposals_query(scope: Scope, *, status: str | None = PROPOSED,
                    queue_only: bool = False) -> Select:
    """Proposals the scope may see, the oldest first. Mediators: their association's only,
    and only while the household is still followed by it."""
    if not scope.sees_personal_data:
        raise NotFoundError(_("Introuvable"))
    statement = select(CoachingProposal).order_by(CoachingProposal.created_at,
                                                  CoachingProposal.id)
    if status:
        if status not in STATUS_LABELS:
            raise DomainError(_("Statut inconnu : %(s)s", s=status), field="status")
        statement = statement.where(CoachingProposal.status == status)
    if scope.is_mediator:
        statement = statement.where(
            CoachingProposal.association_id == scope.association_id,
            CoachingProposal.household_id.in_(select(Household.id).where(
                assigned_to_association(scope.association_id))))
    elif queue_only:
        statement = statement.where(CoachingProposal.association_id.is_(None))
    return statement


def get_proposal(proposal_id: int, scope: Scope) -> CoachingProposal:
    proposal = db.session.execute(proposals_query(scope, status=None).where(
        CoachingProposal.id == proposal_id)).scalar_one_or_none()
    if proposal is None:
        raise NotFoundError(_("Proposition %(id)s introuvable", id=proposal_id),
                            field="proposal_id")
    return proposal


def _check_open(proposal: CoachingProposal) -> None:
    if proposal.status != PROPOSED:
        raise DomainError(_("Cette proposition a déjà reçu une réponse"), field="status",
                          status=409)


def accept(proposal: CoachingProposal, slot_id: int, *, actor: User) -> CoachingProposal:
    """Accept by booking the household on a slot of its association (mediation's booking
    rules: no overlap, no overbooking, the household followed by the slot's association)."""
    scope = Scope.of(actor)
    get_proposal(proposal.id, scope)
    _check_open(proposal)
    if proposal.association_id is None:
        assignment = current_assignment(proposal.household_id)
        if assignment is None:
            raise DomainError(_(
                "Ce foyer n'est suivi par aucune association : orientez-le d'abord"),
                field="slot_id", status=409)
        proposal.association_id = assignment.association_id
    slot = get_slot(slot_id, scope)
    if slot.association_id != proposal.association_id:
        raise NotFoundError(_("Créneau %(slot_id)s introuvable", slot_id=slot_id),
                            field="slot_id")
    booking = book(slot, proposal.household_id, actor=actor)
    proposal.status = ACCEPTED
    proposal.booking_id = booking.id
    proposal.decided_by_id = actor.id
    proposal.decided_at = utcnow()
    db.session.flush()
    return proposal


def decline(proposal: CoachingProposal, reason: str | None, *, actor: User) -> CoachingProposal:
    """Decline with a reason (kept for the association's and the operator's follow-up)."""
    get_proposal(proposal.id, Scope.of(actor))
    _check_open(proposal)
    reason = DECLINE_REASON.check(reason)
    if not (reason or "").strip():
        raise DomainError(_("Dites pourquoi vous refusez cette proposition"), field="reason")
    proposal.status = DECLINED
    proposal.decline_reason = reason.strip()
    proposal.decided_by_id = actor.id
    proposal.decided_at = utcnow()
    db.session.flush()
    return proposal


def slots_for(proposal: CoachingProposal, *, limit: int = 20) -> list[CoachingSlot]:
    """The coming open slots of the proposal's association (to accept it)."""
    if proposal.association_id is None:
        return []
    rows = db.session.execute(
        select(CoachingSlot, holding_count_column())
        .where(CoachingSlot.association_id == proposal.association_id,
               CoachingSlot.cancelled_at.is_(None), CoachingSlot.starts_at > utcnow())
        .order_by(CoachingSlot.starts_at, CoachingSlot.id).limit(limit * 2)).all()
    return [slot for slot, holding in rows if holding < slot.capacity][:limit]


# --- the analyst's figure ----------------------------------------------------------------------

@dataclass(frozen=True)
class FollowedMonth:
    """Connections activated in a month and how many had a first session within 30 days,
    as published (counts rounded to 5, small cells suppressed: None)."""

    period: str
    connections: int | None
    followed: int | None
    share_percent: float | None
    suppressed: bool


def followed_within_30_days(period: str) -> FollowedMonth:
    """Of the connections first activated in ``period`` (their first-session proposals), how
    many were followed by a coaching session within 30 days: an attended booking whose slot
    started in [activation day, +30 days], or a session record of the household in that window.

    Published through ``isp.disclosure``: counts rounded to 5, the share computed from
    the rounded counts, nothing shown over fewer than 5 connections.
    """
    return followed_months([period])[0]


def followed_months(periods: list[str]) -> list[FollowedMonth]:
    """``followed_within_30_days`` of each period, in three statements for them all.

    The proposals, then the attended bookings and the session records of their households
    around the months, are read once and matched in Python (was: one query per connection,
    so a month of a thousand connections cost a thousand queries).
    """
    counts = _raw_counts(periods)
    return [_published(period, *counts[period]) for period in periods]


def _raw_counts(periods: list[str]) -> dict[str, tuple[int, int]]:
    """Each period's (connections, followed), exact: for ``_published`` only."""
    if not periods:
        return {}
    bounds = {period: period_bounds(period) for period in periods}
    first = min(low for low, _high in bounds.values())
    following = max(high for _low, high in bounds.values())
    in_months = (CoachingProposal.kind == FIRST_SESSION, CoachingProposal.event_on >= first,
                 CoachingProposal.event_on < following)
    proposals = db.session.execute(select(CoachingProposal.household_id,
                                          CoachingProposal.event_on).where(*in_months)).all()
    their_households = select(CoachingProposal.household_id).where(*in_months)
    window = timedelta(days=FOLLOWED_WITHIN_DAYS)
    attended: dict[int, list[datetime]] = defaultdict(list)
    for household_id, starts_at in db.session.execute(
            select(Booking.household_id, CoachingSlot.starts_at)
            .join(CoachingSlot, Booking.slot_id == CoachingSlot.id)
            .where(Booking.household_id.in_(their_households),
                   Booking.status == BookingStatus.ATTENDED,
                   CoachingSlot.starts_at >= _day_start(first),
                   CoachingSlot.starts_at < _day_start(following) + window + timedelta(days=1))):
        attended[household_id].append(starts_at)
    recorded: dict[int, list[date]] = defaultdict(list)
    for household_id, held_on in db.session.execute(
            select(SessionRecord.household_id, SessionRecord.held_on)
            .where(SessionRecord.household_id.in_(their_households),
                   SessionRecord.held_on >= first, SessionRecord.held_on <= following + window)):
        recorded[household_id].append(held_on)
    connections = dict.fromkeys(periods, 0)
    followed = dict.fromkeys(periods, 0)
    for household_id, event_on in proposals:
        start = _day_start(event_on)
        end = start + window + timedelta(days=1)
        is_followed = (any(start <= starts_at < end for starts_at in attended[household_id])
                       or any(event_on <= held_on <= event_on + window
                              for held_on in recorded[household_id]))
        for period, (low, high) in bounds.items():
            if low <= event_on < high:
                connections[period] += 1
                followed[period] += is_followed
    return {period: (connections[period], followed[period]) for period in periods}


def _day_start(day: date) -> datetime:
    """The start of a Paris day, in UTC (the slots' time)."""
    return datetime.combine(day, time(), tzinfo=PARIS).astimezone(UTC)


def _published(period: str, connections: int, followed: int) -> FollowedMonth:
    if disclosure.is_small(connections) or connections == 0:
        return FollowedMonth(period, None, None, None, connections > 0)
    rounded_connections = disclosure.round_count(connections)
    rounded_followed = None if disclosure.is_small(followed) and followed else \
        disclosure.round_count(followed)
    share = disclosure.ratio(rounded_followed, rounded_connections, digits=0)
    return FollowedMonth(period, rounded_connections, rounded_followed, share,
                         rounded_followed is None)


def recent_periods(count: int = 6, *, on: date | None = None) -> list[str]:
    """The last ``count`` months, the current one first (``YYYY-MM``)."""
    day = (on or today()).replace(day=1)
    periods = []
    for _n in range(count):
        periods.append(f"{day.year}-{day.month:02d}")
        day = (day - timedelta(days=1)).replace(day=1)
    return periods
