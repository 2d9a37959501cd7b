"""SNMPv2c GET/GETBULK on the wire: a minimal BER codec and an asyncio UDP client.

Why: profiling the poll cycle (issue 23 item 1) showed ~75 % of the poller's CPU in pyasn1's
generic BER decoder, which builds several Python objects per value. A v2c Response PDU is a
fixed shape (RFC 3416: SEQUENCE { version, community, PDU { request-id, error-status,
error-index, SEQUENCE OF { name, value } } }), so this module decodes it straight into
``(tag, python value)`` pairs and encodes requests from cached bytes. pysnmp stays the
implementation of SNMPv3 (USM, engine discovery, privacy) and of the ``v1arch``/``v3arch``
v2c paths kept for comparison (``PysnmpClient(v2c_api=...)``).

Values are ``(tag, value)``: tag is the BER identifier octet (``INTEGER`` 0x02, ``OCTET
STRING`` 0x04, ``Counter64`` 0x46, …, ``endOfMibView`` 0x82); value is an ``int`` for the
integer types, ``bytes`` for strings, Opaque and IpAddress, a tuple for OIDs, ``None`` for
NULL and the three exceptions. Anything that does not parse raises ``DecodeError``: the
caller reports the poll as garbage.

The client keeps one UDP socket per address family for every device (like one pysnmp
engine), matches responses by request-id *and* source address, and retransmits the same
request (same request-id, so a late first answer still counts) ``retries`` times after
``timeout`` seconds each.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
from typing import Any

OID = tuple[int, ...]
Value = tuple[int, Any]
VarBinds = list[tuple[OID, Value]]

INTEGER, OCTET_STRING, NULL, OBJECT_ID, SEQUENCE = 0x02, 0x04, 0x05, 0x06, 0x30
IP_ADDRESS, COUNTER32, GAUGE32, TIME_TICKS, OPAQUE, COUNTER64 = 0x40, 0x41, 0x42, 0x43, 0x44, 0x46
NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW = 0x80, 0x81, 0x82
GET_REQUEST, RESPONSE, GET_BULK_REQUEST = 0xA0, 0xA2, 0xA5

_INT_TAGS = frozenset((INTEGER, COUNTER32, GAUGE32, TIME_TICKS, COUNTER64))
_BYTES_TAGS = frozenset((OCTET_STRING, IP_ADDRESS, OPAQUE))
_NULL_TAGS = frozenset((NULL, NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW))
#: RFC 3416 error-status names, as pysnmp prints them
ERROR_STATUS = ("noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess",
                "wrongType", "wrongLength", "wrongEncoding", "wrongValue", "noCreation",
                "inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed",
                "authorizationError", "notWritable", "inconsistentName")
RECEIVE_BUFFER = 4 * 1024 * 1024  # one socket for hundreds of polls in flight (docs/snmp.md §6)


class DecodeError(ValueError):
    """The datagram is not a well-formed SNMPv2c response."""


# --- encoding ----------------------------------------------------------------------------------

def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _length(len(body)) + body


def _integer(n: int) -> bytes:
    return _tlv(INTEGER, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True))


_OID_CACHE: dict[OID, bytes] = {}


def encode_oid(oid: OID) -> bytes:
    """BER of an OBJECT IDENTIFIER (cached: a poller asks for the same columns all day)."""
    found = _OID_CACHE.get(oid)
    if found is not None:
        return found
    if len(oid) < 2 or oid[0] > 2 or (oid[0] < 2 and oid[1] >= 40):
        raise ValueError(f"invalid OID {oid!r}")
    out = bytearray()
    for arc in (oid[0] * 40 + oid[1], *oid[2:]):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    encoded = _tlv(OBJECT_ID, bytes(out))
    if len(_OID_CACHE) > 100_000:
        _OID_CACHE.clear()
    _OID_CACHE[oid] = encoded
    return encoded


_NULL_VALUE = b"\x05\x00"


def encode_request(community: bytes, pdu_tag: int, request_id: int, oids: list[OID], *,
                   non_repeaters: int = 0, max_repetitions: int = 0) -> bytes:
    """A v2c GetRequest (``GET_REQUEST``) or GetBulkRequest (``GET_BULK_REQUEST``) message.

    For GETBULK the error-status/error-index fields carry non-repeaters/max-repetitions.
    """
    binds = b"".join(_tlv(SEQUENCE, encode_oid(o) + _NULL_VALUE) for o in oids)
    pdu = (_integer(request_id) + _integer(non_repeaters) + _integer(max_repetitions)
           + _tlv(SEQUENCE, binds))
    return _tlv(SEQUENCE, b"\x02\x01\x01" + _tlv(OCTET_STRING, community) + _tlv(pdu_tag, pdu))


# --- decoding ----------------------------------------------------------------------------------

def _header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, start of the contents, end of the contents) of the TLV at ``pos``."""
    if pos + 2 > end:
        raise DecodeError("truncated")
    tag = data[pos]
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        size = n & 0x7F
        if size == 0 or size > 4 or pos + size > end:
            raise DecodeError("bad length")
        n = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    if pos + n > end:
        raise DecodeError("truncated")
    return tag, pos, pos + n


_OID_DECODED: dict[bytes, OID] = {}


def decode_oid(body: bytes) -> OID:
    """The arcs of an OBJECT IDENTIFIER's contents (cached: the same rows come every cycle)."""
    found = _OID_DECODED.get(body)
    if found is not None:
        return found
    arcs: list[int] = []
    arc = 0
    for byte in body:
        arc = (arc << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(arc)
            arc = 0
    if not arcs or body[-1] & 0x80:
        raise DecodeError("bad OID")
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    oid = (*head, *arcs[1:])
    if len(_OID_DECODED) > 200_000:
        _OID_DECODED.clear()
    _OID_DECODED[body] = oid
    return oid


def _int(data: bytes, start: int, end: int, signed: bool) -> int:
    if start == end:
        raise DecodeError("empty integer")
    return int.from_bytes(data[start:end], "big", signed=signed)


def decode_response(data: bytes) -> tuple[int, int, int, VarBinds]:
    """(request-id, error-status, error-index, varbinds) of a v2c Response message."""
    tag, pos, end = _header(data, 0, len(data))
    if tag != SEQUENCE or end != len(data):
        raise DecodeError("not a message (or bytes after it)")
    tag, start, pos = _header(data, pos, end)  # version
    if tag != INTEGER or _int(data, start, pos, True) != 1:
        raise DecodeError("not SNMPv2c")
    tag, _, pos = _header(data, pos, end)  # community
    if tag != OCTET_STRING:
        raise DecodeError("bad community")
    message_end = end
    tag, pos, end = _header(data, pos, end)
    if tag != RESPONSE:
        raise DecodeError(f"not a Response PDU (tag {tag:#x})")
    if end != message_end:
        raise DecodeError("bytes after the PDU")
    fields = []
    for _ in range(3):
        tag, start, pos = _header(data, pos, end)
        if tag != INTEGER:
            raise DecodeError("bad PDU header")
        fields.append(_int(data, start, pos, True))
    pdu_end = end
    tag, pos, end = _header(data, pos, end)
    if tag != SEQUENCE or end != pdu_end:
        raise DecodeError("bad varbind list")
    binds: VarBinds = []
    append = binds.append
    while pos < end:
        tag, pos, bind_end = _header(data, pos, end)
        if tag != SEQUENCE:
            raise DecodeError("bad varbind")
        tag, start, pos = _header(data, pos, bind_end)
        if tag != OBJECT_ID:
            raise DecodeError("bad varbind name")
        oid = decode_oid(data[start:pos])
        tag, start, pos = _header(data, pos, bind_end)
        if tag in _INT_TAGS:
            value: Any = _int(data, start, pos, tag == INTEGER)
        elif tag in _BYTES_TAGS:
            value = data[start:pos]
        elif tag in _NULL_TAGS:
            value = None
        elif tag == OBJECT_ID:
            value = decode_oid(data[start:pos])
        else:
            raise DecodeError(f"unknown value type {tag:#x}")
        if pos != bind_end:
            raise DecodeError("trailing bytes in a varbind")
        append((oid, (tag, value)))
    return fields[0], fields[1], fields[2], binds


def request_id_of(data: bytes) -> int | None:
    """The request-id of a Response, read without decoding the varbinds (None if unreadable)."""
    try:
        tag, pos, end = _header(data, 0, len(data))
        _, _, pos = _header(data, pos, end)
        _, _, pos = _header(data, pos, end)
        tag, pos, end = _header(data, pos, end)
        tag, start, pos = _header(data, pos, end)
        return _int(data, start, pos, True) if tag == INTEGER else None
    except DecodeError:
        return None


# --- transport ---------------------------------------------------------------------------------

class Timeout(Exception):
    """No response after every retry."""


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, pending: dict[int, tuple[asyncio.Future, tuple]]) -> None:
        self.pending = pending

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        request_id = request_id_of(data)
        waiting = self.pending.get(request_id) if request_id is not None else None
        if waiting is None:
            return  # a late answer to an abandoned request, or noise
        future, expected = waiting
        if addr[:2] != expected or future.done():
            return  # only the agent we asked may answer
        future.set_result(data)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable etc.: like net-snmp, wait for the timeout (docs/snmp.md §6)
        pass


class V2cClient:
    """Sends v2c requests over one UDP socket per address family; create inside a loop."""

    def __init__(self) -> None:
        self._transports: dict[int, asyncio.DatagramTransport] = {}
        self._pending: dict[int, tuple[asyncio.Future, tuple]] = {}
        self._next_id = random.randrange(1, 1 << 30)
        self._addresses: dict[tuple[str, int], tuple[int, tuple]] = {}

    async def resolve(self, host: str, port: int) -> tuple[int, tuple]:
        """(address family, socket address) of a host; ``OSError`` if it cannot be resolved."""
        key = (host, port)
        found = self._addresses.get(key)
        if found is None:
            try:
                ip = ipaddress.ip_address(host)
                family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
                found = (family, (str(ip), port))
            except ValueError:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_DGRAM)
                family, _, _, _, sockaddr = infos[0]
                found = (family, tuple(sockaddr[:2]))
            self._addresses[key] = found
        return found

    async def _transport(self, family: int) -> asyncio.DatagramTransport:
        transport = self._transports.get(family)
        if transport is None:
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            except OSError:
                pass
            sock.bind(("::", 0) if family == socket.AF_INET6 else ("0.0.0.0", 0))
            sock.setblocking(False)
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _Protocol(self._pending), sock=sock)
            self._transports[family] = transport
        return transport

    def _request_id(self) -> int:
        self._next_id = self._next_id % 0x7FFFFFFF + 1
        return self._next_id

    async def request(self, address: tuple[int, tuple], community: bytes, pdu_tag: int,
                      oids: list[OID], *, timeout: float, retries: int,
                      max_repetitions: int = 0) -> tuple[int, int, VarBinds]:
        """(error-status, error-index, varbinds); raises ``Timeout`` or ``DecodeError``."""
        family, sockaddr = address
        transport = await self._transport(family)
        loop = asyncio.get_running_loop()
        request_id = self._request_id()
        message = encode_request(community, pdu_tag, request_id, oids,
                                 max_repetitions=max_repetitions)
        future: asyncio.Future = loop.create_future()
        self._pending[request_id] = (future, sockaddr[:2])
        try:
            for _attempt in range(retries + 1):
                transport.sendto(message, sockaddr)
                timer = loop.call_later(timeout, _expire, future)
                try:
                    data = await future
                finally:
                    timer.cancel()
                if data is not None:
                    break
                future = loop.create_future()
                self._pending[request_id] = (future, sockaddr[:2])
            else:
                raise Timeout()
        finally:
            self._pending.pop(request_id, None)
        answered_id, status, index, binds = decode_response(data)
        if answered_id != request_id:  # pragma: no cover - matched on the id above
            raise DecodeError("request-id mismatch")
        return status, index, binds

    def close(self) -> None:
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()
        for future, _ in self._pending.values():
            if not future.done():
                future.cancel()
        self._pending.clear()


def _expire(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
