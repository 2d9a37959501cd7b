"""Issue 16.10: configuration backups are stored and shown without their secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from network.provisioning.vendors import SECRET_MASK, ios_parse_port_state, scrub_config

CONFIGS = Path(__file__).parent.parent / "data" / "configs"
IOS = (CONFIGS / "ios_with_secrets.txt").read_text()
PROCURVE = (CONFIGS / "procurve_with_secrets.txt").read_text()

#: Every secret the two realistic configurations hold, by kind.
IOS_SECRETS = {
    "enable secret": "$9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM",
    "enable password": "0822455D0A16544541",
    "user secret hash": "$9$vFpMf8elb4RVV8$seZ/bDAx1uV4yH75Z/nwUuegLJDVCc4UXOAE83JgsOc",
    "user password": "094F471A1A0A464058",
    "tacacs key": "045802150C2E1D1C5A",
    "radius key": "121A0C0411045D5679",
    "ntp key": "1511021F07257A767B",
    "key chain": "110A1016141D5A5E57",
    "isakmp key": "Kp!2Ux#Secret",
    "certificate": "3082022B 30820194",
    "ospf key": "0207115E0F1A0D32",
    "hsrp key": "0822455D0A165445",
    "bgp password": "13061E010803557878",
    "snmp community ro": "Nantes-RO-c0mmunity",
    "snmp community rw": "Nantes-RW-c0mmunity",
    "snmpv3 auth": "AuthPa55phrase",
    "snmpv3 priv": "PrivPa55phrase",
    "trap community": "Trap-c0mmunity",
    "line password": "05080F1C22431F5B4A",
}
PROCURVE_SECRETS = {
    "community operator": "public-hp-s3cret",
    "community manager": "private-hp-s3cret",
    "snmpv3 auth": "HpAuthPa55",
    "snmpv3 priv": "HpPrivPa55",
    "radius key": "HpRadiusK3y",
    "tacacs key": "HpTacacsK3y",
    "manager hash": "6d4f0a84c2e2b1b2e1a0d1f4a9d3f1c2a7e4b3c1",
    "operator hash": "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
}


@pytest.mark.parametrize(("kind", "secret"), IOS_SECRETS.items())
def test_ios_backup_loses_each_kind_of_secret(kind, secret):
    assert secret in IOS  # the fixture really holds it
    assert secret not in scrub_config(IOS, "cisco_ios"), kind


@pytest.mark.parametrize(("kind", "secret"), PROCURVE_SECRETS.items())
def test_procurve_backup_loses_each_kind_of_secret(kind, secret):
    assert secret in PROCURVE
    assert secret not in scrub_config(PROCURVE, "hp_procurve"), kind


def test_scrubbing_keeps_the_keywords_and_the_port_configuration():
    clean = scrub_config(IOS, "cisco_ios")
    assert f"enable secret 9 {SECRET_MASK}" in clean
    assert f"snmp-server community {SECRET_MASK} RO 10" in clean
    assert f"username admin privilege 15 secret 9 {SECRET_MASK}" in clean
    assert " key 1\n" in clean  # a key chain's number is not a secret
    assert "police 8000000" in clean
    assert ios_parse_port_state(clean, "Gi1/0/1") == ios_parse_port_state(IOS, "Gi1/0/1")


def test_scrubbing_is_stable():
    once = scrub_config(IOS, "cisco_ios")
    assert scrub_config(once, "cisco_ios") == once


# --- the nightly backup against the SSH simulator -------------------------------------------

pytest_plugins = ["tests.network.conftest_ssh"]


def test_nightly_backup_stores_and_compares_the_scrubbed_config(db, ssh_lab, configurator):
    from isp.extensions import db as _db
    from lab.ssh_switch import LAB_SNMP_COMMUNITY
    from network.provisioning import queue as prov
    from network.provisioning.models import ConfigBackup
    from tests.network.conftest_ssh import LAB_PASSWORD, LAB_SECRET
    from tests.network.factories_provisioning import make_switch

    device = make_switch("sw-misc", ssh_port=ssh_lab.port("sw-misc"), username="admin",
                         password=LAB_PASSWORD, secret=LAB_SECRET)
    raw = configurator.backup_running_config(prov.switch_access(device))
    assert LAB_SNMP_COMMUNITY in raw and "enable secret 9 $9$" in raw  # the switch shows them

    first = prov.nightly_reconcile(configurator=configurator)
    second = prov.nightly_reconcile(configurator=configurator)

    backups = _db.session.query(ConfigBackup).filter_by(device_id=device.id).all()
    assert len(backups) == 2 and not first.errors
    for backup in backups:
        assert LAB_SNMP_COMMUNITY not in backup.config
        assert "$9$" not in backup.config
        assert f"enable secret 9 {SECRET_MASK}" in backup.config
        assert "hostname sw-misc" in backup.config
    assert second.unchanged_backups == 1  # digests of the scrubbed forms agree
