"""JSON API of the residents' SEPA direct-debit requests, for operators (issue 20): the list
page's data and its action, with the same checks (``residents.sepa``)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from billing.sepa_mandates import active_mandates
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.extensions import db
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.validation import body_schema, json_body
from residents import sepa
from residents.schemas import SepaRequestOut, SepaRequestQuery

bp = Blueprint("resident_sepa_api", __name__, url_prefix="/api/v1")


def _page(rows: list) -> list:
    billing = active_mandates(sorted({row.household_id for row in rows}))
    return [sepa.request_json(row, billing.get(row.household_id)) for row in rows]


@bp.get("/sepa-requests")
@require_role(Role.OPERATOR)
@documented(query=SepaRequestQuery, items=SepaRequestOut)
def request_list():
    """The requests: ``?status=todo`` (default: new or contacted), ``all``, or one status
    (``open``, ``contacted``, ``signed``, ``cancelled``); the household's billing mandate in
    force, if any."""
    chosen = parse(SepaRequestQuery).status
    audit.record_request("read", "household_list", None, detail=f"sepa requests {chosen}")
    db.session.commit()
    return api_list(sepa.list_query(chosen), serialize_page=_page)


@bp.post("/sepa-requests/<int:request_id>/status")
@require_role(Role.OPERATOR)
@documented(body_schema(sepa.STATUS, sepa.STAFF_NOTE), response=SepaRequestOut)
def request_update(request_id: int):
    """Move a request on: ``{"status": "contacted|signed|cancelled", "note": "..."}``; ``signed``
    needs billing's SEPA mandate of the household, ``cancelled`` a note; closed: 409."""
    sepa.get_request(request_id)  # 404 before the body is read
    body = json_body(allowed=("status", "note"))
    row = sepa.change_status(request_id, body.get("status"), actor=current_actor(),
                             note=body.get("note"))
    db.session.commit()
    return jsonify(_page([row])[0])
