"""Table tests for network.counters (expected values worked out by hand in the comments)."""

from __future__ import annotations

import pytest

from network.counters import (
    Delta,
    Discarded,
    DiscardReason,
    counter_delta,
    reboot_downtime_s,
    uptime_consistent,
)

R = DiscardReason
G = 1_000_000_000
M100 = 100_000_000
W32 = 2**32
W64 = 2**64

# 1 Gb/s × 300 s × 1.05 / 8 = 39 375 000 000 octets
LIMIT_1G_300 = 39_375_000_000
# 100 Mb/s × 60 s × 1.05 / 8 = 787 500 000 octets
LIMIT_100M_60 = 787_500_000

# (id, prev, curr, bits, speed_bps, elapsed_s, rebooted, expected)
CASES = [
    # normal growth
    ("hc-growth", 1_000, 5_000_000_000, 64, G, 300.0, False, Delta(4_999_999_000)),
    ("hc-no-traffic", 42, 42, 64, G, 300.0, False, Delta(0)),
    ("c32-growth", 10, 787_500_010, 32, M100, 60.0, False, Delta(787_500_000)),
    ("hc-growth-near-top", W64 - 10, W64 - 1, 64, G, 1.0, False, Delta(9)),
    # speed bound: exactly speed × elapsed × 1.05 is accepted, one more octet is not
    ("hc-at-limit", 0, LIMIT_1G_300, 64, G, 300.0, False, Delta(LIMIT_1G_300)),
    ("hc-above-limit", 0, LIMIT_1G_300 + 1, 64, G, 300.0, False, Discarded(R.IMPLAUSIBLE)),
    ("c32-above-limit", 0, LIMIT_100M_60 + 1, 32, M100, 60.0, False, Discarded(R.IMPLAUSIBLE)),
    # 32-bit wrap, plausible: 100 octets before the top + 400 after = 500
    ("c32-wrap", W32 - 100, 400, 32, M100, 60.0, False, Delta(500, wrapped=True)),
    # docs/snmp.md §6 uplink sample: naive -3 907 228 043, wrap-aware 387 739 253 over 5 s at 1 Gb/s
    ("c32-wrap-uplink", 4_000_000_000, 92_771_957, 32, G, 5.0, False, Delta(387_739_253, True)),
    # wrapped delta at the limit / just above it
    (
        "c32-wrap-at-limit",
        W32 - 1,
        LIMIT_100M_60 - 1,
        32,
        M100,
        60.0,
        False,
        Delta(LIMIT_100M_60, True),
    ),
    (
        "c32-wrap-above-limit",
        W32 - 1,
        LIMIT_100M_60,
        32,
        M100,
        60.0,
        False,
        Discarded(R.WRAP_IMPLAUSIBLE),
    ),
    # small decrease: as a wrap it would be 2**32 - 5 octets, far too many for 100 Mb/s
    ("c32-small-decrease", 10, 5, 32, M100, 60.0, False, Discarded(R.WRAP_IMPLAUSIBLE)),
    # 64-bit decrease is a reset, never a wrap, whatever the speed
    ("hc-decrease", 5_000_000, 4_000_000, 64, G, 300.0, False, Discarded(R.RESET)),
    ("hc-decrease-to-zero", W64 - 1, 0, 64, None, 300.0, False, Discarded(R.RESET)),
    # reboot wins over everything, including a delta that looks plausible
    ("reboot-growth", 1_000, 2_000, 64, G, 300.0, True, Discarded(R.REBOOT)),
    # docs/snmp.md §6: after a reboot the wrap-aware delta was 2 998 050 976 (plausible, wrong)
    ("reboot-c32-decrease", 1_296_916_320, 0, 32, 10 * G, 5.0, True, Discarded(R.REBOOT)),
    # zero / negative elapsed time
    ("zero-elapsed", 0, 0, 64, G, 0.0, False, Discarded(R.CLOCK)),
    ("negative-elapsed", 0, 10, 64, G, -1.0, False, Discarded(R.CLOCK)),
    # unknown speed (None or 0): growth accepted, 32-bit decrease not verifiable
    ("unknown-speed-growth", 0, 10**15, 64, None, 300.0, False, Delta(10**15)),
    ("zero-speed-growth", 0, 3_000_000_000, 32, 0, 300.0, False, Delta(3_000_000_000)),
    (
        "unknown-speed-c32-decrease",
        W32 - 100,
        400,
        32,
        None,
        60.0,
        False,
        Discarded(R.WRAP_UNVERIFIABLE),
    ),
    # 32-bit on a port able to pass 2**32 in the interval: any number of wraps possible
    # (1 Gb/s × 300 s ≈ 39 GB ≫ 4.29 GB)
    ("c32-ambiguous-growth", 0, 1_000, 32, G, 300.0, False, Discarded(R.AMBIGUOUS)),
    ("c32-ambiguous-decrease", 1_000, 0, 32, G, 300.0, False, Discarded(R.AMBIGUOUS)),
    # 100 Mb/s × 300 s × 1.05 / 8 = 3 937 500 000 < 2**32: still unambiguous
    ("c32-100M-300s-wrap", W32 - 1, 99, 32, M100, 300.0, False, Delta(100, True)),
    # first sample, out-of-range values
    ("no-previous", None, 10, 64, G, 300.0, False, Discarded(R.NO_PREVIOUS)),
    ("c32-out-of-range", 0, W32, 32, M100, 60.0, False, Discarded(R.INVALID)),
    ("negative-value", -1, 10, 64, G, 60.0, False, Discarded(R.INVALID)),
]


@pytest.mark.parametrize(
    ("prev", "curr", "bits", "speed", "elapsed", "rebooted", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_counter_delta(prev, curr, bits, speed, elapsed, rebooted, expected):
    got = counter_delta(
        prev, curr, bits=bits, speed_bps=speed, elapsed_s=elapsed, rebooted=rebooted
    )
    assert got == expected


@pytest.mark.parametrize("bits", [0, 16, 63, 128])
def test_counter_delta_rejects_odd_widths(bits):
    with pytest.raises(ValueError, match="bits"):
        counter_delta(0, 1, bits=bits, speed_bps=None, elapsed_s=1.0, rebooted=False)


def test_discard_reasons_are_stable_strings():
    # stored in the database: renaming one is a migration
    assert {r.value for r in DiscardReason} == {
        "no_previous",
        "clock",
        "reboot",
        "reset",
        "wrap_implausible",
        "wrap_unverifiable",
        "ambiguous",
        "implausible",
        "invalid",
    }


DAY = 8_640_000  # ticks in a day
# (id, prev_ticks, curr_ticks, elapsed_s, expected)
UPTIME_CASES = [
    ("exact", 0, 30_000, 300.0, True),
    ("one-day-in", DAY, DAY + 30_000, 300.0, True),
    # 10 % of 300 s = 30 s tolerance
    ("fast-within-10pct", 0, 33_000, 300.0, True),
    ("fast-beyond-10pct", 0, 33_001, 300.0, False),
    ("slow-within-10pct", 0, 27_000, 300.0, True),
    ("slow-beyond-10pct", 0, 26_999, 300.0, False),
    # short intervals: 5 s floor
    ("short-within-5s", 0, 3_500, 30.0, True),
    ("short-beyond-5s", 0, 3_501, 30.0, False),
    # 497-day TimeTicks wrap: 10 s before the top, 290 s after = 300 s, not a reboot
    ("ticks-wrap", 2**32 - 1_000, 29_000, 300.0, True),
    ("ticks-wrap-at-top", 2**32 - 1, 29_999, 300.0, True),
    # reboot: uptime went from 1 day to 60 s
    ("reboot-lower", DAY, 6_000, 300.0, False),
    # reboot that came back with a larger uptime: 10 s → 400 s in 300 s of wall time
    ("reboot-higher", 1_000, 40_000, 300.0, False),
    # agent restarted right after the previous poll: 300 s elapsed, uptime 295 s < prev 1 day
    ("restart-looks-consistent-delta", DAY, 29_500, 300.0, False),
    # zero elapsed time: consistent only if the agent saw ≤ 5 s too
    ("zero-elapsed-same", 100, 100, 0.0, True),
    ("zero-elapsed-moved", 100, 701, 0.0, False),
    ("negative-elapsed", 0, 0, -1.0, False),
]


@pytest.mark.parametrize(
    ("prev", "curr", "elapsed", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in UPTIME_CASES],
)
def test_uptime_consistent(prev, curr, elapsed, expected):
    assert uptime_consistent(prev, curr, elapsed) is expected


# (id, uptime_s, since_last_ok_s, expected downtime)
DOWNTIME_CASES = [
    # last OK poll 300 s ago, booted 120 s ago: down somewhere in the 180 s before boot
    ("reboot-in-interval", 120.0, 300.0, 180.0),
    # two failed polls in between: last OK 900 s ago, booted 60 s ago
    ("after-failed-polls", 60.0, 900.0, 840.0),
    # booted before the last OK poll: agent restart / counter reset, no downtime
    ("boot-before-last-poll", 400.0, 300.0, 0.0),
    ("boot-at-last-poll", 300.0, 300.0, 0.0),
    ("nonsense-negative-uptime", -1.0, 300.0, 0.0),
    ("nonsense-zero-gap", 10.0, 0.0, 0.0),
]


@pytest.mark.parametrize(
    ("uptime", "gap", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in DOWNTIME_CASES],
)
def test_reboot_downtime(uptime, gap, expected):
    assert reboot_downtime_s(uptime_s=uptime, since_last_ok_s=gap) == pytest.approx(expected)
