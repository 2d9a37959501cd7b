"""District contours (GeoJSON validation, all or nothing) and the SVG choropleth."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from isp.extensions import db
from outreach import contours, services, svgmap
from outreach.contours import ContourImportError
from outreach.models import DistrictContour
from tests.outreach.conftest import GEOJSON, valid_request


def _document(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _feature(code, coordinates, kind="Polygon", prop="code"):
    return {"type": "Feature", "properties": {prop: code},
            "geometry": {"type": kind, "coordinates": coordinates}}


SQUARE = [[[-1.5, 47.2], [-1.4, 47.2], [-1.4, 47.3], [-1.5, 47.3], [-1.5, 47.2]]]


def _stored() -> int:
    return db.session.execute(select(func.count(DistrictContour.id))).scalar_one()


def test_import_of_the_synthetic_file(db, districts):
    result = contours.import_contours(GEOJSON.read_bytes(), source="districts.geojson")
    assert result.imported == 3 and _stored() == 3
    assert set(contours.contours()) == {"TST-NORD", "TST-SUD", "TST-EST"}
    again = contours.import_contours(GEOJSON.read_bytes())  # replaces, never duplicates
    assert again.imported == 3 and _stored() == 3


@pytest.mark.parametrize(("coordinates", "kind", "expected"), [
    ([[[-1.5, 47.2], [-1.4, 47.2], [-1.4, 47.3], [-1.5, 47.3]]], "Polygon", "non fermé"),
    ([[[-1.5, 47.2], [-1.4, 47.2], [-1.5, 47.2]]], "Polygon", "au moins 4"),
    ([[[355000, 6690000], [356000, 6690000], [356000, 6691000], [355000, 6690000]]], "Polygon",
     "WGS84"),
    ([[[-1.5, 47.2], [-1.4, 47.3], [-1.4, 47.2], [-1.5, 47.25], [-1.5, 47.2]]], "Polygon",
     "croise"),
    ([[["a", 47.2], [-1.4, 47.2], [-1.4, 47.3], ["a", 47.2]]], "Polygon", "position invalide"),
    ([-1.5, 47.2], "Point", "Polygon ou MultiPolygon"),
])
def test_invalid_geometries_are_named_and_nothing_is_imported(db, districts, coordinates, kind,
                                                               expected):
    document = _document(_feature("TST-NORD", SQUARE), _feature("TST-SUD", coordinates, kind))
    with pytest.raises(ContourImportError) as refused:
        contours.import_contours(document)
    assert any(expected in e and "TST-SUD" in e and "n° 2" in e for e in refused.value.errors)
    assert _stored() == 0  # the valid first feature is not kept either


def test_unknown_codes_duplicates_and_missing_property(db, districts):
    document = _document(_feature("NOPE", SQUARE), _feature("TST-NORD", SQUARE),
                         _feature("TST-NORD", SQUARE), _feature("TST-EST", SQUARE, prop="x"))
    with pytest.raises(ContourImportError) as refused:
        contours.import_contours(document)
    text = "\n".join(refused.value.errors)
    assert "aucun quartier" in text and "déjà vu" in text and "« code » absente" in text
    skipped = contours.import_contours(_document(_feature("NOPE", SQUARE),
                                                 _feature("TST-NORD", SQUARE)),
                                       skip_unknown=True)
    assert skipped.imported == 1 and skipped.skipped == ["NOPE"]


def test_configurable_property_and_district_column(db, districts):
    districts["TST-SUD"].iris_code = "441090903"
    result = contours.import_contours(_document(_feature(441090903, SQUARE, prop="code_iris")),
                                      property_name="code_iris", match="iris_code")
    assert result.imported == 1 and list(contours.contours()) == ["TST-SUD"]


@pytest.mark.parametrize("raw", ["not json", '{"type": "Feature"}',
                                 '{"type": "FeatureCollection", "features": [], '
                                 '"crs": {"type": "name", "properties": {"name": "EPSG:2154"}}}'])
def test_unreadable_files(db, districts, raw):
    with pytest.raises(ContourImportError):
        contours.import_contours(raw)


def test_cli_import_all_or_nothing(runner, db, districts, tmp_path):
    ok = runner.invoke(args=["contours", "import", str(GEOJSON)])
    assert ok.exit_code == 0, ok.output
    assert "3" in ok.output
    bad = tmp_path / "bad.geojson"
    bad.write_text(_document(_feature("TST-NORD", [[[-1.5, 47.2], [-1.4, 47.2]]])))
    refused = runner.invoke(args=["contours", "import", str(bad)])
    assert refused.exit_code == 1 and "TST-NORD" in refused.output


def test_svg_has_one_path_per_district_and_no_script(db, districts):
    contours.import_contours(GEOJSON.read_bytes())
    geometries = contours.contours()
    drawing = svgmap.choropleth(geometries, {"TST-NORD": 10.0, "TST-SUD": 20.0, "TST-EST": None},
                                {"TST-NORD": "Nord"}, title="Indice", description="Carte",
                                value_text=lambda v: f"{v:.0f}", no_data_label="pas de chiffre")
    svg = str(drawing.svg)
    assert len(re.findall(r"<path ", svg)) == 3
    assert "<script" not in svg and "style=" not in svg and " on" not in svg
    assert '<title id="map-title">Indice</title>' in svg and "<desc" in svg
    assert 'role="img"' in svg
    assert drawing.colour_of["TST-EST"] == svgmap.NO_DATA
    assert drawing.colour_of["TST-NORD"] != drawing.colour_of["TST-SUD"]
    # the MultiPolygon with a hole: three rings, three sub-paths
    south = re.search(r'<path d="([^"]+)"[^>]*data-district="TST-SUD"', svg).group(1)
    assert south.count("M") == 3


def test_class_bounds():
    assert svgmap.class_bounds([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == [2, 4, 6, 8, 10]
    assert svgmap.class_bounds([5.0, 5.0]) == [5.0]
    assert svgmap.class_bounds([]) == []


def test_map_pages_without_contours_say_what_to_import(client, login_as, districts):
    page = client.get("/open-data/carte")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "isp contours import" in html
    assert "<svg" not in html and "<table" in html


def test_map_pages_draw_and_suppress_small_request_counts(client, login_as, districts):
    contours.import_contours(GEOJSON.read_bytes())
    for number in range(3):
        services.submit_request(valid_request(street=f"{number} rue Nord",
                                              district_code="TST-NORD"),
                                client_address=f"10.1.0.{number}")
    for number in range(7):
        services.submit_request(valid_request(street=f"{number} rue Sud",
                                              district_code="TST-SUD"),
                                client_address=f"10.2.0.{number}")
    db.session.commit()
    html = client.get("/open-data/carte?show=requests").get_data(as_text=True)
    assert html.count("<path ") == 3 and "<script" not in html
    north_row = re.search(r"Nord <span.*?</tr>", html, re.S).group(0)
    assert "&lt; 5" in north_row and ">3<" not in north_row
    south_row = re.search(r"Sud <span.*?</tr>", html, re.S).group(0)
    assert ">5<" in south_row  # 7 published rounded to 5
    login_as("analyst")
    analyst = client.get("/evaluation/carte?show=bogus")
    assert analyst.status_code == 200 and analyst.get_data(as_text=True).count("<path ") == 3


def test_admin_upload_page(client, login_as, districts, tmp_path):
    import io

    login_as("admin")
    assert client.get("/admin/contours").status_code == 200
    bad = client.post("/admin/contours", data={"file": (io.BytesIO(b"{}"), "x.geojson")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "FeatureCollection" in bad.get_data(as_text=True)
    good = client.post("/admin/contours", data={
        "file": (io.BytesIO(GEOJSON.read_bytes()), "d.geojson"), "property_name": "code",
        "match": "code"}, content_type="multipart/form-data")
    assert good.status_code == 303 and _stored() == 3


def test_admin_finds_the_import_page_from_the_map(client, login_as, districts):
    login_as("admin")
    assert "/admin/contours" in client.get("/evaluation/carte").get_data(as_text=True)
    login_as("analyst")
    assert "/admin/contours" not in client.get("/evaluation/carte").get_data(as_text=True)
