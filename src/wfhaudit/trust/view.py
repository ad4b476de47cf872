"""`wfhaudit trust show`: a signed trust file (signature checked) or a draft, for people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from wfhaudit.crypto import strictjson
from wfhaudit.crypto.dsse import TRUST_PAYLOAD_TYPE
from wfhaudit.trust.file import (
    TRUST_TYPE,
    parse_trust_document,
    read_admin_pins,
    verify_admin_envelope,
)
from wfhaudit.util.files import read_bytes


def _load(path: Path, pins: Sequence[Path]) -> tuple[dict[str, Any], str]:
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


def show_trust(path: Path, pins: Sequence[Path], as_json: bool) -> None:
    """Print the trust document (JSON on stdout, or a summary for people)."""
    from wfhaudit.util.text import for_terminal

    doc, status = _load(path, pins)
    if as_json:
        from wfhaudit.cli import emit_json

        emit_json({"status": status, "document": doc})
        return
    click.echo(f"{for_terminal(path)}: {status}")
    click.echo(f"version {doc['version']}  issued {doc.get('issuedAt') or '-'}  "
               f"expires {doc.get('expires') or '-'}  min tool {doc.get('minToolVersion') or '-'}")
    revoked = {r["keyid"]: r for r in doc.get("revoked", [])}
    click.echo(f"accepted policies ({len(doc.get('acceptedPolicies', []))}):")
    for p in doc.get("acceptedPolicies", []):
        until = f" until {p['notAfter']}" if p.get("notAfter") else ""
        click.echo(f"  sha256:{p['digest']['sha256']}  {for_terminal(p.get('id', ''))}{until}")
    click.echo(f"devices ({len(doc.get('devices', []))}):")
    for dev in doc.get("devices", []):
        owner = f"  ({for_terminal(dev['owner'])})" if dev.get("owner") else ""
        click.echo(f"  {for_terminal(dev['deviceId'])}{owner}")
        for k in dev["keys"]:
            r = revoked.get(k["keyid"])
            state = f"REVOKED {r['reason']} {r['revokedAt']}" if r else "active"
            click.echo(f"    {k['keyid'][:23]}…  {k['alg']}  {k['notBefore']} .. "
                       f"{k['notAfter']}  {state}")
    for c in doc.get("campaigns", []):
        who = f" device {for_terminal(c['deviceId'])}" if c.get("deviceId") else ""
        click.echo(f"campaign {for_terminal(c['id'])}: {c['notBefore']} .. {c['notAfter']}{who}")
