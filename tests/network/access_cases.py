"""Access cases for the network monitoring pages and API (issue 3)."""

from isp.extensions import db
from tests import factories
from tests.access import Case

OP = ("operator",)


def _device(ctx):
    from network.models import Device, Port

    unit = factories.make_unit()
    device = Device(building=unit.building, hostname=f"acc-sw-{factories.n()}",
                    mgmt_address="127.0.0.1")
    db.session.add(device)
    db.session.flush()
    port = Port(device_id=device.id, if_index=1, if_name="Gi1/0/1", unit_id=unit.id)
    db.session.add(port)
    db.session.flush()
    return {"hostname": device.hostname, "port_id": port.id, "code": unit.code,
            "building": unit.building.code}


def _building(ctx):
    return {"code": factories.make_building().code}


def _unit_query(ctx):
    return {"code": factories.make_unit().code}


CASES = [
    Case("GET", "/network/devices", OP),
    Case("GET", "/network/devices/<hostname>", OP, _device),
    Case("GET", "/network/ports/<int:port_id>", OP, _device),
    Case("GET", "/network/units/<code>/usage", OP, _unit_query),
    Case("GET", "/network/buildings/<code>", OP, _building),
    Case("GET", "/api/v1/devices", OP),
    Case("GET", "/api/v1/devices/<hostname>", OP, _device),
    Case("PATCH", "/api/v1/devices/<hostname>", OP, _device, ok=(200, 400, 422)),
    Case("POST", "/network/devices/<hostname>/settings", OP, _device, ok=(302, 400)),
    # issue 18.14: create and edit pages and the create endpoint
    Case("POST", "/api/v1/devices", OP, ok=(201, 400, 422)),
    Case("GET", "/network/devices/new", OP),
    Case("POST", "/network/devices/new", OP, ok=(302, 400)),
    Case("GET", "/network/devices/<hostname>/edit", OP, _device),
    Case("POST", "/network/devices/<hostname>/edit", OP, _device, ok=(302, 400)),
    # query-string endpoints: without parameters they answer 400 once access is granted
    Case("GET", "/api/v1/usage", OP, ok=(400,)),
    Case("GET", "/api/v1/availability", ("operator", "analyst"), ok=(400,)),
]
