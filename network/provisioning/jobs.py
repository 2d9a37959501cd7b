"""Scheduled provisioning: the queue every minute, reconciliation and backup every night."""

from __future__ import annotations

from isp.scheduler import in_app_context
from network.provisioning.queue import nightly_reconcile, run_queue
from network.provisioning.wakeup import start_runner


def run_provisioning_queue() -> None:
    """Run the due jobs (commits itself: claim, then results)."""
    run_queue()


def reconcile_switches() -> None:
    """Back up running configs and flag drift (the wrapper commits)."""
    nightly_reconcile()


def register(scheduler, app) -> None:
    """Add ``network.provisioning_queue`` (every minute) and ``network.reconcile`` (nightly),
    and start the runner that runs a queued job at once (``network.provisioning.wakeup``)."""
    scheduler.add_job(in_app_context(app, run_provisioning_queue), "interval", minutes=1,
                      id="network.provisioning_queue", replace_existing=True)
    scheduler.add_job(in_app_context(app, reconcile_switches), "cron", hour=2, minute=40,
                      id="network.reconcile", replace_existing=True)
    # A job queued by this process (or, on PostgreSQL, by a web process) runs at once; the
    # minute above is the safety net. Off under test (tests start the runner themselves).
    at_once = app.config["PROVISIONING_RUN_AT_ONCE"]
    if (not app.testing) if at_once is None else at_once:
        start_runner(app, run_provisioning_queue)
