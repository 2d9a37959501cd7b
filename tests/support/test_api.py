"""The tickets API: list fields and filters, creation, comments, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from isp.signals import outage_ended, outage_started
from support.models import Ticket, TicketEvent
from tests import factories
from tests.support.factories import make_device, make_outage, make_ticket


def _counts(db):
    return tuple(db.session.execute(select(func.count()).select_from(m)).scalar_one()
                 for m in (Ticket, TicketEvent))


def test_list_gives_the_fields_of_the_issue_and_filters(db, client, api_as):
    _user, headers = api_as("operator")
    building = factories.make_building(code="APIB")
    unit = factories.make_unit("APIB-A-01-1", building=building)
    device = make_device(building=building, hostname="sw-apib-1", ports_for=[unit])
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    outage = make_outage(device_id=device.id, started_at=start,
                       ended_at=start + timedelta(minutes=12))
    outage_started.send(outage, affected_unit_codes=[unit.code])
    outage_ended.send(outage, duration_s=720)
    make_ticket(subject="Facture")
    response = client.get("/api/v1/tickets?source=network&building=APIB&status=resolved",
                          headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert {k: item[k] for k in ("source", "status", "category", "priority", "device_hostname",
                                 "affected_units", "outage_duration_s")} == {
        "source": "network", "status": "resolved", "category": "no_connection",
        "priority": "high", "device_hostname": "sw-apib-1", "affected_units": [unit.code],
        "outage_duration_s": 720}
    assert item["number"].startswith("T-2026-")
    assert item["opened_at"] == "2026-11-30T08:00:00+00:00"
    assert item["resolved_at"] == "2026-11-30T08:12:00+00:00"
    assert item["sla_due_at"] == "2026-11-30T20:00:00+00:00"


def test_the_lists_built_once_take_each_requests_values(db, client, api_as, login_as):
    """The queue's statements are built once per set of filters (issue 23.3): the filters'
    values, the reader's association and a search are each request's own, in the page and the
    API, with their counts."""
    operator, headers = api_as("operator")
    mine = make_ticket(subject="Box en panne", assignee_id=operator.id,
                       household=factories.make_household(holder_name="Awa Diallo"))
    colleague = factories.make_user("operator")
    theirs = make_ticket(subject="Facture", assignee_id=colleague.id)
    nobodys = make_ticket(subject="Tablette")

    def numbers(query: str) -> tuple[set[str], int]:
        body = client.get(f"/api/v1/tickets?{query}", headers=headers).get_json()
        return {item["number"] for item in body["items"]}, body["total"]

    assert numbers("assignee=me") == ({mine.number}, 1)
    assert numbers(f"assignee={colleague.id}") == ({theirs.number}, 1)
    assert numbers("assignee=none") == ({nobodys.number}, 1)
    assert numbers("q=diallo") == ({mine.number}, 1)
    assert numbers("q=facture") == ({theirs.number}, 1)
    assert numbers("") == ({mine.number, theirs.number, nobodys.number}, 3)
    assert numbers("status=new&q=diallo") == ({mine.number}, 1)
    assert numbers("status=resolved&q=diallo") == (set(), 0)
    association = factories.make_association()
    followed = make_ticket(subject="Tablette", household=factories.make_household(
        association=association))
    _mediator, mediator_headers = api_as("mediator", association=association)
    body = client.get("/api/v1/tickets", headers=mediator_headers).get_json()
    assert [item["number"] for item in body["items"]] == [followed.number]
    login_as("operator")
    page = client.get("/tickets?q=diallo").get_data(as_text=True)
    assert mine.number in page and theirs.number not in page and "Awa Diallo" in page
    page = client.get("/tickets").get_data(as_text=True)
    assert all(ticket.number in page for ticket in (mine, theirs, nobodys, followed))


def test_unknown_filter_value_is_a_400(db, client, api_as):
    _user, headers = api_as("operator")
    response = client.get("/api/v1/tickets?status=lost", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["field"] == "status"


def test_create_and_comment(db, client, api_as):
    user, headers = api_as("operator")
    household = factories.make_household()
    response = client.post("/api/v1/tickets", headers=headers, json={
        "household_id": household.id, "subject": "Lenteurs", "category": "slow",
        "source": "counter", "priority": "high"})
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    assert response.get_json()["unit_code"] == household.unit.code
    response = client.post(f"/api/v1/tickets/{number}/comments", headers=headers,
                           json={"body": "Test de débit fait : 3 Mbit/s"})
    assert response.status_code == 201
    detail = client.get(f"/api/v1/tickets/{number}", headers=headers).get_json()
    assert [(e["kind"], e["actor"]) for e in detail["events"]] == [
        ("created", user.email), ("comment", user.email)]


@pytest.mark.parametrize(("payload", "status", "field"), [
    ({"household_id": 987654, "subject": "x", "category": "slow", "source": "phone"}, 404,
     "household_id"),
    ({"device_hostname": "ghost-switch", "subject": "x", "category": "slow",
      "source": "phone"}, 404, "device_hostname"),
    ({"unit_code": None, "subject": "", "category": "slow", "source": "phone"}, 422,
     "subject"),
    ({"subject": "x", "category": "slow", "source": "phone", "household_id": "abc"}, 422,
     "household_id"),
    ({"subject": 12, "category": "slow", "source": "phone"}, 422, "subject"),
])
def test_bad_creation_is_refused_with_a_clear_message(db, client, api_as, payload, status,
                                                      field):
    _user, headers = api_as("operator")
    before = _counts(db)
    response = client.post("/api/v1/tickets", headers=headers, json=payload)
    assert response.status_code == status
    assert response.get_json()["field"] == field
    assert response.get_json()["error"]
    assert _counts(db) == before


def test_empty_comment_and_non_json_are_refused(db, client, api_as):
    _user, headers = api_as("operator")
    number = make_ticket().number
    before = _counts(db)
    assert client.post(f"/api/v1/tickets/{number}/comments", headers=headers,
                       json={"body": "  "}).status_code == 422
    assert client.post(f"/api/v1/tickets/{number}/comments", headers=headers,
                       data="nope").status_code == 400
    assert _counts(db) == before


def test_mediator_lists_only_their_association_and_sees_no_device(db, client, api_as):
    association = factories.make_association()
    _user, headers = api_as("mediator", association=association)
    ours = make_ticket(household=factories.make_household(association=association))
    make_ticket(household=factories.make_household(association=factories.make_association()))
    make_ticket(household=None, device_hostname=make_device().hostname)
    body = client.get("/api/v1/tickets", headers=headers).get_json()
    assert [item["number"] for item in body["items"]] == [ours.number]
