"""Core API endpoints under /api/v1."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from pydantic import ConfigDict

from isp import idempotency
from isp.auth import current_actor, logged_in, public
from isp.openapi import Resource, build_openapi, documented

bp = Blueprint("core_api", __name__, url_prefix="/api/v1")
# Idempotency-Key on every POST of the API, and the one-time token of every form (isp.idempotency)
bp.record_once(lambda state: idempotency.init_app(state.app))


#: Parts a domain adds to ``/me`` for its users, ``fn(user) -> dict | None`` (residents: their
#: household, issue 20), so that the core does not import the domains.
ME_PARTS: list = []


class MeOut(Resource):
    """The token's user; the parts of ``ME_PARTS`` add their members (a resident's household,
    its association and line: ``residents.api_me``), hence the open model."""

    model_config = ConfigDict(extra="allow")

    email: str
    role: str
    association_code: str | None


@bp.get("/me")
@logged_in
@documented(response=MeOut)
def me():
    """The token's user: email, role, association code (a resident: their household too)."""
    user = current_actor()
    body = {"email": user.email, "role": user.role,
            "association_code": user.association.code if user.association else None}
    for part in ME_PARTS:
        body.update(part(user) or {})
    return jsonify(body)


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3 document of this API, generated from the code."""
    return jsonify(build_openapi(current_app))
