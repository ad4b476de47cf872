"""`sudo wfhaudit check` from a desktop session reads the invoking user's audio session.

A real PulseAudio daemon runs as an unprivileged user (`nobody`) with its socket in
/run/user/<uid>, where a desktop login keeps it. The check then runs as root in a sudo-like
environment (SUDO_UID/SUDO_USER set, no XDG_RUNTIME_DIR): the audio commands must run as that
user, in that session, and the headset facts must be observed, not UNKNOWN.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_root_tool
from tests.live.audio_server import PulseServer, available, sink, source

from wfhaudit.host import LiveHost
from wfhaudit.host.session import session_user
from wfhaudit.probes import load_probe
from wfhaudit.probes.base import ProbeContext

pytestmark = pytest.mark.live

USB_OUT = "alsa_output.usb-GN_Netcom_A_S_Jabra_EVOLVE_LINK-00.analog-stereo"
USB_IN = "alsa_input.usb-GN_Netcom_A_S_Jabra_EVOLVE_LINK-00.mono-fallback"
USB = ("device.bus=usb device.form_factor=headset "
       "device.bus_path=pci-0000:00:14.0-usb-0:2:1.0 device.api=alsa")
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def desktop_user() -> Iterator[tuple[pwd.struct_passwd, PulseServer]]:
    """`nobody` with a PulseAudio session in /run/user/<uid> (made here, removed after)."""
    require_root_tool("pulseaudio", "pactl")
    why = available()
    if why:
        pytest.skip(f"live audio test skipped: {why}")
    user = pwd.getpwnam("nobody")
    runtime = Path("/run/user") / str(user.pw_uid)
    if runtime.exists():
        pytest.fail(f"{runtime} already exists: a real session of {user.pw_name}? not touching it")
    runtime.parent.mkdir(mode=0o755, exist_ok=True)
    server = None
    try:
        runtime.mkdir(mode=0o700)
        server = PulseServer([sink(USB_OUT, "Jabra EVOLVE LINK Analog Stereo", USB),
                              source(USB_IN, "Jabra EVOLVE LINK Mono", USB,
                                     Path("{dir}/usb.fifo"), rate=16000, channels=1)],
                             user=user.pw_uid, runtime=runtime)
        server.set_defaults(USB_OUT, USB_IN)
        yield user, server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(runtime, ignore_errors=True)


def _sudo_env(user: pwd.struct_passwd, home: Path) -> dict[str, str]:
    """What `sudo` leaves: root's HOME and PATH, the invoking user in SUDO_*, no session vars."""
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LC_ALL": "C.UTF-8",
            "SUDO_UID": str(user.pw_uid), "SUDO_GID": str(user.pw_gid),
            "SUDO_USER": user.pw_name, "SUDO_COMMAND": "/usr/bin/wfhaudit check",
            "WFHAUDIT_HOME": str(home), "PYTHONPATH": str(SRC), "NO_COLOR": "1"}


def test_session_user_is_found_from_sudo_variables(
        desktop_user: tuple[pwd.struct_passwd, PulseServer]) -> None:
    user, _ = desktop_user
    found = session_user({"SUDO_UID": str(user.pw_uid)}, 0)
    assert found is not None and found.uid == user.pw_uid and found.name == user.pw_name
    assert found.runtime_dir == f"/run/user/{user.pw_uid}" and found.via == "SUDO_UID"
    assert session_user({"SUDO_UID": str(user.pw_uid)}, 1000) is None  # not root: no one to act for


def test_probe_as_root_reads_the_invoking_users_headset(
        desktop_user: tuple[pwd.struct_passwd, PulseServer]) -> None:
    user, _ = desktop_user
    session = session_user({"SUDO_UID": str(user.pw_uid)}, os.geteuid())
    host = LiveHost(env={"HOME": "/root"}, session=session)
    facts = {f.key: f for f in load_probe("audio").collect(ProbeContext(host=host))}
    assert facts["audio.default_output_is_headset"].value is True
    assert facts["audio.default_input_is_headset"].value is True
    assert facts["audio.headset_name"].value == "Jabra EVOLVE LINK Analog Stereo"
    pactl = [c for c in host.evidence.commands if c.argv[0] == "pactl"]
    assert pactl and all(c.user == f"nobody (uid {user.pw_uid}, from SUDO_UID)" for c in pactl)
    # Without the session, root has no audio server to ask: that is the catch-22 this fixes.
    plain = {f.key: f for f in load_probe("audio").collect(
        ProbeContext(host=LiveHost(env={"HOME": "/root"})))}
    assert not plain["audio.default_output_is_headset"].is_known


def test_sudo_check_end_to_end(desktop_user: tuple[pwd.struct_passwd, PulseServer],
                               tmp_path: Path) -> None:
    user, _ = desktop_user
    home = tmp_path / "data"
    home.mkdir(mode=0o700)
    record = tmp_path / "evidence.json"
    proc = subprocess.run(
        [sys.executable, "-m", "wfhaudit", "check", "--only", "audio", "--json",
         "--out", str(tmp_path / "reports"), "--record", str(record)],
        env=_sudo_env(user, home), capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    facts = json.loads(proc.stdout)["facts"]
    for key in ("audio.headset_present", "audio.default_output_is_headset",
                "audio.default_input_is_headset"):
        assert facts[key]["status"] == "observed" and facts[key]["value"] is True, facts[key]
    evidence = json.loads(record.read_text(encoding="utf-8"))
    assert evidence["session"]["uid"] == user.pw_uid and evidence["session"]["via"] == "SUDO_UID"
    users = {c.get("user") for c in evidence["commands"] if c["argv"][0] == "pactl"}
    assert users == {f"nobody (uid {user.pw_uid}, from SUDO_UID)"}
    assert f"audio session of nobody (uid {user.pw_uid}, from SUDO_UID)" in proc.stderr
