"""Notifications of ticket events: stored for the app, e-mailed through SMTP when configured.

Rows are written in the event's transaction; e-mails leave only after the commit
(``send_pending_emails``, called by views and by a scheduler job), so a rolled-back change
never sends mail.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import Select, func, or_, select, update

from isp.extensions import db
from isp.models import User
from isp.timeutil import utcnow
from mediation.models import Association
from support.choices import EVENT_LABELS, STATUS_LABELS, EventKind
from support.models import Notification, Ticket, TicketEvent
from support.text import _, label

log = logging.getLogger(__name__)

#: Attempts before an e-mail is given up (the notification stays visible in the app).
MAX_EMAIL_ATTEMPTS = 5


def _describe(ticket: Ticket, event: TicketEvent) -> str:
    label_text = label(EVENT_LABELS.get(event.kind, event.kind))
    lines = [f"{ticket.number} — {ticket.subject}", label_text.capitalize()]
    if event.kind == EventKind.STATUS:
        lines[-1] += " : " + " → ".join(label(STATUS_LABELS.get(v, v)) for v in
                                        (event.from_value, event.to_value) if v)
    elif event.from_value or event.to_value:
        lines[-1] += " : " + " → ".join(v for v in (event.from_value, event.to_value) if v)
    if event.body:
        lines += ["", event.body]
    if ticket.unit is not None:
        lines.append(_("Logement : %(u)s", u=ticket.unit.code))
    lines.append(_("Échéance : %(d)s", d=ticket.sla_due_at.isoformat(timespec="minutes")))
    return "\n".join(lines)


def notify(ticket: Ticket, event: TicketEvent, actor: User | None) -> list[Notification]:
    """One notification per recipient: the assignee (unless they did it) and, for tickets
    opened by an association, that association."""
    subject = f"[{ticket.number}] {label(EVENT_LABELS.get(event.kind, event.kind)).capitalize()}"\
        f" — {ticket.subject}"[:200]
    body = _describe(ticket, event)
    created = []
    if ticket.assignee_id is not None and (actor is None or actor.id != ticket.assignee_id):
        assignee = ticket.assignee or db.session.get(User, ticket.assignee_id)
        created.append(Notification(user_id=ticket.assignee_id, ticket=ticket, event_id=event.id,
                                    subject=subject, body=body,
                                    email_to=assignee.email if assignee else None))
    if ticket.source == "association" and ticket.association_id is not None:
        association = db.session.get(Association, ticket.association_id)
        created.append(Notification(association_id=ticket.association_id, ticket=ticket,
                                    event_id=event.id, subject=subject, body=body,
                                    email_to=association.email if association else None))
    db.session.add_all(created)
    db.session.flush()
    return created


def notifications_query(actor: User) -> Select:
    """The actor's notifications: their own and, for mediators, their association's."""
    conditions = [Notification.user_id == actor.id]
    if actor.association_id is not None:
        conditions.append(Notification.association_id == actor.association_id)
    return (select(Notification).where(or_(*conditions))
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def unread_count(actor: User) -> int:
    statement = notifications_query(actor).where(Notification.read_at.is_(None))
    return db.session.execute(select(func.count()).select_from(
        statement.order_by(None).subquery())).scalar_one()


def mark_all_read(actor: User) -> int:
    """Mark the actor's unread notifications as read; returns how many."""
    unread = db.session.execute(notifications_query(actor).where(
        Notification.read_at.is_(None))).scalars().all()
    now = utcnow()
    for notification in unread:
        notification.read_at = now
    db.session.flush()
    return len(unread)


def _smtp_connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    options = parse_qs(parts.query)
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=10)
    elif parts.scheme == "smtp":
        client = smtplib.SMTP(host, parts.port or 25, timeout=10)
        if options.get("starttls", ["0"])[0] in ("1", "true", "yes"):
            client.starttls()
    else:
        raise ValueError(f"ISP_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme}")
    if parts.username:
        client.login(unquote(parts.username), unquote(parts.password or ""))
    return client


#: A claim older than this is a sender that died: another may send the e-mail again.
STALE_EMAIL_CLAIM = timedelta(minutes=10)


def _claim_pending_emails(limit: int) -> list[Notification]:
    """Take up to ``limit`` unsent e-mails for this process and commit the claim.

    Web processes (after a commit) and every worker may send at the same time: the due rows
    are locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite has one writer), and the
    conditional UPDATE re-checks them, so each e-mail is claimed by one sender only. The
    claim is committed before any SMTP traffic, so no transaction stays open meanwhile.
    """
    now = utcnow()
    due = (select(Notification.id).where(
        Notification.email_to.is_not(None), Notification.emailed_at.is_(None),
        Notification.email_attempts < MAX_EMAIL_ATTEMPTS,
        or_(Notification.email_claimed_at.is_(None),
            Notification.email_claimed_at < now - STALE_EMAIL_CLAIM))
        .order_by(Notification.id).limit(limit))
    if db.session.get_bind().dialect.name != "sqlite":
        due = due.with_for_update(skip_locked=True)
    due_ids = list(db.session.execute(due).scalars())
    if not due_ids:
        return []
    claimed = list(db.session.execute(
        update(Notification).where(
            Notification.id.in_(due_ids), Notification.emailed_at.is_(None),
            or_(Notification.email_claimed_at.is_(None),
                Notification.email_claimed_at < now - STALE_EMAIL_CLAIM))
        .values(email_claimed_at=now)
        .returning(Notification.id).execution_options(synchronize_session=False)).scalars())
    db.session.commit()
    return list(db.session.execute(select(Notification).where(
        Notification.id.in_(claimed)).order_by(Notification.id)).scalars())


def send_pending_emails(limit: int = 200) -> tuple[int, int]:
    """Send the e-mails of stored notifications when ``SMTP_URL`` is set; returns (sent,
    failed). Each e-mail is claimed by one sender, then marked: running twice, or in several
    processes at once, sends nothing twice. Commits its claim, then flushes the marks."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        return 0, 0
    pending = _claim_pending_emails(limit)
    if not pending:
        return 0, 0
    sent = failed = 0
    try:
        client = _smtp_connect(url)
    except (OSError, smtplib.SMTPException, ValueError) as error:
        for notification in pending:
            notification.email_attempts += 1
            notification.email_error = f"connect: {error}"[:500]
            notification.email_claimed_at = None
        log.warning("SMTP server unreachable: %s", error)
        db.session.flush()
        return 0, len(pending)
    with client:
        for notification in pending:
            message = EmailMessage()
            message["From"] = current_app.config.get("MAIL_FROM", "noreply@localhost")
            message["To"] = notification.email_to
            message["Subject"] = notification.subject
            message.set_content(notification.body)
            notification.email_attempts += 1
            notification.email_claimed_at = None
            try:
                client.send_message(message)
            except smtplib.SMTPException as error:
                notification.email_error = str(error)[:500]
                failed += 1
            else:
                notification.emailed_at = utcnow()
                notification.email_error = None
                sent += 1
    db.session.flush()
    log.info("Notification e-mails: %d sent, %d failed", sent, failed)
    return sent, failed


def deliver_after_commit() -> None:
    """Views and the API call this after committing: send now, commit the marks."""
    if not current_app.config.get("SMTP_URL"):
        return
    send_pending_emails()
    db.session.commit()
