"""CSV imports are all-or-nothing, with one message per bad row."""

import pytest
from sqlalchemy import func, select

from isp.csvimport import ImportRejected, run_import
from subscribers.models import Household, Unit
from tests import factories


def _count(db, model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _reasons(rejected):
    return [(e.line, e.column, e.reason) for e in rejected.errors]


def test_units_import_creates_all_rows(db):
    building = factories.make_building("BX")
    data = (b"building_code,unit_code,staircase,floor,door\n"
            b"BX,BX-A-01-1,A,1,1\nBX,BX-A-01-2,A,1,2\n")
    result = run_import("units", data, actor=None)
    assert result.rows == 2
    assert [u.code for u in building.units] == ["BX-A-01-1", "BX-A-01-2"]


@pytest.mark.parametrize(("content", "expected"), [
    ("building_code,unit_code,staircase,floor,door\nNOPE,X-1,A,1,1\n",
     (2, "building_code", "immeuble inconnu NOPE")),
    ("building_code,unit_code,staircase,floor,door\nBX,X-1,A,1,1\nBX,X-1,A,1,2\n",
     (3, "unit_code", "code de logement en double X-1")),
    ("building_code,unit_code,staircase,floor,door\nBX,X-1,A,un,1\n",
     (2, "floor", "« un » n'est pas un nombre entier")),
    ("building_code,unit_code,staircase,door\nBX,X-1,A,1\n", (1, "floor", "colonne manquante")),
    ("building_code,unit_code,staircase,floor,door,colour\nBX,X-1,A,1,1,red\n",
     (1, "colour", "colonne inconnue (colonnes possibles : building_code, unit_code, "
                     "staircase, floor, door)")),
    ("building_code,unit_code,staircase,floor,door\nBX,,A,1,1\n",
     (2, "unit_code", "valeur obligatoire")),
])
def test_units_import_rejections(db, content, expected):
    factories.make_building("BX")
    before = _count(db, Unit)
    with pytest.raises(ImportRejected) as rejected:
        run_import("units", content.encode(), actor=None)
    assert expected in _reasons(rejected.value)
    assert _count(db, Unit) == before


def test_a_bad_row_rejects_the_good_rows_too(db):
    factories.make_building("BX")
    data = (b"building_code,unit_code,staircase,floor,door\n"
            b"BX,G-1,A,1,1\nBX,G-2,A,1,2\nZZ,G-3,A,1,3\n")
    with pytest.raises(ImportRejected) as rejected:
        run_import("units", data, actor=None)
    assert len(rejected.value.errors) == 1
    assert db.session.execute(select(Unit).where(Unit.code.like("G-%"))).first() is None


def test_households_import_checks_emails_and_occupied_flats(db):
    unit = factories.make_unit("HU-1")
    factories.make_unit("HU-2")
    factories.make_household(unit=unit)
    data = (b"unit_code,holder_name,email\n"
            b"HU-1,Nouveau Foyer,ok@example.org\n"
            b"HU-2,Autre Foyer,pas-un-email\n")
    with pytest.raises(ImportRejected) as rejected:
        run_import("households", data, actor=None)
    reasons = _reasons(rejected.value)
    assert (2, "unit_code", "le logement HU-1 a déjà un foyer en place") in reasons
    assert any(line == 3 and column == "email" for line, column, _r in reasons)
    assert _count(db, Household) == 1


def test_wrong_encoding_is_rejected(db):
    data = "code,name,commune\nD9,Quartier é,Nantes\n".encode("latin-1")
    with pytest.raises(ImportRejected) as rejected:
        run_import("districts", data, actor=None)
    assert "Windows-1252" in rejected.value.errors[0].reason


def test_a_bom_and_columns_in_any_order_are_accepted(db):
    data = "\ufeffname,commune,code\nQuartier,Nantes,D-BOM\n".encode()
    assert run_import("districts", data, actor=None).rows == 1


def test_upload_page_shows_line_errors(client, login_as, db):
    import io

    login_as("operator")
    response = client.post("/imports", data={
        "kind": "districts",
        "file": (io.BytesIO(b"code,name\nD1,Un\n"), "d.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "commune" in page
    assert "rien n&#39;a été enregistré" in page or "rien n'a été enregistré" in page
