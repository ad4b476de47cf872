"""All-or-nothing outputs: stream each into a temp file beside it, rename all at the end.

The same technique as `wfhaudit.util.files.write_atomic` (temp file in the target's folder,
fsync, chmod, rename, fsync the folder), but streaming, so a 100 MB JSON summary is never a
string in memory, and staged, so either every output of a run appears or none does:

    prepare()   flush and fsync every temp file (a full disk shows here, before anything moves)
    publish()   rename them over their targets, keeping each previous target as a hard link
    undo()      put the previous targets back (when what had to follow publish() failed)
    finish()    drop the kept previous targets
    discard()   remove every temp file; the targets stay as they were

The target `-` is stdout: staged in an anonymous temp file and copied out by finish() after a
successful publish(), never by discard().
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TextIO

from wfhaudit.util import signals
from wfhaudit.util.files import fsync_dir, storage_error, sweep_temp_files, temp_beside

STDOUT = Path("-")


class StagedOutputs:
    """Temp files opened beside their targets (see the module docstring for the steps)."""

    def __init__(self, stdout: TextIO | None = None, mode: int = 0o644) -> None:
        self.mode = mode
        self._stdout = stdout
        self._piped: list[TextIO] = []
        self._published = False
        self._staged: list[tuple[Path, str, TextIO]] = []
        self._kept: list[tuple[Path, str | None]] = []  # (target, link to its previous file)

    def open(self, target: Path) -> TextIO:
        """A text file to write the output into (UTF-8, '\\n' newlines)."""
        if target == STDOUT:
            if self._stdout is None:
                raise ValueError("no stdout to write '-' to")
            # Closed by finish() or discard(), like the staged files.
            piped = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
            self._piped.append(piped)
            return piped
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            sweep_temp_files(target.parent)
            with signals.deferred():  # created and listed for discard(), or neither
                fd, tmp = temp_beside(target)
                fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
                self._staged.append((target, tmp, fh))
        except OSError as exc:
            raise storage_error(exc, target) from None
        return fh

    def prepare(self) -> None:
        """Flush, fsync and close every temp file."""
        for target, tmp, fh in self._staged:
            try:
                if not fh.closed:
                    fh.flush()
                    os.fsync(fh.fileno())
                    fh.close()
                os.chmod(tmp, self.mode)
            except OSError as exc:
                raise storage_error(exc, target) from None

    def publish(self) -> list[Path]:
        """Rename every temp file over its target, keeping a link to each previous target."""
        self.prepare()
        done = []
        try:
            for target, tmp, _ in self._staged:
                self._kept.append((target, self._keep(target)))
                os.replace(tmp, target)
                done.append(target)
            for folder in {t.parent for t, _, _ in self._staged}:
                fsync_dir(folder)
        except OSError as exc:
            self.undo()
            raise storage_error(exc, done[-1] if done else self._staged[0][0]) from None
        self._staged = []
        self._published = True
        return done

    @staticmethod
    def _keep(target: Path) -> str | None:
        if not target.exists():
            return None
        fd, keep = temp_beside(target)
        os.close(fd)
        os.unlink(keep)
        try:
            os.link(target, keep)
        except OSError:  # no hard links here: the previous output cannot be put back
            return ""
        return keep

    def undo(self) -> None:
        """Put back the targets replaced by publish() (those that had no previous file go)."""
        for target, keep in reversed(self._kept):
            with contextlib.suppress(OSError):
                if keep:
                    os.replace(keep, target)
                elif keep is None:
                    os.unlink(target)
        self._kept = []

    def finish(self) -> None:
        """Drop the links to the previous targets; after a publish, copy `-` outputs to stdout."""
        for _, keep in self._kept:
            if keep:
                with contextlib.suppress(OSError):
                    os.unlink(keep)
        self._kept = []
        for piped in self._piped:
            if self._published and self._stdout is not None:
                piped.seek(0)
                shutil.copyfileobj(piped, self._stdout)
                self._stdout.flush()
            piped.close()
        self._piped = []

    def discard(self) -> None:
        """Close and delete every temp file (targets are left as they were)."""
        for _, tmp, fh in self._staged:
            with contextlib.suppress(OSError):
                fh.close()
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self._staged = []
        self.finish()

    def commit(self) -> list[Path]:
        """publish() and finish(): for outputs that need nothing else to succeed with them."""
        done = self.publish()
        self.finish()
        return done
