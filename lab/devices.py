"""The lab's switches as the network's devices of the demo building, with the addresses and
credentials the simulator serves (fictitious, lab only). The network's demo calls it through
the lab's declaration (``demo_devices``) before it wires the flats to these switches."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from isp.extensions import db
from lab.runner import (
    ACCESS_SWITCHES,
    AGGREGATION_SWITCH,
    LAB_SSH_PASSWORD,
    LAB_SSH_SECRET,
    LAB_SSH_USERNAME,
)
from lab.snmp_lab import DEFAULT_V3_AUTH_KEY, DEFAULT_V3_PRIV_KEY, DEFAULT_V3_USER
from network.choices import DeviceRole
from network.credentials import encrypt_secret
from network.models import Device


def record_demo_switches(building_id: int) -> int:
    """Record the lab's access switches and aggregation switch in the building (idempotent);
    returns how many were added."""
    config = current_app.config
    snmp_port = int(config.get("LAB_SNMP_PORT", 16100))
    ssh_base = int(config.get("LAB_SSH_PORT_BASE", 2201))
    created = 0
    for index, hostname in enumerate(ACCESS_SWITCHES):
        if db.session.execute(select(Device.id).where(Device.hostname == hostname)).first():
            continue
        db.session.add(Device(
            building_id=building_id, hostname=hostname, mgmt_address="127.0.0.1",
            role=DeviceRole.ACCESS, device_type="cisco_ios", snmp_port=snmp_port,
            snmp_version="2c", snmp_community_enc=encrypt_secret(hostname),
            ssh_port=ssh_base + index, ssh_username=LAB_SSH_USERNAME,
            ssh_password_enc=encrypt_secret(LAB_SSH_PASSWORD),
            ssh_secret_enc=encrypt_secret(LAB_SSH_SECRET),
            model="Catalyst 9200L-48T-4X (simulé)", power_watts=48.0, embodied_kgco2e=160.0))
        created += 1
    if not db.session.execute(select(Device.id).where(
            Device.hostname == AGGREGATION_SWITCH)).first():
        # the aggregation switch is polled with SNMPv3 authPriv (SHA/AES), as in production
        db.session.add(Device(
            building_id=building_id, hostname=AGGREGATION_SWITCH, mgmt_address="127.0.0.1",
            role=DeviceRole.AGGREGATION, device_type="cisco_ios", snmp_port=snmp_port,
            snmp_version="3", snmp_user=DEFAULT_V3_USER, snmp_context=AGGREGATION_SWITCH,
            snmp_auth_key_enc=encrypt_secret(DEFAULT_V3_AUTH_KEY),
            snmp_priv_key_enc=encrypt_secret(DEFAULT_V3_PRIV_KEY),
            ssh_port=ssh_base + len(ACCESS_SWITCHES), ssh_username=LAB_SSH_USERNAME,
            ssh_password_enc=encrypt_secret(LAB_SSH_PASSWORD),
            ssh_secret_enc=encrypt_secret(LAB_SSH_SECRET),
            model="Catalyst 9500-24Y4C (simulé)", power_watts=250.0, embodied_kgco2e=600.0))
        created += 1
    db.session.flush()
    # Every staircase switch hangs from the aggregation switch (issue 16.8: one incident).
    aggregation = db.session.execute(select(Device).where(
        Device.hostname == AGGREGATION_SWITCH)).scalar_one()
    for device in db.session.execute(select(Device).where(
            Device.hostname.in_(list(ACCESS_SWITCHES)), Device.parent_id.is_(None))).scalars():
        device.parent = aggregation
    db.session.flush()
    return created
