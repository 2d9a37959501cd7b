"""Poll cycle with storage, end to end against snmpsim on loopback (issue 3 §7).

The recordings in tests/data/snmpsim are static "before"/"after" snapshots 300 s of
sysUpTime apart; the device is switched from one community to the other between two
cycles. ``ShiftedClock`` polls the real agent over UDP and only moves the local reading
time forward by the same 300 s, so the elapsed time agrees with the recordings.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from isp import signals
from network.credentials import encrypt_secret
from network.models import (
    BuildingUsageDay,
    Device,
    DiscardedInterval,
    Outage,
    PollResult,
    Port,
    PortCounter,
    UsageDay,
    UsageHour,
)
from network.poll_store import store_poll
from network.poller import run_poll_cycle
from network.snmp import DevicePoll, PysnmpClient, SnmpTarget
from tests import factories
from tests.network.conftest import V3_AUTH, V3_PRIV, V3_USER

ELAPSED = 300.0


class ShiftedClock:
    """The real pysnmp client, with reading times moved forward by ``offset_s``.

    One inner client per event loop (each cycle runs its own loop).
    """

    def __init__(self) -> None:
        self.offset_s = 0.0
        self._loop = None
        self._client: PysnmpClient | None = None

    async def poll(self, target: SnmpTarget) -> DevicePoll:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._client = PysnmpClient()
            self._loop = loop
        assert self._client is not None
        result = await self._client.poll(target)
        return replace(result, polled_at=result.polled_at + timedelta(seconds=self.offset_s))


@pytest.fixture
def fast_snmp(app):
    """Short timeouts so dead-device tests stay quick."""
    keys = ("SNMP_TIMEOUT_S", "SNMP_RETRIES")
    saved = {k: app.config[k] for k in keys if k in app.config}
    app.config.update(SNMP_TIMEOUT_S=0.5, SNMP_RETRIES=0)
    yield
    for key in keys:
        app.config.pop(key, None)
    app.config.update(saved)


@pytest.fixture
def received():
    """Signals sent during the test: [(name, sender, kwargs)]."""
    calls: list[tuple[str, object, dict]] = []

    def recorder(name):
        def receive(sender, **kwargs):
            calls.append((name, sender, kwargs))
        return receive

    receivers = {name: recorder(name) for name in ("started", "ended", "port_down")}
    signals.outage_started.connect(receivers["started"])
    signals.outage_ended.connect(receivers["ended"])
    signals.port_down_long.connect(receivers["port_down"])
    yield calls
    signals.outage_started.disconnect(receivers["started"])
    signals.outage_ended.disconnect(receivers["ended"])
    signals.port_down_long.disconnect(receivers["port_down"])


def make_device(db, agent, community: str, **fields) -> Device:
    building = fields.pop("building", None) or factories.make_building()
    device = Device(building=building, hostname=fields.pop("hostname", f"sw-{factories.n()}"),
                    mgmt_address=agent.host, snmp_port=agent.port, snmp_version="2c",
                    snmp_community_enc=encrypt_secret(community), **fields)
    db.session.add(device)
    db.session.flush()
    return device


def switch_to(device: Device, community: str) -> None:
    device.snmp_community_enc = encrypt_secret(community)


def port(device: Device, name: str) -> Port:
    from isp.extensions import db

    return db.session.execute(select(Port).where(Port.device_id == device.id,
                                                 Port.if_name == name)).scalar_one()


def usage_totals(db, port_id: int) -> tuple[int, int]:
    row = db.session.execute(select(func.coalesce(func.sum(UsageHour.octets_in), 0),
                                    func.coalesce(func.sum(UsageHour.octets_out), 0))
                             .where(UsageHour.port_id == port_id)).one()
    return int(row[0]), int(row[1])


def discarded(db, port_id: int) -> list[tuple[str, str]]:
    return sorted((d.direction, d.reason) for d in db.session.execute(
        select(DiscardedInterval).where(DiscardedInterval.port_id == port_id)).scalars())


def two_cycles(device, before: str, after: str, clock: ShiftedClock):
    switch_to(device, before)
    first = run_poll_cycle(client=clock, devices=[device])
    switch_to(device, after)
    clock.offset_s += ELAPSED
    second = run_poll_cycle(client=clock, devices=[device])
    return first, second


def test_normal_growth_is_stored_per_port_hour_subscription_day_and_building_day(
        db, snmpsim_agent):
    unit = factories.make_unit()
    household = factories.make_household(unit=unit)
    subscription = factories.make_subscription(household=household, status="active")
    device = make_device(db, snmpsim_agent, "cisco_normal_before", building=unit.building)
    clock = ShiftedClock()

    switch_to(device, "cisco_normal_before")
    first = run_poll_cycle(client=clock, devices=[device])
    assert (first.devices, first.ok, first.ports) == (1, 1, 3)
    # discovered from the poll: ifIndex, ifName, ifDescr, speed
    gi1 = port(device, "Gi1/0/1")
    assert (gi1.if_index, gi1.if_descr, gi1.speed_bps) == (1, "GigabitEthernet1/0/1",
                                                           1_000_000_000)
    assert port(device, "Te1/1/1").speed_bps == 10_000_000_000
    assert port(device, "Gi1/0/2").oper_up is False
    gi1.unit_id = unit.id  # the wiring: Gi1/0/1 serves the flat
    db.session.flush()
    assert usage_totals(db, gi1.id) == (0, 0)  # first reading: a baseline only

    switch_to(device, "cisco_normal_after")
    clock.offset_s = ELAPSED
    second = run_poll_cycle(client=clock, devices=[device])
    assert second.ok == 1 and second.discarded == 0
    # deltas written in the files: in 1 000 000 → 3 000 000, out 5 000 000 → 30 005 000 000
    assert usage_totals(db, gi1.id) == (2_000_000, 30_000_000_000)
    uplink = port(device, "Te1/1/1")
    assert usage_totals(db, uplink.id) == (120_000_000_000, 12_000_000_000)
    # port out = household download, in = upload; only the flat's port counts for it
    days = db.session.execute(select(UsageDay).where(
        UsageDay.subscription_id == subscription.id)).scalars().all()
    assert sum(d.download_octets for d in days) == 30_000_000_000
    assert sum(d.upload_octets for d in days) == 2_000_000
    building_days = db.session.execute(select(BuildingUsageDay).where(
        BuildingUsageDay.building_id == unit.building_id)).scalars().all()
    assert sum(d.download_octets for d in building_days) == 30_000_000_000
    assert sum(d.upload_octets for d in building_days) == 2_000_000
    assert device.status == "up" and device.sys_uptime_ticks == 130_000
    counter = db.session.get(PortCounter, gi1.id)
    assert (counter.in_octets, counter.out_octets, counter.counter_bits) == (
        3_000_000, 30_005_000_000, 64)

    # the same sample again (same agent state, no time passes on the agent): nothing added
    third = run_poll_cycle(client=clock, devices=[device])
    assert third.ok == 1
    assert usage_totals(db, gi1.id) == (2_000_000, 30_000_000_000)
    # the very same reading stored twice: ignored the second time
    last = db.session.execute(select(PollResult).where(PollResult.device_id == device.id)
                              .order_by(PollResult.at.desc())).scalars().first()
    stale = DevicePoll(SnmpTarget("127.0.0.1"), True, None, None, 130_000, "normal-sw", {},
                       last.at, 0.0)
    assert store_poll(device, stale) == "stale"
    assert usage_totals(db, gi1.id) == (2_000_000, 30_000_000_000)
    assert db.session.scalar(select(func.count()).select_from(PollResult).where(
        PollResult.device_id == device.id)) == 3


def test_32_bit_fallback_wrap_counted_and_implausible_wrap_discarded(db, snmpsim_agent):
    device = make_device(db, snmpsim_agent, "cisco_c32_before")
    two_cycles(device, "cisco_c32_before", "cisco_c32_after", ShiftedClock())
    fa1 = db.session.execute(select(Port).where(Port.device_id == device.id,
                                                Port.if_index == 1)).scalar_one()
    fa2 = db.session.execute(select(Port).where(Port.device_id == device.id,
                                                Port.if_index == 2)).scalar_one()
    # no ifName: the port is named from ifDescr
    assert fa1.if_name == "FastEthernet0/1"
    assert db.session.get(PortCounter, fa1.id).counter_bits == 32
    # in: 4 294 000 000 → 1 000 000 wrapped = 1 967 296; out 1 000 → 2 001 000
    assert usage_totals(db, fa1.id) == (1_967_296, 2_000_000)
    assert discarded(db, fa1.id) == []
    # 100 → 50 at 10 Mb/s: the wrap would be ~4 GB in 300 s: discarded, out counted (0)
    assert usage_totals(db, fa2.id) == (0, 0)
    assert discarded(db, fa2.id) == [("in", "wrap_implausible")]


def test_64_bit_counter_reset_is_discarded_with_its_reason(db, snmpsim_agent):
    device = make_device(db, snmpsim_agent, "cisco_reset_before")
    _, second = two_cycles(device, "cisco_reset_before", "cisco_reset_after", ShiftedClock())
    gi1 = db.session.execute(select(Port).where(Port.device_id == device.id,
                                                Port.if_index == 1)).scalar_one()
    assert usage_totals(db, gi1.id) == (0, 0)
    assert discarded(db, gi1.id) == [("in", "reset"), ("out", "reset")]
    assert second.outages_opened == 0
    # the new baseline is the reset value
    assert db.session.get(PortCounter, gi1.id).in_octets == 1000


def test_reboot_discards_the_interval_and_books_the_downtime(db, snmpsim_agent, received):
    device = make_device(db, snmpsim_agent, "cisco_reboot_before")
    _, second = two_cycles(device, "cisco_reboot_before", "cisco_reboot_after", ShiftedClock())
    gi1 = db.session.execute(select(Port).where(Port.device_id == device.id,
                                                Port.if_index == 1)).scalar_one()
    assert usage_totals(db, gi1.id) == (0, 0)
    assert discarded(db, gi1.id) == [("both", "reboot")]
    # up 1 day, then 60 s of uptime 300 s later: 240 s unobserved downtime
    outage = db.session.execute(select(Outage).where(Outage.device_id == device.id)
                                ).scalar_one()
    assert outage.cause == "reboot"
    # plus the real seconds between the two cycles, which a loaded CI stretches
    assert outage.duration_s() == pytest.approx(240, abs=10)
    assert [c[0] for c in received] == ["started", "ended"]
    assert received[1][2]["duration_s"] == outage.duration_s()
    assert device.status == "up"


def test_device_down_after_two_failed_polls_one_outage_closed_when_back(
        db, snmpsim_agent, fast_snmp, received):
    unit = factories.make_unit()
    device = make_device(db, snmpsim_agent, "cisco_normal_before", building=unit.building)
    clock = ShiftedClock()
    run_poll_cycle(client=clock, devices=[device])
    port(device, "Gi1/0/1").unit_id = unit.id
    db.session.flush()

    switch_to(device, "nobody-answers-this")  # v2c: a wrong community is silence
    clock.offset_s = 60
    real_start = time.monotonic()
    one = run_poll_cycle(client=clock, devices=[device])
    assert (one.unreachable, one.auth_failed, one.outages_opened) == (1, 0, 0)
    assert device.status == "up" and device.failed_polls == 1
    clock.offset_s = 120
    two = run_poll_cycle(client=clock, devices=[device])
    assert two.outages_opened == 1
    assert device.status == "down"
    clock.offset_s = 180
    three = run_poll_cycle(client=clock, devices=[device])
    assert three.outages_opened == 0
    outages = db.session.execute(select(Outage).where(Outage.device_id == device.id)
                                 ).scalars().all()
    assert len(outages) == 1 and outages[0].ended_at is None
    assert outages[0].cause == "no_answer"
    assert received[0][0] == "started"
    assert received[0][2]["affected_unit_codes"] == [unit.code]
    last = db.session.execute(select(PollResult).where(PollResult.device_id == device.id)
                              .order_by(PollResult.at.desc())).scalars().first()
    assert (last.reachable, last.error_kind) == (False, "timeout")
    assert "no answer" in last.error

    switch_to(device, "cisco_normal_before")
    clock.offset_s = 240
    back = run_poll_cycle(client=clock, devices=[device])
    assert back.outages_closed == 1
    db.session.refresh(outages[0])
    assert outages[0].ended_at is not None
    # from the first failed poll (+60 s) to the answer (+240 s), plus the real seconds the polls
    # in between took (timeouts; more on a loaded machine)
    real_s = time.monotonic() - real_start
    assert 180 - 1 <= outages[0].duration_s() <= 180 + real_s + 1
    assert [c[0] for c in received] == ["started", "ended"]
    assert received[1][2]["duration_s"] == outages[0].duration_s()
    assert device.status == "up" and device.failed_polls == 0


def test_wrong_v3_key_is_recorded_as_authentication_failure_not_no_answer(
        db, snmpsim_agent, fast_snmp, received):
    building = factories.make_building()
    good = Device(building=building, hostname=f"v3ok-{factories.n()}",
                  mgmt_address=snmpsim_agent.host, snmp_port=snmpsim_agent.port,
                  snmp_version="3", snmp_user=V3_USER, snmp_context="pb-sw-a",
                  snmp_auth_key_enc=encrypt_secret(V3_AUTH),
                  snmp_priv_key_enc=encrypt_secret(V3_PRIV))
    bad = Device(building=building, hostname=f"v3bad-{factories.n()}",
                 mgmt_address=snmpsim_agent.host, snmp_port=snmpsim_agent.port,
                 snmp_version="3", snmp_user=V3_USER, snmp_context="pb-sw-b",
                 snmp_auth_key_enc=encrypt_secret("wrong-auth-key-1"),
                 snmp_priv_key_enc=encrypt_secret(V3_PRIV))
    db.session.add_all([good, bad])
    db.session.flush()
    for _ in range(2):
        summary = run_poll_cycle(devices=[good, bad])
        assert (summary.devices, summary.ok, summary.unreachable, summary.auth_failed) == (
            2, 1, 1, 1)
    assert "auth failures 1" in summary.line()
    assert good.status == "up" and len(good.ports) == 54
    result = db.session.execute(select(PollResult).where(PollResult.device_id == bad.id)
                                ).scalars().first()
    assert result.error_kind == "auth" and "authentication failed" in result.error
    # our credentials are wrong, the device is not known to be down: no outage, no ticket
    assert bad.status == "unknown" and bad.last_error_kind == "auth"
    assert received == []


def test_garbage_columns_keep_valid_rows_and_say_what_is_wrong(db, snmpsim_agent):
    device = make_device(db, snmpsim_agent, "cisco_garbage")
    summary = run_poll_cycle(devices=[device])
    assert (summary.ok, summary.answered_with_errors, summary.unreachable) == (0, 1, 0), summary
    assert device.status == "up"
    assert "no valid counters for ifIndex 1" in device.last_error
    assert {p.if_name for p in device.ports} == {"Gi1/0/1", "Gi1/0/2"}
    gi1 = port(device, "Gi1/0/1")
    assert db.session.get(PortCounter, gi1.id) is None  # no usable counter: nothing stored
    assert db.session.get(PortCounter, port(device, "Gi1/0/2").id).in_octets == 123456789


def test_port_down_seven_days_on_active_subscription_signals_once(db, received):
    from datetime import UTC, datetime

    from network.if_mib import InterfaceSample

    unit = factories.make_unit()
    factories.make_subscription(household=factories.make_household(unit=unit), status="active")
    device = Device(building=unit.building, hostname=f"sw-{factories.n()}",
                    mgmt_address="127.0.0.1")
    db.session.add(device)
    db.session.flush()
    p = Port(device_id=device.id, if_index=1, if_name="Gi1/0/1", unit_id=unit.id,
             admin_up=True, oper_up=False)
    db.session.add(p)
    db.session.flush()
    t0 = datetime(2026, 11, 1, tzinfo=UTC)

    def poll_at(at, oper_up=False):
        sample = InterfaceSample(1, "Gi1/0/1", "GigabitEthernet1/0/1", True, oper_up,
                                 1_000_000_000, None, None, None)
        ticks = int((at - t0).total_seconds() * 100) + 100
        store_poll(device, DevicePoll(SnmpTarget("127.0.0.1"), True, None, None, ticks, "sw",
                                      {1: sample}, at, 0.0))
        db.session.commit()
        return db.session.get(Port, p.id, populate_existing=True)

    assert poll_at(t0).down_since == t0
    poll_at(t0 + timedelta(days=6, hours=23))
    assert received == []
    assert poll_at(t0 + timedelta(days=7)).down_alerted_at == t0 + timedelta(days=7)
    poll_at(t0 + timedelta(days=8))
    assert [c[0] for c in received] == ["port_down"]
    assert received[0][2]["down_since"] == t0
    back = poll_at(t0 + timedelta(days=9), oper_up=True)
    assert back.down_since is None and back.down_alerted_at is None


def test_availability_counts_aggregation_or_all_access_down(db):
    from datetime import UTC, datetime

    from network.availability import availability_by_day, building_availability

    building = factories.make_building()
    agg, a, b = (Device(building=building, hostname=f"{r}-{factories.n()}",
                        mgmt_address="127.0.0.1", role=role)
                 for r, role in (("agg", "aggregation"), ("a", "access"), ("b", "access")))
    db.session.add_all([agg, a, b])
    db.session.flush()
    day = datetime(2026, 11, 10, tzinfo=UTC)
    h = timedelta(hours=1)
    db.session.add_all([
        # one access switch down alone: the building is still up
        Outage(device_id=a.id, started_at=day + 1 * h, ended_at=day + 3 * h, cause="no_answer"),
        # both access switches down 02:00–03:00 overlap: 1 h
        Outage(device_id=b.id, started_at=day + 2 * h, ended_at=day + 4 * h, cause="no_answer"),
        # aggregation down 10:00–10:30: 30 min
        Outage(device_id=agg.id, started_at=day + 10 * h, ended_at=day + 10.5 * h,
               cause="reboot"),
    ])
    db.session.flush()
    result = building_availability(building.id, day, day + 24 * h, now=day + 30 * h)
    assert result.downtime_s == 5400
    assert result.availability_pct == round(100 * (1 - 5400 / 86400), 2) == 93.75
    assert len(result.outages) == 3
    # a Paris day (UTC+1 in November) with no outage
    (only,) = availability_by_day(building.id, date(2026, 11, 12), date(2026, 11, 12))
    assert only[1].downtime_s == 0 and only[1].availability_pct == 100.0


def test_polls_between_discoveries_are_quick_and_keep_the_ports(db, snmpd_agent):
    device = make_device(db, snmpd_agent, snmpd_agent.community)
    first = run_poll_cycle(devices=[device])
    assert (first.ok, first.full_polls) == (1, 1), first.errors
    lo = port(device, "lo")
    named = {p.if_index: (p.if_name, p.if_descr, p.speed_bps) for p in device.ports}
    assert lo.if_descr and lo.oper_up is True
    baseline = db.session.get(PortCounter, lo.id).polled_at

    second = run_poll_cycle(devices=[device])
    assert (second.ok, second.full_polls, second.ports) == (1, 0, first.ports), second.errors
    db.session.expire_all()
    assert {p.if_index: (p.if_name, p.if_descr, p.speed_bps) for p in device.ports} == named
    assert db.session.get(PortCounter, lo.id).polled_at > baseline
    assert discarded(db, lo.id) == []

    forced = run_poll_cycle(devices=[device], discover=True)
    assert (forced.ok, forced.full_polls) == (1, 1)


def test_discovery_is_due_once_per_window_at_a_time_of_its_own(app, db):
    from datetime import UTC, datetime

    from network.poller import discovery_due

    building = factories.make_building()
    devices = [Device(building=building, hostname=f"sw-{factories.n()}",
                      mgmt_address="127.0.0.1") for _ in range(12)]
    db.session.add_all(devices)
    db.session.flush()
    start = datetime(2026, 11, 2, tzinfo=UTC)
    assert all(discovery_due(d, start) for d in devices)  # never polled
    step = timedelta(minutes=5)
    due_at: dict[int, list[int]] = {d.id: [] for d in devices}
    for d in devices:
        d.last_ok_at = start
        for k in range(1, 12 * 12 + 1):  # 12 hours of 5-minute cycles
            now = start + k * step
            if discovery_due(d, now):
                due_at[d.id].append(k)
            d.last_ok_at = now  # the poll answered
    # every device is rediscovered exactly twice in 12 hours (6-hour windows) ...
    assert all(len(ks) == 2 and ks[1] - ks[0] == 72 for ks in due_at.values()), due_at
    # ... and not all on the same cycle
    assert len({ks[0] for ks in due_at.values()}) > 1
