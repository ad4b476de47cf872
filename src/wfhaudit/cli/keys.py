"""`wfhaudit keys init|show|export`: this device's signing key and where it is kept."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from wfhaudit.app.keys import export_key, init_key, show_key
from wfhaudit.cli.output import emit_json
from wfhaudit.crypto.identity import local_identity
from wfhaudit.crypto.keyutil import keyid
from wfhaudit.util.files import write_atomic
from wfhaudit.util.text import for_terminal


@click.group()
def keys() -> None:
    """Manage this device's signing key (created on first `check` if absent).

    \b
    Example:
      wfhaudit keys show
      wfhaudit keys export > my-laptop.pub     # send this file to IT
      sudo wfhaudit keys init --custody system # service mode: users cannot read the key
    """


@keys.command("init")
@click.option("--force", is_flag=True, help="Replace an existing key (IT must enrol the new one).")
@click.option("--custody", type=click.Choice(["user", "system", "tpm"]), default="user",
              show_default=True,
              help="user: 0600 in your data folder; system: the service folder only root/SYSTEM "
                   "reads (/var/lib/wfhaudit, %ProgramData%\\wfhaudit); tpm: created inside the "
                   "TPM and never leaves it (Linux, tpm2-tools).")
def init_cmd(force: bool, custody: str) -> None:
    """Create the device key.

    Example: wfhaudit keys init
    """
    key, path = init_key(custody, force)
    click.echo(f"Device key created ({custody} custody): {for_terminal(path)}", err=True)
    click.echo(f"device {local_identity().id}  key {keyid(key.public_key())}", err=True)
    if custody == "system":
        click.echo(f"Run checks as the service with WFHAUDIT_HOME={for_terminal(path.parent)}; "
                   "ask IT to enrol the key with `--custody system`.", err=True)
    if force:
        click.echo("The old key no longer signs: send `wfhaudit keys export` to IT to enrol the "
                   "new one.", err=True)


@keys.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show(as_json: bool) -> None:
    """Show the device id, key id, algorithm, custody, fingerprint and key file.

    Example: wfhaudit keys show --json
    """
    info = asdict(show_key())
    info = {"deviceId": info["device_id"], "keyid": info["keyid"], "alg": info["alg"],
            "custody": info["custody"], "fingerprint": info["fingerprint"],
            "path": str(info["path"])}
    if as_json:
        emit_json(info)
        return
    for name, value in info.items():
        click.echo(f"{name:12} {for_terminal(value)}")


@keys.command()
@click.option("--format", "fmt", type=click.Choice(["pem", "ssh"]), default="pem",
              show_default=True, help="PEM (with a device-id header) or one OpenSSH line.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout.")
def export(fmt: str, output: Path | None) -> None:
    """Print the public key and device id for IT to enrol (`wfhaudit trust add-device`).

    A TPM key's export also carries its TPM certification, which IT checks.

    Example: wfhaudit keys export --format ssh
    """
    text = export_key(fmt)
    if output:
        write_atomic(output, text, mode=0o644)
        click.echo(f"Public key written to {output}", err=True)
    else:
        click.echo(text, nl=False)
