"""The catalogue's pages and API (issue 22.3): the same rules behind the form and the JSON,
refusals beside the field at fault; operators add and remove a subscription's options."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from billing import options, tariffs
from billing.models import Plan
from billing.models_options import ServiceOption, SubscriptionOption
from billing.options import TierRule
from isp.extensions import db as _db
from tests import factories
from tests.statements import recorded_statements, statements_of

CLOCK = pytest.mark.clock("2026-11-15T10:00:00+01:00")

FORM = {"code": "tnt", "name": "Chaînes TNT", "description": "", "price": "2.50",
        "switch_need": "none", "vlan_id": "", "policy_name": "", "active": "y",
        "tier_T1_open": "y", "tier_T1_kind": "percent", "tier_T1_value": "100",
        "tier_T2_open": "y", "tier_T2_kind": "cents", "tier_T2_value": "1.00",
        "tier_T3_kind": "cents", "tier_T3_value": ""}


@pytest.fixture
def grid(db):
    tariffs.ensure_default_grid()


def test_an_admin_creates_and_edits_an_option_on_its_page(client, login_as, grid):
    login_as("admin")
    assert client.get("/billing/options/new").status_code == 200
    response = client.post("/billing/options/new", data=FORM)
    assert response.status_code == 302
    option = _db.session.execute(select(ServiceOption)).scalar_one()
    assert (option.code, option.monthly_price_cents) == ("TNT", 250)
    assert [(r.tier, r.subsidy_kind, r.subsidy_value) for r in option.rules] == [
        ("T1", "percent", 100), ("T2", "cents", 100)]
    page = client.get("/billing/options/TNT").get_data(as_text=True)
    assert 'id="tier_T1_open" name="tier_T1_open" type="checkbox" value="y" checked' in page \
        or ('id="tier_T1_open"' in page and "checked" in page)
    edited = client.post("/billing/options/TNT", data={**FORM, "price": "3.00",
                                                       "tier_T2_open": ""})
    assert edited.status_code == 302
    _db.session.expire_all()
    assert option.monthly_price_cents == 300 and [r.tier for r in option.rules] == ["T1"]
    listed = client.get("/billing/options").get_data(as_text=True)
    assert "Chaînes TNT" in listed and "3,00" in listed


@pytest.mark.parametrize(("changes", "field"), [
    ({"tier_T1_value": "150"}, "tier_T1_value"),                  # more than 100 %
    ({"tier_T2_value": "9.00"}, "tier_T2_value"),                 # more than the price
    ({"switch_need": "vlan"}, "vlan_id"),
    ({"switch_need": "policy", "policy_name": "PM-1G"}, "policy_name"),
    ({"price": "-1"}, "price")])
def test_bad_input_is_refused_beside_the_field(client, login_as, grid, changes, field):
    login_as("admin")
    response = client.post("/billing/options/new", data={**FORM, **changes})
    assert response.status_code == 400
    assert f'id="{field}-err"' in response.get_data(as_text=True)
    assert _db.session.execute(select(ServiceOption)).first() is None


def test_the_api_creates_lists_and_patches_with_the_same_rules(client, api_as, grid):
    _admin, admin = api_as("admin")
    body = {"code": "VOD", "name": "Vidéo à la demande", "monthly_price_cents": 700,
            "switch_need": "policy", "policy_name": "VOD-IN",
            "tiers": [{"tier": "T1", "subsidy_kind": "percent", "subsidy_value": 50}]}
    created = client.post("/api/v1/options", headers=admin, json=body)
    assert created.status_code == 201
    assert created.get_json()["tiers"][0]["monthly_share_cents"] == 350
    again = client.post("/api/v1/options", headers=admin, json=body)
    assert again.status_code == 409
    refused = client.post("/api/v1/options", headers=admin, json={
        **body, "code": "VOD2", "tiers": [{"tier": "T1", "subsidy_kind": "percent",
                                           "subsidy_value": 120}]})
    assert refused.status_code == 422 and refused.get_json()["field"] == "tiers.T1"
    assert client.post("/api/v1/options", headers=admin, json={**body, "code": "X",
                                                                "colour": "red"}
                       ).status_code == 400
    patched = client.patch("/api/v1/options/VOD", headers=admin,
                           json={"monthly_price_cents": 800})
    assert patched.status_code == 200 and patched.get_json()["policy_name"] == "VOD-IN"
    bad = client.put("/api/v1/options/VOD", headers=admin, json={"monthly_price_cents": 8.5})
    assert bad.status_code == 422 and bad.get_json()["field"] == "monthly_price_cents"
    _operator, operator = api_as("operator")
    listed = client.get("/api/v1/options", headers=operator).get_json()
    assert listed["total"] == 1 and listed["items"][0]["monthly_price_cents"] == 800
    assert client.post("/api/v1/options", headers=operator, json=body).status_code == 403


@CLOCK
def test_an_operator_adds_and_removes_an_option_from_the_subscription_page(client, login_as,
                                                                            grid):
    options.create_option({"code": "TEL", "name": "Téléphonie fixe", "monthly_price_cents": 500,
                           "tiers": [TierRule("T1", "cents", 300)]},
                          actor=factories.make_user("admin"))
    subscription = factories.make_subscription(tier="T1")
    login_as("operator")
    household = client.get(f"/households/{subscription.household_id}").get_data(as_text=True)
    assert f"/billing/subscriptions/{subscription.id}/options" in household
    url = f"/billing/subscriptions/{subscription.id}/options"
    assert "Téléphonie fixe" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"option_code": "TEL", "starts_on": ""}).status_code == 302
    twice = client.post(url, data={"option_code": "TEL", "starts_on": ""})
    assert twice.status_code == 400 and 'id="option_code-err"' in twice.get_data(as_text=True)
    future = client.post(url, data={"option_code": "TEL", "starts_on": "2027-01-01"})
    assert future.status_code == 400
    held = _db.session.execute(select(SubscriptionOption)).scalar_one()
    end_url = f"/billing/subscription-options/{held.id}/end"
    assert end_url in client.get(url).get_data(as_text=True)
    assert client.get(end_url).status_code == 200
    backwards = client.post(end_url, data={"ends_on": "2026-11-01"})
    assert backwards.status_code == 400 and 'id="ends_on-err"' in \
        backwards.get_data(as_text=True)
    ended = client.post(end_url, data={"ends_on": ""})
    assert ended.status_code == 302
    _db.session.expire_all()
    assert held.ends_on is not None


@CLOCK
def test_the_api_adds_and_ends_a_subscription_option(client, api_as, grid):
    options.create_option({"code": "TEL", "name": "Téléphonie fixe", "monthly_price_cents": 500,
                           "tiers": [TierRule("T1", "cents", 300)]},
                          actor=factories.make_user("admin"))
    subscription = factories.make_subscription(tier="T1")
    t3 = factories.make_subscription(tier="T3")
    _user, headers = api_as("operator")
    url = f"/api/v1/subscriptions/{subscription.id}/options"
    added = client.post(url, headers=headers, json={"option_code": "TEL",
                                                    "starts_on": "2026-11-01"})
    assert added.status_code == 201 and added.get_json()["starts_on"] == "2026-11-01"
    refused = client.post(f"/api/v1/subscriptions/{t3.id}/options", headers=headers,
                          json={"option_code": "TEL"})
    assert refused.status_code == 422 and refused.get_json()["field"] == "option_code"
    assert client.post(url, headers=headers, json={"option_code": 7}).status_code == 422
    assert client.post("/api/v1/subscriptions/999999/options", headers=headers,
                       json={"option_code": "TEL"}).status_code == 404
    held_id = added.get_json()["id"]
    ended = client.post(f"{url}/{held_id}/end", headers=headers, json={"ends_on": "2026-11-10"})
    assert ended.status_code == 200 and ended.get_json()["ends_on"] == "2026-11-10"
    listed = client.get(url, headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["ends_on"] == "2026-11-10"


def test_an_admin_creates_a_plan_on_its_page_and_in_the_api(client, login_as, api_as, grid):
    login_as("admin")
    speeds = {"down_kbps": "300000", "up_kbps": "300000", "reduced_down_kbps": "8000",
              "reduced_up_kbps": "2000"}
    assert client.get("/billing/plans/new").status_code == 200
    created = client.post("/billing/plans/new", data={"code": "fibre-300", "name": "Fibre 300",
                                                      "description": "", **speeds})
    assert created.status_code == 302
    assert _db.session.execute(select(Plan).where(Plan.code == "FIBRE-300")).scalar_one()
    slower = client.post("/billing/plans/new", data={"code": "X", "name": "X", **speeds,
                                                     "reduced_down_kbps": "400000"})
    assert slower.status_code == 400 and 'id="reduced_down_kbps-err"' in \
        slower.get_data(as_text=True)
    _user, admin = api_as("admin")
    body = {"code": "FIBRE-500", "name": "Fibre 500", "down_kbps": 500_000, "up_kbps": 500_000,
            "reduced_down_kbps": 8_000, "reduced_up_kbps": 2_000}
    assert client.post("/api/v1/plans", headers=admin, json=body).status_code == 201
    assert client.post("/api/v1/plans", headers=admin, json=body).status_code == 409
    bad = client.post("/api/v1/plans", headers=admin, json={**body, "code": "Z",
                                                             "up_kbps": 0})
    assert bad.status_code == 422 and bad.get_json()["field"] == "up_kbps"


@CLOCK
def test_the_household_panel_reads_every_subscriptions_options_in_one_statement(db, grid, client,
                                                                               login_as):
    """``held_options_of`` is ``held_options`` for many subscriptions; the household page's
    options panel asks one statement for them whatever their number (issue 23.3)."""
    from datetime import date


    admin = factories.make_user("admin")
    made = [options.create_option({"code": code, "name": name, "monthly_price_cents": 500,
                                   "tiers": [TierRule("T1", "cents", 300)]}, actor=admin)
            for code, name in (("TEL", "Téléphonie fixe"), ("TNT", "Chaînes TNT"),
                               ("IP", "Adresse fixe"))]
    first = factories.make_subscription(tier="T1")
    household = first.household
    second = factories.make_subscription(household=household, tier="T1")
    for subscription, option, starts, ends in (
            (first, made[0], date(2026, 1, 1), None),
            (first, made[1], date(2026, 1, 1), date(2026, 6, 1)),   # ended
            (first, made[2], date(2027, 1, 1), None),               # not yet
            (second, made[1], date(2026, 11, 15), None),
            (second, made[2], date(2026, 3, 1), date(2026, 11, 16))):
        db.session.add(SubscriptionOption(subscription_id=subscription.id, option_id=option.id,
                                          starts_on=starts, ends_on=ends))
    db.session.flush()
    ids = [first.id, second.id, factories.make_subscription().id]
    assert options.held_options_of(ids) == {i: options.held_options(i) for i in ids}
    assert [h.option.code for h in options.held_options_of(ids)[second.id]] == ["TNT", "IP"]
    login_as("operator")
    client.get(f"/households/{household.id}")  # the session's first request records its use
    with recorded_statements() as statements:
        html = client.get(f"/households/{household.id}").get_data(as_text=True)
    # The panel reads the subscriptions the page has loaded, and their options at once.
    assert sum("FROM subscription_options" in s for s in statements) == 1, statements
    assert not [s for s in statements if "ORDER BY subscriptions.id DESC" in s]
    panel = html[html.index('id="options-title"'):]
    assert panel.index(f"n° {second.id}") < panel.index(f"n° {first.id}")
    assert "Téléphonie fixe" in panel and "Chaînes TNT, Adresse fixe" in panel


def test_the_catalogue_asks_the_same_statements_for_any_number_of_options(db, client, login_as,
                                                                         api_as, grid):
    """The page and the API list read every option's tier rules at once (issue 23.3: one
    statement per option before)."""

    admin = factories.make_user("admin")
    _user, headers = api_as("operator")
    login_as("operator")

    def make(code: str) -> None:
        options.create_option({"code": code, "name": f"Option {code}", "monthly_price_cents": 500,
                               "tiers": [TierRule("T1", "cents", 300)]}, actor=admin)

    def counts() -> tuple[int, int]:
        result = []
        for get in (lambda: client.get("/billing/options"),
                    lambda: client.get("/api/v1/options", headers=headers)):
            result.append(statements_of(get))
        return result[0], result[1]

    make("A1")
    counts()  # the session's and the token's first use
    few = counts()
    for code in ("A2", "A3", "A4"):
        make(code)
    assert counts() == few
    items = client.get("/api/v1/options", headers=headers).get_json()["items"]
    assert [(i["code"], [t["tier"] for t in i["tiers"]]) for i in items] == [
        (code, ["T1"]) for code in ("A1", "A2", "A3", "A4")]
