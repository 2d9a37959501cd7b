"""Mediators' API of mandates (issue 20): the same rules as the pages (residents.mandates),
each action under a mandate audited with both names."""

from __future__ import annotations

from flask import Blueprint, jsonify

from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list
from isp.validation import Day, Integer, Text, body_schema, json_body
from residents import mandates, space
from residents.api_me import DETAILS, PROBLEM, SLOT_ID, invoice_json, slot_json, ticket_json
from residents.schemas import (
    MandateOut,
    MandatesOut,
    MyBookingOut,
    MyInvoiceOut,
    MyTicketOut,
)
from residents.views_mandates import _sms_sender
from support import notifications

bp = Blueprint("resident_mandates_api", __name__, url_prefix="/api/v1/mandates")

HOUSEHOLD_ID = Integer("household_id", required=True)
ENDS_ON = Day("ends_on", required=True)
CONSENT_METHOD = Text("consent_method", 12, required=True)
CODE = Text("code", 10, required=True)


def mandate_json(mandate) -> dict:
    return {"id": mandate.id, "household_id": mandate.household_id,
            "association_code": mandate.association.code, "scopes": mandate.scope_list,
            "starts_on": mandate.starts_on.isoformat(), "ends_on": mandate.ends_on.isoformat(),
            "consent_method": mandate.consent_method,
            "consent_reference": mandate.consent_reference, "status": mandate.status,
            "end_reason": mandate.end_reason}


def _scopes(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DomainError(_("Choisissez ce que couvre le mandat : factures, rendez-vous, "
                            "signalement"), field="scopes", status=422)
    return value


@bp.get("")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(response=MandatesOut)
def mandate_list():
    """The mandates given to the calling mediator."""
    rows = mandates.mediator_mandates(current_actor())
    db.session.commit()
    return jsonify({"items": [mandate_json(m) for m in rows], "total": len(rows), "page": 1,
                    "per_page": max(len(rows), 1)})


@bp.post("")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(body_schema(HOUSEHOLD_ID, ENDS_ON, CONSENT_METHOD, mandates.FORM_REFERENCE,
                        scopes={"type": "array", "items": {"type": "string", "enum": list(
                            mandates.SCOPES)}}, required=("household_id", "scopes", "ends_on",
                                                          "consent_method")), response=MandateOut)
def mandate_create():
    """Record a resident's mandate (in person with the signed form's reference, or by a
    code sent to the resident, then ``/confirm``)."""
    body = json_body(allowed=("household_id", "scopes", "ends_on", "consent_method",
                              "consent_reference"))
    mandate, _code = mandates.create_mandate(
        HOUSEHOLD_ID.check(body.get("household_id")), actor=current_actor(),
        scopes=_scopes(body.get("scopes")), ends_on=ENDS_ON.check(body.get("ends_on")),
        consent_method=CONSENT_METHOD.check(body.get("consent_method")),
        consent_reference=body.get("consent_reference"), send_code=_sms_sender())
    db.session.commit()
    return jsonify(mandate_json(mandate)), 201


@bp.post("/<int:mandate_id>/confirm")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(body_schema(CODE), response=MandateOut)
def mandate_confirm(mandate_id: int):
    """The code the resident read back: the mandate starts."""
    actor = current_actor()
    mandate = mandates.get_for_mediator(mandate_id, actor)
    code = CODE.check(json_body(allowed=("code",)).get("code"))
    try:
        mandates.confirm_code(mandate, code, actor=actor)
    finally:
        db.session.commit()  # a wrong attempt counts
    return jsonify(mandate_json(mandate))


@bp.post("/<int:mandate_id>/end")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(response=MandateOut)
def mandate_end(mandate_id: int):
    """Stop acting under a mandate."""
    actor = current_actor()
    mandate = mandates.get_for_mediator(mandate_id, actor)
    mandates.end_mandate(mandate, actor=actor, reason="mediator")
    db.session.commit()
    return jsonify(mandate_json(mandate))


@bp.get("/<int:mandate_id>/invoices")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(items=MyInvoiceOut)
def mandate_invoices(mandate_id: int):
    """The household's invoices, under a mandate covering them."""
    actor = current_actor()
    mandate = mandates.require(mandate_id, "invoices", actor=actor)
    mandates.record_action(mandate, "read", "invoices (API)", actor=actor)
    response = api_list(space.invoices_query(mandate.household_id), invoice_json)
    db.session.commit()
    return response


@bp.post("/<int:mandate_id>/bookings")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(body_schema(SLOT_ID), response=MyBookingOut)
def mandate_book(mandate_id: int):
    """Book a slot for the household, under a mandate covering bookings."""
    actor = current_actor()
    mandate = mandates.require(mandate_id, "bookings", actor=actor)
    slot_id = SLOT_ID.check(json_body(allowed=("slot_id",)).get("slot_id"))
    booking = space.book(mandate.household, slot_id, actor=actor)
    mandates.record_action(mandate, "book", f"slot {booking.slot_id} (API)", actor=actor)
    db.session.commit()
    return jsonify({"id": booking.id, "slot": slot_json(booking.slot),
                    "status": booking.status}), 201


@bp.post("/<int:mandate_id>/tickets")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(body_schema(PROBLEM, DETAILS, problem={"type": "string",
                                                   "enum": list(space.PROBLEMS)}),
            response=MyTicketOut)
def mandate_report(mandate_id: int):
    """Report a problem for the household, under a mandate covering reports."""
    actor = current_actor()
    mandate = mandates.require(mandate_id, "tickets", actor=actor)
    body = json_body(allowed=("problem", "details"))
    ticket = space.report_problem(mandate.household, actor=actor,
                                  problem=PROBLEM.check(body.get("problem")),
                                  details=DETAILS.check(body.get("details")))
    mandates.record_action(mandate, "create", f"ticket {ticket.number} (API)", actor=actor)
    db.session.commit()
    notifications.deliver_after_commit()
    return jsonify(ticket_json(ticket)), 201
