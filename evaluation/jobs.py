"""Nightly refresh of the evaluation aggregates."""

from __future__ import annotations

from flask import Flask

from evaluation.aggregates import refresh
from isp.scheduler import in_app_context


def refresh_aggregates() -> None:
    """Recompute every month of the pilot (idempotent: rows of a month are replaced)."""
    refresh()


def register(scheduler, app: Flask) -> None:
    scheduler.add_job(in_app_context(app, refresh_aggregates), "cron", hour=2, minute=30,
                      id="evaluation.refresh_aggregates", replace_existing=True)
