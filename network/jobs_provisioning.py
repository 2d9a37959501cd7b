"""Scheduled provisioning: the queue every minute, reconciliation and backup every night."""

from __future__ import annotations

from isp.scheduler import in_app_context


def run_provisioning_queue() -> None:
    """Run the due jobs (commits itself: claim, then results)."""
    from network.services_provisioning import run_queue

    run_queue()


def reconcile_switches() -> None:
    """Back up running configs and flag drift (the wrapper commits)."""
    from network.services_provisioning import nightly_reconcile

    nightly_reconcile()


def register(scheduler, app) -> None:
    """Add ``network.provisioning_queue`` (every minute) and ``network.reconcile`` (nightly)."""
    scheduler.add_job(in_app_context(app, run_provisioning_queue), "interval", minutes=1,
                      id="network.provisioning_queue", replace_existing=True)
    scheduler.add_job(in_app_context(app, reconcile_switches), "cron", hour=2, minute=40,
                      id="network.reconcile", replace_existing=True)
