"""This device's local identity: its data folder, a random device id and a redaction key.

State files are created complete or not at all (`create_new`) and changed under the data
folder's lock, so concurrent checks agree on one id and never share a sequence number. An
empty `device-id` or `redaction.key` (left by an older version on a full disk) is replaced,
with a warning: nothing was ever signed or redacted usefully with it.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wfhaudit.crypto.custody import check_folder
from wfhaudit.errors import KeyFileError, StorageError
from wfhaudit.util.files import create_new, storage_error, sweep_temp_files, write_atomic
from wfhaudit.util.locking import file_lock

HOME_ENV = "WFHAUDIT_HOME"
LOCK_NAME = ".lock"
REDACTION_KEY_BYTES = 32
log = logging.getLogger(__name__)


def _default_dir() -> Path:
    if not os.environ.get("XDG_DATA_HOME") and os.name == "posix":
        home = Path(os.path.expanduser("~"))
        if not home.is_dir():
            raise StorageError(f"{home}: the home folder does not exist or is not a folder; set "
                               f"HOME (or {HOME_ENV}) to a folder you can write to")
    from platformdirs import user_data_dir

    return Path(user_data_dir("wfhaudit", appauthor=False))


def data_dir() -> Path:
    """The per-user data folder (WFHAUDIT_HOME overrides platformdirs), created 0700."""
    override = os.environ.get(HOME_ENV)
    path = Path(override) if override else _default_dir()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StorageError(f"{storage_error(exc, path, 'create the data folder')} (or set "
                           f"{HOME_ENV} to a folder you can write to)") from None
    if not path.is_dir():
        raise StorageError(f"{path}: the data folder is not a folder; set {HOME_ENV} to a "
                           "folder you can write to")
    check_folder(path)  # another user's folder (e.g. the service's) is never used
    return path


@contextmanager
def state_lock() -> Iterator[Path]:
    """Hold the data folder's lock (re-entrant); yields the folder."""
    folder = data_dir()
    with file_lock(folder / LOCK_NAME):
        sweep_temp_files(folder)
        yield folder


def read_private(path: Path) -> bytes:
    """Read a private file, refusing symlinks and group/world-readable files (with the fix)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise KeyFileError(f"{path}: not found") from None
    except OSError as exc:
        raise storage_error(exc, path, "read") from None
    if stat.S_ISLNK(st.st_mode):
        raise KeyFileError(f"{path}: is a symbolic link; refusing it. Replace it with the real "
                           "file (or run `wfhaudit keys init --force`)")
    if os.name == "posix" and st.st_mode & 0o077:
        raise KeyFileError(f"{path}: readable by other users (mode {stat.S_IMODE(st.st_mode):o}); "
                           f"fix with `chmod 600 {path}`")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise storage_error(exc, path, "read") from None


def _present(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _get_or_create(name: str, make: Callable[[], bytes]) -> bytes:
    """The state file's bytes, created if absent and replaced if empty (both under the lock)."""
    path = data_dir() / name
    if _present(path):
        raw = read_private(path)
        if raw.strip():
            return raw
    with state_lock():
        if not _present(path):
            create_new(path, make(), mode=0o600)
        elif not read_private(path).strip():
            log.warning("%s was empty (left by an interrupted first run); made a new one", path)
            write_atomic(path, make(), mode=0o600)
        return read_private(path)


@dataclass(frozen=True)
class DeviceIdentity:
    """The id a device reports under and a display name (host name)."""

    id: str
    name: str


def local_identity() -> DeviceIdentity:
    """This device's id (created on first use) and host name."""
    raw = _get_or_create("device-id", lambda: f"dev-{secrets.token_hex(8)}\n".encode())
    device_id = raw.decode("ascii", "replace").strip()
    if not device_id.startswith("dev-") or len(device_id) > 64 or not device_id.isprintable():
        path = data_dir() / "device-id"
        raise KeyFileError(f"{path}: not a wfhaudit device id. If IT has not enrolled this "
                           "device yet, delete the file and run the check again (a new id is "
                           "made); otherwise restore it from a backup")
    return DeviceIdentity(device_id, socket.gethostname())


def redaction_key() -> bytes:
    """Secret key for keyed-hash pseudonyms in redacted evidence (created on first use)."""
    key = _get_or_create("redaction.key", lambda: secrets.token_bytes(REDACTION_KEY_BYTES))
    if len(key) != REDACTION_KEY_BYTES:
        path = data_dir() / "redaction.key"
        raise KeyFileError(f"{path}: damaged ({len(key)} bytes, expected "
                           f"{REDACTION_KEY_BYTES}); delete it and run the check again (a new "
                           "key is made; pseudonyms in new reports will differ from older ones)")
    return key


def next_sequence() -> int:
    """Increment and return this device's report sequence number (never reused).

    Checks running at the same time get distinct numbers: the read and the write happen under
    the data folder's lock.
    """
    with state_lock() as folder:
        path = folder / "sequence"
        try:
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            text = "0"
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyFileError(f"{path}: cannot read the report sequence ({exc})") from None
        if not text.isdecimal():
            raise KeyFileError(f"{path}: not a number. It holds the sequence of the last "
                               "report; write a number at least as high as the last report's "
                               "sequence into it (e.g. `echo 1000 > sequence`) and run again")
        value = int(text) + 1
        write_atomic(path, f"{value}\n", mode=0o600)
        return value
