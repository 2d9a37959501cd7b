"""The footprint observatory's open data: columns, dictionary, sources, small cells, formula-safe
cells; the analyst pages show lent equipment and hosting."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from evaluation import opendata
from network.models import Device
from tests import factories
from tests.equipment.factories import lend, make_item

pytestmark = pytest.mark.clock("2026-11-15T10:00:00+01:00")


def _rows(client, url="/open-data/footprint.csv?year=2025"):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _holders(building, count):
    return [factories.make_household(unit=factories.make_unit(building=building))
            for _ in range(count)]


def test_csv_columns_sources_and_dictionary(client, db, app):
    district = factories.make_district(name="=Quartier")  # a name that would run as formula
    building = factories.make_building(district=district)
    db.session.add(Device(building_id=building.id, hostname="sw-1", mgmt_address="192.0.2.1",
                          power_watts=10.0, embodied_kgco2e=500.0,
                          commissioned_on=date(2024, 1, 1)))
    for holder in _holders(building, 5):
        lend(make_item("box", acquired_on=date(2025, 1, 1)), holder, on=date(2025, 1, 1))
    rows = _rows(client)
    assert list(rows[0]) == list(opendata.FOOTPRINT_COLUMNS)
    by_key = {(r["level"], r["source"]): r for r in rows}
    network = by_key[("building", "network_equipment")]
    assert float(network["kwh"]) == pytest.approx(87.6)  # 10 W × 8760 h
    assert float(network["kgco2e_embodied"]) == pytest.approx(100.0)  # 500 ÷ 5 years
    lent = by_key[("building", "lent_equipment")]
    assert float(lent["kgco2e_embodied"]) == pytest.approx(5 * 12.6)  # 63 kg ÷ 5 years each
    assert lent["kwh"] == "" and float(lent["kgco2e_avoided"]) == 0.0
    hosting = by_key[("building", "hosting")]
    # 40 W × 1.5 × 8760 h = 525.6 kWh, all of it on the only pilot building.
    assert float(hosting["kwh"]) == pytest.approx(525.6)
    assert float(hosting["kgco2e_electricity"]) == pytest.approx(525.6 * 0.052, abs=0.01)
    district_row = by_key[("district", "lent_equipment")]
    assert district_row["name"] == "'=Quartier"  # formula-safe
    assert {r["year"] for r in rows} == {"2025"}
    dictionary = client.get("/open-data/dictionary.json").get_json()["footprint"]
    assert [c["column"] for c in dictionary["columns"]] == list(opendata.FOOTPRINT_COLUMNS)
    assert {s["source"] for s in dictionary["sources"]} == {"network_equipment",
                                                           "lent_equipment", "hosting"}
    page = client.get("/open-data/dictionary").get_data(as_text=True)
    assert "footprint.csv" in page and "kgco2e_avoided" in page and "ADEME" in page
    app.config["HOSTING_SERVER_WATTS"] = 80
    try:
        doubled = {(r["level"], r["source"]): r for r in _rows(client)}
        assert float(doubled[("building", "hosting")]["kwh"]) == pytest.approx(1051.2)
    finally:
        del app.config["HOSTING_SERVER_WATTS"]


def test_small_cells_are_left_out_and_bad_year_refused(client, db):
    building = factories.make_building()
    for holder in _holders(building, 3):
        lend(make_item("box"), holder, on=date(2025, 1, 1))
    rows = _rows(client)
    assert not [r for r in rows if r["source"] == "lent_equipment"]
    assert client.get("/open-data/footprint.csv?year=abc").status_code == 400
    all_years = _rows(client, "/open-data/footprint.csv")
    assert {r["year"] for r in all_years} >= {"2024", "2025", "2026"}


def test_analyst_pages_show_lent_equipment_and_hosting(client, db, login_as):
    building = factories.make_building()
    for holder in _holders(building, 6):
        lend(make_item("computer", acquired_on=date(2019, 1, 1)), holder, on=date(2025, 1, 1))
    small = factories.make_building()
    lend(make_item("phone"), _holders(small, 1)[0], on=date(2025, 1, 1))
    login_as("analyst")
    html = client.get("/evaluation/footprint?year=2025").get_data(as_text=True)
    assert "Équipements prêtés par immeuble" in html and building.code in html
    assert "Hébergement de l" in html and "HOSTING_SERVER_WATTS" in html
    assert "&lt; 5" in html  # the building with one holder
    report = client.get("/evaluation/report/2025").get_data(as_text=True)
    assert "Équipements prêtés par quartier" in report
