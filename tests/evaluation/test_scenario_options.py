"""Scenarios can include options (issue 22.3): each chosen option with an expected take-up share,
its cost, subsidy and the households' share computed from billing's catalogue terms."""

from __future__ import annotations

import csv
import io
import json

import pytest

from billing import options as billing_options
from billing.options import TierRule
from evaluation import scenarios
from evaluation.models import Scenario
from isp.errors import DomainError
from tests import factories
from tests.evaluation.test_scenarios import BASE

#: Fixed telephony at 5,00 €: T1 gets 3,00 € of aid, T3 1,00 €, T2 may not take it.
TEL = {"code": "TEL", "take_up": 0.4, "price_cents": 500,
       "tiers": {"T1": [300, 200], "T3": [100, 400]}}


def _telephony(**overrides):
    values = {"code": "tel", "name": "Téléphonie fixe", "monthly_price_cents": 500,
              "tiers": [TierRule("T1", "cents", 300), TierRule("T3", "percent", 20)],
              **overrides}
    return billing_options.create_option(values, actor=factories.make_user("admin"))


def test_an_option_adds_its_cost_subsidy_and_share_by_hand():
    result = scenarios.compute(**BASE, options=[TEL])
    [effect] = result["options"]
    # 50 households: T1 25 × 40 % = 10, T3 10 × 40 % = 4; T2 is not open to the option.
    assert effect == {"code": "TEL", "households": 14.0, "monthly_cost_cents": 7000,
                      "monthly_subsidy_cents": 3400,   # 10 × 300 + 4 × 100
                      "monthly_revenue_cents": 3600}   # 10 × 200 + 4 × 400
    assert result["monthly_subscription_revenue_cents"] == 26000
    assert result["monthly_revenue_cents"] == 29600    # 26000 + 3600
    assert result["monthly_cost_cents"] == 135750      # 128750 + 7000
    assert result["monthly_options_subsidy_cents"] == 3400
    # (135750 − 29600) ÷ 50 = 2123: the option's aid weighs on the subsidy per household.
    assert result["monthly_subsidy_per_household_cents"] == 2123


def test_without_options_the_results_are_those_of_before():
    plain = scenarios.compute(**BASE)
    assert plain["monthly_revenue_cents"] == 26000 and plain["monthly_cost_cents"] == 128750
    assert plain["options"] == [] and plain["monthly_options_cost_cents"] == 0


def test_cost_is_subsidy_plus_share_exactly_when_shares_are_fractions():
    option = dict(TEL, take_up=0.333, tiers={"T1": [167, 333], "T2": [0, 500], "T3": [50, 450]})
    effect = scenarios.option_effect(7, {"T1": 0.5, "T2": 0.3, "T3": 0.2}, option)
    assert effect["monthly_cost_cents"] == round(7 * 0.333 * 500)  # every tier open: 1165.5
    assert effect["monthly_cost_cents"] == (effect["monthly_subsidy_cents"]
                                            + effect["monthly_revenue_cents"])


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_a_scenario_reads_the_option_terms_billing_publishes(db):
    option = _telephony()
    district = factories.make_district(households_count=100)
    data = {"name": "Avec téléphonie", "district_code": district.code, "take_up": "50",
            "mix_T1": "50", "mix_T2": "30", "mix_T3": "20", "option_TEL": "40"}
    scenario = scenarios.run(dict(data))
    assumptions = json.loads(scenario.assumptions)
    assert assumptions["options"] == {
        "value": [{"code": "TEL", "name": "Téléphonie fixe", "take_up": 0.4, "price_cents": 500,
                   "tiers": {"T1": [300, 200], "T3": [100, 400]}}],  # T3: 20 % of 5 €
        "source": "billing catalogue 2026-12-04"}
    [effect] = json.loads(scenario.results)["options"]
    assert effect["monthly_subsidy_cents"] == 3400
    # Billing changes the rule (half the price for T3, rounded half-up by billing): the next
    # scenario follows; the saved one keeps the terms it was computed with.
    billing_options.update_option(option, {"monthly_price_cents": 995, "tiers": [
        TierRule("T1", "cents", 300), TierRule("T3", "percent", 50)]},
        actor=factories.make_user("admin"))
    after = scenarios.run(dict(data, name="Après"))
    [terms] = json.loads(after.assumptions)["options"]["value"]
    assert terms["tiers"] == {"T1": [300, 695], "T3": [498, 497]}
    assert json.loads(scenario.assumptions)["options"]["value"][0]["price_cents"] == 500


@pytest.mark.parametrize(("data", "field"), [
    ({"option_NOPE": "10"}, "option_NOPE"),
    ({"option_TEL": "120"}, "option_TEL"),
    ({"option_TEL": "beaucoup"}, "option_TEL"),
    ({"options": {"TEL": -1}}, "option_TEL"),
    ({"options": {"TEL": True}}, "option_TEL"),
    ({"options": [{"code": "TEL", "share": 10}]}, "options"),
    ({"options": "TEL"}, "options"),
    ({"options": {f"O{i}": 1 for i in range(scenarios.MAX_OPTIONS + 1)}}, "options"),
])
def test_a_bad_option_is_refused_beside_its_field_and_nothing_is_written(db, data, field):
    _telephony()
    district = factories.make_district(households_count=100)
    before = db.session.query(Scenario).count()
    with pytest.raises(DomainError) as caught:
        scenarios.run({"name": "x", "district_code": district.code, **data})
    assert caught.value.field == field
    assert db.session.query(Scenario).count() == before


def test_a_retired_option_cannot_be_chosen(db):
    option = _telephony()
    billing_options.update_option(option, {"active": False},
                                  actor=factories.make_user("admin"))
    district = factories.make_district(households_count=100)
    with pytest.raises(DomainError) as caught:
        scenarios.run({"name": "x", "district_code": district.code, "option_TEL": "10"})
    assert caught.value.field == "option_TEL"
    assert scenarios.option_choices() == []


def test_pages_offer_the_options_show_them_and_export_them(client, db, login_as):
    _telephony()
    login_as("analyst")
    district = factories.make_district(households_count=100)
    form = client.get("/evaluation/scenarios").get_data(as_text=True)
    assert 'name="option_TEL"' in form and "Téléphonie fixe" in form
    old = scenarios.run({"name": "Sans option", "district_code": district.code})
    created = client.post("/evaluation/scenarios", data={
        "name": "Tel", "district_code": district.code, "take_up": "50", "option_TEL": "40"})
    assert created.status_code == 302
    scenario_id = int(created.headers["Location"].rsplit("/", 1)[1])
    shown = client.get(f"/evaluation/scenarios/{scenario_id}").get_data(as_text=True)
    assert "Option TEL : aide par mois" in shown
    compare = client.get(f"/evaluation/scenarios/compare?ids={old.id},{scenario_id}")
    assert compare.status_code == 200
    export = client.get(f"/evaluation/scenarios/export.csv?ids={old.id},{scenario_id}")
    rows = {row[0]: row[2:] for row in csv.reader(io.StringIO(export.get_data(as_text=True)))}
    assert rows["option:TEL:take_up"] == ["", "0.4"]
    assert rows["option:TEL:price_cents"] == ["", "500"]
    results = json.loads(db.session.get(Scenario, scenario_id).results)
    assert rows["option:TEL:monthly_subsidy_cents"] == [
        "", str(results["options"][0]["monthly_subsidy_cents"])]
    assert rows["monthly_options_cost_cents"][1] == str(results["monthly_options_cost_cents"])
    refused = client.post("/evaluation/scenarios", data={
        "name": "Tel", "district_code": district.code, "option_TEL": "300"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="option_TEL-error"' in page and 'aria-invalid="true"' in page


def test_api_takes_options_as_an_object_or_a_list(client, db, api_as):
    _telephony()
    _user, headers = api_as("analyst")
    district = factories.make_district(households_count=100)
    base = {"name": "API", "district_code": district.code, "take_up": 50,
            "mix_T1": 50, "mix_T2": 30, "mix_T3": 20}
    as_object = client.post("/api/v1/evaluation/scenarios", headers=headers,
                            json={**base, "options": {"TEL": 40}})
    as_list = client.post("/api/v1/evaluation/scenarios", headers=headers,
                          json={**base, "options": [{"code": "tel", "take_up": 40}]})
    assert as_object.status_code == as_list.status_code == 201
    assert as_object.get_json()["results"]["options"] == as_list.get_json()["results"]["options"]
    assert as_object.get_json()["results"]["monthly_options_subsidy_cents"] == 3400
    bad = client.post("/api/v1/evaluation/scenarios", headers=headers,
                      json={**base, "options": {"TEL": "x"}})
    assert bad.status_code == 422 and bad.get_json()["field"] == "option_TEL"


def test_api_reads_the_saved_scenarios_with_their_options(client, db, api_as):
    _telephony()
    _user, headers = api_as("analyst")
    district = factories.make_district(households_count=100)
    plain = scenarios.run({"name": "Sans", "district_code": district.code})
    with_tel = scenarios.run({"name": "Avec", "district_code": district.code, "option_TEL": "40"})
    listed = client.get("/api/v1/evaluation/scenarios", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]][:2] == [with_tel.id, plain.id]
    assert listed["total"] == 2
    one = client.get(f"/api/v1/evaluation/scenarios/{with_tel.id}", headers=headers).get_json()
    assert one["assumptions"]["options"]["value"][0]["code"] == "TEL"
    assert one["results"]["options"][0]["households"] > 0
    assert client.get("/api/v1/evaluation/scenarios/999999", headers=headers).status_code == 404
