"""JSON API of the network: devices, usage of a flat, availability of a building."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from isp import audit
from isp.auth import require_role
from isp.choices import Role
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.pagination import api_list
from isp.timeutil import local_date, utcnow
from isp.timeutil import today as paris_today
from network import services
from network.models import Device, Outage, Port

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
        "last_error": services.ERROR_LABELS.get(device.last_error_kind or "")
        if device.last_error_kind else None,
        "parent_hostname": device.parent_hostname,
        "poll_interval_s": services.poll_interval_s(device),
        "own_poll_interval": device.poll_interval_s is not None,
    }


def _port(port: Port) -> dict:
    return {"if_index": port.if_index, "if_name": port.if_name, "if_descr": port.if_descr,
            "speed_bps": port.speed_bps, "admin_up": port.admin_up, "oper_up": port.oper_up,
            "unit": port.unit.code if port.unit else None,
            "down_since": _iso(port.down_since)}


@bp.get("/devices")
@require_role(Role.OPERATOR)
def devices():
    statement = select(Device).order_by(Device.hostname)
    building = request.args.get("building")
    if building:
        from subscribers.models import Building

        statement = statement.join(Building, Building.id == Device.building_id).where(
            Building.code == building)
    return api_list(statement, device_summary)


@bp.get("/devices/<hostname>")
@require_role(Role.OPERATOR)
def device(hostname: str):
    found = db.session.execute(select(Device).where(Device.hostname == hostname)
                               ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"No device {hostname}")
    body = device_summary(found)
    body["ports"] = [_port(p) for p in found.ports]
    return jsonify(body)


@bp.patch("/devices/<hostname>")
@require_role(Role.OPERATOR)
def update_device(hostname: str):
    """Set a device's uplink (``parent_hostname``, null for none) and own poll interval
    (``poll_interval_s``, seconds, null for the default); absent keys are left as they are."""
    found = services.find_device(hostname)
    if found is None:
        raise NotFoundError(f"No device {hostname}")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("a JSON object is required", field=None, status=400)
    unknown = set(body) - {"parent_hostname", "poll_interval_s"}
    if unknown:
        raise DomainError(f"unknown field {sorted(unknown)[0]}", field=sorted(unknown)[0],
                          status=400)
    parent = body.get("parent_hostname", found.parent_hostname)
    if parent is not None and not isinstance(parent, str):
        raise DomainError("parent_hostname must be a hostname or null",
                          field="parent_hostname", status=400)
    services.update_device_settings(
        found, parent_hostname=parent,
        poll_interval_s=body.get("poll_interval_s", found.poll_interval_s))
    db.session.commit()
    return jsonify(device_summary(found))


def _parse_when(name: str, *, as_date: bool) -> datetime | date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        if as_date:
            return date.fromisoformat(raw)
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        kind = "a date YYYY-MM-DD" if as_date else "an ISO 8601 date or time"
        raise DomainError(f"{name} must be {kind}", field=name, status=400) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


@bp.get("/usage")
@require_role(Role.OPERATOR)
def usage():
    from subscribers.models import Unit

    code = request.args.get("unit", "").strip()
    if not code:
        raise DomainError("unit is required (a flat code)", field="unit", status=400)
    granularity = request.args.get("granularity", "day")
    if granularity not in ("hour", "day"):
        raise DomainError("granularity must be hour or day", field="granularity", status=400)
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise NotFoundError(f"No flat {code}", field="unit")
    now = utcnow()
    if granularity == "hour":
        start = _parse_when("from", as_date=False) or now - timedelta(hours=48)
        end = _parse_when("to", as_date=False) or now
        if end <= start:
            raise DomainError("to must be after from", field="to", status=400)
        if end - start > timedelta(hours=MAX_HOURS):
            raise DomainError(f"at most {MAX_HOURS} hours per request", field="to", status=400)
        rows = services.unit_usage_hours(unit.id, start, end)
        items = [{"start": _iso(h), "download_octets": d, "upload_octets": u}
                 for h, d, u in rows]
    else:
        first = _parse_when("from", as_date=True) or (local_date(now) - timedelta(days=89))
        last = _parse_when("to", as_date=True) or local_date(now)
        if isinstance(first, datetime):
            first = first.date()
        if last < first:
            raise DomainError("to must not be before from", field="to", status=400)
        if (last - first).days > MAX_DAYS:
            raise DomainError(f"at most {MAX_DAYS} days per request", field="to", status=400)
        rows = services.unit_usage_days(unit.id, first, last)
        items = [{"start": d.isoformat(), "download_octets": dn, "upload_octets": up}
                 for d, dn, up in rows]
    # a flat's traffic is personal data of its household: audited
    audit.record_request("api_usage_read", "unit", unit.id)
    return jsonify({"unit": unit.code, "granularity": granularity, "items": items,
                    "total": len(items)})


@bp.get("/availability")
@require_role(Role.OPERATOR, Role.ANALYST, scope="aggregates")
def availability():
    from subscribers.models import Building

    code = request.args.get("building", "").strip()
    if not code:
        raise DomainError("building is required (a building code)", field="building",
                          status=400)
    building = db.session.execute(select(Building).where(Building.code == code)
                                  ).scalar_one_or_none()
    if building is None:
        raise NotFoundError(f"No building {code}", field="building")
    today = paris_today()
    first = _parse_when("from", as_date=True) or today.replace(day=1)
    last = _parse_when("to", as_date=True) or today
    if last < first:
        raise DomainError("to must not be before from", field="to", status=400)
    if (last - first).days > MAX_DAYS:
        raise DomainError(f"at most {MAX_DAYS} days per request", field="to", status=400)
    result = services.building_availability_between(building.id, first,
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
