"""Rejection details that say what to do next.

The file is the HTML page, the key is only in the draft, the policy is not accepted yet. Only
safe text (a well-formed id) from an unverified payload is ever quoted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from wfhaudit.crypto import strictjson
from wfhaudit.trust.file import safe_device_id

_HTML_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<!doctype html|<html)", re.IGNORECASE)
_POLICY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def html_page(data: bytes) -> str | None:
    """The detail for a report's HTML rendering given instead of the report (else None)."""
    if _HTML_START.match(data[:512]) is None:
        return None
    return ("this is the HTML rendering of a report (.wfh.html), which carries no signature: "
            "verify the signed .wfh.json beside it")


def claimed_device(payload: bytes) -> str | None:
    """The device id an (unverified) report payload names, when it is a well-formed id."""
    try:
        statement = strictjson.loads(payload)
        device = statement["predicate"]["device"]["id"]
    except (strictjson.StrictJSONError, KeyError, TypeError):
        return None
    return device if safe_device_id(device) else None


def unknown_key(keyid: str | None, device: str | None, trust_version: int) -> str:
    """UNKNOWN_KEY detail naming the key and the device the report claims to come from."""
    who = f"says it comes from device {device}" if device else "names no valid device id"
    return (f"key {keyid or '(none)'} is not in the trust file (version {trust_version}); the "
            f"report {who} (unverified): IT must enrol the device's key with `wfhaudit trust "
            "add-device` and then `wfhaudit trust sign`")


def in_draft(detail: str, draft_name: str) -> str:
    """UNKNOWN_KEY detail when the key is already enrolled in the unsigned draft."""
    return (detail.split(": IT must enrol", 1)[0]
            + f"; the key is enrolled in the draft {draft_name}: run `wfhaudit trust sign` to "
            "publish it")


def policy_not_accepted(policy: Any, digest: str) -> str:
    """POLICY_MISMATCH detail with the policy's id and the command that accepts it."""
    block = policy if isinstance(policy, Mapping) else {}
    pid, version = block.get("id"), block.get("version")
    named = type(pid) is str and _POLICY_ID.fullmatch(pid) is not None
    shown = f"policy {pid}" if named else "the report's policy"
    if named and type(version) is str and _POLICY_ID.fullmatch(version):
        shown += f" {version}"
    ref = pid if named else digest
    return (f"{shown} (digest {digest}) is not accepted by the trust file: to accept it, run "
            f"`wfhaudit trust accept-policy {ref}`, then `wfhaudit trust sign`")
