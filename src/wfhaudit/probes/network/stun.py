"""STUN (RFC 5389 / RFC 8489) Binding messages: build requests, parse responses. Pure functions."""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

MAGIC_COOKIE = 0x2112A442
HEADER = struct.Struct("!HHI12s")
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
BINDING_ERROR = 0x0111
ATTR_MAPPED_ADDRESS = 0x0001
ATTR_ERROR_CODE = 0x0009
ATTR_XOR_MAPPED_ADDRESS = 0x0020
# Pre-RFC 5389 drafts used 0x8020; a few old servers still answer with it.
ATTR_XOR_MAPPED_ADDRESS_OLD = 0x8020
FAMILY_IPV4, FAMILY_IPV6 = 0x01, 0x02


def binding_request(transaction_id: bytes) -> bytes:
    """A 20-byte Binding Request with no attributes (RFC 8489 §5)."""
    if len(transaction_id) != 12:
        raise ValueError("a STUN transaction id is 12 bytes")
    return HEADER.pack(BINDING_REQUEST, 0, MAGIC_COOKIE, transaction_id)


@dataclass(frozen=True)
class StunMessage:
    """A parsed STUN message: type, transaction id and raw attributes (first of each type)."""

    msg_type: int
    transaction_id: bytes
    attributes: dict[int, bytes]

    @property
    def is_success(self) -> bool:
        """True for a Binding success response."""
        return self.msg_type == BINDING_SUCCESS

    @property
    def is_error(self) -> bool:
        """True for a Binding error response."""
        return self.msg_type == BINDING_ERROR


def parse_message(data: bytes) -> StunMessage | None:
    """Parse a datagram as STUN; None when it is not a well-formed RFC 5389 message."""
    if len(data) < HEADER.size:
        return None
    msg_type, length, cookie, txid = HEADER.unpack_from(data)
    # The two top bits are zero and the cookie is fixed: that is how STUN is told apart.
    if msg_type & 0xC000 or cookie != MAGIC_COOKIE or length % 4:
        return None
    if HEADER.size + length != len(data):
        return None
    attributes: dict[int, bytes] = {}
    offset = HEADER.size
    while offset + 4 <= len(data):
        attr_type, attr_len = struct.unpack_from("!HH", data, offset)
        start = offset + 4
        end = start + attr_len
        if end > len(data):
            return None
        attributes.setdefault(attr_type, data[start:end])
        offset = end + (-attr_len % 4)
    if offset != len(data):
        return None
    return StunMessage(msg_type, txid, attributes)


def _address(value: bytes, xor: bool, txid: bytes) -> tuple[str, int] | None:
    if len(value) < 8 or value[0] != 0:
        return None
    family = value[1]
    port = struct.unpack_from("!H", value, 2)[0]
    raw = value[4:]
    if xor:
        port ^= MAGIC_COOKIE >> 16
        mask = struct.pack("!I", MAGIC_COOKIE) + txid
        raw = bytes(b ^ m for b, m in zip(raw, mask, strict=False))
    if family == FAMILY_IPV4 and len(raw) == 4:
        return str(ipaddress.IPv4Address(raw)), port
    if family == FAMILY_IPV6 and len(raw) == 16:
        return str(ipaddress.IPv6Address(raw)), port
    return None


def mapped_address(msg: StunMessage) -> tuple[str, int] | None:
    """The reflexive address from XOR-MAPPED-ADDRESS (or the legacy MAPPED-ADDRESS)."""
    for attr, xor in ((ATTR_XOR_MAPPED_ADDRESS, True), (ATTR_XOR_MAPPED_ADDRESS_OLD, True),
                      (ATTR_MAPPED_ADDRESS, False)):
        if attr in msg.attributes:
            found = _address(msg.attributes[attr], xor, msg.transaction_id)
            if found:
                return found
    return None


def error_code(msg: StunMessage) -> int | None:
    """The ERROR-CODE of an error response (class x 100 + number, e.g. 401), or None."""
    value = msg.attributes.get(ATTR_ERROR_CODE)
    if value is None or len(value) < 4:
        return None
    code = (value[2] & 0x07) * 100 + value[3]
    return code if 300 <= code <= 699 else None
