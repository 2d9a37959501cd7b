"""Tickets: numbering, opening, the timeline and the workflow; the overdue check.

Services flush; the caller (view, API, job, signal sender) commits. The queue and its filters
are in ``support.queries``, the delays in ``support.sla``, the tickets the network opens in
``support.network_tickets``, the figures in ``support.figures``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from isp.auth import Scope
from isp.choices import Role
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.models import User
from isp.signals import ticket_closed
from isp.timeutil import utcnow
from isp.validation import Text
from mediation.models import Assignment
from network.models import Device
from subscribers.models import Household, Unit
from subscribers.services import get_household
from support import notifications
from support.choices import (
    ACTIVE_STATUSES,
    PEOPLE_CATEGORIES,
    TRANSITIONS,
    EventKind,
    TicketPriority,
    TicketSource,
    TicketStatus,
)
from support.models import Ticket, TicketEvent
from support.sla import sla_due_at
from support.text import _

log = logging.getLogger(__name__)

PEOPLE_SOURCES = (TicketSource.PHONE, TicketSource.COUNTER, TicketSource.ASSOCIATION)
MAX_SUBJECT = 200
#: The form's cap on a description, a comment or a note, for the API too (issue 19).
DESCRIPTION = Text("description", 5000, multiline=True)
COMMENT_BODY = Text("body", 5000, multiline=True)


# --- numbering ---------------------------------------------------------------------------------

def format_number(year: int, seq: int) -> str:
    return f"T-{year}-{seq:05d}"


def _next_seq(year: int) -> int:
    highest = db.session.execute(select(func.max(Ticket.seq)).where(Ticket.year == year)
                                 ).scalar_one()
    return (highest or 0) + 1


def insert_numbered(ticket: Ticket) -> Ticket:
    """Give the ticket the next number of its year; retry if a concurrent insert took it."""
    year = ticket.opened_at.year
    for _attempt in range(5):
        ticket.year, ticket.seq = year, _next_seq(year)
        ticket.number = format_number(year, ticket.seq)
        try:
            with db.session.begin_nested():
                db.session.add(ticket)
                db.session.flush()
            return ticket
        except IntegrityError:
            log.info("Ticket number %s taken concurrently, retrying", ticket.number)
    raise DomainError(_("Impossible de numéroter le ticket, réessayez"), status=409)


# --- opening and changing tickets --------------------------------------------------------------

def open_ticket(*, actor: User, subject: str, category: str, source: str | None = None,
                priority: str = TicketPriority.NORMAL, description: str | None = None,
                household_id: int | None = None, unit_code: str | None = None,
                device_hostname: str | None = None, assignee_id: int | None = None) -> Ticket:
    """Open a ticket for a person (phone, counter, association).

    Mediators open tickets only for households assigned to their association, and the source
    is then always ``association``. A resident reports through ``open_resident_ticket``.
    """
    scope = Scope.of(actor)
    subject, description = _checked_request(subject, category, priority, description)
    if actor.role == Role.RESIDENT:
        # Whose household a resident's is, is residents' rule (a higher layer): residents asks
        # it, then calls open_resident_ticket with the household it found.
        raise NotFoundError(_("Foyer %(id)s introuvable.", id=household_id),
                            field="household_id")
    if scope.is_mediator:
        source = TicketSource.ASSOCIATION
        if household_id is None:
            raise DomainError(_("Choisissez le foyer concerné."), field="household_id")
        if device_hostname or assignee_id:
            raise DomainError(_("Un médiateur ne choisit ni équipement ni responsable."),
                              field="device_hostname" if device_hostname else "assignee_id")
    elif source not in PEOPLE_SOURCES:
        raise DomainError(_("Origine inconnue ou réservée au réseau : %(s)s.", s=source),
                          field="source")

    household = unit = device = None
    if household_id is not None:
        try:
            household = get_household(int(household_id), scope)
        except (NotFoundError, ValueError):
            raise NotFoundError(_("Foyer %(id)s introuvable.", id=household_id),
                                field="household_id") from None
        unit = household.unit
    if unit_code:
        found = db.session.execute(select(Unit).where(Unit.code == unit_code.strip())
                                   ).scalar_one_or_none()
        if found is None:
            raise NotFoundError(_("Logement %(code)s introuvable.", code=unit_code),
                                field="unit_code")
        if unit is not None and found.id != unit.id:
            raise DomainError(_("Ce foyer n'habite pas le logement %(code)s.", code=unit_code),
                              field="unit_code")
        unit = found
    if device_hostname:
        device = _device_by_hostname(device_hostname.strip())
        if device is None:
            raise NotFoundError(_("Équipement %(h)s introuvable.", h=device_hostname),
                                field="device_hostname")
    if household is None and unit is None and device is None:
        raise DomainError(_("Indiquez un foyer, un logement ou un équipement."),
                          field="household_id")

    association_id = None
    if source == TicketSource.ASSOCIATION:
        association_id = actor.association_id if scope.is_mediator else (
            _current_association_id(household) if household else None)
        if association_id is None:
            raise DomainError(_("Ce foyer n'est suivi par aucune association."), field="source")

    assignee = _assignee(assignee_id) if assignee_id else None
    return _opened(actor, household=household, unit=unit, device=device, category=category,
                   priority=priority, source=source, association_id=association_id,
                   subject=subject, description=description, assignee=assignee)


def open_resident_ticket(household: Household, *, actor: User, subject: str, category: str,
                         description: str | None = None) -> Ticket:
    """Open the ticket a resident reports from their own space (issue 20), for their flat.

    ``household`` is the resident's own, as residents found it (``residents.identity``):
    support does not ask residents, a higher layer (docs/architecture.md §5).
    """
    subject, description = _checked_request(subject, category, TicketPriority.NORMAL,
                                            description)
    return _opened(actor, household=household, unit=household.unit, device=None,
                   category=category, priority=TicketPriority.NORMAL,
                   source=TicketSource.RESIDENT, association_id=None, subject=subject,
                   description=description, assignee=None)


def _checked_request(subject: str, category: str, priority: str,
                     description: str | None) -> tuple[str, str | None]:
    """The subject and description of a person's request, checked with its category and
    priority (a ``DomainError`` names the field at fault)."""
    subject = (subject or "").strip()
    if not subject:
        raise DomainError(_("Le sujet est obligatoire."), field="subject")
    if len(subject) > MAX_SUBJECT:
        raise DomainError(_("Le sujet dépasse %(n)s caractères.", n=MAX_SUBJECT), field="subject")
    description = DESCRIPTION.check(description)
    if category not in PEOPLE_CATEGORIES:
        raise DomainError(_("Catégorie inconnue : %(c)s.", c=category), field="category")
    if priority not in {p.value for p in TicketPriority}:
        raise DomainError(_("Priorité inconnue : %(p)s.", p=priority), field="priority")
    return subject, description


def _opened(actor: User, *, household: Household | None, unit: Unit | None, device,
            category: str, priority: str, source: str, association_id: int | None,
            subject: str, description: str | None, assignee: User | None) -> Ticket:
    """The new ticket, numbered, with its first event on the timeline."""
    opened_at = utcnow()
    building_id = unit.building_id if unit is not None else (
        device.building_id if device is not None else None)
    ticket = Ticket(household=household, unit=unit, device=device, building_id=building_id,
                    category=category, priority=priority, status=TicketStatus.NEW, source=source,
                    association_id=association_id, subject=subject,
                    description=(description or "").strip() or None, assignee=assignee,
                    opened_by_id=actor.id, opened_at=opened_at,
                    sla_due_at=sla_due_at(opened_at, category, priority))
    insert_numbered(ticket)
    record_event(ticket, EventKind.CREATED, actor, to_value=ticket.status, body=ticket.description)
    return ticket


def _device_by_hostname(hostname: str):
    return db.session.execute(select(Device).where(Device.hostname == hostname)
                              ).scalar_one_or_none()


def _current_association_id(household: Household) -> int | None:
    return db.session.execute(
        select(Assignment.association_id).where(Assignment.household_id == household.id,
                                                Assignment.ended_at.is_(None))
        .order_by(Assignment.id.desc())).scalars().first()


def _assignee(user_id: int) -> User:
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_enabled or user.role not in (Role.OPERATOR, Role.ADMIN):
        raise DomainError(_("Responsable %(id)s introuvable parmi les opérateurs.", id=user_id),
                          field="assignee_id")
    return user


def record_event(ticket: Ticket, kind: str, actor: User | None, *,
                 from_value: str | None = None, to_value: str | None = None,
                 body: str | None = None, at: datetime | None = None) -> TicketEvent:
    """Add an event to the ticket's timeline and notify the people following it."""
    event = TicketEvent(ticket=ticket, kind=kind, actor_id=actor.id if actor else None,
                        from_value=from_value, to_value=to_value, body=body, at=at or utcnow())
    db.session.add(event)
    db.session.flush()
    notifications.notify(ticket, event, actor)
    return event


def add_comment(ticket: Ticket, *, actor: User, body: str) -> TicketEvent:
    """Add a comment to the timeline."""
    body = COMMENT_BODY.check(body)
    if not body:
        raise DomainError(_("Le commentaire est vide."), field="body")
    return record_event(ticket, EventKind.COMMENT, actor, body=body)


def change_status(ticket: Ticket, to_status: str, *, actor: User | None,
                  note: str | None = None, at: datetime | None = None,
                  usage_question: bool = False) -> TicketEvent:
    """Move a ticket along the workflow (``TRANSITIONS``); anything else is refused.

    Closing sends ``ticket_closed``; ``usage_question`` says it was a question of use rather
    than a fault (mediation then proposes a follow-up session to the household).
    """
    _check_status(to_status)
    current = TicketStatus(ticket.status)
    if TicketStatus(to_status) not in TRANSITIONS[current]:
        raise DomainError(_("Passage de « %(a)s » à « %(b)s » interdit.", a=current.value,
                            b=to_status), field="status", status=409)
    now = at or utcnow()
    if to_status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    elif to_status == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif to_status == TicketStatus.OPEN and current in (TicketStatus.RESOLVED,
                                                        TicketStatus.CLOSED):
        ticket.resolved_at = ticket.closed_at = None
    ticket.status = to_status
    event = record_event(ticket, EventKind.STATUS, actor, from_value=current.value,
                         to_value=to_status, body=(note or "").strip() or None, at=now)
    if to_status == TicketStatus.CLOSED:
        ticket_closed.send(ticket, household_id=ticket.household_id,
                           usage_question=bool(usage_question), actor=actor)
    return event


def _check_status(value: str) -> None:
    if value not in {s.value for s in TicketStatus}:
        raise DomainError(_("Statut inconnu : %(s)s.", s=value), field="status")


def assign(ticket: Ticket, assignee_id: int | None, *, actor: User) -> TicketEvent | None:
    """Give the ticket to an operator (None: nobody)."""
    user = _assignee(assignee_id) if assignee_id else None
    if (user.id if user else None) == ticket.assignee_id:
        return None
    before = ticket.assignee.email if ticket.assignee else None
    ticket.assignee = user
    return record_event(ticket, EventKind.ASSIGNEE, actor, from_value=before,
                        to_value=user.email if user else None)


def change_priority(ticket: Ticket, priority: str, *, actor: User) -> TicketEvent | None:
    """Change the priority; the SLA due time is recomputed from the opening time."""
    if priority not in {p.value for p in TicketPriority}:
        raise DomainError(_("Priorité inconnue : %(p)s.", p=priority), field="priority")
    if priority == ticket.priority:
        return None
    before = ticket.priority
    ticket.priority = priority
    ticket.sla_due_at = sla_due_at(ticket.opened_at, ticket.category, priority)
    return record_event(ticket, EventKind.PRIORITY, actor, from_value=before, to_value=priority)


def update_ticket(ticket: Ticket, *, actor: User, status: str | None = None,
                  priority: str | None = None, assignee_id: int | None | str = "",
                  note: str | None = None, usage_question: bool = False) -> list[TicketEvent]:
    """Apply an operator's changes at once (all or nothing: the caller rolls back on error)."""
    events = []
    if priority:
        events.append(change_priority(ticket, priority, actor=actor))
    if assignee_id != "":
        events.append(assign(ticket, assignee_id or None, actor=actor))
    if status and status != ticket.status:
        events.append(change_status(ticket, status, actor=actor, note=note,
                                    usage_question=usage_question))
    elif note and note.strip():
        events.append(add_comment(ticket, actor=actor, body=note))
    return [event for event in events if event is not None]


# --- SLA check ---------------------------------------------------------------------------------

def check_sla(now: datetime | None = None) -> int:
    """Mark each newly overdue ticket once (an event notifies its assignee); returns the count."""
    now = now or utcnow()
    overdue = db.session.execute(select(Ticket).where(
        Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]), Ticket.sla_due_at < now)
    ).scalars().all()
    count = 0
    for ticket in overdue:
        due = ticket.sla_due_at.isoformat(timespec="seconds")
        already = db.session.execute(select(TicketEvent.id).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.SLA_BREACHED,
            TicketEvent.to_value == due)).first()
        if already is None:
            record_event(ticket, EventKind.SLA_BREACHED, None, to_value=due, at=now)
            count += 1
    return count
