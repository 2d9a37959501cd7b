"""JSON API of the network: devices, usage of a flat, availability of a building."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, jsonify
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from isp import audit
from isp.auth import require_role
from isp.choices import Role
from isp.csvimport import BadValue
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.timeutil import local_date, utcnow
from isp.timeutil import today as paris_today
from isp.validation import Choice, Integer, Text, body_schema, check_all, json_body
from network.availability import building_availability_between
from network.choices import DeviceRole
from network.device_fields import DEVICE_TYPES, credentials_set, device_changes
from network.intervals import poll_interval_s, update_device_settings
from network.models import Device, Outage, Port
from network.poll_store import ERROR_LABELS
from network.schemas import (
    AvailabilityOut,
    AvailabilityQuery,
    DeviceDetailOut,
    DeviceOut,
    DeviceQuery,
    DeviceSummaryOut,
    UsageOut,
    UsageQuery,
)
from network.topology import check_uplink, find_device
from network.usage_store import unit_usage_days, unit_usage_hours
from subscribers.models import Building, Unit

bp = Blueprint("network_api", __name__, url_prefix="/api/v1")

MAX_HOURS = 24 * 93
MAX_DAYS = 366 * 3


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def device_summary(device: Device) -> dict:
    """A device without secrets: hostname, building, role, status, last poll."""
    return {
        "hostname": device.hostname,
        "building": device.building.code if device.building else None,
        "role": device.role,
        "mgmt_address": device.mgmt_address,
        "model": device.model,
        "lifecycle_state": device.lifecycle_state,
        "status": device.status,
        "last_polled_at": _iso(device.last_polled_at),
        "sys_uptime_s": (device.sys_uptime_ticks // 100
                         if device.sys_uptime_ticks is not None else None),
        "last_error": ERROR_LABELS.get(device.last_error_kind or "")
        if device.last_error_kind else None,
        "parent_hostname": device.parent_hostname,
        "poll_interval_s": poll_interval_s(device),
        "own_poll_interval": device.poll_interval_s is not None,
    }


def _port(port: Port) -> dict:
    return {"if_index": port.if_index, "if_name": port.if_name, "if_descr": port.if_descr,
            "speed_bps": port.speed_bps, "admin_up": port.admin_up, "oper_up": port.oper_up,
            "unit": port.unit.code if port.unit else None,
            "down_since": _iso(port.down_since)}


@bp.get("/devices")
@require_role(Role.OPERATOR)
@documented(query=DeviceQuery, items=DeviceSummaryOut)
def devices():
    # Each device's building comes with it (one query, not one per building).
    statement = (select(Device).join(Building, Building.id == Device.building_id)
                 .options(contains_eager(Device.building)).order_by(Device.hostname))
    building = parse(DeviceQuery).building
    if building:
        statement = statement.where(Building.code == building)
    return api_list(statement, device_summary)


@bp.get("/devices/<hostname>")
@require_role(Role.OPERATOR)
@documented(response=DeviceDetailOut)
def device(hostname: str):
    found = db.session.execute(select(Device).where(Device.hostname == hostname)
                               ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("Aucun équipement %(hostname)s", hostname=hostname))
    body = device_json(found)
    body["ports"] = [_port(p) for p in found.ports]
    return jsonify(body)


#: the JSON body of POST/PATCH /devices: each field's type and length (its meaning is
#: checked by network.device_fields, the same checks as the devices CSV import)
DEVICE_BODY = (
    Text("building_code", 30), Text("hostname", 63), Text("mgmt_address", 64),
    Choice("role", tuple(str(r) for r in DeviceRole)), Choice("device_type", DEVICE_TYPES),
    Integer("snmp_port", maximum=65535), Choice("snmp_version", ("2c", "3")),
    Text("snmp_community", 200), Text("snmp_user", 64), Text("snmp_auth_key", 200),
    Text("snmp_priv_key", 200), Integer("ssh_port", maximum=65535), Text("ssh_username", 64),
    Text("ssh_password", 200), Text("ssh_secret", 200), Text("model", 80),
    Text("parent_hostname", 63))
NUMBER_FIELDS = ("power_watts", "embodied_kgco2e")
NUMBER_SCHEMA = {"type": "number", "minimum": 0, "maximum": 10_000_000}


def _device_body(*, creating: bool) -> tuple[dict[str, str], dict]:
    """The body's device fields as text (what device_changes reads) and the other keys."""
    known = {f.name for f in DEVICE_BODY} | set(NUMBER_FIELDS) | (
        set() if creating else {"poll_interval_s"})
    if not creating:
        known.discard("hostname")  # the natural key in the URL never changes
    body = json_body(allowed=known)
    checked = check_all([f for f in DEVICE_BODY if f.name in known], body)
    for name in NUMBER_FIELDS:
        value = body.get(name)
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, int | float)):
            raise DomainError(_("%(field)s doit être un nombre.", field=name),
                              field=name, status=422)
        if name in body:
            checked[name] = value
    text = {name: "" if value is None else str(value) for name, value in checked.items()}
    return text, body


def _changes(values: dict[str, str], device: Device | None) -> dict:
    try:
        return device_changes(values, device)
    except BadValue as error:  # one message, beside its field
        raise DomainError(error.reason, field=error.column, status=422) from None


def device_json(device: Device) -> dict:
    """A device with which credentials are set (never their values)."""
    body = device_summary(device)
    body.update(device_type=device.device_type, snmp_version=device.snmp_version,
                snmp_port=device.snmp_port, snmp_user=device.snmp_user,
                ssh_port=device.ssh_port, ssh_username=device.ssh_username,
                power_watts=device.power_watts, embodied_kgco2e=device.embodied_kgco2e,
                credentials_set=credentials_set(device))
    return body


@bp.post("/devices")
@require_role(Role.OPERATOR)
@documented(body_schema(*DEVICE_BODY, required=("building_code", "hostname", "mgmt_address",
                                                "role", "device_type", "snmp_version"),
                        **{name: NUMBER_SCHEMA for name in NUMBER_FIELDS}), response=DeviceOut)
def create_device():
    """Add a device (the same fields and checks as the devices CSV import); credentials are
    write-only: the answer says which are set, never their value."""
    values, _body = _device_body(creating=True)
    changes = _changes(values, None)
    parent = check_uplink(None, changes.pop("parent_hostname"))
    device = Device(**changes, parent=parent)
    db.session.add(device)
    db.session.flush()
    audit.record_request("create", "device", device.id)
    db.session.commit()
    return jsonify(device_json(device)), 201


@bp.patch("/devices/<hostname>")
@require_role(Role.OPERATOR)
@documented(body_schema(*[f for f in DEVICE_BODY if f.name != "hostname"], required=(),
                        poll_interval_s={"type": "integer", "minimum": 1},
                        **{name: NUMBER_SCHEMA for name in NUMBER_FIELDS}), response=DeviceOut)
def update_device(hostname: str):
    """Change a device's fields; absent keys are left as they are, and so is a credential
    sent empty. ``parent_hostname`` sets the uplink (null for none), ``poll_interval_s`` the
    device's own poll interval (seconds, null for the default)."""
    found = find_device(hostname)
    if found is None:
        raise NotFoundError(_("Aucun équipement %(hostname)s", hostname=hostname))
    values, body = _device_body(creating=False)
    parent = body.get("parent_hostname", found.parent_hostname)
    if parent is not None and not isinstance(parent, str):
        raise DomainError(_("parent_hostname doit être un nom d'équipement ou null"),
                          field="parent_hostname", status=400)
    changes = _changes(values, found) if set(values) - {"parent_hostname"} else {}
    changes.pop("parent_hostname", None)
    update_device_settings(
        found, parent_hostname=parent or None,
        poll_interval_s=body.get("poll_interval_s", found.poll_interval_s))
    for column, value in changes.items():
        setattr(found, column, value)
    db.session.commit()
    return jsonify(device_json(found))


def _parse_when(raw: str | None, name: str, *, as_date: bool) -> datetime | date | None:
    if not raw:
        return None
    try:
        if as_date:
            return date.fromisoformat(raw)
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        kind = _("une date AAAA-MM-JJ") if as_date else _("une date ou une heure ISO 8601")
        raise DomainError(_("%(field)s doit être %(kind)s.", field=name, kind=kind),
                          field=name, status=400) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


@bp.get("/usage")
@require_role(Role.OPERATOR)
@documented(query=UsageQuery, response=UsageOut)
def usage():
    query = parse(UsageQuery)
    code, granularity = query.unit, query.granularity
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise NotFoundError(_("Aucun logement %(code)s", code=code), field="unit")
    now = utcnow()
    if granularity == "hour":
        start = _parse_when(query.start, "from", as_date=False) or now - timedelta(hours=48)
        end = _parse_when(query.end, "to", as_date=False) or now
        if end <= start:
            raise DomainError(_("« to » doit être après « from »"), field="to", status=400)
        if end - start > timedelta(hours=MAX_HOURS):
            raise DomainError(_("Au plus %(n)s heures par requête", n=MAX_HOURS), field="to",
                              status=400)
        rows = unit_usage_hours(unit.id, start, end)
        items = [{"start": _iso(h), "download_octets": d, "upload_octets": u}
                 for h, d, u in rows]
    else:
        first = (_parse_when(query.start, "from", as_date=True)
                 or (local_date(now) - timedelta(days=89)))
        last = _parse_when(query.end, "to", as_date=True) or local_date(now)
        if isinstance(first, datetime):
            first = first.date()
        if last < first:
            raise DomainError(_("« to » ne peut pas précéder « from »"), field="to", status=400)
        if (last - first).days > MAX_DAYS:
            raise DomainError(_("Au plus %(n)s jours par requête", n=MAX_DAYS), field="to",
                              status=400)
        rows = unit_usage_days(unit.id, first, last)
        items = [{"start": d.isoformat(), "download_octets": dn, "upload_octets": up}
                 for d, dn, up in rows]
    # a flat's traffic is personal data of its household: audited
    audit.record_request("api_usage_read", "unit", unit.id)
    return jsonify({"unit": unit.code, "granularity": granularity, "items": items,
                    "total": len(items)})


@bp.get("/availability")
@require_role(Role.OPERATOR, Role.ANALYST, scope="aggregates")
@documented(query=AvailabilityQuery, response=AvailabilityOut)
def availability():
    query = parse(AvailabilityQuery)
    code = query.building
    building = db.session.execute(select(Building).where(Building.code == code)
                                  ).scalar_one_or_none()
    if building is None:
        raise NotFoundError(_("Aucun immeuble %(code)s", code=code), field="building")
    today = paris_today()
    first = _parse_when(query.start, "from", as_date=True) or today.replace(day=1)
    last = _parse_when(query.end, "to", as_date=True) or today
    if last < first:
        raise DomainError(_("« to » ne peut pas précéder « from »"), field="to", status=400)
    if (last - first).days > MAX_DAYS:
        raise DomainError(_("Au plus %(n)s jours par requête", n=MAX_DAYS), field="to",
                              status=400)
    result = building_availability_between(building.id, first,
                                           last + timedelta(days=1))
    return jsonify({
        "building": building.code, "from": first.isoformat(), "to": last.isoformat(),
        "availability_pct": result.availability_pct, "availability_label": result.label,
        "downtime_s": result.downtime_s,
        "period_s": result.period_s,
        "outages": [_outage(o) for o in result.outages]})


def _outage(outage: Outage) -> dict:
    return {"device": outage.device.hostname if outage.device else None,
            "cause": outage.cause, "started_at": _iso(outage.started_at),
            "ended_at": _iso(outage.ended_at),
            "duration_s": outage.duration_s(utcnow())}
