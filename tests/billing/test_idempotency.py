"""A repeated submission creates money once (issue 19.2), and the tariff API (DESIGN §5)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from billing import tariffs
from billing.models import Invoice, InvoiceLine, Payment
from tests.billing.factories import billed_household, issue


def _payments(db, household) -> int:
    return db.session.execute(select(func.count(Payment.id)).where(
        Payment.household_id == household.id)).scalar_one()


def _token(page: str) -> str:
    return re.search(r'name="submission_token" value="([^"]+)"', page).group(1)


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_a_payment_form_sent_twice_records_one_payment(client, login_as, db):
    login_as("operator")
    household = billed_household()
    url = f"/billing/households/{household.id}/payments/new"
    data = {"amount": "5.90", "method": "cash", "received_on": "2026-12-04", "reference": "",
            "submission_token": _token(client.get(url).get_data(as_text=True))}

    first = client.post(url, data=data)
    second = client.post(url, data=data)

    assert first.status_code == 302
    assert second.status_code == 303
    assert second.location == first.location          # shown the result of the first
    assert _payments(db, household) == 1
    page = client.get(second.location).get_data(as_text=True)
    assert "déjà été envoyé" in page
    # a new rendering of the form is a new submission
    data["submission_token"] = _token(client.get(url).get_data(as_text=True))
    assert client.post(url, data=data).status_code == 302
    assert _payments(db, household) == 2


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_a_form_refused_for_bad_input_can_be_corrected_and_sent(client, login_as, db):
    login_as("operator")
    household = billed_household()
    url = f"/billing/households/{household.id}/payments/new"
    token = _token(client.get(url).get_data(as_text=True))
    bad = client.post(url, data={"amount": "-1", "method": "cash", "received_on": "2026-12-04",
                                 "submission_token": token})
    assert bad.status_code == 400 and _payments(db, household) == 0
    good = client.post(url, data={"amount": "1", "method": "cash",
                                  "received_on": "2026-12-04",
                                  "submission_token": _token(bad.get_data(as_text=True))})
    assert good.status_code == 302 and _payments(db, household) == 1


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_the_same_idempotency_key_returns_the_same_payment(client, api_as, db):
    _user, headers = api_as("operator")
    household = billed_household()
    body = {"household_id": household.id, "amount_cents": 590, "method": "card",
            "received_on": "2026-12-04"}
    keyed = {**headers, "Idempotency-Key": "caisse-42-0001"}

    first = client.post("/api/v1/payments", json=body, headers=keyed)
    second = client.post("/api/v1/payments", json=body, headers=keyed)

    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _payments(db, household) == 1
    other = client.post("/api/v1/payments", json={**body, "amount_cents": 100}, headers=keyed)
    assert other.status_code == 422
    assert other.get_json()["field"] == "Idempotency-Key"
    assert _payments(db, household) == 1
    # without a key, or with another one, each call records its payment
    assert client.post("/api/v1/payments", json=body, headers=headers).status_code == 201
    assert client.post("/api/v1/payments", json=body,
                       headers={**headers, "Idempotency-Key": "caisse-42-0002"}
                       ).status_code == 201
    assert _payments(db, household) == 3


def test_an_idempotency_key_belongs_to_its_user(client, api_as, db):
    household = billed_household()
    body = {"household_id": household.id, "amount_cents": 100, "method": "cash",
            "received_on": "2026-11-04"}
    for role in ("operator", "operator"):
        _user, headers = api_as(role)
        response = client.post("/api/v1/payments", json=body,
                               headers={**headers, "Idempotency-Key": "same"})
        assert response.status_code == 201
    assert _payments(db, household) == 2
    _user, headers = api_as("operator")
    too_long = client.post("/api/v1/payments", json=body,
                           headers={**headers, "Idempotency-Key": "x" * 300})
    assert too_long.status_code == 400 and too_long.get_json()["field"] == "Idempotency-Key"


# --- tariffs ----------------------------------------------------------------------------------

@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_a_price_set_from_a_month_is_the_price_of_that_months_invoices(client, api_as, db):
    household = billed_household(tier="T1")
    _admin, headers = api_as("admin")
    response = client.put("/api/v1/tariffs/T1", headers=headers,
                          json={"monthly_price_cents": 350, "valid_from": "2026-11"})
    assert response.status_code == 200, response.get_json()
    assert {"valid_from": "2026-11", "monthly_price_cents": 350} in response.get_json()["prices"]
    assert tariffs.prices_for_period("2026-11")["T1"] == 350
    assert tariffs.prices_for_period("2026-10")["T1"] == 290

    issue("2026-11", date(2026, 12, 1))
    invoice = db.session.execute(select(Invoice).where(
        Invoice.household_id == household.id, Invoice.period == "2026-11")).scalar_one()
    assert invoice.total_cents == 350
    assert [line.unit_price_cents for line in db.session.execute(select(InvoiceLine).where(
        InvoiceLine.invoice_id == invoice.id)).scalars()] == [350]
    # an invoiced month never changes
    again = client.put("/api/v1/tariffs/T1", headers=headers,
                       json={"monthly_price_cents": 400, "valid_from": "2026-11"})
    assert again.status_code == 409 and again.get_json()["field"] == "valid_from"
    listing = client.get("/api/v1/tariffs", headers=headers).get_json()
    assert {"items", "total", "total_exact", "page", "per_page"} <= set(listing)


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"monthly_price_cents": "350", "valid_from": "2027-01"}, 400, "monthly_price_cents"),
    ({"monthly_price_cents": -1, "valid_from": "2027-01"}, 422, "monthly_price_cents"),
    ({"monthly_price_cents": 10_000_000, "valid_from": "2027-01"}, 422, "monthly_price_cents"),
    ({"monthly_price_cents": 350, "valid_from": "2027-13"}, 400, "valid_from"),
    ({"monthly_price_cents": 350}, 400, "valid_from"),
    ({"monthly_price_cents": 350, "valid_from": "2027-01", "vat": 1}, 400, "vat"),
])
def test_bad_tariff_changes_are_refused_and_change_nothing(client, api_as, db, body, status,
                                                          field):
    billed_household(tier="T1")
    _admin, headers = api_as("admin")
    response = client.put("/api/v1/tariffs/T1", headers=headers, json=body)
    assert (response.status_code, response.get_json()["field"]) == (status, field)
    assert tariffs.prices_for_period("2027-01")["T1"] == 290


def test_only_an_admin_sets_a_price_and_unknown_tiers_are_404(client, api_as, db):
    billed_household(tier="T1")
    _operator, headers = api_as("operator")
    body = {"monthly_price_cents": 350, "valid_from": "2027-01"}
    assert client.put("/api/v1/tariffs/T1", headers=headers, json=body).status_code == 403
    _admin, headers = api_as("admin")
    assert client.put("/api/v1/tariffs/T9", headers=headers, json=body).status_code == 404


def test_old_tokens_and_keys_are_forgotten_by_the_daily_job(db):
    from datetime import timedelta

    from billing.jobs import forget_submissions
    from isp.idempotency import IdempotencyKey, SubmissionToken
    from isp.timeutil import utcnow

    old = utcnow() - timedelta(days=3)
    db.session.add_all([SubmissionToken(token="old", path="/x", created_at=old),
                        SubmissionToken(token="new", path="/x"),
                        IdempotencyKey(user_id=1, key="k", request_digest="d", created_at=old)])
    db.session.flush()
    forget_submissions()
    assert db.session.execute(select(SubmissionToken.token).where(
        SubmissionToken.token.in_(("old", "new")))).scalars().all() == ["new"]
    assert db.session.execute(select(IdempotencyKey.id).where(
        IdempotencyKey.key == "k")).first() is None
