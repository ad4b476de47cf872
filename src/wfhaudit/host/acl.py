"""Close the system key folder on Windows: only SYSTEM and Administrators, nothing inherited.

%ProgramData% is readable by every user by default, so the folder gets an explicit ACL with
inheritance removed. On POSIX the folder's mode (0700, root) does this (crypto/custody.py).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from wfhaudit.errors import KeyFileError

# Well-known SIDs: S-1-5-18 is LocalSystem, S-1-5-32-544 the Administrators group.
ICACLS = r"C:\Windows\System32\icacls.exe"


def icacls_argv(folder: Path) -> list[str]:
    """The icacls command that leaves SYSTEM and Administrators as the only entries."""
    return [ICACLS, str(folder), "/inheritance:r", "/grant:r", "*S-1-5-18:(OI)(CI)F",
            "/grant:r", "*S-1-5-32-544:(OI)(CI)F"]


def restrict_to_system(folder: Path) -> None:
    """Windows: set the folder's ACL; elsewhere nothing (the folder mode does it)."""
    if os.name != "nt":
        return
    done = subprocess.run(icacls_argv(folder), capture_output=True, timeout=60,
                          check=False)
    if done.returncode != 0:
        raise KeyFileError(f"{folder}: could not restrict the folder to SYSTEM and "
                           f"Administrators (icacls exit {done.returncode}); run as an "
                           "administrator")
