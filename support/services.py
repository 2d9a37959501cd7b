"""Business rules for support tickets: numbering, SLA, workflow, queues, network tickets, figures.

Services flush; the caller (view, API, job, signal sender) commits.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, selectinload

from isp.auth import Scope
from isp.choices import Role
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.models import User
from isp.timeutil import local_date, utcnow
from isp.validation import MAX_INT, Text
from subscribers.choices import SERVED_STATUSES
from subscribers.models import Building, Household, Subscription, Unit
from subscribers.services import (
    assigned_to_association,
    get_household,
    household_search_condition,
)
from support import notifications, subjects
from support.choices import (
    ACTIVE_STATUSES,
    DEFAULT_PRIORITY_FACTORS,
    DEFAULT_SLA_HOURS,
    PEOPLE_CATEGORIES,
    TRANSITIONS,
    EventKind,
    TicketCategory,
    TicketPriority,
    TicketSource,
    TicketStatus,
)
from support.models import Ticket, TicketEvent, TicketOutage, TicketUnit
from support.subjects import generated_subject
from support.text import _

log = logging.getLogger(__name__)

PEOPLE_SOURCES = (TicketSource.PHONE, TicketSource.COUNTER, TicketSource.ASSOCIATION)
MAX_SUBJECT = 200
#: The form's cap on a description, a comment or a note, for the API too (issue 19).
DESCRIPTION = Text("description", 5000, multiline=True)
COMMENT_BODY = Text("body", 5000, multiline=True)


# --- SLA ---------------------------------------------------------------------------------------

def sla_hours(category: str, priority: str = TicketPriority.NORMAL, *,
              table: dict[str, float] | None = None,
              factors: dict[str, float] | None = None) -> float:
    """Hours allowed to resolve a ticket: the category's delay, shortened by priority."""
    if table is None:
        table = _config("SUPPORT_SLA_HOURS", DEFAULT_SLA_HOURS)
    if factors is None:
        factors = _config("SUPPORT_SLA_PRIORITY_FACTORS", DEFAULT_PRIORITY_FACTORS)
    hours = table.get(category, table.get(TicketCategory.OTHER, DEFAULT_SLA_HOURS["other"]))
    # A factor above 1 in a hand-edited config would lengthen the delay: priority only shortens.
    return hours * min(1.0, factors.get(priority, 1.0))


def sla_due_at(opened_at: datetime, category: str, priority: str = TicketPriority.NORMAL,
               **kwargs) -> datetime:
    """When a ticket opened at ``opened_at`` must be resolved."""
    return opened_at + timedelta(hours=sla_hours(category, priority, **kwargs))


def _config(key: str, default):
    if has_app_context():
        return current_app.config.get(key) or default
    return default


# --- numbering ---------------------------------------------------------------------------------

def format_number(year: int, seq: int) -> str:
    return f"T-{year}-{seq:05d}"


def _next_seq(year: int) -> int:
    highest = db.session.execute(select(func.max(Ticket.seq)).where(Ticket.year == year)
                                 ).scalar_one()
    return (highest or 0) + 1


def _insert_numbered(ticket: Ticket) -> Ticket:
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


# --- queries -----------------------------------------------------------------------------------

def ticket_scope_condition(scope: Scope):
    """SQL condition: tickets the scope may see (mediators: their association's households)."""
    if scope.is_mediator:
        return and_(Ticket.household_id.is_not(None), assigned_to_association(
            scope.association_id))
    return Ticket.id.is_not(None)


@dataclass(frozen=True)
class TicketFilters:
    """The queue filters of the list page and the API."""

    status: str | None = None
    source: str | None = None
    category: str | None = None
    building_code: str | None = None
    #: ``me``, ``none`` or a user id.
    assignee: str | None = None
    search: str | None = None
    overdue_only: bool = False


def tickets_query(scope: Scope, filters: TicketFilters | None = None, *,
                  actor: User | None = None, now: datetime | None = None) -> Select:
    """Tickets in scope matching the filters, overdue first, then by due time."""
    if not scope.sees_personal_data:
        raise NotFoundError(_("Introuvable"))
    filters = filters or TicketFilters()
    now = now or utcnow()
    statement = (select(Ticket)
                 .outerjoin(Household, Ticket.household_id == Household.id)
                 .outerjoin(Unit, Ticket.unit_id == Unit.id)
                 .outerjoin(Building, Ticket.building_id == Building.id)
                 .where(ticket_scope_condition(scope)))
    if filters.status:
        _check_choice(filters.status, TicketStatus, "status")
        statement = statement.where(Ticket.status == filters.status)
    if filters.source:
        _check_choice(filters.source, TicketSource, "source")
        statement = statement.where(Ticket.source == filters.source)
    if filters.category:
        _check_choice(filters.category, TicketCategory, "category")
        statement = statement.where(Ticket.category == filters.category)
    if filters.building_code:
        statement = statement.where(Building.code == filters.building_code)
    if filters.assignee == "me" and actor is not None:
        statement = statement.where(Ticket.assignee_id == actor.id)
    elif filters.assignee == "none":
        statement = statement.where(Ticket.assignee_id.is_(None))
    elif filters.assignee:
        if not filters.assignee.isdigit() or int(filters.assignee) > MAX_INT:
            raise DomainError(_(
                "le responsable est « me », « none » ou l'identifiant d'un utilisateur"
                ), field="assignee",
                              status=400)
        statement = statement.where(Ticket.assignee_id == int(filters.assignee))
    overdue = and_(Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]), Ticket.sla_due_at < now)
    if filters.overdue_only:
        statement = statement.where(overdue)
    if filters.search and filters.search.strip():
        pattern = f"%{filters.search.strip()}%"
        affected_flat = aliased(Unit)
        affected_unit = exists().where(TicketUnit.ticket_id == Ticket.id,
                                       TicketUnit.unit_id == affected_flat.id,
                                       affected_flat.code.ilike(pattern))
        statement = statement.where(or_(Ticket.number.ilike(pattern), Unit.code.ilike(pattern),
                                        household_search_condition(filters.search),
                                        Ticket.subject.ilike(pattern), affected_unit))
    active_first = case((Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]), 0), else_=1)
    return statement.order_by(case((overdue, 0), else_=1), active_first,
                              Ticket.sla_due_at, Ticket.id)


def with_list_loads(statement: Select) -> Select:
    """A ``tickets_query`` that loads what the lists show for the whole page at once
    (household and flat from its joins; device and assignee in one query each) instead of
    one query per ticket and relation. Affected flats: ``affected_unit_codes``."""
    return statement.options(
        contains_eager(Ticket.household), contains_eager(Ticket.unit),
        selectinload(Ticket.device), selectinload(Ticket.assignee))


def affected_unit_codes(tickets: list[Ticket]) -> dict[int, list[str]]:
    """``Ticket.affected_unit_codes`` of many tickets in one query, without loading each link
    and flat as objects (a network ticket affects a whole building: 100+ flats)."""
    codes: dict[int, list[str]] = {ticket.id: [] for ticket in tickets}
    if codes:
        for ticket_id, code in db.session.execute(
                select(TicketUnit.ticket_id, Unit.code).join(Unit, Unit.id == TicketUnit.unit_id)
                .where(TicketUnit.ticket_id.in_(list(codes)))):
            codes[ticket_id].append(code)
    for ticket in tickets:
        codes[ticket.id].sort()
        if not codes[ticket.id] and ticket.unit is not None:
            codes[ticket.id] = [ticket.unit.code]
    return codes


def _check_choice(value: str, enum, field: str) -> None:
    if value not in {member.value for member in enum}:
        raise DomainError(_(
            "Valeur inconnue pour %(field)s : %(value)s ; attendu : %(values)s",
            field=field, value=value, values=", ".join(m.value for m in enum)),
            field=field, status=400)


def get_ticket(number: str, scope: Scope) -> Ticket:
    """A ticket in the actor's scope; out of scope looks like not found."""
    ticket = db.session.execute(
        tickets_query(scope).where(Ticket.number == number)).scalar_one_or_none()
    if ticket is None:
        raise NotFoundError(_("Ticket %(number)s introuvable", number=number))
    return ticket


def assignable_users() -> list[User]:
    """People a ticket can be given to: enabled operators and admins."""
    return list(db.session.execute(
        select(User).where(User.role.in_([Role.OPERATOR.value, Role.ADMIN.value]),
                           User.is_enabled.is_(True)).order_by(User.name, User.email)).scalars())


# --- opening and changing tickets --------------------------------------------------------------

def open_ticket(*, actor: User, subject: str, category: str, source: str | None = None,
                priority: str = TicketPriority.NORMAL, description: str | None = None,
                household_id: int | None = None, unit_code: str | None = None,
                device_hostname: str | None = None, assignee_id: int | None = None) -> Ticket:
    """Open a ticket for a person (phone, counter, association).

    Mediators open tickets only for households assigned to their association, and the source
    is then always ``association``.
    """
    scope = Scope.of(actor)
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
    if scope.is_mediator:
        source = TicketSource.ASSOCIATION
        if household_id is None:
            raise DomainError(_("Choisissez le foyer concerné."), field="household_id")
        if device_hostname or assignee_id:
            raise DomainError(_("Un médiateur ne choisit ni équipement ni responsable."),
                              field="device_hostname" if device_hostname else "assignee_id")
    resident = actor.role == "resident"
    if resident:  # from their own space: their own household only (issue 20)
        if device_hostname or assignee_id or unit_code:
            raise DomainError(_("Un résident signale un problème de son foyer seulement."),
                              field="household_id")
        source = TicketSource.RESIDENT
    elif source not in PEOPLE_SOURCES:
        raise DomainError(_("Origine inconnue ou réservée au réseau : %(s)s.", s=source),
                          field="source")

    household = unit = device = None
    if household_id is not None:
        try:
            household = _residents_household(actor, int(household_id)) if resident else \
                get_household(int(household_id), scope)
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
    opened_at = utcnow()
    building_id = unit.building_id if unit is not None else (
        device.building_id if device is not None else None)
    ticket = Ticket(household=household, unit=unit, device=device, building_id=building_id,
                    category=category, priority=priority, status=TicketStatus.NEW, source=source,
                    association_id=association_id, subject=subject,
                    description=(description or "").strip() or None, assignee=assignee,
                    opened_by_id=actor.id, opened_at=opened_at,
                    sla_due_at=sla_due_at(opened_at, category, priority))
    _insert_numbered(ticket)
    _record(ticket, EventKind.CREATED, actor, to_value=ticket.status, body=ticket.description)
    return ticket


def _residents_household(actor: User, household_id: int) -> Household:
    """A resident's own household (residents.identity), another one is not found."""
    from residents.identity import household_of

    own = household_of(actor)
    if own is None or own.id != household_id:
        raise NotFoundError(_("Foyer %(id)s introuvable.", id=household_id))
    return own


def _device_by_hostname(hostname: str):
    from network.models import Device

    return db.session.execute(select(Device).where(Device.hostname == hostname)
                              ).scalar_one_or_none()


def _current_association_id(household: Household) -> int | None:
    from mediation.models import Assignment

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


def _record(ticket: Ticket, kind: str, actor: User | None, *, from_value: str | None = None,
            to_value: str | None = None, body: str | None = None,
            at: datetime | None = None) -> TicketEvent:
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
    return _record(ticket, EventKind.COMMENT, actor, body=body)


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
    event = _record(ticket, EventKind.STATUS, actor, from_value=current.value,
                    to_value=to_status, body=(note or "").strip() or None, at=now)
    if to_status == TicketStatus.CLOSED:
        from isp.signals import ticket_closed

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
    return _record(ticket, EventKind.ASSIGNEE, actor, from_value=before,
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
    return _record(ticket, EventKind.PRIORITY, actor, from_value=before, to_value=priority)


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


# --- network tickets ---------------------------------------------------------------------------

def _served_subscription(unit_id: int) -> Subscription | None:
    return db.session.execute(
        select(Subscription).where(Subscription.unit_id == unit_id,
                                   Subscription.status.in_([str(s) for s in SERVED_STATUSES]))
        .order_by(Subscription.id.desc())).scalars().first()


def record_outage_started(outage, affected_unit_codes: list[str] | None = None, *,
                          incident_outage_id: int | None = None) -> Ticket | None:
    """A device stopped answering: open its network ticket, or add the outage to the open one.

    An outage behind a failed uplink (``incident_outage_id``) joins the uplink's ticket: one
    incident, one ticket (issue 16.8).
    """
    if getattr(outage, "port_id", None) is not None or outage.device_id is None:
        return None  # a port down is the resident's router, not an outage (docs/design.md §3.5)
    existing = db.session.execute(select(TicketOutage).where(
        TicketOutage.outage_id == outage.id)).scalar_one_or_none()
    if existing is not None:
        return existing.ticket
    from network.models import Device, Port

    device = db.session.get(Device, outage.device_id)
    started_at = outage.started_at or utcnow()
    incident = db.session.execute(select(TicketOutage).where(
        TicketOutage.outage_id == incident_outage_id)).scalar_one_or_none() \
        if incident_outage_id is not None else None
    ticket = incident.ticket if incident is not None else db.session.execute(
        select(Ticket).where(Ticket.source == TicketSource.NETWORK,
                             Ticket.category == TicketCategory.NO_CONNECTION,
                             Ticket.device_id == outage.device_id,
                             Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]))
        .order_by(Ticket.id)).scalars().first()
    hostname = device.hostname if device else f"#{outage.device_id}"
    if ticket is None:
        priority = TicketPriority.HIGH
        ticket = Ticket(device_id=outage.device_id,
                        building_id=device.building_id if device else None,
                        category=TicketCategory.NO_CONNECTION, priority=priority,
                        status=TicketStatus.NEW, source=TicketSource.NETWORK,
                        **generated_subject(subjects.OUTAGE, h=hostname),
                        opened_at=started_at,
                        sla_due_at=sla_due_at(started_at, TicketCategory.NO_CONNECTION,
                                              priority))
        _insert_numbered(ticket)
        _record(ticket, EventKind.CREATED, None, to_value=ticket.status, at=started_at)
    db.session.add(TicketOutage(ticket=ticket, outage_id=outage.id, device_id=outage.device_id,
                                started_at=started_at))
    codes = list(affected_unit_codes or [])
    if codes:
        units = list(db.session.execute(select(Unit).where(Unit.code.in_(codes))).scalars())
        unknown = set(codes) - {unit.code for unit in units}
        if unknown:
            log.warning("Outage %s names unknown flats %s", outage.id, sorted(unknown))
    else:  # the sender gave no list: the flats wired to the device
        units = list(db.session.execute(select(Unit).join(Port, Port.unit_id == Unit.id).where(
            Port.device_id == outage.device_id)).scalars())
    known = {link.unit_id for link in ticket.affected}
    added = []
    for unit in sorted(units, key=lambda u: u.code):
        if unit.id in known:
            continue
        subscription = _served_subscription(unit.id)
        ticket.affected.append(TicketUnit(unit_id=unit.id, subscription_id=subscription.id
                                          if subscription else None))
        added.append(unit.code + (f" (#{subscription.id})" if subscription else ""))
    db.session.flush()
    _record(ticket, EventKind.OUTAGE_LINKED, None, to_value=str(outage.id), at=started_at,
            body=_("Coupure n° %(id)s depuis %(at)s. Logements concernés : %(units)s",
                   id=outage.id, at=started_at.isoformat(timespec="seconds"),
                   units=", ".join(added) or "—"))
    return ticket


def format_duration(seconds: int) -> str:
    """``2 h 05 min`` (``45 s`` below a minute)."""
    if seconds < 60:
        return f"{seconds} s"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def record_outage_ended(outage, duration_s: int | None = None) -> Ticket | None:
    """The device is back: write the duration; resolve the ticket when all its outages ended."""
    link = db.session.execute(select(TicketOutage).where(
        TicketOutage.outage_id == outage.id)).scalar_one_or_none()
    if link is None:
        return None
    if link.ended_at is not None:
        return link.ticket  # already recorded (signal sent twice)
    ended_at = getattr(outage, "ended_at", None)
    if duration_s is None:
        duration_s = int(((ended_at or utcnow()) - link.started_at).total_seconds())
    link.ended_at = ended_at or link.started_at + timedelta(seconds=duration_s)
    link.duration_s = int(duration_s)
    ticket = link.ticket
    _record(ticket, EventKind.OUTAGE_ENDED, None, to_value=str(outage.id), at=link.ended_at,
            body=_("Coupure n° %(id)s terminée après %(d)s.", id=outage.id,
                   d=format_duration(link.duration_s)))
    if all(o.ended_at is not None for o in ticket.outages):
        ticket.outage_duration_s = sum(o.duration_s or 0 for o in ticket.outages)
        ticket.resolution = _("Équipement de nouveau joignable. Durée de coupure : %(d)s.",
                              d=format_duration(ticket.outage_duration_s))
        if ticket.is_active:
            change_status(ticket, TicketStatus.RESOLVED, actor=None, note=ticket.resolution,
                          at=link.ended_at)
    db.session.flush()
    return ticket


def raise_follow_up(port, subscription: Subscription, down_since: datetime) -> Ticket | None:
    """A port down 7 days on an active subscription: one follow-up for the operator per flat."""
    unit_id = getattr(port, "unit_id", None) or subscription.unit_id
    existing = db.session.execute(
        select(Ticket).where(Ticket.category == TicketCategory.FOLLOW_UP,
                             Ticket.unit_id == unit_id,
                             Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]))
    ).scalars().first()
    if existing is not None:
        return existing
    unit = db.session.get(Unit, unit_id)
    opened_at = utcnow()
    ticket = Ticket(household_id=subscription.household_id, unit=unit,
                    device_id=getattr(port, "device_id", None), building_id=unit.building_id,
                    category=TicketCategory.FOLLOW_UP, priority=TicketPriority.LOW,
                    status=TicketStatus.NEW, source=TicketSource.NETWORK,
                    **generated_subject(subjects.PORT_DOWN, u=unit.code,
                                        d=local_date(down_since).isoformat()),
                    description=_("Le port %(p)s est coupé depuis %(at)s alors que l'abonnement "
                                  "n° %(s)s est actif. Prendre contact avec le foyer (box "
                                  "éteinte, câble, départ ?).",
                                  p=getattr(port, "if_name", "?"),
                                  at=down_since.isoformat(timespec="minutes"),
                                  s=subscription.id),
                    opened_at=opened_at,
                    sla_due_at=sla_due_at(opened_at, TicketCategory.FOLLOW_UP,
                                          TicketPriority.LOW))
    _insert_numbered(ticket)
    _record(ticket, EventKind.CREATED, None, to_value=ticket.status, body=ticket.description)
    return ticket


def _counters_ticket(device_id: int) -> Ticket | None:
    """The device's open ticket about ambiguous 32-bit counters (a device-wide follow-up)."""
    return db.session.execute(
        select(Ticket).where(Ticket.category == TicketCategory.FOLLOW_UP,
                             Ticket.source == TicketSource.NETWORK,
                             Ticket.device_id == device_id, Ticket.unit_id.is_(None),
                             Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]))
        .order_by(Ticket.id)).scalars().first()


def record_counters_ambiguous(device, ports, interval_s: int) -> Ticket:
    """One ticket per device whose 32-bit counters can wrap twice between polls (issue 16.12):
    the operator shortens the device's poll interval; the ticket resolves itself then."""
    existing = _counters_ticket(device.id)
    if existing is not None:
        return existing
    safe_s = min(port.max_interval_s for port in ports)
    opened_at = utcnow()
    ticket = Ticket(
        device_id=device.id, building_id=device.building_id,
        category=TicketCategory.FOLLOW_UP, priority=TicketPriority.NORMAL,
        status=TicketStatus.NEW, source=TicketSource.NETWORK,
        **generated_subject(subjects.COUNTERS_AMBIGUOUS, h=device.hostname),
        description=_("Interrogé toutes les %(i)s s, %(h)s ne donne que des compteurs 32 bits "
                      "qui peuvent faire deux tours entre deux relevés sur %(n)s port(s) : "
                      "%(ports)s. Leur trafic n'est pas compté. Réglez l'intervalle "
                      "d'interrogation de l'équipement à %(s)s s au plus.",
                      i=interval_s, h=device.hostname, n=len(ports),
                      ports=", ".join(port.if_name for port in ports), s=safe_s),
        opened_at=opened_at,
        sla_due_at=sla_due_at(opened_at, TicketCategory.FOLLOW_UP, TicketPriority.NORMAL))
    _insert_numbered(ticket)
    _record(ticket, EventKind.CREATED, None, to_value=ticket.status, body=ticket.description)
    return ticket


def record_counters_unambiguous(device, interval_s: int) -> Ticket | None:
    """The device's interval now lets every port count: its counters ticket is resolved."""
    ticket = _counters_ticket(device.id)
    if ticket is None:
        return None
    ticket.resolution = _("Intervalle d'interrogation de %(i)s s : le trafic de chaque port "
                          "est compté.", i=interval_s)
    change_status(ticket, TicketStatus.RESOLVED, actor=None, note=ticket.resolution)
    db.session.flush()
    return ticket


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
            _record(ticket, EventKind.SLA_BREACHED, None, to_value=due, at=now)
            count += 1
    return count


# --- figures for evaluation --------------------------------------------------------------------

def _month_bounds(period: str) -> tuple[date, date]:
    try:
        year, month = (int(part) for part in period.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        raise DomainError(_(
            "la période s'écrit AAAA-MM (reçu : %(period)s)", period=period), field="period",
                          status=400) from None
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following


def ticket_figures(*, building_code: str | None = None, district_code: str | None = None,
                   period: str) -> dict:
    """Support figures of one month, per building or district (or everywhere).

    Tickets counted are those opened in the month (follow-ups excluded: they are tasks, not
    requests). ``subscriptions`` are those served at least one day of the month; the caller
    applies the small-cell rule.
    """
    from datetime import UTC

    first, following = _month_bounds(period)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(following.year, following.month, following.day, tzinfo=UTC)
    place = []
    if building_code:
        place.append(Building.code == building_code)
    if district_code:
        from subscribers.models import District

        place.append(Building.district_id.in_(select(District.id).where(
            District.code == district_code).scalar_subquery()))

    tickets = db.session.execute(
        select(Ticket).outerjoin(Building, Ticket.building_id == Building.id).where(
            Ticket.opened_at >= start, Ticket.opened_at < end,
            Ticket.category != TicketCategory.FOLLOW_UP, *place)).scalars().all()
    subscriptions = db.session.execute(
        select(func.count(Subscription.id)).join(Unit, Subscription.unit_id == Unit.id)
        .join(Building, Unit.building_id == Building.id).where(
            Subscription.activated_on.is_not(None), Subscription.activated_on < following,
            or_(Subscription.terminated_on.is_(None), Subscription.terminated_on > first),
            *place)).scalar_one()
    resolved = [t for t in tickets if t.resolved_at is not None]
    hours = [(t.resolved_at - t.opened_at).total_seconds() / 3600 for t in resolved]
    within = [t for t in resolved if t.resolved_at <= t.sla_due_at]
    by_category: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for ticket in tickets:
        by_category[ticket.category] = by_category.get(ticket.category, 0) + 1
        by_source[ticket.source] = by_source.get(ticket.source, 0) + 1
    return {
        "period": period,
        "building_code": building_code,
        "district_code": district_code,
        "subscriptions": subscriptions,
        "tickets": len(tickets),
        "network_tickets": by_source.get(TicketSource.NETWORK, 0),
        "tickets_per_100_subscriptions": round(100 * len(tickets) / subscriptions, 1)
        if subscriptions else None,
        "resolved": len(resolved),
        "median_hours_to_resolve": round(statistics.median(hours), 1) if hours else None,
        "within_sla": len(within),
        "share_within_sla": round(len(within) / len(resolved), 3) if resolved else None,
        "by_category": by_category,
        "by_source": by_source,
    }
