"""Issue 16.8: one incident, one ticket — a building's aggregation switch and the access
switches behind it stop answering (real snmpsim agent on loopback)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from isp.extensions import db as _db
from network.intervals import update_device_settings
from network.models import Device, Outage
from network.poller import run_poll_cycle
from subscribers.models import Unit
from support.models import Ticket
from tests import factories
from tests.network.test_poll_service import ShiftedClock, make_device, port, switch_to

ANSWERS = "cisco_normal_before"
SILENT = "nobody-answers-this"  # v2c: a wrong community is silence


@pytest.fixture
def fast_snmp(app):
    saved = {k: app.config.get(k) for k in ("SNMP_TIMEOUT_S", "SNMP_RETRIES")}
    app.config.update(SNMP_TIMEOUT_S=0.3, SNMP_RETRIES=0)
    yield
    app.config.update(saved)


def _building(db, agent):
    building = factories.make_building()
    aggregation = make_device(db, agent, ANSWERS, building=building, role="aggregation",
                              hostname=f"agg-{factories.n()}")
    access = []
    for _ in range(4):
        device = make_device(db, agent, ANSWERS, building=building,
                             hostname=f"acc-{factories.n()}")
        update_device_settings(device, parent_hostname=aggregation.hostname,
                               poll_interval_s=None)
        access.append(device)
    return building, aggregation, access


def _tickets(building):
    return _db.session.execute(select(Ticket).where(Ticket.building_id == building.id,
                                                    Ticket.source == "network")).scalars().all()


def test_building_wide_failure_is_one_incident_and_one_ticket(db, snmpsim_agent, fast_snmp):
    building, aggregation, access = _building(db, snmpsim_agent)
    # the access switches come first in id order: their outages must still join the uplink's
    devices = [*access, aggregation]
    flats = []
    for _device in access:
        unit = factories.make_unit(building=building)
        factories.make_subscription(household=factories.make_household(unit=unit))
        flats.append(unit.code)
    clock = ShiftedClock()
    run_poll_cycle(client=clock, devices=devices)
    for device, code in zip(access, flats, strict=True):
        port(device, "Gi1/0/1").unit_id = _db.session.execute(
            select(Unit.id).where(Unit.code == code)).scalar_one()
    db.session.flush()

    for device in devices:
        switch_to(device, SILENT)
    for offset in (60, 120):
        clock.offset_s = offset
        run_poll_cycle(client=clock, devices=devices)

    outages = _db.session.execute(select(Outage).where(
        Outage.device_id.in_([d.id for d in devices]))).scalars().all()
    assert len(outages) == 5
    root = next(o for o in outages if o.device_id == aggregation.id)
    assert root.incident_outage_id is None
    assert {o.incident_outage_id for o in outages if o is not root} == {root.id}
    [ticket] = _tickets(building)
    assert sorted(link.unit.code for link in ticket.affected) == sorted(flats)
    assert len(ticket.outages) == 5

    for device in devices:
        switch_to(device, ANSWERS)
    clock.offset_s = 180
    run_poll_cycle(client=clock, devices=devices)
    _db.session.refresh(ticket)
    assert ticket.status == "resolved"
    assert all(o.ended_at is not None for o in outages)
    assert len(_tickets(building)) == 1


def test_without_uplinks_each_device_has_its_own_ticket(db, snmpsim_agent, fast_snmp):
    building = factories.make_building()
    devices = [make_device(db, snmpsim_agent, ANSWERS, building=building) for _ in range(2)]
    clock = ShiftedClock()
    run_poll_cycle(client=clock, devices=devices)
    for device in devices:
        switch_to(device, SILENT)
    for offset in (60, 120):
        clock.offset_s = offset
        run_poll_cycle(client=clock, devices=devices)
    assert len(_tickets(building)) == 2


def test_an_uplink_loop_is_refused(db, snmpsim_agent):
    from isp.errors import DomainError

    _, aggregation, access = _building(db, snmpsim_agent)
    with pytest.raises(DomainError) as caught:
        update_device_settings(aggregation, parent_hostname=access[0].hostname,
                               poll_interval_s=None)
    assert caught.value.field == "parent_hostname"
    assert _db.session.get(Device, aggregation.id).parent_id is None
