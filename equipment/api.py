"""JSON API of lent equipment (operators): list with filters, create, one item with its moves,
record a move; the local partners. Same rules as the pages (equipment.services)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from equipment import services
from equipment.models import EquipmentItem, EquipmentMove, EquipmentPartner
from equipment.schemas import ItemOut, ItemQuery, MoveWithItemOut, PartnerOut
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.extensions import db
from isp.formatting import iso
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.validation import body_schema, json_body

bp = Blueprint("equipment_api", __name__, url_prefix="/api/v1")

OPERATORS = (Role.OPERATOR,)



def partner_json(partner: EquipmentPartner | None) -> dict | None:
    if partner is None:
        return None
    return {"code": partner.code, "name": partner.name, "commune": partner.commune,
            "siret": partner.siret}


def move_json(move: EquipmentMove) -> dict:
    return {"id": move.id, "from_state": move.from_state, "to_state": move.to_state,
            "on": iso(move.on), "at": iso(move.at),
            "actor": move.actor.email if move.actor else None,
            "household_id": move.household_id, "agreement_ref": move.agreement_ref,
            "partner_code": move.partner.code if move.partner else None,
            "ticket_number": move.ticket_number, "note": move.note}


def item_json(item: EquipmentItem, *, with_moves: bool = False) -> dict:
    data = {"id": item.id, "kind": item.kind, "serial": item.serial, "model": item.model,
            "origin": item.origin, "partner": partner_json(item.partner),
            "embodied_kgco2e": item.embodied_kgco2e, "acquired_on": iso(item.acquired_on),
            "state": item.state, "household_id": item.household_id,
            "loan_agreement_ref": item.loan_agreement_ref,
            "loan_signed_on": iso(item.loan_signed_on),
            "recycled_by": partner_json(item.recycled_by), "recycled_on": iso(item.recycled_on),
            "allowed_moves": [str(s) for s in services.allowed_moves(item)]}
    if with_moves:
        data["moves"] = [move_json(m) for m in item.moves]
    return data


@bp.get("/equipment")
@require_role(*OPERATORS)
@documented(query=ItemQuery, items=ItemOut)
def list_items():
    """The inventory, filtered by ``kind``, ``state``, ``household_id`` and serial (``q``)."""
    filters = parse(ItemQuery).filters()
    if filters.household_id:
        audit.record_request("list", "household", filters.household_id, "equipment")
    return api_list(services.items_list(filters), item_json)


@bp.post("/equipment")
@require_role(*OPERATORS)
@documented(body_schema(services.KIND, services.ORIGIN, services.SERIAL, services.MODEL,
                        services.PARTNER_CODE, services.ACQUIRED_ON,
                        embodied_kgco2e={"type": "number", "minimum": 0,
                                         "maximum": services.EMBODIED_MAX}), response=ItemOut)
def create_item():
    """A new item in stock; ``embodied_kgco2e`` defaults from ``kind`` and ``origin``."""
    data = json_body(allowed=services.ITEM_KEYS)
    with db.session.begin_nested():
        item = services.create_item(data, current_actor())
    db.session.commit()
    return jsonify(item_json(item, with_moves=True)), 201


@bp.get("/equipment/<int:item_id>")
@require_role(*OPERATORS)
@documented(response=ItemOut)
def get_item(item_id: int):
    """One item and every move (from, to, who, when, household, note)."""
    item = services.get_item(item_id)
    if any(m.household_id for m in item.moves):
        audit.record_request("view", "equipment_item", item.id, "holders")
    return jsonify(item_json(item, with_moves=True))


@bp.post("/equipment/<int:item_id>/moves")
@require_role(*OPERATORS)
@documented(body_schema(services.TO_STATE, services.HOUSEHOLD_ID, services.UNIT_CODE,
                        services.AGREEMENT_REF, services.SIGNED_ON, services.PARTNER_CODE,
                        services.ON, services.NOTE), response=MoveWithItemOut)
def add_move(item_id: int):
    """Move the item (``to_state``; a loan needs ``household_id`` or the flat's ``unit_code``,
    ``agreement_ref`` and ``signed_on``; recycling a ``partner_code``). A move the 4R chain
    refuses is a 409."""
    item = services.get_item(item_id)
    data = json_body(allowed=services.MOVE_KEYS)
    with db.session.begin_nested():
        move = services.move(item, data, current_actor())
    db.session.commit()
    return jsonify(move_json(move) | {"item": item_json(item)}), 201


@bp.get("/equipment/partners")
@require_role(*OPERATORS)
@documented(items=PartnerOut)
def list_partners():
    """The local 4R partners."""
    return api_list(select(EquipmentPartner).order_by(EquipmentPartner.code), partner_json)


@bp.post("/equipment/partners")
@require_role(*OPERATORS)
@documented(body_schema(*services.PARTNER_FIELDS), response=PartnerOut)
def create_partner():
    """A local partner (``code``, ``name``, ``commune``, ``siret``)."""
    data = json_body(allowed=tuple(f.name for f in services.PARTNER_FIELDS))
    with db.session.begin_nested():
        partner = services.create_partner(data)
    db.session.commit()
    return jsonify(partner_json(partner)), 201


