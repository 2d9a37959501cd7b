"""devices and wiring imports: secrets encrypted, all or nothing, clear rejections."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from isp.csvimport import ImportRejected, run_import
from isp.extensions import db
from network.credentials import decrypt_secret
from network.models import Device, Port
from tests import factories

HEADER = ("building_code,hostname,mgmt_address,role,device_type,snmp_version,snmp_community,"
          "snmp_user,snmp_auth_key,snmp_priv_key,ssh_username,ssh_password,power_watts\n")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_devices_import_encrypts_secrets(db):
    b = factories.make_building()
    data = (HEADER
            + f"{b.code},imp-a,10.0.0.2,access,cisco_ios,2c,comm-secret,,,,adm,pw-secret,45\n"
            + f"{b.code},imp-b,10.0.0.3,aggregation,cisco_ios,3,,user3,authkey123,privkey456,,,\n")
    result = run_import("devices", data.encode(), actor=None)
    assert result.rows == 2
    a = db.session.execute(select(Device).where(Device.hostname == "imp-a")).scalar_one()
    assert "comm-secret" not in a.snmp_community_enc and "pw-secret" not in a.ssh_password_enc
    assert decrypt_secret(a.snmp_community_enc) == "comm-secret"
    bdev = db.session.execute(select(Device).where(Device.hostname == "imp-b")).scalar_one()
    assert decrypt_secret(bdev.snmp_priv_key_enc) == "privkey456" and bdev.snmp_version == "3"


def test_devices_import_rejects_whole_file_with_one_message_per_bad_row(db):
    b = factories.make_building()
    before = _count(Device)
    data = (HEADER
            + f"{b.code},ok-1,10.0.0.2,access,cisco_ios,2c,c1,,,,,,\n"
            + f"{b.code},ok-1,10.0.0.3,access,cisco_ios,2c,c1,,,,,,\n"  # duplicate hostname
            + "NOPE,x-2,10.0.0.4,access,cisco_ios,2c,c1,,,,,,\n"  # unknown building
            + f"{b.code},x-3,10.0.0.5,core,cisco_ios,2c,c1,,,,,,\n"  # bad role
            + f"{b.code},x-4,10.0.0.6,access,cisco_ios,3,,u,short,privkey456,,,\n"  # short key
            + f"{b.code},x-5,10.0.0.7,access,cisco_ios,2c,,,,,,,\n")  # no community
    with pytest.raises(ImportRejected) as rejected:
        run_import("devices", data.encode(), actor=None)
    errors = [(e.line, e.column) for e in rejected.value.errors]
    assert errors == [(3, "hostname"), (4, "building_code"), (5, "role"),
                      (6, "snmp_auth_key"), (7, "snmp_community")]
    assert all("c1" not in str(e) for e in rejected.value.errors)
    assert _count(Device) == before


def _device(building, hostname, ports=()):
    device = Device(building=building, hostname=hostname, mgmt_address="127.0.0.1")
    db.session.add(device)
    db.session.flush()
    for i, name in enumerate(ports, start=1):
        db.session.add(Port(device_id=device.id, if_index=i, if_name=name))
    db.session.flush()
    return device


def test_wiring_to_discovered_port_and_pre_discovery_creation(db):
    unit1 = factories.make_unit()
    unit2 = factories.make_unit(building=unit1.building)
    polled = _device(unit1.building, f"w-{factories.n()}", ["Gi1/0/1", "Gi1/0/2"])
    fresh = _device(unit1.building, f"w-{factories.n()}")
    data = ("unit_code,device_hostname,if_name\n"
            f"{unit1.code},{polled.hostname},Gi1/0/2\n{unit2.code},{fresh.hostname},Gi1/0/7\n")
    assert run_import("wiring", data.encode(), actor=None).rows == 2
    assert db.session.execute(select(Port).where(Port.unit_id == unit1.id)).scalar_one().if_index \
        == 2
    created = db.session.execute(select(Port).where(Port.unit_id == unit2.id)).scalar_one()
    assert (created.if_name, created.if_index) == ("Gi1/0/7", None)


def test_wiring_rejects_unknown_port_device_flat_and_changes_nothing(db):
    unit = factories.make_unit()
    other_building_unit = factories.make_unit()
    third = factories.make_unit()
    polled = _device(unit.building, f"w-{factories.n()}", ["Gi1/0/1"])
    data = ("unit_code,device_hostname,if_name\n"
            f"{unit.code},{polled.hostname},Gi1/0/1\n"  # good, but the file is rejected
            f"{unit.code},{polled.hostname},Gi1/0/1\n"  # flat wired twice
            f"NOPE,{polled.hostname},Gi1/0/1\n"
            f"{third.code},nope-sw,Gi1/0/1\n"
            f"{other_building_unit.code},{polled.hostname},Gi1/0/1\n"  # other building
            )
    with pytest.raises(ImportRejected) as rejected:
        run_import("wiring", data.encode(), actor=None)
    assert [(e.line, e.column) for e in rejected.value.errors] == [
        (3, "unit_code"), (4, "unit_code"), (5, "device_hostname"), (6, "device_hostname")]
    bad_port = f"unit_code,device_hostname,if_name\n{unit.code},{polled.hostname},Gi9/9/9\n"
    with pytest.raises(ImportRejected) as rejected:
        run_import("wiring", bad_port.encode(), actor=None)
    assert "n'a pas de port Gi9/9/9" in str(rejected.value.errors[0])
    assert db.session.execute(select(Port).where(Port.unit_id.is_not(None),
                                                 Port.device_id == polled.id)).first() is None
