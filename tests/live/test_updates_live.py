"""Live updates probe: real apt against local repositories, a real dpkg log, real kernels listing.

Set-up, all in throw-away folders: tiny .deb packages built with `dpkg-deb`, installed at
version 1.0 with the real dpkg into a private root (one upgraded to 1.1 under `faketime`, so
dpkg's own log carries an upgrade at a known date), and three local `file:` repositories made
with `apt-ftparchive` offering 1.1 of three packages: one plain archive, one whose Suite ends
in `-security` (how Ubuntu marks it) and one whose Label contains `Security` (how Debian marks
it). Every probe command then runs in a mount namespace where /etc/apt, /var/lib/apt,
/var/cache/apt, /var/lib/dpkg, /var/log/dpkg.log, /run and /boot are these folders, so the
probe runs its production argv (`apt-get -s -o Debug::NoLocking=1 dist-upgrade`, ...) against
real apt metadata that `apt-get update` fetched from the local repositories.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path

import pytest
from tests.conftest import require_root_tool
from tests.live.mountns import MountNsHost

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.updates import linux

pytestmark = pytest.mark.live

UPGRADED_AT = "2026-11-02 10:00:00"  # when wfh-tool went from 1.0 to 1.1 (faketime, UTC)
REPOS = {  # folder -> (Label, Suite, packages offered at 1.1)
    "main": ("WfhTest", "wfh-updates", ["wfh-app", "wfh-tool"]),
    "sec-suite": ("WfhTest", "wfh-security", ["wfh-lib"]),
    "sec-label": ("WfhTest-Security", "wfh-stable", ["wfh-ssl"]),
}
INSTALLED = ["wfh-app", "wfh-lib", "wfh-ssl", "wfh-tool"]
DPKG_LOG = linux.DPKG_LOG


def _sh(*argv: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=cwd)
    assert proc.returncode == 0, f"{' '.join(argv)}: {proc.stderr.strip()}"
    return proc.stdout


def _deb(root: Path, name: str, version: str) -> Path:
    build = root / "build" / f"{name}-{version}"
    (build / "DEBIAN").mkdir(parents=True)
    (build / "usr/share/doc" / name).mkdir(parents=True)
    (build / "DEBIAN/control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: wfhaudit tests <tests@example.invalid>\nDescription: wfhaudit test\n")
    (build / "usr/share/doc" / name / "README").write_text(f"{name} {version}\n")
    out = root / "debs" / f"{name}_{version}_all.deb"
    out.parent.mkdir(exist_ok=True)
    _sh("dpkg-deb", "--root-owner-group", "--build", str(build), str(out))
    return out


def _repo(root: Path, folder: str, label: str, suite: str, debs: list[Path]) -> Path:
    repo = root / "repos" / folder
    repo.mkdir(parents=True)
    for deb in debs:
        (repo / deb.name).write_bytes(deb.read_bytes())
    (repo / "Packages").write_text(_sh("apt-ftparchive", "packages", ".", cwd=repo))
    release = _sh("apt-ftparchive", "-o", f"APT::FTPArchive::Release::Origin={label}",
                  "-o", f"APT::FTPArchive::Release::Label={label}",
                  "-o", f"APT::FTPArchive::Release::Suite={suite}",
                  "-o", "APT::FTPArchive::Release::Codename=wfh", "release", ".", cwd=repo)
    (repo / "Release").write_text(release)
    return repo


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build packages, install 1.0 with dpkg, publish 1.1 in three local repositories."""
    require_root_tool("apt-get", "apt-ftparchive", "dpkg-deb", "dpkg", "faketime", "unshare")
    root = tmp_path_factory.mktemp("wfh-apt")
    root.chmod(0o755)  # apt fetches file: repositories as the _apt user
    old = {n: _deb(root, n, "1.0") for n in INSTALLED}
    new = {n: _deb(root, n, "1.1") for n in INSTALLED}
    admin = root / "dpkgroot/var/lib/dpkg"
    for sub in ("info", "updates"):
        (admin / sub).mkdir(parents=True)
    (admin / "status").write_text("")
    log = root / "dpkg.log"
    dpkg = ["dpkg", f"--root={root / 'dpkgroot'}", f"--log={log}", "-i"]
    env = {**os.environ, "TZ": "UTC"}
    _sh("faketime", "2026-11-01 09:00:00", *dpkg, *map(str, old.values()), env=env)
    _sh("faketime", UPGRADED_AT, *dpkg, str(new["wfh-tool"]), env=env)
    lines = []
    for folder, (label, suite, names) in REPOS.items():
        repo = _repo(root, folder, label, suite, [new[n] for n in names])
        lines.append(f"deb [trusted=yes] file:{repo} ./")
    etc = root / "etc-apt"
    for sub in ("apt.conf.d", "preferences.d", "sources.list.d", "trusted.gpg.d"):
        (etc / sub).mkdir(parents=True)
    (etc / "sources.list").write_text("\n".join(lines) + "\n")
    for sub in ("var-lib-apt/lists/partial", "var-cache-apt/archives/partial", "run", "boot"):
        (root / sub).mkdir(parents=True)
    return {"root": root, "log": log, "admin": admin, "etc": etc}


def _host(world: dict[str, Path]) -> MountNsHost:
    root = world["root"]
    host = MountNsHost({str(world["etc"]): "/etc/apt", str(root / "var-lib-apt"): "/var/lib/apt",
                        str(root / "var-cache-apt"): "/var/cache/apt",
                        str(world["admin"]): "/var/lib/dpkg", str(world["log"]): DPKG_LOG,
                        str(root / "run"): "/run", str(root / "boot"): "/boot"})
    update = host.inside(("apt-get", "update"), 120)
    assert update.ok, update.stderr
    return host


def _collect(host: MountNsHost) -> dict[str, Fact]:
    return {f.key: f for f in linux.collect(ProbeContext(host=host))}


def test_apt_counts_security_updates_from_local_repositories(world: dict[str, Path]) -> None:
    (world["root"] / "run/reboot-required").write_text("*** System restart required ***\n")
    (world["root"] / "run/reboot-required.pkgs").write_text("wfh-lib\n")
    host = _host(world)
    # apt's own view, independently: four installed, three of them upgradable.
    listed = host.inside(("apt", "list", "--upgradable"), 60)
    assert sorted(ln.split("/")[0] for ln in listed.stdout.splitlines() if "upgradable" in ln) \
        == ["wfh-app", "wfh-lib", "wfh-ssl"]
    start = time.time()
    facts = _collect(host)
    pending = facts["updates.security_pending"]
    assert pending.value == 2, pending
    detail = pending.detail or ""
    assert "2 of 3 upgradable" in detail and "wfh-lib" in detail and "wfh-ssl" in detail
    assert host.evidence.commands[0].argv == linux.APT_SIM
    upgraded = dt.datetime.fromisoformat(UPGRADED_AT).replace(tzinfo=dt.timezone.utc)
    expected_days = (start - upgraded.timestamp()) / 86400
    days = facts["updates.days_since_last"]
    assert days.is_known, days
    assert abs(days.value - expected_days) < 0.2, (days, expected_days)
    reboot = facts["updates.reboot_pending"]
    assert reboot.value is True and "wfh-lib" in (reboot.detail or "")


def test_reboot_pending_from_a_newer_installed_kernel(world: dict[str, Path]) -> None:
    for name in ("reboot-required", "reboot-required.pkgs"):
        (world["root"] / "run" / name).unlink(missing_ok=True)
    running = os.uname().release
    boot = world["root"] / "boot"
    (boot / f"vmlinuz-{running}").write_bytes(b"")
    host = _host(world)
    facts = _collect(host)
    assert facts["updates.reboot_pending"].value is False
    # The same flavour with the first number bumped counts as a newer kernel.
    digits = next(p for p in running.replace("-", ".").split(".") if p.isdigit())
    newer = running.replace(digits, str(int(digits) + 1), 1)
    (boot / f"vmlinuz-{newer}").write_bytes(b"")
    facts = _collect(_host(world))
    reboot = facts["updates.reboot_pending"]
    assert reboot.value is True and newer in (reboot.detail or "")
