"""Pool workers die with their parent: when it dies while they run, and when it died before
they got to start (the window in which a worker imports wfhaudit)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from tests.faults.kit import SRC, assert_no_leftovers, pids_alive

# The parent starts a "worker" and exits (or waits to be killed). The worker first sleeps,
# as if importing, then calls die_with_parent with the parent's pid, then would idle.
PARENT = """
import os, subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid())])
print(worker.pid, flush=True)
time.sleep(float(sys.argv[2]))
"""
WORKER = """
import sys, time
time.sleep(0.5)
from wfhaudit.fleet.pool import die_with_parent
die_with_parent(int(sys.argv[1]))
time.sleep(60)
"""


@pytest.mark.parametrize("parent_lives", [0.0, 3.0], ids=["died-before-start", "dies-later"])
def test_a_worker_never_outlives_its_parent(parent_lives: float) -> None:
    tag = uuid.uuid4().hex
    env = dict(os.environ, WFH_FAULT_TAG=tag, PYTHONPATH=str(SRC))
    parent = subprocess.Popen([sys.executable, "-c", PARENT, WORKER, str(parent_lives)], env=env,
                              stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    if parent_lives:
        time.sleep(1.5)  # the worker has set itself up; now the parent dies without warning
        parent.kill()
    parent.wait(30)
    parent.stdout.close()
    assert_no_leftovers(tag, grace=10)
    deadline = time.monotonic() + 10
    while pids_alive([worker]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pids_alive([worker]) == []
