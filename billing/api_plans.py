"""Plans in the API: ``GET /api/v1/plans``, ``POST /api/v1/plans`` and
``PUT /api/v1/plans/<code>`` (admin).

The same rule as the plan's page (``billing.tariffs.update_plan``): changed speeds reach the
switches as one provisioning batch.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from billing import tariffs
from billing.models import Plan
from billing.schemas import PlanOut
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
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
@documented(items=PlanOut)
def plans():
    """The plans with their full and reduced speeds (kbit/s)."""
    return api_list(select(Plan).order_by(Plan.code), plan_json)


#: The fields of a plan, checked the same way on creation and update (isp.validation).
CODE = Text("code", 30, required=True)
NAME = Text("name", 120, required=True)
DESCRIPTION = Text("description", 2000, multiline=True)
SPEED_FIELDS = {name: Integer(name, maximum=MAX_KBPS, required=True) for name in SPEEDS}


@bp.post("/plans")
@require_role()
@documented(body_schema(CODE, NAME, DESCRIPTION, *SPEED_FIELDS.values()), response=PlanOut)
def plan_create():
    """Create a plan (admin): a code, a name, a description and its four speeds (kbit/s)."""
    payload = json_body(allowed=("code", "name", "description", *SPEEDS))
    speeds = {name: field.check(payload.get(name)) for name, field in SPEED_FIELDS.items()}
    plan = tariffs.create_plan(actor=current_actor(), code=CODE.check(payload.get("code")),
                                name=NAME.check(payload.get("name")),
                                description=DESCRIPTION.check(payload.get("description")),
                                **speeds)
    audit.record_request("create", "plan", plan.code)
    db.session.commit()
    return jsonify(plan_json(plan)), 201


@bp.put("/plans/<code>")
@require_role()
@documented(body_schema(NAME, DESCRIPTION, *SPEED_FIELDS.values()), response=PlanOut)
def plan_update(code: str):
    """Set a plan's name, description and speeds: every field of ``GET /plans`` but the code
    (admin; a field left out keeps its value; changed speeds re-provision the ports concerned
    as one batch)."""
    payload = json_body(allowed=("name", "description", *SPEEDS))
    plan = tariffs.get_plan(code)
    name = NAME.check(payload.get("name", plan.name))
    description = DESCRIPTION.check(payload.get("description", plan.description))
    speeds = {name: field.check(payload.get(name, getattr(plan, name)))
              for name, field in SPEED_FIELDS.items()}
    tariffs.update_plan(plan, actor=current_actor(), name=name, description=description,
                         **speeds)
    audit.record_request("update", "plan", plan.code)
    db.session.commit()
    return jsonify(plan_json(plan))
