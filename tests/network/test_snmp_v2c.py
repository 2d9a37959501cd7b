"""The SNMPv2c codec of ``network.snmp_v2c`` against pysnmp/pyasn1's own encoder and decoder.

Messages are built by pysnmp (a different implementation of the same BER rules) and decoded
here, and the requests encoded here are decoded by pysnmp; malformed datagrams must raise
``DecodeError`` (the poll then reports garbage), never return wrong values. The codec also runs
against snmpsim and net-snmp's snmpd in tests/network/test_snmp_agents.py (``v2c-native``).
"""

from __future__ import annotations

import pytest
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api, rfc1902, rfc1905

from network import snmp_v2c
from network.snmp_v2c import DecodeError, decode_response, encode_request, request_id_of

v2c = api.v2c


def pysnmp_response(request_id: int, binds: list, *, status: int = 0, index: int = 0,
                    community: bytes = b"public") -> bytes:
    pdu = v2c.ResponsePDU()
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiPDU.set_request_id(pdu, request_id)
    v2c.apiPDU.set_error_status(pdu, status)
    v2c.apiPDU.set_error_index(pdu, index)
    v2c.apiPDU.set_varbinds(pdu, binds)
    message = v2c.Message()
    v2c.apiMessage.set_defaults(message)
    v2c.apiMessage.set_community(message, community)
    v2c.apiMessage.set_pdu(message, pdu)
    return encoder.encode(message)


def test_every_value_type_decodes_like_pysnmp_encoded_it():
    oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 1)
    binds = [
        (oid, rfc1902.Counter64(2**64 - 1)),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 5), rfc1902.Counter32(2**32 - 1)),
        ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15, 5), rfc1902.Gauge32(1000)),
        ((1, 3, 6, 1, 2, 1, 1, 3, 0), rfc1902.TimeTicks(123456)),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 5), rfc1902.Integer32(-7)),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 2, 5), rfc1902.OctetString(b"Gi0/1\x00" + b"x" * 200)),
        ((1, 3, 6, 1, 4, 1, 9, 2), rfc1902.IpAddress("192.0.2.7")),
        ((1, 3, 6, 1, 2, 1, 1, 2, 0), rfc1902.ObjectName((1, 3, 6, 1, 4, 1, 4294967295, 2))),
        ((1, 3, 6, 1, 2, 1, 99, 0), rfc1905.NoSuchObject("")),
        ((1, 3, 6, 1, 2, 1, 99, 1), rfc1905.NoSuchInstance("")),
        ((2, 999, 1), rfc1905.EndOfMibView("")),
    ]
    request_id, status, index, decoded = decode_response(pysnmp_response(2**31 - 1, binds))
    assert (request_id, status, index) == (2**31 - 1, 0, 0)
    assert decoded == [
        (oid, (snmp_v2c.COUNTER64, 2**64 - 1)),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 5), (snmp_v2c.COUNTER32, 2**32 - 1)),
        ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15, 5), (snmp_v2c.GAUGE32, 1000)),
        ((1, 3, 6, 1, 2, 1, 1, 3, 0), (snmp_v2c.TIME_TICKS, 123456)),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 5), (snmp_v2c.INTEGER, -7)),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 2, 5), (snmp_v2c.OCTET_STRING, b"Gi0/1\x00" + b"x" * 200)),
        ((1, 3, 6, 1, 4, 1, 9, 2), (snmp_v2c.IP_ADDRESS, bytes([192, 0, 2, 7]))),
        ((1, 3, 6, 1, 2, 1, 1, 2, 0), (snmp_v2c.OBJECT_ID, (1, 3, 6, 1, 4, 1, 4294967295, 2))),
        ((1, 3, 6, 1, 2, 1, 99, 0), (snmp_v2c.NO_SUCH_OBJECT, None)),
        ((1, 3, 6, 1, 2, 1, 99, 1), (snmp_v2c.NO_SUCH_INSTANCE, None)),
        ((2, 999, 1), (snmp_v2c.END_OF_MIB_VIEW, None)),
    ]


def test_error_status_and_request_id_are_read():
    data = pysnmp_response(42, [((1, 3, 6, 1, 2, 1, 1, 3, 0), rfc1902.TimeTicks(1))],
                           status=5, index=1)
    assert request_id_of(data) == 42
    assert decode_response(data)[:3] == (42, 5, 1)
    assert snmp_v2c.ERROR_STATUS[5] == "genErr"


@pytest.mark.parametrize(("pdu_tag", "pysnmp_type"), [(snmp_v2c.GET_REQUEST, v2c.GetRequestPDU),
                                                 (snmp_v2c.GET_BULK_REQUEST,
                                                  v2c.GetBulkRequestPDU)])
def test_requests_decode_in_pysnmp(pdu_tag, pysnmp_type):
    oids = [(1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6), (1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 300000)]
    data = encode_request(b"s\xe9cret", pdu_tag, 1_000_000, oids, max_repetitions=10)
    message, rest = decoder.decode(data, asn1Spec=v2c.Message())
    assert rest == b""
    assert int(message["version"]) == 1
    assert bytes(message["community"]) == b"s\xe9cret"
    pdu = v2c.apiMessage.get_pdu(message)
    assert isinstance(pdu, pysnmp_type)
    assert int(v2c.apiPDU.get_request_id(pdu)) == 1_000_000
    if pdu_tag == snmp_v2c.GET_BULK_REQUEST:
        assert int(v2c.apiBulkPDU.get_non_repeaters(pdu)) == 0
        assert int(v2c.apiBulkPDU.get_max_repetitions(pdu)) == 10
    assert [tuple(name) for name, _ in v2c.apiPDU.get_varbinds(pdu)] == oids


def test_malformed_datagrams_raise_decode_error():
    good = pysnmp_response(7, [((1, 3, 6, 1, 2, 1, 1, 3, 0), rfc1902.TimeTicks(99))])
    request = encode_request(b"public", snmp_v2c.GET_REQUEST, 7, [(1, 3, 6, 1, 2, 1, 1, 3, 0)])
    v1 = bytearray(good)
    v1[4] = 0  # version 0 = SNMPv1
    bad = [
        b"",
        b"\x30",
        good[:-1],  # truncated
        good[:1] + bytes([good[1] + 2]) + good[2:] + b"\x05\x00",  # bytes after the PDU
        good + b"\x00",  # bytes after the message
        bytes(v1),
        request,  # a GetRequest is not a Response
        b"\x30\x84\xff\xff\xff\xff",  # a length beyond the datagram
    ]
    for data in bad:
        with pytest.raises(DecodeError):
            decode_response(data)
    assert request_id_of(b"\x30\x02\x02") is None


def test_oid_encoding_round_trips_through_pyasn1():
    for oid in [(1, 3, 6, 1, 2, 1, 1, 3, 0), (2, 999, 3), (0, 0), (1, 3, 2**32 - 1, 128, 127)]:
        encoded = snmp_v2c.encode_oid(oid)
        decoded, rest = decoder.decode(encoded, asn1Spec=rfc1902.ObjectName())
        assert (tuple(decoded), rest) == (oid, b"")
        assert snmp_v2c.decode_oid(encoded[2:]) == oid
    with pytest.raises(ValueError, match="invalid OID"):
        snmp_v2c.encode_oid((1, 40))
