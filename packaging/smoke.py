"""Smoke test of an installed wfhaudit (wheel in a venv, one-file executable, .deb), any OS.

Usage: python packaging/smoke.py WFHAUDIT [ARG...]   e.g. dist/wfhaudit or venv/bin/wfhaudit

Runs, in a fresh data folder: --version, policy list/schema, checks replaying a recorded Linux
evidence bundle (with the HTML page), a signed live check of the os probe, key export, a trust
file, verify, aggregate with two worker processes and its HTML page, render, and a schedule
written under a scratch root. Every
bundled file (policies, schemas, templates) and the lazily imported modules are needed by one
of these steps. Prints one line per step; exits non-zero at the first failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "fixtures" / "cases"
# Recorded on Linux machines (see each case's `source`): a firewall on, a LUKS2 root, an
# OpenVPN full tunnel; together READY under REPLAY_POLICY (the facts they hold).
BUNDLE_CASES = ("os/linux/debian12.json", "firewall/linux/ufw-active.json",
                "disk/linux/c-luks2-root.json", "vpn/linux/openvpn-def1.json")


def _rule(rule_id: str, fact: str, expect: dict[str, object]) -> dict[str, object]:
    return {"id": rule_id, "title": rule_id, "fact": fact, "expect": expect, "severity": "high"}


REPLAY_POLICY = {"id": "smoke-replay", "version": "1", "title": "Smoke: replayed evidence",
                 "rules": [_rule("fw", "firewall.enabled", {"equals": True}),
                           _rule("disk", "disk.system_encrypted", {"equals": True}),
                           _rule("vpn", "vpn.active", {"equals": True})]}
# Passes on any OS: the live check that is signed, verified and aggregated.
LIVE_POLICY = {"id": "smoke-live", "version": "1", "title": "Smoke: a live check",
               "rules": [_rule("os", "os.family", {"in": ["linux", "macos", "windows"]})]}


class SmokeFailure(Exception):
    """A step gave the wrong exit status or output."""


def merged_bundle(cases: tuple[str, ...] = BUNDLE_CASES) -> dict[str, object]:
    """One evidence bundle holding the evidence of several recorded cases."""
    merged: dict[str, object] = {}
    for name in cases:
        evidence = json.loads((CASES / name).read_text(encoding="utf-8"))["evidence"]
        if not merged:
            merged = evidence
            continue
        merged["commands"] = [*merged["commands"], *evidence.get("commands", [])]  # type: ignore[misc]
        for key in ("files", "dirs", "snapshots", "measurements"):
            merged.setdefault(key, {}).update(evidence.get(key, {}))  # type: ignore[attr-defined]
    return merged


def expected_version() -> str:
    """The version the source tree declares."""
    text = (REPO / "src" / "wfhaudit" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', text)
    if not match:
        raise SmokeFailure("no __version__ in src/wfhaudit/__init__.py")
    return match.group(1)


class Runner:
    """Runs the program under test in a scratch folder with its own data folder."""

    def __init__(self, program: list[str], work: Path) -> None:
        self.program = program
        self.work = work
        self.env = {**os.environ, "WFHAUDIT_HOME": str(work / "home"), "NO_COLOR": "1"}
        self.env.pop("PYTHONPATH", None)  # the program must find its own code and data

    def __call__(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        """Run one command; fail unless its exit status is one of `ok`."""
        start = time.perf_counter()
        proc = subprocess.run([*self.program, *args], cwd=self.work, env=self.env,
                              capture_output=True, text=True, timeout=300, check=False)
        took = time.perf_counter() - start
        print(f"  [{proc.returncode}] {took:5.2f}s  wfhaudit {' '.join(args)}", flush=True)
        if proc.returncode not in ok:
            raise SmokeFailure(f"`wfhaudit {' '.join(args)}` exited {proc.returncode} "
                               f"(expected {ok}):\n{proc.stdout}\n{proc.stderr}")
        return proc.stdout


def expect(condition: bool, what: str) -> None:
    """Fail the smoke with `what` unless condition holds."""
    if not condition:
        raise SmokeFailure(what)


def run_smoke(program: list[str], work: Path) -> None:
    """Every step; raises SmokeFailure at the first problem."""
    run = Runner(program, work)
    version = run("--version")
    expect(version.strip() == f"wfhaudit, version {expected_version()}", f"--version: {version!r}")
    names = run("policy", "list")
    expect(all(n in names for n in ("baseline", "contact-center", "strict")), names)
    expect("$schema" in json.loads(run("policy", "schema")), "policy schema is not a JSON schema")

    bundle = work / "bundle.json"
    bundle.write_text(json.dumps(merged_bundle()), encoding="utf-8")
    replay_policy = work / "smoke-replay.json"
    replay_policy.write_text(json.dumps(REPLAY_POLICY), encoding="utf-8")
    out = work / "reports"
    report = json.loads(run("check", "--replay", str(bundle), "--policy", str(replay_policy),
                            "--out", str(work / "replayed"), "--html", "--json"))
    expect(report["summary"]["verdict"] == "READY", f"verdict {report['summary']['verdict']}")
    expect(len(list((work / "replayed").glob("*.html"))) == 1, "HTML of the replay missing")
    run("check", "--replay", str(bundle), "--policy", "contact-center", "--out",
        str(work / "cc"), ok=(1,))  # rich table on stderr; NOT READY without audio/VoIP

    # A replayed report never verifies (it is not a live check): verify a live one.
    live_policy = work / "smoke-live.json"
    live_policy.write_text(json.dumps(LIVE_POLICY), encoding="utf-8")
    run("check", "--only", "os", "--policy", str(live_policy), "--out", str(out), "--html")
    signed = sorted(out.glob("*.wfh.json"))
    expect(len(signed) == 1 and len(list(out.glob("*.html"))) == 1, "report or HTML missing")
    run("keys", "export", "-o", "dev.pub")
    run("trust", "init", "--admin-key", "admin.pem", "--create-admin-key")
    run("trust", "add-device", "--key", "dev.pub")
    run("trust", "accept-policy", str(live_policy))
    run("trust", "sign", "--admin-key", "admin.pem", "--out", "trust.json")
    run("verify", str(signed[0]), "--trust", "trust.json")
    run("aggregate", str(out), "--trust", "trust.json", "--jobs", "2", "--min-ready", "100",
        "--json", "fleet.json", "--html", "fleet.html")
    fleet = json.loads((work / "fleet.json").read_text(encoding="utf-8"))
    expect(fleet["counts"]["devices_ready"] == 1, f"fleet counts {fleet['counts']}")
    run("render", str(signed[0]), "-o", "render.html", "--trust", "trust.json")
    expect("<html" in (work / "render.html").read_text(encoding="utf-8").lower(), "render")
    done = json.loads(run("schedule", "install", "--root", str(work / "root"), "--json"))
    expect(all(Path(f["written"]).is_file() for f in done["files"]), "schedule files")


def main() -> int:
    """Run the smoke against the program given on the command line."""
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    program = [str(Path(sys.argv[1]).resolve()) if Path(sys.argv[1]).exists() else sys.argv[1],
               *sys.argv[2:]]
    with tempfile.TemporaryDirectory(prefix="wfh-smoke-") as tmp:
        try:
            run_smoke(program, Path(tmp))
        except SmokeFailure as exc:
            print(f"SMOKE FAILED: {exc}", file=sys.stderr)
            return 1
    print("smoke: all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
