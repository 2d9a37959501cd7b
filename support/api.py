"""JSON API for support tickets (docs/design.md §4.5)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import Row

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
from isp.validation import MAX_INT, Choice, Integer, Text, body_schema, json_body
from support import notifications
from support.choices import PEOPLE_CATEGORIES, TicketPriority
from support.models import Ticket, TicketEvent, subject_shown
from support.queries import (
    affected_unit_codes,
    get_ticket,
    ticket_list,
)
from support.schemas import TicketDetailOut, TicketEventOut, TicketOut, TicketQuery
from support.tickets import (
    COMMENT_BODY,
    DESCRIPTION,
    MAX_SUBJECT,
    PEOPLE_SOURCES,
    add_comment,
    open_ticket,
)

#: The body of POST /tickets, as open_ticket checks it.
TICKET_BODY = body_schema(
    Text("subject", MAX_SUBJECT, required=True),
    Choice("category", tuple(PEOPLE_CATEGORIES), required=True),
    Choice("source", tuple(PEOPLE_SOURCES)), Choice("priority", tuple(TicketPriority)),
    DESCRIPTION, Integer("household_id"), Text("unit_code", 30),
    Text("device_hostname", 63), Integer("assignee_id"))

bp = Blueprint("support_api", __name__, url_prefix="/api/v1")



def ticket_json(ticket: Ticket | Row, scope: Scope,
                affected_units: list[str] | None = None) -> dict:
    """A ticket, or a list's row (``support.queries.list_rows``, with its ``affected_units``);
    mediators get no device or network detail. ``affected_units``: the ticket's
    ``affected_unit_codes`` when already read (lists)."""
    if isinstance(ticket, Ticket):
        unit_code = ticket.unit.code if ticket.unit else None
        hostname = ticket.device.hostname if ticket.device else None
        assignee = ticket.assignee.email if ticket.assignee else None
        if affected_units is None:
            affected_units = ticket.affected_unit_codes
    else:
        unit_code, hostname = ticket.unit_code, ticket.device_hostname
        assignee = ticket.assignee_email
    return {"number": ticket.number, "source": ticket.source, "status": ticket.status,
            "category": ticket.category, "priority": ticket.priority,
            "subject": subject_shown(ticket), "subject_code": ticket.subject_code,
            "household_id": ticket.household_id, "unit_code": unit_code,
            "device_hostname": None if scope.is_mediator else hostname,
            "affected_units": affected_units,
            "opened_at": iso(ticket.opened_at), "resolved_at": iso(ticket.resolved_at),
            "sla_due_at": iso(ticket.sla_due_at), "assignee": assignee,
            "outage_duration_s": ticket.outage_duration_s}


def event_json(event: TicketEvent) -> dict:
    return {"at": iso(event.at), "kind": event.kind,
            "actor": event.actor.email if event.actor else None,
            "from": event.from_value, "to": event.to_value, "body": event.body}


def _body() -> dict:
    return json_body()


def _optional_int(data: dict, name: str) -> int | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or (
            isinstance(value, str) and not value.isdigit()):
        raise DomainError(_("%(field)s doit être un nombre entier.", field=name),
                          field=name, status=422)
    if int(value) > MAX_INT:  # beyond the database's INTEGER
        raise DomainError(_("%(field)s est hors des bornes admises.", field=name),
                          field=name, status=422)
    return int(value)


def _optional_str(data: dict, name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise DomainError(_("%(field)s doit être un texte.", field=name), field=name, status=422)
    return value


@bp.get("/tickets")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(query=TicketQuery, items=TicketOut)
def tickets():
    """Tickets in the caller's scope, overdue first; filters status, source, building."""
    actor = current_actor()
    scope = Scope.of(actor)
    filters = parse(TicketQuery).filters()
    found = ticket_list(scope, filters, actor=actor)

    def _page_json(rows: list[Row]) -> list[dict]:
        affected = affected_unit_codes(rows)
        return [ticket_json(row, scope, affected[row.id]) for row in rows]

    # Plain rows (issue 23.3).
    response = api_list(found, serialize_page=_page_json, scalars=False)
    audit.record_request("read", "ticket_list", None, detail=request.query_string.decode())
    db.session.commit()
    return response


@bp.get("/tickets/<number>")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(response=TicketDetailOut)
def ticket(number: str):
    """One ticket with its timeline."""
    scope = Scope.of(current_actor())
    found = get_ticket(number, scope)
    if found.household_id is not None:
        audit.record_request("read", "household", found.household_id, detail=f"ticket {number}")
    db.session.commit()
    return jsonify(ticket_json(found, scope) | {"events": [event_json(e) for e in found.events]})


@bp.post("/tickets")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(TICKET_BODY, response=TicketOut)
def ticket_create():
    """Open a ticket (mediators: for a household of their association)."""
    actor = current_actor()
    data = _body()
    created = open_ticket(
        actor=actor, subject=_optional_str(data, "subject") or "",
        category=_optional_str(data, "category") or "",
        source=_optional_str(data, "source"),
        priority=_optional_str(data, "priority") or "normal",
        description=_optional_str(data, "description"),
        household_id=_optional_int(data, "household_id"),
        unit_code=_optional_str(data, "unit_code"),
        device_hostname=_optional_str(data, "device_hostname"),
        assignee_id=_optional_int(data, "assignee_id"))
    audit.record_request("create", "ticket", created.number)
    db.session.commit()
    notifications.deliver_after_commit()
    return jsonify(ticket_json(created, Scope.of(actor))), 201


@bp.post("/tickets/<number>/comments")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(body_schema(COMMENT_BODY, required=("body",)), response=TicketEventOut)
def ticket_comment(number: str):
    """Add a comment to a ticket's timeline."""
    actor = current_actor()
    found = get_ticket(number, Scope.of(actor))
    event = add_comment(found, actor=actor, body=_optional_str(_body(), "body") or "")
    db.session.commit()
    notifications.deliver_after_commit()
    return jsonify(event_json(event)), 201
