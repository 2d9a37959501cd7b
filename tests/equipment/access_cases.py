"""Access cases for the equipment pages and API (operators) and the footprint open data
(public) that issue 22 added."""

from tests.access import Case
from tests.equipment.factories import make_item, make_partner

OP = ("operator",)
POST_OK = (200, 201, 302, 303, 400, 409, 422)


def _item(ctx):
    return {"item_id": make_item("box").id}


def _new_item(ctx):
    return {"json": {"kind": "box", "origin": "new", "serial": "ACCESS-1"},
            "data": {"kind": "box", "origin": "new", "serial": "ACCESS-1"}}


def _move(ctx):
    values = _item(ctx)
    partner = make_partner()
    body = {"to_state": "recycled", "partner_code": partner.code}
    return {**values, "json": body, "data": body}


def _partner(ctx):
    body = {"code": "ACC-P", "name": "Atelier"}
    return {"json": body, "data": body}


def _device(ctx):
    from network.models import Device
    from tests import factories

    device = Device(building_id=factories.make_building().id, hostname="sw-access-4r",
                    mgmt_address="192.0.2.10")
    factories.db.session.add(device)
    factories.db.session.flush()
    body = {"to_state": "spare"}
    return {"hostname": device.hostname, "json": body, "data": body}


CASES = [
    Case("GET", "/equipment", OP),
    Case("GET", "/equipment/new", OP),
    Case("POST", "/equipment/new", OP, _new_item, ok=POST_OK),
    Case("GET", "/equipment/<int:item_id>", OP, _item),
    Case("POST", "/equipment/<int:item_id>/moves", OP, _move, ok=POST_OK),
    Case("GET", "/equipment/partners", OP),
    Case("POST", "/equipment/partners", OP, _partner, ok=POST_OK),
    Case("GET", "/api/v1/equipment", OP),
    Case("POST", "/api/v1/equipment", OP, _new_item, ok=POST_OK),
    Case("GET", "/api/v1/equipment/<int:item_id>", OP, _item),
    Case("POST", "/api/v1/equipment/<int:item_id>/moves", OP, _move, ok=POST_OK),
    Case("GET", "/api/v1/equipment/partners", OP),
    Case("POST", "/api/v1/equipment/partners", OP, _partner, ok=POST_OK),
    Case("GET", "/equipment/network", OP),
    Case("GET", "/equipment/network/<hostname>", OP, _device),
    Case("POST", "/equipment/network/<hostname>", OP, _device, ok=POST_OK),
    Case("GET", "/api/v1/equipment/network/<hostname>", OP, _device),
    Case("POST", "/api/v1/equipment/network/<hostname>/moves", OP, _device, ok=POST_OK),
]
