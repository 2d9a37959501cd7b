"""The IF-MIB as the poller reads it: the OIDs, the column sets, the table walk, the samples.

No transport here: ``walk_columns`` walks table columns through any ``Session`` (the native
SNMPv2c codec or pysnmp, ``network.snmp``) and ``build_interfaces`` turns the walked values
into ``InterfaceSample`` rows, reporting the values that are missing or garbage. Values are
``(BER tag, plain value)`` pairs (``network.snmp_v2c``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from network.snmp_v2c import (
    COUNTER32,
    COUNTER64,
    END_OF_MIB_VIEW,
    GAUGE32,
    INTEGER,
    NO_SUCH_INSTANCE,
    NO_SUCH_OBJECT,
    OCTET_STRING,
)

OID = tuple[int, ...]
#: ``(BER tag, plain value)``: see ``network.snmp_v2c`` (pysnmp's values are converted once)
Value = tuple[int, Any]
VarBinds = list[tuple[OID, Value]]

SYS_UPTIME: OID = (1, 3, 6, 1, 2, 1, 1, 3, 0)
SYS_NAME: OID = (1, 3, 6, 1, 2, 1, 1, 5, 0)
IF_DESCR: OID = (1, 3, 6, 1, 2, 1, 2, 2, 1, 2)
IF_SPEED: OID = (1, 3, 6, 1, 2, 1, 2, 2, 1, 5)
IF_ADMIN_STATUS: OID = (1, 3, 6, 1, 2, 1, 2, 2, 1, 7)
IF_OPER_STATUS: OID = (1, 3, 6, 1, 2, 1, 2, 2, 1, 8)
IF_IN_OCTETS: OID = (1, 3, 6, 1, 2, 1, 2, 2, 1, 10)
IF_OUT_OCTETS: OID = (1, 3, 6, 1, 2, 1, 2, 2, 1, 16)
IF_NAME: OID = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1)
IF_HC_IN_OCTETS: OID = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6)
IF_HC_OUT_OCTETS: OID = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10)
IF_HIGH_SPEED: OID = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15)

MAIN_COLUMNS: tuple[OID, ...] = (
    IF_DESCR,
    IF_ADMIN_STATUS,
    IF_OPER_STATUS,
    IF_NAME,
    IF_HC_IN_OCTETS,
    IF_HC_OUT_OCTETS,
    IF_HIGH_SPEED,
)
FALLBACK_COLUMNS: tuple[OID, ...] = (IF_SPEED, IF_IN_OCTETS, IF_OUT_OCTETS)
#: A quick poll reads only what changes between cycles: status and counters. Names,
#: descriptions and speeds are read by full polls (discovery), as pollers such as LibreNMS
#: split "discovery" and "polling"; it cuts the values decoded per poll from 7 × rows to 4 × rows.
QUICK_COLUMNS: tuple[OID, ...] = (IF_ADMIN_STATUS, IF_OPER_STATUS, IF_HC_IN_OCTETS,
                                  IF_HC_OUT_OCTETS)
QUICK_FALLBACK_COLUMNS: tuple[OID, ...] = (IF_IN_OCTETS, IF_OUT_OCTETS)

IF_SPEED_SATURATED = 4_294_967_295  # ifSpeed's "use ifHighSpeed" value
MAX_WALK_REQUESTS = 500  # a walk that needs more is broken; the deadline also bounds it


@dataclass(frozen=True, slots=True)
class InterfaceSample:
    """One ifTable/ifXTable row. Counters are raw values; ``None`` when missing or garbage.

    ``counter_bits`` is 64 when both HC counters were read, 32 for the ifIn/OutOctets
    fallback, ``None`` without usable counters. A change of width between two polls must
    be treated as a counter reset by the caller.
    """

    if_index: int
    name: str | None
    descr: str | None
    admin_up: bool | None
    oper_up: bool | None
    speed_bps: int | None
    in_octets: int | None
    out_octets: int | None
    counter_bits: Literal[64, 32] | None


class Session(Protocol):
    """One device's requests, whatever the transport (``network.snmp``'s sessions)."""

    async def get(self, oids: Sequence[OID]) -> VarBinds: ...

    async def bulk(self, oids: Sequence[OID], max_repetitions: int) -> VarBinds: ...


_END_TAGS = frozenset((END_OF_MIB_VIEW, NO_SUCH_OBJECT, NO_SUCH_INSTANCE))


async def walk_columns(
    session: Session, columns: Sequence[OID], max_repetitions: int | None = None
) -> dict[OID, dict[int, Any]]:
    """Lock-step GETBULK walk of several table columns indexed by one integer.

    One request carries every still-active column; varbind k belongs to column
    ``active[k % width]``. A column ends when its OID leaves the column, the value is
    endOfMibView, or the OID does not increase — so truncated responses, missing
    columns and non-contiguous indexes all work. A failed request raises what the session
    raises (``network.snmp``: its ``_PollError``).
    """
    results: dict[OID, dict[int, Any]] = {c: {} for c in columns}
    cursor: dict[OID, OID] = {c: c for c in columns}
    active = list(columns)
    for _ in range(MAX_WALK_REQUESTS):
        if not active:
            break
        width = len(active)
        # ~48 varbinds per response keeps it under snmpsim's 64 cap and one 1472-byte UDP
        # payload (docs/snmp.md §6: 7 × 9 was 1431 bytes), e.g. 6 repetitions of 7 columns.
        reps = max_repetitions or max(2, min(25, 42 // width))
        var_binds = await session.bulk([cursor[c] for c in active], reps)
        if not var_binds:
            break
        finished: set[OID] = set()
        for k, (oid, value) in enumerate(var_binds):
            col = active[k % width]
            if col in finished:
                continue
            n = len(col)
            if (value[0] in _END_TAGS or oid[:n] != col or oid <= cursor[col]
                    or len(oid) != n + 1):
                finished.add(col)
                continue
            results[col][oid[n]] = value
            cursor[col] = oid
        active = [c for c in active if c not in finished]
    return results


def text_of(value: Value | None) -> str | None:
    """An OCTET STRING as text (None for another type or no value)."""
    if value is None or value[0] != OCTET_STRING or value[1] is None:
        return None
    # decode the bytes (pysnmp's prettyPrint() turns a string with one NUL into hex)
    return value[1].decode("utf-8", "replace").rstrip("\x00")


def int_of(value: Value | None, tag: int) -> int | None:
    """The integer of a value of that BER type, else None."""
    if value is not None and value[0] == tag:
        return value[1]
    return None


def _status(value: Value | None) -> bool | None:
    n = int_of(value, INTEGER)
    return None if n is None else n == 1


def build_interfaces(
    cols: dict[OID, dict[int, Any]],
) -> tuple[dict[int, InterfaceSample], list[str]]:
    """Turn walked columns into samples; returns the samples and a list of problems."""
    problems: list[str] = []
    indexes: set[int] = set()
    for values in cols.values():
        indexes.update(values)

    def get(col: OID, i: int) -> Any:
        return cols.get(col, {}).get(i)

    bad: dict[str, list[int]] = {}
    out: dict[int, InterfaceSample] = {}
    for i in sorted(indexes):
        hc_in = int_of(get(IF_HC_IN_OCTETS, i), COUNTER64)
        hc_out = int_of(get(IF_HC_OUT_OCTETS, i), COUNTER64)
        c_in = int_of(get(IF_IN_OCTETS, i), COUNTER32)
        c_out = int_of(get(IF_OUT_OCTETS, i), COUNTER32)
        bits: Literal[64, 32] | None
        if hc_in is not None and hc_out is not None:
            bits, in_o, out_o = 64, hc_in, hc_out
        elif c_in is not None and c_out is not None:
            bits, in_o, out_o = 32, c_in, c_out
        else:
            bits, in_o, out_o = None, None, None
            bad.setdefault("counters", []).append(i)
        high = int_of(get(IF_HIGH_SPEED, i), GAUGE32)
        low = int_of(get(IF_SPEED, i), GAUGE32)
        speed: int | None = None
        if high:
            speed = high * 1_000_000
        elif low and low != IF_SPEED_SATURATED:
            speed = low
        for label, col, conv in (
            ("ifDescr", IF_DESCR, text_of),
            ("ifAdminStatus", IF_ADMIN_STATUS, _status),
            ("ifOperStatus", IF_OPER_STATUS, _status),
        ):
            raw = get(col, i)
            if raw is not None and conv(raw) is None:
                bad.setdefault(label, []).append(i)
        out[i] = InterfaceSample(
            if_index=i,
            name=text_of(get(IF_NAME, i)),
            descr=text_of(get(IF_DESCR, i)),
            admin_up=_status(get(IF_ADMIN_STATUS, i)),
            oper_up=_status(get(IF_OPER_STATUS, i)),
            speed_bps=speed,
            in_octets=in_o,
            out_octets=out_o,
            counter_bits=bits,
        )
    for label, idx in bad.items():
        shown = ", ".join(str(i) for i in idx[:8]) + (" …" if len(idx) > 8 else "")
        problems.append(f"no valid {label} for ifIndex {shown}")
    if not indexes:
        problems.append("the interface table is empty or missing")
    return out, problems
