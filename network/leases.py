"""Poll leases: how several ``isp worker`` processes share the devices (issue 3 §9).

Several workers sharing one database split the devices with a *lease* on each device row
(``poll_lease_owner``/``poll_lease_until``) and a due time (``next_poll_at``):

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

import os
import socket
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from isp.extensions import db
from network.choices import LifecycleState
from network.models import Device

DEFAULT_LEASE_S = 120
DEFAULT_BATCH = 100


def default_worker_id() -> str:
    """``host:pid``: names the process holding a lease."""
    return f"{socket.gethostname()}:{os.getpid()}"

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
