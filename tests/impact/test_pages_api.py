"""The pages and the API: same rules, errors beside the field or as JSON, scope, suppression."""

from __future__ import annotations

from datetime import date

import pytest

from impact.models import ImpactAnswer
from isp.models import AuditEntry
from tests import factories
from tests.impact.factories import record, subscribed_household
from tests.statements import statements_of

CLOCK = "2026-11-15T10:00:00+01:00"


def _answers(db, household):
    return db.session.execute(db.select(ImpactAnswer).where(
        ImpactAnswer.household_id == household.id)).scalars().all()


def _form(**overrides):
    data = {"answered_on": "2026-11-10", "home_connection": "yes", "monthly_cost": "29,99",
            "devices": ["smartphone", "computer"], "autonomy": "partially"}
    data.update(overrides)
    return data


@pytest.mark.clock(CLOCK)
def test_mediator_records_a_baseline_through_the_page(db, client, login_as):
    association = factories.make_association()
    household = subscribed_household(association=association)
    login_as("mediator", association=association)
    page = client.get(f"/households/{household.id}/impact/t0")
    assert page.status_code == 200 and "Avant l&#39;abonnement" in page.get_data(as_text=True)
    response = client.post(f"/households/{household.id}/impact/t0", data=_form())
    assert response.status_code == 302
    [answer] = _answers(db, household)
    assert answer.monthly_cost_cents == 2999 and answer.device_list == ["smartphone", "computer"]
    assert answer.recorded_by_role == "mediator"
    assert db.session.execute(db.select(AuditEntry).where(
        AuditEntry.record_type == "household", AuditEntry.record_id == str(household.id),
        AuditEntry.action == "create")).first()


@pytest.mark.clock(CLOCK)
@pytest.mark.parametrize(("overrides", "message"), [
    ({"monthly_cost": "-3"}, "Un montant en euros"),
    ({"monthly_cost": "250"}, "monthly_cost_cents doit être entre 0 et 20000"),
    ({"monthly_cost": ""}, "Indiquez le coût mensuel"),
    ({"answered_on": "2026-12-01"}, "dans le futur"),
    ({"devices": ["none", "tablet"]}, "Aucun"),
])
def test_bad_input_on_the_page_is_a_400_beside_the_field(db, client, login_as, overrides,
                                                         message):
    household = subscribed_household()
    login_as("operator")
    response = client.post(f"/households/{household.id}/impact/t0", data=_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _answers(db, household) == []


@pytest.mark.clock(CLOCK)
def test_household_page_shows_the_panel(db, client, login_as):
    household = subscribed_household(activated_on=date(2026, 5, 1))
    record(household, "t0", answered_on="2026-05-01")
    login_as("operator")
    html = client.get(f"/households/{household.id}/impact").get_data(as_text=True)
    assert 'id="impact-title"' in html
    assert f"/households/{household.id}/impact/m6" in html
    assert "recueilli" in html and "à recueillir" in html


@pytest.mark.clock(CLOCK)
def test_due_page_lists_only_the_mediators_households(db, client, login_as):
    association = factories.make_association()
    mine = subscribed_household(association=association)
    other = subscribed_household()
    login_as("mediator", association=association)
    html = client.get("/impact/due").get_data(as_text=True)
    assert mine.unit.code in html and other.unit.code not in html
    assert client.get("/impact/due?stage=m7").status_code == 400


@pytest.mark.clock(CLOCK)
def test_api_records_with_the_same_rules(db, client, api_as):
    household = subscribed_household()
    _user, headers = api_as("operator")
    url = f"/api/v1/households/{household.id}/impact/t0"
    body = {"answered_on": "2026-11-01", "home_connection": False, "devices": ["none"]}
    created = client.post(url, json=body, headers=headers)
    assert created.status_code == 201 and created.get_json()["monthly_cost_cents"] is None
    again = client.post(url, json=body, headers=headers)
    assert again.status_code == 200 and len(_answers(db, household)) == 1
    bad = client.post(url, json={**body, "home_connection": True, "monthly_cost_cents": -5},
                      headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "monthly_cost_cents"
    unknown = client.post(url, json={**body, "shoe_size": 42}, headers=headers)
    assert unknown.status_code == 400 and unknown.get_json()["field"] == "shoe_size"
    not_json = client.post(url, data="x", headers=headers)
    assert not_json.status_code == 400
    stage = client.post(f"/api/v1/households/{household.id}/impact/m9", json=body,
                        headers=headers)
    assert stage.status_code == 400 and stage.get_json()["field"] == "stage"
    early = client.post(f"/api/v1/households/{household.id}/impact/m12", json=body,
                        headers=headers)
    assert early.status_code == 422 and early.get_json()["field"] == "answered_on"
    status = client.get(f"/api/v1/households/{household.id}/impact", headers=headers)
    states = {item["stage"]: item["state"] for item in status.get_json()["items"]}
    assert states == {"t0": "recorded", "m6": "due", "m12": "upcoming"}


@pytest.mark.clock(CLOCK)
def test_api_scope_of_a_mediator(db, client, api_as):
    association = factories.make_association()
    mine = subscribed_household(association=association)
    other = subscribed_household()
    _user, headers = api_as("mediator", association=association)
    body = {"home_connection": True, "monthly_cost_cents": 1000, "devices": ["tablet"]}
    assert client.post(f"/api/v1/households/{other.id}/impact/t0", json=body,
                       headers=headers).status_code == 404
    assert client.post(f"/api/v1/households/{mine.id}/impact/t0", json=body,
                       headers=headers).status_code == 201
    due = client.get("/api/v1/impact/due", headers=headers).get_json()
    # t0 recorded; connected 2026-01-10, the 6-month follow-up is due; never the other one
    assert [(item["household_id"], item["due"]) for item in due["items"]] == [(mine.id, ["m6"])]
    assert due["total"] == 1


@pytest.mark.clock(CLOCK)
def test_api_due_list(db, client, api_as):
    household = subscribed_household(activated_on=date(2026, 5, 1))
    _user, headers = api_as("operator")
    body = client.get("/api/v1/impact/due?stage=m6", headers=headers).get_json()
    [item] = [i for i in body["items"] if i["household_id"] == household.id]
    assert item["due"] == ["t0", "m6"] and item["connected_on"] == "2026-05-01"
    bad = client.get("/api/v1/impact/due?stage=later", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["field"] == "stage"


@pytest.mark.clock(CLOCK)
def test_indicators_api_and_page_show_aggregates_only(db, client, api_as, login_as):
    building = factories.make_building("BIMP", name="Immeuble")
    small = factories.make_building("BSMALL", name="Petit", district=building.district)
    households = [subscribed_household(building=building) for _ in range(7)]
    for household in households:
        record(household, "t0", answered_on="2026-01-05", monthly_cost_cents=4000)
    lone = subscribed_household(building=small)
    record(lone, "t0", answered_on="2026-01-05", monthly_cost_cents=9900)
    _user, headers = api_as("analyst")
    body = client.get("/api/v1/evaluation/indicators?by=building", headers=headers).get_json()
    groups = {item["key"]: item for item in body["items"]}
    t0 = groups["BIMP"]["stages"]["t0"]
    assert t0["respondents"] == {"value": 5, "households": 5, "suppressed": False,
                                 "display": None}
    assert t0["monthly_cost_mean_cents"]["value"] == 4000
    lone_t0 = groups["BSMALL"]["stages"]["t0"]
    assert lone_t0["monthly_cost_mean_cents"] == {"value": None, "households": None,
                                                  "suppressed": True, "display": "< 5"}
    text = str(body)
    assert "9900" not in text and households[0].holder_name not in text
    assert "household_id" not in text
    bad = client.get("/api/v1/evaluation/indicators?by=flat", headers=headers)
    assert bad.status_code == 400 and bad.get_json() == {
        "error": bad.get_json()["error"], "field": "by"}
    login_as("analyst")
    page = client.get("/evaluation/impact?by=building")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Immeuble (BIMP)" in html and "40,00" in html
    assert "99,00" not in html and households[0].holder_name not in html
    assert client.get("/evaluation/impact?by=flat").status_code == 400


@pytest.mark.clock(CLOCK)
def test_csv_export_leaves_suppressed_figures_out(db, client, login_as):
    building = factories.make_building("BCSV", name="=Immeuble")  # a formula-looking name
    for _ in range(6):
        record(subscribed_household(building=building), "t0", answered_on="2026-01-05",
               monthly_cost_cents=2500)
    login_as("analyst")
    response = client.get("/evaluation/impact.csv?by=building")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "by,group,label,stage,indicator,value,households"
    assert "building,BCSV,'=Immeuble (BCSV),t0,monthly_cost_mean_cents,2500,5" in lines
    assert not any(",m6," in line for line in lines)  # nobody answered: nothing exported
    assert not any("autonomy:autonomous" in line for line in lines)  # 0 households
    assert client.get("/evaluation/impact.csv?by=x").status_code == 400


@pytest.mark.clock(CLOCK)
def test_due_lists_ask_the_same_statements_for_any_number_of_households(db, client, login_as,
                                                                       api_as):
    """Session, count, page, stages and dates in one, audit entry (issue 23.3)."""
    first = subscribed_household(activated_on=date(2026, 5, 1))
    _user, headers = api_as("operator")
    login_as("operator")

    def counts():
        return (statements_of(lambda: client.get("/impact/due")),
                statements_of(lambda: client.get("/api/v1/impact/due", headers=headers)))

    counts()  # the first request of a session or token records its first use
    one = counts()
    assert one[0] == 5, one  # the API adds its token checks
    for _ in range(3):
        subscribed_household(activated_on=date(2026, 5, 1))
    assert counts() == one
    html = client.get("/impact/due").get_data(as_text=True)
    assert first.holder_name in html and "01/05/2026" in html
    assert f"/households/{first.id}/impact/m6" in html


def test_the_due_list_built_once_follows_the_day_and_pages(db, client, api_as):
    """The due lists' statements are built once (issue 23.3): the day's thresholds, the page's
    size and offset are values of each request, not of the first one."""
    import time_machine

    answered = subscribed_household(activated_on=date(2026, 5, 1))
    record(answered, "t0", answered_on="2026-05-01")
    waiting = [subscribed_household(activated_on=date(2026, 5, 1)) for _ in range(2)]
    _user, headers = api_as("operator")

    def due(per_page: int = 50, page: int = 1) -> dict:
        return client.get(f"/api/v1/impact/due?per_page={per_page}&page={page}",
                          headers=headers).get_json()

    def stages() -> dict[int, list[str]]:
        return {item["household_id"]: item["due"] for item in due()["items"]}

    with time_machine.travel("2026-10-15T10:00:00+02:00", tick=False):
        # the baseline answered, the 6-month follow-up not yet due (from 1 November)
        assert answered.id not in stages()
        assert all(stages()[h.id] == ["t0"] for h in waiting)
    with time_machine.travel("2026-11-15T10:00:00+01:00", tick=False):
        assert stages()[answered.id] == ["m6"]
        assert all(stages()[h.id] == ["t0", "m6"] for h in waiting)
        pages = [due(per_page=1, page=number) for number in (1, 2, 3, 4)]
        assert [len(body["items"]) for body in pages] == [1, 1, 1, 0]
        assert len({body["items"][0]["household_id"] for body in pages[:3]}) == 3
        assert pages[2]["total"] == 3 and pages[2]["total_exact"]
