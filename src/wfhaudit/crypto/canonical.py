"""Canonical JSON (RFC 8785) bytes and SHA-256 digests over them."""

from __future__ import annotations

import hashlib
from typing import Any


def canonical_bytes(obj: Any) -> bytes:
    """Serialise with RFC 8785 (JCS): the same object always gives the same bytes."""
    import rfc8785

    data: bytes = rfc8785.dumps(obj)
    return data


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def digest(obj: Any) -> str:
    """'sha256:<hex>' of the canonical form of a JSON value."""
    return "sha256:" + sha256_hex(canonical_bytes(obj))
