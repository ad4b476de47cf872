"""Kills the process groups of wfhaudit's commands when wfhaudit ends, however it ends.

Run by `wfhaudit.host.runner` as a small separate process (`python -I -S reaper.py`, so it
imports nothing but the standard library). wfhaudit writes `+PGID` on its stdin when a
command starts and `-PGID` when it is over. End of input means wfhaudit has exited, even by
SIGKILL, which no handler inside wfhaudit can see: every group still listed is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys


def main() -> None:
    """Read +/-PGID lines until end of input, then kill the groups still running."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only end of input ends this process
    live: set[int] = set()
    for line in sys.stdin.buffer:
        text = line.strip()
        if len(text) < 2 or not text[1:].isdigit():
            continue
        pgid = int(text[1:])
        if text[:1] == b"+":
            live.add(pgid)
        else:
            live.discard(pgid)
    for pgid in live:
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)


if __name__ == "__main__":
    main()
