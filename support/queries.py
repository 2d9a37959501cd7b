"""Which tickets an actor sees: the queue's filters and order, one ticket, the lists' loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, case, exists, or_, select
from sqlalchemy.orm import aliased

from isp.auth import Scope
from isp.choices import Role
from isp.database import AmongIds, built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.models import User
from isp.pagination import ListStatements
from isp.timeutil import utcnow
from isp.validation import MAX_INT
from network.models import Device
from subscribers.models import Building, Household, Unit
from subscribers.services import assigned_to_association, household_search_condition
from support.choices import (
    ACTIVE_STATUSES,
    TicketCategory,
    TicketSource,
    TicketStatus,
)
from support.models import Ticket, TicketUnit
from support.text import _


def ticket_scope_condition(scope: Scope, association_id: Any = None):
    """SQL condition: tickets the scope may see (mediators: their association's households;
    ``association_id`` a bind parameter in a statement built once instead of the scope's)."""
    if scope.is_mediator:
        return and_(Ticket.household_id.is_not(None), assigned_to_association(
            scope.association_id if association_id is None else association_id))
    return Ticket.id.is_not(None)


def overdue_condition(now: Any):
    """SQL condition: an active ticket past its due time (``now`` a datetime or a bind
    parameter)."""
    return and_(Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]), Ticket.sla_due_at < now)


def queue_order(now: Any) -> tuple:
    """The queues' order: overdue first, then active ones, then by due time."""
    active_first = case((Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]), 0), else_=1)
    return (case((overdue_condition(now), 0), else_=1), active_first, Ticket.sla_due_at,
            Ticket.id)


@built_once
def household_tickets_statement(scope: Scope, limit: int) -> Select:
    """A household's tickets in the scope, in the queues' order: the household page's section.
    Built once per kind of reader (isp.database.built_once); values ``household_id``, ``now``
    and, for a mediator, ``association_id``."""
    return (select(Ticket)
            .where(Ticket.household_id == bindparam("household_id"),
                   ticket_scope_condition(scope, bindparam("association_id")))
            .order_by(*queue_order(bindparam("now"))).limit(limit))


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
    shape, values, search = _asked(scope, filters, actor, now)
    statement = _tickets_statement(*shape)
    if search:
        statement = statement.where(_search_condition(search))
    return statement.params(**values)


def ticket_list(scope: Scope, filters: TicketFilters | None = None, *,
                actor: User | None = None, now: datetime | None = None) -> ListStatements:
    """``tickets_query`` for the lists: statements built once per kind of reader and set of
    filters used (isp.database.built_once), the filters' values as values (building them cost
    a sixth of the queue's page, issue 23.3); a search adds its words to them. ``rows``:
    ``list_rows``; ``count_rows``: the tickets' ids."""
    shape, values, search = _asked(scope, filters, actor, now)
    rows, count_rows = _list_statements(*shape)
    listed = ListStatements(rows, values, count_rows)
    return listed.where(_search_condition(search)) if search else listed


def _asked(scope: Scope, filters: TicketFilters | None, actor: User | None,
           now: datetime | None) -> tuple[tuple, dict[str, Any], str | None]:
    """The filters checked: the statement's shape (``_tickets_statement``'s arguments), the
    values of its parameters and the search's words, if any."""
    if not scope.sees_personal_data:
        raise NotFoundError(_("Introuvable"))
    filters = filters or TicketFilters()
    values: dict[str, Any] = {"now": now or utcnow()}
    if scope.is_mediator:
        values["association_id"] = scope.association_id
    for name, choices in (("status", TicketStatus), ("source", TicketSource),
                          ("category", TicketCategory)):
        if getattr(filters, name):
            _check_choice(getattr(filters, name), choices, name)
            values[name] = getattr(filters, name)
    if filters.building_code:
        values["building_code"] = filters.building_code
    assignee = None  # how the assignee is filtered: by id, or without one
    if filters.assignee == "me" and actor is not None:
        assignee, values["assignee_id"] = "id", actor.id
    elif filters.assignee == "none":
        assignee = "none"
    elif filters.assignee:
        if not filters.assignee.isdigit() or int(filters.assignee) > MAX_INT:
            raise DomainError(_(
                "le responsable est « me », « none » ou l'identifiant d'un utilisateur"
                ), field="assignee", status=400)
        assignee, values["assignee_id"] = "id", int(filters.assignee)
    equal_to = tuple(name for name in ("status", "source", "category", "building_code")
                     if name in values)
    search = filters.search.strip() if filters.search and filters.search.strip() else None
    return (scope.is_mediator, equal_to, assignee, filters.overdue_only), values, search


@built_once
def _list_statements(*shape) -> tuple[Select, Select]:
    statement = _tickets_statement(*shape)
    return list_rows(statement), statement.with_only_columns(Ticket.id)


@built_once
def _tickets_statement(is_mediator: bool, equal_to: tuple[str, ...], assignee: str | None,
                       overdue_only: bool) -> Select:
    """The tickets a kind of reader sees, the filters ``equal_to`` (columns equal to the value
    of that name), ``assignee`` (``id``: ``assignee_id``; ``none``) and ``overdue_only``
    applied, in the queues' order: ``now``, and ``association_id`` for a mediator, as values."""
    scope = (Scope(Role.MEDIATOR, bindparam("association_id")) if is_mediator
             else Scope(Role.OPERATOR))
    columns = {"status": Ticket.status, "source": Ticket.source, "category": Ticket.category,
               "building_code": Building.code}
    statement = (select(Ticket)
                 .outerjoin(Household, Ticket.household_id == Household.id)
                 .outerjoin(Unit, Ticket.unit_id == Unit.id)
                 .outerjoin(Building, Ticket.building_id == Building.id)
                 .where(ticket_scope_condition(scope, bindparam("association_id")),
                        *(columns[name] == bindparam(name) for name in equal_to)))
    if assignee == "id":
        statement = statement.where(Ticket.assignee_id == bindparam("assignee_id"))
    elif assignee == "none":
        statement = statement.where(Ticket.assignee_id.is_(None))
    if overdue_only:
        statement = statement.where(overdue_condition(bindparam("now")))
    return statement.order_by(*queue_order(bindparam("now")))


def _search_condition(search: str):
    """The queue's search: the words in the ticket's number, flat, household, subject or
    affected flats (literals, as ``household_search_condition``'s)."""
    pattern = f"%{search}%"
    affected_flat = aliased(Unit)
    affected_unit = exists().where(TicketUnit.ticket_id == Ticket.id,
                                   TicketUnit.unit_id == affected_flat.id,
                                   affected_flat.code.ilike(pattern))
    return or_(Ticket.number.ilike(pattern), Unit.code.ilike(pattern),
               household_search_condition(search), Ticket.subject.ilike(pattern),
               affected_unit)


#: What the lists show of a ticket, read as plain rows (``list_rows``).
TICKET_LIST_COLUMNS = (Ticket.id, Ticket.number, Ticket.subject, Ticket.subject_code,
                       Ticket.subject_params, Ticket.source, Ticket.status, Ticket.category,
                       Ticket.priority, Ticket.household_id, Ticket.opened_at,
                       Ticket.resolved_at, Ticket.sla_due_at, Ticket.outage_duration_s)


def list_rows(statement: Select) -> Select:
    """A ``tickets_query`` reading what the lists show as plain rows: the ticket's
    ``TICKET_LIST_COLUMNS``, the household's ``holder_name`` and the flat's ``unit_code`` from
    its joins, the device's ``device_hostname`` and the assignee's ``assignee_name`` and
    ``assignee_email``; no ORM ticket, household, flat, device and user per row (issue 23.3).
    Affected flats: ``affected_unit_codes``."""
    assignee = aliased(User)
    return (statement.outerjoin(Device, Device.id == Ticket.device_id)
            .outerjoin(assignee, assignee.id == Ticket.assignee_id)
            .with_only_columns(*TICKET_LIST_COLUMNS, Household.holder_name,
                               Unit.code.label("unit_code"),
                               Device.hostname.label("device_hostname"),
                               assignee.name.label("assignee_name"),
                               assignee.email.label("assignee_email")))


@built_once
def _affected_codes_statement():
    # The lists' statement: built once (isp.database.built_once).
    return (select(TicketUnit.ticket_id, Unit.code).join(Unit, Unit.id == TicketUnit.unit_id)
            .where(AmongIds(TicketUnit.ticket_id, "ids")))


def affected_unit_codes(rows: list) -> dict[int, list[str]]:
    """``Ticket.affected_unit_codes`` of a list's rows (``list_rows``) in one query, without
    loading each link and flat as objects (a network ticket affects a whole building: 100+
    flats)."""
    codes: dict[int, list[str]] = {row.id: [] for row in rows}
    if codes:
        for ticket_id, code in db.session.execute(_affected_codes_statement(),
                                                  {"ids": list(codes)}):
            codes[ticket_id].append(code)
    for row in rows:
        codes[row.id].sort()
        if not codes[row.id] and row.unit_code is not None:
            codes[row.id] = [row.unit_code]
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


def assignable_users() -> list[Row]:
    """People a ticket can be given to: enabled operators and admins (``id``, ``name``,
    ``email``; plain rows, issue 23.3)."""
    return list(db.session.execute(_assignable_users_statement()))


@built_once
def _assignable_users_statement():
    # The lists' filter: built once (isp.database.built_once).
    return (select(User.id, User.name, User.email)
            .where(User.role.in_([Role.OPERATOR.value, Role.ADMIN.value]),
                   User.is_enabled.is_(True)).order_by(User.name, User.email))
