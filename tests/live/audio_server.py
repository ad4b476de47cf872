"""A throw-away PulseAudio daemon for the audio live tests (private runtime dir, null devices).

PulseAudio 16.1 run as root without --system only warns ("This program is not intended to be
run as root"), so the test runs it as root in user mode with its own XDG_RUNTIME_DIR and HOME
in a temp dir (prefix wfh-audio-): no system daemon, no shared socket, nothing left behind.
With `user` (a uid) the daemon and every pactl run as that user instead, with `runtime` as its
XDG_RUNTIME_DIR (the sudo test passes /run/user/<uid>, where a desktop session keeps it).
module-null-source has no property argument in 16.1, so inputs are module-pipe-source (which
takes source_properties) reading a FIFO nobody writes to.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

STARTUP_S = 8.0


def sink(name: str, desc: str, props: str, rate: int = 48000, channels: int = 2) -> str:
    """A default.pa line for a null sink with device properties."""
    return (f"load-module module-null-sink sink_name={name} rate={rate} channels={channels} "
            f"sink_properties=\"{props} device.description='{desc.replace(' ', chr(92) + ' ')}'\"")


def source(name: str, desc: str, props: str, fifo: Path, rate: int = 48000, channels: int = 2) -> str:
    """A default.pa line for a pipe source with device properties."""
    return (f"load-module module-pipe-source source_name={name} file={fifo} rate={rate} "
            f"channels={channels} "
            f"source_properties=\"{props} device.description='{desc.replace(' ', chr(92) + ' ')}'\"")


class PulseServer:
    """Start pulseaudio with the given module lines; `pactl(...)` talks to it; `stop()` ends it."""

    def __init__(self, lines: list[str], user: int | None = None,
                 runtime: Path | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="wfh-audio-"))
        self.runtime = runtime or self.dir / "run"
        self.home = self.dir / "home"
        self.runtime.mkdir(mode=0o700, exist_ok=runtime is not None)
        self.home.mkdir(mode=0o700)
        self.drop: dict[str, object] = {}
        if user is not None:
            gid = pwd.getpwuid(user).pw_gid
            for path in (self.dir, self.runtime, self.home):  # the daemon makes its FIFOs here
                os.chown(path, user, gid)
            self.drop = {"user": user, "group": gid, "extra_groups": []}
        script = self.dir / "default.pa"
        script.write_text("\n".join(
            ["load-module module-native-protocol-unix auth-anonymous=1",
             *(line.replace("{dir}", str(self.dir)) for line in lines)]) + "\n")
        self.env = {"XDG_RUNTIME_DIR": str(self.runtime), "HOME": str(self.home),
                    "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
        self.log = (self.dir / "pulseaudio.log").open("wb")
        self.proc = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--system=false",
             "--use-pid-file=no", "--disallow-exit=no", "-F", str(script)],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=self.env,
            **self.drop)  # type: ignore[call-overload]
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self.pactl("info", check=False).returncode == 0:
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pulseaudio did not start: {(self.dir / 'pulseaudio.log').read_text()[-800:]}"
                           if (self.dir / "pulseaudio.log").exists() else "pulseaudio did not start")

    def pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run pactl against this server."""
        return subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True,
                              timeout=5, check=check, **self.drop)  # type: ignore[call-overload]

    def set_defaults(self, sink_name: str, source_name: str) -> None:
        """Select the default sink and source."""
        self.pactl("set-default-sink", sink_name)
        self.pactl("set-default-source", source_name)

    def host_env(self) -> dict[str, str]:
        """The environment a LiveHost passes to pactl to reach this server."""
        return {"XDG_RUNTIME_DIR": str(self.runtime), "HOME": str(self.home)}

    def stop(self) -> None:
        """Terminate our daemon (by its own pid) and remove the temp dir."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def available() -> str | None:
    """None when a live PulseAudio can run here, else why not."""
    missing = [t for t in ("pulseaudio", "pactl") if shutil.which(t) is None]
    if missing:
        return f"needs {', '.join(missing)} (Debian packages pulseaudio, pulseaudio-utils)"
    if not hasattr(os, "mkfifo"):
        return "needs FIFOs"
    return None
