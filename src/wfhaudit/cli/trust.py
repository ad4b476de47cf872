"""`wfhaudit trust ...`: IT's signed trust file (draft, enrol, revoke, policies, campaigns)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from wfhaudit.app.trust import (
    accept,
    enrol_device,
    init_trust,
    open_campaign,
    revoke_keys,
    sign_trust,
)
from wfhaudit.cli.output import emit_json
from wfhaudit.errors import UsageError
from wfhaudit.trust.view import describe_lines, load_for_show
from wfhaudit.util.display import plural
from wfhaudit.util.text import for_terminal

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
    pin = init_trust(draft_path, admin_key, create_key=create_admin_key, force=force,
                     min_tool_version=min_tool_version)
    if create_admin_key:
        click.echo(f"Admin key created: {for_terminal(admin_key)} (private, mode 600). It signs "
                   "the trust file: keep it offline and backed up, never in a repository or CI.",
                   err=True)
    click.echo(f"Trust draft: {for_terminal(draft_path)}\nAdmin public key (pin this in CI): "
               f"{for_terminal(pin)}", err=True)


@trust.command("add-device")
@click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The device's `wfhaudit keys export` output.")
@click.option("--device-id", help="Device id (default: from the exported file).")
@click.option("--owner", help="Person responsible, e.g. an e-mail address.")
@click.option("--not-before", help="Key valid from (default: 7 days ago, so reports the device "
                                   "made before enrolment and still fresh verify).")
@click.option("--not-after", help="Key valid until (default: --days from now).")
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
@click.option("--rotate", is_flag=True, help="The device is enrolled already and this is its "
                                             "new key: its old keys are superseded now.")
@click.option("--custody", type=click.Choice(["user", "system", "tpm"]), default="user",
              show_default=True, help="Where the private key lives, as IT installed it: the "
                                      "user's folder, the system service's folder, or a TPM.")
@click.option("--tpm-ak", "tpm_ak", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="With --custody tpm: the device's pinned TPM attestation key (TPM2B_PUBLIC).")
@DRAFT
def add_device_cmd(key_file: Path, device_id: str | None, owner: str | None,
                   not_before: str | None, not_after: str | None, days: int, rotate: bool,
                   custody: str, tpm_ak: tuple[Path, ...], draft_path: Path) -> None:
    """Enrol a device key from its exported public key.

    Refuses a device id that is enrolled already (unless --rotate), the admin key, and a key
    enrolled for any device.

    Example: wfhaudit trust add-device --key dev-1234.pub --owner jdoe@example.com
    """
    done = enrol_device(draft_path, key_file, device_id, owner, _when(not_before, "--not-before"),
                        _when(not_after, "--not-after"), days, rotate=rotate, custody=custody,
                        ak_pins=tpm_ak)
    click.echo(f"Enrolled {done.device_id} key {done.keyid} (custody {custody}; run "
               "`wfhaudit trust sign` to publish)", err=True)
    for kid in done.superseded:
        click.echo(f"  superseded its old key {kid}", err=True)


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
    count = revoke_keys(draft_path, list(keyids), device_id, reason, _when(at_text, "--at"))
    click.echo(f"Revoked {plural(count, 'key')} ({reason}); run `wfhaudit trust sign`", err=True)


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
    accepted, name = accept(draft_path, digest, label, _when(not_after, "--not-after"))
    named = f"policy {for_terminal(name)} ({accepted})" if name else f"policy {accepted}"
    click.echo(f"Accepted {named}; run `wfhaudit trust sign` to publish it", err=True)


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
    end = open_campaign(draft_path, admin_key, campaign_id, days, device_id, policy_ref, out)
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
    signed = sign_trust(draft_path, admin_key, days, out)
    click.echo(f"Signed {out}: version {signed.version}, expires {signed.expires}", err=True)
    click.echo("Device keys changed since the last signed file:" if signed.changes else
               "No device key changed since the last signed file.", err=True)
    for line in signed.changes:
        click.echo(f"  {for_terminal(line)}", err=True)


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
    doc, status = load_for_show(path, admin_pubkey)
    if as_json:
        emit_json({"status": status, "document": doc})
        return
    for line in describe_lines(path, doc, status):
        click.echo(line)
