"""Ticket pages: queue, opening, detail with timeline, changes, notifications."""

from __future__ import annotations

from sqlalchemy import select

from support.models import Ticket
from tests import factories
from tests.support.factories import make_ticket


def test_operator_opens_a_ticket_from_the_form(db, client, login_as):
    operator = login_as("operator")
    household = factories.make_household(holder_name="Karim Haddad")
    response = client.post("/tickets/new", data={
        "household_id": household.id, "unit_code": "", "device_hostname": "",
        "category": "equipment", "priority": "normal", "source": "counter",
        "assignee_id": str(operator.id), "subject": "Box qui clignote", "description": ""})
    assert response.status_code == 302
    ticket = db.session.execute(select(Ticket).where(Ticket.household_id == household.id)
                                ).scalar_one()
    assert ticket.assignee_id == operator.id and ticket.source == "counter"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ticket.number in page and "Karim Haddad" in page and "Box qui clignote" in page


def test_form_errors_keep_nothing(db, client, login_as):
    login_as("operator")
    response = client.post("/tickets/new", data={
        "household_id": "999999", "category": "slow", "priority": "normal", "source": "phone",
        "assignee_id": "", "subject": "Lent"})
    assert response.status_code == 422
    assert "introuvable" in response.get_data(as_text=True)
    assert db.session.execute(select(Ticket).where(Ticket.subject == "Lent")).first() is None


def test_forbidden_transition_from_the_page_changes_nothing(db, client, login_as):
    operator = login_as("operator")
    ticket = make_ticket(actor=operator)
    from support.tickets import change_status

    change_status(ticket, "closed", actor=operator)
    db.session.commit()
    response = client.post(f"/tickets/{ticket.number}/update", data={
        "status": "waiting", "priority": "urgent", "assignee_id": "", "note": ""})
    assert response.status_code == 409
    assert "interdit" in response.get_data(as_text=True)
    db.session.expire_all()
    reloaded = db.session.get(Ticket, ticket.id)
    assert (reloaded.status, reloaded.priority) == ("closed", "normal")


def test_reopen_and_assign_from_the_page(db, client, login_as):
    operator = login_as("operator")
    colleague = factories.make_user("operator", email="coll@test.example")
    ticket = make_ticket(actor=operator)
    response = client.post(f"/tickets/{ticket.number}/update", data={
        "status": "open", "priority": "high", "assignee_id": str(colleague.id),
        "note": "Pris en charge"})
    assert response.status_code == 302
    db.session.expire_all()
    reloaded = db.session.get(Ticket, ticket.id)
    assert (reloaded.status, reloaded.priority, reloaded.assignee_id) == ("open", "high",
                                                                          colleague.id)
    assert [e.kind for e in reloaded.events] == ["created", "priority", "assignee", "status"]


def test_queue_search_and_household_panel(db, client, login_as):
    login_as("operator")
    household = factories.make_household(holder_name="Leïla Benali")
    ticket = make_ticket(household=household, subject="Wifi faible")
    page = client.get("/tickets?q=benali").get_data(as_text=True)
    assert ticket.number in page
    assert ticket.number not in client.get("/tickets?q=zzzz").get_data(as_text=True)
    panel = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert ticket.number in panel and "Ouvrir un ticket pour ce foyer" in panel


def test_mediator_follows_their_ticket_and_reads_notifications(db, client, login_as):
    association = factories.make_association()
    mediator = login_as("mediator", association=association)
    household = factories.make_household(association=association)
    response = client.post("/tickets/new", data={
        "household_id": household.id, "category": "other", "priority": "normal",
        "subject": "Aide pour la box"})
    assert response.status_code == 302
    ticket = db.session.execute(select(Ticket).where(Ticket.household_id == household.id)
                                ).scalar_one()
    assert ticket.source == "association" and ticket.opened_by_id == mediator.id
    assert client.post(f"/tickets/{ticket.number}/comments",
                       data={"body": "Le foyer rappelle lundi"}).status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert ticket.number in page and "Le foyer rappelle lundi" in page
    assert client.post("/notifications/read").status_code == 302
    assert "0 non lue" in client.get("/notifications").get_data(as_text=True)
    # the operator-only form is not offered to mediators
    detail = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Modifier le ticket" not in detail
