"""Where a device key lives and who can read it: `user`, `system` (a service account) or `tpm`.

- user: the per-user data folder. Anyone who can run code as the user can sign anything.
- system: `/var/lib/wfhaudit` (Linux), `/Library/Application Support/wfhaudit` (macOS) or
  `%ProgramData%\\wfhaudit` (Windows), owned by root/SYSTEM and closed to everyone else. The
  check runs as a service (installed by MDM or a package); a worker without admin rights
  cannot read the key, so cannot sign a report with it.
- tpm: the key is created inside a TPM 2.0 and cannot leave it (see host/tpm.py).

IT fixes the custody of each key in the trust file at enrolment; this module only decides where
the files are and refuses folders and files that others own or can write (reading refuses
exactly what creating refuses).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from wfhaudit.errors import KeyFileError

SYSTEM_DIR_ENV = "WFHAUDIT_SYSTEM_DIR"  # tests and packagers may move the system folder
TPM_PUBLIC_NAME = "device-key.tpm.pub"


def system_dir() -> Path:
    """The folder of the system (service) key on this OS."""
    override = os.environ.get(SYSTEM_DIR_ENV)
    if override:
        return Path(override)
    if os.name == "nt":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "wfhaudit"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/wfhaudit")
    return Path("/var/lib/wfhaudit")


def folder_custody(folder: Path) -> str:
    """'tpm' when the folder holds a TPM key, 'system' for the system folder, else 'user'."""
    if (folder / TPM_PUBLIC_NAME).is_file():
        return "tpm"
    try:
        same = folder.resolve() == system_dir().resolve()
    except OSError:
        same = False
    return "system" if same else "user"


def check_folder(folder: Path) -> None:
    """Refuse a key folder that is a link, not ours, or writable by others (POSIX)."""
    if os.name != "posix":
        return  # Windows: the profile's or ProgramData folder's ACL protects it; see host/acl.py
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        raise KeyFileError(f"{folder}: no such folder") from None
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise KeyFileError(f"{folder}: data folder is not a real directory; refusing to keep or "
                           "use a key there")
    if st.st_uid != os.geteuid():
        raise KeyFileError(f"{folder}: data folder belongs to another user (uid {st.st_uid}); "
                           "refusing to use a key kept there")
    if st.st_mode & 0o022:
        raise KeyFileError(f"{folder}: data folder can be written by other users (mode "
                           f"{stat.S_IMODE(st.st_mode):o}); fix with `chmod 700 {folder}`")


def check_key_file(path: Path) -> None:
    """Refuse a key file that is a link, not ours, or readable or writable by others (POSIX)."""
    check_folder(path.parent)
    if os.name != "posix":
        return
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise KeyFileError(f"{path}: not found") from None
    if stat.S_ISLNK(st.st_mode):
        raise KeyFileError(f"{path}: is a symbolic link; refusing it. Replace it with the real "
                           "file (or run `wfhaudit keys init --force`)")
    if not stat.S_ISREG(st.st_mode):
        raise KeyFileError(f"{path}: is not a regular file; refusing it")
    if st.st_uid != os.geteuid():
        raise KeyFileError(f"{path}: belongs to another user (uid {st.st_uid}); refusing it")
    if st.st_mode & 0o077:
        raise KeyFileError(f"{path}: readable by other users (mode {stat.S_IMODE(st.st_mode):o});"
                           f" fix with `chmod 600 {path}`")


def prepare_system_dir() -> Path:
    """Create the system key folder closed to everyone but root (POSIX: 0700 root)."""
    folder = system_dir()
    if os.name == "posix":
        if os.geteuid() != 0:
            raise KeyFileError("system custody keeps the key where only root can read it: run "
                               "`sudo wfhaudit keys init --custody system` (or from the "
                               "installer), then run checks as the wfhaudit service")
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = os.lstat(folder)
        if stat.S_ISLNK(st.st_mode) or st.st_uid != 0:
            raise KeyFileError(f"{folder}: exists and is not a root-owned folder; refusing it")
        os.chmod(folder, 0o700)
    else:
        folder.mkdir(parents=True, exist_ok=True)
    return folder
