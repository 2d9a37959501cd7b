"""API, CSV import and the open-data export validated against the national schema."""

import json
from datetime import timedelta

from frictionless import Resource, Schema
from sqlalchemy import select

from isp.csvimport import ImportRejected, run_import
from isp.timeutil import today
from mediation import opendata
from mediation.associations import save_place
from mediation.models import Assignment, Association
from tests import factories
from tests.mediation.factories import make_slot


def _setup():
    district = factories.make_district()
    building = factories.make_building(district=district)
    a = factories.make_association(districts=district.code, languages="fr;ar",
                                   specialties="email;online_admin", siret_or_rna="W442000009",
                                   phone="02 40 11 22 33", email="contact@a.example")
    b = factories.make_association(districts=district.code)
    return district, building, a, b


def test_suggestions_and_assignment_api(client, api_as, db):
    _d, building, a, b = _setup()
    operator, headers = api_as("operator")
    h = factories.make_household(unit=factories.make_unit(building=building), language="ar",
                                 needs="email")
    body = client.get(f"/api/v1/households/{h.id}/suggested-associations",
                      headers=headers).get_json()
    assert body["items"][0]["association_code"] == a.code
    assert body["items"][0]["score"] == 3 + 2 + 1
    assert any("+3" in t["explanation"] for t in body["items"][0]["terms"])
    bad = client.post("/api/v1/assignments", json={"household_id": h.id,
                                                   "association_code": b.code}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "reason"
    assert client.post("/api/v1/assignments", json={"household_id": "x"},
                       headers=headers).status_code == 400
    ok = client.post("/api/v1/assignments", json={"household_id": h.id,
                                                  "association_code": a.code, "reason": "ok"},
                     headers=headers)
    assert ok.status_code == 201 and ok.get_json()["decided_by"] == operator.email
    assert db.session.execute(select(Assignment).where(Assignment.household_id == h.id))\
        .scalar_one().decided_by_id == operator.id


def test_mediator_api_slots_bookings_sessions(client, api_as, db):
    _d, building, a, b = _setup()
    _user, headers = api_as("mediator", association=a)
    h = factories.make_household(unit=factories.make_unit(building=building), association=a)
    slot, other = make_slot(a), make_slot(b)
    listed = client.get(f"/api/v1/slots?association={a.code}&from={today().isoformat()}",
                        headers=headers).get_json()
    assert [s["id"] for s in listed["items"]] == [slot.id]
    assert client.get(f"/api/v1/slots?association={b.code}", headers=headers).status_code \
        == 404
    assert client.get("/api/v1/slots?from=nope", headers=headers).status_code == 400
    # Statements built once per set of filters: each request's reader and dates (23.3).
    assert [s["id"] for s in client.get("/api/v1/slots", headers=headers).get_json()[
        "items"]] == [slot.id]
    _operator, operator_headers = api_as("operator")
    everyone = client.get("/api/v1/slots", headers=operator_headers).get_json()["items"]
    assert {s["id"] for s in everyone} >= {slot.id, other.id}
    later = (slot.starts_at + timedelta(days=400)).date().isoformat()
    assert client.get(f"/api/v1/slots?from={later}", headers=operator_headers).get_json()[
        "items"] == []
    booked = client.post("/api/v1/bookings", json={"slot_id": slot.id, "household_id": h.id},
                         headers=headers)
    assert booked.status_code == 201 and booked.get_json()["status"] == "booked"
    again = client.post("/api/v1/bookings", json={"slot_id": slot.id, "household_id": h.id},
                        headers=headers)
    assert again.status_code == 409
    assert client.post("/api/v1/bookings", json={"slot_id": other.id, "household_id": h.id},
                       headers=headers).status_code == 404
    session = client.post("/api/v1/sessions", headers=headers, json={
        "kind": "individual", "held_on": today().isoformat(), "duration_minutes": 45,
        "place_type": "own_place", "commune_code": "44109", "themes": ["email"],
        "household_id": h.id, "first_session": True})
    assert session.status_code == 201, session.get_json()
    assert session.get_json()["household_id"] == h.id
    bad = client.post("/api/v1/sessions", headers=headers, json={
        "kind": "individual", "held_on": "2026-02-30", "duration_minutes": 45,
        "place_type": "own_place", "commune_code": "44109", "themes": ["email"]})
    assert bad.status_code == 400 and bad.get_json()["field"] == "held_on"
    associations = client.get("/api/v1/associations", headers=headers).get_json()
    assert {x["code"] for x in associations["items"]} >= {a.code, b.code}


def test_import_associations_all_or_nothing(db):
    district = factories.make_district()
    good = (f"code,name,districts,languages,specialties,capacity_per_month\n"
            f"NEW-1,Asso une,{district.code},fr;ar,email;job_search,12\n").encode()
    assert run_import("associations", good, actor=None).rows == 1
    created = db.session.execute(select(Association).where(Association.code == "NEW-1"))\
        .scalar_one()
    assert created.capacity_per_month == 12 and created.languages == "fr;ar"
    bad = (f"code,name,districts,languages,specialties\n"
           f"NEW-2,Asso deux,{district.code},fr,email\n"
           f"NEW-3,Asso trois,NOWHERE,fr,email\n"
           f"NEW-4,Asso quatre,{district.code},fr,knitting\n").encode()
    try:
        run_import("associations", bad, actor=None)
        raise AssertionError("should be rejected")
    except ImportRejected as rejected:
        lines = {(e.line, e.column) for e in rejected.errors}
        assert lines == {(3, "districts"), (4, "specialties")}
    assert db.session.execute(select(Association).where(Association.code == "NEW-2"))\
        .scalar_one_or_none() is None


def test_open_data_export_is_valid_against_the_national_schema(db, client, tmp_path):
    _d, _b, a, b = _setup()
    save_place(a, name="Salle A", address="1 rue X", postcode="44300",
               commune="Nantes", insee_code="44109", opening_hours="Mo-Fr 09:00-12:00",
               accessibility="Plain-pied", latitude=47.24, longitude=-1.52)
    save_place(a, name="Bus", address="Place Y", postcode="44300", commune="Nantes",
               mobile=True)
    save_place(b, name="Sans SIRET", address="2 rue Z", postcode="44000",
               commune="Nantes")
    export = opendata.export_places()
    assert len(export.rows) == 2 and len(export.skipped) == 1
    assert export.rows[0]["telephone"] == "+33240112233"
    schema = Schema.from_descriptor(opendata.schema())
    path = tmp_path / "lieux.csv"
    path.write_text(opendata.to_csv(export), encoding="utf-8")
    report = Resource(path=path.name, basepath=str(tmp_path), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 2
    rows = json.loads(opendata.to_json(export))
    header = opendata.field_names()
    table = [header] + [[row[name] for name in header] for row in rows]
    report = Resource(data=table, schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    response = client.get("/open-data/lieux-mediation-numerique.csv")
    assert response.status_code == 200 and "Salle A" in response.get_data(as_text=True)
    assert "Sans SIRET" not in response.get_data(as_text=True)


def test_an_invalid_row_is_caught_by_the_validation(db, tmp_path):
    """The check can fail: a bad postcode makes the report invalid."""
    _d, _b, a, _other = _setup()
    place = save_place(a, name="Salle", address="1 rue", postcode="44300",
                       commune="Nantes")
    place.postcode = "4430"
    path = tmp_path / "bad.csv"
    path.write_text(opendata.to_csv(opendata.export_places()), encoding="utf-8")
    report = Resource(path=path.name, basepath=str(tmp_path),
                      schema=Schema.from_descriptor(opendata.schema())).validate()
    assert not report.valid
