"""Network API: devices, usage of a flat, availability of a building; bad params are 400 JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from isp.extensions import db
from network.credentials import encrypt_secret
from network.models import Device, Outage, Port, UsageDay, UsageHour
from tests import factories


def _setup():
    unit = factories.make_unit()
    sub = factories.make_subscription(household=factories.make_household(unit=unit))
    device = Device(building=unit.building, hostname=f"api-sw-{factories.n()}",
                    mgmt_address="127.0.0.1", snmp_community_enc=encrypt_secret("s3cret-comm"),
                    status="up", sys_uptime_ticks=123_456, role="aggregation",
                    last_polled_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    db.session.add(device)
    db.session.flush()
    port = Port(device_id=device.id, if_index=1, if_name="Gi1/0/1", unit_id=unit.id,
                oper_up=True, speed_bps=10**9)
    db.session.add(port)
    db.session.flush()
    return unit, sub, device, port


def test_device_detail_has_status_uptime_ports_and_no_secret(client, api_as):
    _, headers = api_as("operator")
    unit, _, device, _ = _setup()
    body = client.get(f"/api/v1/devices/{device.hostname}", headers=headers).get_json()
    assert body["status"] == "up" and body["sys_uptime_s"] == 1234
    assert body["last_polled_at"] == "2026-11-20T10:00:00+00:00"
    assert body["ports"][0]["if_name"] == "Gi1/0/1" and body["ports"][0]["unit"] == unit.code
    # write-only credentials: whether one is set, never its value (issue 18.14)
    assert "s3cret" not in str(body) and "_enc" not in str(body)
    assert body["credentials_set"]["snmp_community"] is True
    listing = client.get("/api/v1/devices", headers=headers).get_json()
    assert device.hostname in [d["hostname"] for d in listing["items"]]
    assert client.get("/api/v1/devices/nope", headers=headers).status_code == 404


def test_usage_by_hour_and_day(client, api_as):
    _, headers = api_as("operator")
    unit, sub, _, port = _setup()
    h = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    db.session.add_all([UsageHour(port_id=port.id, hour=h, octets_in=10, octets_out=100),
                        UsageHour(port_id=port.id, hour=h + timedelta(hours=1), octets_in=20,
                                  octets_out=200),
                        UsageDay(subscription_id=sub.id, day=date(2026, 11, 20),
                                 download_octets=300, upload_octets=30)])
    db.session.flush()
    hourly = client.get(f"/api/v1/usage?unit={unit.code}&granularity=hour"
                        "&from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z",
                        headers=headers).get_json()
    assert hourly["items"] == [
        {"start": "2026-11-20T09:00:00+00:00", "download_octets": 100, "upload_octets": 10},
        {"start": "2026-11-20T10:00:00+00:00", "download_octets": 200, "upload_octets": 20}]
    daily = client.get(f"/api/v1/usage?unit={unit.code}&granularity=day&from=2026-11-01"
                       "&to=2026-11-30", headers=headers).get_json()
    assert daily["items"] == [{"start": "2026-11-20", "download_octets": 300,
                               "upload_octets": 30}]


def test_availability_of_a_building(client, api_as):
    _, headers = api_as("analyst")
    unit, _, device, _ = _setup()
    start = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    db.session.add(Outage(device_id=device.id, started_at=start,
                          ended_at=start + timedelta(minutes=30), cause="no_answer"))
    db.session.flush()
    body = client.get(f"/api/v1/availability?building={unit.building.code}&from=2026-11-10"
                      "&to=2026-11-10", headers=headers).get_json()
    assert body["downtime_s"] == 1800
    assert body["availability_pct"] == round(100 * (1 - 1800 / 86400), 2) == 97.92
    assert body["outages"][0]["device"] == device.hostname


def test_bad_parameters_are_400_json_and_unknown_codes_404(client, api_as):
    _, headers = api_as("operator")
    unit, *_ = _setup()
    cases = [
        ("/api/v1/usage", 400, "unit"),
        (f"/api/v1/usage?unit={unit.code}&granularity=week", 400, "granularity"),
        (f"/api/v1/usage?unit={unit.code}&granularity=hour&from=yesterday", 400, "from"),
        (f"/api/v1/usage?unit={unit.code}&granularity=day&from=2026-11-10&to=2026-11-01", 400,
         "to"),
        ("/api/v1/usage?unit=NOPE", 404, "unit"),
        ("/api/v1/availability", 400, "building"),
        (f"/api/v1/availability?building={unit.building.code}&from=2026-13-01", 400, "from"),
        ("/api/v1/availability?building=NOPE", 404, "building"),
    ]
    for url, status, field in cases:
        response = client.get(url, headers=headers)
        assert response.status_code == status, url
        assert response.get_json()["field"] == field, url
