"""SNMP polling of switches: IF-MIB counters, status and sysUpTime (docs/snmp.md §3, §7).

``SnmpClient`` is the small interface the poller service depends on; ``PysnmpClient``
keeps pysnmp 7's asyncio API inside this module. SNMPv2c goes by default through
``network.snmp_v2c`` (a direct BER codec: pyasn1's decoder was ~75 % of the poller's CPU,
issue 23); SNMPv3 always goes through pysnmp. One device poll is a GET of
sysUpTime.0 + sysName.0 followed by one lock-step multi-column GETBULK walk of the
interface table (64-bit ifXTable counters, with a second walk of the 32-bit ifTable
columns only for rows that lack them). The OIDs, the walk and the parsing of the interface
table are the transport-free ``network.if_mib``; this module holds the transports.

Kept in one file (~580 lines) because its sessions, the engine and target caches of
``PysnmpClient`` and the classification of errors all work on pysnmp's objects, imported once
under the warning filter above: split further, each part would import pysnmp's internals.

Credentials never appear in logs, reprs or error messages.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pyasn1.type.univ import Integer, Null

from network import snmp_v2c
from network.counters import uptime_consistent
from network.if_mib import (
    FALLBACK_COLUMNS,
    IF_HIGH_SPEED,
    MAIN_COLUMNS,
    OID,
    QUICK_COLUMNS,
    QUICK_FALLBACK_COLUMNS,
    SYS_NAME,
    SYS_UPTIME,
    InterfaceSample,
    Value,
    VarBinds,
    build_interfaces,
    int_of,
    text_of,
    walk_columns,
)
from network.snmp_v2c import TIME_TICKS

with warnings.catch_warnings():
    # pysnmp imports pysmi (installed for snmpsim) through deprecated names
    warnings.simplefilter("ignore", DeprecationWarning)
    from pysnmp.error import PySnmpError
    from pysnmp.hlapi.v1arch import asyncio as v1
    from pysnmp.hlapi.v3arch import asyncio as v3
    from pysnmp.proto import errind, rfc1902
    from pysnmp.smi.compiler import add_mib_compiler

log = logging.getLogger(__name__)

ErrorKind = Literal["timeout", "auth", "garbage", "unresolvable"]

# v3 errors that mean "the agent is there but rejects our credentials"
_AUTH_ERRORS = (
    errind.WrongDigest,
    errind.UnknownUserName,
    errind.UnknownSecurityName,
    errind.DecryptionError,
    errind.AuthenticationFailure,
    errind.AuthenticationError,
    errind.UnsupportedSecurityLevel,
    errind.UnknownCommunityName,
    errind.NoAuthentication,
    errind.NoEncryption,
)

_AUTH_PROTOCOLS = {
    "MD5": v3.usmHMACMD5AuthProtocol,
    "SHA": v3.usmHMACSHAAuthProtocol,
    "SHA224": v3.usmHMAC128SHA224AuthProtocol,
    "SHA256": v3.usmHMAC192SHA256AuthProtocol,
    "SHA384": v3.usmHMAC256SHA384AuthProtocol,
    "SHA512": v3.usmHMAC384SHA512AuthProtocol,
}
_PRIV_PROTOCOLS = {
    "DES": v3.usmDESPrivProtocol,
    "AES": v3.usmAesCfb128Protocol,
    "AES192": v3.usmAesCfb192Protocol,
    "AES256": v3.usmAesCfb256Protocol,
}


@dataclass(frozen=True, slots=True)
class SnmpTarget:
    """How to reach one device. Secrets are excluded from repr so they never reach logs."""

    host: str
    port: int = 161
    version: Literal["2c", "3"] = "2c"
    community: str | None = field(default=None, repr=False)
    v3_user: str | None = None
    v3_auth_key: str | None = field(default=None, repr=False)
    v3_priv_key: str | None = field(default=None, repr=False)
    context: str = ""
    timeout_s: float = 2.0
    retries: int = 1
    v3_auth_protocol: str = "SHA"
    v3_priv_protocol: str = "AES"
    deadline_s: float | None = None  # whole-poll bound; None → see ``poll_deadline_s``
    #: ``(sysUpTime ticks, time)`` of the last good poll when the ports are known: the poll
    #: may then be quick (status and counters only) unless sysUpTime shows a reboot, after
    #: which ifIndexes may have moved and a full poll is made. None → always a full poll.
    #: Not part of the target's identity (hash, equality).
    quick_after: tuple[int, datetime] | None = field(default=None, compare=False, repr=False)

    def poll_deadline_s(self) -> float:
        """Upper bound for one whole device poll (all requests, retries included)."""
        if self.deadline_s is not None:
            return self.deadline_s
        # A healthy 48-port poll is ~10 requests; allow several slow ones, but a dead
        # device fails on its first GET after timeout × (retries + 1) anyway.
        return max(15.0, 4 * self.timeout_s * (self.retries + 1))


@dataclass(frozen=True, slots=True)
class DevicePoll:
    """Result of polling one device.

    ``ok`` is True only when everything was read cleanly. ``answered`` tells whether the
    device responded at all (it returned sysUpTime): that is what outage detection uses —
    a device sending garbage columns is up, a device that times out or rejects our
    credentials is not known to be up. ``polled_at``/``monotonic`` are taken when the
    sysUpTime response arrived, so they pair with ``sys_uptime_ticks``.
    """

    target: SnmpTarget
    ok: bool
    error: str | None
    error_kind: ErrorKind | None
    sys_uptime_ticks: int | None
    sys_name: str | None
    interfaces: dict[int, InterfaceSample]
    polled_at: datetime
    monotonic: float
    #: False for a quick poll: samples carry no name, description or speed.
    full: bool = True

    @property
    def answered(self) -> bool:
        """True when the device replied with a usable sysUpTime."""
        return self.sys_uptime_ticks is not None


class SnmpClient(Protocol):
    """What the poller service needs from an SNMP implementation."""

    async def poll(self, target: SnmpTarget) -> DevicePoll:
        """Poll one device; never raises for device or network errors."""
        ...


class _PollError(Exception):
    """Internal: a request failed; carries the classified error."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message




def _timeout_message(target: SnmpTarget) -> str:
    budget = target.timeout_s * (target.retries + 1)
    msg = f"no answer within {budget:g} s ({target.retries} retries)"
    if target.version == "2c":
        msg += "; with SNMPv2c a wrong community looks exactly the same"
    return msg


def _classify(target: SnmpTarget, indication: errind.ErrorIndication) -> _PollError:
    if isinstance(indication, errind.RequestTimedOut):
        return _PollError("timeout", _timeout_message(target))
    if isinstance(indication, _AUTH_ERRORS):
        return _PollError("auth", f"authentication failed: {indication}")
    return _PollError("garbage", f"SNMP error: {indication}")


def _raw(oids: Sequence[OID]) -> list[tuple[rfc1902.ObjectName, Null]]:
    return [(rfc1902.ObjectName(o), Null("")) for o in oids]


def _plain(value: Any) -> Value:
    """A pysnmp value as ``(tag, int | bytes | tuple | None)``, like ``network.snmp_v2c``."""
    outer = value.tagSet[-1]
    tag = outer.tagClass | outer.tagFormat | outer.tagId
    if not value.hasValue():
        return tag, None
    if isinstance(value, rfc1902.OctetString):
        return tag, bytes(value)
    if isinstance(value, rfc1902.ObjectName):
        return tag, tuple(value)
    if isinstance(value, Integer):
        return tag, int(value)
    return tag, None


def _check(target: SnmpTarget, result: tuple[Any, Any, Any, Any]) -> VarBinds:
    indication, status, index, var_binds = result
    if indication:
        raise _classify(target, indication)
    if status and int(status):
        raise _PollError("garbage", f"agent returned error-status {status.prettyPrint()}")
    return [(tuple(name), _plain(value)) for name, value in var_binds]


class _NativeSession:
    """SNMPv2c through ``network.snmp_v2c``: requests from cached bytes, responses decoded
    straight into plain values (no pyasn1 objects)."""

    def __init__(self, wire: snmp_v2c.V2cClient, target: SnmpTarget,
                 address: tuple[int, tuple]) -> None:
        self.wire = wire
        self.community = (target.community or "").encode()
        self.address = address
        self.target = target

    async def _request(self, pdu: int, oids: Sequence[OID], max_repetitions: int = 0
                       ) -> VarBinds:
        try:
            status, _index, binds = await self.wire.request(
                self.address, self.community, pdu, list(oids), timeout=self.target.timeout_s,
                retries=self.target.retries, max_repetitions=max_repetitions)
        except snmp_v2c.Timeout:
            raise _PollError("timeout", _timeout_message(self.target)) from None
        except snmp_v2c.DecodeError as exc:
            raise _PollError("garbage", f"undecodable SNMP response: {exc}") from None
        if status:
            name = (snmp_v2c.ERROR_STATUS[status] if 0 <= status < len(snmp_v2c.ERROR_STATUS)
                    else str(status))
            raise _PollError("garbage", f"agent returned error-status {name}")
        return binds

    async def get(self, oids: Sequence[OID]) -> VarBinds:
        return await self._request(snmp_v2c.GET_REQUEST, oids)

    async def bulk(self, oids: Sequence[OID], max_repetitions: int) -> VarBinds:
        return await self._request(snmp_v2c.GET_BULK_REQUEST, oids, max_repetitions)


class _V1Session:
    """SNMPv2c through pysnmp's v1arch API: no LCD, no MIB resolution (~25 % less CPU)."""

    def __init__(self, client: PysnmpClient, target: SnmpTarget, transport: Any) -> None:
        self.dispatcher = client._dispatcher()
        self.auth = v1.CommunityData(target.community or "", mpModel=1)
        self.transport = transport
        self.target = target

    async def get(self, oids: Sequence[OID]) -> VarBinds:
        result = await v1.get_cmd(
            self.dispatcher, self.auth, self.transport, *_raw(oids), lookupMib=False
        )
        return _check(self.target, result)

    async def bulk(self, oids: Sequence[OID], max_repetitions: int) -> VarBinds:
        result = await v1.bulk_cmd(
            self.dispatcher,
            self.auth,
            self.transport,
            0,
            max_repetitions,
            *_raw(oids),
            lookupMib=False,
        )
        return _check(self.target, result)


class _V3Session:
    """SNMPv2c or v3 through pysnmp's v3arch API (one engine per credential set)."""

    def __init__(self, client: PysnmpClient, target: SnmpTarget, transport: Any) -> None:
        self.engine, self.auth = client._engine_and_auth(target)
        self.context = v3.ContextData(contextName=target.context)
        self.transport = transport
        self.target = target

    def _vbs(self, oids: Sequence[OID]) -> list[v3.ObjectType]:
        return [v3.ObjectType(v3.ObjectIdentity(o)) for o in oids]

    async def get(self, oids: Sequence[OID]) -> VarBinds:
        result = await v3.get_cmd(
            self.engine,
            self.auth,
            self.transport,
            self.context,
            *self._vbs(oids),
            lookupMib=False,
        )
        return _check(self.target, result)

    async def bulk(self, oids: Sequence[OID], max_repetitions: int) -> VarBinds:
        result = await v3.bulk_cmd(
            self.engine,
            self.auth,
            self.transport,
            self.context,
            0,
            max_repetitions,
            *self._vbs(oids),
            lookupMib=False,
        )
        return _check(self.target, result)

    def agent_answered_discovery(self) -> bool:
        """True when this engine learned the agent's engine ID (it answered discovery)."""
        mp = self.engine.message_processing_subsystems.get(3)
        if mp is None:
            return False
        engine_id, _, _ = mp.get_peer_engine_info(
            self.transport.TRANSPORT_DOMAIN, self.transport.transport_address
        )
        return engine_id is not None


def _rebooted_since(last: tuple[int, datetime], uptime_ticks: int, now: datetime) -> bool:
    ticks, at = last
    return not uptime_consistent(ticks, uptime_ticks, (now - at).total_seconds())


def _new_engine() -> v3.SnmpEngine:
    """An SnmpEngine whose MIB compiler hook is set up now, with pysmi's warnings muted.

    pysnmp attaches the (unused, numeric OIDs only) MIB compiler on the first request
    through deprecated pysmi names; doing it here keeps DeprecationWarnings out of polls.
    """
    engine = v3.SnmpEngine()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        add_mib_compiler(engine.get_mib_builder(), ifAvailable=True, ifNotAdded=True)
    return engine


class PysnmpClient:
    """``SnmpClient`` on pysnmp 7.1.30's asyncio API.

    SNMPv2c goes through ``network.snmp_v2c`` (``v2c_api="native"``, the default: one
    socket, no pyasn1 objects) or, for comparison, pysnmp's v1arch/v3arch APIs. Keeps one
    ``SnmpEngine`` per v3 credential set (one user name with two key sets on a
    shared engine corrupts polls, docs/snmp.md §6) and one transport target per
    (host, port, timeout, retries), created once and reused: each new target costs
    ~30 KB that pysnmp never frees. Create and use the client inside one event loop.
    """

    def __init__(
        self,
        *,
        v2c_api: Literal["native", "v1arch", "v3arch"] = "native",
        max_repetitions: int | None = None,
    ) -> None:
        self.v2c_api = v2c_api
        self.max_repetitions = max_repetitions
        self._engines: dict[tuple[Any, ...], v3.SnmpEngine] = {}
        self._auth: dict[tuple[Any, ...], tuple[v3.SnmpEngine, Any]] = {}
        self._v1_dispatcher: v1.SnmpDispatcher | None = None
        self._transports: dict[tuple[Any, ...], Any] = {}
        self._ever_ok: set[SnmpTarget] = set()
        self._wire: snmp_v2c.V2cClient | None = None

    def _dispatcher(self) -> v1.SnmpDispatcher:
        if self._v1_dispatcher is None:
            self._v1_dispatcher = v1.SnmpDispatcher()
        return self._v1_dispatcher

    def _engine_and_auth(self, target: SnmpTarget) -> tuple[v3.SnmpEngine, Any]:
        if target.version == "2c":
            # community strings travel in each message: all v2c targets share one engine
            key: tuple[Any, ...] = ("2c", target.community)
            engine_key: tuple[Any, ...] = ("2c",)
        else:
            key = engine_key = (
                "3",
                target.v3_user,
                target.v3_auth_key,
                target.v3_priv_key,
                target.v3_auth_protocol,
                target.v3_priv_protocol,
            )
        found = self._auth.get(key)
        if found is None:
            engine = self._engines.get(engine_key)
            if engine is None:
                engine = self._engines[engine_key] = _new_engine()
            found = self._auth[key] = (engine, self._auth_data(target))
        return found

    @staticmethod
    def _auth_data(target: SnmpTarget) -> Any:
        if target.version == "2c":
            return v3.CommunityData(target.community or "", mpModel=1)
        auth_proto = v3.usmNoAuthProtocol
        priv_proto = v3.usmNoPrivProtocol
        if target.v3_auth_key:
            auth_proto = _AUTH_PROTOCOLS[target.v3_auth_protocol.upper()]
        if target.v3_priv_key:
            priv_proto = _PRIV_PROTOCOLS[target.v3_priv_protocol.upper()]
        return v3.UsmUserData(
            target.v3_user or "",
            authKey=target.v3_auth_key,
            privKey=target.v3_priv_key,
            authProtocol=auth_proto,
            privProtocol=priv_proto,
        )

    async def _transport(self, target: SnmpTarget, api: str) -> Any:
        key = (api, target.host, target.port, target.timeout_s, target.retries)
        transport = self._transports.get(key)
        if transport is None:
            cls = v1.UdpTransportTarget if api == "v1" else v3.UdpTransportTarget
            try:
                transport = await cls.create(
                    (target.host, target.port), timeout=target.timeout_s, retries=target.retries
                )
            except PySnmpError as exc:
                raise _PollError("unresolvable", f"cannot resolve {target.host}: {exc}") from None
            self._transports[key] = transport
        return transport

    async def _session(self, target: SnmpTarget) -> _NativeSession | _V1Session | _V3Session:
        if target.version == "2c" and self.v2c_api == "native":
            if self._wire is None:
                self._wire = snmp_v2c.V2cClient()
            try:
                address = await self._wire.resolve(target.host, target.port)
            except OSError as exc:
                raise _PollError("unresolvable",
                                 f"cannot resolve {target.host}: {exc}") from None
            return _NativeSession(self._wire, target, address)
        if target.version == "2c" and self.v2c_api == "v1arch":
            return _V1Session(self, target, await self._transport(target, "v1"))
        if target.version not in ("2c", "3"):
            raise _PollError("garbage", f"unsupported SNMP version {target.version!r}")
        return _V3Session(self, target, await self._transport(target, "v3"))

    async def poll(self, target: SnmpTarget) -> DevicePoll:
        """Poll one device within ``target.poll_deadline_s()``; never raises for device errors."""
        state: dict[str, Any] = {
            "uptime": None,
            "name": None,
            "interfaces": {},
            "at": datetime.now(UTC),
            "mono": time.monotonic(),
            "full": True,
        }
        sessions: list[_NativeSession | _V1Session | _V3Session] = []
        try:
            await asyncio.wait_for(
                self._poll(sessions, target, state), timeout=target.poll_deadline_s()
            )
        except _PollError as exc:
            kind, message = exc.kind, exc.message
            if (
                kind == "timeout"
                and sessions
                and isinstance(sessions[0], _V3Session)
                and state["uptime"] is None
                and target not in self._ever_ok
                and target.v3_priv_key
                and sessions[0].agent_answered_discovery()
            ):
                # net-snmp drops a message it cannot decrypt without a report, so a wrong
                # privacy key is a timeout; but the agent did answer engine discovery.
                kind = "auth"
                message = (
                    "authentication failed: the agent answered SNMPv3 discovery but not the "
                    "encrypted request (wrong privacy key or privacy protocol?)"
                )
            return self._result(target, state, kind, message)
        except TimeoutError:
            message = f"poll not finished within its {target.poll_deadline_s():g} s deadline"
            return self._result(target, state, "timeout", message)
        problems = state.pop("problems")
        self._ever_ok.add(target)
        if problems:
            return self._result(target, state, "garbage", "; ".join(problems))
        return self._result(target, state, None, None)

    async def _poll(
        self,
        sessions: list[_NativeSession | _V1Session | _V3Session],
        target: SnmpTarget,
        state: dict[str, Any],
    ) -> None:
        session = await self._session(target)
        sessions.append(session)
        scalars = dict(await session.get([SYS_UPTIME, SYS_NAME]))
        state["at"] = datetime.now(UTC)
        state["mono"] = time.monotonic()
        uptime = int_of(scalars.get(SYS_UPTIME), TIME_TICKS)
        if uptime is None:
            raise _PollError("garbage", "sysUpTime.0 missing or not TimeTicks")
        state["uptime"] = uptime
        state["name"] = text_of(scalars.get(SYS_NAME))
        full = target.quick_after is None or _rebooted_since(target.quick_after, uptime,
                                                             state["at"])
        state["full"] = full
        cols = await walk_columns(session, MAIN_COLUMNS if full else QUICK_COLUMNS,
                                  self.max_repetitions)
        state["interfaces"], state["problems"] = build_interfaces(cols)
        # 32-bit fallback only for devices/rows without 64-bit counters or (full poll)
        # ifHighSpeed (ifHighSpeed 0 is a valid "below 1 Mb/s" answer: no second walk)
        high = cols.get(IF_HIGH_SPEED, {})
        needs_fallback = any(
            i.counter_bits != 64 or (full and i.if_index not in high)
            for i in state["interfaces"].values()
        )
        if needs_fallback or not state["interfaces"]:
            cols.update(await walk_columns(
                session, FALLBACK_COLUMNS if full else QUICK_FALLBACK_COLUMNS,
                self.max_repetitions))
            state["interfaces"], state["problems"] = build_interfaces(cols)

    @staticmethod
    def _result(
        target: SnmpTarget,
        state: dict[str, Any],
        kind: ErrorKind | None,
        message: str | None,
    ) -> DevicePoll:
        if message:
            # the target's repr carries no secrets
            log.debug("SNMP poll of %s:%s: %s", target.host, target.port, message)
        return DevicePoll(
            target=target,
            ok=kind is None,
            error=message,
            error_kind=kind,
            sys_uptime_ticks=state["uptime"],
            sys_name=state["name"],
            interfaces=state["interfaces"],
            polled_at=state["at"],
            monotonic=state["mono"],
            full=state["full"],
        )

    def close(self) -> None:
        """Release the sockets of every engine and dispatcher."""
        for engine in self._engines.values():
            engine.close_dispatcher()
        self._engines.clear()
        self._auth.clear()
        if self._v1_dispatcher is not None:
            self._v1_dispatcher.transport_dispatcher.close_dispatcher()
            self._v1_dispatcher = None
        self._transports.clear()
        if self._wire is not None:
            self._wire.close()
            self._wire = None


async def poll_many(
    client: SnmpClient, targets: Iterable[SnmpTarget], concurrency: int = 32
) -> list[DevicePoll]:
    """Poll many devices, at most ``concurrency`` in flight; results in ``targets`` order.

    Each poll is bounded by its own deadline, so a dead device holds one slot for its
    timeout budget and never delays the others beyond that.
    """
    semaphore = asyncio.Semaphore(concurrency)

    async def one(target: SnmpTarget) -> DevicePoll:
        async with semaphore:
            return await client.poll(target)

    return list(await asyncio.gather(*(one(t) for t in targets)))


__all__ = [
    "DevicePoll",
    "ErrorKind",
    "PysnmpClient",
    "SnmpClient",
    "SnmpTarget",
    "poll_many",
]
