"""CSV imports of devices and wiring (DESIGN.md §4.4), all or nothing.

``devices``: secrets are encrypted with ISP_CREDENTIALS_KEY as they are read and never
echoed in error messages. ``wiring``: ``unit_code,device_hostname,if_name`` says which
port serves which flat. Decision: when the device has never been polled (it has no port
yet), the wiring import creates the port by name with no ifIndex, and the first poll
attaches it (matching ifName); once ports are known, a name the device does not have is
rejected, with the known names in the message.
"""

from __future__ import annotations

import ipaddress
import re

from sqlalchemy import select

from isp.csvimport import (
    BadValue,
    ImportContext,
    ImportSpec,
    parse_choice,
    parse_float,
    parse_int,
    register_importer,
)
from isp.extensions import db
from network.choices import DeviceRole
from network.credentials import encrypt_secret
from network.models import Device, Port
from network.services import find_device

HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9-]{1,63})*$")
DEVICE_TYPES = ("cisco_ios", "cisco_xe", "cisco_nxos", "hp_procurve", "aruba_os", "juniper_junos",
                "mikrotik_routeros", "generic")


def _address(row: dict) -> str:
    value = row["mgmt_address"]
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not HOSTNAME.match(value):
            raise BadValue("mgmt_address", f"{value!r} is not an IP address or host name") \
                from None
    return value


def _device(row: dict, ctx: ImportContext) -> None:
    from subscribers.models import Building

    hostname = row["hostname"]
    if not HOSTNAME.match(hostname) or len(hostname) > 63:
        raise BadValue("hostname", f"{hostname!r} is not a valid host name")
    if not ctx.first_time("device", hostname.lower()):
        raise BadValue("hostname", f"duplicate hostname {hostname} in the file")
    if db.session.execute(select(Device.id).where(Device.hostname == hostname)).first():
        raise BadValue("hostname", f"device {hostname} already exists")
    building = db.session.execute(select(Building).where(
        Building.code == row["building_code"])).scalar_one_or_none()
    if building is None:
        raise BadValue("building_code", f"unknown building {row['building_code']}")
    role = parse_choice(row, "role", list(DeviceRole))
    device_type = parse_choice(row, "device_type", DEVICE_TYPES)
    version = row["snmp_version"].lower().removeprefix("v")
    if version not in ("2c", "3"):
        raise BadValue("snmp_version", f"{row['snmp_version']!r}: use 2c or 3")
    if version == "2c":
        if not row.get("snmp_community"):
            raise BadValue("snmp_community", "required with SNMP v2c")
        for column in ("snmp_user", "snmp_auth_key", "snmp_priv_key"):
            if row.get(column):
                raise BadValue(column, "only for SNMP v3")
    else:
        for column in ("snmp_user", "snmp_auth_key", "snmp_priv_key"):
            if not row.get(column):
                raise BadValue(column, "required with SNMP v3 (authPriv, SHA/AES)")
        for column in ("snmp_auth_key", "snmp_priv_key"):
            if len(row[column]) < 8:
                raise BadValue(column, "SNMP v3 keys have at least 8 characters")
        if row.get("snmp_community"):
            raise BadValue("snmp_community", "only for SNMP v2c")
    power = parse_float(row, "power_watts")
    if power is not None and not 0 <= power <= 10_000:
        raise BadValue("power_watts", f"{power} W is not plausible for a switch")
    embodied = parse_float(row, "embodied_kgco2e")
    if embodied is not None and embodied < 0:
        raise BadValue("embodied_kgco2e", "must not be negative")
    device = Device(
        building_id=building.id, hostname=hostname, mgmt_address=_address(row), role=role,
        device_type=device_type,
        snmp_port=parse_int(row, "snmp_port", minimum=1, maximum=65535) or 161,
        snmp_version=version,
        snmp_community_enc=encrypt_secret(row.get("snmp_community")),
        snmp_user=row.get("snmp_user") or None,
        snmp_auth_key_enc=encrypt_secret(row.get("snmp_auth_key")),
        snmp_priv_key_enc=encrypt_secret(row.get("snmp_priv_key")),
        ssh_port=parse_int(row, "ssh_port", minimum=1, maximum=65535) or 22,
        ssh_username=row.get("ssh_username") or None,
        ssh_password_enc=encrypt_secret(row.get("ssh_password")),
        ssh_secret_enc=encrypt_secret(row.get("ssh_secret")),
        model=row.get("model") or None, power_watts=power, embodied_kgco2e=embodied)
    parent_name = row.get("parent_hostname") or None
    if parent_name is not None:
        # the uplink is an existing device or one of the file's earlier rows
        parent = find_device(parent_name)
        if parent is None:
            raise BadValue("parent_hostname", f"unknown device {parent_name} (list uplinks "
                           "before the devices behind them)")
        device.parent = parent
    db.session.add(device)
    db.session.flush()


def _wiring(row: dict, ctx: ImportContext) -> None:
    from subscribers.models import Unit

    unit = db.session.execute(select(Unit).where(Unit.code == row["unit_code"])
                              ).scalar_one_or_none()
    if unit is None:
        raise BadValue("unit_code", f"unknown flat {row['unit_code']}")
    if not ctx.first_time("wired_unit", unit.code):
        raise BadValue("unit_code", f"flat {unit.code} is wired twice in the file")
    device = db.session.execute(select(Device).where(
        Device.hostname == row["device_hostname"])).scalar_one_or_none()
    if device is None:
        raise BadValue("device_hostname", f"unknown device {row['device_hostname']}")
    if device.building_id != unit.building_id:
        raise BadValue("device_hostname",
                       f"device {device.hostname} is not in the building of flat {unit.code}")
    name = row["if_name"]
    if not ctx.first_time("wired_port", (device.id, name)):
        raise BadValue("if_name", f"port {name} of {device.hostname} is wired twice in the file")
    ports = list(db.session.execute(select(Port).where(Port.device_id == device.id)).scalars())
    port = next((p for p in ports if p.if_name == name), None)
    if port is None and any(p.if_index is not None for p in ports):
        known = ", ".join(sorted(p.if_name for p in ports)[:6])
        raise BadValue("if_name", f"{device.hostname} has no port {name} (known: {known}, …)")
    if port is None:
        # not polled yet: create the port by name; the first poll gives its ifIndex
        port = Port(device_id=device.id, if_index=None, if_name=name[:64])
        db.session.add(port)
    elif port.unit_id not in (None, unit.id):
        raise BadValue("if_name", f"port {name} of {device.hostname} already serves another "
                       "flat; unwire it first")
    other = db.session.execute(select(Port).where(Port.unit_id == unit.id)).scalar_one_or_none()
    if other is not None and other is not port:
        other.unit_id = None  # a flat is served by one port: the file's line wins
        db.session.flush()
    port.unit_id = unit.id
    db.session.flush()


register_importer(ImportSpec(
    "devices",
    ("building_code", "hostname", "mgmt_address", "role", "device_type", "snmp_version"),
    ("snmp_port", "snmp_community", "snmp_user", "snmp_auth_key", "snmp_priv_key", "ssh_port",
     "ssh_username", "ssh_password", "ssh_secret", "model", "power_watts", "embodied_kgco2e",
     "parent_hostname"),
    _device))
register_importer(ImportSpec("wiring", ("unit_code", "device_hostname", "if_name"), (),
                             _wiring))
