"""Scheduled network jobs: the SNMP poll cycle every POLL_TICK_SECONDS (30 s by default).

Each device is polled at its own interval (POLL_INTERVAL_MINUTES unless the operator set a
shorter one, issue 16.12): a cycle polls only the devices due, so the tick must be at least as
short as the shortest interval in use, and a cycle with nothing due costs one query.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from isp.extensions import db
from isp.scheduler import in_app_context
from network.poller import run_poll_cycle
from network.usage_store import run_nightly


def poll_devices() -> None:
    """One scheduled poll cycle: only devices due and not leased by another worker."""
    run_poll_cycle()


def usage_store_nightly() -> None:
    """Monthly partitions ahead (PostgreSQL) and the roll-up of finished days per port; the
    hours older than the window go with the retention purge (isp.retention_purge, 03:10 UTC)."""
    run_nightly()
    db.session.commit()


def register(scheduler, app) -> None:
    """Add ``network.poll_devices`` (several workers may run it: devices are leased)."""
    seconds = int(app.config["POLL_TICK_SECONDS"])
    scheduler.add_job(in_app_context(app, poll_devices), "interval", seconds=seconds,
                      id="network.poll_devices", replace_existing=True,
                      # first cycle soon after start, so `make run` shows data quickly
                      next_run_time=datetime.now(UTC) + timedelta(seconds=20))
    # before the retention purge (03:10 UTC), which rolls up any day still missing anyway
    scheduler.add_job(in_app_context(app, usage_store_nightly), "cron", hour=2, minute=40,
                      id="network.usage_store", replace_existing=True)
