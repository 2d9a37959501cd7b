"""Network devices through the 4R chain: moves with history, refusals, the footprint follows."""

from __future__ import annotations

from datetime import date

import pytest

from equipment import network_lifecycle as lifecycle
from evaluation import footprint
from isp.errors import DomainError
from network.models import Device
from tests import factories
from tests.equipment.factories import make_partner

pytestmark = pytest.mark.clock("2026-11-15T10:00:00+01:00")


def _device(db, hostname="sw-4r"):
    device = Device(building_id=factories.make_building().id, hostname=hostname,
                    mgmt_address="192.0.2.1", power_watts=10.0, embodied_kgco2e=100.0,
                    commissioned_on=date(2024, 1, 1))
    db.session.add(device)
    db.session.flush()
    return device


def test_device_moves_with_history_and_refusals(db):
    operator = factories.make_user("operator")
    partner = make_partner()
    device = _device(db)
    lifecycle.move_device(device, {"to_state": "repair", "on": "2026-10-01"}, operator)
    lifecycle.move_device(device, {"to_state": "refurbished", "partner_code": partner.code,
                                   "on": "2026-10-20"}, operator)
    with pytest.raises(DomainError) as error:
        lifecycle.move_device(device, {"to_state": "repair"}, operator)
    assert error.value.status == 409 and "« reconditionné »" in error.value.message
    with pytest.raises(DomainError) as error:
        lifecycle.move_device(device, {"to_state": "recycled"}, operator)
    assert error.value.field == "partner_code"
    with pytest.raises(DomainError) as error:
        lifecycle.move_device(device, {"to_state": "spare", "on": "2026-10-02"}, operator)
    assert error.value.field == "on"
    lifecycle.move_device(device, {"to_state": "spare"}, operator)
    assert device.lifecycle_state == "spare"
    moves = [(m.from_state, m.to_state, m.actor_id) for m in lifecycle.history(device)]
    assert moves == [("in_service", "repair", operator.id),
                     ("repair", "refurbished", operator.id),
                     ("refurbished", "spare", operator.id)]
    # Out of service: no longer counted in the network footprint.
    items = footprint.building_footprints(date(2026, 1, 1), date(2026, 11, 15))
    assert sum(i.devices for i in items) == 0


def test_pages_and_api(client, db, login_as, api_as):
    device = _device(db)
    _user, headers = api_as("operator")
    refused = client.post(f"/api/v1/equipment/network/{device.hostname}/moves",
                          headers=headers, json={"to_state": "refurbished"})
    assert refused.status_code == 409 and refused.json["field"] == "to_state"
    done = client.post(f"/api/v1/equipment/network/{device.hostname}/moves", headers=headers,
                       json={"to_state": "spare", "note": "stock"})
    assert done.status_code == 201 and done.json["to_state"] == "spare"
    history = client.get(f"/api/v1/equipment/network/{device.hostname}", headers=headers).json
    assert history["lifecycle_state"] == "spare" and len(history["moves"]) == 1
    assert client.get("/api/v1/equipment/network/nope", headers=headers).status_code == 404
    login_as("operator")
    page = client.post(f"/equipment/network/{device.hostname}", data={"to_state": "recycled"})
    assert page.status_code == 400 and "Nommez le partenaire" in page.get_data(as_text=True)
    assert device.hostname in client.get("/equipment/network").get_data(as_text=True)
