"""Outages and long port downs become tickets through the signals (docs/design.md §3.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from isp.signals import outage_ended, outage_started, port_down_long
from support.models import Ticket
from tests import factories
from tests.support.factories import make_device, make_outage

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def _network_tickets(db, device):
    return db.session.execute(select(Ticket).where(Ticket.device_id == device.id,
                                                   Ticket.source == "network")
                              .order_by(Ticket.id)).scalars().all()


def _building_with_switch(n_flats=3):
    building = factories.make_building()
    units = [factories.make_unit(f"{building.code}-A-0{i}-1", building=building)
             for i in range(n_flats)]
    served = factories.make_subscription(household=factories.make_household(unit=units[0]))
    device = make_device(building=building, ports_for=units)
    return device, units, served


def test_an_outage_opens_one_ticket_listing_the_flats_and_resolves_with_its_duration(db):
    device, units, served = _building_with_switch()
    outage = make_outage(device_id=device.id, started_at=T0)
    outage_started.send(outage, affected_unit_codes=[u.code for u in units])
    outage_started.send(outage, affected_unit_codes=[u.code for u in units])  # sent twice
    [ticket] = _network_tickets(db, device)
    assert ticket.number.startswith("T-2026-")
    assert (ticket.category, ticket.status, ticket.source) == ("no_connection", "new",
                                                               "network")
    assert ticket.opened_at == T0
    assert ticket.affected_unit_codes == sorted(u.code for u in units)
    assert {link.subscription_id for link in ticket.affected} == {served.id, None}
    assert [o.outage_id for o in ticket.outages] == [outage.id]

    outage.ended_at = T0 + timedelta(minutes=65)
    outage_ended.send(outage, duration_s=3900)
    assert ticket.status == "resolved"
    assert ticket.resolved_at == outage.ended_at
    assert ticket.outage_duration_s == 3900
    assert "1 h 05 min" in ticket.resolution
    assert [e.kind for e in ticket.events] == ["created", "outage_linked", "outage_ended",
                                               "status"]
    assert all(e.actor_id is None for e in ticket.events)


def test_a_second_outage_while_the_ticket_is_open_adds_to_it(db):
    device, units, _served = _building_with_switch()
    first = make_outage(device_id=device.id, started_at=T0)
    outage_started.send(first, affected_unit_codes=[units[0].code])
    first.ended_at = T0 + timedelta(minutes=10)
    [ticket] = _network_tickets(db, device)
    from support.tickets import change_status

    operator = factories.make_user("operator")
    change_status(ticket, "open", actor=operator)  # someone is on it
    second = make_outage(device_id=device.id, started_at=T0 + timedelta(minutes=5))
    outage_started.send(second, affected_unit_codes=[units[0].code, units[1].code])
    assert len(_network_tickets(db, device)) == 1
    assert [o.outage_id for o in ticket.outages] == [first.id, second.id]
    assert ticket.affected_unit_codes == sorted([units[0].code, units[1].code])

    outage_ended.send(first, duration_s=600)
    assert ticket.status == "open"  # the device is still down (second outage)
    second.ended_at = T0 + timedelta(minutes=35)
    outage_ended.send(second, duration_s=1800)
    assert ticket.status == "resolved"
    assert ticket.outage_duration_s == 2400


def test_an_outage_after_the_ticket_was_resolved_opens_a_new_ticket(db):
    device, units, _served = _building_with_switch(1)
    first = make_outage(device_id=device.id, started_at=T0,
                      ended_at=T0 + timedelta(minutes=3))
    outage_started.send(first, affected_unit_codes=[units[0].code])
    outage_ended.send(first, duration_s=180)
    second = make_outage(device_id=device.id, started_at=T0 + timedelta(hours=2))
    outage_started.send(second, affected_unit_codes=[units[0].code])
    tickets = _network_tickets(db, device)
    assert [t.status for t in tickets] == ["resolved", "new"]


def test_without_a_list_the_flats_wired_to_the_device_are_affected(db):
    device, units, _served = _building_with_switch(2)
    outage_started.send(make_outage(device_id=device.id, started_at=T0),
                        affected_unit_codes=[])
    [ticket] = _network_tickets(db, device)
    assert ticket.affected_unit_codes == sorted(u.code for u in units)


def test_a_port_outage_is_not_a_ticket(db):
    device, _units, _served = _building_with_switch(1)
    outage_started.send(make_outage(device_id=device.id, port_id=device.ports[0].id, started_at=T0),
                        affected_unit_codes=[])
    assert _network_tickets(db, device) == []


def test_the_end_of_an_unknown_outage_changes_nothing(db):
    outage_ended.send(make_outage(device_id=make_device().id, started_at=T0), duration_s=5)


def test_a_port_down_seven_days_raises_one_follow_up_not_an_outage_ticket(db):
    device, units, served = _building_with_switch(1)
    port = device.ports[0]
    down_since = T0 - timedelta(days=7)
    port_down_long.send(port, subscription=served, down_since=down_since)
    port_down_long.send(port, subscription=served, down_since=down_since)
    follow_ups = db.session.execute(select(Ticket).where(Ticket.unit_id == units[0].id)
                                    ).scalars().all()
    assert len(follow_ups) == 1
    [task] = follow_ups
    assert (task.category, task.source, task.priority) == ("follow_up", "network", "low")
    assert task.household_id == served.household_id
    assert "23/11/2026" in task.subject  # the French record, in the local date format
    assert not task.outages
