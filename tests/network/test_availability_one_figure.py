"""Issue 16.9: one availability figure per building and month, shown identically everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from isp.extensions import db
from network.availability import building_month_availability
from network.models import Device, Outage
from tests import factories


def _building_with_an_outage():
    building = factories.make_building()
    for _ in range(5):  # flats and households, so that the building has evaluation figures
        unit = factories.make_unit(building=building)
        factories.make_subscription(household=factories.make_household(unit=unit))
    device = Device(building=building, hostname=f"av-agg-{factories.n()}",
                    mgmt_address="127.0.0.1", role="aggregation", status="up")
    db.session.add(device)
    db.session.flush()
    start = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    db.session.add(Outage(device_id=device.id, started_at=start,
                          ended_at=start + timedelta(hours=3), cause="no_answer"))
    db.session.flush()
    return building


#: December from 1 Dec 00:00 Paris (30 Nov 23:00 UTC) to now (20 Dec 11:00 UTC) = 468 h,
#: 3 h down: 1 − 3/468 = 99.3590 % → "99,36 %".
EXPECTED = "99,36\xa0%"


@pytest.mark.clock("2026-12-20T12:00:00+01:00")
def test_the_figure_is_defined_once(app, db):
    building = _building_with_an_outage()
    result = building_month_availability(building.id, "2026-12")
    # The frozen clock ticks: the period runs to now, a few seconds after 12:00 on a slow machine.
    assert 468 * 3600 <= result.period_s < 468 * 3600 + 60 and result.downtime_s == 3 * 3600
    assert result.availability_pct == 99.36


@pytest.mark.clock("2026-12-20T12:00:00+01:00")
def test_dashboard_network_page_footprint_and_api_show_the_same_figure(client, login_as,
                                                                        api_as):
    from evaluation import aggregates

    building = _building_with_an_outage()
    aggregates.refresh(["2026-12"])
    login_as("operator")
    network_page = client.get(f"/network/buildings/{building.code}").get_data(as_text=True)
    login_as("analyst")
    dashboard = client.get(f"/evaluation?level=building&code={building.code}&period=2026-12"
                           ).get_data(as_text=True)
    footprint = client.get("/evaluation/footprint?year=2026&month=12").get_data(as_text=True)
    _, headers = api_as("analyst")
    api = client.get(f"/api/v1/availability?building={building.code}&from=2026-12-01"
                     "&to=2026-12-31", headers=headers).get_json()

    expected = EXPECTED.replace("\xa0", " ")
    for name, page in (("network", network_page), ("dashboard", dashboard),
                       ("footprint", footprint)):
        assert expected in page.replace("\xa0", " ").replace("&nbsp;", " "), name
    assert api["availability_pct"] == 99.36
    assert api["availability_label"].replace("\xa0", " ") == expected
