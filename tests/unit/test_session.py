"""Whose desktop session a root run acts for (sudo/pkexec), its environment, and its evidence."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.host.session import Account, SessionUser, session_user


def _accounts(uid: int) -> Account | None:
    return {1000: Account("alice", 1000, "/home/alice", (1000, 29, 100))}.get(uid)


def test_sudo_uid_names_the_user_and_its_runtime_folder(tmp_path: Path) -> None:
    runtime = tmp_path / "1000"
    runtime.mkdir(mode=0o700)
    os.chown(runtime, 1000, 1000)
    found = session_user({"SUDO_UID": "1000", "SUDO_USER": "alice"}, 0, _accounts,
                         str(tmp_path))
    assert found == SessionUser(1000, 1000, "alice", "/home/alice", str(runtime), "SUDO_UID",
                                (1000, 29, 100))
    assert found.describe() == "alice (uid 1000, from SUDO_UID)"


def test_pkexec_wins_and_a_runtime_folder_of_someone_else_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "1000").mkdir()  # owned by root here: not the user's session
    found = session_user({"PKEXEC_UID": "1000", "SUDO_UID": "1001"}, 0, _accounts,
                         str(tmp_path))
    assert found is not None and found.via == "PKEXEC_UID" and found.runtime_dir is None


@pytest.mark.parametrize(("env", "euid"), [
    ({"SUDO_UID": "1000"}, 1000),   # not root: nobody to act for
    ({"SUDO_UID": "0"}, 0),         # sudo from root
    ({"SUDO_UID": "abc"}, 0),
    ({"SUDO_UID": "4242"}, 0),      # no such account
    ({}, 0),
])
def test_no_session_user(env: dict[str, str], euid: int) -> None:
    assert session_user(env, euid, _accounts, "/nonexistent") is None


def test_environment_points_at_the_users_session_not_roots() -> None:
    user = SessionUser(1000, 1000, "alice", "/home/alice", "/run/user/1000", "SUDO_UID")
    env = user.env({"PATH": "/usr/bin:/bin", "LC_ALL": "C", "HOME": "/root",
                    "XDG_RUNTIME_DIR": "/run/user/0", "PULSE_SERVER": "unix:/root/pulse"})
    assert env == {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "HOME": "/home/alice",
                   "USER": "alice", "LOGNAME": "alice", "XDG_RUNTIME_DIR": "/run/user/1000",
                   "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}
    options = user.popen_options({"PATH": "/bin"})
    assert options["user"] == 1000 and options["group"] == 1000 and options["cwd"] == "/"
    assert "XDG_RUNTIME_DIR" not in SessionUser(1000, 1000, "alice", "/home/alice", None,
                                                "SUDO_UID").env({})


def test_session_and_per_command_user_survive_record_and_replay() -> None:
    user = SessionUser(1000, 1000, "alice", "/home/alice", "/run/user/1000", "SUDO_UID")
    evidence = Evidence(OsInfo("linux"), [CommandResult(("pactl", "info"), 0, "x",
                                                        user=user.describe())], session=user)
    bundle = json.loads(json.dumps(evidence.to_dict()))
    assert bundle["session"]["name"] == "alice" and bundle["commands"][0]["user"] == user.describe()
    replay = RecordedHost(Evidence.from_dict(bundle))
    assert replay.session == SessionUser(1000, 1000, "alice", "/home/alice", "/run/user/1000",
                                         "SUDO_UID")
    assert replay.run(["pactl", "info"], as_user=1000).user == user.describe()
    # A bundle without a session (every older one) has none, and keeps its exact shape.
    plain = Evidence(OsInfo("linux"), [CommandResult(("true",), 0)]).to_dict()
    assert "session" not in plain and "user" not in plain["commands"][0]
