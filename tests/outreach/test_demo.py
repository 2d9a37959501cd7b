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
