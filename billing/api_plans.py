"""Plans in the API: ``GET /api/v1/plans``, ``POST /api/v1/plans`` and
``PUT /api/v1/plans/<code>`` (admin).

The same rule as the plan's page (``billing.services.update_plan``): changed speeds reach the
switches as one provisioning batch.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from billing import services
from billing.models import Plan
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.openapi import documented
from isp.pagination import api_list
from isp.validation import Integer, Text, body_schema, json_body

bp = Blueprint("billing_plans_api", __name__, url_prefix="/api/v1")

SPEEDS = ("down_kbps", "up_kbps", "reduced_down_kbps", "reduced_up_kbps")
#: 10 Gbit/s: no access port here goes faster; a larger figure is a typing error.
MAX_KBPS = 10_000_000


def plan_json(plan: Plan) -> dict:
    return {"code": plan.code, "name": plan.name, "description": plan.description,
            **{name: getattr(plan, name) for name in SPEEDS}}


@bp.get("/plans")
@require_role(Role.OPERATOR)
def plans():
    """The plans with their full and reduced speeds (kbit/s)."""
    return api_list(select(Plan).order_by(Plan.code), plan_json)


@bp.post("/plans")
@require_role()
@documented(body_schema(Text("code", 30, required=True), Text("name", 120, required=True),
                        Text("description", 2000, multiline=True),
                        *(Integer(name, maximum=MAX_KBPS, required=True) for name in SPEEDS)))
def plan_create():
    """Create a plan (admin): a code, a name, a description and its four speeds (kbit/s)."""
    payload = json_body(allowed=("code", "name", "description", *SPEEDS))
    code = Text("code", 30, required=True).check(payload.get("code"))
    name = Text("name", 120, required=True).check(payload.get("name"))
    description = Text("description", 2000, multiline=True).check(payload.get("description"))
    speeds = {field: Integer(field, maximum=MAX_KBPS, required=True).check(payload.get(field))
              for field in SPEEDS}
    plan = services.create_plan(actor=current_actor(), code=code, name=name,
                                description=description, **speeds)
    audit.record_request("create", "plan", plan.code)
    db.session.commit()
    return jsonify(plan_json(plan)), 201


@bp.put("/plans/<code>")
@require_role()
def plan_update(code: str):
    """Set a plan's name, description and speeds: every field of ``GET /plans`` but the code
    (admin; changed speeds re-provision the ports concerned as one batch)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise DomainError("A JSON object is required", status=400)
    unknown = sorted(set(payload) - {"name", "description", *SPEEDS})
    if unknown:
        raise DomainError(f"Unknown field: {unknown[0]}", field=unknown[0], status=400)
    plan = services.get_plan(code)
    name = payload.get("name", plan.name)
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise DomainError("name must be a text of 1 to 120 characters", field="name",
                          status=422)
    description = payload.get("description", plan.description)
    if description is not None and (not isinstance(description, str)
                                    or len(description) > 2000):
        raise DomainError("description must be a text of at most 2000 characters",
                          field="description", status=422)
    speeds = {}
    for field in SPEEDS:
        value = payload.get(field, getattr(plan, field))
        if not isinstance(value, int) or isinstance(value, bool) \
                or not 1 <= value <= MAX_KBPS:
            raise DomainError(f"{field} must be an integer from 1 to {MAX_KBPS}", field=field,
                              status=422)
        speeds[field] = value
    services.update_plan(plan, actor=current_actor(), name=name, description=description,
                         **speeds)
    audit.record_request("update", "plan", plan.code)
    db.session.commit()
    return jsonify(plan_json(plan))
