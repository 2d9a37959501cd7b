"""Network monitoring services: poll cycles with storage, outages, availability.

A poll cycle (``run_poll_cycle``) claims devices, polls them concurrently over SNMP
(``network.snmp``), then stores for each device: a ``PollResult``, its status and
sysUpTime, the ports discovered (ifIndex, ifName, ifDescr, speed, admin/oper status), the
raw counters (``PortCounter``) and the counter deltas (``network.counters``) as usage per
port hour, per subscription day and per building day (written, rolled up and read by
``network.usage_store``). Discarded intervals are stored
with their reason. Devices go down after two consecutive unanswered polls (one
``Outage``, signal ``outage_started``) and come back up on the next answer (the outage
closes, signal ``outage_ended``). A reboot seen through sysUpTime books the unobserved
downtime as a closed outage (cause ``reboot``).

Scale-out (issue 3 §9) — several ``isp worker`` processes sharing one database split the
devices with a *lease* on each device row (``poll_lease_owner``/``poll_lease_until``) and
a due time (``next_poll_at``):

* a worker claims a batch with one statement
  ``UPDATE devices SET lease = me, until = now + lease_s WHERE id IN (SELECT id FROM devices
  WHERE <in service> AND <lease free or expired> AND <due> ORDER BY id LIMIT n
  FOR UPDATE SKIP LOCKED) RETURNING id`` and commits at once. On PostgreSQL, SKIP LOCKED
  makes two workers claiming at the same moment take disjoint rows without waiting; the
  conditions are re-checked on the locked rows (READ COMMITTED), so a row is never leased
  twice. SQLite ignores ``FOR UPDATE`` but runs one writer at a time, which gives the same
  guarantee on one machine;
* while it polls a batch it renews the batch's lease every third of ``POLL_LEASE_SECONDS``
  (default 120 s), so a live worker never loses a slow batch;
* it stores the batch in one transaction whose first statement renews the lease *only where
  it still owns it* (``renew_lease`` returns those ids): a device whose lease another worker
  took over meanwhile is not stored by this one (it is counted in ``leases_lost``); then it
  sets ``next_poll_at`` (``next_due_at``) and clears the lease in the same transaction, and
  claims the next batch, until no device is left;
* a worker that dies (killed, host down) stops renewing: its leases expire after
  ``POLL_LEASE_SECONDS`` and its devices, still due because it never set their
  ``next_poll_at``, are claimed by another worker's next tick (every ``POLL_TICK_SECONDS``),
  i.e. within the same poll interval. What the dead worker had not committed is rolled back
  by the database, so nothing is stored twice; samples are also idempotent (a reading not
  newer than the stored one is ignored). ``benchmarks/poll_failover.py`` demonstrates it
  with workers in separate network namespaces (docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, or_, select, update

from isp import signals
from isp.extensions import db
from isp.formatting import percent
from isp.timeutil import PARIS, utcnow
from network.choices import DeviceRole, DeviceStatus, LifecycleState
from network.counters import (
    Delta,
    Discarded,
    DiscardReason,
    counter_delta,
    max_unambiguous_interval_s,
    reboot_downtime_s,
    uptime_consistent,
)
from network.credentials import decrypt_secret
from network.models import (
    Device,
    DiscardedInterval,
    Outage,
    PollResult,
    Port,
    PortCounter,
)
from network.snmp import DevicePoll, InterfaceSample, SnmpClient, SnmpTarget, poll_many
from network.usage_store import (  # storage and usage live in network.usage_store (issue 17.4)
    USAGE_STATUSES,
    add_usage,
    building_usage_days,
    by_month,
    local_day,
    port_usage_days,
    port_usage_hours,
    split_by_hour,
    unit_usage_days,
    unit_usage_hours,
)
from network.usage_store import served_subscription_ids as _served_subscription_ids
from network.usage_store import upsert as _upsert

log = logging.getLogger(__name__)

LOCAL_TZ = PARIS  # the one calendar (isp.timeutil)
FAILED_POLLS_FOR_DOWN = 2
PORT_DOWN_ALERT = timedelta(days=7)
DEFAULT_LEASE_S = 120
DEFAULT_BATCH = 100
#: Subscription statuses whose flat's traffic is booked to the subscription.
ALERT_STATUSES = ("active", "reduced")

#: Errors in clear words for the pages and the CLI (the raw text stays in ``last_error``).
ERROR_LABELS = {
    "timeout": "pas de réponse",
    "auth": "échec d'authentification",
    "garbage": "réponse incomplète ou invalide",
    "unresolvable": "adresse introuvable",
}


def default_worker_id() -> str:
    """``host:pid``: names the process holding a lease."""
    return f"{socket.gethostname()}:{os.getpid()}"


# --- targets -----------------------------------------------------------------------------------

def target_for(device: Device, *, now: datetime | None = None,
               discover: bool = False) -> SnmpTarget:
    """The SNMP target of a device, with its secrets decrypted (kept in memory only).

    Timeout and retries come from ``SNMP_TIMEOUT_S``/``SNMP_RETRIES`` (docs/snmp.md §7: 2 s, 1).
    A device that is up with known ports gets a quick poll (status and counters) unless
    ``discover`` or its discovery is due (``discovery_due``).
    """
    config = current_app.config
    timing = {"timeout_s": float(config["SNMP_TIMEOUT_S"]),
              "retries": int(config["SNMP_RETRIES"])}
    quick_after = None
    if (not discover and device.status == DeviceStatus.UP and device.last_ok_at is not None
            and device.sys_uptime_ticks is not None
            and not discovery_due(device, now or utcnow())):
        quick_after = (device.sys_uptime_ticks, device.last_ok_at)
    if device.snmp_version == "3":
        return SnmpTarget(
            device.mgmt_address, device.snmp_port, version="3", v3_user=device.snmp_user,
            v3_auth_key=decrypt_secret(device.snmp_auth_key_enc),
            v3_priv_key=decrypt_secret(device.snmp_priv_key_enc),
            context=device.snmp_context or "", quick_after=quick_after, **timing)
    return SnmpTarget(device.mgmt_address, device.snmp_port, version="2c",
                      community=decrypt_secret(device.snmp_community_enc) or "",
                      quick_after=quick_after, **timing)


def discovery_due(device: Device, now: datetime) -> bool:
    """True when the device's ports (names, descriptions, speeds) should be read again.

    Once per ``POLL_DISCOVERY_HOURS`` (default 6) window; each device's windows are shifted
    by an offset drawn from its id so full polls spread over the cycles instead of all
    falling on the same one. A reboot also triggers a full poll (see ``SnmpTarget``).
    """
    if device.last_ok_at is None:
        return True
    period = max(1, int(float(current_app.config.get("POLL_DISCOVERY_HOURS", 6)) * 3600))
    offset = (device.id or 0) * 7919 % period
    return ((int(now.timestamp()) + offset) // period
            != (int(device.last_ok_at.timestamp()) + offset) // period)


# --- claiming (scale-out) ----------------------------------------------------------------------

def claim_devices(worker: str, now: datetime, *, limit: int = DEFAULT_BATCH,
                  device_ids: Sequence[int] | None = None, respect_due: bool = True,
                  exclude: Iterable[int] = (), lease_s: int = DEFAULT_LEASE_S) -> list[int]:
    """Lease up to ``limit`` due, unleased devices to ``worker``; returns their ids (committed).

    See the module docstring for why two workers never get the same device.
    """
    free = or_(Device.poll_lease_until.is_(None), Device.poll_lease_until < now)
    conditions = [Device.lifecycle_state == LifecycleState.IN_SERVICE, free]
    if respect_due:
        conditions.append(or_(Device.next_poll_at.is_(None), Device.next_poll_at <= now))
    if device_ids is not None:
        conditions.append(Device.id.in_(list(device_ids)))
    excluded = list(exclude)
    if excluded:
        conditions.append(Device.id.not_in(excluded))
    candidates = (select(Device.id).where(*conditions).order_by(Device.id).limit(limit)
                  .with_for_update(skip_locked=True))
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks; its single writer makes the UPDATE … WHERE free atomic.
        candidates = select(Device.id).where(*conditions).order_by(Device.id).limit(limit)
    statement = (update(Device).where(Device.id.in_(candidates.scalar_subquery()), free)
                 .values(poll_lease_owner=worker,
                         poll_lease_until=now + timedelta(seconds=lease_s))
                 .returning(Device.id).execution_options(synchronize_session=False))
    ids = sorted(db.session.execute(statement).scalars())
    db.session.commit()
    return ids


def lease_seconds() -> int:
    """How long a claim lasts without renewal (``POLL_LEASE_SECONDS``, default 120 s): the
    longest a dead worker's devices wait before another worker takes them over."""
    return max(1, int(current_app.config["POLL_LEASE_SECONDS"]))


def renew_lease(ids: Sequence[int], worker: str, now: datetime,
                lease_s: int = DEFAULT_LEASE_S) -> list[int]:
    """Extend this worker's lease on those of ``ids`` it still holds; returns them, sorted
    (the caller commits). A device missing from the result was taken over by another worker
    after this one's lease expired: this worker must not store it.

    On PostgreSQL the UPDATE locks the rows until the commit, so a claim running meanwhile
    skips them (SKIP LOCKED), and a claim that locked them first makes this UPDATE wait and
    then see the new owner.
    """
    if not ids:
        return []
    return sorted(db.session.execute(
        update(Device).where(Device.id.in_(list(ids)), Device.poll_lease_owner == worker)
        .values(poll_lease_until=now + timedelta(seconds=lease_s))
        .returning(Device.id).execution_options(synchronize_session=False)).scalars())


def release_devices(ids: Iterable[int], worker: str, next_poll_at: datetime | None) -> None:
    """Clear this worker's lease and set when the devices are due again (caller commits)."""
    ids = list(ids)
    if not ids:
        return
    db.session.execute(update(Device).where(Device.id.in_(ids),
                                            Device.poll_lease_owner == worker)
                       .values(poll_lease_owner=None, poll_lease_until=None,
                               next_poll_at=next_poll_at)
                       .execution_options(synchronize_session=False))


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


# --- the cycle ---------------------------------------------------------------------------------

def run_poll_cycle(*, client: SnmpClient | None = None, devices: Sequence[Device] | None = None,
                   worker: str | None = None, now: datetime | None = None,
                   respect_due: bool | None = None, batch: int = DEFAULT_BATCH,
                   concurrency: int = 32, discover: bool = False) -> PollSummary:
    """Poll every due in-service device (or ``devices``) once and store the results.

    Commits after claiming each batch and after storing it (the lease must be visible to
    other workers). ``respect_due`` defaults to True for the scheduler's full cycles and
    False when ``devices`` is given; ``isp poll --once`` passes False. ``now`` fixes the
    cycle's reference time (due times, leases), which then runs on with the local clock;
    readings carry their own time. ``discover`` makes every poll a full one (names,
    descriptions, speeds): see ``target_for``. Leases: see the module docstring.
    """
    worker = worker or default_worker_id()
    started = time.monotonic()
    cycle_now = now or utcnow()
    lease_s = lease_seconds()

    def clock() -> datetime:
        return cycle_now + timedelta(seconds=time.monotonic() - started)

    if respect_due is None:
        respect_due = devices is None
    ids = [d.id for d in devices] if devices is not None else None
    interval = timedelta(minutes=current_app.config.get("POLL_INTERVAL_MINUTES", 5))
    summary = PollSummary(worker=worker)

    async def cycle() -> None:
        own_client = client is None
        snmp: SnmpClient
        if own_client:
            from network.snmp import PysnmpClient

            snmp = PysnmpClient()
        else:
            snmp = client
        try:
            done: set[int] = set()
            while True:
                claimed = claim_devices(worker, clock(), limit=batch, device_ids=ids,
                                        respect_due=respect_due, exclude=done,
                                        lease_s=lease_s)
                if not claimed:
                    break
                done.update(claimed)
                batch_devices = list(db.session.execute(
                    select(Device).where(Device.id.in_(claimed)).order_by(Device.id)).scalars())
                targets, pollable = [], []
                for device in batch_devices:
                    try:
                        targets.append(target_for(device, now=cycle_now, discover=discover))
                        pollable.append(device)
                    except Exception as error:  # undecryptable secret: say so, poll the rest
                        summary.errors.append(f"{device.hostname}: {error}")
                        device.last_error = str(error)
                db.session.commit()  # no transaction stays open while polling
                polls = await _polled_under_lease(
                    poll_many(snmp, targets, concurrency=concurrency), claimed, worker, clock,
                    lease_s)
                # Renewing the lease is the first statement of the storage transaction: on
                # SQLite it takes the write lock before any read, so two workers queue
                # (busy_timeout) instead of failing on a stale read snapshot. Devices whose
                # lease was taken over are left to their new owner.
                held = set(renew_lease(claimed, worker, clock(), lease_s))
                if len(held) < len(claimed):
                    summary.leases_lost += len(claimed) - len(held)
                    log.warning("poll worker %s: %d device lease(s) taken over by another "
                                "worker before storing; not stored here", worker,
                                len(claimed) - len(held))
                pairs = [(d, p) for d, p in zip(pollable, polls, strict=True) if d.id in held]
                store_polls(pairs, worker=worker, summary=summary)
                check_counter_alerts([d for d, _ in pairs])
                # each device is due again after its own interval (issue 16.12)
                due: dict[int, list[int]] = defaultdict(list)
                for device in batch_devices:
                    if device.id not in held:
                        continue
                    due[device.poll_interval_s or int(interval.total_seconds())].append(
                        device.id)
                for seconds, due_ids in due.items():
                    release_devices(due_ids, worker, next_due_at(cycle_now, seconds))
                db.session.commit()
        finally:
            if own_client:
                snmp.close()  # type: ignore[attr-defined]

    with _fewer_gc_passes():
        asyncio.run(cycle())
    summary.duration_s = time.monotonic() - started
    return summary


async def _polled_under_lease(polling, ids: Sequence[int], worker: str, clock,
                              lease_s: int) -> list[DevicePoll]:
    """Await ``polling`` while renewing this worker's lease on ``ids`` every ``lease_s`` / 3.

    The renewal is a short UPDATE committed at once (no transaction stays open while
    polling); a live worker keeps its batch however slow its devices are, a dead one
    stops renewing and its leases expire.
    """
    task = asyncio.ensure_future(polling)
    period = max(0.5, lease_s / 3)
    while True:
        done, _pending = await asyncio.wait({task}, timeout=period)
        if done:
            return task.result()
        try:
            renew_lease(ids, worker, clock(), lease_s)
            db.session.commit()
        except Exception:  # a busy database must not abort the polls: the next try renews
            db.session.rollback()
            log.exception("poll worker %s: lease renewal failed", worker)


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Collect cyclic garbage less often while polling.

    Decoding a poll allocates ~100,000 short-lived pyasn1 objects (docs/snmp.md §5), which with
    the default threshold (700) triggers a collection every few hundred values, each one
    also scanning the application's long-lived objects. Freezing those and collecting every
    50,000 allocations instead cut the poller's CPU per device (measured in
    ``benchmarks/poll_throughput.py``); the thresholds are restored after the cycle.
    """
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


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
    open_outages = _open_outages_of(
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
        _open_outage(device, device.failing_since, "no_answer", summary)
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


def _device_answered(device: Device, poll: DevicePoll, open_outage: Outage | None,
                     summary: PollSummary) -> bool:
    """Device state on an answer: closes an open outage, books a reboot; True if rebooted."""
    ticks = poll.sys_uptime_ticks
    assert ticks is not None
    at = poll.polled_at
    rebooted = False
    if device.last_ok_at is not None and device.sys_uptime_ticks is not None:
        elapsed = (at - device.last_ok_at).total_seconds()
        rebooted = not uptime_consistent(device.sys_uptime_ticks, ticks, elapsed)
        if open_outage is not None:
            _close_outage(open_outage, at, summary)
        elif rebooted:
            downtime = reboot_downtime_s(uptime_s=ticks / 100, since_last_ok_s=elapsed)
            if downtime > 0:
                outage = _open_outage(device, device.last_ok_at, "reboot", summary)
                _close_outage(outage, device.last_ok_at + timedelta(seconds=downtime), summary)
    device.status = DeviceStatus.UP
    device.failed_polls = 0
    device.failing_since = None
    device.last_ok_at = at
    device.sys_uptime_ticks = ticks
    return rebooted


# --- outages -----------------------------------------------------------------------------------

def _open_outages_of(device_ids: Sequence[int]) -> dict[int, Outage]:
    """The newest open outage of each device, in one query."""
    if not device_ids:
        return {}
    found: dict[int, Outage] = {}
    for outage in db.session.execute(select(Outage).where(
            Outage.device_id.in_(list(device_ids)), Outage.ended_at.is_(None))
            .order_by(Outage.id)).scalars():
        found[outage.device_id] = outage  # the highest id wins
    return found


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


# --- topology (issue 16.8) ------------------------------------------------------------------

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


def find_device(hostname: str) -> Device | None:
    """The device of that hostname, if any."""
    return db.session.execute(select(Device).where(Device.hostname == hostname)
                              ).scalar_one_or_none()


def check_uplink(device: Device | None, parent_hostname: str | None) -> Device | None:
    """The uplink named ``parent_hostname`` (None for none); ``DomainError`` when it is
    unknown, the device itself, or behind the device (a loop)."""
    from isp.errors import DomainError

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


def check_poll_interval(value: int | None) -> int | None:
    """A poll interval in seconds within bounds, or None (the default)."""
    from isp.errors import DomainError

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
    from subscribers.models import Unit

    statement = select(Unit.code).join(Port, Port.unit_id == Unit.id).join(
        Device, Device.id == Port.device_id)
    behind = devices_behind(device)
    if device.role == DeviceRole.AGGREGATION and not behind:
        statement = statement.where(Device.building_id == device.building_id)
    else:
        statement = statement.where(Device.id.in_([device.id, *(d.id for d in behind)]))
    return sorted(set(db.session.execute(statement).scalars()))


def _incident_of(device: Device) -> int | None:
    """The open outage of the farthest failed uplink: the incident this outage belongs to."""
    uplinks = uplinks_of(device)
    if not uplinks:
        return None
    found = _open_outages_of([d.id for d in uplinks])
    for uplink in reversed(uplinks):  # the farthest failed uplink is the incident's cause
        outage = found.get(uplink.id)
        if outage is not None:
            return outage.incident_outage_id or outage.id
    return None


def _open_outage(device: Device, started_at: datetime, cause: str,
                 summary: PollSummary) -> Outage:
    incident = _incident_of(device) if cause == "no_answer" else None
    outage = Outage(device_id=device.id, started_at=started_at, cause=cause,
                    incident_outage_id=incident)
    db.session.add(outage)
    db.session.flush()
    summary.outages_opened += 1
    signals.outage_started.send(outage, affected_unit_codes=affected_unit_codes(device),
                                incident_outage_id=incident)
    return outage


def _close_outage(outage: Outage, ended_at: datetime, summary: PollSummary) -> None:
    outage.ended_at = ended_at
    db.session.flush()
    summary.outages_closed += 1
    signals.outage_ended.send(outage, duration_s=outage.duration_s())


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
    from subscribers.models import Subscription

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


# --- availability ------------------------------------------------------------------------------

Interval = tuple[datetime, datetime]


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass
class Availability:
    """Availability of a building over [start, end)."""

    start: datetime
    end: datetime
    downtime_s: int
    outages: list[Outage]
    devices: int

    @property
    def period_s(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def availability_pct(self) -> float | None:
        """1 − downtime ÷ period, in percent with two decimals; None without devices."""
        if self.devices == 0 or self.period_s <= 0:
            return None
        return round(100 * (1 - self.downtime_s / self.period_s), 2)

    @property
    def label(self) -> str:
        """The figure as every page shows it: ``99,46 %`` (French number format), or ``—``."""
        return percent(self.availability_pct)


def building_availability(building_id: int, start: datetime, end: datetime,
                          *, now: datetime | None = None) -> Availability:
    """docs/design.md §3.5: the building is down while its aggregation device is down, or while
    every access device is down at once (union of the two). Open outages count until
    ``now`` (or ``end`` if earlier)."""
    now = now or utcnow()
    devices = list(db.session.execute(select(Device).where(
        Device.building_id == building_id,
        Device.lifecycle_state == LifecycleState.IN_SERVICE)).scalars())
    if not devices:
        return Availability(start, end, 0, [], 0)
    outages = list(db.session.execute(select(Outage).where(
        Outage.device_id.in_([d.id for d in devices]), Outage.started_at < end,
        or_(Outage.ended_at.is_(None), Outage.ended_at > start))
        .order_by(Outage.started_at)).scalars())
    limit = min(end, max(now, start))
    by_device: dict[int, list[Interval]] = defaultdict(list)
    for outage in outages:
        s = max(outage.started_at, start)
        e = min(outage.ended_at or limit, end)
        by_device[outage.device_id].append((s, e))  # type: ignore[index]
    aggregation = [d for d in devices if d.role == DeviceRole.AGGREGATION]
    access = [d for d in devices if d.role != DeviceRole.AGGREGATION]
    down: list[Interval] = []
    for device in aggregation:
        down += _merge(by_device[device.id])
    if access:
        common = _merge(by_device[access[0].id])
        for device in access[1:]:
            common = _intersect(common, _merge(by_device[device.id]))
        down += common
    merged = _merge(down)
    downtime = int(sum((e - s).total_seconds() for s, e in merged))
    return Availability(start, end, downtime, outages, len(devices))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants of a Europe/Paris calendar day."""
    start = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def building_availability_between(building_id: int, first: date, following: date, *,
                                  now: datetime | None = None) -> Availability:
    """THE availability of a building over Paris calendar days [first, following) (issue 16.9).

    The one definition every page, export and API shows (docs/design.md §3.5): 1 − downtime ÷
    period, where the period runs from ``first`` 00:00 Europe/Paris to ``following`` 00:00, cut
    at ``now`` for the running month (time not yet lived is neither up nor down). A period that
    has not started gives ``availability_pct`` None.
    """
    now = now or utcnow()
    start = day_bounds(first)[0]
    end = min(day_bounds(following)[0], max(now, start))
    return building_availability(building_id, start, end, now=now)


def building_month_availability(building_id: int, period: str, *,
                                now: datetime | None = None) -> Availability:
    """Availability of a building for one calendar month ``YYYY-MM`` (see above)."""
    year, month = (int(part) for part in period.split("-"))
    following = date(year + (month == 12), month % 12 + 1, 1)
    return building_availability_between(building_id, date(year, month, 1), following, now=now)


def availability_by_day(building_id: int, first: date,
                        last: date) -> list[tuple[date, Availability]]:
    """Availability of each day from ``first`` to ``last`` included."""
    rows = []
    day = first
    while day <= last:
        start, end = day_bounds(day)
        rows.append((day, building_availability(building_id, start, end)))
        day += timedelta(days=1)
    return rows


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The UTC instants of a Europe/Paris calendar month."""
    start = day_bounds(date(year, month, 1))[0]
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return start, day_bounds(nxt)[0]


def availability_by_month(building_id: int, months: int, today: date) -> list[
        tuple[str, Availability]]:
    """Availability of the last ``months`` calendar months, the current one included."""
    rows = []
    year, month = today.year, today.month
    for _month in range(months):
        period = f"{year}-{month:02d}"
        rows.append((period, building_month_availability(building_id, period)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(rows))


def device_state_label(device: Device) -> str:
    """The device's state in words for pages: up, down, unknown, plus the error kind."""
    labels = {DeviceStatus.UP: "joignable", DeviceStatus.DOWN: "hors service (pas de réponse)",
              DeviceStatus.UNKNOWN: "inconnu"}
    return labels.get(DeviceStatus(device.status), device.status)


__all__ = [
    "ERROR_LABELS",
    "Availability",
    "PollSummary",
    "building_availability",
    "building_availability_between",
    "building_month_availability",
    "claim_devices",
    "run_poll_cycle",
    "store_poll",
    "store_polls",
    # re-exported from network.usage_store for the callers that still import them from here
    "USAGE_STATUSES",
    "add_usage",
    "building_usage_days",
    "by_month",
    "local_day",
    "port_usage_days",
    "port_usage_hours",
    "split_by_hour",
    "unit_usage_days",
    "unit_usage_hours",
]
