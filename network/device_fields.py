"""The one home of a device's field checks: the devices CSV import, the device pages and
``POST``/``PATCH /api/v1/devices`` all call ``device_changes`` (issue 18.14).

Values come as text (a CSV cell, a form field; the API turns numbers into text first); a bad
value raises ``BadValue(column, reason)``, the column being the field's name. Credentials are
write-only: they are encrypted as they are read (network/credentials.py), never returned, and
on an edit an empty value keeps the stored one.
"""

from __future__ import annotations

import ipaddress
import re

from sqlalchemy import select

from isp.csvimport import BadValue, parse_choice, parse_float, parse_int
from isp.extensions import db
from isp.i18n import gettext as _
from network.choices import DeviceRole
from network.credentials import encrypt_secret
from network.models import Device
from subscribers.models import Building

HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9-]{1,63})*$")
DEVICE_TYPES = ("cisco_ios", "cisco_xe", "cisco_nxos", "hp_procurve", "aruba_os", "juniper_junos",
                "mikrotik_routeros", "generic")
SNMP_V3_SECRETS = ("snmp_auth_key", "snmp_priv_key")
#: write-only fields and the encrypted column each is kept in
SECRET_COLUMNS = {"snmp_community": "snmp_community_enc", "snmp_auth_key": "snmp_auth_key_enc",
                  "snmp_priv_key": "snmp_priv_key_enc", "ssh_password": "ssh_password_enc",
                  "ssh_secret": "ssh_secret_enc"}
#: every field a person may give (the CSV's columns); hostname only when creating
FIELDS = ("building_code", "hostname", "mgmt_address", "role", "device_type", "snmp_port",
          "snmp_version", "snmp_community", "snmp_user", "snmp_auth_key", "snmp_priv_key",
          "ssh_port", "ssh_username", "ssh_password", "ssh_secret", "model", "power_watts",
          "embodied_kgco2e", "parent_hostname")


def check_hostname(hostname: str) -> str:
    if not HOSTNAME.match(hostname) or len(hostname) > 63:
        raise BadValue("hostname", _(
            "%(hostname)s n'est pas un nom d'hôte valide", hostname=hostname))
    if db.session.execute(select(Device.id).where(Device.hostname == hostname)).first():
        raise BadValue("hostname", _("l'équipement %(hostname)s existe déjà", hostname=hostname))
    return hostname


#: the columns' lengths: a longer value is refused by its field, not by the database
MAX_LENGTHS = {"mgmt_address": 64, "snmp_user": 64, "ssh_username": 64, "model": 80,
               "building_code": 30, "parent_hostname": 63}


def check_address(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not value or not HOSTNAME.match(value):
            raise BadValue("mgmt_address", _(
                "%(value)s n'est ni une adresse IP ni un nom d'hôte", value=value)) \
                from None
    return value


def current_values(device: Device) -> dict[str, str]:
    """A device's non-secret fields as text (an edit form's starting values)."""
    def text(value) -> str:
        return "" if value is None else str(value)

    return {"building_code": device.building.code if device.building else "",
            "hostname": device.hostname, "mgmt_address": device.mgmt_address,
            "role": text(device.role), "device_type": text(device.device_type),
            "snmp_port": text(device.snmp_port), "snmp_version": text(device.snmp_version),
            "snmp_user": text(device.snmp_user), "ssh_port": text(device.ssh_port),
            "ssh_username": text(device.ssh_username), "model": text(device.model),
            "power_watts": text(device.power_watts),
            "embodied_kgco2e": text(device.embodied_kgco2e),
            "parent_hostname": text(device.parent_hostname)}


def credentials_set(device: Device) -> dict[str, bool]:
    """Which credentials are stored (shown as "set"/"not set", never their value)."""
    return {name: getattr(device, column) is not None for name, column in SECRET_COLUMNS.items()}


def device_changes(row: dict[str, str], device: Device | None = None) -> dict:
    """Check a device's fields; return the column values to set (secrets encrypted).

    ``device`` None: a new device, ``row`` holds every field (the CSV row, the form). With a
    device: an edit; absent fields keep their value, and an empty secret keeps the stored one.
    ``parent_hostname`` is returned as text (the caller resolves the uplink: the import by
    name, an edit through ``services.update_device_settings`` which also refuses loops).
    """
    row = {name: (value or "").strip() if name not in SECRET_COLUMNS else (value or "")
           for name, value in row.items()}
    merged = dict(current_values(device)) if device is not None else {}
    merged.update({name: value for name, value in row.items() if name not in SECRET_COLUMNS})
    for name, limit in MAX_LENGTHS.items():
        if len(merged.get(name) or "") > limit:
            raise BadValue(name, _("au plus %(limit)s caractères", limit=limit))
    changes: dict = {}
    if device is None:
        changes["hostname"] = check_hostname(merged.get("hostname", ""))
    building = db.session.execute(select(Building).where(
        Building.code == merged.get("building_code", ""))).scalar_one_or_none()
    if building is None:
        raise BadValue("building_code", _(
            "immeuble inconnu : %(value)s", value=merged.get('building_code', '')))
    changes["building_id"] = building.id
    changes["mgmt_address"] = check_address(merged.get("mgmt_address", ""))
    changes["role"] = parse_choice(merged, "role", list(DeviceRole))
    changes["device_type"] = parse_choice(merged, "device_type", DEVICE_TYPES)
    version = merged.get("snmp_version", "").lower().removeprefix("v")
    if version not in ("2c", "3"):
        raise BadValue("snmp_version", _(
            "%(value)s : utilisez 2c ou 3", value=merged.get('snmp_version', '')))
    changes["snmp_version"] = version
    same_version = device is not None and device.snmp_version == version

    def has(name: str) -> bool:
        """Given now, or stored and kept (an empty value keeps it, same SNMP version)."""
        if row.get(name):
            return True
        stored = device is not None and getattr(device, SECRET_COLUMNS[name]) is not None
        return stored and (same_version or not name.startswith("snmp_"))

    if version == "2c":
        if not has("snmp_community"):
            raise BadValue("snmp_community", _("obligatoire avec SNMP v2c"))
        for column in ("snmp_user", *SNMP_V3_SECRETS):
            if row.get(column):
                raise BadValue(column, _("seulement pour SNMP v3"))
        changes.update(snmp_user=None, snmp_auth_key_enc=None, snmp_priv_key_enc=None)
    else:
        if not merged.get("snmp_user"):
            raise BadValue("snmp_user", _("obligatoire avec SNMP v3 (authPriv, SHA/AES)"))
        for column in SNMP_V3_SECRETS:
            if not has(column):
                raise BadValue(column, _("obligatoire avec SNMP v3 (authPriv, SHA/AES)"))
            if row.get(column) and len(row[column]) < 8:
                raise BadValue(column, _("les clés SNMP v3 ont au moins 8 caractères"))
        if row.get("snmp_community"):
            raise BadValue("snmp_community", _("seulement pour SNMP v2c"))
        changes.update(snmp_user=merged["snmp_user"], snmp_community_enc=None)
    power = parse_float(merged, "power_watts")
    if power is not None and not 0 <= power <= 10_000:
        raise BadValue("power_watts", _(
            "%(power)s W n'est pas plausible pour un commutateur", power=power))
    embodied = parse_float(merged, "embodied_kgco2e")
    if embodied is not None and embodied < 0:
        raise BadValue("embodied_kgco2e", _("ne doit pas être négatif"))
    changes.update(
        snmp_port=parse_int(merged, "snmp_port", minimum=1, maximum=65535) or 161,
        ssh_port=parse_int(merged, "ssh_port", minimum=1, maximum=65535) or 22,
        ssh_username=merged.get("ssh_username") or None, model=merged.get("model") or None,
        power_watts=power, embodied_kgco2e=embodied,
        parent_hostname=merged.get("parent_hostname") or None)
    for name, column in SECRET_COLUMNS.items():
        if row.get(name):
            changes[column] = encrypt_secret(row[name])
        elif column not in changes and device is None:
            changes[column] = None
    return changes
