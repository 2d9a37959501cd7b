"""Per-record history (issue 16.13): who, when, before and after, for every business record."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from isp import history
from isp.extensions import db as _db
from isp.history import RecordChange
from tests import factories

CLOCK = "2026-12-04T10:00:00+01:00"


def _changes(record_type: str, record_id) -> list[RecordChange]:
    return list(_db.session.execute(history.changes_query(record_type, record_id)).scalars())


def test_every_tracked_table_exists(app):
    """A renamed table must fail here rather than silently stop being tracked."""
    assert set(history.TRACKED) <= set(_db.metadata.tables)
    for table_name, rule in history.TRACKED.items():
        columns = set(_db.metadata.tables[table_name].c.keys())
        assert rule.ignored <= columns, table_name
        if rule.parent:
            assert rule.parent[1] in columns, table_name


@pytest.mark.clock(CLOCK)
def test_household_edit_page_records_who_before_and_after(client, login_as, db):
    operator = login_as("operator")
    household = factories.make_household(holder_name="Awa Diallo", phone="0611111111",
                                         language="fr")
    db.session.commit()  # the page reads it afresh (its attributes are expired)
    response = client.post(f"/households/{household.id}/edit", data={
        "holder_name": "Awa Diallo", "phone": "0622222222", "email": "", "size": "",
        "language": "ar", "needs": "", "other_members": ""})
    assert response.status_code == 302
    update = [c for c in _changes("household", household.id) if c.action == "update"]
    assert len(update) == 1
    assert update[0].actor_id == operator.id and update[0].actor_email == operator.email
    assert update[0].change_dict == {"phone": {"before": "0611111111", "after": "0622222222"},
                                     "language": {"before": "fr", "after": "ar"}}
    page = client.get(f"/households/{household.id}/history").get_data(as_text=True)
    assert "Historique des modifications" in page
    assert "0611111111" in page and operator.email in page


@pytest.mark.clock(CLOCK)
def test_history_api_is_a_list_envelope_and_mediators_see_coaching_fields_only(client, api_as,
                                                                               db):
    association = factories.make_association()
    operator = factories.make_user("operator")
    household = factories.make_household(association=association, phone="0611111111",
                                         email="old@example.org")
    factories.make_subscription(household=household)
    with history.acting_as(operator):
        household.phone = "0633333333"
        household.email = "new@example.org"
        db.session.flush()
    _op, op_headers = api_as("operator")
    body = client.get(f"/api/v1/households/{household.id}/history",
                      headers=op_headers).get_json()
    assert set(body) == {"items", "total", "total_exact", "page", "per_page"}
    newest = body["items"][0]
    assert newest["actor"] == operator.email and newest["action"] == "update"
    assert newest["changes"]["email"] == {"before": "old@example.org",
                                          "after": "new@example.org"}
    assert {item["record_type"] for item in body["items"]} >= {"household", "subscription",
                                                               "assignment"}
    _med, med_headers = api_as("mediator", association=association)
    seen = client.get(f"/api/v1/households/{household.id}/history",
                      headers=med_headers).get_json()
    assert {item["record_type"] for item in seen["items"]} == {"household"}
    text = json.dumps(seen)
    assert "0633333333" in text
    assert "example.org" not in text  # e-mail is not a coaching field


@pytest.mark.clock(CLOCK)
def test_building_edit_page_records_and_shows_the_change(client, login_as, db):
    operator = login_as("operator")
    building = factories.make_building(landlord="Nantes Habitat")
    db.session.commit()
    response = client.post(f"/buildings/{building.code}/edit", data={
        "code": building.code, "name": building.name, "address": building.address,
        "postcode": building.postcode, "commune": building.commune,
        "district_code": building.district.code, "landlord": "Atlantique Habitations",
        "status": "live"})
    assert response.status_code == 302
    change = _changes("building", building.id)[0]
    assert change.actor_email == operator.email
    assert change.change_dict["landlord"] == {"before": "Nantes Habitat",
                                              "after": "Atlantique Habitations"}
    assert change.change_dict["status"] == {"before": "pilot", "after": "live"}
    page = client.get(f"/buildings/{building.code}").get_data(as_text=True)
    assert "Atlantique Habitations" in page and "Nantes Habitat" in page


@pytest.mark.clock(CLOCK)
def test_flat_and_association_changes_are_recorded(db):
    operator = factories.make_user("operator")
    unit = factories.make_unit(door="12")
    association = factories.make_association(capacity_per_month=20)
    with history.acting_as(operator):
        unit.door = "12B"
        association.capacity_per_month = 30
        db.session.flush()
    assert _changes("unit", unit.id)[0].change_dict == {"door": {"before": "12",
                                                                 "after": "12B"}}
    assert _changes("association", association.id)[0].change_dict == {
        "capacity_per_month": {"before": 20, "after": 30}}


@pytest.mark.clock(CLOCK)
def test_device_credentials_are_recorded_as_changed_never_in_clear(client, login_as, db):
    from network.credentials import encrypt_secret
    from network.models import Device

    operator = login_as("operator")
    device = Device(building_id=factories.make_building().id, hostname="sw-hist-1",
                    mgmt_address="127.0.0.1", ssh_password_enc=encrypt_secret("Old-Pass-1"))
    db.session.add(device)
    db.session.flush()
    with history.acting_as(operator):
        device.ssh_password_enc = encrypt_secret("New-Pass-2")
        device.model = "C2960X"
        device.status = "up"  # the poller's state is not a business change
        db.session.flush()
    stored = " ".join(c.changes for c in _changes("device", device.id))
    assert "Pass" not in stored and "gAAAA" not in stored  # neither clear nor ciphertext
    update = _changes("device", device.id)[0]
    assert update.change_dict == {"ssh_password_enc": {"changed": True},
                                  "model": {"before": None, "after": "C2960X"}}
    page = client.get("/network/devices/sw-hist-1").get_data(as_text=True)
    assert "valeur secrète non enregistrée" in page and "C2960X" in page


@pytest.mark.clock(CLOCK)
def test_tariff_price_change_is_on_the_tier_page(client, login_as, db):
    from billing import tariffs

    tariffs.ensure_default_grid()
    admin = login_as("admin")
    tier = tariffs.get_tier("T2")
    with history.acting_as(admin):
        tariffs.update_tier(tier, actor=admin, label=tier.label, rule_text=tier.rule_text,
                            price_cents=650)
    prices = [c for c in _changes("tier", tier.id) if c.record_type == "tier_price"]
    assert prices and prices[0].change_dict["price_cents"]["after"] == 650
    assert prices[0].actor_email == admin.email
    page = client.get("/billing/tariffs/T2").get_data(as_text=True)
    # the field's label and the amount as money, not the column name and raw cents
    assert "<td>Prix</td>" in page and "6,50\u00a0€" in page and "price_cents" not in page


def test_a_rolled_back_change_leaves_no_history(db):
    household = factories.make_household(phone="0611111111")
    before = _db.session.execute(select(RecordChange.id)).all()
    savepoint = db.session.begin_nested()
    household.phone = "0699999999"
    db.session.flush()
    savepoint.rollback()
    assert _db.session.execute(select(RecordChange.id)).all() == before
