"""Pure parsers for the Linux update sources: apt simulation, dnf/zypper advisories, logs, kernels."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_INST = re.compile(r"^Inst (?P<name>\S+)(?: \[(?P<current>[^\]]*)\])? \((?P<candidate>\S+) "
                   r"(?P<releases>.*)\)")
_ARCH_SUFFIX = re.compile(r" \[[^\]]*\]$")
_SUMMARY = re.compile(r"^(\d+) upgraded, (\d+) newly installed, (\d+) to remove and (\d+) not "
                      r"upgraded", re.MULTILINE)


@dataclass
class AptPending:
    """What `apt-get -s dist-upgrade` would upgrade, and which of it comes from a security archive."""

    upgrades: list[str] = field(default_factory=list)
    security: list[str] = field(default_factory=list)
    held_back: int = 0


def is_security_release(release: str) -> bool:
    """A `Label:Version/Archive` entry of apt's release string from a security archive.

    Debian labels its security archive `Debian-Security` (archive `bookworm-security` or
    `stable-security`); Ubuntu labels it `Ubuntu` with the archive `jammy-security`.
    """
    label, _, rest = release.partition(":") if ":" in release else ("", "", release)
    archive = rest.rsplit("/", 1)[-1]
    return "security" in label.lower() or archive.lower().endswith("-security")


def parse_apt_simulation(text: str) -> AptPending | None:
    """Upgrades from `apt-get -s` output (C locale); None when apt printed no summary line."""
    summary = _SUMMARY.search(text)
    if summary is None:
        return None
    out = AptPending(held_back=int(summary.group(4)))
    for line in text.splitlines():
        match = _INST.match(line)
        if not match or match.group("current") is None:
            continue  # a package newly pulled in is not an update of an installed one
        name = match.group("name")
        out.upgrades.append(name)
        releases = _ARCH_SUFFIX.sub("", match.group("releases"))
        if any(is_security_release(r.strip()) for r in releases.split(", ")):
            out.security.append(name)
    return out


_NEVRA = re.compile(r"^(?P<name>.+)-(?:\d+:)?[^-]+-[^-]+\.(?:noarch|x86_64|aarch64|i686|ppc64le|"
                    r"s390x|armv7hl|riscv64)$")


def parse_dnf_security(text: str) -> list[str]:
    """Package names in `dnf updateinfo list --security` (dnf 4 and dnf 5 layouts)."""
    names: set[str] = set()
    for line in text.splitlines():
        for token in line.split():
            match = _NEVRA.match(token)
            if match:
                names.add(match.group("name"))
    return sorted(names)


_ZYPPER_UPDATE = re.compile(r"<update\s([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def parse_zypper_patches(xml: str) -> list[str] | None:
    """Names of needed security patches in `zypper --xmlout list-patches`; None if not zypper XML."""
    if "<stream>" not in xml:
        return None
    names = []
    for match in _ZYPPER_UPDATE.finditer(xml):
        attrs = dict(_ATTR.findall(match.group(1)))
        if attrs.get("kind") == "patch" and attrs.get("category", "security") == "security":
            names.append(attrs.get("name", "?"))
    return names


def parse_dpkg_log_times(text: str) -> tuple[str | None, str | None]:
    """(first entry, last upgrade) timestamps as printed by the awk summary of dpkg.log."""
    lines = [ln.strip() for ln in text.split("\n")]
    first = lines[0] if lines and _looks_like_stamp(lines[0]) else None
    last = lines[1] if len(lines) > 1 and _looks_like_stamp(lines[1]) else None
    return first, last


def _looks_like_stamp(text: str) -> bool:
    return re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", text) is not None


def parse_utc_offset(text: str) -> int | None:
    """Seconds east of UTC from `date +%z` (e.g. +0100 -> 3600)."""
    match = re.fullmatch(r"([+-])(\d{2})(\d{2})", text.strip())
    if not match:
        return None
    seconds = int(match.group(2)) * 3600 + int(match.group(3)) * 60
    return seconds if match.group(1) == "+" else -seconds


def local_stamp_to_unix(stamp: str, offset_s: int) -> float:
    """Unix time of a dpkg.log local timestamp, given the machine's UTC offset."""
    naive = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
    return naive.replace(tzinfo=dt.timezone(dt.timedelta(seconds=offset_s))).timestamp()


def parse_rpm_install_times(text: str) -> int | None:
    """The newest INSTALLTIME (unix seconds) in `rpm -qa --qf '%{INSTALLTIME}\\n'` output."""
    times = [int(t) for t in text.split() if t.isdecimal()]
    return max(times) if times else None


def _shape(version: str) -> str:
    return re.sub(r"\d+", "#", version)


def _natural(version: str) -> list[tuple[int, str]]:
    return [(int(p), "") if p.isdecimal() else (-1, p) for p in re.split(r"(\d+)", version) if p]


def newer_kernels(running: str, boot_entries: list[str]) -> tuple[list[str], bool] | None:
    """(installed kernels newer than the running one, running one installed?) from /boot.

    Only kernels of the same flavour (the same shape of version string, e.g. `6.1.0-N-amd64`)
    are compared; None when /boot holds no versioned kernel of that flavour.
    """
    versions = [e[len("vmlinuz-"):] for e in boot_entries if e.startswith("vmlinuz-")]
    same = [v for v in versions if _shape(v) == _shape(running)]
    if not same:
        return None
    newer = sorted((v for v in same if _natural(v) > _natural(running)), key=_natural)
    return newer, running in same
