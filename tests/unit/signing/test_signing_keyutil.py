"""Key ids, weak-key rejection (cross-checked against the curve), key loading."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wfhaudit.crypto.keyutil import (
    BadKeyError,
    is_weak_ed25519,
    key_from_spki,
    keyid,
    load_public_keys,
    spki_der,
)

P = 2**255 - 19
D = (-121665 * pow(121666, -1, P)) % P


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    return ((x1 * y2 + x2 * y1) * pow(1 + t, -1, P) % P,
            (y1 * y2 + x1 * x2) * pow(1 - t, -1, P) % P)


def _decode(raw: bytes) -> tuple[int, int] | None:
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    sign = raw[31] >> 7
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, -1, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * pow(2, (P - 1) // 4, P) % P
    if (x * x - x2) % P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return x, y


def _encode(point: tuple[int, int]) -> bytes:
    x, y = point
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _torsion_encodings() -> set[bytes]:
    """All canonical encodings of points whose order divides 8, computed from the curve."""
    found: set[bytes] = set()
    # [L]Q lies in the 8-torsion subgroup for every curve point Q (the group has order 8L);
    # its multiples give all of it once some Q has a component of order 8.
    L = 2**252 + 27742317777372353535851937790883648493
    y = 2
    while len(found) < 8:
        for sign in (0, 1):
            pt = _decode((y | (sign << 255)).to_bytes(32, "little"))
            if pt is None:
                continue
            q = _mul(L, pt)
            multiple = q
            for _ in range(8):
                found.add(_encode(multiple))
                multiple = _add(multiple, q)
        y += 1
    return found


def _mul(k: int, pt: tuple[int, int]) -> tuple[int, int]:
    result, addend = (0, 1), pt
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        k >>= 1
    return result


def test_weak_key_list_matches_the_curves_small_order_points() -> None:
    torsion = _torsion_encodings()
    assert len(torsion) == 8
    for raw in torsion:
        assert is_weak_ed25519(raw), raw.hex()
        assert is_weak_ed25519(bytes(raw[:31]) + bytes([raw[31] ^ 0x80]))  # other sign bit
    for _ in range(50):
        good = Ed25519PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        assert not is_weak_ed25519(good)


def test_non_canonical_encodings_are_weak() -> None:
    for y in (P, P + 1, 2**255 - 1):
        assert is_weak_ed25519(y.to_bytes(32, "little"))
    assert is_weak_ed25519(b"\x01" * 31)  # wrong length


def test_keyid_is_sha256_of_der_spki() -> None:
    key = Ed25519PrivateKey.generate().public_key()
    assert keyid(key) == "sha256:" + hashlib.sha256(spki_der(key)).hexdigest()
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert keyid(p256) == "sha256:" + hashlib.sha256(spki_der(p256)).hexdigest()


def test_spki_loading_rejects_weak_and_other_curves() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    weak = Ed25519PublicKey.from_public_bytes(bytes(32))
    with pytest.raises(BadKeyError, match="weak"):
        key_from_spki(spki_der(weak))
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(BadKeyError, match="unsupported"):
        key_from_spki(spki_der(p384))
    with pytest.raises(BadKeyError):
        key_from_spki(b"not der")


def test_load_public_keys_reads_several_pem_blocks_and_ssh_lines() -> None:
    a, b = (Ed25519PrivateKey.generate().public_key() for _ in range(2))
    pem = a.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    ssh = b.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    text = b"# admins\n" + pem + ssh + b" it@example\n"
    assert [keyid(k) for k in load_public_keys(text)] == [keyid(a), keyid(b)]
    assert load_public_keys(b"nothing here") == []
