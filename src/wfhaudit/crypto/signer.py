"""What signs a report: anything with `sign(data)` and `public_key()` (a software key or a TPM)."""

from __future__ import annotations

from typing import Protocol

from wfhaudit.crypto.keyutil import PublicKey


class SigningKey(Protocol):
    """A private key held somewhere: Ed25519 in a file, ECDSA P-256 in a TPM."""

    def sign(self, data: bytes) -> bytes:
        """The signature over data (Ed25519, or DER ECDSA with SHA-256)."""
        ...

    def public_key(self) -> PublicKey:
        """The public half (its SubjectPublicKeyInfo names the algorithm)."""
        ...
