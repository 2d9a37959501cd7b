"""APScheduler jobs: each domain's ``jobs*.register(scheduler, app)`` adds its own (stable ids)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

log = logging.getLogger(__name__)


def in_app_context(app: Flask, job: Callable[[], object]) -> Callable[[], None]:
    """Run ``job`` in an app context, commit once, roll back and log on error."""

    def run() -> None:
        from isp.extensions import db

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


def register_jobs(scheduler, app: Flask) -> None:
    """Each domain's ``jobs*.py`` adds its jobs with stable ids (``network.poll_devices``)."""
    from isp import DOMAINS, domain_modules
    from isp.gdpr import purge_expired

    scheduler.add_job(in_app_context(app, purge_expired), "cron", hour=3, minute=10,
                      id="isp.retention_purge", replace_existing=True)
    for domain in DOMAINS:
        for module in domain_modules(domain, "jobs"):
            module.register(scheduler, app)


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
