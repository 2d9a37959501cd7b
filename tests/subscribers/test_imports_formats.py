"""Imports people can use (issue 18, item 9): the separator a spreadsheet saves with (;, , or
tab) is recognised, a Windows-1252 file is refused with how to save it in UTF-8, and the import
page shows each kind in French with its columns, an example line and a template to download."""

from __future__ import annotations

import io

import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from isp.csvimport import IMPORTERS, ImportRejected, detect_delimiter, run_import
from subscribers.models import Building, District, Household, Unit
from tests import factories
from tests.isp.test_i18n import english  # noqa: F401  (fixture: the compiled English catalogue)


def _count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_semicolon_file_as_a_french_spreadsheet_saves_it_is_imported(db):
    building = factories.make_building("SEMI")
    data = (b"building_code;unit_code;staircase;floor;door\r\n"
            b"SEMI;SEMI-A-01-1;A;1;1\r\nSEMI;SEMI-A-01-2;A;1;2\r\n")
    assert run_import("units", data, actor=None).rows == 2
    assert [unit.code for unit in building.units] == ["SEMI-A-01-1", "SEMI-A-01-2"]


def test_a_tab_separated_file_is_imported_with_a_quoted_cell_holding_the_other_separators(db):
    factories.make_unit("TAB-1")
    data = (b"unit_code\tholder_name\tneeds\n"
            b'TAB-1\t"Diallo, Awa"\t"first_steps;email"\n')
    assert run_import("households", data, actor=None).rows == 1
    household = db.session.execute(select(Household)).scalar_one()
    assert household.holder_name == "Diallo, Awa"
    assert household.needs == "first_steps;email"


def test_a_comma_file_still_imports_and_a_semicolon_in_a_cell_does_not_fool_the_detection(db):
    factories.make_unit("COM-1")
    data = b'unit_code,holder_name,needs\nCOM-1,Awa,"first_steps;email"\n'
    assert run_import("households", data, actor=None).rows == 1


@pytest.mark.parametrize(("header", "expected"), [
    ("unit_code;holder_name;colour", ";"),   # one unknown column: still told by the known ones
    ("unit_code\tholder_name", "\t"),
    ("unit_code,holder_name", ","),
    ("nom;prénom;ville", ";"),                # no known column: the separator the header holds
    ("unit_code", ","),                       # one column: any separator reads it
])
def test_the_header_row_tells_the_separator(header, expected):
    assert detect_delimiter(header + "\nx\n", ("unit_code", "holder_name")) == expected


def test_an_unknown_column_of_a_semicolon_file_is_named_alone(db):
    with pytest.raises(ImportRejected) as rejected:
        run_import("districts", b"code;name;commune;couleur\nD1;Un;Nantes;rouge\n",
                   actor=None)
    assert [(e.line, e.column) for e in rejected.value.errors] == [(1, "couleur")]
    assert rejected.value.errors[0].reason.startswith("colonne inconnue")


def test_a_windows_1252_file_is_refused_in_french_with_how_to_save_it_in_utf8(db):
    before = _count(db, District)
    data = "code;name;commune\nD-ANSI;Quartier Créé;Nantes\n".encode("cp1252")
    with pytest.raises(ImportRejected) as rejected:
        run_import("districts", data, actor=None)
    [error] = rejected.value.errors
    assert error.line == 2 and error.column is None
    assert "Windows-1252" in error.reason and "CSV UTF-8" in error.reason
    assert str(error).startswith("ligne 2 : le fichier semble enregistré en Windows-1252")
    assert _count(db, District) == before


def test_the_command_line_refuses_a_windows_1252_file_with_the_french_reason(runner, tmp_path):
    path = tmp_path / "quartiers.csv"
    path.write_bytes("code;name;commune\nD-ANSI;Quartier Créé;Nantes\n".encode("cp1252"))
    result = runner.invoke(args=["import", "districts", str(path)])
    assert result.exit_code == 1
    assert "quartiers.csv: ligne 2 : le fichier semble enregistré en Windows-1252" \
        in result.stderr


def test_the_command_line_reads_a_semicolon_file(runner, db, tmp_path):
    path = tmp_path / "quartiers.csv"
    path.write_bytes("code;name;commune\nD-CLI;Île de Nantes;Nantes\n".encode())
    result = runner.invoke(args=["import", "districts", str(path)])
    assert result.exit_code == 0, result.stderr
    assert db.session.execute(select(District.name).where(District.code == "D-CLI"))\
        .scalar_one() == "Île de Nantes"


def test_the_page_lists_every_kind_with_its_french_name_columns_example_and_template(
        client, login_as, db):
    login_as("operator")
    page = client.get("/imports").get_data(as_text=True)
    for name in ("Quartiers", "Immeubles", "Logements", "Foyers", "Paiements", "Abonnements",
                 "Associations de médiation", "Indicateurs de quartier",
                 "Équipements réseau", "Câblage des logements"):
        assert f"<h3>{name}</h3>" in page
    for spec in IMPORTERS.values():
        section = page.split(f'id="import-{spec.kind}"', 1)[1].split("</section>", 1)[0]
        assert " ; ".join(spec.required) in section
        assert spec.example, f"{spec.kind} has no example line"
        example = ";".join(spec.example.get(name, "") for name in spec.columns)
        assert example.replace("'", "&#39;") in section
        assert f'href="/imports/{spec.kind}/template.csv"' in section
    # the kinds are offered by their French names in the form too
    assert '<option value="units">Logements</option>' in page


def test_the_page_reads_in_english_for_an_english_reader(client, login_as, db, english):  # noqa: F811
    login_as("operator", locale="en")
    refresh()
    page = client.get("/imports").get_data(as_text=True)
    assert "<h3>Flats</h3>" in page and "Download the" in page
    refresh()
    response = client.post("/imports", data={
        "kind": "districts", "file": (io.BytesIO(b"code;name;commune;colour\n"), "d.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "unknown column (possible columns: code, name, commune" \
        in response.get_data(as_text=True)


def test_each_template_downloads_with_its_header_and_example_line(client, login_as, db):
    login_as("operator")
    for spec in IMPORTERS.values():
        response = client.get(f"/imports/{spec.kind}/template.csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert f'filename="modele-{spec.kind}.csv"' in response.headers["Content-Disposition"]
        text = response.get_data().decode("utf-8-sig")
        header, example = text.splitlines()
        assert header.split(";") == list(spec.columns)
        assert example.split(";")[0] == spec.example[spec.columns[0]]
    assert client.get("/imports/nothing/template.csv").status_code == 404


def test_templates_downloaded_then_imported_from_the_page_create_what_they_show(
        client, login_as, db):
    """Districts, buildings, flats and households: the four templates, each imported as
    downloaded (their example lines refer to each other), then a second flat whose line
    was written after the example."""
    login_as("operator")
    for kind in ("districts", "buildings", "units", "households"):
        template = client.get(f"/imports/{kind}/template.csv").get_data()
        if kind == "units":
            template += b"BOT-12;BOT-12-A-03-3;A;3;3\r\n"
        response = client.post("/imports", data={
            "kind": kind, "file": (io.BytesIO(template), f"modele-{kind}.csv")},
            content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)
    building = db.session.execute(select(Building).where(Building.code == "BOT-12"))\
        .scalar_one()
    assert building.name == "Résidence des Lilas" and building.district.code == "NANTES-BOTTIERE"
    assert sorted(db.session.execute(select(Unit.code)).scalars()) == [
        "BOT-12-A-03-2", "BOT-12-A-03-3"]
    household = db.session.execute(select(Household)).scalar_one()
    assert (household.holder_name, household.unit.code, household.size) == (
        "Awa Diallo", "BOT-12-A-03-2", 3)


def test_the_page_refuses_a_windows_1252_file_with_the_french_reason(client, login_as, db):
    login_as("operator")
    data = "code;name;commune\nD-ANSI;Quartier Créé;Nantes\n".encode("cp1252")
    response = client.post("/imports", data={
        "kind": "districts", "file": (io.BytesIO(data), "quartiers.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "ligne 2 : le fichier semble enregistré en Windows-1252 (ANSI), pas en UTF-8" in page
    assert "« CSV UTF-8 » (Excel)" in page
    assert db.session.execute(select(District).where(District.code == "D-ANSI")).first() is None
