"""Billing flows done as an operator does them (issue 18): start a month from the runs page,
read what comes next on the dunning page, record a payment far above the debt."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

pytestmark = pytest.mark.ui


@pytest.fixture
def operator_page(role_context):
    page = role_context("operator").new_page()
    yield page
    page.close()


def _error_beside(page, field: str) -> str:
    error = page.locator(f"main #{field}-err")
    expect(error, f"no error shown beside {field}").to_be_visible()
    assert page.locator(f"main #{field}").get_attribute("aria-describedby") == f"{field}-err"
    return error.inner_text()


def test_an_operator_prepares_the_last_month_from_the_runs_page(operator_page, live_server,
                                                                ui_app):
    from billing.models import Invoice
    from billing.money import add_months, period_of
    from isp.extensions import db
    from isp.timeutil import today

    page = operator_page
    page.goto(live_server + "/billing/runs")
    page.fill("main input[name=period]", "2026-13")
    page.get_by_role("button", name="Préparer le mois").click()
    assert "attendu AAAA-MM" in _error_beside(page, "period")
    this_month = period_of(today())
    page.fill("main input[name=period]", this_month)
    page.get_by_role("button", name="Préparer le mois").click()
    assert "pas terminée" in _error_beside(page, "period")

    last_month = period_of(add_months(today().replace(day=1), -1))
    page.fill("main input[name=period]", last_month)
    page.get_by_role("button", name="Préparer le mois").click()

    assert page.url.split("#")[0].endswith(f"/billing/runs/{last_month}")
    assert page.locator("main h1").inner_text() == f"Revue des brouillons — {last_month}"
    assert "brouillons préparés" in page.locator("main p.flash").first.inner_text()
    with ui_app.app_context():
        billed = db.session.execute(select(func.count(Invoice.id)).where(
            Invoice.period == last_month)).scalar_one()
    assert billed > 0
    # the review's buttons carry a one-time token: a double click issues nothing twice
    assert page.locator("main form input[name=submission_token]").count() >= 1


def test_the_dunning_page_says_what_comes_next_and_when(operator_page, live_server, ui_app):
    from billing import dunning
    from isp.extensions import db
    from subscribers.models import Household

    page = operator_page
    page.goto(live_server + "/billing/dunning")
    rows = page.locator("main table.next-steps tbody tr")
    assert rows.count() > 0
    with ui_app.app_context():
        ids = [row.household_id for row in db.session.execute(
            dunning.arrears_query().limit(rows.count())).all()]
        steps = dunning.next_steps(ids)
        names = {h.id: h.holder_name for h in db.session.execute(
            select(Household).where(Household.id.in_(ids))).scalars()}
    kinds = set()
    for index, household_id in enumerate(ids):
        text = rows.nth(index).inner_text()
        step = steps[household_id]
        kinds.add(step.hold or step.kind)
        assert names[household_id] in text
        if step.on is not None:
            assert step.on.strftime("%d/%m/%Y") in text, text
        if step.hold in ("fsl", "plan"):
            assert "en attente" in text, text
    # the demo has households held by an FSL request or a plan, and others with a dated step
    assert {"fsl", "plan"} <= kinds and kinds - {"fsl", "plan"}

    first = rows.first.locator("a").first
    first.click()
    assert "/statement" in page.url
    expect(page.locator("main p.next-step")).to_be_visible()


def test_a_payment_far_above_the_debt_is_confirmed_before_it_is_recorded(operator_page,
                                                                        live_server, ui_app):
    from billing import payments as billing_payments
    from billing.models import Invoice, Payment
    from isp.extensions import db

    with ui_app.app_context():
        household_id = db.session.execute(select(Invoice.household_id).order_by(
            Invoice.number.desc()).limit(1)).scalar_one()
        before = db.session.execute(select(func.count(Payment.id)).where(
            Payment.household_id == household_id)).scalar_one()
        limit = billing_payments.overpayment_limit_cents(household_id)
    page = operator_page
    url = f"{live_server}/billing/households/{household_id}/payments/new"
    page.goto(url)
    assert page.locator("main input[name=confirm_overpayment]").count() == 0

    page.fill("main input[name=amount]", "-5")
    page.get_by_role("button", name="Enregistrer").click()
    assert "positif" in _error_beside(page, "amount")

    amount = f"{(limit + 10_000) / 100:.2f}"
    page.fill("main input[name=amount]", amount)
    page.fill("main input[name=reference]", "UI-TROP-PERCU")
    page.get_by_role("button", name="Enregistrer").click()
    assert "confirmez" in _error_beside(page, "amount")
    confirm = page.locator("main input[name=confirm_overpayment]")
    expect(confirm).to_be_visible()
    confirm.check()
    page.get_by_role("button", name="Enregistrer").click()

    assert page.url.split("#")[0].endswith(f"/households/{household_id}/statement")
    assert "Paiement enregistré" in page.locator("main p.flash").first.inner_text()
    with ui_app.app_context():
        payments = db.session.execute(select(Payment).where(
            Payment.household_id == household_id)).scalars().all()
    assert len(payments) == before + 1
    recorded = [p for p in payments if p.reference == "UI-TROP-PERCU"]
    assert [p.amount_cents for p in recorded] == [limit + 10_000]
    assert re.search(r"Avoir disponible", page.locator("main").inner_text())
