"""The month's run streamed by windows of households (issue 23.4): any window size bills the
same lines, totals, skips and anomalies; the issue numbers in SQL exactly as
``billing.numbering.format_number`` does, and announces each invoice it issued once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import literal, select

from billing import numbering, options, runs
from billing.models import Invoice, InvoiceLine, NumberCounter
from billing.options import TierRule
from isp import signals
from isp.extensions import db as _db
from tests import factories
from tests.billing.factories import billed_household, grid

CLOCK = pytest.mark.clock("2026-11-15T10:00:00+01:00")
PERIOD = "2026-10"


def _invoice(household) -> Invoice:
    invoice = _db.session.execute(select(Invoice).where(
        Invoice.household_id == household.id, Invoice.period == PERIOD)).scalar_one()
    _db.session.refresh(invoice)
    return invoice


@pytest.mark.parametrize("value", [1, 42, 999_999, 1_000_000, 12_345_678])
def test_the_invoice_number_in_sql_is_the_python_format(db, value):
    sql = db.session.execute(select(numbering.number_sql("FA", 2026, literal(value)))) \
        .scalar_one()
    assert sql == numbering.format_number("FA", 2026, value)


@CLOCK
@pytest.mark.parametrize("window", [1, 2, 3, 1000])
def test_any_window_size_bills_the_same_lines_skips_and_anomalies(db, window):
    operator = factories.make_user("operator")
    issued = billed_household(tier="T1")                       # issued before the test's run
    runs.prepare_invoices(PERIOD, actor=None)
    runs.issue_invoices(PERIOD, actor=None, issued_on=date(2026, 11, 2))
    drafted = billed_household(tier="T1")                      # a draft before the test's run
    runs.prepare_invoices(PERIOD, actor=None)
    factories.make_subscription(household=issued, tier="T2", activated_on=date(2026, 10, 1))
    factories.make_subscription(household=drafted, tier="T3",
                                activated_on=date(2026, 10, 17))     # 990 × 15/31 → 479
    two = billed_household(tier="T1")
    factories.make_subscription(household=two, tier="T2", activated_on=date(2026, 1, 1),
                                terminated_on=date(2026, 10, 11))   # 590 × 10/31 → 190
    with_option = billed_household(tier="T3")
    options.create_option({"code": "tel", "name": "Téléphonie fixe", "monthly_price_cents": 500,
                           "tiers": [TierRule("T3", "percent", 20)]},
                          actor=factories.make_user("admin"))
    options.add_option(with_option.subscriptions[0], "tel", actor=operator,
                       starts_on=date(2026, 9, 1))                  # 500 - 100 = 400
    no_price = billed_household(tier="TX")

    result = runs.prepare_invoices(PERIOD, actor=None, batch_size=window)

    assert (result.invoices, result.lines, result.skipped) == (2, 5, 2)
    assert result.total_cents == (290 + 190) + (990 + 400)
    assert result.anomalies == [
        "Paliers sans prix pour la période : TX",
        f"Foyer {issued.id} : facture déjà émise pour {PERIOD}, 1 ligne(s) à corriger par une "
        "nouvelle facture"]
    assert (_invoice(two).total_cents, _invoice(two).full_cost_cents,
            _invoice(two).vat_cents) == (480, 2500 + 806, 80)
    assert _invoice(with_option).total_cents == 1390
    assert [line.amount_cents for line in _invoice(with_option).option_lines] == [400]
    assert (_invoice(drafted).total_cents, len(_invoice(drafted).lines)) == (290 + 479, 2)
    assert len(_invoice(issued).lines) == 1 and _invoice(issued).number is not None
    assert _db.session.execute(select(Invoice).where(Invoice.household_id == no_price.id)) \
        .first() is None
    again = runs.prepare_invoices(PERIOD, actor=None, batch_size=window)
    assert (again.invoices, again.lines, again.skipped) == (0, 0, 2)
    lines = _db.session.execute(select(InvoiceLine.subscription_id)).scalars().all()
    assert len(lines) == len(set(lines)) == 6


@CLOCK
def test_the_issue_numbers_in_flat_order_past_six_digits_and_announces_each_once(db):
    grid()
    households = [billed_household() for _ in range(3)]
    runs.prepare_invoices(PERIOD, actor=None)
    db.session.add(NumberCounter(series="FA-2026", last_value=999_998))
    db.session.flush()
    announced: list[str] = []

    def receiver(invoice, **_kwargs):
        announced.append(invoice.number)

    signals.invoice_issued.connect(receiver)
    try:
        first = runs.issue_invoices(PERIOD, actor=None, issued_on=date(2026, 11, 2))
        later = billed_household()
        runs.prepare_invoices(PERIOD, actor=None)
        second = runs.issue_invoices(PERIOD, actor=None, issued_on=date(2026, 11, 2))
    finally:
        signals.invoice_issued.disconnect(receiver)

    by_flat = sorted(households, key=lambda household: (household.unit.code, household.id))
    assert [_invoice(h).number for h in by_flat] == [
        "FA-2026-999999", "FA-2026-1000000", "FA-2026-1000001"]
    assert (first.first_number, first.last_number) == ("FA-2026-999999", "FA-2026-1000001")
    assert _invoice(later).number == second.first_number == "FA-2026-1000002"
    assert sorted(announced) == sorted(["FA-2026-999999", "FA-2026-1000000", "FA-2026-1000001",
                                        "FA-2026-1000002"])
