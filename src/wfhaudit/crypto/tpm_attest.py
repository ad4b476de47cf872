"""TPM 2.0 structures wfhaudit reads (pure): a key's public area and a TPM2_Certify attestation.

A certification says: "the attestation key (AK) of this TPM vouches that an object with this
Name lives in the same TPM". The Name is the hash of the object's public area, and the public
area carries its attributes, so a verifier can check that the key was generated inside the TPM
and can never leave it (fixedTPM, fixedParent, sensitiveDataOrigin) and that its point is the
key being enrolled. How far the AK itself can be trusted is IT's decision: it is pinned.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ALG_ECC, ALG_SHA256, ALG_NULL, CURVE_P256 = 0x0023, 0x000B, 0x0010, 0x0003
FIXED_TPM, FIXED_PARENT, SENSITIVE_DATA_ORIGIN = 0x2, 0x10, 0x20
RESTRICTED, DECRYPT, SIGN = 0x10000, 0x20000, 0x40000
NON_EXPORTABLE = FIXED_TPM | FIXED_PARENT | SENSITIVE_DATA_ORIGIN
TPM_GENERATED = 0xFF544347
ST_ATTEST_CERTIFY = 0x8017


class TpmStructError(ValueError):
    """Bytes that are not the TPM structure expected, or a check that failed."""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise TpmStructError("structure ends early")
        out = self.data[self.at:self.at + n]
        self.at += n
        return out

    def u16(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def sized(self) -> bytes:
        return self.take(self.u16())


@dataclass(frozen=True)
class TpmPublic:
    """An ECC P-256 object's public area: attributes, point, and its TPM Name."""

    attributes: int
    key: ec.EllipticCurvePublicKey
    name: bytes  # nameAlg (sha256) || SHA-256 of the marshalled TPMT_PUBLIC

    @property
    def non_exportable(self) -> bool:
        """Generated in the TPM and bound to it and its parent: the private part never leaves."""
        return self.attributes & NON_EXPORTABLE == NON_EXPORTABLE

    def describe(self) -> str:
        """The attribute names that matter here, for error messages."""
        names = [n for bit, n in ((FIXED_TPM, "fixedTPM"), (FIXED_PARENT, "fixedParent"),
                                  (SENSITIVE_DATA_ORIGIN, "sensitiveDataOrigin"),
                                  (RESTRICTED, "restricted"), (SIGN, "sign")) if self.attributes & bit]
        return "|".join(names) or "none"


def parse_public(blob: bytes) -> TpmPublic:
    """Parse a TPM2B_PUBLIC (as tpm2_create -u writes it) of an ECC P-256 SHA-256 key."""
    outer = _Reader(blob)
    area = outer.sized()
    if outer.at != len(blob):
        raise TpmStructError("trailing bytes after the public area")
    r = _Reader(area)
    kind, name_alg, attributes = r.u16(), r.u16(), r.u32()
    if kind != ALG_ECC or name_alg != ALG_SHA256:
        raise TpmStructError("not an ECC key with a SHA-256 name")
    r.sized()  # authPolicy
    if r.u16() != ALG_NULL:  # symmetric: only storage keys have one
        raise TpmStructError("a signing key has no symmetric algorithm")
    if r.u16() != ALG_NULL:  # scheme
        r.u16()
    if r.u16() != CURVE_P256:
        raise TpmStructError("not a NIST P-256 key")
    if r.u16() != ALG_NULL:  # kdf
        r.u16()
    x, y = r.sized(), r.sized()
    if r.at != len(area) or len(x) != 32 or len(y) != 32:
        raise TpmStructError("malformed ECC point")
    try:
        key = ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"),
                                            ec.SECP256R1()).public_key()
    except ValueError as exc:
        raise TpmStructError(f"point is not on P-256 ({exc})") from None
    return TpmPublic(attributes, key, struct.pack(">H", ALG_SHA256) + hashlib.sha256(area).digest())


def certified_name(attest: bytes) -> bytes:
    """The Name a TPMS_ATTEST of type certify vouches for."""
    r = _Reader(attest)
    if r.u32() != TPM_GENERATED or r.u16() != ST_ATTEST_CERTIFY:
        raise TpmStructError("not a TPM-generated certify attestation")
    r.sized()  # qualifiedSigner
    r.sized()  # extraData
    r.take(17 + 8)  # clockInfo, firmwareVersion
    name = r.sized()
    r.sized()  # qualifiedName
    if r.at != len(attest):
        raise TpmStructError("trailing bytes after the attestation")
    return name


def check_certification(key_public: bytes, attest: bytes, signature: bytes, ak_public: bytes,
                        ) -> TpmPublic:
    """Check that the AK certified this non-exportable signing key; its parsed public area."""
    ak = parse_public(ak_public)
    if ak.attributes & (RESTRICTED | SIGN | FIXED_TPM) != RESTRICTED | SIGN | FIXED_TPM:
        raise TpmStructError(f"the attestation key is not a restricted TPM signing key "
                             f"({ak.describe()})")
    try:
        ak.key.verify(signature, attest, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise TpmStructError("the attestation is not signed by the attestation key") from None
    key = parse_public(key_public)
    if certified_name(attest) != key.name:
        raise TpmStructError("the attestation certifies another object than this key")
    if not key.non_exportable:
        raise TpmStructError(f"the key can leave the TPM ({key.describe()}); a TPM key must be "
                             "fixedTPM|fixedParent|sensitiveDataOrigin")
    if key.attributes & (SIGN | RESTRICTED | DECRYPT) != SIGN:
        raise TpmStructError("the key is not an unrestricted signing key")
    return key
