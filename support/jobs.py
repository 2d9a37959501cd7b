"""Scheduled support jobs: the SLA check and the notification e-mails."""

from __future__ import annotations

from flask import Flask

from isp.scheduler import in_app_context
from support import notifications, tickets


def check_sla() -> None:
    """Mark newly overdue tickets (their assignees are notified)."""
    tickets.check_sla()


def send_notification_emails() -> None:
    """Send the e-mails of notifications written by other processes (poller, imports)."""
    notifications.send_pending_emails()


def register(scheduler, app: Flask) -> None:
    scheduler.add_job(in_app_context(app, check_sla), "interval", minutes=15,
                      id="support.check_sla", replace_existing=True)
    scheduler.add_job(in_app_context(app, send_notification_emails), "interval", minutes=1,
                      id="support.send_notification_emails", replace_existing=True)
