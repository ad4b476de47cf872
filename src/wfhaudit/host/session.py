"""The desktop user behind `sudo`/`pkexec`: whose audio session a root run reads, and how.

Run as root, wfhaudit reads the firewall and disk as root but must ask the invoking user's
own audio server (PulseAudio/PipeWire run per user, in `/run/user/<uid>`). sudo sets SUDO_UID
and pkexec PKEXEC_UID; commands for that user run with its uid, gid and groups and an
environment pointing at its runtime folder.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from wfhaudit.errors import EvidenceError

if sys.platform != "win32":  # Windows has no password database
    import pwd

RUNTIME_BASE = "/run/user"
# Checked in this order: pkexec replaces the environment, so a SUDO_UID left in it would be stale.
UID_VARIABLES = ("PKEXEC_UID", "SUDO_UID")


@dataclass(frozen=True)
class SessionUser:
    """The user a root run acts for: ids, home and runtime folder (None when not logged in)."""

    uid: int
    gid: int
    name: str
    home: str
    runtime_dir: str | None
    via: str  # the variable that named the user: SUDO_UID or PKEXEC_UID
    groups: tuple[int, ...] = ()

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        """The child environment: base (PATH, locale) plus this user's session variables."""
        env = dict(base)
        env.update({"HOME": self.home, "USER": self.name, "LOGNAME": self.name})
        for key in ("XDG_RUNTIME_DIR", "PULSE_SERVER", "PULSE_RUNTIME_PATH",
                    "DBUS_SESSION_BUS_ADDRESS", "PIPEWIRE_RUNTIME_DIR"):
            env.pop(key, None)  # root's values would point at root's session
        if self.runtime_dir is not None:
            env["XDG_RUNTIME_DIR"] = self.runtime_dir
            env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={self.runtime_dir}/bus"
        return env

    def popen_options(self, base_env: Mapping[str, str]) -> dict[str, Any]:
        """Popen keywords that run a child as this user: ids dropped before exec, its env."""
        return {"user": self.uid, "group": self.gid, "extra_groups": list(self.groups),
                "env": self.env(base_env), "cwd": "/"}

    def describe(self) -> str:
        """'alice (uid 1000, from SUDO_UID)' for evidence and reasons."""
        return f"{self.name} (uid {self.uid}, from {self.via})"

    def to_dict(self) -> dict[str, Any]:
        """Serialise for the evidence bundle."""
        return {"uid": self.uid, "gid": self.gid, "name": self.name, "home": self.home,
                "runtime_dir": self.runtime_dir, "via": self.via}

    @classmethod
    def from_dict(cls, data: Any) -> SessionUser:
        """Parse the bundle's session block."""
        try:
            uid, gid = data["uid"], data["gid"]
            if type(uid) is not int or type(gid) is not int:
                raise TypeError("uid and gid must be integers")
            runtime = data.get("runtime_dir")
            return cls(uid, gid, str(data["name"]), str(data["home"]),
                       None if runtime is None else str(runtime), str(data.get("via", "")))
        except (KeyError, TypeError) as exc:
            raise EvidenceError(f"malformed session in evidence: {exc}") from None


@dataclass(frozen=True)
class Account:
    """What the password database says about a uid."""

    name: str
    gid: int
    home: str
    groups: tuple[int, ...] = ()


def _account(uid: int) -> Account | None:
    if sys.platform == "win32":
        return None
    try:
        entry = pwd.getpwuid(uid)
    except KeyError:
        return None
    try:
        groups = tuple(os.getgrouplist(entry.pw_name, entry.pw_gid))
    except OSError:
        groups = (entry.pw_gid,)
    return Account(entry.pw_name, entry.pw_gid, entry.pw_dir, groups)


def _runtime_dir(uid: int, base: str) -> str | None:
    """base/uid when it is a real directory owned by uid (what logind creates at login)."""
    path = os.path.join(base, str(uid))
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return path if stat.S_ISDIR(st.st_mode) and st.st_uid == uid else None


def session_user(environ: Mapping[str, str], euid: int,
                 account: Callable[[int], Account | None] = _account,
                 runtime_base: str = RUNTIME_BASE) -> SessionUser | None:
    """The invoking user when running as root on behalf of someone (None otherwise)."""
    if euid != 0:
        return None
    for variable in UID_VARIABLES:
        text = environ.get(variable, "").strip()
        if not text.isdecimal() or int(text) == 0:
            continue
        uid = int(text)
        found = account(uid)
        if found is None:
            return None
        return SessionUser(uid, found.gid, found.name, found.home,
                           _runtime_dir(uid, runtime_base), variable, found.groups)
    return None


def running_as_root() -> bool:
    """True for uid 0 on Linux and macOS (Windows has no euid: the answer is False)."""
    geteuid = getattr(os, "geteuid", None)
    return geteuid is not None and geteuid() == 0


def invoking_user() -> SessionUser | None:
    """This process's invoking desktop user, when run as root through sudo or pkexec."""
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:
        return None
    return session_user(os.environ, geteuid())
