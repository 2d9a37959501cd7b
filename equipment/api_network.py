"""API moving network devices through the 4R chain (operators): history and a move."""

from __future__ import annotations

from flask import Blueprint, jsonify

from equipment import network_lifecycle as lifecycle
from equipment.models_network import DeviceLifecycleMove
from equipment.schemas import DeviceLifecycleOut, DeviceMoveOut
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.extensions import db
from isp.openapi import documented
from isp.validation import body_schema, json_body

bp = Blueprint("equipment_network_api", __name__, url_prefix="/api/v1")


def _move_json(move: DeviceLifecycleMove) -> dict:
    return {"id": move.id, "from_state": move.from_state, "to_state": move.to_state,
            "on": move.on.isoformat(), "at": move.at.isoformat() if move.at else None,
            "actor": move.actor.email if move.actor else None,
            "partner_code": move.partner.code if move.partner else None, "note": move.note}


@bp.get("/equipment/network/<hostname>")
@require_role(Role.OPERATOR)
@documented(response=DeviceLifecycleOut)
def history(hostname: str):
    """A device's lifecycle state, the moves it may make and its history."""
    device = lifecycle.get_device(hostname)
    return jsonify({"hostname": device.hostname, "lifecycle_state": device.lifecycle_state,
                    "allowed_moves": list(lifecycle.allowed(device)),
                    "moves": [_move_json(m) for m in lifecycle.history(device)]})


@bp.post("/equipment/network/<hostname>/moves")
@require_role(Role.OPERATOR)
@documented(body_schema(lifecycle.TO_STATE, lifecycle.PARTNER_CODE, lifecycle.ON,
                        lifecycle.NOTE), response=DeviceMoveOut)
def move(hostname: str):
    """Move the device (``to_state``; recycling names a ``partner_code``); 409 when refused."""
    device = lifecycle.get_device(hostname)
    data = json_body(allowed=lifecycle.KEYS)
    with db.session.begin_nested():
        recorded = lifecycle.move_device(device, data, current_actor())
    db.session.commit()
    return jsonify(_move_json(recorded)), 201
