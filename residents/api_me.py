"""The resident's own API, ``/api/v1/me`` (issue 20): their household, invoices, tickets,
usage, slots and bookings, in the usual list envelope. Nothing of another household is
reachable: every query is bound to the token's own household."""

from __future__ import annotations

from flask import Blueprint, jsonify

from isp import audit
from isp.api import ME_PARTS
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.extensions import db
from isp.formatting import iso
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.validation import Integer, Text, body_schema, json_body
from residents import mandates, space
from residents.identity import household_of, require_resident_household
from residents.schemas import (
    MyBookingOut,
    MyInvoiceOut,
    MyMandateOut,
    MyMandatesOut,
    MySepaRequestOut,
    MySlotsOut,
    MyTicketOut,
    MyUsageOut,
    UsageQuery,
)
from support import notifications

bp = Blueprint("residents_me_api", __name__, url_prefix="/api/v1/me")

PROBLEM = Text("problem", 20, required=True)
DETAILS = Text("details", space.DETAILS_MAX, multiline=True)
SLOT_ID = Integer("slot_id", required=True)


def _household():
    return require_resident_household()



def invoice_json(invoice) -> dict:
    return {"number": invoice.number, "period": invoice.period, "status": invoice.status,
            "full_cost_cents": invoice.full_cost_cents, "subsidy_cents": invoice.subsidy_cents,
            "total_cents": invoice.total_cents, "due_cents": invoice.due_cents,
            "issued_on": iso(invoice.issued_on), "due_on": iso(invoice.due_on)}


def ticket_json(ticket) -> dict:
    return {"number": ticket.number, "category": ticket.category,
            "problem": str(space.PROBLEMS.get(ticket.category, ticket.subject)),
            "status": ticket.status, "status_words": str(space.TICKET_WORDS.get(
                ticket.status, ticket.status)), "opened_at": iso(ticket.opened_at)}


def slot_json(slot) -> dict:
    return {"id": slot.id, "starts_at": iso(slot.starts_at), "ends_at": iso(slot.ends_at),
            "duration_minutes": slot.duration_minutes, "topic": slot.topic,
            "association_code": slot.association.code,
            "place": slot.place.name if slot.place else None}


def _me_part(user) -> dict | None:
    """For a resident, ``GET /api/v1/me`` (isp.api) names their household (never its other
    members), its association and the line's state."""
    if user.role != Role.RESIDENT:
        return None
    household = household_of(user)
    if household is None:
        return {"household": None}
    association = space.association_of(household.id)
    line = space.connection(household)
    audit.record_request("read", "household", household.id, detail="me (API)")
    db.session.commit()
    return {
        "household": {"id": household.id, "holder_name": household.holder_name,
                      "unit_code": household.unit.code, "language": household.language,
                      "moved_in_on": iso(household.moved_in_on)},
        "association": {"code": association.code, "name": association.name,
                        "phone": association.phone} if association else None,
        "connection": {"state": line.state, "reduced": line.reduced,
                       "checked_at": iso(line.polled_at)}}


if _me_part not in ME_PARTS:
    ME_PARTS.append(_me_part)


@bp.get("/invoices")
@require_role(Role.RESIDENT, scope="self")
@documented(items=MyInvoiceOut)
def invoices():
    """The household's issued invoices: what the service costs, what the city pays, what the
    household pays and still owes."""
    household = _household()
    audit.record_request("read", "household", household.id, detail="invoices (API)")
    response = api_list(space.invoices_query(household.id), invoice_json)
    db.session.commit()
    return response


@bp.get("/tickets")
@require_role(Role.RESIDENT, scope="self")
@documented(items=MyTicketOut)
def tickets():
    """The household's reported problems and their status in words."""
    household = _household()
    return api_list(space.tickets_query(household.id), ticket_json)


@bp.post("/tickets")
@require_role(Role.RESIDENT, scope="self")
@documented(body_schema(PROBLEM, DETAILS, problem={"type": "string",
                                                   "enum": list(space.PROBLEMS)}),
            response=MyTicketOut)
def ticket_create():
    """Report a problem (``problem``: one of the plain-words choices)."""
    household = _household()
    body = json_body(allowed=("problem", "details"))
    ticket = space.report_problem(household, actor=current_actor(),
                                  problem=PROBLEM.check(body.get("problem")),
                                  details=DETAILS.check(body.get("details")))
    audit.record_request("create", "ticket", ticket.number)
    db.session.commit()
    notifications.deliver_after_commit()
    return jsonify(ticket_json(ticket)), 201


@bp.get("/usage")
@require_role(Role.RESIDENT, scope="self")
@documented(query=UsageQuery, response=MyUsageOut)
def usage():
    """A month's traffic by day (``month=YYYY-MM``, default this month), since the move-in."""
    household = _household()
    month = space.usage(household, parse(UsageQuery).month)
    audit.record_request("api_usage_read", "household", household.id)
    db.session.commit()
    items = [{"day": day.isoformat(), "download_octets": down, "upload_octets": up}
             for day, down, up in month.days]
    return jsonify({"month": month.period, "download_octets": month.download_octets,
                    "upload_octets": month.upload_octets, "items": items,
                    "total": len(items), "page": 1, "per_page": max(len(items), 1)})


@bp.get("/slots")
@require_role(Role.RESIDENT, scope="self")
@documented(response=MySlotsOut)
def slots():
    """The coming slots of the household's association with a seat left."""
    household = _household()
    rows = space.coming_slots(space.association_of(household.id), limit=50)
    return jsonify({"items": [slot_json(slot) for slot in rows], "total": len(rows),
                    "page": 1, "per_page": 50})


@bp.post("/bookings")
@require_role(Role.RESIDENT, scope="self")
@documented(body_schema(SLOT_ID), response=MyBookingOut)
def booking_create():
    """Book a slot of the household's association."""
    household = _household()
    slot_id = SLOT_ID.check(json_body(allowed=("slot_id",)).get("slot_id"))
    booking = space.book(household, slot_id, actor=current_actor())
    audit.record_request("book", "household", household.id, detail=f"slot {booking.slot_id}")
    db.session.commit()
    return jsonify({"id": booking.id, "slot": slot_json(booking.slot),
                    "status": booking.status}), 201


@bp.post("/bookings/<int:booking_id>/cancel")
@require_role(Role.RESIDENT, scope="self")
@documented(response=MyBookingOut)
def booking_cancel(booking_id: int):
    """Cancel one of the household's coming appointments."""
    household = _household()
    booking = space.cancel_booking(household, booking_id, actor=current_actor())
    audit.record_request("cancel", "household", household.id, detail=f"booking {booking_id}")
    db.session.commit()
    return jsonify({"id": booking.id, "slot": slot_json(booking.slot), "status": booking.status})


def mandate_json(mandate) -> dict:
    return {"id": mandate.id, "mediator": mandate.mediator.name or None,
            "association_code": mandate.association.code, "scopes": mandate.scope_list,
            "starts_on": iso(mandate.starts_on), "ends_on": iso(mandate.ends_on),
            "consent_method": mandate.consent_method, "status": mandate.status,
            "end_reason": mandate.end_reason}


@bp.get("/mandates")
@require_role(Role.RESIDENT, scope="self")
@documented(response=MyMandatesOut)
def mandate_list():
    """The mandates the household gave (who may act for it, for what, until when)."""
    household = _household()
    rows = mandates.household_mandates(household.id)
    db.session.commit()
    return jsonify({"items": [mandate_json(m) for m in rows], "total": len(rows), "page": 1,
                    "per_page": max(len(rows), 1)})


@bp.post("/mandates/<int:mandate_id>/end")
@require_role(Role.RESIDENT, scope="self")
@documented(response=MyMandateOut)
def mandate_end(mandate_id: int):
    """End a mandate: that person can no longer act for the household."""
    household = _household()
    mandate = mandates.get_for_household(mandate_id, household.id)
    mandates.end_mandate(mandate, actor=current_actor(), reason="resident")
    db.session.commit()
    return jsonify(mandate_json(mandate))


@bp.post("/sepa-requests")
@require_role(Role.RESIDENT, scope="self")
@documented(body_schema(Text("note", 300, multiline=True)), response=MySepaRequestOut)
def sepa_request():
    """Ask to pay by SEPA direct debit (an operator calls back; no bank details here)."""
    household = _household()
    note = json_body(allowed=("note",)).get("note")
    row = mandates.request_sepa(household.id, actor=current_actor(), note=note)
    audit.record_request("create", "household", household.id, detail="SEPA request")
    db.session.commit()
    return jsonify({"id": row.id, "requested_at": iso(row.requested_at),
                    "status": row.status}), 201
