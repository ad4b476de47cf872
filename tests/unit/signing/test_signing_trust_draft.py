"""IT's draft workflow (enrol, revoke, accept, campaign, sign) and the device's campaign check."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from tests.security.pki import NOW

from wfhaudit.crypto.keyutil import BadKeyError, keyid
from wfhaudit.errors import InvalidInputError
from wfhaudit.reasons import TrustError
from wfhaudit.trust.campaign import campaign_for_check, make_challenge, new_nonce
from wfhaudit.trust.draft import (
    accept_policy,
    add_device,
    new_draft,
    public_pem,
    read_draft,
    revoke,
    sign_draft,
    signed_version,
    write_draft,
)
from wfhaudit.trust.file import ADMIN_PIN_NAME, load_trust, parse_trust_document

DAY = dt.timedelta(days=1)


def test_draft_edits_and_signing(tmp_path: Path) -> None:
    admin, dev = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    path = tmp_path / "trust.draft.json"
    doc = new_draft("0.1.0")
    kid = add_device(doc, dev.public_key(), "dev-1", NOW - DAY, NOW + 300 * DAY, "a@b.c")
    rotated = add_device(doc, Ed25519PrivateKey.generate().public_key(), "dev-1", NOW, NOW + DAY)
    assert [k["keyid"] for k in doc["devices"][0]["keys"]] == [kid, rotated]
    with pytest.raises(InvalidInputError, match="already enrolled"):
        add_device(doc, dev.public_key(), "dev-2", NOW, NOW + DAY)
    with pytest.raises(BadKeyError):
        add_device(doc, Ed25519PublicKey.from_public_bytes(bytes(32)), "dev-3", NOW, NOW + DAY)
    accept_policy(doc, "sha256:" + "ab" * 32, "p", NOW + DAY)
    accept_policy(doc, "sha256:" + "ab" * 32, "p2")  # replaces, no duplicate
    assert len(doc["acceptedPolicies"]) == 1
    revoke(doc, [rotated], "superseded", NOW)
    with pytest.raises(InvalidInputError):
        revoke(doc, ["sha256:" + "0" * 64], "retired", NOW)
    write_draft(path, doc)
    again = read_draft(path)
    signed = sign_draft(again, admin, NOW, 14, floor_version=0)
    assert again["version"] == 1 and again["expires"] == "2026-12-04T09:00:00Z"
    trust = load_trust(signed, [admin.public_key()], NOW)
    assert trust.keys[rotated].revoke_reason == "superseded"
    assert trust.keys[kid].device_id == "dev-1"
    out = tmp_path / "trust.json"
    out.write_bytes(signed)
    assert signed_version(out) == 1
    assert json.loads(sign_draft(again, admin, NOW, 1, signed_version(out)))  # version 2
    assert again["version"] == 2


def test_draft_problems_name_the_json_path() -> None:
    doc = new_draft()
    doc["acceptedPolicies"].append({"digest": {"sha256": "XYZ"}})
    with pytest.raises(TrustError, match=r"\$\.acceptedPolicies\[0\]\.digest"):
        parse_trust_document(doc, draft=True)


def _challenge(tmp_path: Path, admin: Ed25519PrivateKey, **kw: object) -> Path:
    path = tmp_path / "campaign.json"
    path.write_bytes(make_challenge("2026-W47", new_nonce(), NOW - DAY, NOW + DAY, admin,
                                    **kw))  # type: ignore[arg-type]
    return path


def test_campaign_for_check(tmp_path: Path) -> None:
    admin = Ed25519PrivateKey.generate()
    path = _challenge(tmp_path, admin, policy_digest="sha256:" + "1" * 64)
    echo = campaign_for_check(path, "sha256:" + "1" * 64, "dev-1", NOW)
    assert echo["id"] == "2026-W47" and len(echo["nonce"]) == 43
    with pytest.raises(InvalidInputError, match="requires policy"):
        campaign_for_check(path, "sha256:" + "2" * 64, "dev-1", NOW)
    with pytest.raises(InvalidInputError, match="closed"):
        campaign_for_check(path, "sha256:" + "1" * 64, "dev-1", NOW + 2 * DAY)
    mine = _challenge(tmp_path, admin, device_id="dev-9")
    with pytest.raises(InvalidInputError, match="another device"):
        campaign_for_check(mine, "sha256:" + "1" * 64, "dev-1", NOW)


def test_campaign_signature_is_checked_when_the_admin_pin_is_beside_it(tmp_path: Path) -> None:
    admin, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    path = _challenge(tmp_path, other)
    (tmp_path / ADMIN_PIN_NAME).write_text(public_pem(admin))
    with pytest.raises(TrustError, match="TRUST_UNTRUSTED"):
        campaign_for_check(path, "sha256:" + "1" * 64, "dev-1", NOW)
    path = _challenge(tmp_path, admin)
    assert campaign_for_check(path, "sha256:" + "1" * 64, "dev-1", NOW)["id"] == "2026-W47"
    assert keyid(admin.public_key()).startswith("sha256:")
