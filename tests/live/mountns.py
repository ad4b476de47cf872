"""A test host that runs each probe command in a private mount namespace with folders swapped in.

The probe keeps its production argv and paths (`apt-get -s ...`, /var/lib/clamav, /run/...);
the test decides what those paths hold by bind-mounting throw-away folders over them in a
namespace made for each command (`unshare -m`), so the machine's own state is never touched.
Evidence is recorded under the probe's argv and paths, exactly as the product records it.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Mapping, Sequence

from wfhaudit.host import TRUSTED_PATH, CommandResult, LiveHost

_SCRIPT = ('mount --make-rprivate / && while [ "$1" != "--" ]; do '
           'mount --bind "$1" "$2" || exit 97; shift 2; done; shift; exec "$@"')


class MountNsHost(LiveHost):
    """LiveHost whose commands and file reads see `binds` (source folder -> path it hides)."""

    def __init__(self, binds: Mapping[str, str]) -> None:
        super().__init__()
        pairs = [part for src, dst in binds.items() for part in (src, dst)]
        self.prefix = ("unshare", "-m", "sh", "-c", _SCRIPT, "sh", *pairs, "--")

    def inside(self, argv: Sequence[str], timeout: float = 30.0) -> CommandResult:
        """Run argv in the namespace without recording it (test set-up and cross-checks)."""
        return self._execute((*self.prefix, *argv), timeout)

    def run(self, argv: Sequence[str], timeout: float = 5.0,
            scrub: Callable[[str], str] | None = None) -> CommandResult:
        """Run argv in the namespace; record it under argv as the product would."""
        argv_t = tuple(argv)
        if shutil.which(argv_t[0], path=TRUSTED_PATH["linux"]) is None:
            result = CommandResult(argv_t, None, error="not_found")
        else:
            inner = self.inside(argv_t, timeout)
            result = CommandResult(argv_t, inner.returncode, inner.stdout, inner.stderr,
                                   inner.duration_ms, inner.error)
        if scrub is not None:
            result = dataclasses.replace(result, stdout=scrub(result.stdout),
                                         stderr=scrub(result.stderr))
        self.evidence.commands.append(result)
        return result

    def read_file(self, path: str) -> str | None:
        """Read a file as the namespace shows it."""
        inner = self.inside(("cat", "--", path), 10.0)
        content = inner.stdout if inner.ok else None
        self.evidence.files[path] = content
        return content

    def list_dir(self, path: str) -> list[str] | None:
        """List a folder as the namespace shows it."""
        inner = self.inside(("ls", "-1A", "--", path), 10.0)
        names = sorted(inner.stdout.splitlines()) if inner.ok else None
        self.evidence.dirs[path] = names
        return names
