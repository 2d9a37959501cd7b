"""Storing polls: device state, ports, counters and usage; outages opened and closed.

For each device polled, ``store_polls`` stores a ``PollResult``, its status and sysUpTime,
the ports discovered (ifIndex, ifName, ifDescr, speed, admin/oper status), the raw counters
(``PortCounter``) and the counter deltas (``network.counters``) as usage per port hour, per
subscription day and per building day (written, rolled up and read by
``network.usage_store``). Discarded intervals are stored with their reason. Devices go down
after two consecutive unanswered polls (one ``Outage``, signal ``outage_started``, through
``network.outages``) and come back up on the next answer (the outage closes, signal
``outage_ended``). A reboot seen through sysUpTime books the unobserved downtime as a closed
outage (cause ``reboot``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update

from isp import signals
from isp.extensions import db
from network.choices import DeviceStatus
from network.counters import (
    Delta,
    Discarded,
    DiscardReason,
    counter_delta,
    reboot_downtime_s,
    uptime_consistent,
)
from network.if_mib import InterfaceSample
from network.models import (
    Device,
    DiscardedInterval,
    Outage,
    PollResult,
    Port,
    PortCounter,
)
from network.outages import close_outage, open_outage, open_outages_of
from network.snmp import DevicePoll
from network.topology import uplinks_of
from network.usage_store import add_usage, split_by_hour
from network.usage_store import served_subscription_ids as _served_subscription_ids
from network.usage_store import upsert as _upsert
from subscribers.models import Subscription

FAILED_POLLS_FOR_DOWN = 2
PORT_DOWN_ALERT = timedelta(days=7)
#: Subscription statuses whose flat's traffic is booked to the subscription.
ALERT_STATUSES = ("active", "reduced")

#: Errors in clear words for the pages and the CLI (the raw text stays in ``last_error``).
ERROR_LABELS = {
    "timeout": "pas de réponse",
    "auth": "échec d'authentification",
    "garbage": "réponse incomplète ou invalide",
    "unresolvable": "adresse introuvable",
}


# --- summary -----------------------------------------------------------------------------------

@dataclass
class PollSummary:
    """What one cycle did; ``line()`` is the one-line CLI summary."""

    worker: str
    devices: int = 0
    ok: int = 0
    answered_with_errors: int = 0
    unreachable: int = 0
    auth_failed: int = 0
    ports: int = 0
    usage_octets: int = 0
    discarded: int = 0
    outages_opened: int = 0
    outages_closed: int = 0
    #: answered polls that read the ports' names, descriptions and speeds (the rest: quick)
    full_polls: int = 0
    #: devices polled but not stored: another worker took the lease over (this one was late)
    leases_lost: int = 0
    duration_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        """``devices 5: ok 5, errors 0, unreachable 0 (auth failures 0), ports 270, 0.9 s``."""
        return (f"devices {self.devices}: ok {self.ok}, errors {self.answered_with_errors}, "
                f"unreachable {self.unreachable} (auth failures {self.auth_failed}), "
                f"ports {self.ports}, outages +{self.outages_opened}/-{self.outages_closed}, "
                f"{self.duration_s:.1f} s")
# --- storing polls -----------------------------------------------------------------------------

def store_poll(device: Device, poll: DevicePoll, *, worker: str | None = None,
               summary: PollSummary | None = None) -> str:
    """Store one device poll; returns ``stale``, ``up``, ``failed`` or ``down``.

    A reading not newer than the device's last poll is ignored (idempotent: nothing is
    counted twice). The caller commits.
    """
    return store_polls([(device, poll)], worker=worker, summary=summary)[0]


def store_polls(pairs: Sequence[tuple[Device, DevicePoll]], *, worker: str | None = None,
                summary: PollSummary | None = None) -> list[str]:
    """Store the polls of a batch of devices; one outcome per pair (see ``store_poll``).

    Device state and outages go through the ORM (a few rows, rare events); ports, counters
    and usage are read with one query per table for the whole batch and written with bulk
    upserts, because they are ~50 rows per device at every cycle (issue 3 §8: storage must
    cost a few milliseconds per device). The caller commits.
    """
    summary = summary if summary is not None else PollSummary(worker=worker or "")
    outcomes: list[str] = []
    poll_rows: list[dict] = []
    answered: list[tuple[Device, DevicePoll, bool]] = []
    newer = [d.last_polled_at is None or p.polled_at > d.last_polled_at for d, p in pairs]
    open_outages = open_outages_of(
        [d.id for (d, p), new in zip(pairs, newer, strict=True) if new and p.answered])
    going_down: list[Device] = []
    for (device, poll), new in zip(pairs, newer, strict=True):
        summary.devices += 1
        if not new:
            outcomes.append("stale")
            continue
        poll_rows.append({"device_id": device.id, "at": poll.polled_at,
                          "reachable": poll.answered, "sys_uptime_ticks": poll.sys_uptime_ticks,
                          "error_kind": poll.error_kind, "error": poll.error,
                          "ports_seen": len(poll.interfaces), "worker": worker})
        device.last_polled_at = poll.polled_at
        device.last_error = poll.error
        device.last_error_kind = poll.error_kind
        if poll.answered:
            rebooted = _device_answered(device, poll, open_outages.get(device.id), summary)
            summary.full_polls += poll.full
            answered.append((device, poll, rebooted))
            if poll.ok:
                summary.ok += 1
            else:
                summary.answered_with_errors += 1
                summary.errors.append(f"{device.hostname}: {poll.error}")
            outcomes.append("up")
        else:
            outcome = _device_unanswered(device, poll, summary)
            if outcome == "down":
                going_down.append(device)
            outcomes.append(outcome)
    # Uplinks first, so that the devices behind a failed one join its incident (issue 16.8).
    for device in sorted(going_down, key=lambda d: (len(uplinks_of(d)), d.id)):
        open_outage(device, device.failing_since, "no_answer")
        summary.outages_opened += 1
    if poll_rows:
        db.session.execute(insert(PollResult.__table__), poll_rows)
    if answered:
        _store_interfaces(answered, summary)
    return outcomes


def _device_unanswered(device: Device, poll: DevicePoll, summary: PollSummary) -> str:
    summary.unreachable += 1
    summary.errors.append(f"{device.hostname}: {poll.error}")
    if poll.error_kind == "auth":
        # The agent is there and rejects our credentials: our mistake, not an outage.
        summary.auth_failed += 1
        if device.status != DeviceStatus.DOWN:
            device.status = DeviceStatus.UNKNOWN
        return "failed"
    device.failed_polls = (device.failed_polls or 0) + 1
    if device.failing_since is None:
        device.failing_since = poll.polled_at
    if device.failed_polls >= FAILED_POLLS_FOR_DOWN and device.status != DeviceStatus.DOWN:
        device.status = DeviceStatus.DOWN  # the caller opens the outage, uplinks first
        return "down"
    return "failed"


def _device_answered(device: Device, poll: DevicePoll, current_outage: Outage | None,
                     summary: PollSummary) -> bool:
    """Device state on an answer: closes an open outage, books a reboot; True if rebooted."""
    ticks = poll.sys_uptime_ticks
    assert ticks is not None
    at = poll.polled_at
    rebooted = False
    if device.last_ok_at is not None and device.sys_uptime_ticks is not None:
        elapsed = (at - device.last_ok_at).total_seconds()
        rebooted = not uptime_consistent(device.sys_uptime_ticks, ticks, elapsed)
        if current_outage is not None:
            close_outage(current_outage, at)
            summary.outages_closed += 1
        elif rebooted:
            downtime = reboot_downtime_s(uptime_s=ticks / 100, since_last_ok_s=elapsed)
            if downtime > 0:
                outage = open_outage(device, device.last_ok_at, "reboot")
                close_outage(outage, device.last_ok_at + timedelta(seconds=downtime))
                summary.outages_opened += 1
                summary.outages_closed += 1
    device.status = DeviceStatus.UP
    device.failed_polls = 0
    device.failing_since = None
    device.last_ok_at = at
    device.sys_uptime_ticks = ticks
    return rebooted
# --- ports -------------------------------------------------------------------------------------

def _port_name(sample: InterfaceSample) -> str:
    return (sample.name or sample.descr or f"ifIndex {sample.if_index}")[:64]


def _discover_ports(device: Device, samples: Iterable[InterfaceSample]) -> dict[int, Port]:
    """Create or rename the device's ports from the poll (ORM); returns them by ifIndex.

    Only used when the device shows a port it did not have or a new name: the steady state
    is compared on plain rows in ``_store_interfaces``.
    """
    existing = list(db.session.execute(select(Port).where(Port.device_id == device.id))
                    .scalars())
    by_index = {p.if_index: p for p in existing if p.if_index is not None}
    by_name = {p.if_name: p for p in existing}
    result: dict[int, Port] = {}
    for sample in samples:
        name = _port_name(sample)
        port = by_index.get(sample.if_index)
        if port is None:
            named = by_name.get(name)
            if named is not None and named.if_index is None:
                port = named  # wired by the import before discovery: attach it
                port.if_index = sample.if_index
            elif named is not None:
                name = f"{name} ({sample.if_index})"[:64]  # two rows with one name: garbage
        if port is None:
            port = Port(device_id=device.id, if_index=sample.if_index, if_name=name)
            db.session.add(port)
            by_name[name] = port
        elif port.if_name != name and by_name.get(name) in (None, port):
            by_name.pop(port.if_name, None)
            port.if_name = name
            by_name[name] = port
        result[sample.if_index] = port
    db.session.flush()
    return result


_PORT_COLUMNS = ("id", "device_id", "if_index", "if_name", "if_descr", "speed_bps", "unit_id",
                 "admin_up", "oper_up", "down_since", "down_alerted_at")


def _port_rows(device_ids: Sequence[int]) -> dict[int, dict[int, dict]]:
    """{device_id: {ifIndex: port row as a dict}} for the discovered ports of the devices."""
    table = Port.__table__
    rows: dict[int, dict[int, dict]] = defaultdict(dict)
    for row in db.session.execute(select(*(table.c[c] for c in _PORT_COLUMNS)).where(
            table.c.device_id.in_(list(device_ids)))).mappings():
        if row["if_index"] is not None:
            rows[row["device_id"]][row["if_index"]] = dict(row)
    return rows


def _store_interfaces(answered: list[tuple[Device, DevicePoll, bool]],
                      summary: PollSummary) -> None:
    """Ports, their status, counters and usage for the devices that answered."""
    device_ids = [device.id for device, _, _ in answered]
    ports = _port_rows(device_ids)
    rediscovered = []
    for device, poll, _alerts in answered:
        known = ports.get(device.id, {})
        # a quick poll has no names: its unknown rows wait for the next full poll
        if poll.full and any(known.get(s.if_index, {}).get("if_name") != _port_name(s)
                             for s in poll.interfaces.values()):
            _discover_ports(device, poll.interfaces.values())
            rediscovered.append(device.id)
    if rediscovered:
        ports.update(_port_rows(rediscovered))
    table = Port.__table__
    changed: list[dict] = []
    alerts: list[tuple[int, int, datetime, datetime]] = []
    for device, poll, _quick in answered:
        known = ports.get(device.id, {})
        summary.ports += len(poll.interfaces)
        for if_index, sample in poll.interfaces.items():
            row = known.get(if_index)
            if row is None:
                continue
            new = _port_state(row, sample, poll.polled_at, alerts, full=poll.full)
            if any(row[key] != value for key, value in new.items()):
                changed.append({"_id": row["id"], **new})
                row.update(new)
    if changed:
        db.session.execute(update(table).where(table.c.id == bindparam("_id")), changed)
    _send_port_alerts(alerts)
    _store_counters(answered, ports, summary)


def _port_state(row: dict, sample: InterfaceSample, at: datetime,
                alerts: list[tuple[int, int, datetime, datetime]], *, full: bool) -> dict:
    """The port's new descriptive and status columns; queues the 7-day alert when due.

    A quick poll (``full`` False) read no description or speed: the stored ones stay.
    """
    admin_up, oper_up = sample.admin_up, sample.oper_up
    down_since, alerted = row["down_since"], row["down_alerted_at"]
    if oper_up is not False or admin_up is False:
        down_since = alerted = None
    else:
        if down_since is None:
            down_since = at
        if row["unit_id"] is not None and alerted is None and at - down_since >= PORT_DOWN_ALERT:
            alerts.append((row["id"], row["unit_id"], down_since, at))
    descr = (sample.descr or None) and sample.descr[:255]
    return {"if_descr": descr if full else row["if_descr"],
            "speed_bps": sample.speed_bps or row["speed_bps"],
            "admin_up": admin_up, "oper_up": oper_up, "down_since": down_since,
            "down_alerted_at": alerted}


def _send_port_alerts(alerts: list[tuple[int, int, datetime, datetime]]) -> None:
    """Signal a household's port down for 7 days on an active service (once per down period)."""
    if not alerts:
        return
    served = _served_subscription_ids({unit_id for _, unit_id, _, _ in alerts}, ALERT_STATUSES)
    for port_id, unit_id, down_since, at in alerts:
        if unit_id not in served:
            continue
        subscription = db.session.get(Subscription, served[unit_id])
        port = db.session.get(Port, port_id, populate_existing=True)
        port.down_alerted_at = at
        db.session.flush()
        signals.port_down_long.send(port, subscription=subscription, down_since=down_since)


# --- counters and usage ------------------------------------------------------------------------

def _counter_outcomes(prev, sample: InterfaceSample, speed: int | None, elapsed: float,
                      rebooted: bool) -> dict[str, Delta | Discarded]:
    if rebooted:
        return {"both": Discarded(DiscardReason.REBOOT)}
    if prev.counter_bits != sample.counter_bits:
        return {"both": Discarded(DiscardReason.RESET)}
    return {direction: counter_delta(old, new, bits=sample.counter_bits, speed_bps=speed,
                                     elapsed_s=elapsed, rebooted=False)
            for direction, old, new in (("in", prev.in_octets, sample.in_octets),
                                        ("out", prev.out_octets, sample.out_octets))}


def _store_counters(answered: list[tuple[Device, DevicePoll, bool]],
                    ports: dict[int, dict[int, dict]], summary: PollSummary) -> None:
    counters = PortCounter.__table__
    previous = {row.port_id: row for row in db.session.execute(
        select(counters).join(Port.__table__, Port.__table__.c.id == counters.c.port_id)
        .where(Port.__table__.c.device_id.in_([d.id for d, _, _ in answered])))}
    counter_rows: list[dict] = []
    discarded: list[dict] = []
    # (port id, hour) -> [in, out]; port id -> (unit id, building id)
    hours: dict[tuple[int, datetime], list[int]] = defaultdict(lambda: [0, 0])
    owners: dict[int, tuple[int | None, int]] = {}
    for device, poll, rebooted in answered:
        at = poll.polled_at
        known = ports[device.id]
        for if_index, sample in poll.interfaces.items():
            if (sample.counter_bits is None or sample.in_octets is None
                    or sample.out_octets is None):
                continue
            port = known.get(if_index)
            if port is None:
                continue  # a row a quick poll found and discovery has not named yet
            prev = previous.get(port["id"])
            if prev is not None:
                elapsed = (at - prev.polled_at).total_seconds()
                if elapsed <= 0:
                    continue  # not a newer reading
                outcomes = _counter_outcomes(prev, sample, sample.speed_bps or port["speed_bps"],
                                             elapsed, rebooted)
                for direction, outcome in outcomes.items():
                    if isinstance(outcome, Discarded):
                        if outcome.reason != DiscardReason.NO_PREVIOUS:
                            discarded.append({"port_id": port["id"], "at": at,
                                              "direction": direction,
                                              "reason": str(outcome.reason),
                                              "elapsed_s": elapsed})
                            summary.discarded += 1
                        continue
                    slot = 0 if direction == "in" else 1
                    for hour, octets in split_by_hour(prev.polled_at, at, outcome.octets):
                        hours[(port["id"], hour)][slot] += octets
                        summary.usage_octets += octets
                owners[port["id"]] = (port["unit_id"], device.building_id)
            counter_rows.append({"port_id": port["id"], "in_octets": sample.in_octets,
                                 "out_octets": sample.out_octets,
                                 "counter_bits": sample.counter_bits,
                                 "sys_uptime_ticks": poll.sys_uptime_ticks, "polled_at": at})
    _upsert(PortCounter, counter_rows, ("port_id",),
            replace=("in_octets", "out_octets", "counter_bits", "sys_uptime_ticks", "polled_at"))
    if discarded:
        db.session.execute(insert(DiscardedInterval.__table__), discarded)
    if hours:
        add_usage(hours, owners)
