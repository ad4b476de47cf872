"""Test-only plumbing for live firewall tests: throw-away network namespaces and a prefixed host.

`PrefixHost` is a LiveHost whose commands and file reads run under an argv prefix (for example
`ip netns exec wfh-fw-123-0`), and are recorded under the probe's own argv, so the evidence it
collects is exactly what the product would record on a machine in that state. The prefix is a
test device only; the product never runs anything through it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from wfhaudit.host import TRUSTED_PATH, CommandResult, LiveHost

_COUNTER = itertools.count()
NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")


class PrefixHost(LiveHost):
    """LiveHost that runs every command and file read under an argv prefix (tests only)."""

    def __init__(self, prefix: Sequence[str]) -> None:
        super().__init__()
        self.prefix = tuple(prefix)

    def run(self, argv: Sequence[str], timeout: float = 5.0) -> CommandResult:
        """Run prefix + argv; record the result under argv as the product would."""
        argv_t = tuple(argv)
        if shutil.which(argv_t[0], path=TRUSTED_PATH["linux"]) is None:
            result = CommandResult(argv_t, None, error="not_found")
        else:
            inner = self._execute((*self.prefix, *argv_t), timeout)
            result = CommandResult(argv_t, inner.returncode, inner.stdout, inner.stderr,
                                   inner.duration_ms, inner.error)
        self.evidence.commands.append(result)
        return result

    def read_file(self, path: str) -> str | None:
        """Read a file as seen inside the prefix (e.g. /proc/net of the namespace)."""
        inner = self._execute((*self.prefix, "cat", path), 5.0)
        content = inner.stdout if inner.ok else None
        self.evidence.files[path] = content
        return content


class FwNetns:
    """A network namespace `wfh-fw-<pid>-<n>` with helpers to load rules; removed on close()."""

    def __init__(self) -> None:
        self.name = f"wfh-fw-{os.getpid()}-{next(_COUNTER)}"
        self._tmp: list[Path] = []
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True,
                       timeout=10)
        self.exec("ip", "link", "set", "lo", "up")

    def exec(self, *argv: str, stdin: str | None = None) -> str:
        """Run argv inside the namespace; fail the test with stderr when it fails."""
        proc = subprocess.run(["ip", "netns", "exec", self.name, *argv], input=stdin,
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, f"{' '.join(argv)}: {proc.stderr.strip()}"
        return proc.stdout

    def nft(self, script: str) -> None:
        """Load an nft script (`nft -f -`) into the namespace."""
        self.exec("nft", "-f", "-", stdin=script)

    def ufw_prefix(self) -> tuple[str, ...]:
        """A prefix that runs inside the namespace with a private copy of /etc/ufw mounted.

        `ufw enable` writes ENABLED=yes to /etc/ufw/ufw.conf; a private mount namespace with a
        bind-mounted copy keeps the machine's own configuration untouched.
        """
        if not self._tmp:
            copy = Path(tempfile.mkdtemp(prefix="wfh-fw-ufwetc-"))
            shutil.copytree("/etc/ufw", copy, dirs_exist_ok=True)
            self._tmp.append(copy)
        script = ('d=$1; ns=$2; shift 2; mount --make-rprivate / && '
                  'mount --bind "$d" /etc/ufw && exec ip netns exec "$ns" "$@"')
        return ("unshare", "-m", "sh", "-c", script, "sh", str(self._tmp[0]), self.name)

    def host(self, prefix: Sequence[str] = ()) -> PrefixHost:
        """A host whose commands run in this namespace (optionally under an extra prefix)."""
        return PrefixHost(prefix or ("ip", "netns", "exec", self.name))

    def close(self) -> None:
        """Delete the namespace (its rules go with it) and the temporary /etc/ufw copy."""
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=10)
        for path in self._tmp:
            shutil.rmtree(path, ignore_errors=True)
