"""Scenario arithmetic (hand-computed), validation, defaults from the pilot, exports."""

from __future__ import annotations

import csv
import io
import json

import pytest

from evaluation import scenarios
from evaluation.aggregates import refresh
from evaluation.models import Scenario
from isp.errors import DomainError
from tests import factories
from tests.evaluation.factories import building_with_subscribers
from tests.statements import recorded_statements

BASE = dict(flats=100, take_up=0.5, mix={"T1": 0.5, "T2": 0.3, "T3": 0.2},
            prices={"T1": 290, "T2": 590, "T3": 990}, equipment_cents_per_flat=15000,
            amortisation_months=60, bandwidth_cents_per_month=60000,
            mediation_hours_per_household=3.0, mediation_hourly_cents=3500,
            watts_per_flat=1.25, embodied_kgco2e_per_flat=36.1, emission_factor=0.052,
            full_cost_cents=2500)


def test_compute_by_hand():
    result = scenarios.compute(**BASE)
    assert result["households"] == 50                      # 100 × 0.5
    assert result["average_price_cents"] == 520            # .5×290 + .3×590 + .2×990
    assert result["monthly_revenue_cents"] == 26000        # 50 × 520
    assert result["monthly_equipment_cents"] == 25000      # 15000 × 100 ÷ 60
    assert result["mediation_hours"] == 150.0              # 50 × 3
    assert result["monthly_mediation_cents"] == 43750      # 150 × 3500 ÷ 12
    assert result["monthly_cost_cents"] == 128750          # 25000 + 60000 + 43750
    assert result["monthly_subsidy_per_household_cents"] == 2055  # (128750 − 26000) ÷ 50
    assert result["kwh_per_year"] == 1095.0                # 100 × 1.25 W × 8760 h ÷ 1000
    assert result["kgco2e_per_year_electricity"] == 56.9   # 1095 × 0.052 = 56.94
    assert result["kgco2e_per_year_embodied"] == 722.0     # 100 × 36.1 ÷ 5
    assert result["kgco2e_per_year"] == 778.9


def test_unknown_embodied_footprint_stays_unknown():
    result = scenarios.compute(**dict(BASE, embodied_kgco2e_per_flat=None))
    assert result["kgco2e_per_year_embodied"] is None
    assert result["kgco2e_per_year"] is None
    assert result["kgco2e_per_year_electricity"] == 56.9


def test_rounding_is_half_up_and_revenue_can_exceed_cost():
    assert scenarios.round_half_up(2.5) == 3 and scenarios.round_half_up(-2.5) == -3
    result = scenarios.compute(**dict(BASE, flats=3, take_up=1.0, equipment_cents_per_flat=0,
                                      bandwidth_cents_per_month=0,
                                      mediation_hours_per_household=0))
    assert result["monthly_subsidy_per_household_cents"] == -520


def test_run_uses_defaults_and_says_where_they_come_from(db):
    district = factories.make_district(households_count=800)
    scenario = scenarios.run({"name": "Quartier test", "district_code": district.code})
    assumptions = json.loads(scenario.assumptions)
    assert assumptions["flats"] == {"value": 800, "source": "district_households"}
    assert assumptions["take_up"] == {"value": scenarios.DEFAULTS["take_up"],
                                      "source": "default"}
    assert assumptions["emission_factor"]["value"] == 0.052
    assert "ADEME" in assumptions["emission_factor"]["source"]
    results = json.loads(scenario.results)
    assert results["households"] == 480


@pytest.mark.clock("2026-11-20T10:00:00+01:00")  # the pilot figures of 2026-11
def test_pilot_values_become_the_defaults_when_they_rest_on_enough_households(db):
    district = factories.make_district()
    building_with_subscribers(served=11, flats=12, district=district, tier="T1")
    for tier in ("T2", "T3"):
        building_with_subscribers(served=5, flats=5, district=district, tier=tier)
    refresh(["2026-11"])
    defaults = scenarios.pilot_defaults()
    assert defaults["take_up"].source == "pilot"
    # Published counts (rounded to 5): 10 + 5 + 5 served of 22 flats.
    assert defaults["take_up"].value == pytest.approx(20 / 22, abs=1e-3)
    assert defaults["mix"].source == "pilot"
    assert defaults["mix"].value == pytest.approx({"T1": 0.5, "T2": 0.25, "T3": 0.25},
                                                  abs=1e-3)


@pytest.mark.clock("2026-11-20T10:00:00+01:00")
def test_the_pilot_defaults_follow_each_refresh(db):
    """The pilots' sums are kept until the next refresh (issue 23.3), then made again: a
    pilot's new subscribers count once the refresh has counted them, not before."""
    district = factories.make_district()
    building_with_subscribers(served=10, flats=20, district=district)
    refresh(["2026-11"])
    assert scenarios.pilot_defaults()["take_up"].value == pytest.approx(0.5, abs=1e-3)
    building_with_subscribers(served=10, flats=10, district=district)
    db.session.flush()
    assert scenarios.pilot_defaults()["take_up"].value == pytest.approx(0.5, abs=1e-3)
    refresh(["2026-11"])
    assert scenarios.pilot_defaults()["take_up"].value == pytest.approx(20 / 30, abs=1e-3)


def _pilot_sums_in_python(period: str, codes) -> scenarios.PilotSums:
    """The sums as ``pilot_defaults`` made them before issue 23.3: the month's building table
    (``level_table``, ``small_cell``'s cells) narrowed to the pilots, summed in Python."""
    from subscribers.published_figures import level_table

    table = {code: cells for code, cells in level_table("building", period).items()
             if code in codes}
    stored = sum(int(cells["flats"].value) for cells in table.values()
                 if cells.get("flats") is not None and cells["flats"].value is not None)
    served = flats = 0
    tiers = dict.fromkeys(scenarios.TIERS, 0)
    for cells in table.values():
        if cells.get("served") and cells["served"].available and cells.get("flats"):
            served += int(cells["served"].value)
            flats += int(cells["flats"].value or 0)
        for tier in scenarios.TIERS:
            cell = cells.get(f"tier:{tier}")
            if cell is not None and cell.available:
                tiers[tier] += int(cell.value)
    return scenarios.PilotSums(served, flats, stored, tiers)


def test_the_pilots_sums_are_the_cells_summed_in_python(db):
    """``_pilot_sums`` (summed by the database, issue 23.3) is the Python sum of
    ``small_cell``'s cells it replaced: suppressed, missing and NULL figures, a pilot without
    a flats row, a building that is no pilot, another month and another metric."""
    from sqlalchemy import select

    from subscribers.models import Building
    from subscribers.models_figures import EvaluationMonthly

    district = factories.make_district()
    codes = []
    for status in ("pilot", "live", "live", "live", "candidate"):
        codes.append(factories.make_building(district=district, status=status).code)
    a, b, c, d, other = codes
    rows = {  # code: {metric: (value, households)}
        a: {"served": (10, 11), "flats": (12, None), "tier:T1": (5, 6), "tier:T2": (5, 5),
            "tier:T3": (0, 0), "take_up": (80, 11)},
        b: {"served": (0, 3), "flats": (7, None), "tier:T1": (5, 5)},       # served suppressed
        c: {"served": (15, 15), "flats": (None, 2), "tier:T2": (None, 9)},  # flats suppressed
        d: {"served": (20, 20), "tier:T3": (10, 10)},                        # no flats row
        other: {"served": (50, 50), "flats": (60, None), "tier:T1": (50, 50)},
    }
    for code, metrics in rows.items():
        for metric, (value, households) in metrics.items():
            for period in ("2026-10", "2026-11"):
                db.session.add(EvaluationMonthly(
                    level="building", code=code, period=period, metric=metric,
                    value=value if period == "2026-11" else 1000, households=households))
    db.session.flush()
    pilots = select(Building.code).where(Building.status.in_(scenarios.PILOT_STATUSES))
    sums = scenarios._pilot_sums("2026-11", pilots)
    assert sums == _pilot_sums_in_python("2026-11", {a, b, c, d})
    assert sums == scenarios.PilotSums(served=25, flats=12, stored=19,
                                       tiers={"T1": 10, "T2": 5, "T3": 10})
    assert scenarios._pilot_sums("2026-09", pilots) == scenarios.PilotSums(
        0, 0, 0, dict.fromkeys(scenarios.TIERS, 0))


@pytest.mark.clock("2026-11-20T10:00:00+01:00")  # the pilot figures of 2026-11
def test_the_defaults_read_only_the_pilots_figures_they_use(db):
    """``_pilot_sums`` sums the pilots' figures only (issue 23.3), as the whole table summed in
    Python did, and the defaults rest on them."""
    from sqlalchemy import select

    from subscribers.models import Building

    district = factories.make_district()
    building_with_subscribers(served=11, flats=12, district=district, tier="T1")
    for tier in ("T2", "T3"):
        building_with_subscribers(served=5, flats=5, district=district, tier=tier)
    other = building_with_subscribers(served=9, flats=9, district=district, tier="T1")
    other.status = "candidate"
    db.session.flush()
    refresh(["2026-11"])
    pilots = {code for code, status in db.session.execute(select(Building.code, Building.status))
              if status in scenarios.PILOT_STATUSES}
    assert other.code not in pilots and len(pilots) == 3
    sums = scenarios._pilot_sums("2026-11", select(Building.code).where(
        Building.status.in_(scenarios.PILOT_STATUSES)))
    assert sums == _pilot_sums_in_python("2026-11", pilots)
    assert (sums.served, sums.flats, sums.stored) == (20, 22, 22)
    defaults = scenarios.pilot_defaults()
    assert defaults["take_up"].value == pytest.approx(20 / 22, abs=1e-3)


def _plain(estimates: dict) -> dict:
    """The estimates without the refresh's date (the live count has none)."""
    return {i: (e.value, e.source, e.detail) for i, e in estimates.items()}


@pytest.mark.clock("2026-11-20T10:00:00+01:00")  # the pilot figures of 2026-11
def test_the_page_reads_the_refreshed_flats_equal_to_the_live_count(db, client, login_as):
    """Right after a refresh, the flats the page reads from it (districts' estimates, pilots'
    watts per flat) are the live count's; what it has no row for is counted now (issue 23.3)."""

    from network.models import Device

    district, elsewhere = factories.make_district(), factories.make_district()
    factories.make_district(households_count=40)  # no building: its households
    pilot = building_with_subscribers(served=11, flats=12, district=district, tier="T1")
    for tier in ("T2", "T3"):
        building_with_subscribers(served=5, flats=5, district=district, tier=tier)
    candidate = factories.make_building(district=elsewhere, status="candidate")
    for index in range(7):
        factories.make_unit(f"{candidate.code}-{index}", building=candidate)
    db.session.add_all([Device(building_id=pilot.id, hostname="sw-p", mgmt_address="192.0.2.1",
                               power_watts=44.0, embodied_kgco2e=None),
                        Device(building_id=candidate.id, hostname="sw-c",
                               mgmt_address="192.0.2.2", power_watts=100.0)])
    db.session.flush()
    refresh(["2026-11"])

    rows = scenarios.districts_with_flats()
    page = scenarios.flats_estimates(districts=rows)
    assert _plain(page) == _plain(scenarios.flats_estimates())
    assert page[district.id].value == 22 and page[elsewhere.id].value == 7
    assert page[district.id].as_of is not None and page[district.id].source == "buildings"
    assert _plain(scenarios.flats_estimates([elsewhere.id], districts=rows)) == \
        _plain(scenarios.flats_estimates([elsewhere.id]))
    defaults = scenarios.pilot_defaults(refreshed_flats=True)
    assert defaults == scenarios.pilot_defaults()
    assert defaults["watts_per_flat"].value == pytest.approx(44.0 / 22, abs=1e-3)

    # After the refresh: a new district's and a new pilot's flats are counted now (no row);
    # a flat added to a refreshed building waits for the next refresh (the page dates it).
    later = factories.make_district()
    building_with_subscribers(served=0, flats=3, district=later)
    later_two = factories.make_district()  # two buildings: counted together, grouped once
    for flats in (2, 4):  # candidates: the pilots' watts per flat stay those below
        building = factories.make_building(district=later_two, status="candidate")
        for index in range(flats):
            factories.make_unit(f"{building.code}-{index}", building=building)
    factories.make_unit(f"{pilot.code}-new", building=pilot)
    db.session.flush()
    page = scenarios.flats_estimates(districts=scenarios.districts_with_flats())
    assert (page[later.id].value, page[later.id].as_of) == (3, None)
    assert (page[later_two.id].value, page[later_two.id].as_of) == (6, None)
    assert scenarios.flats_estimates([later_two.id])[later_two.id].value == 6
    assert page[district.id].value == 22
    assert scenarios.flats_estimates()[district.id].value == 23
    assert scenarios.pilot_defaults(refreshed_flats=True)["watts_per_flat"].value == \
        pytest.approx(44.0 / 25, abs=1e-3)  # 22 refreshed + 3 counted now

    login_as("analyst")
    client.get("/evaluation/scenarios")  # the session's first use
    with recorded_statements() as statements:
        html = client.get("/evaluation/scenarios").get_data(as_text=True)
    assert "22 logements : logements des immeubles —" in html
    assert "3 logements : logements des immeubles —" in html
    assert "Dernier calcul : " in html  # the date of the refreshed flats
    assert not any("FROM units" in s and "GROUP BY" not in s and "evaluation_monthly" not in s
                   for s in statements), statements
    # session, saved, districts with their flats, indicators, pilots' cells, devices, the
    # pilots' flats without a row, prices, options, demand (no option rules: no option)
    assert sum(1 for s in statements if "SAVEPOINT" not in s) == 10, statements


@pytest.mark.clock("2026-11-20T10:00:00+01:00")  # the pilot figures of 2026-11
def test_a_small_tier_keeps_the_default_mix(db):
    building_with_subscribers(served=8, flats=10, tier="T1")
    refresh(["2026-11"])
    defaults = scenarios.pilot_defaults()
    assert defaults["take_up"].source == "pilot"
    assert defaults["mix"].source == "default"  # T2 and T3 have fewer than 5 subscribers


@pytest.mark.parametrize(("data", "field"), [
    ({"district_code": "D-NONE"}, "name"),
    ({"name": "x"}, "district_code"),
    ({"name": "x", "district_code": "NOPE"}, "district_code"),
    ({"name": "x", "building_codes": ["NOPE"]}, "building_codes"),
    ({"name": "x", "building_codes": "a;b", "flats": "many"}, "building_codes"),
    ({"name": "x", "district_code": "{d}", "flats": "0"}, "flats"),
    ({"name": "x", "district_code": "{d}", "flats": "10", "take_up": "150"}, "take_up"),
    ({"name": "x", "district_code": "{d}", "flats": "10", "mix_T1": "50", "mix_T2": "10"},
     "mix_T1"),
    ({"name": "x", "district_code": "{d}", "flats": "10", "mediation_hourly_euros": "-3"},
     "mediation_hourly_euros"),
    ({"name": "x", "district_code": "{d}"}, "flats"),  # no flats, no households count known
])
def test_bad_inputs_are_refused_and_nothing_is_written(db, data, field):
    district = factories.make_district()
    data = {k: (v.replace("{d}", district.code) if isinstance(v, str) else v)
            for k, v in data.items()}
    before = db.session.query(Scenario).count()
    with pytest.raises(DomainError) as caught:
        scenarios.run(data)
    assert caught.value.field == field
    assert db.session.query(Scenario).count() == before


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_a_new_scenario_uses_the_tariff_an_admin_set_in_billing(db):
    from billing import tariffs

    admin = factories.make_user(role="admin")
    building = building_with_subscribers(served=0, flats=10)
    data = {"name": "T1 seul", "building_codes": building.code, "take_up": "100",
            "mix_T1": "100", "mix_T2": "0", "mix_T3": "0"}
    before = scenarios.run(dict(data))
    assert json.loads(before.results)["monthly_revenue_cents"] == 10 * 290
    t1 = tariffs.get_tier("T1")
    tariffs.update_tier(t1, actor=admin, label=t1.label, rule_text=t1.rule_text,
                        price_cents=350)
    # Billing invoices 3,50 € from January; a scenario made now projects January onwards.
    assert tariffs.prices_for_period("2027-01")["T1"] == 350
    after = scenarios.run(dict(data))
    assert json.loads(after.results)["monthly_revenue_cents"] == 10 * 350
    assert json.loads(after.assumptions)["prices_cents"] == {
        "value": {"T1": 350, "T2": 590, "T3": 990}, "source": "billing 2027-01"}
    # The earlier scenario keeps the prices it was computed with.
    assert json.loads(before.assumptions)["prices_cents"]["value"]["T1"] == 290


def test_a_tier_without_a_price_in_billing_is_refused_not_guessed(db):
    from billing.models import TierPrice
    from billing.tariffs import get_tier

    for price in get_tier("T2").prices:
        db.session.delete(price)
    db.session.flush()
    district = factories.make_district(households_count=100)
    with pytest.raises(DomainError) as caught:
        scenarios.run({"name": "x", "district_code": district.code})
    assert caught.value.field == "mix_T2"
    assert db.session.query(TierPrice).count() == 2


def test_buildings_scenario_counts_their_flats_and_exports_side_by_side(db):
    one = building_with_subscribers(served=0, flats=7)
    two = building_with_subscribers(served=0, flats=5)
    first = scenarios.run({"name": "Deux immeubles", "building_codes": f"{one.code},{two.code}",
                           "take_up": "50", "mix_T1": "100", "mix_T2": "0", "mix_T3": "0"})
    second = scenarios.run({"name": "Quartier", "district_code": one.district.code,
                            "flats": "40", "equipment_euros_per_flat": "99,50"})
    assumptions = json.loads(first.assumptions)
    assert assumptions["flats"] == {"value": 12, "source": "buildings"}
    assert json.loads(first.results)["monthly_revenue_cents"] == 6 * 290
    assert json.loads(second.assumptions)["equipment_cents_per_flat"] == {
        "value": 9950, "source": "input"}
    rows = list(csv.reader(io.StringIO(scenarios.to_csv([first, second]))))
    assert rows[0] == ["field", "kind", f"{first.id} Deux immeubles", f"{second.id} Quartier"]
    by_field = {row[0]: row[2:] for row in rows[1:]}
    assert by_field["monthly_revenue_cents"][0] == "1740"
    assert by_field["flats"] == ["12 (buildings)", "40 (input)"]


def test_pages_create_compare_and_export(client, db, login_as):
    login_as("analyst")
    district = factories.make_district(households_count=300)
    response = client.post("/evaluation/scenarios", data={"name": "Page",
                                                          "district_code": district.code})
    assert response.status_code == 302
    scenario_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/evaluation/scenarios/{scenario_id}").get_data(as_text=True)
    assert "Subvention par foyer" in page and "(défaut)</span>" in page
    refused = client.post("/evaluation/scenarios", data={"name": "", "district_code": ""})
    assert refused.status_code == 422
    assert "Donnez un nom au scénario." in refused.get_data(as_text=True)
    compare = client.get(f"/evaluation/scenarios/compare?ids={scenario_id},{scenario_id}")
    assert compare.status_code == 200
    export = client.get(f"/evaluation/scenarios/export.csv?ids={scenario_id}")
    assert export.mimetype == "text/csv" and "monthly_cost_cents" in export.get_data(True)
    assert client.get("/evaluation/scenarios/999999").status_code == 404


def test_api_creates_a_scenario_and_refuses_bad_bodies(client, db, api_as):
    _user, headers = api_as("analyst")
    district = factories.make_district(households_count=100)
    created = client.post("/api/v1/evaluation/scenarios", headers=headers,
                          json={"name": "API", "district_code": district.code, "take_up": 40})
    assert created.status_code == 201
    body = created.get_json()
    assert body["results"]["households"] == 40
    assert body["assumptions"]["take_up"] == {"value": 0.4, "source": "input"}
    bad = client.post("/api/v1/evaluation/scenarios", headers=headers, json=[1, 2])
    assert bad.status_code == 400 and bad.get_json()["error"]
    bad = client.post("/api/v1/evaluation/scenarios", headers=headers,
                      json={"name": "API", "district_code": district.code, "flats": True})
    assert bad.status_code == 422 and bad.get_json()["field"] == "flats"


@pytest.mark.parametrize(("typed", "cents"), [
    ("150", 15000), ("99,50", 9950), ("99.5", 9950), ("1 500,00 €", 150000),
    ("1\u202f500,00\u00a0€", 150000), ("1.500,25", 150025), ("1,500.25", 150025),
    ("0,125", 13), (12.345, 1235)])
def test_amounts_are_read_in_euros_with_a_comma_or_a_dot(db, typed, cents):
    district = factories.make_district(households_count=100)
    scenario = scenarios.run({"name": "€", "district_code": district.code,
                              "equipment_euros_per_flat": typed})
    assert json.loads(scenario.assumptions)["equipment_cents_per_flat"] == {
        "value": cents, "source": "input"}


@pytest.mark.parametrize("typed", ["douze", "1,2,3.4.5", "NaN", "Infinity", "-1", "100001"])
def test_a_wrong_amount_is_refused_in_french_beside_its_field(db, typed):
    district = factories.make_district(households_count=100)
    with pytest.raises(DomainError) as caught:
        scenarios.run({"name": "x", "district_code": district.code,
                       "equipment_euros_per_flat": typed})
    assert caught.value.field == "equipment_euros_per_flat"
    assert caught.value.message.startswith("Équipement par logement : saisissez un nombre")


def test_a_qpv_without_households_count_is_estimated_from_its_caf_households(db):
    from subscribers.models_figures import DistrictIndicator

    district = factories.make_district(name="Bellevue", qpv_code="QP044005")
    for year, value in ((2019, 4800.0), (2020, 5086.0)):
        db.session.add(DistrictIndicator(district=district, indicator="caf_allocataires",
                                         value=value, unit="households",
                                         source="INSEE / CNAF par QPV", year=year))
    db.session.add(DistrictIndicator(district=district, indicator="population_municipale",
                                     value=16918.0, unit="persons", source="INSEE", year=2020))
    db.session.flush()
    estimate = scenarios.flats_estimates([district.id])[district.id]
    assert (estimate.value, estimate.source) == (5086, "district_indicator")
    assert "CAF" in estimate.detail and "2020" in estimate.detail
    scenario = scenarios.run({"name": "Bellevue", "district_code": district.code})
    flats = json.loads(scenario.assumptions)["flats"]
    assert flats["value"] == 5086 and flats["source"] == "district_indicator"
    assert "INSEE / CNAF par QPV" in flats["detail"]


def test_a_district_with_no_figure_asks_for_the_flats_in_french(db):
    """Pin Sec: an IRIS with fragility indices only; nothing counts its households."""
    from subscribers.models_figures import DistrictIndicator

    district = factories.make_district(name="Pin Sec", iris_code="441091008")
    db.session.add(DistrictIndicator(district=district, indicator="ifn_global", value=159.2,
                                     unit="index", source="MedNum", year=2020))
    db.session.flush()
    assert scenarios.flats_estimates([district.id])[district.id].value is None
    with pytest.raises(DomainError) as caught:
        scenarios.run({"name": "Pin Sec", "district_code": district.code})
    assert caught.value.field == "flats"
    assert caught.value.message.startswith("Aucun nombre de logements connu pour Pin Sec")
    typed = scenarios.run({"name": "Pin Sec", "district_code": district.code, "flats": "850"})
    assert json.loads(typed.assumptions)["flats"] == {"value": 850, "source": "input"}


def test_the_form_shows_defaults_in_euros_and_each_district_s_flats(client, db, login_as):
    login_as("analyst")
    pin_sec = factories.make_district(name="Pin Sec")
    counted = factories.make_district(name="Compté", households_count=1234)
    page = client.get("/evaluation/scenarios").get_data(as_text=True)
    assert "défaut : 150,00\xa0€" in page and "15000" not in page
    assert "défaut : 600,00\xa0€" in page and "défaut : 35,00\xa0€" in page
    assert f"Pin Sec ({pin_sec.code}) — logements à saisir" in page
    assert f"Compté ({counted.code}) — 1\u202f234 logements : ménages du quartier" in page


def test_the_scenarios_page_asks_nine_statements_whatever_the_saved_scenarios(client, db,
                                                                             login_as):
    """Saved scenarios come with their districts joined, the districts once for the list and
    their estimates (issue 23.3: two statements more before)."""

    login_as("analyst")
    first = factories.make_district(households_count=300, name="Premier quartier")
    second = factories.make_district(households_count=120, name="Second quartier")

    def statements() -> tuple[int, str]:
        with recorded_statements() as seen:
            html = client.get("/evaluation/scenarios").get_data(as_text=True)
        return sum(1 for s in seen if "SAVEPOINT" not in s), html

    client.post("/evaluation/scenarios", data={"name": "Un", "district_code": first.code})
    statements()  # the session's first use
    few, _html = statements()
    # Session, scenarios with their districts, districts, flats, indicators, pilot figures,
    # prices, options, public requests (no pilot building, no option: nothing more).
    assert few == 9
    client.post("/evaluation/scenarios", data={"name": "Deux", "district_code": second.code})
    many, html = statements()
    assert many == few
    assert "<td>Premier quartier</td>" in html and "<td>Second quartier</td>" in html
    assert "Second quartier (" in html and "120" in html
