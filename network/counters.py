"""Counter arithmetic for interface traffic (docs/design.md §3.4–3.5, docs/snmp.md §6).

Pure functions, no I/O. The poller stores raw counters, sysUpTime and the local
monotonic time of every poll; the delta between two consecutive polls is computed here.

Order of checks for one interval (the caller does step 1 once per device):

1. ``uptime_consistent(prev_ticks, curr_ticks, elapsed_s)``: the change of sysUpTime,
   modulo its 497-day wrap, must agree with the local clock within max(5 s, 10 %).
   If not, the device rebooted or its agent restarted: pass ``rebooted=True`` for
   every counter of that device. A wrap-corrected Counter32 delta after a reboot
   looks plausible and is wrong, so only this check catches it.
2. ``counter_delta(...)`` per counter: growth is accepted up to speed × elapsed × 1.05;
   a decrease is a wrap only for a 32-bit counter whose wrapped delta is plausible at
   the port's speed; a 64-bit counter going down is a reset.

Discarded intervals are never counted (neither negative nor huge), and carry a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

TICKS_PER_SECOND = 100
UPTIME_MODULUS = 2**32  # TimeTicks wrap: 2**32 / 100 s ≈ 497.1 days
UPTIME_TOLERANCE_MIN_S = 5.0
UPTIME_TOLERANCE_RATIO = 0.10
SPEED_TOLERANCE = 1.05  # rates above speed × 1.05 are measurement garbage


class DiscardReason(StrEnum):
    """Why an interval was not counted (stored with the discarded interval)."""

    NO_PREVIOUS = "no_previous"  # first sample of this counter: baseline only
    CLOCK = "clock"  # local elapsed time is zero or negative
    REBOOT = "reboot"  # sysUpTime disagrees with the local clock
    RESET = "reset"  # 64-bit counter went down (cleared counters)
    WRAP_IMPLAUSIBLE = "wrap_implausible"  # 32-bit decrease, but the wrapped delta is too big
    WRAP_UNVERIFIABLE = "wrap_unverifiable"  # 32-bit decrease on a port of unknown speed
    AMBIGUOUS = "ambiguous"  # 32-bit counter could have wrapped more than once
    IMPLAUSIBLE = "implausible"  # growth above speed × elapsed × 1.05
    INVALID = "invalid"  # value outside the counter's range (negative or ≥ 2**bits)


@dataclass(frozen=True, slots=True)
class Delta:
    """An accepted interval: octets transferred, and whether a 32-bit wrap was corrected."""

    octets: int
    wrapped: bool = False


@dataclass(frozen=True, slots=True)
class Discarded:
    """A rejected interval and the reason; it counts as no traffic and no data."""

    reason: DiscardReason


def max_plausible_octets(speed_bps: int, elapsed_s: float) -> float:
    """Octets a port of ``speed_bps`` can carry in ``elapsed_s``, with the 5 % tolerance."""
    return speed_bps * elapsed_s * SPEED_TOLERANCE / 8


def max_unambiguous_interval_s(speed_bps: int) -> int:
    """Whole seconds below which a 32-bit counter at ``speed_bps`` cannot wrap twice unseen
    (``counter_delta`` discards intervals where speed × elapsed × 1.05 reaches 2**32 octets):
    32 s at 1 Gbit/s, 327 s at 100 Mbit/s."""
    return int((1 << 32) * 8 / (speed_bps * SPEED_TOLERANCE))


def counter_delta(
    prev: int | None,
    curr: int,
    *,
    bits: int,
    speed_bps: int | None,
    elapsed_s: float,
    rebooted: bool,
) -> Delta | Discarded:
    """Octets between two readings of one interface counter, or why the interval is discarded.

    ``bits`` is 32 or 64 (the counter's width as polled: both readings must be of the same
    width — a change of width is the caller's reset). ``speed_bps`` ``None`` or 0 means
    unknown: growth is then accepted unbounded, but a 32-bit decrease cannot be told from a
    reset and is discarded (``wrap_unverifiable``) — losing one interval is better than
    counting up to 4 GiB that never flowed. ``rebooted`` comes from ``uptime_consistent``.
    """
    if bits not in (32, 64):
        raise ValueError(f"bits must be 32 or 64, not {bits!r}")
    if prev is None:
        return Discarded(DiscardReason.NO_PREVIOUS)
    modulus = 1 << bits
    if not (0 <= prev < modulus and 0 <= curr < modulus):
        return Discarded(DiscardReason.INVALID)
    if rebooted:
        return Discarded(DiscardReason.REBOOT)
    if elapsed_s <= 0:
        return Discarded(DiscardReason.CLOCK)
    known_speed = speed_bps is not None and speed_bps > 0
    limit = max_plausible_octets(speed_bps, elapsed_s) if known_speed else None
    # A 32-bit counter that can pass 2**32 in the interval may have wrapped any number
    # of times: no reading pair tells how many, so the interval cannot be counted.
    if bits == 32 and limit is not None and limit >= modulus:
        return Discarded(DiscardReason.AMBIGUOUS)
    if curr >= prev:
        octets = curr - prev
        if limit is not None and octets > limit:
            return Discarded(DiscardReason.IMPLAUSIBLE)
        return Delta(octets)
    if bits == 64:
        # 2**64 octets take 4.7 years at 1 Tb/s: a decrease is never a wrap.
        return Discarded(DiscardReason.RESET)
    if limit is None:
        return Discarded(DiscardReason.WRAP_UNVERIFIABLE)
    octets = (curr - prev) % modulus
    if octets > limit:
        return Discarded(DiscardReason.WRAP_IMPLAUSIBLE)
    return Delta(octets, wrapped=True)


def uptime_consistent(prev_ticks: int, curr_ticks: int, elapsed_s: float) -> bool:
    """True when the device's sysUpTime advanced like the local clock.

    The change is taken modulo 2**32 ticks so the 497-day TimeTicks wrap is not a reboot;
    the tolerance is max(5 s, 10 % of the elapsed time). A negative local elapsed time is
    never consistent. False means reboot, agent restart or a device whose clock is unusable:
    the caller discards the interval and re-baselines.
    """
    if elapsed_s < 0:
        return False
    agent_s = ((curr_ticks - prev_ticks) % UPTIME_MODULUS) / TICKS_PER_SECOND
    tolerance = max(UPTIME_TOLERANCE_MIN_S, UPTIME_TOLERANCE_RATIO * elapsed_s)
    return abs(agent_s - elapsed_s) <= tolerance


def reboot_downtime_s(*, uptime_s: float, since_last_ok_s: float) -> float:
    """Downtime to book for a reboot that was seen only through sysUpTime.

    docs/design.md §3.5: "a reboot seen through sysUpTime counts the time since boot as downtime
    when it is shorter than the poll interval plus the time between polls". Decision taken
    here (the sentence is ambiguous): the device was last seen alive at the previous
    successful poll, ``since_last_ok_s`` ago, and booted ``uptime_s`` ago (sysUpTime of the
    first poll after the reboot, in seconds). The outage lies inside [last OK poll, boot],
    so that gap, ``since_last_ok_s - uptime_s``, is booked — an upper bound, like every
    downtime measured by polling. A boot older than the last OK poll (uptime ≥ gap, which
    covers the "shorter than" condition of the spec) means the agent restarted or reset
    its counters without the device going down: 0 is booked. When polls failed in between,
    ``since_last_ok_s`` is the poll interval plus the time of the failed polls, as the spec
    says, so the whole unobserved window is covered.

    Callers must not add this on top of an outage already opened for the same window by
    the "two failed polls" rule (§3.5); take the larger of the two instead.
    """
    if uptime_s < 0 or since_last_ok_s <= 0:
        return 0.0
    return max(0.0, since_last_ok_s - uptime_s)
