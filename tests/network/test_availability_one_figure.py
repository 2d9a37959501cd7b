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


@pytest.mark.clock("2026-12-20T12:00:00+01:00")
def test_the_building_page_reads_once_and_finds_the_same_figures(app, db):
    """The page's 30 days and 12 months come from one reading of devices and outages
    (``building_availability_over``): each equals the single-window rule, for an outage across
    midnight, one across a month's end, an access device alone down (not the building), and an
    outage still open."""
    from datetime import date

    from sqlalchemy import event

    from network.availability import (
        availability_by_day,
        availability_by_month,
        building_availability,
        building_month_availability,
        day_bounds,
    )

    building = _building_with_an_outage()
    access = [Device(building=building, hostname=f"av-acc-{factories.n()}",
                     mgmt_address="127.0.0.1", role="access", status="up") for _ in range(2)]
    db.session.add_all(access)
    db.session.flush()
    aggregation_id = db.session.scalar(db.select(Device.id).where(
        Device.building_id == building.id, Device.role == "aggregation"))
    for device_id, start, hours in (
            (aggregation_id, datetime(2026, 12, 10, 22, 30, tzinfo=UTC), 3),   # across midnight
            (aggregation_id, datetime(2026, 11, 30, 20, 0, tzinfo=UTC), 5),    # across months
            (access[0].id, datetime(2026, 12, 12, 8, 0, tzinfo=UTC), 4),       # one of two
            (access[0].id, datetime(2026, 12, 19, 9, 0, tzinfo=UTC), None),    # still open
            (access[1].id, datetime(2026, 12, 19, 10, 0, tzinfo=UTC), None)):
        db.session.add(Outage(device_id=device_id, started_at=start, cause="no_answer",
                              ended_at=start + timedelta(hours=hours) if hours else None))
    db.session.flush()

    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        days = availability_by_day(building.id, date(2026, 11, 21), date(2026, 12, 20))
        months = availability_by_month(building.id, 12, date(2026, 12, 20))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 4  # devices and outages, once for the days, once for the months

    for day, result in days:
        alone = building_availability(building.id, *day_bounds(day))
        assert (result.downtime_s, result.devices) == (alone.downtime_s, alone.devices), day
    assert dict(days)[date(2026, 12, 10)].downtime_s == 30 * 60  # 23:30–00:00 Paris
    assert dict(days)[date(2026, 12, 12)].downtime_s == 0  # the other access device was up
    assert dict(days)[date(2026, 12, 19)].downtime_s > 0  # both access devices down
    for period, result in months:
        alone = building_month_availability(building.id, period)
        assert result.availability_pct == alone.availability_pct, period
        assert result.downtime_s == alone.downtime_s, period
    assert [period for period, _r in months][-2:] == ["2026-11", "2026-12"]
