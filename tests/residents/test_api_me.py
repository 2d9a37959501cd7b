"""``/api/v1/me`` (issue 20): the resident's own household only, the usual envelope and
errors; anything of another household is 404."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories
from tests.mediation.factories import make_slot
from tests.residents.space_helpers import resident_household, token_for


def test_me_names_the_household_not_other_people(client, api_resident):
    association = factories.make_association()
    household = resident_household(association=association, holder_name="Rose Martin",
                                   other_members="Paul Martin")
    _user, headers = token_for(api_resident, household)

    body = client.get("/api/v1/me", headers=headers).get_json()

    assert body["household"]["holder_name"] == "Rose Martin"
    assert "Paul" not in str(body)
    assert body["association"]["code"] == association.code


def test_invoices_in_the_list_envelope(client, api_resident):
    from billing.models import Invoice
    from isp.extensions import db

    household = resident_household()
    other = resident_household()
    for owner in (household, other):
        db.session.add(Invoice(number=f"FA-2026-{factories.n():06d}", household_id=owner.id,
                               period="2026-10", status="issued", total_cents=290,
                               vat_cents=48, full_cost_cents=2500,
                               issued_on=date(2026, 11, 2), due_on=date(2026, 12, 2)))
    db.session.flush()
    _user, headers = token_for(api_resident, household)

    body = client.get("/api/v1/me/invoices", headers=headers).get_json()

    assert set(body) == {"items", "total", "total_exact", "page", "per_page"} and body["total"] == 1
    assert body["items"][0]["subsidy_cents"] == 2210


def test_report_and_list_tickets(client, api_resident):
    household = resident_household()
    _user, headers = token_for(api_resident, household)

    created = client.post("/api/v1/me/tickets", json={"problem": "no_connection"},
                          headers=headers)
    assert created.status_code == 201
    assert created.get_json()["status_words"] == "Nous avons reçu votre message."
    listed = client.get("/api/v1/me/tickets", headers=headers).get_json()
    assert [t["number"] for t in listed["items"]] == [created.get_json()["number"]]


@pytest.mark.parametrize(("body", "status", "field"), [
    ({}, 422, "problem"),
    ({"problem": "fire"}, 422, "problem"),
    ({"problem": "slow", "details": 3}, 422, "details"),
    ({"problem": "slow", "unit_code": "X"}, 400, "unit_code"),
])
def test_bad_tickets_are_4xx_json(client, api_resident, body, status, field):
    _user, headers = token_for(api_resident, resident_household())
    response = client.post("/api/v1/me/tickets", json=body, headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"] and response.get_json()["field"] == field


def test_usage_of_a_month_and_a_bad_month(client, api_resident):
    _user, headers = token_for(api_resident, resident_household())
    ok = client.get("/api/v1/me/usage?month=2026-11", headers=headers)
    assert ok.status_code == 200 and ok.get_json()["month"] == "2026-11"
    assert ok.get_json()["items"] == []
    bad = client.get("/api/v1/me/usage?month=2026-13", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["field"] == "month"


def test_slots_and_booking_of_their_association_only(client, api_resident):
    association = factories.make_association()
    household = resident_household(association=association)
    slot = make_slot(association)
    foreign = make_slot(factories.make_association())
    _user, headers = token_for(api_resident, household)

    listed = client.get("/api/v1/me/slots", headers=headers).get_json()
    assert [s["id"] for s in listed["items"]] == [slot.id]
    assert client.post("/api/v1/me/bookings", json={"slot_id": foreign.id},
                       headers=headers).status_code == 404
    assert client.post("/api/v1/me/bookings", json={"slot_id": "x"},
                       headers=headers).status_code == 422
    booked = client.post("/api/v1/me/bookings", json={"slot_id": slot.id}, headers=headers)
    assert booked.status_code == 201 and booked.get_json()["slot"]["id"] == slot.id
    again = client.post("/api/v1/me/bookings", json={"slot_id": slot.id}, headers=headers)
    assert again.status_code == 409


def test_staff_tokens_have_no_household_and_no_me_routes(client, api_as):
    _user, headers = api_as("operator")
    assert "household" not in client.get("/api/v1/me", headers=headers).get_json()
    assert client.get("/api/v1/me/invoices", headers=headers).status_code == 403


def test_cancel_a_booking_see_and_end_mandates_ask_for_direct_debit(client, api_resident, db):
    from isp.timeutil import today
    from residents import mandates
    from tests.mediation.factories import make_booking

    association = factories.make_association()
    household = resident_household(association=association)
    other = resident_household(association=association)
    mine = make_booking(make_slot(association), household)
    theirs = make_booking(make_slot(association), other)
    mediator = factories.make_user("mediator", association=association, name="Amina")
    mandate, _code = mandates.create_mandate(
        household.id, actor=mediator, scopes=["invoices"], ends_on=today(),
        consent_method="in_person", consent_reference="F-1")
    _user, headers = token_for(api_resident, household)

    assert client.post(f"/api/v1/me/bookings/{theirs.id}/cancel",
                       headers=headers).status_code == 404
    cancelled = client.post(f"/api/v1/me/bookings/{mine.id}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    listed = client.get("/api/v1/me/mandates", headers=headers).get_json()
    assert [(m["id"], m["mediator"]) for m in listed["items"]] == [(mandate.id, "Amina")]
    ended = client.post(f"/api/v1/me/mandates/{mandate.id}/end", headers=headers)
    assert ended.get_json()["status"] == "ended"
    asked = client.post("/api/v1/me/sepa-requests", json={"note": "le 5 du mois"},
                        headers=headers)
    assert asked.status_code == 201 and asked.get_json()["status"] == "open"
    assert client.post("/api/v1/me/sepa-requests", json={"iban": "FR76"},
                       headers=headers).status_code == 400
    # A request is open already: a bad note is still refused (schemathesis found it accepted).
    assert client.post("/api/v1/me/sepa-requests", json={"note": 5},
                       headers=headers).status_code == 422


def test_a_mediator_acts_under_a_mandate_through_the_api(client, api_as, db):
    from sqlalchemy import select

    from isp.models import AuditEntry

    association = factories.make_association()
    mediator, headers = api_as("mediator", association=association, name="Amina Diallo")
    household = resident_household(association=association, holder_name="Rose Martin")
    slot = make_slot(association)
    from datetime import timedelta

    from isp.timeutil import today

    ends_on = (today() + timedelta(days=30)).isoformat()  # within the 12 months, whatever the day
    bad = client.post("/api/v1/mandates", json={
        "household_id": household.id, "scopes": ["payments"], "ends_on": ends_on,
        "consent_method": "in_person", "consent_reference": "F-1"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "scopes"
    created = client.post("/api/v1/mandates", json={
        "household_id": household.id, "scopes": ["bookings", "tickets"],
        "ends_on": ends_on, "consent_method": "in_person", "consent_reference": "F-1"},
        headers=headers)
    assert created.status_code == 201
    mandate_id = created.get_json()["id"]
    assert client.get(f"/api/v1/mandates/{mandate_id}/invoices",
                      headers=headers).status_code == 403  # not covered
    booked = client.post(f"/api/v1/mandates/{mandate_id}/bookings", json={"slot_id": slot.id},
                         headers=headers)
    assert booked.status_code == 201
    reported = client.post(f"/api/v1/mandates/{mandate_id}/tickets",
                           json={"problem": "no_connection"}, headers=headers)
    assert reported.status_code == 201
    details = [e.detail or "" for e in db.session.execute(select(AuditEntry).where(
        AuditEntry.record_id == str(household.id))).scalars()]
    assert sum("Amina Diallo" in d and "Rose Martin" in d for d in details) >= 3
