"""Each ticket event notifies the assignee and the association; e-mail over real SMTP."""

from __future__ import annotations

import email
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from isp.extensions import db as _db
from support import notifications
from support.models import Notification
from support.tickets import add_comment, change_status, open_ticket
from tests import factories
from tests.support.factories import make_ticket


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        yield inbox
    finally:
        app.config["SMTP_URL"] = None
        controller.stop()


def _notes(ticket):
    return _db.session.execute(select(Notification).where(Notification.ticket_id == ticket.id)
                               .order_by(Notification.id)).scalars().all()


def test_events_notify_the_assignee_but_not_for_their_own_actions(db):
    operator = factories.make_user("operator")
    assignee = factories.make_user("operator", email="tech@test.example")
    ticket = make_ticket(actor=operator, assignee_id=assignee.id)
    add_comment(ticket, actor=operator, body="J'ai rappelé le foyer")
    add_comment(ticket, actor=assignee, body="Je passe demain")
    notes = _notes(ticket)
    assert [(n.user_id, n.email_to) for n in notes] == [(assignee.id, "tech@test.example")] * 2
    assert "J'ai rappelé le foyer" in notes[1].body
    assert notes[0].subject.startswith(f"[{ticket.number}]")


def test_association_tickets_notify_the_association(db, login_as):
    association = factories.make_association(email="asso@test.example")
    mediator = factories.make_user("mediator", association=association)
    household = factories.make_household(association=association)
    ticket = open_ticket(actor=mediator, subject="Box HS", category="equipment",
                         household_id=household.id)
    operator = factories.make_user("operator")
    change_status(ticket, "open", actor=operator)
    notes = _notes(ticket)
    assert [(n.association_id, n.email_to) for n in notes] == [
        (association.id, "asso@test.example")] * 2
    assert [n.id for n in _db.session.execute(notifications.notifications_query(mediator))
            .scalars()] == [notes[1].id, notes[0].id]
    assert notifications.unread_count(mediator) == 2
    assert notifications.mark_all_read(mediator) == 2
    assert notifications.unread_count(mediator) == 0


def test_pending_emails_go_out_once_over_smtp(db, smtp_server):
    operator = factories.make_user("operator")
    assignee = factories.make_user("operator", email="tech2@test.example")
    ticket = make_ticket(actor=operator, assignee_id=assignee.id, subject="Plus d'internet")
    assert notifications.send_pending_emails() == (1, 0)
    assert notifications.send_pending_emails() == (0, 0)
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["tech2@test.example"]
    assert message["Subject"].startswith(f"[{ticket.number}]")
    assert "Plus d'internet" in message.get_payload(decode=True).decode()
    [note] = _notes(ticket)
    assert note.emailed_at is not None and note.email_error is None


def test_an_unreachable_smtp_server_keeps_the_mail_for_later(db, app):
    operator = factories.make_user("operator")
    assignee = factories.make_user("operator")
    ticket = make_ticket(actor=operator, assignee_id=assignee.id)
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"
    try:
        assert notifications.send_pending_emails() == (0, 1)
    finally:
        app.config["SMTP_URL"] = None
    [note] = _notes(ticket)
    assert note.emailed_at is None
    assert note.email_attempts == 1 and note.email_error.startswith("connect")


def test_without_smtp_url_nothing_is_sent(db):
    operator = factories.make_user("operator")
    make_ticket(actor=operator, assignee_id=factories.make_user("operator").id)
    assert notifications.send_pending_emails() == (0, 0)
