"""The resident's own follow-up in the API, ``/api/v1/me/impact`` (the page /moi/suivi's twin):
which follow-up waits for an answer, and the answers. Bound to the token's own household."""

from __future__ import annotations

from flask import Blueprint, jsonify

from impact import services
from impact.schemas import FollowUpOut, ResidentAnswerOut
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.extensions import db
from isp.openapi import documented
from isp.validation import body_schema, json_body
from residents.identity import require_resident_household

bp = Blueprint("impact_resident_api", __name__, url_prefix="/api/v1/me/impact")


def _household():
    return require_resident_household()


def _answer_json(answer) -> dict:
    """What the resident answered (the frozen usage and coaching figures are not theirs to
    see here: they are for the evaluation)."""
    return {"stage": answer.stage, "answered_on": answer.answered_on.isoformat(),
            "home_connection": answer.home_connection,
            "monthly_cost_cents": answer.monthly_cost_cents, "devices": answer.device_list,
            "recorded_by_role": answer.recorded_by_role}


@bp.get("")
@require_role(Role.RESIDENT, scope="self")
@documented(response=FollowUpOut)
def follow_up():
    """The follow-up waiting for an answer (``pending``: ``m6``, ``m12`` or null) and the
    follow-ups already answered."""
    household = _household()
    pending = services.pending_follow_up(household)
    answers = services.answers_of(household.id)
    items = [_answer_json(answers[stage]) for stage in services.RESIDENT_STAGES
             if stage in answers]
    audit.record_request("read", "household", household.id, detail="impact (resident API)")
    db.session.commit()
    return jsonify({"pending": pending.stage.value if pending else None,
                    "due_on": pending.due_on.isoformat() if pending and pending.due_on else None,
                    "items": items, "total": len(items), "page": 1,
                    "per_page": max(len(items), 1)})


@bp.post("/<stage>")
@require_role(Role.RESIDENT, scope="self")
@documented(body_schema(services.MONTHLY_COST, services.DEVICES_FIELD,
                        required=("home_connection", "devices"),
                        home_connection={"type": "boolean"}), response=ResidentAnswerOut)
def answer(stage: str):
    """Answer (201) or correct one's own answer (200) of the pending follow-up:
    ``home_connection``, ``monthly_cost_cents``, ``devices``; same rules as the page (another
    stage or one answered with a staff member: 409)."""
    household = _household()
    stage_value = services.parse_stage(stage)
    data = json_body(allowed=services.RESIDENT_ANSWER_KEYS)
    existed = stage_value in services.answers_of(household.id)
    with db.session.begin_nested():
        saved = services.record_resident_answers(household, stage_value, data, current_actor())
    audit.record_request("update" if existed else "create", "household", household.id,
                         detail=f"impact {stage_value} #{saved.id} (resident API)")
    db.session.commit()
    return jsonify(_answer_json(saved)), 200 if existed else 201


