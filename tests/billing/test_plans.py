"""The plan's page and API (issue 16.7): an admin sets the speeds; a change re-provisions the
ports concerned as one batch; bad values are refused beside the field and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from billing import tariffs
from billing.models import Plan
from isp.extensions import db as _db
from network.provisioning import queue as prov
from network.provisioning.models import PortDesiredState, ProvisioningBatch
from subscribers import lifecycle
from tests import factories
from tests.network.factories_provisioning import make_switch, wire


@pytest.fixture
def plan(db):
    tariffs.ensure_default_grid()
    return _db.session.execute(select(Plan).where(Plan.code == "SOLIDAIRE-1G")).scalar_one()


def _reduced_port():
    """A subscribed flat whose port is reduced (a technical reduction: no debt)."""
    operator = factories.make_user("operator")
    device = make_switch()
    unit = factories.make_unit(building=device.building)
    port = wire(unit, device, "Gi1/0/4")
    subscription = lifecycle.subscribe(factories.make_household(unit=unit), tier="T1",
                                       actor=operator)
    lifecycle.mark_active(subscription, actor=operator)
    lifecycle.reduce_service(subscription, actor=operator, reason="Demande du foyer")
    return port


def test_the_admin_page_sets_the_reduced_speeds_and_queues_one_batch(client, login_as, plan):
    port = _reduced_port()
    login_as("admin")
    page = client.get(f"/billing/plans/{plan.code}")
    assert page.status_code == 200 and "8000" in page.get_data(as_text=True)
    response = client.post(f"/billing/plans/{plan.code}", data={
        "name": plan.name, "description": "", "down_kbps": "1000000",
        "up_kbps": "1000000", "reduced_down_kbps": "10000", "reduced_up_kbps": "3000"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert (plan.reduced_down_kbps, plan.reduced_up_kbps) == (10_000, 3_000)
    [batch] = _db.session.execute(select(ProvisioningBatch)).scalars().all()
    desired = prov.state_from_json(
        _db.session.execute(select(PortDesiredState).where(
            PortDesiredState.port_id == port.id)).scalar_one().desired)
    assert batch.id is not None and "10M" in desired.policy_out


@pytest.mark.parametrize(("field", "value"), [
    ("reduced_down_kbps", "0"), ("reduced_down_kbps", "2000000"), ("up_kbps", "-5"),
    ("down_kbps", "abc"), ("reduced_up_kbps", "99999999999")])
def test_bad_speeds_are_refused_beside_the_field(client, login_as, plan, field, value):
    login_as("admin")
    data = {"name": plan.name, "down_kbps": "1000000", "up_kbps": "1000000",
            "reduced_down_kbps": "8000", "reduced_up_kbps": "2000", field: value}
    response = client.post(f"/billing/plans/{plan.code}", data=data)
    assert response.status_code == 400
    assert f'id="{field}-err"' in response.get_data(as_text=True)  # beside the field
    _db.session.expire_all()
    assert (plan.down_kbps, plan.reduced_down_kbps) == (1_000_000, 8_000)
    assert _db.session.execute(select(ProvisioningBatch)).first() is None


def test_the_api_lists_and_sets_the_speeds_with_the_same_rule(client, api_as, plan):
    _user, operator = api_as("operator")
    listed = client.get("/api/v1/plans", headers=operator).get_json()
    assert listed["items"][0]["reduced_down_kbps"] == 8_000 and listed["total"] == 1
    assert client.put(f"/api/v1/plans/{plan.code}", headers=operator,
                      json={"reduced_down_kbps": 9000}).status_code == 403
    _admin, admin = api_as("admin")
    refused = client.put(f"/api/v1/plans/{plan.code}", headers=admin,
                         json={"reduced_down_kbps": 2_000_000})
    assert refused.status_code == 422 and refused.get_json()["field"] == "reduced_down_kbps"
    assert client.put(f"/api/v1/plans/{plan.code}", headers=admin,
                      json={"speed": 1}).get_json()["field"] == "speed"
    assert client.put("/api/v1/plans/NOPE", headers=admin,
                      json={"reduced_down_kbps": 9000}).status_code == 404
    accepted = client.put(f"/api/v1/plans/{plan.code}", headers=admin,
                          json={"reduced_down_kbps": 9000})
    assert accepted.status_code == 200 and accepted.get_json()["reduced_down_kbps"] == 9000
    _db.session.expire_all()
    assert plan.reduced_down_kbps == 9000
