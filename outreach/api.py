"""JSON API of the public requests: the public POST (as the form) and the operators' queue."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from isp import audit
from isp.auth import current_actor, public, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.formatting import iso
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.validation import Choice, Integer, Text, body_schema, json_body
from outreach import acknowledgement, services
from outreach.choices import RequesterKind, RequestStatus
from outreach.models import ServiceRequest
from outreach.schemas import RequestQueueQuery, ServiceRequestOut, SubmittedOut

bp = Blueprint("outreach_api", __name__, url_prefix="/api/v1")

_SUBMIT_SCHEMA = body_schema(
    Choice("requester_kind", tuple(RequesterKind), required=True),
    Text("requester_name", 120, required=True), Text("street", 200, required=True),
    Text("postcode", 5, required=True), Text("commune", 80, required=True),
    Text("district_code", 20), Integer("flats", maximum=services.MAX_FLATS, required=True),
    Text("contact_email", 254), Text("contact_phone", 30),
    consent={"type": "boolean"}, website={"type": "string"},
    required=("requester_kind", "requester_name", "street", "postcode", "commune", "flats",
              "consent"))
_PATCH_SCHEMA = body_schema(Choice("status", tuple(RequestStatus)), Text("reason", 2000),
                            Text("district_code", 20))



def request_json(item: ServiceRequest, *, with_contact: bool = False) -> dict:
    body = {"reference": item.reference, "status": item.status,
            "requester_kind": item.requester_kind, "street": item.street,
            "postcode": item.postcode, "commune": item.commune,
            "district_code": item.district.code if item.district else None,
            "flats": item.flats, "supporters": item.supporters, "channel": item.channel,
            "refusal_reason": item.refusal_reason, "created_at": iso(item.created_at),
            "status_changed_at": iso(item.status_changed_at)}
    if with_contact:
        body |= {"requester_name": item.requester_name, "contact_email": item.contact_email,
                 "contact_phone": item.contact_phone, "consent_at": iso(item.consent_at),
                 "contact_cleared_at": iso(item.contact_cleared_at),
                 "history": [{"at": iso(e.at), "by": e.actor_email, "kind": e.kind,
                              "from": e.from_value, "to": e.to_value, "reason": e.reason}
                             for e in item.events]}
    return body


@bp.post("/requests")
@public
@documented(_SUBMIT_SCHEMA, response=SubmittedOut)
def request_create():
    """Public: ask for the service (the form's fields, ``consent`` true; throttled per client
    address). 201 with the reference; a duplicate address: 200, ``"outcome": "supported"``."""
    data = json_body(allowed=(*services.FIELDS, services.HONEYPOT_FIELD))
    # JSON has types: the form's "yes" and "40" are not accepted here.
    for name, kind in (("flats", int), ("consent", bool), (services.HONEYPOT_FIELD, str)):
        value = data.get(name)
        if value is not None and (not isinstance(value, kind)
                                  or (kind is int and isinstance(value, bool))):
            raise DomainError(_("%(field)s : type invalide.", field=name), field=name)
    outcome = services.submit_request(data, client_address=request.remote_addr, channel="api")
    db.session.commit()
    acknowledgement.send_acknowledgement(outcome)
    status = 200 if outcome.kind == "supported" else 201
    # A discarded (honeypot) submission looks like a created one.
    return jsonify({"reference": outcome.reference,
                    "outcome": "supported" if outcome.kind == "supported" else "created"}), status


@bp.get("/requests")
@require_role(Role.OPERATOR)
@documented(query=RequestQueueQuery, items=ServiceRequestOut)
def request_list():
    """The queue, newest first: ``?status=new|studied|planned|refused``, ``?district=CODE``
    (``none``: unknown), ``?q=`` (address or reference). Without the contact."""
    filters = parse(RequestQueueQuery)
    return api_list(services.queue_list(status=filters.status, district_code=filters.district,
                                        q=filters.q), request_json)


@bp.get("/requests/<reference>")
@require_role(Role.OPERATOR)
@documented(response=ServiceRequestOut)
def request_get(reference: str):
    """One request, with its contact (access audited) and its history."""
    item = services.get_request(reference)
    audit.record_request("view", "service_request", item.reference)
    db.session.commit()
    return jsonify(request_json(item, with_contact=True))


@bp.patch("/requests/<reference>")
@require_role(Role.OPERATOR)
@documented(_PATCH_SCHEMA, response=ServiceRequestOut)
def request_patch(reference: str):
    """Change the status (``reason`` required for ``refused``) and/or the district."""
    data = json_body(allowed=("status", "reason", "district_code"))
    if not data:
        raise DomainError(_("Rien à changer : status, reason ou district_code."), status=400)
    item = services.get_request(reference)
    actor = current_actor()
    if "district_code" in data:
        services.set_district(item, data["district_code"], actor=actor)
    if "status" in data:
        services.change_status(item, data["status"], actor=actor, reason=data.get("reason"))
    elif "reason" in data:
        raise DomainError(_("Un motif va avec un statut."), field="reason", status=400)
    audit.record_request("update", "service_request", item.reference,
                         detail=",".join(sorted(data)))
    db.session.commit()
    return jsonify(request_json(item, with_contact=True))
