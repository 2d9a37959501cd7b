"""Issue 18 item 14: devices are created and edited by page and API, with the checks of the
devices CSV import, and credentials write-only (encrypted, never shown, kept when left empty).
"""

from __future__ import annotations

from isp.extensions import db
from network.credentials import decrypt_secret
from network.models import Device
from network.topology import find_device
from tests import factories

SSH_PASSWORD = "Zx-ssh-Pa55-8812"
COMMUNITY = "comm-S3cret-4471"


def _body(building: str, **overrides) -> dict:
    body = {"building_code": building, "hostname": f"new-sw-{factories.n()}",
            "mgmt_address": "10.20.0.5", "role": "access", "device_type": "cisco_ios",
            "snmp_version": "2c", "snmp_community": COMMUNITY, "ssh_username": "admin",
            "ssh_password": SSH_PASSWORD, "power_watts": 35, "model": "C9200-24T"}
    return body | overrides


def test_api_creates_a_device_with_encrypted_credentials_never_shown(client, api_as):
    _, headers = api_as("operator")
    building = factories.make_building()
    body = _body(building.code)

    response = client.post("/api/v1/devices", json=body, headers=headers)

    assert response.status_code == 201, response.get_json()
    answer = response.get_data(as_text=True)
    assert SSH_PASSWORD not in answer and COMMUNITY not in answer
    assert response.get_json()["credentials_set"] == {
        "snmp_community": True, "snmp_auth_key": False, "snmp_priv_key": False,
        "ssh_password": True, "ssh_secret": False}
    device = find_device(body["hostname"])
    assert device.ssh_password_enc != SSH_PASSWORD  # encrypted at rest
    assert decrypt_secret(device.ssh_password_enc) == SSH_PASSWORD
    assert device.power_watts == 35 and device.building_id == building.id
    shown = client.get(f"/api/v1/devices/{body['hostname']}", headers=headers)
    assert SSH_PASSWORD not in shown.get_data(as_text=True)


def test_api_refuses_bad_fields_with_the_field_and_changes_nothing(client, api_as):
    _, headers = api_as("operator")
    building = factories.make_building()
    cases = [({"mgmt_address": "not an address!"}, "mgmt_address"),
             ({"building_code": "NOPE-42"}, "building_code"),
             ({"snmp_version": "3", "snmp_community": ""}, "snmp_user"),
             ({"snmp_community": ""}, "snmp_community"),
             ({"power_watts": 99999}, "power_watts"),
             ({"power_watts": "lots"}, "power_watts"),
             ({"role": "router"}, "role"),
             ({"ssh_port": 70000}, "ssh_port"),
             ({"hostname": "bad host"}, "hostname"),
             ({"colour": "blue"}, "colour")]
    for overrides, field in cases:
        body = _body(building.code, **overrides)
        response = client.post("/api/v1/devices", json=body, headers=headers)
        assert 400 <= response.status_code < 500, (overrides, response.status_code)
        assert response.get_json()["field"] == field, (overrides, response.get_json())
        assert find_device(body["hostname"]) is None


def test_api_patch_with_an_empty_password_keeps_it(client, api_as):
    _, headers = api_as("operator")
    building = factories.make_building()
    body = _body(building.code)
    assert client.post("/api/v1/devices", json=body, headers=headers).status_code == 201

    response = client.patch(f"/api/v1/devices/{body['hostname']}",
                            json={"ssh_password": "", "snmp_community": "", "model": "C9300",
                                  "mgmt_address": "10.20.0.6"}, headers=headers)

    assert response.status_code == 200, response.get_json()
    device = find_device(body["hostname"])
    db.session.refresh(device)
    assert decrypt_secret(device.ssh_password_enc) == SSH_PASSWORD
    assert decrypt_secret(device.snmp_community_enc) == COMMUNITY
    assert (device.model, device.mgmt_address) == ("C9300", "10.20.0.6")
    changed = client.patch(f"/api/v1/devices/{body['hostname']}",
                           json={"ssh_password": "Other-Pa55-1"}, headers=headers)
    assert changed.status_code == 200 and "Other-Pa55-1" not in changed.get_data(as_text=True)
    db.session.refresh(device)
    assert decrypt_secret(device.ssh_password_enc) == "Other-Pa55-1"
    bad = client.patch(f"/api/v1/devices/{body['hostname']}", json={"snmp_port": 0},
                       headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "snmp_port"
    renamed = client.patch(f"/api/v1/devices/{body['hostname']}", json={"hostname": "x"},
                           headers=headers)
    assert renamed.status_code == 400 and renamed.get_json()["field"] == "hostname"


def _form(building: str, **overrides) -> dict:
    values = _body(building, **overrides)
    return {name: str(value) for name, value in values.items()}


def test_page_creates_then_edits_a_device_keeping_an_empty_password(client, login_as):
    login_as("operator")
    building = factories.make_building()
    form = _form(building.code)

    created = client.post("/network/devices/new", data=form)

    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    hostname = form["hostname"]
    edit = client.get(f"/network/devices/{hostname}/edit")
    html = edit.get_data(as_text=True)
    assert edit.status_code == 200
    assert SSH_PASSWORD not in html and COMMUNITY not in html
    assert 'id="ssh_password-state"' in html and "enregistré" in html
    edited = client.post(f"/network/devices/{hostname}/edit",
                         data=_form(building.code, hostname=hostname, ssh_password="",
                                    snmp_community="", model="C9300-48P"))
    assert edited.status_code == 302, edited.get_data(as_text=True)[:2000]
    device = db.session.execute(db.select(Device).where(Device.hostname == hostname)
                                ).scalar_one()
    db.session.refresh(device)
    assert device.model == "C9300-48P"
    assert decrypt_secret(device.ssh_password_enc) == SSH_PASSWORD
    assert decrypt_secret(device.snmp_community_enc) == COMMUNITY
    detail = client.get(f"/network/devices/{hostname}").get_data(as_text=True)
    assert SSH_PASSWORD not in detail and COMMUNITY not in detail


def test_page_shows_a_bad_value_beside_its_field_and_keeps_no_secret(client, login_as):
    login_as("operator")
    building = factories.make_building()
    form = _form(building.code, mgmt_address="not an address!")

    page = client.post("/network/devices/new", data=form)

    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert 'id="mgmt_address-error"' in html and 'aria-invalid="true"' in html
    assert SSH_PASSWORD not in html and COMMUNITY not in html  # never echoed back
    assert find_device(form["hostname"]) is None
