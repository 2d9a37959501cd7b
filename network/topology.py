"""Who is behind whom: uplinks, the devices behind one, the flats a device cuts off (issue 16.8).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import attributes

from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from network.choices import DeviceRole
from network.models import (
    Device,
    Port,
)
from subscribers.models import Unit


def port_of_unit(unit: Unit) -> Port | None:
    """The switch port wired to a flat, or None; read once for a page (``unit.port`` holds it
    afterwards, for the other sections that show it)."""
    if "port" not in attributes.instance_state(unit).dict:
        port = db.session.execute(_port_of_unit_statement(),
                                  {"unit_id": unit.id}).scalar_one_or_none()
        attributes.set_committed_value(unit, "port", port)
    return unit.port


@built_once
def _port_of_unit_statement():
    # The household page's: built once (isp.database.built_once); the relationship's lazy
    # load computed its statement's cache key on every page.
    return select(Port).where(Port.unit_id == bindparam("unit_id"))


def find_device(hostname: str) -> Device | None:
    """The device of that hostname, if any."""
    return db.session.execute(select(Device).where(Device.hostname == hostname)
                              ).scalar_one_or_none()


def check_uplink(device: Device | None, parent_hostname: str | None) -> Device | None:
    """The uplink named ``parent_hostname`` (None for none); ``DomainError`` when it is
    unknown, the device itself, or behind the device (a loop)."""
    name = (parent_hostname or "").strip()
    if not name:
        return None
    parent = find_device(name)
    if parent is None:
        raise DomainError(_("équipement inconnu : %(name)s", name=name), field="parent_hostname")
    if device is not None and (parent.id == device.id
                               or device.id in {d.id for d in uplinks_of(parent)}):
        raise DomainError(_(
            "%(name)s est derrière %(hostname)s : une boucle de liens montants",
            name=name, hostname=device.hostname),
                          field="parent_hostname")
    return parent
def uplinks_of(device: Device) -> list[Device]:
    """The device's uplink, its uplink's uplink …, nearest first (a loop is cut)."""
    chain: list[Device] = []
    seen = {device.id}
    parent = device.parent
    while parent is not None and parent.id not in seen:
        chain.append(parent)
        seen.add(parent.id)
        parent = parent.parent
    return chain


def devices_behind(device: Device) -> list[Device]:
    """Every device whose uplink chain passes through ``device`` (not itself)."""
    behind: list[Device] = []
    frontier, seen = [device.id], {device.id}
    while frontier:
        children = list(db.session.execute(select(Device).where(
            Device.parent_id.in_(frontier))).scalars())
        frontier = [c.id for c in children if c.id not in seen]
        seen.update(frontier)
        behind += [c for c in children if c.id in frontier]
    return behind


def affected_unit_codes(device: Device) -> list[str]:
    """Flats cut off when this device is down: its own and those of every device behind it
    (an aggregation switch without recorded downlinks: the whole building)."""
    statement = select(Unit.code).join(Port, Port.unit_id == Unit.id).join(
        Device, Device.id == Port.device_id)
    behind = devices_behind(device)
    if device.role == DeviceRole.AGGREGATION and not behind:
        statement = statement.where(Device.building_id == device.building_id)
    else:
        statement = statement.where(Device.id.in_([device.id, *(d.id for d in behind)]))
    return sorted(set(db.session.execute(statement).scalars()))
