"""`wfhaudit keys init|show|export`: this device's signing key."""

from __future__ import annotations

from pathlib import Path

import click

from wfhaudit.cli.output import emit_json
from wfhaudit.crypto.device_key import (
    ensure_device_key,
    export_public,
    init_device_key,
    load_device_key,
)
from wfhaudit.crypto.identity import local_identity
from wfhaudit.util.files import write_atomic


@click.group()
def keys() -> None:
    """Manage this device's signing key (created on first `check` if absent).

    \b
    Example:
      wfhaudit keys show
      wfhaudit keys export > my-laptop.pub     # send this file to IT
    """


@keys.command("init")
@click.option("--force", is_flag=True, help="Replace an existing key (IT must enrol the new one).")
def init_cmd(force: bool) -> None:
    """Create the device key (0600 file in the 0700 data folder).

    Example: wfhaudit keys init
    """
    key = init_device_key(force=force)
    click.echo(f"Device key created: {key.path}", err=True)
    click.echo(f"device {local_identity().id}  key {key.keyid}", err=True)
    if force:
        click.echo("The old key no longer signs: send `wfhaudit keys export` to IT to enrol the "
                   "new one.", err=True)


@keys.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show(as_json: bool) -> None:
    """Show the device id, key id, fingerprint and key file.

    Example: wfhaudit keys show --json
    """
    key = load_device_key()
    info = {"deviceId": local_identity().id, "keyid": key.keyid, "alg": "ed25519",
            "fingerprint": key.fingerprint, "path": str(key.path)}
    if as_json:

        emit_json(info)
        return
    for name, value in info.items():
        click.echo(f"{name:12} {value}")


@keys.command()
@click.option("--format", "fmt", type=click.Choice(["pem", "ssh"]), default="pem",
              show_default=True, help="PEM (with a device-id header) or one OpenSSH line.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout.")
def export(fmt: str, output: Path | None) -> None:
    """Print the public key and device id for IT to enrol (`wfhaudit trust add-device`).

    Example: wfhaudit keys export --format ssh
    """
    text = export_public(ensure_device_key(), fmt)
    if output:
        write_atomic(output, text, mode=0o644)
        click.echo(f"Public key written to {output}", err=True)
    else:
        click.echo(text, nl=False)
