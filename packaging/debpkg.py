"""The Debian package: the one-file executable, man page, shell completions, systemd units.

Built with dpkg-deb alone (no debhelper): the tree is laid out here, files are root-owned in
the archive (--root-owner-group) and dated SOURCE_DATE_EPOCH when it is set.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import os
import subprocess
import tempfile
from pathlib import Path

from wfhaudit import __version__
from wfhaudit.cli import cli
from wfhaudit.schedule import systemd
from wfhaudit.schedule.model import ScheduleSpec, parse_every

MAINTAINER = "wfhaudit project <wfhaudit@example.invalid>"
DESCRIPTION = """\
Description: remote-work security and VoIP readiness auditor
 wfhaudit checks a home workstation against a JSON policy (host firewall, VPN,
 disk encryption, a broadband line fit for voice calls, a headset) and writes a
 report signed with the device's Ed25519 key, which IT verifies and aggregates
 offline.
 .
 This package installs the single-file executable, its man page, bash/zsh/fish
 completions and systemd units for a daily check (not enabled: see
 /usr/share/doc/wfhaudit/README.Debian).
"""
COMPLETIONS = {
    "bash": "usr/share/bash-completion/completions/wfhaudit",
    "zsh": "usr/share/zsh/vendor-completions/_wfhaudit",
    "fish": "usr/share/fish/vendor_completions.d/wfhaudit.fish",
}
README_DEBIAN = """\
wfhaudit for Debian
===================

Nothing runs on its own after installation. To check the machine every day as root
(firewall, disk, VPN: the baseline policy), writing reports to /var/lib/wfhaudit/reports:

  systemctl daemon-reload
  systemctl enable --now wfhaudit-check.timer

To check every user's session instead (needed for the headset and call-quality rules of
the contact-center policy), writing to ~/.local/share/wfhaudit/reports:

  systemctl --global enable wfhaudit-check.timer

Another policy, report folder or interval: `wfhaudit schedule install --system --policy P
--out DIR --every 6h --exe /usr/bin/wfhaudit` writes units of the same name to
/etc/systemd/system, which take precedence over the packaged ones.
"""
# dpkg runs these with DPKG_ROOT set when installing into another root (chrootless).
POSTINST = """\
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || true
fi
"""
PRERM = """\
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -z "$DPKG_ROOT" ] && command -v systemctl >/dev/null; then
    systemctl --global disable wfhaudit-check.timer >/dev/null 2>&1 || true
    if [ -d /run/systemd/system ]; then
        systemctl disable --now wfhaudit-check.timer >/dev/null 2>&1 || true
    else
        systemctl disable wfhaudit-check.timer >/dev/null 2>&1 || true
    fi
fi
"""
POSTRM = """\
#!/bin/sh
set -e
if [ "$1" = purge ]; then
    # The machine-wide check's device key, id and reports (systemd's StateDirectory).
    rm -rf "$DPKG_ROOT/var/lib/wfhaudit"
fi
if [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || true
fi
"""


def packaged_units() -> dict[str, str]:
    """The system and user units shipped in /usr/lib/systemd (daily, not enabled)."""
    common = {"every": parse_every("1d"), "at": (10, 0), "program": ("/usr/bin/wfhaudit",),
              "family": "linux"}
    system = ScheduleSpec(system=True, policy="baseline", out_dir="/var/lib/wfhaudit/reports",
                          data_home="/var/lib/wfhaudit", **common)  # type: ignore[arg-type]
    user = ScheduleSpec(system=False, policy="contact-center",
                        out_dir="~/.local/share/wfhaudit/reports",
                        **common)  # type: ignore[arg-type]
    units = {}
    for folder, spec in (("usr/lib/systemd/system", system), ("usr/lib/systemd/user", user)):
        units[f"{folder}/wfhaudit-check.service"] = systemd.service_text(spec)
        units[f"{folder}/wfhaudit-check.timer"] = systemd.timer_text(spec)
    return units


def completion(exe: Path, shell: str) -> str:
    """Click's completion script for one shell, printed by the executable itself."""
    env = {**os.environ, "_WFHAUDIT_COMPLETE": f"{shell}_source"}
    proc = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    if "_WFHAUDIT_COMPLETE" not in proc.stdout:
        raise RuntimeError(f"{shell} completion script looks wrong: {proc.stdout[:200]!r}")
    return proc.stdout


def manpage_gz() -> bytes:
    """wfhaudit.1 from the click tree, gzip'd reproducibly (no name, no time stamp)."""
    from manpage import render


    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))

    when = (dt.datetime.fromtimestamp(epoch, dt.timezone.utc) if epoch
            else dt.datetime.now(dt.timezone.utc))
    page = render(cli, __version__, when.strftime("%Y-%m-%d")).encode()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(page)
    return buf.getvalue()


def _put(tree: Path, rel: str, data: bytes | str, mode: int = 0o644) -> None:
    path = tree / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(mode)


def architecture() -> str:
    """Dpkg's name for this machine's architecture (amd64, arm64, ...)."""
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True, timeout=30).stdout.strip()


def glibc_version() -> str:
    """The C library version the executable was built against (its minimum)."""
    return (os.confstr("CS_GNU_LIBC_VERSION") or "glibc 2.31").partition(" ")[2]


def control(installed_kib: int) -> str:
    """DEBIAN/control."""
    return (f"Package: wfhaudit\nVersion: {__version__}-1\nArchitecture: {architecture()}\n"
            f"Maintainer: {MAINTAINER}\nInstalled-Size: {installed_kib}\n"
            f"Depends: libc6 (>= {glibc_version()})\n"
            "Recommends: iproute2, util-linux\n"
            "Suggests: nftables, cryptsetup-bin, pulseaudio-utils\n"
            "Section: admin\nPriority: optional\n"
            + DESCRIPTION)


def lay_out(exe: Path, tree: Path) -> None:
    """Every file of the package under tree/ (without DEBIAN/)."""
    _put(tree, "usr/bin/wfhaudit", exe.read_bytes(), 0o755)
    _put(tree, "usr/share/man/man1/wfhaudit.1.gz", manpage_gz())
    for shell, rel in COMPLETIONS.items():
        _put(tree, rel, completion(exe, shell))
    for rel, text in packaged_units().items():
        _put(tree, rel, text)
    doc = "usr/share/doc/wfhaudit"
    _put(tree, f"{doc}/copyright",
         "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
         "Upstream-Name: wfhaudit\n\nFiles: *\nCopyright: wfhaudit contributors\n"
         "License: Apache-2.0\n On Debian systems the full text of the Apache License 2.0 is "
         "in\n /usr/share/common-licenses/Apache-2.0.\n")
    _put(tree, f"{doc}/README.Debian", README_DEBIAN)


def build_deb(exe: Path, out: Path) -> Path:
    """Lay out the tree, write DEBIAN/ and run dpkg-deb --build."""
    with tempfile.TemporaryDirectory(prefix="wfh-deb-") as tmp:
        tree = Path(tmp) / "wfhaudit"
        lay_out(exe, tree)
        files = sorted(p for p in tree.rglob("*") if p.is_file())
        size_kib = sum(p.stat().st_size for p in files) // 1024 + 1
        sums = "".join(f"{hashlib.md5(p.read_bytes()).hexdigest()}  "  # noqa: S324 - dpkg's format
                       f"{p.relative_to(tree).as_posix()}\n" for p in files)
        _put(tree, "DEBIAN/control", control(size_kib))
        _put(tree, "DEBIAN/md5sums", sums)
        for name, text in (("postinst", POSTINST), ("prerm", PRERM), ("postrm", POSTRM)):
            _put(tree, f"DEBIAN/{name}", text, 0o755)
        for folder in [tree, *(p for p in tree.rglob("*") if p.is_dir())]:
            folder.chmod(0o755)
        target = out / f"wfhaudit_{__version__}-1_{architecture()}.deb"
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", str(tree),
                        str(target)], check=True, timeout=600, stdout=subprocess.DEVNULL)
    return target
