"""Scheduled network jobs: the SNMP poll every POLL_INTERVAL_MINUTES."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from isp.scheduler import in_app_context


def poll_devices() -> None:
    """One scheduled poll cycle: only devices due and not leased by another worker."""
    from network.services import run_poll_cycle

    run_poll_cycle()


def register(scheduler, app) -> None:
    """Add ``network.poll_devices`` (several workers may run it: devices are leased)."""
    minutes = int(app.config.get("POLL_INTERVAL_MINUTES", 5))
    scheduler.add_job(in_app_context(app, poll_devices), "interval", minutes=minutes,
                      id="network.poll_devices", replace_existing=True,
                      # first cycle soon after start, so `make run` shows data quickly
                      next_run_time=datetime.now(UTC) + timedelta(seconds=20))
