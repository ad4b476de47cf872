"""All-or-nothing outputs: stream each into a temp file beside it, rename all at the end.

The same technique as `wfhaudit.util.files.write_atomic` (temp file in the target's folder,
fsync, chmod, rename), but streaming, so a 100 MB JSON summary is never a string in memory,
and staged, so either every output of a run appears or none does. The target `-` is stdout:
staged in an anonymous temp file and copied out at commit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TextIO

STDOUT = Path("-")


class StagedOutputs:
    """Temp files opened beside their targets; commit() renames them, discard() removes them."""

    def __init__(self, stdout: TextIO | None = None) -> None:
        self._staged: list[tuple[Path, str, TextIO]] = []
        self._stdout = stdout
        self._piped: list[TextIO] = []

    def open(self, target: Path) -> TextIO:
        """A text file to write the output into (UTF-8, '\\n' newlines)."""
        if target == STDOUT:
            if self._stdout is None:
                raise ValueError("no stdout to write '-' to")
            # Closed by commit() or discard(), like the staged files.
            fh = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
            self._piped.append(fh)
            return fh
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._staged.append((target, tmp, fh))
        return fh

    def commit(self, mode: int = 0o644) -> list[Path]:
        """Flush and fsync every file, then rename each over its target."""
        for _, tmp, fh in self._staged:
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            os.chmod(tmp, mode)
        done = []
        for target, tmp, _ in self._staged:
            os.replace(tmp, target)
            done.append(target)
        self._staged = []
        for fh in self._piped:
            assert self._stdout is not None  # noqa: S101 - open() checked it
            fh.seek(0)
            shutil.copyfileobj(fh, self._stdout)
            fh.close()
            self._stdout.flush()
            done.append(STDOUT)
        self._piped = []
        return done

    def discard(self) -> None:
        """Close and delete every temp file (targets are left as they were)."""
        for _, tmp, fh in self._staged:
            with contextlib.suppress(OSError):
                fh.close()
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self._staged = []
        for fh in self._piped:
            fh.close()
        self._piped = []
