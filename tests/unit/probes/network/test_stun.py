"""STUN wire format: requests, responses, XOR-MAPPED-ADDRESS (RFC 5769 sample addresses)."""

from __future__ import annotations

import struct

import pytest

from wfhaudit.probes.network import stun

TXID = bytes.fromhex("b7e7a701bc34d686fa87dfae")  # the transaction id of RFC 5769 §2.2/§2.3


def _attr(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def _message(kind: int, txid: bytes, *attrs: bytes) -> bytes:
    body = b"".join(attrs)
    return struct.pack("!HHI", kind, len(body), stun.MAGIC_COOKIE) + txid + body


# XOR-MAPPED-ADDRESS values of RFC 5769 §2.2 (192.0.2.1:32853) and §2.3
# (2001:db8:1234:5678:11:2233:4455:6677 port 32853); the integrity and fingerprint bytes here
# are placeholders because the probe does not check them.
V4 = _message(0x0101, TXID, _attr(0x8022, b"test vector"),
              _attr(0x0020, bytes.fromhex("0001a147e112a643")),
              _attr(0x0008, b"\x11" * 20), _attr(0x8028, b"\x22" * 4))
V6 = _message(0x0101, TXID, _attr(0x8022, b"test vector"),
              _attr(0x0020, bytes.fromhex("0002a1470113a9faa5d3f179bc25f4b5bed2b9d9")),
              _attr(0x0008, b"\x11" * 20), _attr(0x8028, b"\x22" * 4))


def test_binding_request_layout() -> None:
    req = stun.binding_request(TXID)
    assert req == bytes.fromhex("000100002112a442") + TXID
    with pytest.raises(ValueError):
        stun.binding_request(b"short")


def test_rfc5769_ipv4_response() -> None:
    msg = stun.parse_message(V4)
    assert msg is not None and msg.is_success and msg.transaction_id == TXID
    assert stun.mapped_address(msg) == ("192.0.2.1", 32853)


def test_rfc5769_ipv6_response() -> None:
    msg = stun.parse_message(V6)
    assert msg is not None
    assert stun.mapped_address(msg) == ("2001:db8:1234:5678:11:2233:4455:6677", 32853)


def test_legacy_mapped_address_and_old_xor_type() -> None:
    plain = _message(0x0101, TXID, _attr(0x0001, bytes.fromhex("00011f90c0000201")))
    msg = stun.parse_message(plain)
    assert msg is not None and stun.mapped_address(msg) == ("192.0.2.1", 8080)
    old = _message(0x0101, TXID, _attr(0x8020, bytes.fromhex("0001a147e112a643")))
    msg = stun.parse_message(old)
    assert msg is not None and stun.mapped_address(msg) == ("192.0.2.1", 32853)


def test_error_response_is_parsed_but_not_success() -> None:
    msg = stun.parse_message(_message(0x0111, TXID, _attr(0x0009, b"\0\0\x04\x00Bad")))
    assert msg is not None and msg.is_error and not msg.is_success
    assert stun.mapped_address(msg) is None


@pytest.mark.parametrize("data", [
    b"",
    V4[:19],
    V4[:-1],                                            # length field disagrees
    b"\xc1" + V4[1:],                                   # top bits set: not STUN (e.g. RTP)
    V4[:4] + b"\0\0\0\0" + V4[8:],                      # wrong magic cookie
    _message(0x0101, TXID, struct.pack("!HH", 0x20, 40) + b"\0" * 8),  # attribute overruns
])
def test_garbage_is_not_stun(data: bytes) -> None:
    assert stun.parse_message(data) is None


def test_bad_address_family_gives_no_address() -> None:
    msg = stun.parse_message(_message(0x0101, TXID, _attr(0x0020, bytes.fromhex("0009a147e112a643"))))
    assert msg is not None and stun.mapped_address(msg) is None
