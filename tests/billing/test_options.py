"""The catalogue of options (issue 22.3): the subsidy rule per tier, eligibility, dated
periods, one invoice line per subscription/option/month with its share and subsidy."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from billing import options, reports, runs
from billing.models import Invoice
from billing.models_options import InvoiceOptionLine, SubscriptionOption
from billing.options import TierRule
from evaluation.models import Scenario
from isp.errors import DomainError
from isp.extensions import db as _db
from tests import factories
from tests.billing.factories import billed_household, grid

CLOCK = pytest.mark.clock("2026-11-15T10:00:00+01:00")


def telephony(**overrides):
    """Fixed telephony at 5,00 €: T1 gets 3,00 € of aid a month, T3 a fifth of the price."""
    grid()
    values = {"code": "tel", "name": "Téléphonie fixe", "monthly_price_cents": 500,
              "tiers": [TierRule("T1", "cents", 300), TierRule("T3", "percent", 20)],
              **overrides}
    return options.create_option(values, actor=factories.make_user("admin"))


def _invoice(household, period="2026-10"):
    return _db.session.execute(select(Invoice).where(
        Invoice.household_id == household.id, Invoice.period == period)).scalar_one()


@pytest.mark.parametrize(("price", "rule", "subsidy"), [
    (500, TierRule("T1", "cents", 300), 300),
    (500, TierRule("T1", "cents", 800), 500),          # never above the price
    (995, TierRule("T1", "percent", 15), 149),         # 149.25 → 149
    (995, TierRule("T1", "percent", 50), 498),         # 497.5 → 498 (half-up)
    (995, TierRule("T1", "percent", 0), 0)])
def test_the_subsidy_is_a_fixed_amount_or_a_share_rounded_half_up(price, rule, subsidy):
    assert options.monthly_subsidy(price, rule) == subsidy


@CLOCK
def test_a_run_bills_one_prorated_line_per_option_with_its_subsidy(db):
    option = telephony()
    t1 = billed_household(tier="T1")
    t3 = billed_household(tier="T3")
    operator = factories.make_user("operator")
    options.add_option(t1.subscriptions[0], "TEL", actor=operator, starts_on="2026-10-17")
    options.add_option(t3.subscriptions[0], "tel", actor=operator, starts_on=date(2026, 9, 1))

    result = runs.prepare_invoices("2026-10", actor=None)

    assert (result.invoices, result.lines) == (2, 4)
    first = _invoice(t1)
    [line] = first.option_lines
    # 15 of 31 days: share (5,00 - 3,00) × 15/31 = 96.77 → 97; price 500 × 15/31 = 241.9 → 242
    assert (line.option_code, line.days, line.amount_cents, line.full_cost_cents,
            line.subsidy_cents) == ("TEL", 15, 97, 242, 145)
    assert first.total_cents == 290 + 97 and first.full_cost_cents == 2500 + 242
    assert first.vat_cents == 65                      # 387 × 20/120 = 64.5 → 65
    third = _invoice(t3)
    assert third.total_cents == 990 + 400 and third.option_lines[0].monthly_subsidy_cents == 100
    assert option.rule_for("T2") is None

    again = runs.prepare_invoices("2026-10", actor=None)
    assert (again.invoices, again.lines) == (0, 0)
    assert _db.session.execute(select(func.count()).select_from(InvoiceOptionLine)) \
        .scalar_one() == 2


@CLOCK
def test_an_option_added_to_a_drafted_month_joins_the_draft_and_its_totals(db):
    telephony()
    household = billed_household(tier="T1")
    runs.prepare_invoices("2026-10", actor=None)
    assert _invoice(household).total_cents == 290
    held = options.add_option(household.subscriptions[0], "TEL",
                              actor=factories.make_user("operator"), starts_on="2026-10-01")
    options.end_option(held, actor=factories.make_user("operator"), ends_on="2026-10-11")
    result = runs.prepare_invoices("2026-10", actor=None)
    invoice = _invoice(household)
    _db.session.refresh(invoice)
    assert result.lines == 1 and invoice.option_lines[0].days == 10
    assert invoice.total_cents == 290 + 65            # 200 × 10/31 = 64.5 → 65
    # Dropping the drafts drops their option lines too; a new run bills them again.
    runs.discard_drafts("2026-10", actor=factories.make_user("operator"))
    assert runs.prepare_invoices("2026-10", actor=None).lines == 2


@CLOCK
def test_a_terminated_subscription_holds_its_options_no_more(db):
    from subscribers.lifecycle import terminate

    telephony()
    household = billed_household(tier="T1")
    subscription = household.subscriptions[0]
    operator = factories.make_user("operator")
    held = options.add_option(subscription, "TEL", actor=operator, starts_on="2026-10-01")
    terminate(subscription, actor=operator, reason="déménagement", on=date(2026, 11, 10))
    assert (held.ends_on, held.ended_by_id) == (date(2026, 11, 10), operator.id)
    assert options.held_options(subscription.id, on=date(2026, 11, 9)) == [held]
    assert options.held_options(subscription.id) == []          # the 15th: ended
    assert options.holders(options.get_option("TEL")) == []
    # An option ended earlier keeps its own end.
    other = billed_household(tier="T1").subscriptions[0]
    early = options.add_option(other, "TEL", actor=operator, starts_on="2026-10-01")
    options.end_option(early, actor=operator, ends_on="2026-11-02")
    terminate(other, actor=operator, reason="déménagement", on=date(2026, 11, 12))
    assert early.ends_on == date(2026, 11, 2)


@CLOCK
def test_a_tier_no_longer_open_bills_nothing_and_says_so(db):
    telephony()
    household = billed_household(tier="T1")
    options.add_option(household.subscriptions[0], "TEL", actor=factories.make_user("operator"),
                       starts_on="2026-10-01")
    household.subscriptions[0].tier = "T2"
    result = runs.prepare_invoices("2026-10", actor=None)
    assert result.skipped == 1 and any("TEL" in text for text in result.anomalies)
    assert _invoice(household).option_lines == []


@CLOCK
def test_eligibility_dates_and_double_adds_are_checked_in_one_place(db):
    telephony()
    operator = factories.make_user("operator")
    t2 = billed_household(tier="T2")
    with pytest.raises(DomainError, match="palier T2") as refused:
        options.add_option(t2.subscriptions[0], "TEL", actor=operator)
    assert refused.value.field == "option_code"
    household = billed_household(tier="T1")
    subscription = household.subscriptions[0]
    with pytest.raises(DomainError) as future:
        options.add_option(subscription, "TEL", actor=operator, starts_on="2026-11-16")
    assert future.value.field == "starts_on"
    with pytest.raises(DomainError) as unknown:
        options.add_option(subscription, "VOD", actor=operator)
    assert unknown.value.status == 404
    held = options.add_option(subscription, "TEL", actor=operator)
    with pytest.raises(DomainError) as twice:
        options.add_option(subscription, "TEL", actor=operator)
    assert twice.value.status == 409
    with pytest.raises(DomainError) as backwards:
        options.end_option(held, actor=operator, ends_on="2026-11-01")
    assert backwards.value.field == "ends_on"
    options.end_option(held, actor=operator)
    assert options.end_option(held, actor=operator, ends_on="2026-11-14").ends_on \
        == date(2026, 11, 15)                           # a second removal changes nothing
    assert options.held_options(subscription.id) == []


@CLOCK
def test_a_date_in_a_month_already_invoiced_is_refused(db):
    telephony()
    household = billed_household(tier="T1")
    runs.prepare_invoices("2026-10", actor=None)
    runs.issue_invoices("2026-10", actor=None, issued_on=date(2026, 11, 2))
    with pytest.raises(DomainError) as refused:
        options.add_option(household.subscriptions[0], "TEL",
                           actor=factories.make_user("operator"), starts_on="2026-10-20")
    assert refused.value.status == 409 and refused.value.field == "starts_on"
    assert _db.session.execute(select(SubscriptionOption)).first() is None


@pytest.mark.parametrize(("overrides", "field"), [
    ({"monthly_price_cents": -1}, "monthly_price_cents"),
    ({"monthly_price_cents": 20_001}, "monthly_price_cents"),
    ({"tiers": [TierRule("T9", "cents", 0)]}, "tiers.T9"),
    ({"tiers": [TierRule("T1", "percent", 101)]}, "tiers.T1"),
    ({"tiers": [TierRule("T1", "cents", 501)]}, "tiers.T1"),
    ({"tiers": [TierRule("T1", "cents", 1), TierRule("T1", "cents", 2)]}, "tiers.T1"),
    ({"switch_need": "vlan"}, "vlan_id"),
    ({"switch_need": "vlan", "vlan_id": 100}, "vlan_id"),      # the subscribers' VLAN
    ({"switch_need": "vlan", "vlan_id": 4095}, "vlan_id"),
    ({"switch_need": "policy", "policy_name": "PM-8M"}, "policy_name"),
    ({"switch_need": "policy", "policy_name": "bad name"}, "policy_name"),
    ({"code": "T EL"}, "code")])
def test_bad_options_are_refused_on_the_field_at_fault(db, overrides, field):
    with pytest.raises(DomainError) as refused:
        telephony(**overrides)
    assert refused.value.field == field


def test_codes_are_unique(db):
    telephony()
    with pytest.raises(DomainError) as twice:
        telephony(code="TEL")
    assert twice.value.status == 409


@CLOCK
def test_the_invoice_page_pdf_and_api_show_the_option_line(client, login_as, api_as, db):
    telephony()
    household = billed_household(tier="T1")
    options.add_option(household.subscriptions[0], "TEL", actor=factories.make_user("operator"),
                       starts_on="2026-10-01")
    runs.prepare_invoices("2026-10", actor=None)
    runs.issue_invoices("2026-10", actor=None, issued_on=date(2026, 11, 2))
    invoice = _invoice(household)
    _user, headers = api_as("operator")
    listed = client.get("/api/v1/invoices?period=2026-10", headers=headers).get_json()
    [line] = listed["items"][0]["option_lines"]
    assert (line["option_code"], line["amount_cents"], line["subsidy_cents"],
            line["full_cost_cents"]) == ("TEL", 200, 300, 500)
    assert listed["items"][0]["total_cents"] == 490
    login_as("operator")
    page = client.get(f"/billing/invoices/{invoice.number}").get_data(as_text=True)
    assert "Téléphonie fixe" in page and "3,00" in page
    pdf = client.get(f"/billing/invoices/{invoice.number}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_demo_shows_telephony_on_a_few_invoices(client, login_as, db):
    from isp.demo import seed_demo

    seed_demo()
    lines = _db.session.execute(select(InvoiceOptionLine)).scalars().all()
    households = {line.invoice.household_id for line in lines}
    assert 3 <= len(households) <= 6 and {line.option_name for line in lines} == \
        {"Téléphonie fixe"}
    assert any(line.days < line.days_in_month for line in lines)        # given up mid-month
    assert all(line.invoice.number for line in lines)                   # issued invoices
    # The invoice a person reads shows the option's line with its price and its aid.
    line = next(line for line in lines if line.subsidy_cents and line.days == line.days_in_month)
    login_as("operator")
    page = client.get(f"/billing/invoices/{line.invoice.number}").get_data(as_text=True)
    assert "Option Téléphonie fixe" in page
    assert "prix 5,00\u00a0€, aide" in page or "prix 5,00 €, aide" in page
    # The analysts' demo has a saved scenario with telephony, at billing's terms.
    scenario = _db.session.execute(select(Scenario).where(
        Scenario.name.contains("téléphonie"))).scalar_one()
    [effect] = json.loads(scenario.results)["options"]
    assert effect["code"] == "TEL" and effect["monthly_cost_cents"] > 0
    assert effect["monthly_subsidy_cents"] + effect["monthly_revenue_cents"] == \
        effect["monthly_cost_cents"]


@CLOCK
def test_the_ten_year_purge_takes_the_option_lines_with_their_invoice(db):
    from billing.retention import purge_expired_billing

    telephony()
    household = billed_household(tier="T1")
    options.add_option(household.subscriptions[0], "TEL", actor=factories.make_user("operator"),
                       starts_on="2026-10-01")
    runs.prepare_invoices("2026-10", actor=None)
    runs.issue_invoices("2026-10", actor=None, issued_on=date(2026, 11, 2))
    assert purge_expired_billing(date(2026, 11, 3)).invoices_deleted == 1
    assert _db.session.execute(select(InvoiceOptionLine)).first() is None


@CLOCK
def test_the_review_sums_the_option_lines_of_the_drafts(client, login_as, api_as, db):
    telephony()
    t1, t3 = billed_household(tier="T1"), billed_household(tier="T3")
    operator = factories.make_user("operator")
    for household in (t1, t3):
        options.add_option(household.subscriptions[0], "TEL", actor=operator,
                           starts_on="2026-10-01")
    runs.prepare_invoices("2026-10", actor=None)
    assert reports.review("2026-10").by_option == [("TEL", 2, 200 + 400, 300 + 100)]
    _user, headers = api_as("operator")
    reviewed = client.get("/api/v1/billing-runs/2026-10", headers=headers)
    assert reviewed.get_json()["by_option"] == [
        {"option_code": "TEL", "lines": 2, "amount_cents": 600, "subsidy_cents": 400}]
    login_as("operator")
    assert "Par option" in client.get("/billing/runs/2026-10").get_data(as_text=True)
