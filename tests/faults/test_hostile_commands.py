"""Hostile probe commands: small scripts bind-mounted over nft, iptables-save and ufw in a
private mount namespace (`unshare -m`), so the real check runs them as it would the real
programs. Whatever they do (hang with a grandchild, print 200 MB, print invalid UTF-8, fail
half-way, be missing), the check ends within its 3 s budget plus start-up, stays small in
memory, reports the firewall UNKNOWN with a reason, and leaves nothing running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from tests.faults.kit import assert_no_leftovers, env_for, pids_alive

from wfhaudit.host.runner import MAX_OUTPUT_BYTES

TARGETS = ("/usr/sbin/nft", "/usr/sbin/iptables-save", "/usr/sbin/ufw")
BUDGET_S = 3.0
# Start-up and report on a loaded 2-core machine; the budget itself is what the check waits.
SLACK_S = 5.0
MAX_RSS_MB = 200  # measured around 80 MB here; before the output cap it was 1.3-2.1 GB

SCRIPTS = {
    "hang": 'echo $$ >> "$PIDS"; sleep 1000 & echo $! >> "$PIDS"; wait\n',
    "flood": 'echo $$ >> "$PIDS"; yes "wfhaudit flood test line, one hundred bytes or so of '
             'output, repeated until two hundred MB" | head -c 200000000\n',
    "bad-utf8": 'echo $$ >> "$PIDS"; printf \'\\377\\376{"nftables": [\\300]}\\nStatus: '
                '\\377active\\300\\n\'\n',
    "partial": 'echo $$ >> "$PIDS"; printf \'{"nftables": [{"metainfo"\\nStatus: act\'; '
               'exit 2\n',
}
REASONS = {
    "hang": f"did not finish within its {BUDGET_S:g} s budget",
    "flood": f"printed more than {MAX_OUTPUT_BYTES:,} bytes",
    "bad-utf8": "cannot read",
    "partial": "exited with status 2",
    "missing": "is installed",  # "neither nft nor iptables is installed ..."
}


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "firewall.json"
    path.write_text(json.dumps({
        "id": "hostile", "version": "1", "title": "Firewall only",
        "settings": {"probes": {"firewall": {"budget_s": BUDGET_S}},
                     "report": {"evidence": "full"}},
        "rules": [{"id": "fw", "title": "Firewall is on", "fact": "firewall.enabled",
                   "expect": {"equals": True}, "severity": "high"}]}))
    return path


def _namespace_script(kind: str, folder: Path) -> str:
    """Shell run inside the new mount namespace: mount the hostile versions, then exec the check."""
    if kind == "missing":
        return "mount -t tmpfs tmpfs /usr/sbin && "
    script = folder / kind
    # Commands get a scrubbed environment: the pid file's path is written into the script.
    script.write_text("#!/bin/sh\n" + SCRIPTS[kind].replace('"$PIDS"', f"'{folder / 'pids'}'"))
    script.chmod(0o755)
    if not all(Path(t).exists() for t in TARGETS):
        pytest.skip(f"needs {', '.join(TARGETS)} to bind-mount over (nftables, iptables, ufw)")
    return "".join(f"mount --bind {script} {target} && " for target in TARGETS)


def _check(kind: str, folder: Path, policy: Path, tag: str, stop: tuple[int, float] | None = None
           ) -> tuple[int, float, float, dict[str, Any]]:
    """(exit code, seconds, peak RSS in MB, the report) of a check with hostile commands."""
    folder.mkdir(parents=True)
    (folder / "home").mkdir(mode=0o700)
    env = env_for(folder / "home", tag)
    shell = (_namespace_script(kind, folder) + f"exec {sys.executable} -m wfhaudit check "
             f"--policy {policy} --only firewall --out {folder / 'out'} --json")
    with open(folder / "stdout", "wb") as out, open(folder / "stderr", "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(["unshare", "-m", "sh", "-c", shell], env=env, stdout=out,
                                stderr=err, stdin=subprocess.DEVNULL)
        if stop is not None:
            time.sleep(stop[1])
            proc.send_signal(stop[0])
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - start
    raw = (folder / "stdout").read_bytes()
    report = json.loads(raw) if raw.strip() else {}
    return proc.returncode, elapsed, usage.ru_maxrss / 1024, report


def _pids(folder: Path) -> list[int]:
    path = folder / "pids"
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _no_orphans(folder: Path, tag: str) -> None:
    deadline = time.monotonic() + 3
    while pids_alive(_pids(folder)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pids_alive(_pids(folder)) == [], "a hostile command outlived the check"
    assert_no_leftovers(tag)


@pytest.mark.parametrize("kind", ["hang", "flood", "bad-utf8", "partial", "missing"])
def test_hostile_command_gives_unknown_in_bounded_time_and_memory(
        kind: str, tmp_path: Path, policy: Path) -> None:
    tag = uuid.uuid4().hex
    code, elapsed, rss_mb, report = _check(kind, tmp_path / kind, policy, tag)
    err = (tmp_path / kind / "stderr").read_text(errors="replace")
    print(f"{kind}: exit {code} in {elapsed:.2f} s, peak RSS {rss_mb:.0f} MB", file=sys.stderr)
    assert code == 1, err  # NOT READY: the firewall could not be established
    fact = report["facts"]["firewall.enabled"]
    assert fact["status"] == "unknown" and REASONS[kind] in fact["reason"], fact
    assert elapsed < BUDGET_S + SLACK_S, f"took {elapsed:.1f} s"
    assert rss_mb < MAX_RSS_MB
    if kind in ("hang", "flood"):
        assert _pids(tmp_path / kind), "the hostile command never ran"
    if kind == "flood":
        cmd = next(c for c in report["evidence"]["commands"] if c["argv"][0] == "nft")
        assert cmd["output_cap"] == MAX_OUTPUT_BYTES and cmd["error"] == "output_limit"
        assert len(cmd["stdout"]) <= MAX_OUTPUT_BYTES + 100
    _no_orphans(tmp_path / kind, tag)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT],
                         ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_stopping_a_check_kills_its_hung_commands(signum: int, tmp_path: Path,
                                                  policy: Path) -> None:
    tag = uuid.uuid4().hex
    folder = tmp_path / "run"
    code, elapsed, _, _ = _check("hang", folder, policy, tag, stop=(signum, 1.5))
    expected = {signal.SIGKILL: -9, signal.SIGTERM: 143, signal.SIGINT: 130}[signum]
    assert code == expected, (folder / "stderr").read_text(errors="replace")
    assert elapsed < 1.5 + SLACK_S
    assert _pids(folder), "the hung command had not started when the check was stopped"
    _no_orphans(folder, tag)  # SIGKILL included: the reaper process kills the group
