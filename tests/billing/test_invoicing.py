"""Billing runs: drafts, proration, idempotence, numbering, credit notes, payments."""

from datetime import date

import pytest
from sqlalchemy import func, select

from billing import accounts, invoices, payments, reports, runs, tariffs
from billing.choices import InvoiceStatus
from billing.models import Invoice, InvoiceLine, Tier
from isp.errors import DomainError
from tests import factories
from tests.billing.factories import billed_household, grid, issue


def _invoice(household, period="2026-10"):
    return factories.db.session.execute(select(Invoice).where(
        Invoice.household_id == household.id, Invoice.period == period)).scalar_one()


def test_run_prepares_one_prorated_draft_per_household(db):
    whole = billed_household(tier="T1")
    half = billed_household(tier="T3", activated_on=date(2026, 10, 17))   # 15 of 31 days
    two = billed_household(tier="T2")
    factories.make_subscription(household=two, tier="T2", activated_on=date(2026, 1, 1),
                                terminated_on=date(2026, 10, 11))          # 10 days
    gone = billed_household(tier="T1", activated_on=date(2026, 1, 1))
    gone.subscriptions[0].terminated_on = date(2026, 10, 1)                # 0 days: no invoice
    result = runs.prepare_invoices("2026-10", actor=None)
    assert (result.invoices, result.lines) == (3, 4)
    assert _invoice(whole).total_cents == 290
    assert _invoice(half).total_cents == 479                 # 990 × 15 / 31 = 479.03
    assert _invoice(two).total_cents == 590 + 190            # 590 × 10 / 31 = 190.32
    assert _invoice(two).full_cost_cents == 2500 + 806       # 2500 × 10 / 31 = 806.45
    assert _invoice(whole).vat_cents == 48
    assert _invoice(whole).number is None and _invoice(whole).status == InvoiceStatus.DRAFT
    assert db.session.execute(select(Invoice).where(Invoice.household_id == gone.id)).first() \
        is None


def test_second_billing_run_and_issue_create_nothing(db):
    billed_household()
    billed_household()
    first = runs.prepare_invoices("2026-10", actor=None)
    again = runs.prepare_invoices("2026-10", actor=None)
    assert (first.invoices, again.invoices, again.lines) == (2, 0, 0)
    issued = runs.issue_invoices("2026-10", actor=None, issued_on=date(2026, 11, 2))
    reissued = runs.issue_invoices("2026-10", actor=None, issued_on=date(2026, 11, 2))
    assert (issued.issued, reissued.issued) == (2, 0)
    assert runs.prepare_invoices("2026-10", actor=None).lines == 0
    count = db.session.execute(select(func.count()).select_from(InvoiceLine)).scalar_one()
    assert count == 2


def test_issue_numbers_without_gaps_and_skips_zero_totals(db):
    grid()
    tier = db.session.execute(select(Tier).where(Tier.code == "T1")).scalar_one()
    households = [billed_household() for _ in range(3)]
    free = billed_household(tier="T1")
    tier.prices[0].price_cents = 0
    result = issue("2026-10", date(2026, 11, 3))
    assert (result.issued, result.skipped) == (3, 1)
    numbers = sorted(_invoice(h).number for h in households)
    tail = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert all(n.startswith("FA-2026-") for n in numbers)
    assert tail == list(range(tail[0], tail[0] + 3))
    assert _invoice(households[0]).due_on == date(2026, 12, 3)
    assert _invoice(free).number is None
    later = billed_household()
    runs.prepare_invoices("2026-10", actor=None)
    runs.issue_invoices("2026-10", actor=None, issued_on=date(2026, 11, 4))
    assert int(_invoice(later).number.rsplit("-", 1)[1]) == tail[-1] + 1


@pytest.mark.parametrize(("period", "message"), [
    ("2026-11", "pas terminée"), ("2030-01", "pas terminée"), ("2026-13", "invalide"),
    ("nov", "invalide"),
])
@pytest.mark.clock("2026-11-20T10:00:00+01:00")  # 2026-11 is the month under way
def test_bad_periods_are_refused(db, period, message):
    with pytest.raises(DomainError, match=message):
        runs.prepare_invoices(period, actor=None)


def test_issue_refuses_a_date_before_an_earlier_issue(db):
    billed_household()
    issue("2026-09", date(2026, 11, 5))
    billed_household()
    runs.prepare_invoices("2026-10", actor=None)
    with pytest.raises(DomainError, match="chronologique"):
        runs.issue_invoices("2026-10", actor=None, issued_on=date(2026, 11, 4))


def test_price_change_applies_from_next_period_and_past_invoices_keep_theirs(db):
    household = billed_household(tier="T3")
    issue("2026-09", date(2026, 10, 2))
    admin = factories.make_user("admin")
    tier = tariffs.get_tier("T3")
    tariffs.update_tier(tier, actor=admin, label=tier.label, rule_text=tier.rule_text,
                         price_cents=1090, on=date(2026, 10, 15))
    assert tariffs.prices_for_period("2026-10")["T3"] == 990
    assert tariffs.prices_for_period("2026-11")["T3"] == 1090
    assert _invoice(household, "2026-09").total_cents == 990
    runs.prepare_invoices("2026-10", actor=None)
    assert _invoice(household, "2026-10").total_cents == 990


def test_payments_go_to_the_oldest_invoice_and_overpayment_is_credit(db):
    household = billed_household(tier="T3")
    issue("2026-08", date(2026, 9, 2))
    issue("2026-09", date(2026, 10, 2))
    operator = factories.make_user("operator")
    payments.record_payment(household, actor=operator, amount_cents=1200, method="cash",
                            received_on=date(2026, 10, 20))
    august, september = _invoice(household, "2026-08"), _invoice(household, "2026-09")
    assert (august.status, august.paid_cents) == (InvoiceStatus.PAID, 990)
    assert (september.status, september.paid_cents) == (InvoiceStatus.PARTIALLY_PAID, 210)
    payments.record_payment(household, actor=operator, amount_cents=1000, method="transfer",
                            received_on=date(2026, 10, 21))
    balance = accounts.balance(household.id)
    assert (balance.due_cents, balance.credit_cents, balance.balance_cents) == (0, 220, -220)
    issue("2026-10", date(2026, 11, 2))
    october = _invoice(household, "2026-10")
    assert (october.paid_cents, october.status) == (220, InvoiceStatus.PARTIALLY_PAID)
    entries = accounts.statement(household.id)
    assert [e.running_cents for e in entries][-1] == 990 * 3 - 2200


@pytest.mark.parametrize(("amount", "method", "received", "field"), [
    (-100, "cash", date(2026, 10, 1), "amount_cents"),
    (0, "cash", date(2026, 10, 1), "amount_cents"),
    (100, "cheque", date(2026, 10, 1), "method"), (100, "cash", date(2031, 1, 1), "received_on"),
])
def test_bad_payments_are_refused(db, amount, method, received, field):
    household = billed_household()
    with pytest.raises(DomainError) as error:
        payments.record_payment(household, actor=None, amount_cents=amount, method=method,
                                received_on=received)
    assert error.value.field == field


def test_credit_note_corrects_without_changing_the_invoice(db):
    household = billed_household(tier="T3")
    issue("2026-09", date(2026, 10, 2))
    invoice = _invoice(household, "2026-09")
    payments.record_payment(household, actor=None, amount_cents=990, method="card",
                            received_on=date(2026, 10, 3))
    note = invoices.issue_credit_note(invoice, actor=None, amount_cents=300,
                                      reason="Panne de 9 jours", issued_on=date(2026, 10, 5))
    assert note.number.startswith("AV-2026-")
    assert invoice.total_cents == 990 and invoice.status == InvoiceStatus.PAID
    assert accounts.balance(household.id).credit_cents == 300
    with pytest.raises(DomainError, match="dépasse"):
        invoices.issue_credit_note(invoice, actor=None, amount_cents=700, reason="x")


def test_billing_figures_count_households(db):
    household = billed_household(tier="T1")
    billed_household(tier="T3")
    issue("2026-09", date(2026, 10, 2))
    payments.record_payment(household, actor=None, amount_cents=290, method="cash",
                            received_on=date(2026, 11, 10))
    figures = reports.billing_figures(building_code=None, district_code=None, period="2026-09")
    assert figures["households_billed"] >= 2
    own = reports.billing_figures(building_code=household.unit.building.code,
                                   district_code=None, period="2026-09")
    assert own == {"period": "2026-09", "invoiced_cents": 290, "collected_cents": 0,
                   "households_billed": 1, "households_in_arrears": 0,
                   "subsidy_cents": 2500 - 290}


def test_invoice_lists_hold_the_rows_of_the_query_joined_to_flats(db):
    """``invoices_query`` joins the flat and building only to filter by building (issue 23.3);
    every filter gives the rows the query joined to every invoice's flat gave."""
    from subscribers.models import Household, Unit

    building = factories.make_building()
    for index in range(3):
        unit = factories.make_unit(building=building) if index else factories.make_unit()
        billed_household(unit=unit, holder_name=f"Foyer {index}")
    issue("2026-09", date(2026, 10, 2))
    runs.prepare_invoices("2026-10", actor=None)   # drafts

    def joined(**filters):
        statement = invoices.invoices_query(**filters)
        if "building_code" not in filters:
            statement = statement.join(Household, Household.id == Invoice.household_id) \
                .join(Unit, Unit.id == Household.unit_id)
        return statement

    one = db.session.execute(select(Invoice.household_id).limit(1)).scalar_one()
    for filters in ({}, {"include_drafts": True}, {"period": "2026-09"}, {"status": "issued"},
                    {"household_id": one}, {"search": "Foyer 1"},
                    {"building_code": building.code}):
        rows = db.session.execute(invoices.invoices_query(**filters)).scalars().all()
        assert rows == db.session.execute(joined(**filters)).scalars().all(), filters
        # The lists' statements, built once per set of filters, with each call's values.
        found = invoices.invoice_list((Invoice.id,), **filters)
        assert db.session.execute(found.rows, found.values).scalars().all() == [
            row.id for row in rows], filters
        assert db.session.execute(select(func.count()).select_from(
            found.count_rows.subquery()), found.values).scalar_one() == len(rows), filters
    assert len(db.session.execute(invoices.invoices_query(building_code=building.code))
               .scalars().all()) == 2
    assert len(db.session.execute(invoices.invoices_query(include_drafts=True))
               .scalars().all()) == 6
