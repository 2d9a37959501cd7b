"""Issue 19 item 17: large imports check the whole file at once, write in bulk, and report
the first 100 problems with a count of the rest; what they store matches the one-by-one path."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from isp.csvimport import MAX_LISTED_ERRORS, ImportRejected, run_import
from isp.history import acting_as, changes_query
from subscribers import services
from subscribers.models import Household, Unit
from tests import factories


def _units_file(codes: list[str], building: str = "BSCALE") -> bytes:
    lines = ["building_code,unit_code,staircase,floor,door"]
    lines += [f"{building},{code},A,1,{number}" for number, code in enumerate(codes, start=1)]
    return ("\n".join(lines) + "\n").encode()


def test_a_file_of_250_bad_rows_lists_the_first_100_and_counts_the_rest(db):
    factories.make_building("BSCALE")
    before = db.session.execute(select(func.count(Unit.id))).scalar_one()
    # 250 rows naming an unknown building, one good row in the middle
    lines = ["building_code,unit_code,staircase,floor,door"]
    lines += [f"NOPE,S-{number}" + ",A,1,1" for number in range(250)]
    lines.insert(120, "BSCALE,S-GOOD,A,1,1")

    with pytest.raises(ImportRejected) as rejected:
        run_import("units", ("\n".join(lines) + "\n").encode(), actor=None)

    assert len(rejected.value.errors) == MAX_LISTED_ERRORS == 100
    assert rejected.value.total == 250
    assert rejected.value.more == 150
    assert [e.line for e in rejected.value.errors] == list(range(2, 102))
    assert rejected.value.errors[0].column == "building_code"
    assert "250 erreurs" in rejected.value.message
    assert db.session.execute(select(func.count(Unit.id))).scalar_one() == before


def test_the_command_line_prints_100_errors_and_the_count_of_the_rest(runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(_units_file([f"C-{n}" for n in range(130)], building="NOPE"))

    result = runner.invoke(args=["import", "units", str(path)])

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert sum(": ligne " in line for line in lines) == 100
    assert "units.csv : … et 30 autres erreurs" in lines
    assert "Fichier refusé : 130 erreurs, rien n'a été enregistré." in result.stderr


def test_the_import_page_lists_100_errors_and_counts_the_rest(client, login_as):
    login_as("operator")
    data = {"kind": "units",
            "file": (io.BytesIO(_units_file([f"P-{n}" for n in range(1000)], building="NOPE")),
                     "u.csv")}

    response = client.post("/imports", data=data, content_type="multipart/form-data")

    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.count("immeuble inconnu NOPE") == 100
    assert "900 autres erreurs" in body


def test_duplicates_taken_codes_and_occupied_flats_are_found_in_one_pass(db):
    building = factories.make_building("BSCALE")
    factories.make_unit("TAKEN-1", building=building)
    occupied = factories.make_household(unit=factories.make_unit("OCC-1", building=building))

    with pytest.raises(ImportRejected) as units:
        run_import("units", _units_file(["NEW-1", "TAKEN-1", "NEW-1", "NEW-2"]), actor=None)
    data = ("unit_code,holder_name\n"
            f"{occupied.unit.code},Foyer A\nNOWHERE,Foyer B\nTAKEN-1,Foyer C\n"
            "TAKEN-1,Foyer D\n").encode()
    with pytest.raises(ImportRejected) as households:
        run_import("households", data, actor=None)

    assert [(e.line, e.column, e.reason) for e in units.value.errors] == [
        (3, "unit_code", "code de logement en double TAKEN-1"),
        (4, "unit_code", "code de logement en double NEW-1")]
    assert [(e.line, e.column, e.reason) for e in households.value.errors] == [
        (2, "unit_code", "le logement OCC-1 a déjà un foyer en place"),
        (3, "unit_code", "logement inconnu NOWHERE"),
        (5, "unit_code", "le logement TAKEN-1 a déjà un foyer en place")]


def _changes(record_type: str, record_id: int) -> list[tuple]:
    from isp.extensions import db

    return [(c.action, c.actor_id, c.household_id is not None, json.loads(c.changes))
            for c in db.session.execute(changes_query(record_type, record_id)).scalars()]


def test_imported_records_are_stored_like_those_created_one_by_one(db):
    operator = factories.make_user("operator")
    building = factories.make_building("BSCALE")
    data = ("unit_code,holder_name,phone,email,size,language,needs,moved_in_on\n"
            "BULK-1,  Mme Élise Durand ,06 12 34 56 78,Elise@Example.org,3,ar,"
            "email;online_admin,2026-03-01\n").encode()
    with acting_as(operator):
        run_import("units", _units_file(["BULK-1"]), actor=operator)
        run_import("households", data, actor=operator)
        by_hand = services.move_in(
            factories.make_unit("HAND-1", building=building), holder_name="  Mme Élise Durand ",
            moved_in_on=date(2026, 3, 1), phone="06 12 34 56 78", email="Elise@example.org",
            size=3, language="ar", needs=["email", "online_admin"])
    imported = db.session.execute(select(Household).join(Unit).where(
        Unit.code == "BULK-1")).scalar_one()
    unit = imported.unit

    fields = ("holder_name", "phone", "email", "size", "language", "needs", "moved_in_on",
              "moved_out_on")
    assert [getattr(imported, f) for f in fields] == [getattr(by_hand, f) for f in fields]
    assert imported.unit_code == "BULK-1"
    assert imported.search_key.replace("bulk", "hand") == by_hand.search_key
    # the history has the same create entry, by the same person
    [(action, actor_id, linked, changes)] = _changes("household", imported.id)
    [(_, _, _, by_hand_changes)] = _changes("household", by_hand.id)
    assert (action, actor_id, linked) == ("create", operator.id, True)
    assert {k: v for k, v in changes.items() if k != "unit_id"} == \
        {k: v for k, v in by_hand_changes.items() if k != "unit_id"}
    assert changes["unit_id"] == {"before": None, "after": unit.id}
    assert _changes("unit", unit.id) == [("create", operator.id, False, {
        "building_id": {"before": None, "after": building.id}, "code": {
            "before": None, "after": "BULK-1"}, "door": {"before": None, "after": "1"},
        "floor": {"before": None, "after": 1}, "staircase": {"before": None, "after": "A"}})]
