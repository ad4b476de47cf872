"""Device keys on the real file system: modes, no clobbering, refusing unsafe files (A44)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from wfhaudit.crypto.device_key import (
    PUBLIC_NAME,
    ensure_device_key,
    export_public,
    init_device_key,
    load_device_key,
    private_key_path,
)
from wfhaudit.crypto.identity import data_dir
from wfhaudit.crypto.keyutil import device_id_hint, keyid, load_public_keys
from wfhaudit.errors import KeyFileError

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_init_creates_0600_key_in_0700_folder() -> None:
    data_dir().chmod(0o755)  # a folder someone loosened: init tightens it
    key = init_device_key()
    assert key.path == private_key_path()
    assert mode(key.path) == 0o600
    assert mode(key.path.parent) == 0o700
    assert key.path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert not [p for p in key.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert load_device_key().keyid == key.keyid


def test_existing_key_is_never_overwritten_without_force() -> None:
    first = init_device_key()
    before = first.path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        init_device_key()
    assert first.path.read_bytes() == before
    assert ensure_device_key().keyid == first.keyid  # first `check` reuses it
    second = init_device_key(force=True)
    assert second.keyid != first.keyid and mode(second.path) == 0o600


def test_group_readable_key_is_refused_with_the_fix() -> None:
    key = init_device_key()
    key.path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_device_key()
    with pytest.raises(KeyFileError):
        ensure_device_key()


def test_symlinked_key_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.pem"
    init_device_key()
    real.write_bytes(private_key_path().read_bytes())
    real.chmod(0o600)
    private_key_path().unlink()
    private_key_path().symlink_to(real)
    with pytest.raises(KeyFileError, match="symbolic link"):
        load_device_key()
    with pytest.raises(KeyFileError, match="already exists"):
        init_device_key()  # a dangling or planted link is not replaced silently either


def test_missing_key_names_the_command() -> None:
    with pytest.raises(KeyFileError, match="wfhaudit keys init"):
        load_device_key()


def test_ensure_creates_on_first_use_and_writes_the_public_export() -> None:
    key = ensure_device_key()
    exported = (key.path.parent / PUBLIC_NAME).read_bytes()
    assert [keyid(k) for k in load_public_keys(exported)] == [key.keyid]
    assert device_id_hint(exported) is not None and device_id_hint(exported).startswith("dev-")


def test_export_formats_round_trip() -> None:
    key = init_device_key()
    for fmt in ("pem", "ssh"):
        text = export_public(key, fmt).encode()
        assert [keyid(k) for k in load_public_keys(text)] == [key.keyid]
        assert device_id_hint(text) == (data_dir() / "device-id").read_text().strip()
    assert export_public(key, "ssh").startswith("ssh-ed25519 ")
