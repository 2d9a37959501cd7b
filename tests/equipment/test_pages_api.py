"""Pages and API of lent equipment: create, move, refusals beside the field, API errors, the
household panel for operators and for the mediator of the household's association only."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories
from tests.equipment.factories import lend, make_item, make_partner

pytestmark = pytest.mark.clock("2026-11-15T10:00:00+01:00")


def test_api_create_list_get_move(client, db, api_as):
    _user, headers = api_as("operator")
    partner = make_partner("ATELIER")
    household = factories.make_household()
    response = client.post("/api/v1/equipment", headers=headers, json={
        "kind": "computer", "origin": "refurbished", "serial": "PC-1",
        "partner_code": "ATELIER", "acquired_on": "2026-01-10"})
    assert response.status_code == 201, response.json
    item = response.json
    assert item["embodied_kgco2e"] == 46.35 and item["state"] == "in_stock"
    assert item["partner"]["code"] == "ATELIER"
    assert set(item["allowed_moves"]) == {"lent", "in_repair", "recycled"}
    moved = client.post(f"/api/v1/equipment/{item['id']}/moves", headers=headers, json={
        "to_state": "lent", "household_id": household.id, "agreement_ref": "CONV-9",
        "signed_on": "2026-11-14"})
    assert moved.status_code == 201, moved.json
    assert moved.json["item"]["household_id"] == household.id
    listed = client.get(f"/api/v1/equipment?state=lent&household_id={household.id}",
                        headers=headers).json
    assert listed["total"] == 1 and listed["items"][0]["serial"] == "PC-1"
    assert set(listed) >= {"items", "total", "total_exact", "page", "per_page"}
    # The list's statement is built once per set of filters: each request's values.
    in_stock = client.get(f"/api/v1/equipment?state=in_stock&household_id={household.id}",
                          headers=headers).json
    assert in_stock["total"] == 0 and in_stock["items"] == []
    assert client.get("/api/v1/equipment?q=PC-", headers=headers).json["total"] == 1
    assert client.get("/api/v1/equipment?q=ZZ", headers=headers).json["total"] == 0
    one = client.get(f"/api/v1/equipment/{item['id']}", headers=headers).json
    assert [m["to_state"] for m in one["moves"]] == ["in_stock", "lent"]
    assert one["moves"][1]["agreement_ref"] == "CONV-9"
    assert client.get("/api/v1/equipment?kind=fridge", headers=headers).status_code == 400
    assert partner.code == "ATELIER"


def test_api_errors(client, db, api_as):
    _user, headers = api_as("operator")
    item = make_item("box", serial="B-1")
    bad = client.post("/api/v1/equipment", headers=headers, json={"kind": "box",
                                                                  "origin": "new"})
    assert bad.status_code == 422 and bad.json["field"] == "serial"
    duplicate = client.post("/api/v1/equipment", headers=headers,
                            json={"kind": "box", "origin": "new", "serial": "B-1"})
    assert duplicate.status_code == 409 and duplicate.json["field"] == "serial"
    unknown = client.post("/api/v1/equipment", headers=headers, json={"colour": "red"})
    assert unknown.status_code == 400
    not_json = client.post("/api/v1/equipment", headers=headers, data="x")
    assert not_json.status_code == 400
    refused = client.post(f"/api/v1/equipment/{item.id}/moves", headers=headers,
                          json={"to_state": "refurbished"})
    assert refused.status_code == 409 and "« en stock »" in refused.json["error"]
    assert refused.json["field"] == "to_state"
    assert client.get("/api/v1/equipment/999999", headers=headers).status_code == 404
    _mediator, mediator_headers = api_as("mediator")
    assert client.get("/api/v1/equipment", headers=mediator_headers).status_code == 403


def test_pages_create_and_refused_move(client, db, login_as):
    login_as("operator")
    response = client.post("/equipment/new", data={"kind": "tablet", "origin": "new",
                                                   "serial": "TAB-1", "partner_code": ""})
    assert response.status_code == 302
    item_url = response.headers["Location"]
    page = client.get(item_url).get_data(as_text=True)
    assert "TAB-1" in page and "60.1 kgCO2e" in page
    refused = client.post(f"{item_url}/moves", data={"to_state": "lent"})
    assert refused.status_code == 400
    assert "Choisissez le foyer" in refused.get_data(as_text=True)
    duplicate = client.post("/equipment/new", data={"kind": "tablet", "origin": "new",
                                                    "serial": "TAB-1"})
    assert duplicate.status_code == 400 and "existe déjà" in duplicate.get_data(as_text=True)
    assert client.get("/equipment?state=lent").status_code == 200
    assert client.get("/equipment?state=nope").status_code == 400


def test_household_panel_operator_and_mediator_scope(client, db, login_as):
    association = factories.make_association()
    household = factories.make_household(association=association)
    other = factories.make_household(association=factories.make_association())
    lend(make_item("box", serial="BOX-OURS"), household, on=date(2026, 1, 5))
    lend(make_item("box", serial="BOX-THEIRS"), other, on=date(2026, 1, 5))
    login_as("mediator", association=association)
    page = client.get(f"/households/{household.id}/equipment").get_data(as_text=True)
    assert "BOX-OURS" in page and "CONV-" in page
    assert "/equipment/" not in page  # read-only: no link to the operators' pages
    assert client.get(f"/households/{other.id}/equipment").status_code in (403, 404)
    login_as("operator")
    page = client.get(f"/households/{household.id}/equipment").get_data(as_text=True)
    assert "BOX-OURS" in page and "/equipment/" in page
