"""CSV imports of devices and wiring (docs/design.md §4.4), all or nothing.

``devices``: secrets are encrypted with ISP_CREDENTIALS_KEY as they are read and never
echoed in error messages. ``wiring``: ``unit_code,device_hostname,if_name`` says which
port serves which flat. Decision: when the device has never been polled (it has no port
yet), the wiring import creates the port by name with no ifIndex, and the first poll
attaches it (matching ifName); once ports are known, a name the device does not have is
rejected, with the known names in the message.
"""

from __future__ import annotations

from sqlalchemy import select

from isp.csvimport import BadValue, ImportContext, ImportSpec, register_importer
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from network.device_fields import HOSTNAME, device_changes
from network.models import Device, Port
from network.topology import find_device
from subscribers.models import Unit


def _device(row: dict, ctx: ImportContext) -> None:
    hostname = row["hostname"]
    if HOSTNAME.match(hostname) and not ctx.first_time("device", hostname.lower()):
        raise BadValue("hostname", _("nom d'hôte %(hostname)s en double dans le fichier",
                                       hostname=hostname))
    # the same checks as the device pages and API (network/device_fields.py)
    changes = device_changes(row)
    parent_name = changes.pop("parent_hostname")
    device = Device(**changes)
    if parent_name is not None:
        # the uplink is an existing device or one of the file's earlier rows
        parent = find_device(parent_name)
        if parent is None:
            raise BadValue("parent_hostname", _("équipement inconnu %(hostname)s (placez les "
                           "équipements amont avant ceux qui en dépendent)", hostname=parent_name))
        device.parent = parent
    db.session.add(device)
    db.session.flush()


def _wiring(row: dict, ctx: ImportContext) -> None:
    unit = db.session.execute(select(Unit).where(Unit.code == row["unit_code"])
                              ).scalar_one_or_none()
    if unit is None:
        raise BadValue("unit_code", _("logement inconnu %(code)s", code=row["unit_code"]))
    if not ctx.first_time("wired_unit", unit.code):
        raise BadValue("unit_code", _("le logement %(code)s est raccordé deux fois dans le "
                                         "fichier", code=unit.code))
    device = db.session.execute(select(Device).where(
        Device.hostname == row["device_hostname"])).scalar_one_or_none()
    if device is None:
        raise BadValue("device_hostname", _("équipement inconnu %(hostname)s",
                                                     hostname=row["device_hostname"]))
    if device.building_id != unit.building_id:
        raise BadValue("device_hostname",
                       _("l'équipement %(hostname)s n'est pas dans l'immeuble du logement "
                         "%(code)s", hostname=device.hostname, code=unit.code))
    name = row["if_name"]
    if not ctx.first_time("wired_port", (device.id, name)):
        raise BadValue("if_name", _("le port %(port)s de %(hostname)s est raccordé deux "
                                       "fois dans le fichier", port=name,
                                       hostname=device.hostname))
    ports = list(db.session.execute(select(Port).where(Port.device_id == device.id)).scalars())
    port = next((p for p in ports if p.if_name == name), None)
    if port is None and any(p.if_index is not None for p in ports):
        known = ", ".join(sorted(p.if_name for p in ports)[:6])
        raise BadValue("if_name", _("%(hostname)s n'a pas de port %(port)s (ports "
                                       "connus : %(known)s, …)", hostname=device.hostname,
                                       port=name, known=known))
    if port is None:
        # not polled yet: create the port by name; the first poll gives its ifIndex
        port = Port(device_id=device.id, if_index=None, if_name=name[:64])
        db.session.add(port)
    elif port.unit_id not in (None, unit.id):
        raise BadValue("if_name", _("le port %(port)s de %(hostname)s dessert déjà un "
                                       "autre logement : débranchez-le d'abord", port=name,
                                       hostname=device.hostname))
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
    _device, label=_l("Équipements réseau"),
    example={"building_code": "BOT-12", "hostname": "bot12-sw1", "mgmt_address": "10.20.12.2",
             "role": "access", "device_type": "cisco_ios", "snmp_version": "2c",
             "snmp_community": "communaute-lecture", "ssh_port": "22",
             "ssh_username": "admin", "model": "C2960X-24", "power_watts": "35"}))
register_importer(ImportSpec(
    "wiring", ("unit_code", "device_hostname", "if_name"), (), _wiring,
    label=_l("Câblage des logements"),
    example={"unit_code": "BOT-12-A-03-2", "device_hostname": "bot12-sw1",
             "if_name": "Gi1/0/7"}))
