"""APScheduler jobs: each domain's ``jobs*.register(scheduler, app)`` adds its own (stable ids).

Several workers. Every ``isp worker`` (and ``isp run``) process runs the same APScheduler with
every job; a lease row per job (``ScheduledJobLease``) makes each fire run once across them:
when a job fires, the worker takes the row with one conditional UPDATE (or the INSERT of the
first run), which succeeds only for a schedule later than the last one taken and when no run of
the job is in progress (or its lease expired: a dead worker blocks a job for
``SCHEDULER_LEASE_MINUTES`` at most). Row locks on PostgreSQL and the single writer of SQLite
make that UPDATE atomic, so it works on both, without a server of its own (no Redis, no
APScheduler job store that would need its own locking). A schedule is the fire time rounded
to the minute for cron jobs and the interval slot (time since the epoch ÷ interval) for
interval jobs, so workers started at different times agree on it.

The poll (``network.poll_devices``) is the exception: it runs on every worker, which share
the switches through leases on the device rows (see ``network/leases.py``), so adding
workers adds polling capacity.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from isp import registry
from isp.extensions import db
from isp.gdpr import purge_expired
from isp.models import ScheduledJobLease as Lease
from isp.timeutil import utcnow

log = logging.getLogger(__name__)

#: Jobs that run on every worker because they share their work out themselves.
RUN_ON_EVERY_WORKER = frozenset({"network.poll_devices"})


def worker_id() -> str:
    """``host:pid``: names the worker holding a lease."""
    return f"{socket.gethostname()}:{os.getpid()}"


def in_app_context(app: Flask, job: Callable[[], object]) -> Callable[[], None]:
    """Run ``job`` in an app context, commit once, roll back and log on error."""

    def run() -> None:
        with app.app_context():
            try:
                job()
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("Scheduled job %s failed", getattr(job, "__name__", job))
            finally:
                db.session.remove()

    run.__name__ = getattr(job, "__name__", "job")
    return run


def claim_run(job_id: str, slot_at: datetime, *, worker: str, now: datetime,
              lease: timedelta) -> bool:
    """Take the run of ``job_id`` for the schedule ``slot_at``; True for one worker only.

    Commits (the claim must be visible to the other workers before the job starts).
    """
    values = {"slot_at": slot_at, "holder": worker, "started_at": now, "finished_at": None,
              "lease_until": now + lease}
    taken = db.session.execute(
        update(Lease).where(Lease.job_id == job_id, Lease.slot_at < slot_at,
                            or_(Lease.finished_at.is_not(None), Lease.lease_until < now))
        .values(**values).execution_options(synchronize_session=False)).rowcount == 1
    if not taken and db.session.get(Lease, job_id) is None:
        db.session.add(Lease(job_id=job_id, **values))
        try:
            db.session.flush()
            taken = True
        except IntegrityError:  # another worker inserted the first run meanwhile
            db.session.rollback()
            return False
    db.session.commit()
    return taken


def release_run(job_id: str, slot_at: datetime, *, worker: str, now: datetime) -> None:
    """Mark this worker's run of ``job_id`` finished (commits)."""
    db.session.execute(update(Lease).where(Lease.job_id == job_id, Lease.slot_at == slot_at,
                                           Lease.holder == worker)
                       .values(finished_at=now).execution_options(synchronize_session=False))
    db.session.commit()


def _nearest_minute(at: datetime) -> datetime:
    return (at + timedelta(seconds=30)).replace(second=0, microsecond=0)


def _interval_slot(seconds: float) -> Callable[[datetime], datetime]:
    def slot(at: datetime) -> datetime:
        epoch = at.timestamp()
        return datetime.fromtimestamp(epoch - epoch % seconds, UTC)

    return slot


def once_per_schedule(app: Flask, job_id: str, run: Callable[[], None],
                      slot_of: Callable[[datetime], datetime] = _nearest_minute
                      ) -> Callable[..., bool]:
    """Wrap ``run`` (an ``in_app_context`` job) so that one worker runs each schedule.

    APScheduler calls it without argument (the schedule is read from the clock); replays and
    tests pass ``slot_at``. Returns whether this worker ran it.
    """
    def leased(slot_at: datetime | None = None) -> bool:
        me = worker_id()
        slot = slot_at or slot_of(utcnow())
        lease = timedelta(minutes=int(app.config["SCHEDULER_LEASE_MINUTES"]))
        with app.app_context():
            try:
                if not claim_run(job_id, slot, worker=me, now=utcnow(), lease=lease):
                    log.debug("Job %s of %s runs on another worker", job_id, slot)
                    return False
            finally:
                db.session.remove()
        try:
            run()
        finally:
            with app.app_context():
                try:
                    release_run(job_id, slot, worker=me, now=utcnow())
                finally:
                    db.session.remove()
        return True

    leased.__name__ = getattr(run, "__name__", job_id)
    return leased


class _LeasingScheduler:
    """What ``register`` functions see: ``add_job`` wraps each job in its lease."""

    def __init__(self, scheduler: BaseScheduler, app: Flask) -> None:
        self.scheduler = scheduler
        self.app = app

    def add_job(self, func: Callable[[], None], trigger: str | None = None, *, id: str,
                **kwargs):
        if id not in RUN_ON_EVERY_WORKER:
            slot_of = _nearest_minute
            if trigger == "interval":
                seconds = timedelta(**{unit: kwargs[unit] for unit in
                                       ("weeks", "days", "hours", "minutes", "seconds")
                                       if unit in kwargs}).total_seconds()
                slot_of = _interval_slot(seconds)
            func = once_per_schedule(self.app, id, func, slot_of)
        return self.scheduler.add_job(func, trigger, id=id, **kwargs)


def register_jobs(scheduler: BaseScheduler, app: Flask) -> None:
    """Each domain's declared ``jobs`` modules add their jobs, with stable ids."""
    leasing = _LeasingScheduler(scheduler, app)
    leasing.add_job(in_app_context(app, purge_expired), "cron", hour=3, minute=10,
                    id="isp.retention_purge", replace_existing=True)
    for module in registry.all_modules("jobs"):
        module.register(leasing, app)


def start_background(app: Flask) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True,
                                                                  "max_instances": 1})
    register_jobs(scheduler, app)
    scheduler.start()
    log.info("Scheduler started with %d jobs", len(scheduler.get_jobs()))
    return scheduler


def run_blocking(app: Flask) -> None:
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={"coalesce": True,
                                                                "max_instances": 1})
    register_jobs(scheduler, app)
    log.info("Worker running %d jobs", len(scheduler.get_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
