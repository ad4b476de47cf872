"""Public keys: key ids, algorithms, weak-key rejection, loading PEM/OpenSSH text, verifying."""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey

ED25519 = "ed25519"
ECDSA_P256 = "ecdsa-p256-sha256"
ALGORITHMS = (ED25519, ECDSA_P256)

_P = 2**255 - 19
# y-coordinates (sign bit of x masked) of the Ed25519 points of order 1, 2, 4 and 8, as in
# libsodium's ge25519_has_small_order list: 0, 1, p-1 and the two order-8 values. p and p+1
# (non-canonical spellings of 0 and 1) are caught by the y >= p check.
_SMALL_ORDER_Y = frozenset({
    0,
    1,
    _P - 1,
    int.from_bytes(bytes.fromhex(
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), "little"),
    int.from_bytes(bytes.fromhex(
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), "little"),
})
_PEM_BLOCK = re.compile(
    rb"-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----")
_DEVICE_HEADER = re.compile(rb"^wfhaudit-device-id:[ \t]*(\S+)[ \t]*\r?$", re.MULTILINE)


class BadKeyError(ValueError):
    """A public key is unusable (wrong type, weak, unreadable)."""


def spki_der(key: PublicKey) -> bytes:
    """DER SubjectPublicKeyInfo of a public key."""
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def spki_sha256(key: PublicKey) -> str:
    """Hex SHA-256 of the DER SubjectPublicKeyInfo (the in-toto subject digest)."""
    return hashlib.sha256(spki_der(key)).hexdigest()


def keyid(key: PublicKey) -> str:
    """'sha256:<hex>' of the DER SubjectPublicKeyInfo (RFC 6962 style, as Sigstore)."""
    return "sha256:" + spki_sha256(key)


def algorithm_of(key: object) -> str:
    """The wfhaudit algorithm name for a key object; BadKeyError for anything else."""
    if isinstance(key, Ed25519PublicKey):
        return ED25519
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return ECDSA_P256
    raise BadKeyError(f"unsupported key type {type(key).__name__} (use Ed25519 or ECDSA P-256)")


def is_weak_ed25519(raw: bytes) -> bool:
    """True for small-order points and non-canonical encodings (y >= p) of Ed25519 keys."""
    if len(raw) != 32:
        return True
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    return y >= _P or y in _SMALL_ORDER_Y


def check_not_weak(key: PublicKey) -> None:
    """Raise BadKeyError for a weak Ed25519 key (signatures (R=identity, S=0) would verify)."""
    if isinstance(key, Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if is_weak_ed25519(raw):
            raise BadKeyError("weak Ed25519 public key (small-order or non-canonical point)")


def key_from_spki(der: bytes) -> PublicKey:
    """Load a DER SubjectPublicKeyInfo; BadKeyError if it is not an acceptable key."""
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise BadKeyError(f"not a DER public key ({exc})") from None
    algorithm_of(key)
    check_not_weak(key)  # type: ignore[arg-type]
    return key  # type: ignore[return-value]


def load_public_keys(text: bytes) -> list[PublicKey]:
    """Every public key in PEM blocks or OpenSSH lines ('ssh-ed25519 AAAA... comment')."""
    keys: list[PublicKey] = []
    for block in _PEM_BLOCK.findall(text):
        try:
            key = serialization.load_pem_public_key(block)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise BadKeyError(f"unreadable PEM public key ({exc})") from None
        algorithm_of(key)
        keys.append(key)  # type: ignore[arg-type]
    for line in text.splitlines():
        if line.startswith((b"ssh-ed25519 ", b"ecdsa-sha2-nistp256 ")):
            try:
                key = serialization.load_ssh_public_key(b" ".join(line.split()[:2]))
            except (ValueError, UnsupportedAlgorithm) as exc:
                raise BadKeyError(f"unreadable OpenSSH public key ({exc})") from None
            algorithm_of(key)
            keys.append(key)  # type: ignore[arg-type]
    for key in keys:
        check_not_weak(key)
    return keys


def device_id_hint(text: bytes) -> str | None:
    """The device id written by `wfhaudit keys export` (header line or OpenSSH comment)."""
    match = _DEVICE_HEADER.search(text)
    if match:
        return match.group(1).decode("ascii", "replace")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].startswith((b"ssh-", b"ecdsa-")) \
                and parts[2].startswith(b"wfhaudit:"):
            return parts[2][len(b"wfhaudit:"):].decode("ascii", "replace")
    return None


def verify_signature(alg: str, key: PublicKey, sig: bytes, message: bytes) -> bool:
    """Verify with the algorithm the trust file names (never one taken from the envelope)."""
    try:
        if alg == ED25519 and isinstance(key, Ed25519PublicKey):
            if len(sig) != 64:
                return False
            key.verify(sig, message)
            return True
        if alg == ECDSA_P256 and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, message, ec.ECDSA(hashes.SHA256()))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def ssh_fingerprint(key: PublicKey) -> str:
    """OpenSSH-style 'SHA256:<base64>' fingerprint, for people comparing keys by eye."""
    blob = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    raw = base64.b64decode(blob.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")
