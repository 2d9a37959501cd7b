"""The public subsidy reaches the metropolis (issue 16.3): full cost, subsidy and household share
per building and district, from issued invoices, on the pages, in the API and in open data.

Amounts are published rounded to 100 € (isp.disclosure); every expected value below is
worked out by hand from the tariff grid (T1 2,90 €, T3 9,90 €) and the full cost (25,00 €).
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from billing import runs
from evaluation import queries
from evaluation.aggregates import refresh
from tests import factories
from tests.evaluation.factories import building_with_subscribers

PERIOD = "2026-11"


@pytest.fixture
def billed_pilot(db):
    """District A: 70 T1 households and 10 T3; district B: 6 T1 and 3 T1 (a small building)."""
    district_a = factories.make_district(code="DA")
    district_b = factories.make_district(code="DB")
    buildings = {
        "big": building_with_subscribers(served=70, flats=70, district=district_a, code="BIG"),
        "t3": building_with_subscribers(served=10, flats=10, district=district_a, code="TRE",
                                        tier="T3"),
        "six": building_with_subscribers(served=6, flats=6, district=district_b, code="SIX"),
        "small": building_with_subscribers(served=3, flats=3, district=district_b, code="SML"),
    }
    runs.prepare_invoices(PERIOD, actor=None)
    runs.issue_invoices(PERIOD, actor=None, issued_on=date(2026, 12, 2))
    refresh([PERIOD])
    return buildings


def _euros(level, code, metric):
    cell = queries.figures(level, code, PERIOD).get(metric)
    return None if cell is None or cell.suppressed else cell.value


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_full_cost_subsidy_and_household_share_per_building_and_district(billed_pilot):
    # BIG: 70 × 25,00 = 1 750 € full cost → 1 800; share 70 × 2,90 = 203 € → 200;
    # subsidy 1 750 − 203 = 1 547 € → 1 500; per household 1 500 ÷ 70 = 21,43 €.
    assert _euros("building", "BIG", "full_cost_cents") == 180_000
    assert _euros("building", "BIG", "household_share_cents") == 20_000
    assert _euros("building", "BIG", "invoiced_cents") == 20_000
    assert _euros("building", "BIG", "subsidy_cents") == 150_000
    assert _euros("building", "BIG", "subsidy_per_household_cents") == 2143
    # TRE: 250 € → 300; 99 € → 100; subsidy 151 € → 200; 200 ÷ 10 = 20,00 €.
    assert _euros("building", "TRE", "full_cost_cents") == 30_000
    assert _euros("building", "TRE", "household_share_cents") == 10_000
    assert _euros("building", "TRE", "subsidy_cents") == 20_000
    assert _euros("building", "TRE", "subsidy_per_household_cents") == 2000
    # District A: 2 000 €; 302 € → 300; 1 698 € → 1 700; 1 700 ÷ 80 = 21,25 €.
    assert _euros("district", "DA", "full_cost_cents") == 200_000
    assert _euros("district", "DA", "household_share_cents") == 30_000
    assert _euros("district", "DA", "subsidy_cents") == 170_000
    assert _euros("district", "DA", "subsidy_per_household_cents") == 2125


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_a_small_building_and_the_district_that_would_give_it_back_show_no_amount(
        billed_pilot):
    for metric in ("full_cost_cents", "subsidy_cents", "household_share_cents",
                   "subsidy_per_household_cents"):
        assert queries.figures("building", "SML", PERIOD)[metric].suppressed
        # District B minus SIX (shown) would be SML's amount: suppressed too.
        assert queries.figures("district", "DB", PERIOD)[metric].suppressed
    # SIX: 6 × 25 = 150 € → 200 (halves up).
    assert _euros("building", "SIX", "full_cost_cents") == 20_000


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_subsidy_on_the_dashboard_in_the_api_and_in_open_data(billed_pilot, client, login_as,
                                                             api_as):
    login_as("analyst")
    html = client.get(f"/evaluation?level=building&code=BIG&period={PERIOD}").get_data(
        as_text=True)
    assert "Subvention publique" in html and "Part payée par les foyers" in html
    assert "1 500,00 €" in html.replace("\u202f", " ").replace("\xa0", " ")

    _user, headers = api_as("analyst")
    body = client.get(f"/api/v1/evaluation/buildings/BIG?period={PERIOD}",
                      headers=headers).get_json()
    figures = body["figures"]
    assert figures["full_cost_cents"]["value"] == 180_000
    assert figures["subsidy_cents"]["value"] == 150_000
    assert figures["household_share_cents"]["value"] == 20_000
    assert figures["subsidy_cents"]["unit"] == "cents"
    districts = client.get(f"/api/v1/evaluation/districts?period={PERIOD}",
                           headers=headers).get_json()
    by_code = {item["district_code"]: item["figures"] for item in districts["items"]}
    assert by_code["DA"]["subsidy_cents"]["value"] == 170_000
    assert by_code["DB"]["subsidy_cents"]["suppressed"] is True

    csv_body = client.get("/open-data/aggregates.csv").get_data(as_text=True)
    published = {(row["level"], row["code"], row["metric"]): float(row["value"])
                 for row in csv.DictReader(io.StringIO(csv_body))}
    assert published[("building", "BIG", "subsidy_cents")] == 150_000
    assert published[("building", "BIG", "full_cost_cents")] == 180_000
    assert published[("building", "BIG", "household_share_cents")] == 20_000
    assert published[("district", "DA", "subsidy_per_household_cents")] == 2125
    assert not {key for key in published if key[1] in ("SML", "DB") and key[2].endswith(
        "_cents")}
