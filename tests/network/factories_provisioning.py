"""Factories for the provisioning tests: a switch with SSH credentials and wired flats."""

from __future__ import annotations

from isp.extensions import db
from network.credentials import encrypt_secret
from network.models import Device, Port
from tests import factories


def make_switch(hostname: str | None = None, *, building=None, ssh_port: int = 22,
                password: str = "pw", secret: str = "sec", username: str = "admin",
                **fields) -> Device:
    """An access switch with encrypted SSH credentials (reachable only if a lab serves it)."""
    device = Device(building=building or factories.make_building(),
                    hostname=hostname or f"sw-{factories.n()}", mgmt_address="127.0.0.1",
                    role="access", device_type="cisco_ios", ssh_port=ssh_port,
                    ssh_username=username, ssh_password_enc=encrypt_secret(password),
                    ssh_secret_enc=encrypt_secret(secret), **fields)
    db.session.add(device)
    db.session.flush()
    return device


def wire(unit, device: Device, if_name: str, *, if_index: int | None = None) -> Port:
    """Connect a flat to a switch port (the wiring)."""
    port = Port(device_id=device.id, if_index=if_index, if_name=if_name, unit_id=unit.id)
    db.session.add(port)
    db.session.flush()
    return port


def make_wired_household(*, device: Device | None = None, if_name: str | None = None,
                         unit_code: str | None = None, association=None, **fields):
    """A current household whose flat is wired to a port of ``device`` (a new switch)."""
    device = device or make_switch()
    unit = factories.make_unit(unit_code, building=device.building)
    wire(unit, device, if_name or f"Gi1/0/{factories.n() % 40 + 1}")
    return factories.make_household(unit=unit, association=association, **fields)
