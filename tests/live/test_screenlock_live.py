"""Live screen lock: real dconf/gsettings and kreadconfig5 settings, read back through LiveHost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_root_tool
from tests.live.desktop_session import KDE_TOOLS, TOOLS, DesktopSession

from wfhaudit.facts import Fact
from wfhaudit.host import LiveHost
from wfhaudit.probes import load_probe
from wfhaudit.probes.base import ProbeContext

pytestmark = pytest.mark.live
SAVER = "org.gnome.desktop.screensaver"
SESSION = "org.gnome.desktop.session"


def _facts(session: DesktopSession) -> dict[str, Fact]:
    host = LiveHost(env=session.env())
    return {f.key: f for f in load_probe("screenlock").collect(ProbeContext(host=host))}


@pytest.fixture
def gnome(tmp_path: Path) -> Iterator[DesktopSession]:
    require_root_tool(*TOOLS)
    with DesktopSession(tmp_path, "gnome-shell") as session:
        yield session


def test_gnome_defaults_lock_after_five_minutes(gnome: DesktopSession) -> None:
    facts = _facts(gnome)
    assert facts["screenlock.enabled"].value is True
    assert facts["screenlock.idle_minutes"].value == 5
    assert facts["screenlock.password_required"].value is True
    assert "idle-delay 300 s, lock-delay 0 s" in (facts["screenlock.enabled"].detail or "")


def test_gnome_settings_written_over_dbus_are_read(gnome: DesktopSession) -> None:
    gnome.write(["gsettings", "set", SESSION, "idle-delay", "600"],
                ["dconf", "write", "/org/gnome/desktop/screensaver/lock-delay", "uint32 30"])
    facts = _facts(gnome)
    assert facts["screenlock.enabled"].value is True
    assert facts["screenlock.idle_minutes"].value == 10.5
    assert (gnome.home / ".config" / "dconf" / "user").is_file()


def test_gnome_blank_without_lock_is_not_a_lock(gnome: DesktopSession) -> None:
    gnome.write(["gsettings", "set", SESSION, "idle-delay", "600"],
                ["gsettings", "set", SAVER, "lock-enabled", "false"])
    facts = _facts(gnome)
    assert facts["screenlock.enabled"].value is False
    assert facts["screenlock.password_required"].value is False
    assert not facts["screenlock.idle_minutes"].is_known
    assert "blanks after 10 min but lock-enabled is false" in (
        facts["screenlock.idle_minutes"].reason or "")


def test_gnome_never_idle(gnome: DesktopSession) -> None:
    gnome.write(["dconf", "write", "/org/gnome/desktop/session/idle-delay", "uint32 0"])
    facts = _facts(gnome)
    assert facts["screenlock.enabled"].value is False
    assert facts["screenlock.password_required"].value is True
    assert "never goes idle" in (facts["screenlock.enabled"].detail or "")


def test_gnome_lockdown_disables_the_lock(gnome: DesktopSession) -> None:
    gnome.write(["gsettings", "set", "org.gnome.desktop.lockdown", "disable-lock-screen", "true"])
    facts = _facts(gnome)
    assert facts["screenlock.enabled"].value is False
    assert facts["screenlock.password_required"].value is False


def test_no_desktop_process_is_unknown(tmp_path: Path) -> None:
    require_root_tool(*TOOLS)
    with DesktopSession(tmp_path, shell=None) as session:
        facts = _facts(session)
    assert all(not f.is_known for f in facts.values())
    assert "no desktop session" in (facts["screenlock.enabled"].reason or "")


def test_kde_settings_written_by_kwriteconfig(tmp_path: Path) -> None:
    require_root_tool(*TOOLS, *KDE_TOOLS)
    with DesktopSession(tmp_path, "plasmashell") as kde:
        kde.kwrite("kscreenlockerrc", "Daemon", "Timeout", "3")
        kde.kwrite("kscreenlockerrc", "Daemon", "LockGrace", "30")
        facts = _facts(kde)
        assert facts["screenlock.enabled"].value is True
        assert facts["screenlock.idle_minutes"].value == 3.5
        assert facts["screenlock.password_required"].value is True
        kde.kwrite("kscreenlockerrc", "Daemon", "Autolock", "false")
        facts = _facts(kde)
        assert facts["screenlock.enabled"].value is False
        assert facts["screenlock.password_required"].value is False
