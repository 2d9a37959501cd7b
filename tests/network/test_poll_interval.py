"""Issue 16.12: 32-bit counters on fast ports — the ambiguity is shown, and an operator sets a
shorter poll interval for the device, which the poller honours (real snmpsim agent)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from isp.errors import DomainError
from isp.extensions import db as _db
from network.counters import max_unambiguous_interval_s
from network.intervals import ambiguous_ports, update_device_settings
from network.models import Port
from network.poller import run_poll_cycle
from support.models import Ticket
from tests.network.test_poll_service import ShiftedClock, make_device

#: cisco_c32_gig.snmprec: 32-bit counters only, Gi1/0/1 at 1 Gbit/s (ifSpeed 1000000000).
GIG_32 = "cisco_c32_gig"


@pytest.mark.parametrize(("speed_bps", "expected_s"), [
    (1_000_000_000, 32),   # 2**32 × 8 ÷ (1e9 × 1.05) = 32.7
    (100_000_000, 327),
    (10_000_000, 3272),
])
def test_max_unambiguous_interval(speed_bps, expected_s):
    assert max_unambiguous_interval_s(speed_bps) == expected_s


def test_gigabit_port_on_32_bit_counters_is_flagged_until_the_interval_shrinks(
        db, snmpsim_agent, client, login_as):
    device = make_device(db, snmpsim_agent, GIG_32)
    run_poll_cycle(client=ShiftedClock(), devices=[device])

    [flag] = ambiguous_ports(device)  # 5-minute default: the gigabit port never counts
    assert (flag.speed_bps, flag.max_interval_s) == (1_000_000_000, 32)
    login_as("operator")
    page = client.get(f"/network/devices/{device.hostname}").get_data(as_text=True)
    assert 'id="counters-ambiguous"' in page and f"{flag.if_name}" in page

    response = client.post(f"/network/devices/{device.hostname}/settings",
                           data={"poll_interval_s": "30", "parent_hostname": ""})
    assert response.status_code == 302
    assert device.poll_interval_s == 30
    assert ambiguous_ports(device) == []


def test_poller_honours_the_device_interval(db, snmpsim_agent, app):
    from isp.timeutil import utcnow

    fast = make_device(db, snmpsim_agent, GIG_32)
    default = make_device(db, snmpsim_agent, GIG_32)
    update_device_settings(fast, parent_hostname=None, poll_interval_s=30)
    now = utcnow()
    run_poll_cycle(client=ShiftedClock(), now=now, respect_due=True,
                   devices=[fast, default])
    assert fast.next_poll_at == now + timedelta(seconds=27)  # 30 s less 10 %
    # due again after the interval less 10 %, at most half the 30 s scheduler tick
    assert default.next_poll_at == now + timedelta(minutes=5) - timedelta(seconds=15)
    # 40 s later only the fast device is due
    later = run_poll_cycle(client=ShiftedClock(), now=now + timedelta(seconds=40),
                           respect_due=True, devices=[fast, default])
    assert later.devices == 1


@pytest.mark.parametrize("value", [5, 3601, "30", 2.5, True])
def test_bad_poll_interval_is_refused_with_its_field(db, snmpsim_agent, value):
    device = make_device(db, snmpsim_agent, GIG_32)
    with pytest.raises(DomainError) as caught:
        update_device_settings(device, parent_hostname=None, poll_interval_s=value)
    assert caught.value.field == "poll_interval_s" and device.poll_interval_s is None


def test_api_shows_and_edits_uplink_and_interval(db, snmpsim_agent, client, api_as):
    _, headers = api_as("operator")
    parent = make_device(db, snmpsim_agent, GIG_32)
    child = make_device(db, snmpsim_agent, GIG_32)
    url = f"/api/v1/devices/{child.hostname}"
    body = client.patch(url, json={"parent_hostname": parent.hostname, "poll_interval_s": 30},
                        headers=headers).get_json()
    assert (body["parent_hostname"], body["poll_interval_s"]) == (parent.hostname, 30)
    listed = client.get("/api/v1/devices?per_page=500", headers=headers).get_json()["items"]
    assert {"hostname": child.hostname, "parent_hostname": parent.hostname}.items() <= next(
        d for d in listed if d["hostname"] == child.hostname).items()
    bad = client.patch(url, json={"poll_interval_s": 1}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "poll_interval_s"
    unknown = client.patch(url, json={"parent_hostname": "nope"}, headers=headers)
    assert unknown.get_json()["field"] == "parent_hostname" and unknown.status_code == 422


def _counters_tickets(device):
    return list(_db.session.execute(select(Ticket).where(
        Ticket.device_id == device.id, Ticket.category == "follow_up",
        Ticket.unit_id.is_(None)).order_by(Ticket.id)).scalars())


def test_one_ticket_per_device_resolved_when_the_interval_is_short_enough(
        db, snmpsim_agent, client, login_as):
    device = make_device(db, snmpsim_agent, GIG_32)
    other = make_device(db, snmpsim_agent, GIG_32)
    clock = ShiftedClock()
    for _ in range(3):  # three polls, one ticket per device
        run_poll_cycle(client=clock, devices=[device, other])
        clock.offset_s += 300

    [ticket] = _counters_tickets(device)
    [flag] = ambiguous_ports(device)
    assert len(_counters_tickets(other)) == 1
    assert ticket.source == "network" and ticket.status == "new"
    assert device.hostname in ticket.subject
    assert flag.if_name in ticket.description and "32 s" in ticket.description
    assert device.counters_alerted_at is not None
    # the port page shows the flag too
    port = _db.session.execute(select(Port).where(
        Port.device_id == device.id, Port.if_name == flag.if_name)).scalar_one()
    login_as("operator")
    page = client.get(f"/network/ports/{port.id}").get_data(as_text=True)
    assert 'id="counters-ambiguous"' in page and "32 s" in page

    # an interval still too long changes nothing; a short enough one resolves the ticket
    update_device_settings(device, parent_hostname=None, poll_interval_s=60)
    assert ticket.status == "new"
    update_device_settings(device, parent_hostname=None, poll_interval_s=30)
    assert ticket.status == "resolved" and "30 s" in ticket.resolution
    assert device.counters_alerted_at is None
    page = client.get(f"/network/ports/{port.id}").get_data(as_text=True)
    assert 'id="counters-ambiguous"' not in page
    run_poll_cycle(client=clock, devices=[device])
    assert len(_counters_tickets(device)) == 1  # still counted: no new ticket
    # back to a long interval: the next poll tells the operator again, in a new ticket
    update_device_settings(device, parent_hostname=None, poll_interval_s=None)
    clock.offset_s += 300
    run_poll_cycle(client=clock, devices=[device])
    assert [t.status for t in _counters_tickets(device)] == ["resolved", "new"]


def test_scheduler_runs_the_cycle_often_enough_for_a_30_s_device(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from network import jobs

    scheduler = BackgroundScheduler()
    jobs.register(scheduler, app)
    trigger = scheduler.get_job("network.poll_devices").trigger
    # a device set to 30 s is polled every 30 s only if the cycle runs at least that often
    assert trigger.interval.total_seconds() == 30
