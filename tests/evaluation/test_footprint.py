"""Footprint: watts × hours × uptime, emission factor, embodied over 5 years, 4R chain."""

from __future__ import annotations

from datetime import date

import pytest

from evaluation import footprint
from isp.extensions import db
from tests import factories
from tests.evaluation.factories import building_with_subscribers
from tests.statements import recorded_statements


def _device(building, hostname, **fields):
    from network.models import Device

    device = Device(building_id=building.id, hostname=hostname, mgmt_address="192.0.2.1",
                    **fields)
    db.session.add(device)
    db.session.flush()
    return device


def test_full_year_by_hand(db):
    building = building_with_subscribers(served=6, flats=8)
    _device(building, "sw-a", power_watts=30.0, embodied_kgco2e=500.0,
            commissioned_on=date(2024, 6, 1))
    _device(building, "sw-spare", power_watts=30.0, embodied_kgco2e=None,
            lifecycle_state="spare")
    items = footprint.building_footprints(date(2025, 1, 1), date(2026, 1, 1))
    item = next(i for i in items if i.code == building.code)
    assert item.devices == 1
    # 30 W × 8760 h × 100 % measured uptime (no outage) = 262.8 kWh; × 0.052 = 13.67 kg.
    assert item.uptime == pytest.approx(1.0)
    assert item.kwh == pytest.approx(262.8)
    assert item.kgco2e_electricity == pytest.approx(13.67, abs=0.01)
    assert item.kgco2e_embodied_known == pytest.approx(100.0)  # 500 ÷ 5 years × 1 year
    assert item.kgco2e_total == pytest.approx(113.67, abs=0.01)
    # 6 served, published 5: kgCO2e ÷ kgCO2e per household must not give the exact 6 back.
    assert item.households == 5
    assert item.by_state == {"in_service": 1, "spare": 1}


def test_commissioning_date_and_unknown_embodied(db):
    building = factories.make_building()
    _device(building, "sw-b", power_watts=10.0, embodied_kgco2e=None,
            commissioned_on=date(2025, 7, 1))
    _device(building, "sw-c", power_watts=None, embodied_kgco2e=50.0)
    item = footprint.building_footprints(date(2025, 1, 1), date(2026, 1, 1))[0]
    # From 1 July: 184 days × 24 h × 10 W = 44.16 kWh; the device without power adds nothing
    # and is reported.
    assert item.kwh == pytest.approx(44.16)
    assert item.devices_unknown_power == 1
    assert item.devices_unknown_embodied == 1
    assert item.kgco2e_total is None  # unknown, never counted as 0
    totals = footprint.totals([item])
    assert totals["kgco2e_total"] is None and totals["kgco2e_embodied_known"] == 10.0


def test_lifecycle_counts_list_every_state(db):
    building = factories.make_building()
    for index, state in enumerate(("in_service", "repair", "refurbished", "refurbished")):
        _device(building, f"sw-{index}", lifecycle_state=state)
    counts = footprint.lifecycle_counts()
    assert counts == {"in_service": 1, "spare": 0, "repair": 1, "refurbished": 2,
                      "recycled": 0}
    # From the devices the footprint page has read (one statement less, issue 23.3).
    devices = footprint.all_devices()
    assert footprint.lifecycle_counts(devices=devices) == counts
    assert footprint.building_footprints(date(2025, 1, 1), date(2026, 1, 1),
                                         devices=devices) == \
        footprint.building_footprints(date(2025, 1, 1), date(2026, 1, 1))


def test_pages_show_factor_source_and_unknowns(db, client, login_as):
    building = building_with_subscribers(served=3, flats=3)
    _device(building, "sw-d", power_watts=20.0, embodied_kgco2e=None)
    login_as("analyst")

    with recorded_statements() as statements:
        html = client.get("/evaluation/footprint?year=2025").get_data(as_text=True)
    # The devices are read once for the buildings and the 4R chain (issue 23.3).
    every_device = [s for s in statements if "FROM devices" in s and "WHERE" not in s]
    assert len(every_device) == 1, every_device
    assert "ADEME Base Empreinte" in html and "2022" in html and "0.052" in html
    assert "inconnu" in html
    assert "&lt; 5" in html  # kgCO2e per household over 3 households
    report = client.get("/evaluation/report/2025").get_data(as_text=True)
    assert "Poids de cette page" in report and " ko" in report
    assert client.get("/evaluation/report/1800").status_code == 302
