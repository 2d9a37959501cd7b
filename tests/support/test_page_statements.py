"""The tickets list (page and API) reads a fixed number of statements whatever its rows (issue
23.3): household, flat, switch and assignee are joined into the page's query."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from support.models import Notification
from tests import factories
from tests.statements import page_selects
from tests.support.factories import make_device, make_ticket


@pytest.fixture
def tickets(db):
    """Three tickets: two on households with their own assignees, one on a switch."""
    operator = factories.make_user("operator")
    device = make_device()
    rows = [make_ticket(actor=operator, assignee_id=factories.make_user("operator").id),
            make_ticket(actor=operator, assignee_id=factories.make_user("admin").id),
            make_ticket(actor=operator, device_hostname=device.hostname, category="other")]
    return [ticket.number for ticket in rows]


def test_the_tickets_page_reads_a_fixed_number_of_statements(tickets, client, login_as):
    login_as("operator")
    with page_selects() as statements:
        html = client.get("/tickets").get_data(as_text=True)
    assert all(number in html for number in tickets)
    # the count, the tickets with what they show, their affected flats, the assignee filter
    assert len(statements) == 4, statements


def test_the_tickets_api_reads_a_fixed_number_of_statements(tickets, client, api_as):
    _, headers = api_as("operator")
    with page_selects() as statements:
        body = client.get("/api/v1/tickets", headers=headers).get_json()
    assert {item["number"] for item in body["items"]} == set(tickets)
    assert len(statements) == 3, statements  # the count, the tickets, their affected flats


@pytest.mark.parametrize(("per_page", "reads"), [
    (50, 2),  # the count, the notifications: the unread ones are counted on the page
    (2, 3),  # the page does not hold them all: the unread ones are counted apart
])
def test_the_notifications_page_counts_the_unread_ones(db, client, login_as, per_page, reads):
    user = login_as("operator")
    ticket = make_ticket()
    for read_at in (None, None, datetime(2026, 11, 20, 9, tzinfo=UTC)):
        db.session.add(Notification(user_id=user.id, ticket_id=ticket.id, subject="Ticket",
                                    body="Mis à jour", read_at=read_at))
    with page_selects() as statements:
        html = client.get(f"/notifications?per_page={per_page}").get_data(as_text=True)
    assert "2 non lue(s)." in html
    assert len(statements) == reads, statements
