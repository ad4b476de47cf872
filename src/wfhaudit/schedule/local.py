"""This machine's side of a schedule: the account, the program to run and checked options."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from wfhaudit.host.platform_info import os_family
from wfhaudit.schedule.model import (
    INSTALLED_EXE,
    Account,
    ScheduleSpec,
    default_out_dir,
    is_absolute,
    parse_at,
    parse_every,
    system_data_home,
)

_ENV_KEYS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "LOCALAPPDATA", "ProgramData", "USERNAME",
             "USERDOMAIN")


def this_family() -> str:
    """linux, macos or windows for the running machine."""
    return os_family(sys.platform)


def this_account() -> Account:
    """The installing account: home folder, numeric id and the variables that move folders."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    env = {k: v for k, v in os.environ.items() if k in _ENV_KEYS and v}
    return Account(str(Path.home()), uid, env)


def this_program() -> tuple[str, ...]:
    """How to start this very wfhaudit again: the one-file executable, or this Python."""
    if getattr(sys, "frozen", False):
        return (sys.executable,)
    return (sys.executable, "-m", "wfhaudit")


def build_spec(family: str, system: bool, every: str, at: str, policy: str,
               out_dir: str | None, exe: str | None, account: Account) -> ScheduleSpec:
    """Check every option and fill the defaults; ValueError names the bad option."""
    interval = parse_every(every)
    when = parse_at(at)
    if exe is not None:
        program: tuple[str, ...] = (exe,)
    elif family == this_family():
        program = this_program()
    else:
        program = (INSTALLED_EXE[family],)
    if not is_absolute(family, program[0]):
        raise ValueError(f"--exe must be an absolute path on {family}: {program[0]!r}")
    out = out_dir or default_out_dir(family, system, account)
    if not is_absolute(family, out):
        if family != this_family():
            raise ValueError(f"--out must be an absolute path on {family}: {out!r}")
        out = str(Path(out).resolve())
    if family == this_family() and Path(policy).is_file():
        policy = str(Path(policy).resolve())
    user_id = None
    if family == "windows" and not system and "USERNAME" in account.env:
        domain = account.env.get("USERDOMAIN")
        user_id = f"{domain}\\{account.env['USERNAME']}" if domain else account.env["USERNAME"]
    return ScheduleSpec(family=family, system=system, every=interval, at=when, policy=policy,
                        out_dir=out, program=program,
                        data_home=system_data_home(family) if system else None, user_id=user_id)


def unsafe_for_system(path: str) -> str | None:
    """Why running this program as root would let another user take over, or None.

    A system-level schedule runs the program as root (or SYSTEM): the file and every folder
    above it must belong to root and be writable by nobody else.
    """
    if not hasattr(os, "getuid"):
        return None
    current = Path(path).resolve()
    for item in (current, *current.parents):
        try:
            st = item.stat()
        except OSError as exc:
            return f"{item}: {exc.strerror or exc}"
        if st.st_uid != 0:
            return f"{item} belongs to uid {st.st_uid}, not root"
        if st.st_mode & 0o022 and not (item.is_dir() and st.st_mode & 0o1000):
            return f"{item} is writable by group or others"
    return None
