"""The daily social dunning pass."""

from __future__ import annotations

from flask import Flask

from isp.scheduler import in_app_context


def dunning() -> None:
    """Reminders, referrals, reduction proposals; lifts reductions of cleared debts."""
    from billing.dunning import run_dunning

    run_dunning()


def register(scheduler, app: Flask) -> None:
    scheduler.add_job(in_app_context(app, dunning), "cron", hour=6, minute=30,
                      id="billing.dunning", replace_existing=True)
