"""`wfhaudit trust ...`: IT's signed trust file (draft, enrol, revoke, policies, campaigns)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from wfhaudit.errors import UsageError

DRAFT = click.option("--draft", "draft_path", type=click.Path(dir_okay=False, path_type=Path),
                     default=Path("trust.draft.json"), show_default=True,
                     help="The editable trust draft.")
ADMIN_KEY = click.option("--admin-key", type=click.Path(dir_okay=False, path_type=Path),
                         required=True, help="IT admin private key (PEM, 0600).")


def _when(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.timezone.utc)
        except ValueError:
            continue
    raise UsageError(f"{option}: {text!r} is not a date (2026-11-23 or 2026-11-23T10:40:00Z)")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@click.group()
def trust() -> None:
    """IT: manage the signed trust file that verifiers load.

    \b
    Example:
      wfhaudit trust init --admin-key it-admin.pem --create-admin-key
      wfhaudit trust add-device --key dev-1234.pub
      wfhaudit trust accept-policy contact-center
      wfhaudit trust sign --admin-key it-admin.pem --out trust.json
    """


@trust.command("init")
@ADMIN_KEY
@click.option("--create-admin-key", is_flag=True, help="Generate the admin key at --admin-key.")
@click.option("--min-tool-version", help="Reject reports from older wfhaudit versions.")
@click.option("--force", is_flag=True, help="Replace an existing draft.")
@DRAFT
def init_cmd(admin_key: Path, create_admin_key: bool, min_tool_version: str | None, force: bool,
             draft_path: Path) -> None:
    """Start a trust draft and write the admin public key pin beside it.

    Verifiers pin the admin key with --admin-pubkey FILE, or find `wfhaudit-admin.pub` in the
    folder of the trust file.

    Example: wfhaudit trust init --admin-key it-admin.pem --create-admin-key
    """
    from wfhaudit.trust.draft import create_admin_key as create
    from wfhaudit.trust.draft import load_admin_key, new_draft, public_pem, write_draft
    from wfhaudit.trust.file import ADMIN_PIN_NAME
    from wfhaudit.util.files import write_atomic

    if draft_path.exists() and not force:
        raise UsageError(f"{draft_path}: a trust draft already exists (use --force to replace)")
    if create_admin_key and (admin_key.exists() or admin_key.is_symlink()):
        raise UsageError(f"{admin_key}: an admin key already exists; run without "
                         "--create-admin-key to use it")
    key = create(admin_key) if create_admin_key else load_admin_key(admin_key)
    write_draft(draft_path, new_draft(min_tool_version))
    pin = write_atomic(draft_path.parent / ADMIN_PIN_NAME, public_pem(key), mode=0o644)
    click.echo(f"Trust draft: {draft_path}\nAdmin public key (pin this in CI): {pin}", err=True)


@trust.command("add-device")
@click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The device's `wfhaudit keys export` output.")
@click.option("--device-id", help="Device id (default: from the exported file).")
@click.option("--owner", help="Person responsible, e.g. an e-mail address.")
@click.option("--not-before", help="Key valid from (default: 7 days ago, so reports the device "
                                   "made before enrolment and still fresh verify).")
@click.option("--not-after", help="Key valid until (default: --days from now).")
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
@DRAFT
def add_device_cmd(key_file: Path, device_id: str | None, owner: str | None,
                   not_before: str | None, not_after: str | None, days: int,
                   draft_path: Path) -> None:
    """Enrol a device key from its exported public key.

    Example: wfhaudit trust add-device --key dev-1234.pub --owner jdoe@example.com
    """
    from wfhaudit.crypto.keyutil import BadKeyError, device_id_hint, load_public_keys
    from wfhaudit.errors import InvalidInputError
    from wfhaudit.trust.draft import add_device, read_draft, write_draft
    from wfhaudit.util.files import read_bytes

    raw = read_bytes(key_file, "public key")
    try:
        found = load_public_keys(raw)
    except BadKeyError as exc:
        raise InvalidInputError(f"{key_file}: {exc}") from None
    if len(found) != 1:
        raise InvalidInputError(f"{key_file}: expected exactly one public key, found {len(found)}")
    hint = device_id_hint(raw)
    if device_id and hint and device_id != hint:
        raise UsageError(f"--device-id {device_id} differs from {hint} named in {key_file}")
    device = device_id or hint
    if not device:
        raise UsageError(f"{key_file} names no device id: pass --device-id")
    start = _when(not_before, "--not-before") or _now() - dt.timedelta(days=7)
    end = _when(not_after, "--not-after") or _now() + dt.timedelta(days=days)
    doc = read_draft(draft_path)
    kid = add_device(doc, found[0], device, start, end, owner)
    write_draft(draft_path, doc)
    click.echo(f"Enrolled {device} key {kid} (run `wfhaudit trust sign` to publish)", err=True)


@trust.command()
@click.argument("keyids", nargs=-1, metavar="[KEYID...]")
@click.option("--device", "device_id", help="Revoke every key of this device.")
@click.option("--reason", type=click.Choice(["key-compromise", "retired", "superseded"]),
              required=True, help="key-compromise rejects every report from the key; retired "
                                  "and superseded reject reports received after --at.")
@click.option("--at", "at_text", help="Revocation time (default now).")
@DRAFT
def revoke(keyids: tuple[str, ...], device_id: str | None, reason: str, at_text: str | None,
           draft_path: Path) -> None:
    """Revoke device keys.

    Example: wfhaudit trust revoke --device dev-1234 --reason key-compromise
    """
    from wfhaudit.trust.draft import device_keyids, read_draft, write_draft
    from wfhaudit.trust.draft import revoke as do_revoke

    doc = read_draft(draft_path)
    targets = list(keyids) + (device_keyids(doc, device_id) if device_id else [])
    if not targets:
        raise UsageError("name a KEYID or --device")
    do_revoke(doc, targets, reason, _when(at_text, "--at") or _now())
    write_draft(draft_path, doc)
    click.echo(f"Revoked {len(targets)} key(s) ({reason}); run `wfhaudit trust sign`", err=True)


@trust.command("accept-policy")
@click.argument("digest", metavar="DIGEST|POLICY")
@click.option("--label", help="A name for people reading the trust file.")
@click.option("--not-after", help="Stop accepting reports finished after this time.")
@DRAFT
def accept_policy_cmd(digest: str, label: str | None, not_after: str | None,
                      draft_path: Path) -> None:
    """Accept reports made under a policy (its sha256 digest, or a policy NAME|PATH).

    Example: wfhaudit trust accept-policy contact-center
    """
    from wfhaudit.trust.draft import accept_policy, read_draft, write_draft

    if not digest.startswith("sha256:"):
        from wfhaudit.policy.loader import load_policy

        policy = load_policy(digest)
        digest, label = policy.digest, label or policy.id
    doc = read_draft(draft_path)
    accept_policy(doc, digest, label, _when(not_after, "--not-after"))
    write_draft(draft_path, doc)
    click.echo(f"Accepted {digest}; run `wfhaudit trust sign`", err=True)


@trust.command()
@click.option("--id", "campaign_id", required=True, help="Campaign name, e.g. 2026-W47.")
@click.option("--days", type=click.IntRange(1, 365), required=True, help="How long it is open.")
@click.option("--device", "device_id", help="Issue the nonce to one device only.")
@click.option("--policy", "policy_ref", help="Require this policy (digest or NAME|PATH).")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("campaign.json"), show_default=True, help="Challenge file to write.")
@ADMIN_KEY
@DRAFT
def campaign(campaign_id: str, days: int, device_id: str | None, policy_ref: str | None,
             out: Path, admin_key: Path, draft_path: Path) -> None:
    """Open a campaign: a signed challenge file with a random nonce for `check --campaign`.

    Example: wfhaudit trust campaign --id 2026-W47 --days 7 --admin-key it-admin.pem
    """
    from wfhaudit.trust.campaign import make_challenge, new_nonce, trust_entry
    from wfhaudit.trust.draft import load_admin_key, read_draft, write_draft
    from wfhaudit.util.files import write_atomic

    digest = None
    if policy_ref:
        if policy_ref.startswith("sha256:"):
            digest = policy_ref
        else:
            from wfhaudit.policy.loader import load_policy

            digest = load_policy(policy_ref).digest
    key = load_admin_key(admin_key)
    doc = read_draft(draft_path)
    start = _now()
    end = start + dt.timedelta(days=days)
    nonce = new_nonce()
    doc["campaigns"].append(trust_entry(campaign_id, nonce, start, end, device_id, digest))
    write_draft(draft_path, doc)
    write_atomic(out, make_challenge(campaign_id, nonce, start, end, key, device_id, digest))
    click.echo(f"Campaign {campaign_id} open until {end:%Y-%m-%d %H:%M}Z; challenge: {out}. "
               "Run `wfhaudit trust sign` so verifiers know it.", err=True)


@trust.command()
@ADMIN_KEY
@click.option("--days", type=click.IntRange(1, 366), default=14, show_default=True,
              help="Days until the signed file expires (verifiers then refuse it).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("trust.json"), show_default=True, help="Signed trust file.")
@DRAFT
def sign(admin_key: Path, days: int, out: Path, draft_path: Path) -> None:
    """Sign the draft: bumps the version and sets the expiry.

    Example: wfhaudit trust sign --admin-key it-admin.pem --days 14 --out trust.json
    """
    from wfhaudit.trust.draft import (
        load_admin_key,
        read_draft,
        sign_draft,
        signed_version,
        write_draft,
    )
    from wfhaudit.util.files import write_atomic

    key = load_admin_key(admin_key)
    doc = read_draft(draft_path)
    data = sign_draft(doc, key, _now(), days, signed_version(out))
    write_atomic(out, data)
    write_draft(draft_path, doc)
    click.echo(f"Signed {out}: version {doc['version']}, expires {doc['expires']}", err=True)


@trust.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path),
                default=Path("trust.json"))
@click.option("--admin-pubkey", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Pinned admin public key (default: wfhaudit-admin.pub beside PATH).")
@click.option("--json", "as_json", is_flag=True, help="Print the trust document as JSON.")
def show(path: Path, admin_pubkey: tuple[Path, ...], as_json: bool) -> None:
    """Show a signed trust file (signature checked) or a draft.

    Example: wfhaudit trust show trust.json
    """
    from wfhaudit.trust.view import show_trust

    show_trust(path, admin_pubkey, as_json)
