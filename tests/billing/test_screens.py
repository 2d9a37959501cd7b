"""Billing screens that people use every day (issue 18): starting a month, the dunning page's
next steps, a payment far above the debt, one-time tokens on single-button forms."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from billing import accounts, dunning, runs
from billing.models import Invoice, Payment
from tests.billing.factories import billed_household, issue
from tests.statements import statements_of


def _token(page: str) -> str:
    return re.search(r'name="submission_token" value="([^"]+)"', page).group(1)


def _drafts(db, period: str) -> int:
    return db.session.execute(select(func.count(Invoice.id)).where(
        Invoice.period == period)).scalar_one()


def _payments(db, household) -> int:
    return db.session.execute(select(func.count(Payment.id)).where(
        Payment.household_id == household.id)).scalar_one()


# --- 18.2 starting a billing month -------------------------------------------------------------

@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_the_runs_page_prepares_a_month_and_lands_on_its_review(client, login_as, db):
    login_as("operator")
    billed_household()
    page = client.get("/billing/runs").get_data(as_text=True)
    assert 'method="post" action="/billing/runs"' in page and "2026-11" in page

    response = client.post("/billing/runs", data={"period": "2026-11",
                                                  "submission_token": _token(page)})

    assert response.status_code == 302
    assert response.location.endswith("/billing/runs/2026-11")
    assert _drafts(db, "2026-11") == 1
    review = client.get(response.location).get_data(as_text=True)
    assert "Revue des brouillons — 2026-11" in review and "1 brouillon préparé." in review


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
@pytest.mark.parametrize(("period", "message"), [
    ("2026-13", "attendu AAAA-MM"), ("nov. 2026", "attendu AAAA-MM"),
    ("2026-12", "pas terminée"), ("", "")])
def test_a_bad_or_unfinished_month_is_refused_beside_the_field(client, login_as, db, period,
                                                                message):
    login_as("operator")
    billed_household()
    response = client.post("/billing/runs", data={"period": period})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="period-err">([^<]*)</p>', page)
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in page
    assert _drafts(db, period) == 0


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_the_api_prepares_reviews_and_issues_a_month(client, api_as, db):
    _user, headers = api_as("operator")
    billed_household()
    prepared = client.post("/api/v1/billing-runs", json={"period": "2026-11"}, headers=headers)
    assert prepared.status_code == 201, prepared.get_json()
    assert prepared.get_json()["prepared"] == 1
    assert prepared.get_json()["review"]["drafts"] == 1
    again = client.post("/api/v1/billing-runs", json={"period": "2026-11"}, headers=headers)
    assert again.status_code == 200 and again.get_json()["prepared"] == 0
    assert client.get("/api/v1/billing-runs/2026-11", headers=headers).get_json()["drafts"] == 1
    issued = client.post("/api/v1/billing-runs/2026-11/issue", headers=headers)
    assert issued.status_code == 201 and issued.get_json()["issued"] == 1
    assert issued.get_json()["first_number"] == "FA-2026-000001"


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
@pytest.mark.parametrize(("body", "status", "field"), [
    ({"period": "2026-12"}, 422, "period"), ({"period": "2026-1"}, 400, "period"),
    ({"period": 202611}, 400, "period"), ({}, 400, "period"),
    ({"period": "2026-11", "issue": True}, 400, "issue")])
def test_the_api_refuses_a_bad_month_like_the_page(client, api_as, db, body, status, field):
    _user, headers = api_as("operator")
    billed_household()
    response = client.post("/api/v1/billing-runs", json=body, headers=headers)
    assert response.status_code == status
    assert response.get_json()["field"] == field
    assert _drafts(db, "2026-11") == 0


# --- 18.5 the dunning page says what comes next ------------------------------------------------

@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_the_dunning_page_shows_each_households_next_step_and_date(client, login_as, db):
    from tests import factories

    login_as("operator")
    late = billed_household(tier="T2", holder_name="Foyer Relancé")
    held = billed_household(tier="T2", holder_name="Foyer Aidé")
    issue("2026-08", date(2026, 9, 2))   # due 2026-10-02
    for day in (date(2026, 10, 17), date(2026, 11, 1)):
        dunning.run_dunning(on=day)
    dunning.file_fsl_request(held, actor=factories.make_user("operator"),
                             filed_on=date(2026, 11, 20))

    page = client.get("/billing/dunning").get_data(as_text=True)

    row = re.search(r"Foyer Relancé</a></td>(.*?)</tr>", page, re.S).group(1)
    # J+60 was Tuesday 1st: the pass makes it today (Friday), an operator approves it Monday.
    assert "proposition de débit réduit" in row and "04/12/2026" in row
    assert "approbation possible à partir du 07/12/2026" in row
    held_row = re.search(r"Foyer Aidé</a></td>(.*?)</tr>", page, re.S).group(1)
    assert "demande FSL en cours" in held_row and "/2026" not in held_row
    statement = client.get(f"/billing/households/{late.id}/statement").get_data(as_text=True)
    assert "Prochaine étape" in statement and "07/12/2026" in statement


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_the_next_steps_api_lists_households_in_arrears(client, api_as, db):
    _user, headers = api_as("operator")
    household = billed_household(tier="T2")
    issue("2026-08", date(2026, 9, 2))
    body = client.get("/api/v1/dunning/next-steps", headers=headers).get_json()
    assert body["total"] == 1
    assert body["items"][0] == {
        "household_id": household.id, "invoice_number": "FA-2026-000001",
        "due_on": "2026-10-02", "days_overdue": 63, "kind": "reminder", "on": "2026-12-04",
        "hold": None, "hold_until": None, "approvable_from": None}
    balance = client.get(f"/api/v1/households/{household.id}/balance", headers=headers)
    assert balance.get_json()["next_dunning_step"]["kind"] == "reminder"


# --- 18.10 a payment far above the debt is confirmed ------------------------------------------

@pytest.fixture
def owes_590(db):
    household = billed_household(tier="T2")
    issue("2026-11", date(2026, 12, 2))
    assert accounts.balance(household.id).balance_cents == 590
    return household


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_a_payment_far_above_the_debt_asks_for_confirmation(client, login_as, db, owes_590):
    login_as("operator")
    url = f"/billing/households/{owes_590.id}/payments/new"
    form = {"amount": "100000", "method": "cash", "received_on": "2026-12-04"}
    first = client.post(url, data={**form, "submission_token": _token(
        client.get(url).get_data(as_text=True))})
    assert first.status_code == 400 and _payments(db, owes_590) == 0
    page = first.get_data(as_text=True)
    error = re.search(r'<p class="error" id="amount-err">([^<]*)</p>', page).group(1)
    assert "5,90" in error and "confirmez" in error
    assert 'name="confirm_overpayment"' in page
    confirmed = re.search(r'name="confirmed_amount" type="hidden" value="(\d+)"', page)
    assert confirmed.group(1) == "10000000"

    # ticked for 100 000 €, but the amount typed again is 90 000 €: asked again
    changed = client.post(url, data={**form, "amount": "90000", "confirm_overpayment": "y",
                                     "confirmed_amount": "10000000",
                                     "submission_token": _token(page)})
    assert changed.status_code == 400 and _payments(db, owes_590) == 0

    done = client.post(url, data={**form, "confirm_overpayment": "y",
                                  "confirmed_amount": "10000000",
                                  "submission_token": _token(changed.get_data(as_text=True))})
    assert done.status_code == 302 and _payments(db, owes_590) == 1
    assert accounts.balance(owes_590.id).credit_cents == 10_000_000 - 590


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_a_payment_within_the_margin_needs_no_confirmation(client, login_as, db, owes_590):
    login_as("operator")
    url = f"/billing/households/{owes_590.id}/payments/new"
    page = client.get(url).get_data(as_text=True)
    assert 'name="confirm_overpayment"' not in page
    response = client.post(url, data={"amount": "55.90", "method": "card",   # 5,90 + 50 €
                                      "received_on": "2026-12-04",
                                      "submission_token": _token(page)})
    assert response.status_code == 302 and _payments(db, owes_590) == 1


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
@pytest.mark.parametrize(("amount", "message"), [
    ("-5", "positif"), ("0", "positif"), ("0.001", "positif"), ("", "montant")])
def test_zero_and_negative_amounts_are_refused_beside_the_field(client, login_as, db, owes_590,
                                                                amount, message):
    login_as("operator")
    response = client.post(f"/billing/households/{owes_590.id}/payments/new", data={
        "amount": amount, "method": "cash", "received_on": "2026-12-04"})
    assert response.status_code == 400 and _payments(db, owes_590) == 0
    error = re.search(r'<p class="error" id="amount-err">([^<]*)</p>',
                      response.get_data(as_text=True))
    assert error and message in error.group(1)


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_the_api_wants_an_explicit_confirmation_above_the_margin(client, api_as, db, owes_590):
    _user, headers = api_as("operator")
    body = {"household_id": owes_590.id, "amount_cents": 10_000_000, "method": "transfer",
            "received_on": "2026-12-04"}
    refused = client.post("/api/v1/payments", json=body, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["field"] == "confirm_overpayment"
    assert client.post("/api/v1/payments", json={**body, "confirm_overpayment": "yes"},
                       headers=headers).get_json()["field"] == "confirm_overpayment"
    assert client.post("/api/v1/payments", json={**body, "amount_cents": 5590},
                       headers=headers).status_code == 201
    assert client.post("/api/v1/payments", json={**body, "confirm_overpayment": True},
                       headers=headers).status_code == 201
    assert client.post("/api/v1/payments", json={**body, "amount_cents": -100},
                       headers=headers).get_json()["field"] == "amount_cents"
    assert _payments(db, owes_590) == 2


# --- one-time tokens on single-button forms ----------------------------------------------------

@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_single_button_forms_carry_a_one_time_token(client, login_as, db):
    login_as("operator")
    billed_household()
    runs.prepare_invoices("2026-11", actor=None)
    review = client.get("/billing/runs/2026-11").get_data(as_text=True)
    assert review.count('name="submission_token"') == 2
    url = "/billing/runs/2026-11/issue"
    data = {"submission_token": _token(review)}
    first, second = client.post(url, data=data), client.post(url, data=data)
    assert first.status_code == 302 and second.status_code == 303
    assert second.location == first.location


def test_a_booking_form_sent_twice_books_once(client, login_as, db):
    from mediation.models import Booking
    from tests import factories
    from tests.mediation.factories import make_slot

    association = factories.make_association()
    login_as("mediator", association=association)
    household = factories.make_household(association=association)
    slot = make_slot(association, capacity=3)
    page = client.get(f"/mediation/slots/{slot.id}").get_data(as_text=True)
    data = {"household_id": household.id, "submission_token": _token(page)}

    first = client.post(f"/mediation/slots/{slot.id}/book", data=data)
    second = client.post(f"/mediation/slots/{slot.id}/book", data=data)

    assert first.status_code == 302 and second.status_code == 303
    assert db.session.execute(select(func.count(Booking.id)).where(
        Booking.slot_id == slot.id)).scalar_one() == 1


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_a_refused_statement_form_comes_back_to_the_page_saying_why(client, login_as, db):
    login_as("operator")
    household = billed_household()
    db.session.commit()  # the refusal rolls back the request's work, not the household
    url = f"/billing/households/{household.id}/postpone"
    response = client.post(url, data={"until": "2026-12-01", "reason": "Hospitalisation"})
    assert response.status_code == 303       # a browser follows it (a 400 redirect it does not)
    page = client.get(response.location).get_data(as_text=True)
    assert re.search(r'<p class="flash error"[^>]*>La date de report doit être dans le futur',
                     page)
    empty = client.post(url, data={})
    assert empty.status_code == 303
    assert "Reporter jusqu&#39;au" in client.get(empty.location).get_data(as_text=True)


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_the_dunning_page_asks_eight_statements_whatever_the_households(client, login_as, db):
    """Session, proposals with their households, count, page with the holders' names, the three
    of ``next_steps``, pending FSL requests (issue 23.3: names, proposals' households and two
    of the holds each cost one more)."""
    login_as("operator")
    billed_household(tier="T2", holder_name="Foyer Proposé")
    issue("2026-08", date(2026, 9, 2))
    for day in (date(2026, 10, 17), date(2026, 11, 1), date(2026, 12, 1)):
        dunning.run_dunning(on=day)
    client.get("/billing/dunning")  # the session's first request records its use
    assert statements_of(lambda: client.get("/billing/dunning")) == 8
    for name in ("Foyer Un", "Foyer Deux", "Foyer Trois"):
        billed_household(tier="T2", holder_name=name)
    issue("2026-09", date(2026, 10, 2))
    assert statements_of(lambda: client.get("/billing/dunning")) == 8
    page = client.get("/billing/dunning").get_data(as_text=True)
    # The proposal names its household; the arrears list names each household.
    proposal = re.search(r"<li><a href=\"[^\"]*\">Foyer Proposé</a> — 6\d jours", page)
    assert proposal is not None, page
    for name in ("Foyer Un", "Foyer Deux", "Foyer Trois", "Foyer Proposé"):
        assert f"{name}</a></td>" in page
