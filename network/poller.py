"""The poll cycle: claim devices, poll them over SNMP, store what they said.

``run_poll_cycle`` claims a batch of due devices (``network.leases``), polls them concurrently
(``network.snmp.poll_many``) while renewing the batch's lease, stores the answers
(``network.poll_store``), raises the 32-bit counter alerts (``network.intervals``) and sets
each device's next due time, until no due device is left. ``target_for`` turns a device row
into its SNMP target (secrets decrypted in memory only; quick or full poll).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from isp.extensions import db
from isp.timeutil import utcnow
from network.choices import DeviceStatus
from network.credentials import decrypt_secret
from network.intervals import check_counter_alerts, next_due_at
from network.leases import (
    DEFAULT_BATCH,
    claim_devices,
    default_worker_id,
    lease_seconds,
    release_devices,
    renew_lease,
)
from network.models import Device
from network.poll_store import PollSummary, store_polls
from network.snmp import DevicePoll, SnmpClient, SnmpTarget, poll_many

log = logging.getLogger(__name__)


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
    descriptions, speeds): see ``target_for``. Leases: see ``network.leases``.
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
            # network.snmp loads pysnmp and its MIB compiler: only a cycle without a given
            # client (the real poller, not the tests' fake) pays for it.
            from network.snmp import PysnmpClient  # noqa: PLC0415

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
