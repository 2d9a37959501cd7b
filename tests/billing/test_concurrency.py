"""Two billing runs and two issues started at once, on two real connections, on a committed
database: each invoice is issued once and the numbers have no gap. On PostgreSQL the counter row
is locked FOR UPDATE; on SQLite the database lock serialises the two writers.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from billing import runs as billing_runs
from billing import tariffs
from billing.models import BillingRun, Invoice, InvoiceLine, NumberCounter, Tier, TierPrice
from isp.extensions import db
from subscribers.models import Building, District, Household, Subscription, Unit
from tests.concurrency import race

HOUSEHOLDS = 120
PERIOD = "2026-10"
ISSUED_ON = date(2026, 11, 2)


def _seed() -> dict:
    created_grid = tariffs.ensure_default_grid()
    district = District(code="CONC-D", name="Concurrence", commune="Nantes")
    building = Building(code="CONC-B", name="Concurrence", address="1 rue", postcode="44000",
                        commune="Nantes", district=district, status="live")
    db.session.add_all([district, building])
    for index in range(HOUSEHOLDS):
        unit = Unit(code=f"CONC-{index:04d}", building=building, staircase="A", floor=1,
                    door=str(index))
        household = Household(unit=unit, holder_name=f"Foyer {index}",
                              moved_in_on=date(2025, 1, 1))
        db.session.add(Subscription(household=household, unit=unit, tier="T2",
                                    status="active", activated_on=date(2026, 1, 1)))
    before = db.session.get(NumberCounter, "FA-2026")
    db.session.commit()
    return {"grid": created_grid, "counter": before.last_value if before else None}


def _cleanup(state: dict) -> None:
    households = select(Household.id).join(Unit).where(Unit.code.like("CONC-%"))
    invoices = select(Invoice.id).where(Invoice.household_id.in_(households))
    db.session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(invoices)))
    db.session.execute(delete(Invoice).where(Invoice.household_id.in_(households)))
    db.session.execute(delete(Subscription).where(Subscription.household_id.in_(households)))
    db.session.execute(delete(Household).where(Household.id.in_(households)))
    db.session.execute(delete(Unit).where(Unit.code.like("CONC-%")))
    db.session.execute(delete(Building).where(Building.code == "CONC-B"))
    db.session.execute(delete(District).where(District.code == "CONC-D"))
    db.session.execute(delete(BillingRun).where(BillingRun.period == PERIOD))
    db.session.execute(delete(NumberCounter).where(NumberCounter.series == f"RUN-{PERIOD}"))
    if state.get("counter") is None:
        db.session.execute(delete(NumberCounter).where(NumberCounter.series == "FA-2026"))
    else:
        db.session.get(NumberCounter, "FA-2026").last_value = state["counter"]
    if state.get("grid"):
        db.session.execute(delete(TierPrice))
        db.session.execute(delete(Tier))
        from billing.models import Plan

        db.session.execute(delete(Plan))
    db.session.commit()


def test_two_concurrent_runs_and_issues_bill_once_without_gaps(app):
    with app.app_context():
        state = _seed()
    try:
        runs = race(app, lambda: billing_runs.prepare_invoices(PERIOD, actor=None))
        issues = race(app, lambda: billing_runs.issue_invoices(PERIOD, actor=None,
                                                            issued_on=ISSUED_ON))
        assert not [o for o in runs + issues if isinstance(o, Exception)], runs + issues
        assert sorted(r.invoices for r in runs) == [0, HOUSEHOLDS]
        assert sorted(r.issued for r in issues) == [0, HOUSEHOLDS]
        with app.app_context():
            numbers = db.session.execute(
                select(Invoice.number).join(Household).join(Unit)
                .where(Unit.code.like("CONC-%"))).scalars().all()
            counter = db.session.get(NumberCounter, "FA-2026").last_value
            lines = db.session.execute(
                select(InvoiceLine.subscription_id).join(Invoice).join(Household).join(Unit)
                .where(Unit.code.like("CONC-%"))).scalars().all()
        assert len(lines) == len(set(lines)) == HOUSEHOLDS
        start = state["counter"] or 0
        assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == \
            list(range(start + 1, start + HOUSEHOLDS + 1))
        assert counter == start + HOUSEHOLDS
    finally:
        with app.app_context():
            _cleanup(state)
