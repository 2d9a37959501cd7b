"""A device's poll interval, its settings, and the 32-bit counters it can leave uncounted.

Each device may have its own poll interval (issue 16.12); a 32-bit counter that can wrap twice
between two polls is ambiguous and its deltas are discarded, so the operator is told once per
device (``counters_ambiguous``) until the interval is short enough (``counters_unambiguous``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from isp import signals
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.timeutil import utcnow
from network.counters import max_unambiguous_interval_s
from network.models import (
    Device,
    Port,
    PortCounter,
)
from network.topology import check_uplink

#: Bounds of a device's own poll interval (seconds): below 10 s an agent is hammered, above an
#: hour outages go unseen.
MIN_POLL_INTERVAL_S = 10
MAX_POLL_INTERVAL_S = 3600


def default_poll_interval_s() -> int:
    """The scheduler's interval (POLL_INTERVAL_MINUTES), for devices without their own."""
    return int(float(current_app.config.get("POLL_INTERVAL_MINUTES", 5)) * 60)


def poll_tick_s() -> int:
    """How often the scheduler runs the poll cycle (POLL_TICK_SECONDS, default 30 s): at least
    as often as the shortest device interval worth having; devices not due are skipped."""
    return int(current_app.config["POLL_TICK_SECONDS"])


def next_due_at(polled_at: datetime, interval_s: int) -> datetime:
    """When a device polled at ``polled_at`` is due again: its interval less a little slack
    (10 %, at most half a scheduler tick) so that the tick just before does not miss it."""
    slack = min(interval_s * 0.1, poll_tick_s() / 2)
    return polled_at + timedelta(seconds=interval_s - slack)


def poll_interval_s(device: Device) -> int:
    """How often this device is polled, in seconds."""
    return device.poll_interval_s or default_poll_interval_s()
def check_poll_interval(value: int | None) -> int | None:
    """A poll interval in seconds within bounds, or None (the default)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not (
            MIN_POLL_INTERVAL_S <= value <= MAX_POLL_INTERVAL_S):
        raise DomainError(_(
            "l'intervalle d'interrogation est un nombre entier de secondes de "
            "%(min_poll_interval_s)s à %(max_poll_interval_s)s",
            min_poll_interval_s=MIN_POLL_INTERVAL_S, max_poll_interval_s=MAX_POLL_INTERVAL_S),
                          field="poll_interval_s")
    return value


def update_device_settings(device: Device, *, parent_hostname: str | None,
                           poll_interval_s: int | None) -> Device:
    """Set a device's uplink and own poll interval (validated; the caller commits)."""
    parent = check_uplink(device, parent_hostname)
    interval = check_poll_interval(poll_interval_s)
    device.parent_id = parent.id if parent is not None else None
    device.parent = parent
    if interval != device.poll_interval_s:
        device.poll_interval_s = interval
        device.next_poll_at = None  # due at once under its new interval
        check_counter_alerts([device])  # a short enough interval ends the alert at once
    db.session.flush()
    return device

# --- 32-bit counters and the poll interval (issue 16.12) -----------------------------------

@dataclass(frozen=True)
class AmbiguousPort:
    """A port whose 32-bit counters can wrap more than once between two polls."""

    if_name: str
    speed_bps: int
    #: the longest interval at which its deltas can still be counted
    max_interval_s: int


def ambiguous_ports(device: Device) -> list[AmbiguousPort]:
    """Ports read through 32-bit counters whose deltas are discarded as ambiguous at the
    device's poll interval: no usage is ever counted for them until the interval shrinks."""
    return _ambiguous_by_device([device]).get(device.id, [])


def ambiguous_port(port: Port) -> AmbiguousPort | None:
    """The flag of one port (port page), None when its usage counts."""
    return next((a for a in ambiguous_ports(port.device) if a.if_name == port.if_name), None)


def _ambiguous_by_device(devices: Sequence[Device]) -> dict[int, list[AmbiguousPort]]:
    """``ambiguous_ports`` for many devices in one query (the poll cycle's batches)."""
    intervals = {d.id: poll_interval_s(d) for d in devices}
    if not intervals:
        return {}
    rows = db.session.execute(
        select(Port.device_id, Port.if_name, Port.speed_bps)
        .join(PortCounter, PortCounter.port_id == Port.id)
        .where(Port.device_id.in_(list(intervals)), PortCounter.counter_bits == 32,
               Port.speed_bps.is_not(None), Port.speed_bps > 0)
        .order_by(Port.device_id, Port.if_index)).all()
    found: dict[int, list[AmbiguousPort]] = defaultdict(list)
    for device_id, name, speed in rows:
        limit = max_unambiguous_interval_s(speed)
        if intervals[device_id] > limit:
            found[device_id].append(AmbiguousPort(name, speed, limit))
    return dict(found)


def check_counter_alerts(devices: Sequence[Device], *, now: datetime | None = None) -> None:
    """Tell the operator once per device that some of its ports are never counted, and that
    it is over once the interval is short enough (``counters_ambiguous`` /
    ``counters_unambiguous``; support turns them into one ticket). The caller commits."""
    found = _ambiguous_by_device(devices)
    for device in devices:
        ports = found.get(device.id, [])
        if ports and device.counters_alerted_at is None:
            device.counters_alerted_at = now or utcnow()
            signals.counters_ambiguous.send(device, ports=ports, interval_s=poll_interval_s(device))
        elif not ports and device.counters_alerted_at is not None:
            device.counters_alerted_at = None
            signals.counters_unambiguous.send(device, interval_s=poll_interval_s(device))
    db.session.flush()
