"""Households' status (issue 18.3): not subscribed, a subscription's status, in arrears, the
dunning step; a column and a filter on the households list, the building page and the API."""

from datetime import date

import pytest
from sqlalchemy import event, select

from billing import dunning
from billing.models import Invoice
from isp.extensions import db as _db
from subscribers import lifecycle, services
from tests import factories
from tests.billing.factories import grid, issue

pytestmark = pytest.mark.clock("2026-12-04T10:00:00+01:00")
TODAY = date(2026, 12, 4)


@pytest.fixture
def town(db):
    """Building ST-B: a free flat, then households not subscribed, active, suspended, and
    active with its September invoice 20 days late (its reminder sent by the dunning pass)."""
    operator = factories.make_user("operator")
    building = factories.make_building("ST-B")
    flats = [factories.make_unit(f"ST-{i}", building=building, floor=i) for i in range(5)]
    people = {
        "none": factories.make_household(unit=flats[1], holder_name="Sans Abonnement"),
        "active": factories.make_household(unit=flats[2], holder_name="Abonne Actif"),
        "suspended": factories.make_household(unit=flats[3], holder_name="Abonne Suspendu"),
        "late": factories.make_household(unit=flats[4], holder_name="Abonne Retard"),
    }
    factories.make_subscription(household=people["active"], activated_on=date(2026, 11, 1))
    suspended = factories.make_subscription(household=people["suspended"],
                                            activated_on=date(2026, 11, 1))
    lifecycle.suspend(suspended, actor=operator, reason="Demande du foyer")
    factories.make_subscription(household=people["late"], activated_on=date(2026, 9, 1))
    grid()
    issue("2026-09", date(2026, 10, 15))  # due 30 days later: 14 November, 20 days ago
    late = _db.session.execute(select(Invoice).where(
        Invoice.household_id == people["late"].id)).scalar_one()
    assert late.due_on == date(2026, 11, 14)
    dunning.run_dunning(on=TODAY)
    _db.session.flush()
    return {"building": building, "late_invoice": late, **people}


def _listed(html: str, town) -> set[str]:
    return {key for key in ("none", "active", "suspended", "late")
            if town[key].holder_name in html}


def test_statuses_of_a_page_in_one_statement(town, db):
    ids = [town[key].id for key in ("none", "active", "suspended", "late")]
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        statuses = services.household_statuses(ids, on=TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert statuses[town["none"].id] == services.HouseholdStatus(None)
    assert statuses[town["active"].id] == services.HouseholdStatus("active")
    assert statuses[town["suspended"].id] == services.HouseholdStatus("suspended")
    late = statuses[town["late"].id]
    assert (late.subscription, late.dunning_step) == ("active", "reminder")
    assert late.overdue_cents == town["late_invoice"].total_cents > 0
    # The subscriptions read with the page (a building's flats): the same arrears and steps.
    given = {town["late"].id: "reduced", town["none"].id: None}
    statuses = services.household_statuses([town["late"].id, town["none"].id], on=TODAY,
                                           subscriptions=given)
    assert statuses == {town["late"].id: services.HouseholdStatus("reduced", late.overdue_cents,
                                                                  "reminder"),
                        town["none"].id: services.HouseholdStatus(None)}


@pytest.mark.parametrize(("status", "expected"), [
    ("not_subscribed", {"none"}), ("active", {"active", "late"}), ("suspended", {"suspended"}),
    ("in_arrears", {"late"}), ("dunning_reminder", {"late"}), ("dunning_referral", set()),
    ("reduced", set())])
def test_the_households_list_filters_by_status(town, client, login_as, status, expected):
    login_as("operator")
    response = client.get(f"/households?q=ST-&status={status}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _listed(html, town) == expected
    assert f'<option value="{status}" selected>' in html


def test_the_column_shows_subscription_arrears_and_step(town, client, login_as):
    login_as("operator")
    html = client.get("/households?q=ST-").get_data(as_text=True)
    assert "non abonné" in html
    assert "suspendu" in html
    assert "actif · impayé" in html
    assert "relance : rappel (J+15)" in html


def test_the_building_page_filters_its_flats_by_status(town, client, login_as):
    login_as("operator")
    everything = client.get("/buildings/ST-B").get_data(as_text=True)
    assert _listed(everything, town) == {"none", "active", "suspended", "late"}
    assert "libre" in everything
    late = client.get("/buildings/ST-B?status=in_arrears")
    assert late.status_code == 200
    html = late.get_data(as_text=True)
    assert _listed(html, town) == {"late"}
    assert "libre" not in html  # a free flat has no status
    assert 'data-testid="unit-count">5<' in html  # the building's flats, not the filtered
    assert _listed(client.get("/buildings/ST-B?status=not_subscribed").get_data(as_text=True),
                   town) == {"none"}


def test_a_bad_status_is_named_beside_the_filter(town, client, login_as):
    login_as("operator")
    for url in ("/households?status=gone", "/buildings/ST-B?status=gone"):
        response = client.get(url)
        assert response.status_code == 400, url
        html = response.get_data(as_text=True)
        assert 'id="status-err"' in html and 'aria-invalid="true"' in html


def test_the_api_filters_and_shows_status(town, client, api_as):
    _user, headers = api_as("operator")
    body = client.get("/api/v1/households?building=ST-B&status=in_arrears",
                      headers=headers).get_json()
    assert [item["id"] for item in body["items"]] == [town["late"].id]
    assert body["total"] == 1
    assert body["items"][0]["status"] == ["active", "in_arrears", "dunning_reminder"]
    assert body["items"][0]["overdue_cents"] == town["late_invoice"].total_cents
    every = client.get("/api/v1/households?building=ST-B", headers=headers).get_json()
    assert {item["id"]: item["status"] for item in every["items"]} == {
        town["none"].id: ["not_subscribed"], town["active"].id: ["active"],
        town["suspended"].id: ["suspended"],
        town["late"].id: ["active", "in_arrears", "dunning_reminder"]}
    bad = client.get("/api/v1/households?status=gone", headers=headers)
    assert bad.status_code == 400
    assert bad.get_json()["field"] == "status"


def test_mediators_get_neither_status_nor_its_filter(town, client, api_as, login_as):
    association = factories.make_association("ASSO-ST")
    factories.assign(town["late"], association)
    _user, headers = api_as("mediator", association=association)
    item = client.get("/api/v1/households", headers=headers).get_json()["items"][0]
    assert "status" not in item and "overdue_cents" not in item
    refused = client.get("/api/v1/households?status=in_arrears", headers=headers)
    assert refused.status_code == 403
    assert refused.get_json()["field"] == "status"
    login_as("mediator", association=association)
    html = client.get("/households").get_data(as_text=True)
    assert 'name="status"' not in html and "impayé" not in html
