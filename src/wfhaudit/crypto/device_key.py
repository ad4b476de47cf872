"""This device's Ed25519 signing key: created once, 0600 in the 0700 data folder, never clobbered.

Files in `wfhaudit.crypto.identity.data_dir()`: `device-key.pem` (PKCS#8, private), `device-key.pub`
(SubjectPublicKeyInfo PEM with a `wfhaudit-device-id:` header line, what IT enrols) and the
existing `device-id`.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from wfhaudit.crypto.custody import check_key_file
from wfhaudit.crypto.identity import data_dir, local_identity, read_private, state_lock
from wfhaudit.crypto.keyutil import keyid, spki_sha256, ssh_fingerprint
from wfhaudit.errors import KeyFileError
from wfhaudit.util import signals
from wfhaudit.util.files import create_new, write_atomic

PRIVATE_NAME = "device-key.pem"
PUBLIC_NAME = "device-key.pub"


@dataclass(frozen=True)
class DeviceKey:
    """The device's private key with its public half, key id and file path."""

    private: Ed25519PrivateKey
    path: Path

    @property
    def public(self) -> Ed25519PublicKey:
        """The public key."""
        return self.private.public_key()

    @property
    def keyid(self) -> str:
        """'sha256:<hex>' of the public key's DER SubjectPublicKeyInfo."""
        return keyid(self.public)

    @property
    def subject_digest(self) -> str:
        """Hex SHA-256 of the DER SubjectPublicKeyInfo (the Statement subject digest)."""
        return spki_sha256(self.public)

    @property
    def fingerprint(self) -> str:
        """OpenSSH SHA256 fingerprint."""
        return ssh_fingerprint(self.public)


def private_key_path() -> Path:
    """Where this device's private key lives."""
    return data_dir() / PRIVATE_NAME


def _secure_folder(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows: the per-user profile ACL protects %LOCALAPPDATA%; chmod cannot.
    st = os.lstat(folder)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise KeyFileError(f"{folder}: data folder is not a real directory; refusing to keep "
                           "a key there")
    if st.st_uid != os.geteuid():
        raise KeyFileError(f"{folder}: data folder belongs to another user (uid {st.st_uid})")
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(folder, 0o700)


def _pem(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())


def write_private_file(path: Path, data: bytes, force: bool) -> None:
    """Write a 0600 file complete or not at all: never clobber one unless force (then replace)."""
    if force:
        write_atomic(path, data, mode=0o600)
    elif not create_new(path, data, mode=0o600):
        raise KeyFileError(f"{path}: a key already exists; keeping it (use --force to "
                           "replace it)")


def write_public_export(key: DeviceKey) -> Path:
    """Write device-key.pub (what `keys export` prints) beside the private key."""
    return write_atomic(key.path.with_name(PUBLIC_NAME), export_public(key, "pem"), mode=0o644)


def init_device_key(force: bool = False) -> DeviceKey:
    """Create this device's key (refusing to replace one unless force).

    Under the data folder's lock, with stop signals held until both files are written, so
    racing `keys init --force` runs leave a `.pub` that matches the `.pem`.
    """
    with state_lock() as folder:
        path = folder / PRIVATE_NAME
        _secure_folder(folder)
        if not force and (path.exists() or path.is_symlink()):
            raise KeyFileError(f"{path}: a device key already exists; keeping it (use "
                               "`wfhaudit keys init --force` to replace it, then ask IT to enrol "
                               "the new key)")
        private = Ed25519PrivateKey.generate()
        key = DeviceKey(private, path)
        with signals.deferred():
            write_private_file(path, _pem(private), force)
            write_public_export(key)
        return key


def load_device_key() -> DeviceKey:
    """Load the key, refusing symlinks and group/world-readable files (the fix is in the error)."""
    path = private_key_path()
    if not path.exists() and not path.is_symlink():
        raise KeyFileError(f"{path}: no device key yet; create one with `wfhaudit keys init` "
                           "(or run `wfhaudit check`)")
    check_key_file(path)  # as strict as creating: another user's folder or file is refused
    read_private(path)  # a symlink or a loose mode: refused here, with its own fix
    try:
        return DeviceKey(load_ed25519_private_key(path, "not an Ed25519 key"), path)
    except KeyFileError as exc:  # the content itself is damaged
        raise KeyFileError(f"{exc}. Make a new key with `wfhaudit keys init --force` and ask "
                           "IT to enrol it") from None


def load_ed25519_private_key(path: Path, wrong_type: str) -> Ed25519PrivateKey:
    """A PEM Ed25519 private key, refusing symlinks and group/world-readable files."""
    raw = read_private(path)
    try:
        private = serialization.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path}: not an unencrypted PKCS#8 private key ({exc})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: {wrong_type}")
    return private


def ensure_device_key() -> DeviceKey:
    """Load the key, creating it on first use (as `wfhaudit check` does); repairs the `.pub`."""
    path = private_key_path()
    if not path.exists() and not path.is_symlink():
        with state_lock():
            if not path.exists() and not path.is_symlink():
                return init_device_key()
    key = load_device_key()
    _repair_public(key)
    return key


def _repair_public(key: DeviceKey) -> None:
    """Rewrite device-key.pub when it is missing or does not match the private key.

    That happens when an older version was stopped between the two writes, or after an edit.
    """
    expected = export_public(key, "pem").encode("ascii")
    pub = key.path.with_name(PUBLIC_NAME)
    try:
        if pub.read_bytes() == expected:
            return
    except OSError:
        pass
    with state_lock():
        if load_device_key().keyid == key.keyid:
            write_public_export(key)


def export_public(key: DeviceKey, fmt: str = "pem") -> str:
    """The public key for IT: PEM with a device-id header, or an OpenSSH line."""
    device_id = local_identity().id
    if fmt == "ssh":
        line = key.public.public_bytes(serialization.Encoding.OpenSSH,
                                       serialization.PublicFormat.OpenSSH).decode("ascii")
        return f"{line} wfhaudit:{device_id}\n"
    if fmt != "pem":
        raise ValueError(f"unknown export format {fmt!r}")
    pem = key.public.public_bytes(serialization.Encoding.PEM,
                                  serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    return f"wfhaudit-device-id: {device_id}\n{pem}"
