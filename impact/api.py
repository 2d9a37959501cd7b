"""JSON API of the impact evaluation: a household's stages, recording, households due, and the
indicators for analysts (aggregates only)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from impact import indicators as impact_indicators
from impact import services
from impact.models import ImpactAnswer
from impact.schemas import (
    AnswerOut,
    DueOut,
    DueQuery,
    HouseholdImpactOut,
    IndicatorsOut,
    IndicatorsQuery,
)
from isp import audit
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.disclosure import SMALL_CELL
from isp.extensions import db
from isp.formatting import iso
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.validation import Day, body_schema, json_body
from subscribers.services import get_household

bp = Blueprint("impact_api", __name__, url_prefix="/api/v1")

RECORDERS = (Role.OPERATOR, Role.MEDIATOR)
ANALYSTS = (Role.ANALYST, Role.OPERATOR)


def answer_json(answer: ImpactAnswer) -> dict:
    return {"id": answer.id, "household_id": answer.household_id, "stage": answer.stage,
            "answered_on": answer.answered_on.isoformat(),
            "connected_on": answer.connected_on.isoformat() if answer.connected_on else None,
            "home_connection": answer.home_connection,
            "monthly_cost_cents": answer.monthly_cost_cents, "devices": answer.device_list,
            "autonomy": answer.autonomy, "usage_month": answer.usage_month,
            "usage_octets": answer.usage_octets, "sessions_count": answer.sessions_count,
            "bookings_count": answer.bookings_count, "attended_count": answer.attended_count,
            "recorded_by_role": answer.recorded_by_role}


def status_json(status: services.StageStatus) -> dict:
    return {"stage": status.stage.value, "state": status.state,
            "due_on": status.due_on.isoformat() if status.due_on else None,
            "opens_on": status.opens_on.isoformat() if status.opens_on else None,
            "answer": answer_json(status.answer) if status.answer else None}


@bp.get("/households/<int:household_id>/impact")
@require_role(*RECORDERS, scope="own_association")
@documented(response=HouseholdImpactOut)
def household_impact(household_id: int):
    """The household's three stages: state, due date, answers."""
    household = get_household(household_id, Scope.of(current_actor()))
    items = [status_json(s) for s in services.stage_statuses(household)]
    audit.record_request("read", "household", household.id, detail="impact")
    db.session.commit()
    return jsonify({"household_id": household.id,
                    "connected_on": iso(services.connection_date(household)),
                    "items": items, "total": len(items), "page": 1, "per_page": len(items)})



@bp.post("/households/<int:household_id>/impact/<stage>")
@require_role(*RECORDERS, scope="own_association")
@documented(body_schema(Day("answered_on"), services.MONTHLY_COST, services.DEVICES_FIELD,
                        services.AUTONOMY, required=("home_connection", "devices"),
                        home_connection={"type": "boolean"}), response=AnswerOut)
def record(household_id: int, stage: str):
    """Record (or correct) a stage's answers: ``answered_on``, ``home_connection``,
    ``monthly_cost_cents``, ``devices``, ``autonomy`` (same rules as the page)."""
    actor = current_actor()
    household = get_household(household_id, Scope.of(actor))
    stage_value = services.parse_stage(stage)
    data = json_body(allowed=services.ANSWER_KEYS)
    existed = stage_value in services.answers_of(household.id)
    with db.session.begin_nested():
        answer = services.record_answers(household, stage_value, data, actor)
    audit.record_request("update" if existed else "create", "household", household.id,
                         detail=f"impact {stage_value} #{answer.id}")
    db.session.commit()
    return jsonify(answer_json(answer)), 200 if existed else 201


@bp.get("/impact/due")
@require_role(*RECORDERS, scope="own_association")
@documented(query=DueQuery, items=DueOut)
def due():
    """Households with a stage due (``stage=t0|m6|m12``, default any); mediators: theirs."""
    scope = Scope.of(current_actor())
    stage = parse(DueQuery).stage
    listed = services.due_list(scope, stage)

    def serialize_page(households: list) -> list[dict]:
        ids = [h.id for h in households]
        due = services.due_page(ids)
        # Plain rows, serialised before the audit entry's commit anyway (ORM rows expire).
        items = [{"household_id": h.id, "unit_code": h.unit_code,
                  "connected_on": iso(due[h.id].connected_on),
                  "due": [s.value for s in due[h.id].stages]} for h in households]
        if ids:
            audit.record_request("read", "household_list", None,
                                 detail="impact due: " + ",".join(str(i) for i in ids))
            db.session.commit()
        return items

    return api_list(listed, serialize_page=serialize_page, scalars=False)


@bp.get("/evaluation/indicators")
@require_role(*ANALYSTS, scope="aggregates")
@documented(query=IndicatorsQuery, response=IndicatorsOut)
def indicators():
    """Impact indicators per group (``by=cohort|building|district``), one set per stage;
    small cells suppressed (``suppressed: true``, no value)."""
    by = parse(IndicatorsQuery).by
    items = [impact_indicators.group_json(group, by)
             for group in impact_indicators.indicators(by)]
    return jsonify({"by": by, "small_cell_threshold": SMALL_CELL, "items": items,
                    "total": len(items), "page": 1, "per_page": max(len(items), 1)})
