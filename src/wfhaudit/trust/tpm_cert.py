"""IT's check of a TPM key at enrolment: the certification in the exported key file.

`wfhaudit keys export` of a TPM key adds one line, `wfhaudit-tpm-certification: <base64 JSON>`
with the key's public area, the TPM2_Certify attestation, its signature and the attestation
key's public area. `trust add-device --custody tpm --tpm-ak AK.pub` accepts the key only when
a pinned attestation key certified it and the certified object is this very key, generated in
the TPM and unable to leave it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wfhaudit.crypto.keyutil import PublicKey, spki_der
from wfhaudit.crypto.tpm_attest import TpmStructError, check_certification, parse_public
from wfhaudit.errors import InvalidInputError
from wfhaudit.util.files import read_bytes

CERT_HEADER = "wfhaudit-tpm-certification:"
_CERT_LINE = re.compile(rb"^wfhaudit-tpm-certification:[ \t]*([A-Za-z0-9+/=]+)[ \t]*\r?$",
                        re.MULTILINE)
_PARTS = ("public", "attest", "signature", "akPublic")


def certification_line(parts: dict[str, bytes]) -> str:
    """The export line carrying a certification."""
    doc = {k: base64.b64encode(parts[k]).decode("ascii") for k in _PARTS}
    blob = base64.b64encode(json.dumps(doc, sort_keys=True).encode()).decode("ascii")
    return f"{CERT_HEADER} {blob}\n"


def read_certification(text: bytes, source: Path) -> dict[str, bytes] | None:
    """The certification parts in an exported key file, or None when it has none."""
    match = _CERT_LINE.search(text)
    if match is None:
        return None
    try:
        doc = json.loads(base64.b64decode(match.group(1), validate=True))
        return {k: base64.b64decode(doc[k], validate=True) for k in _PARTS}
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"{source}: unreadable TPM certification ({exc})") from None


def _pinned_names(ak_pins: Sequence[Path]) -> set[bytes]:
    names = set()
    for path in ak_pins:
        try:
            names.add(parse_public(read_bytes(path, "TPM attestation key")).name)
        except TpmStructError as exc:
            raise InvalidInputError(f"{path}: not a TPM2B_PUBLIC attestation key ({exc})") \
                from None
    return names


def certification_for(text: bytes, key: PublicKey, custody: str, ak_pins: Sequence[Path],
                      source: Path) -> dict[str, Any] | None:
    """For custody tpm: the checked certification to keep in the trust entry; else None."""
    if custody != "tpm":
        return None
    parts = read_certification(text, source)
    if parts is None:
        raise InvalidInputError(f"{source}: --custody tpm needs the key's TPM certification "
                                "(export the key on the device with `wfhaudit keys export`)")
    if not ak_pins:
        raise InvalidInputError("--custody tpm: pin the device's TPM attestation key with "
                                "--tpm-ak FILE (a certification by an unknown key proves "
                                "nothing)")
    try:
        ak_name = parse_public(parts["akPublic"]).name
        if ak_name not in _pinned_names(ak_pins):
            raise TpmStructError("the certifying attestation key is not one of the --tpm-ak keys")
        certified = check_certification(parts["public"], parts["attest"], parts["signature"],
                                        parts["akPublic"])
    except TpmStructError as exc:
        raise InvalidInputError(f"{source}: TPM certification refused: {exc}") from None
    if spki_der(certified.key) != spki_der(key):
        raise InvalidInputError(f"{source}: the TPM certification is for another key than the "
                                "one in the file")
    return {"format": "tpm2-certify", "akName": ak_name.hex(),
            **{k: base64.b64encode(v).decode("ascii") for k, v in parts.items()}}
