"""Live automatic sign-in: real display-manager files at their real paths, in a private /etc.

Each case copies this machine's /etc, adds display-manager files to the copy, and runs the
probe in a child process whose mount namespace has the copy bound over /etc (`unshare -m`), so
the probe reads /etc/gdm3/custom.conf and friends exactly where a real system keeps them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require_root_tool

pytestmark = pytest.mark.live
SRC = Path(__file__).resolve().parents[2] / "src"
PROBE = ("import json;from wfhaudit.host import LiveHost;from wfhaudit.probes import load_probe;"
         "from wfhaudit.probes.base import ProbeContext;"
         "f=load_probe('signin').collect(ProbeContext(host=LiveHost()))[0];"
         "print(json.dumps(f.to_dict()))")


@pytest.fixture
def etc(tmp_path: Path) -> Path:
    require_root_tool("unshare", "mount")
    copy = tmp_path / "etc"
    shutil.copytree("/etc", copy, symlinks=True)
    for leftover in ("systemd/system/display-manager.service", "X11/default-display-manager",
                     "gdm3", "gdm", "lightdm", "sddm.conf", "sddm.conf.d",
                     "systemd/system/getty@tty1.service.d", "systemd/system/getty@.service.d"):
        path = copy / leftover
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    return copy


def _probe(etc: Path) -> dict[str, Any]:
    script = 'mount --bind "$1" /etc && exec "$2" -c "$3"'
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    res = subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                          script, "sh", str(etc), sys.executable, PROBE],
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    fact: dict[str, Any] = json.loads(res.stdout)
    return fact


def _enable(etc: Path, unit: str, program: str) -> None:
    (etc / "systemd/system" / unit).write_text(
        f"[Unit]\nDescription=test display manager\n[Service]\nExecStart={program}\n")
    (etc / "systemd/system/display-manager.service").symlink_to(f"/etc/systemd/system/{unit}")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_no_display_manager(etc: Path) -> None:
    fact = _probe(etc)
    assert fact["value"] is False
    assert "no display manager is enabled" in fact["detail"]


def test_gdm_automatic_login(etc: Path) -> None:
    _enable(etc, "gdm3.service", "/usr/sbin/gdm3")
    _write(etc / "gdm3/custom.conf", "[daemon]\nAutomaticLoginEnable = true\nAutomaticLogin = agent\n")
    fact = _probe(etc)
    assert fact["value"] is True
    assert "/etc/gdm3/custom.conf" in fact["detail"]


def test_gdm_commented_out_is_off(etc: Path) -> None:
    _enable(etc, "gdm3.service", "/usr/sbin/gdm3")
    _write(etc / "gdm3/daemon.conf", "[daemon]\n#  AutomaticLoginEnable = true\n#  AutomaticLogin = agent\n")
    fact = _probe(etc)
    assert fact["value"] is False
    assert "GDM (the enabled display manager)" in fact["detail"]


def test_lightdm_drop_in_then_main_file_overrides(etc: Path) -> None:
    _enable(etc, "lightdm.service", "/usr/sbin/lightdm")
    _write(etc / "lightdm/lightdm.conf.d/50-autologin.conf", "[Seat:*]\nautologin-user=agent\n")
    assert _probe(etc)["value"] is True
    _write(etc / "lightdm/lightdm.conf", "[Seat:*]\nautologin-user=\n")
    assert _probe(etc)["value"] is False


def test_only_the_enabled_manager_counts(etc: Path) -> None:
    _enable(etc, "lightdm.service", "/usr/sbin/lightdm")
    _write(etc / "sddm.conf", "[Autologin]\nUser=agent\nSession=plasma\n")
    assert _probe(etc)["value"] is False
    (etc / "systemd/system/display-manager.service").unlink()
    fact = _probe(etc)
    assert fact["value"] is True
    assert "SDDM: [Autologin] User is set" in fact["detail"]


def test_getty_autologin_on_the_console(etc: Path) -> None:
    _write(etc / "systemd/system/getty@tty1.service.d/autologin.conf",
           "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin agent --noclear %I $TERM\n")
    fact = _probe(etc)
    assert fact["value"] is True
    assert "text console" in fact["detail"]
