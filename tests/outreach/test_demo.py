"""The outreach demo: fictitious requests at each status, idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from outreach import demand, demo
from outreach.models import ServiceRequest
from tests import factories


def test_demo_seeds_requests_once(db):
    factories.make_district("IRIS-441091008", name="Pin Sec")
    factories.make_district("IRIS-441091006", name="La Bottière")
    factories.make_user("operator")
    note = demo.seed_demo()
    assert note and "8 public requests" in note
    statuses = dict(db.session.execute(select(ServiceRequest.status, func.count()).group_by(
        ServiceRequest.status)).all())
    assert statuses == {"new": 4, "studied": 2, "planned": 1, "refused": 1}
    assert demand.requests_by_district()["IRIS-441091008"] == 7  # 4 requests + 3 supports
    assert demo.seed_demo() is None
    assert db.session.execute(select(func.count(ServiceRequest.id))).scalar_one() == 8


def test_demo_draws_the_illustrative_contours_and_says_so(db, client, login_as, monkeypatch):
    """Without an open-data file, the shipped simplified contours are imported for the IRIS the
    demo knows, once, and the map says they are illustrative."""
    from outreach.models import DistrictContour

    monkeypatch.setattr(demo, "CONTOUR_DIRS", ())  # no real file at hand, as in a checkout
    factories.make_district("IRIS-441091008", name="Pin Sec", iris_code="441091008")
    factories.make_district("IRIS-441090506", name="Malakoff", iris_code="441090506")
    factories.make_district("QP044006", name="QPV QP044006")  # no IRIS: no contour
    factories.make_user("operator")
    note = demo.seed_demo()
    assert "2 contours from demo-district-contours-illustrative.geojson" in note
    assert db.session.execute(select(func.count(DistrictContour.id))).scalar_one() == 2
    assert demo.seed_demo() is None  # idempotent
    assert db.session.execute(select(func.count(DistrictContour.id))).scalar_one() == 2
    db.session.commit()
    html = client.get("/open-data/carte").get_data(as_text=True)
    assert "<svg" in html and html.count("<path") >= 2
    assert "Contours simplifiés et illustratifs" in html


def test_an_open_data_file_wins_over_the_illustrative_contours(tmp_path, monkeypatch):
    (tmp_path / "nantes-iris-contours.geojson").write_text('{"type": "FeatureCollection"}')
    monkeypatch.setattr(demo, "CONTOUR_DIRS", (tmp_path,))
    assert demo._contour_file().name == "nantes-iris-contours.geojson"
    monkeypatch.setattr(demo, "CONTOUR_DIRS", (tmp_path / "absent",))
    assert demo._contour_file() == demo.ILLUSTRATIVE_CONTOURS
