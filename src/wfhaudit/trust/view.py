"""A signed trust file (signature checked) or a draft, loaded and described for people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wfhaudit.crypto import strictjson
from wfhaudit.crypto.dsse import TRUST_PAYLOAD_TYPE
from wfhaudit.trust.file import (
    TRUST_TYPE,
    parse_trust_document,
    read_admin_pins,
    verify_admin_envelope,
)
from wfhaudit.util.files import read_bytes
from wfhaudit.util.text import for_terminal


def load_for_show(path: Path, pins: Sequence[Path]) -> tuple[dict[str, Any], str]:
    """(the trust document, its status): a draft as is, a signed file after its signature."""
    data = read_bytes(path, "trust file")
    try:
        doc = strictjson.loads(data)
    except strictjson.StrictJSONError:
        doc = None
    if type(doc) is dict and doc.get("_type") == TRUST_TYPE:
        parse_trust_document(doc, draft=True)
        return doc, "draft (not signed)"
    payload = verify_admin_envelope(data, TRUST_PAYLOAD_TYPE, read_admin_pins(pins, path),
                                    str(path))
    doc = strictjson.loads(payload)
    trust = parse_trust_document(doc)
    expired = trust.expires <= dt.datetime.now(dt.timezone.utc).timestamp()
    return doc, "signed, EXPIRED" if expired else "signed, signature verified"


def describe_lines(path: Path, doc: dict[str, Any], status: str) -> list[str]:
    """A summary of the trust document for a terminal, every device-supplied string cleaned."""
    lines = [f"{for_terminal(path)}: {status}",
             f"version {doc['version']}  issued {doc.get('issuedAt') or '-'}  "
             f"expires {doc.get('expires') or '-'}  min tool {doc.get('minToolVersion') or '-'}"]
    revoked = {r["keyid"]: r for r in doc.get("revoked", [])}
    lines.append(f"accepted policies ({len(doc.get('acceptedPolicies', []))}):")
    for p in doc.get("acceptedPolicies", []):
        until = f" until {p['notAfter']}" if p.get("notAfter") else ""
        lines.append(f"  sha256:{p['digest']['sha256']}  {for_terminal(p.get('id', ''))}{until}")
    lines.append(f"devices ({len(doc.get('devices', []))}):")
    for dev in doc.get("devices", []):
        owner = f"  ({for_terminal(dev['owner'])})" if dev.get("owner") else ""
        lines.append(f"  {for_terminal(dev['deviceId'])}{owner}")
        for k in dev["keys"]:
            r = revoked.get(k["keyid"])
            state = f"REVOKED {r['reason']} {r['revokedAt']}" if r else "active"
            lines.append(f"    {k['keyid'][:23]}…  {k['alg']}  custody {k.get('custody', 'user')}  "
                         f"{k['notBefore']} .. "
                         f"{k['notAfter']}  {state}")
    for c in doc.get("campaigns", []):
        who = f" device {for_terminal(c['deviceId'])}" if c.get("deviceId") else ""
        lines.append(f"campaign {for_terminal(c['id'])}: {c['notBefore']} .. {c['notAfter']}"
                     f"{who}")
    return lines
