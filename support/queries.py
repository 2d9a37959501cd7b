"""Which tickets an actor sees: the queue's filters and order, one ticket, the lists' loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, exists, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from isp.auth import Scope
from isp.choices import Role
from isp.database import AmongIds, built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.models import User
from isp.timeutil import utcnow
from isp.validation import MAX_INT
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
    if filters.overdue_only:
        statement = statement.where(overdue_condition(now))
    if filters.search and filters.search.strip():
        pattern = f"%{filters.search.strip()}%"
        affected_flat = aliased(Unit)
        affected_unit = exists().where(TicketUnit.ticket_id == Ticket.id,
                                       TicketUnit.unit_id == affected_flat.id,
                                       affected_flat.code.ilike(pattern))
        statement = statement.where(or_(Ticket.number.ilike(pattern), Unit.code.ilike(pattern),
                                        household_search_condition(filters.search),
                                        Ticket.subject.ilike(pattern), affected_unit))
    return statement.order_by(*queue_order(now))


def with_list_loads(statement: Select) -> Select:
    """A ``tickets_query`` that loads what the lists show for the whole page at once
    (household and flat from its joins; device and assignee joined too: a query more each
    cost more than the join) instead of one query per ticket and relation. Affected flats:
    ``affected_unit_codes``."""
    return statement.options(
        contains_eager(Ticket.household), contains_eager(Ticket.unit),
        joinedload(Ticket.device), joinedload(Ticket.assignee))


@built_once
def _affected_codes_statement():
    # The lists' statement: built once (isp.database.built_once).
    return (select(TicketUnit.ticket_id, Unit.code).join(Unit, Unit.id == TicketUnit.unit_id)
            .where(AmongIds(TicketUnit.ticket_id, "ids")))


def affected_unit_codes(tickets: list[Ticket]) -> dict[int, list[str]]:
    """``Ticket.affected_unit_codes`` of many tickets in one query, without loading each link
    and flat as objects (a network ticket affects a whole building: 100+ flats)."""
    codes: dict[int, list[str]] = {ticket.id: [] for ticket in tickets}
    if codes:
        for ticket_id, code in db.session.execute(_affected_codes_statement(),
                                                  {"ids": list(codes)}):
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
    return list(db.session.execute(_assignable_users_statement()).scalars())


@built_once
def _assignable_users_statement():
    # The lists' filter: built once (isp.database.built_once).
    return (select(User).where(User.role.in_([Role.OPERATOR.value, Role.ADMIN.value]),
                               User.is_enabled.is_(True)).order_by(User.name, User.email))
