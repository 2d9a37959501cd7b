"""The daily social dunning pass, and forgetting old idempotency records."""

from __future__ import annotations

from flask import Flask

from billing.dunning import run_dunning
from isp.idempotency import purge
from isp.scheduler import in_app_context


def dunning() -> None:
    """Reminders, referrals, reduction proposals; lifts reductions of cleared debts."""
    run_dunning()


def forget_submissions() -> None:
    """Drop one-time form tokens and API Idempotency-Keys older than two days."""
    purge()


def register(scheduler, app: Flask) -> None:
    scheduler.add_job(in_app_context(app, dunning), "cron", hour=6, minute=30,
                      id="billing.dunning", replace_existing=True)
    scheduler.add_job(in_app_context(app, forget_submissions), "cron", hour=4, minute=10,
                      id="billing.forget_submissions", replace_existing=True)
