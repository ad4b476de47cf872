"""This device's local identity: its data folder, a random device id and a redaction key."""

from __future__ import annotations

import os
import secrets
import socket
import stat
from dataclasses import dataclass
from pathlib import Path

from wfhaudit.crypto.custody import check_folder
from wfhaudit.errors import KeyFileError
from wfhaudit.util.files import write_atomic

HOME_ENV = "WFHAUDIT_HOME"


def data_dir() -> Path:
    """The per-user data folder (WFHAUDIT_HOME overrides platformdirs), created 0700."""
    override = os.environ.get(HOME_ENV)
    if override:
        path = Path(override)
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("wfhaudit", appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    check_folder(path)  # another user's folder (e.g. the service's) is never used
    return path


def read_private(path: Path) -> bytes:
    """Read a private file, refusing symlinks and group/world-readable files (with the fix)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise KeyFileError(f"{path}: not found") from None
    if stat.S_ISLNK(st.st_mode):
        raise KeyFileError(f"{path}: is a symbolic link; refusing it. Replace it with the real "
                           "file (or run `wfhaudit keys init --force`)")
    if os.name == "posix" and st.st_mode & 0o077:
        raise KeyFileError(f"{path}: readable by other users (mode {stat.S_IMODE(st.st_mode):o}); "
                           f"fix with `chmod 600 {path}`")
    return path.read_bytes()


def _get_or_create(name: str, make: bytes) -> bytes:
    path = data_dir() / name
    if not path.exists() and not path.is_symlink():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return read_private(path)
        with os.fdopen(fd, "wb") as fh:
            fh.write(make)
        return make
    return read_private(path)


@dataclass(frozen=True)
class DeviceIdentity:
    """The id a device reports under and a display name (host name)."""

    id: str
    name: str


def local_identity() -> DeviceIdentity:
    """This device's id (created on first use) and host name."""
    raw = _get_or_create("device-id", f"dev-{secrets.token_hex(8)}\n".encode())
    device_id = raw.decode("ascii", "replace").strip()
    if not device_id.startswith("dev-") or len(device_id) > 64:
        raise KeyFileError(f"{data_dir() / 'device-id'}: not a wfhaudit device id")
    return DeviceIdentity(device_id, socket.gethostname())


def redaction_key() -> bytes:
    """Secret key for keyed-hash pseudonyms in redacted evidence (created on first use)."""
    return _get_or_create("redaction.key", secrets.token_bytes(32))


def next_sequence() -> int:
    """Increment and return this device's report sequence number (never reused)."""
    path = data_dir() / "sequence"
    try:
        current = int(path.read_text(encoding="ascii").strip() or "0")
    except FileNotFoundError:
        current = 0
    except ValueError:
        raise KeyFileError(f"{path}: not a number; delete it only if you know why") from None
    write_atomic(path, f"{current + 1}\n", mode=0o600)
    return current + 1
