"""This device's signing key in its custody (user, system, tpm): create, load, show, export."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from wfhaudit.crypto.custody import (
    TPM_PUBLIC_NAME,
    check_folder,
    check_key_file,
    folder_custody,
    prepare_system_dir,
)
from wfhaudit.crypto.device_key import (
    PUBLIC_NAME,
    DeviceKey,
    ensure_device_key,
    export_public,
    init_device_key,
    load_device_key,
)
from wfhaudit.crypto.identity import HOME_ENV, data_dir, local_identity
from wfhaudit.crypto.keyutil import algorithm_of, keyid, ssh_fingerprint
from wfhaudit.crypto.signer import SigningKey
from wfhaudit.errors import KeyFileError
from wfhaudit.host.acl import restrict_to_system
from wfhaudit.host.tpm import TpmKey, certification, create_tpm_key, load_tpm_key
from wfhaudit.trust.tpm_cert import certification_line
from wfhaudit.util.files import write_atomic


@dataclass(frozen=True)
class KeyInfo:
    """What `keys show` prints."""

    device_id: str
    keyid: str
    alg: str
    custody: str
    fingerprint: str
    path: Path


def use_system_folder() -> Path:
    """Make the system folder this process's data folder (for `--custody system`)."""
    folder = prepare_system_dir()
    restrict_to_system(folder)
    os.environ[HOME_ENV] = str(folder)
    return folder


def _tpm_present(folder: Path) -> bool:
    return (folder / TPM_PUBLIC_NAME).is_file() or (folder / TPM_PUBLIC_NAME).is_symlink()


def init_key(custody: str, force: bool = False) -> tuple[SigningKey, Path]:
    """Create the device key in the custody asked for; (key, where it lives)."""
    if custody == "system":
        use_system_folder()
    folder = data_dir()
    if custody == "tpm":
        check_folder(folder)
        if _tpm_present(folder) and not force:
            raise KeyFileError(f"{folder / TPM_PUBLIC_NAME}: a TPM key already exists; keeping "
                               "it (use --force to replace it)")
        key: SigningKey = create_tpm_key(folder)
        write_atomic(folder / PUBLIC_NAME, export_key("pem", key), mode=0o644)
        return key, folder / TPM_PUBLIC_NAME
    if _tpm_present(folder):
        raise KeyFileError(f"{folder}: holds a TPM key; a file key would not be used")
    made = init_device_key(force=force)
    return made.private, made.path


def device_signer() -> SigningKey:
    """The key `check` signs with: the TPM key when the data folder has one, else the file key."""
    folder = data_dir()
    if _tpm_present(folder):
        check_key_file(folder / TPM_PUBLIC_NAME)
        return load_tpm_key(folder)
    return ensure_device_key().private


def _loaded() -> tuple[SigningKey, Path]:
    folder = data_dir()
    if _tpm_present(folder):
        check_key_file(folder / TPM_PUBLIC_NAME)
        return load_tpm_key(folder), folder / TPM_PUBLIC_NAME
    key = load_device_key()
    return key.private, key.path


def show_key() -> KeyInfo:
    """Device id, key id, algorithm, custody, fingerprint and file of the current key."""
    key, path = _loaded()
    public = key.public_key()
    return KeyInfo(local_identity().id, keyid(public), algorithm_of(public),
                   folder_custody(path.parent), ssh_fingerprint(public), path)


def export_key(fmt: str, key: SigningKey | None = None) -> str:
    """The public key for IT (with the TPM certification line for a TPM key)."""
    key = key or device_signer()
    if isinstance(key, TpmKey):
        text = export_public(DeviceKey(key, key.folder / TPM_PUBLIC_NAME), fmt)  # type: ignore[arg-type]
        return text + certification_line(certification(key.folder))
    return export_public(DeviceKey(key, data_dir() / "device-key.pem"), fmt)  # type: ignore[arg-type]
