"""PysnmpClient against real agents: snmpsim recordings (tests/data/snmpsim) and net-snmp snmpd.

Expected deltas follow from the .snmprec files: each *_before/*_after pair was written
300 s of sysUpTime apart (30 000 ticks), so the interval is taken as 300 s.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import time
from pathlib import Path

import pytest

from lab.snmp_lab import (
    free_udp_port,
    lab_devices_for_demo,
    start_snmpsim,
    stop_snmpsim,
    write_lab_snmprec,
)
from network.counters import (
    Delta,
    Discarded,
    DiscardReason,
    counter_delta,
    reboot_downtime_s,
    uptime_consistent,
)
from network.snmp import DevicePoll, PysnmpClient, SnmpTarget, poll_many

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "snmpsim"
V3_AUTH, V3_PRIV = "auth-pass-123", "priv-pass-456"  # as configured in conftest.py
ELAPSED_S = 300.0  # between the before/after recordings


def poll(*targets: SnmpTarget, v2c_api: str = "native") -> list[DevicePoll]:
    """Poll targets one after the other with a fresh client in a fresh event loop."""

    async def run() -> list[DevicePoll]:
        client = PysnmpClient(v2c_api=v2c_api)  # type: ignore[arg-type]
        try:
            return [await client.poll(t) for t in targets]
        finally:
            client.close()

    return asyncio.run(run())


def deltas(before: DevicePoll, after: DevicePoll, if_index: int) -> tuple[object, object]:
    """(in, out) deltas of one interface between two polls, like the poller service will."""
    rebooted = not uptime_consistent(before.sys_uptime_ticks, after.sys_uptime_ticks, ELAPSED_S)
    a, b = before.interfaces[if_index], after.interfaces[if_index]
    assert a.counter_bits == b.counter_bits
    return tuple(
        counter_delta(
            getattr(a, f),
            getattr(b, f),
            bits=b.counter_bits,
            speed_bps=b.speed_bps,
            elapsed_s=ELAPSED_S,
            rebooted=rebooted,
        )
        for f in ("in_octets", "out_octets")
    )


@pytest.fixture(params=["v2c-native", "v2c-v1arch", "v2c-v3arch", "v3-authpriv"])
def via(request: pytest.FixtureRequest, snmpsim_agent):
    """Poll a recording by name with each protocol path (v3: the context selects the file)."""

    def run(*names: str) -> list[DevicePoll]:
        if request.param == "v3-authpriv":
            return poll(*(snmpsim_agent.v3(n) for n in names))
        api = request.param.split("-")[1]
        return poll(*(snmpsim_agent.v2c(n) for n in names), v2c_api=api)

    return run


def test_normal_recordings_give_the_deltas_written_in_the_files(via):
    before, after = via("cisco_normal_before", "cisco_normal_after")
    assert before.ok, before.error
    assert after.ok, after.error
    assert before.sys_name == "normal-sw"
    assert (before.sys_uptime_ticks, after.sys_uptime_ticks) == (100_000, 130_000)
    assert sorted(after.interfaces) == [1, 2, 10]  # non-contiguous ifIndex
    gi1 = after.interfaces[1]
    assert (gi1.name, gi1.descr, gi1.admin_up, gi1.oper_up) == (
        "Gi1/0/1",
        "GigabitEthernet1/0/1",
        True,
        True,
    )
    assert (gi1.counter_bits, gi1.speed_bps) == (64, 1_000_000_000)
    assert (after.interfaces[2].admin_up, after.interfaces[2].oper_up) == (False, False)
    # ifSpeed saturated at 2**32-1: the speed comes from ifHighSpeed 10000
    assert after.interfaces[10].speed_bps == 10_000_000_000
    assert deltas(before, after, 1) == (Delta(2_000_000), Delta(30_000_000_000))
    assert deltas(before, after, 2) == (Delta(0), Delta(0))
    assert deltas(before, after, 10) == (Delta(120_000_000_000), Delta(12_000_000_000))


def test_device_without_ifxtable_falls_back_to_32_bit_counters_and_wraps(via):
    before, after = via("cisco_c32_before", "cisco_c32_after")
    assert after.ok, after.error
    fa1, fa2 = after.interfaces[1], after.interfaces[2]
    assert (fa1.counter_bits, fa1.name, fa1.descr) == (32, None, "FastEthernet0/1")
    assert (fa1.speed_bps, fa2.speed_bps) == (100_000_000, 10_000_000)
    # in: 4 294 000 000 → 1 000 000 wraps: 2**32 − 4 294 000 000 + 1 000 000 = 1 967 296
    assert deltas(before, after, 1) == (Delta(1_967_296, wrapped=True), Delta(2_000_000))
    # 100 → 50 at 10 Mb/s: a wrap would be 2**32 − 50 octets, above 393 750 000 (300 s)
    assert deltas(before, after, 2) == (Discarded(DiscardReason.WRAP_IMPLAUSIBLE), Delta(0))


def test_counter_reset_without_reboot_is_discarded(via):
    before, after = via("cisco_reset_before", "cisco_reset_after")
    assert uptime_consistent(before.sys_uptime_ticks, after.sys_uptime_ticks, ELAPSED_S)
    assert after.interfaces[1].counter_bits == 64
    reset = Discarded(DiscardReason.RESET)
    assert deltas(before, after, 1) == (reset, reset)


def test_reboot_is_seen_through_sysuptime(via):
    before, after = via("cisco_reboot_before", "cisco_reboot_after")
    # 1 day of uptime, then 60 s, 300 s later
    assert not uptime_consistent(before.sys_uptime_ticks, after.sys_uptime_ticks, ELAPSED_S)
    reboot = Discarded(DiscardReason.REBOOT)
    assert deltas(before, after, 1) == (reboot, reboot)
    downtime = reboot_downtime_s(uptime_s=after.sys_uptime_ticks / 100, since_last_ok_s=ELAPSED_S)
    assert downtime == pytest.approx(240.0)


def test_garbage_columns_are_reported_and_valid_rows_kept(snmpsim_agent):
    (result,) = poll(snmpsim_agent.v2c("cisco_garbage"))
    assert not result.ok
    assert result.answered
    assert result.error_kind == "garbage"
    assert "counters for ifIndex 1" in result.error
    assert "ifAdminStatus for ifIndex 2" in result.error
    gi1, gi2 = result.interfaces[1], result.interfaces[2]
    assert (gi1.in_octets, gi1.out_octets, gi1.counter_bits) == (None, None, None)
    assert (gi1.name, gi1.oper_up) == ("Gi1/0/1", True)
    assert (gi2.in_octets, gi2.out_octets, gi2.counter_bits) == (123_456_789, 987_654_321, 64)
    assert gi2.admin_up is None


def test_demo_access_switch_has_54_rows_with_flats_on_the_first_29_ports(snmpsim_agent):
    (result,) = poll(snmpsim_agent.v2c("pb-sw-a"))
    assert result.ok, result.error
    assert result.sys_name == "pb-sw-a"
    assert len(result.interfaces) == 54
    assert [result.interfaces[i].name for i in (1, 29, 48, 49)] == [
        "Gi1/0/1",
        "Gi1/0/29",
        "Gi1/0/48",
        "Te1/1/1",
    ]
    assert all(result.interfaces[i].oper_up for i in range(1, 30))
    assert not any(result.interfaces[i].oper_up for i in range(30, 49))
    assert {i.counter_bits for i in result.interfaces.values()} == {64}


def test_demo_counters_grow_at_the_rate_of_the_recording(snmpsim_agent):
    device = next(d for d in snmpsim_agent.lab_devices if d.hostname == "pb-sw-b")
    port = next(p for p in device.ports if p.if_index == 25)

    async def timed_poll(client: PysnmpClient) -> tuple[float, DevicePoll, float]:
        before = time.time()
        result = await client.poll(snmpsim_agent.v2c("pb-sw-b"))
        return before, result, time.time()

    async def twice() -> tuple[tuple[float, DevicePoll, float], tuple[float, DevicePoll, float]]:
        client = PysnmpClient()
        first = await timed_poll(client)
        await asyncio.sleep(2)
        second = await timed_poll(client)
        client.close()
        return first, second

    (start1, first, end1), (start2, second, end2) = asyncio.run(twice())
    assert uptime_consistent(
        first.sys_uptime_ticks, second.sys_uptime_ticks, second.monotonic - first.monotonic
    )
    # The simulator computes each counter from its own clock when it answers, somewhere
    # inside the poll; under a loaded CI the two polls can take long, so the elapsed time
    # is bracketed by the polls' ends rather than read from sysUpTime (another PDU).
    shortest, longest = start2 - end1, end2 - start1
    for counter, rate in (("out_octets", port.out_rate), ("in_octets", port.in_rate)):
        grown = getattr(second.interfaces[25], counter) - getattr(first.interfaces[25], counter)
        assert rate * shortest - 1 <= grown <= rate * longest + 1, (counter, grown, rate)


def test_v3_context_selects_the_device(snmpsim_agent):
    a, agg = poll(snmpsim_agent.v3("pb-sw-a"), snmpsim_agent.v3("pb-agg-1"))
    assert (a.ok, agg.ok) == (True, True), (a.error, agg.error)
    assert (a.sys_name, agg.sys_name) == ("pb-sw-a", "pb-agg-1")
    assert (len(a.interfaces), len(agg.interfaces)) == (54, 26)


@pytest.mark.parametrize(
    ("auth", "priv"),
    [("wrong-auth-key", V3_PRIV), (V3_AUTH, "wrong-priv-key")],
    ids=["wrong-auth-key", "wrong-priv-key"],
)
def test_wrong_v3_key_is_an_authentication_error(snmpsim_agent, auth, priv, caplog):
    caplog.set_level(logging.DEBUG)
    target = snmpsim_agent.v3("pb-sw-a", auth=auth, priv=priv, timeout_s=1.0)
    (result,) = poll(target)
    assert (result.ok, result.answered, result.error_kind) == (False, False, "auth")
    assert result.error.startswith("authentication failed")
    for secret in (auth, priv):
        assert secret not in caplog.text
        assert secret not in repr(target)
        assert secret not in result.error


def test_wrong_community_is_a_timeout_that_says_so(snmpsim_agent):
    (result,) = poll(snmpsim_agent.v2c("no-such-device", timeout_s=0.5, retries=0))
    assert (result.ok, result.error_kind) == (False, "timeout")
    assert "wrong community" in result.error


def test_closed_port_times_out_within_its_budget():
    target = SnmpTarget("127.0.0.1", free_udp_port(), community="x", timeout_s=0.5, retries=1)
    started = time.monotonic()
    (result,) = poll(target)
    took = time.monotonic() - started
    assert (result.ok, result.answered, result.error_kind) == (False, False, "timeout")
    assert result.interfaces == {}
    assert took < 0.5 * 2 + 2.0  # timeout × (retries + 1), generous margin for startup


def test_unresolvable_host_is_reported_as_such():
    (result,) = poll(SnmpTarget("no-such-host.invalid", 161, community="x"))
    assert (result.ok, result.error_kind) == (False, "unresolvable")
    assert "no-such-host.invalid" in result.error


def test_device_that_stops_answering_times_out(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "lonely.snmprec").write_text((DATA_DIR / "cisco_normal_before.snmprec").read_text())
    port = free_udp_port()
    proc = start_snmpsim(data, port, v3_user=None, cache_dir=tmp_path / "cache")
    target = SnmpTarget("127.0.0.1", port, community="lonely", timeout_s=0.5, retries=1)

    async def before_and_after_stop() -> tuple[DevicePoll, DevicePoll, float]:
        client = PysnmpClient()
        try:
            alive = await client.poll(target)
            stop_snmpsim(proc)
            started = time.monotonic()
            dead = await client.poll(target)
            return alive, dead, time.monotonic() - started
        finally:
            client.close()

    try:
        alive, dead, took = asyncio.run(before_and_after_stop())
    finally:
        stop_snmpsim(proc)
    assert (alive.ok, alive.sys_uptime_ticks) == (True, 100_000)
    assert (dead.ok, dead.error_kind, dead.sys_uptime_ticks) == (False, "timeout", None)
    assert took < 1.0 + 1.5


def test_poll_many_keeps_order_and_dead_devices_do_not_hold_up_the_others(
    snmpsim_agent,
):
    dead_port = free_udp_port()
    targets = [
        snmpsim_agent.v2c("pb-sw-a"),
        SnmpTarget("127.0.0.1", dead_port, community="dead", timeout_s=1.0, retries=1),
        snmpsim_agent.v2c("pb-sw-b"),
        SnmpTarget("127.0.0.2", dead_port, community="dead", timeout_s=1.0, retries=1),
        snmpsim_agent.v2c("pb-agg-1"),
    ]

    async def run() -> list[DevicePoll]:
        client = PysnmpClient()
        try:
            return await poll_many(client, targets, concurrency=8)
        finally:
            client.close()

    started = time.monotonic()
    results = asyncio.run(run())
    took = time.monotonic() - started
    assert [r.target for r in results] == targets
    assert [r.ok for r in results] == [True, False, True, False, True]
    assert [r.sys_name for r in results[::2]] == ["pb-sw-a", "pb-sw-b", "pb-agg-1"]
    # dead devices cost their 2 s budget in parallel, not one after the other
    assert took < 2.0 + 4.0


# --- Debian net-snmp snmpd: "nobody here wrote it" -----------------------------------

HC_IN_1 = "1.3.6.1.2.1.31.1.1.1.6.1"
HC_OUT_1 = "1.3.6.1.2.1.31.1.1.1.10.1"
IF_NAME_1 = "1.3.6.1.2.1.31.1.1.1.1.1"


def snmpget(agent, *oids: str) -> list[str]:
    """Values read by net-snmp's own CLI (numeric OIDs, values only)."""
    out = subprocess.run(
        [
            "snmpget",
            "-v2c",
            "-c",
            agent.community,
            "-On",
            "-Oqv",
            "-t",
            "2",
            "-r",
            "1",
            f"{agent.host}:{agent.port}",
            *oids,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.strip().strip('"') for line in out.splitlines()]


@pytest.mark.parametrize("api", ["native", "v1arch", "v3arch"])
def test_counters_lie_between_two_net_snmp_readings(snmpd_agent, api: str):
    in_before, out_before, name = snmpget(snmpd_agent, HC_IN_1, HC_OUT_1, IF_NAME_1)
    (result,) = poll(snmpd_agent.v2c(snmpd_agent.community), v2c_api=api)
    in_after, out_after, _ = snmpget(snmpd_agent, HC_IN_1, HC_OUT_1, IF_NAME_1)
    assert result.ok, result.error
    lo = result.interfaces[1]
    assert lo.name == name == "lo"
    assert lo.counter_bits == 64
    assert int(in_before) <= lo.in_octets <= int(in_after)
    assert int(out_before) <= lo.out_octets <= int(out_after)


def test_v3_authpriv_against_net_snmp(snmpd_agent):
    (sys_name,) = snmpget(snmpd_agent, "1.3.6.1.2.1.1.5.0")
    (result,) = poll(snmpd_agent.v3())
    assert result.ok, result.error
    assert result.sys_name == sys_name
    assert result.interfaces[1].name == "lo"


def test_wrong_priv_key_against_net_snmp_is_an_auth_error(snmpd_agent):
    # net-snmp drops what it cannot decrypt without a report: only discovery answers
    (result,) = poll(snmpd_agent.v3(priv="not-the-key", timeout_s=0.5, retries=0))
    assert (result.ok, result.error_kind) == (False, "auth")


def test_lab_generator_writes_sorted_records(tmp_path):
    paths = write_lab_snmprec(tmp_path, lab_devices_for_demo())
    assert sorted(p.stem for p in paths) == ["pb-agg-1", "pb-sw-a", "pb-sw-b", "pb-sw-c", "pb-sw-d"]
    for path in paths:
        oids = [
            tuple(map(int, ln.split("|")[0].split("."))) for ln in path.read_text().splitlines()
        ]
        assert oids == sorted(oids)


def test_quick_poll_reads_status_and_counters_only_and_matches_net_snmp(snmpd_agent):
    from dataclasses import replace

    (full,) = poll(snmpd_agent.v2c(snmpd_agent.community))
    assert full.full and full.interfaces[1].name == "lo"
    quick_target = replace(snmpd_agent.v2c(snmpd_agent.community),
                           quick_after=(full.sys_uptime_ticks, full.polled_at))
    in_before, out_before = snmpget(snmpd_agent, HC_IN_1, HC_OUT_1)
    (quick,) = poll(quick_target)
    in_after, out_after = snmpget(snmpd_agent, HC_IN_1, HC_OUT_1)
    assert quick.ok, quick.error
    assert quick.full is False
    assert set(quick.interfaces) == set(full.interfaces)
    lo = quick.interfaces[1]
    assert (lo.name, lo.descr, lo.speed_bps) == (None, None, None)
    assert lo.oper_up is True and lo.counter_bits == 64
    assert int(in_before) <= lo.in_octets <= int(in_after)
    assert int(out_before) <= lo.out_octets <= int(out_after)


def test_quick_poll_becomes_full_when_sysuptime_shows_a_reboot(snmpd_agent):
    from dataclasses import replace
    from datetime import timedelta

    (full,) = poll(snmpd_agent.v2c(snmpd_agent.community))
    # as if the last good poll had seen a sysUpTime one hour ahead of the agent's clock
    target = replace(snmpd_agent.v2c(snmpd_agent.community),
                     quick_after=(full.sys_uptime_ticks + 360_000,
                                  full.polled_at - timedelta(seconds=1)))
    (after_reboot,) = poll(target)
    assert after_reboot.ok and after_reboot.full is True
    assert after_reboot.interfaces[1].name == "lo"
