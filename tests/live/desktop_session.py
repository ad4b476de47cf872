"""A throw-away desktop user for screen-lock tests: a HOME with real dconf/KConfig settings.

Settings are written the way a desktop writes them: `gsettings set` and `dconf write` talk to
dconf-service over a private session bus that `dbus-run-session` starts and stops around the
writes; KDE's file is written by kwriteconfig5. The probe then reads them back with the real
gsettings/kreadconfig5 through a LiveHost whose HOME is this folder. The desktop itself is a
process named like its shell (a copy of sleep), which is all the probe looks for.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import TracebackType

TOOLS = ("dbus-run-session", "dconf", "gsettings", "ps")
KDE_TOOLS = ("kreadconfig5", "kwriteconfig5")


class DesktopSession:
    """A HOME folder plus a running process named after a desktop shell (e.g. gnome-shell)."""

    def __init__(self, root: Path, shell: str | None = "gnome-shell") -> None:
        self.root = root
        self.home = root / "home"
        self.home.mkdir(mode=0o700)
        self.runtime = root / "run"
        self.runtime.mkdir(mode=0o700)
        self.proc: subprocess.Popen[bytes] | None = None
        self.extra_env: dict[str, str] = {}
        if shell:
            fake = root / "bin" / shell
            fake.parent.mkdir()
            shutil.copy("/bin/sleep", fake)
            self.proc = subprocess.Popen([str(fake), "600"], stdin=subprocess.DEVNULL)

    def env(self) -> dict[str, str]:
        """What a LiveHost (and the writers) see: this HOME, a C locale."""
        return {"HOME": str(self.home), "XDG_RUNTIME_DIR": str(self.runtime),
                "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", **self.extra_env}

    def write(self, *commands: list[str]) -> None:
        """Run settings writers (gsettings set, dconf write) on one private session bus."""
        script = " && ".join(" ".join(_quote(a) for a in cmd) for cmd in commands)
        subprocess.run(["dbus-run-session", "--", "sh", "-c", script], env=self.env(),
                       check=True, timeout=60, capture_output=True)

    def kwrite(self, file: str, group: str, key: str, value: str) -> None:
        """Write one KConfig key the way KDE's settings do."""
        subprocess.run(["kwriteconfig5", "--file", file, "--group", group, "--key", key, value],
                       env=self.env(), check=True, timeout=30, capture_output=True)

    def close(self) -> None:
        """Stop the fake desktop process."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def __enter__(self) -> DesktopSession:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"
