"""Linux: fixed partitions and disks that nothing mounts or uses, judged by their headers.

Only physical disks from /sys/block and their partitions count; a device that is mounted,
active swap, part of a mounted stack, or held by a dm/md device above it is judged through
that stack instead. A locked LUKS or BitLocker partition is an encrypted volume; a plain
filesystem or swap signature is an unencrypted one; ESP, BIOS boot, Microsoft reserved,
Windows recovery and extended partitions hold no user data and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wfhaudit.probes.disk.linux.header import NOT_DATA, SYS_CLASS_BLOCK, device_majmin

if TYPE_CHECKING:
    from wfhaudit.probes.disk.linux import LinuxDisk

SYS_BLOCK = "/sys/block"
MAX_DISKS = 64
MAX_PARTITIONS = 128
MAX_PROBES = 32
VIRTUAL = ("loop", "zram", "ram", "dm-", "md", "sr", "fd", "nbd", "zd", "rbd", "drbd",
           "bcache", "nullb", "mtdblock", "ubiblock")
# eMMC boot and replay-protected areas are separate /sys/block entries without user data.
_MMC_SPECIAL = re.compile(r"mmcblk\d+(boot\d+|rpmb)")


@dataclass
class Scan:
    """What the scan of unmounted volumes found."""

    listed: bool
    plain: list[str] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    probed: int = 0


def scan_unmounted(disk: LinuxDisk, used_names: set[str], used_majmin: set[str]) -> Scan:
    """Judge every fixed volume not in use by its header; `used_*` are the devices in use."""
    host = disk.host
    disks = host.list_dir(SYS_BLOCK)
    scan = Scan(disks is not None)
    if disks is None:
        return scan
    disk.sources.append(SYS_BLOCK)
    for name in disks[:MAX_DISKS]:
        # Not `name in used_names`: a stack on one partition lists its whole disk below it.
        if name.startswith(VIRTUAL) or _MMC_SPECIAL.fullmatch(name):
            continue
        base = f"{SYS_CLASS_BLOCK}/{name}"
        # hidden: an NVMe multipath leg (nvme0c0n1) with no device node of its own.
        if any((host.read_file(f"{base}/{attr}") or "").strip() == "1"
               for attr in ("removable", "hidden")):
            continue
        parts = [e for e in host.list_dir(base) or [] if e.startswith(name) and e != name]
        for vol in (parts or [name])[:MAX_PARTITIONS]:
            _check(disk, vol, used_names, used_majmin, scan)
    return scan


def _check(disk: LinuxDisk, vol: str, used_names: set[str], used_majmin: set[str],
           scan: Scan) -> None:
    """Judge one partition (or unpartitioned disk) unless something uses it."""
    if vol in used_names:
        return
    label = f"/dev/{vol}"
    majmin = device_majmin(disk.host, vol)
    if majmin is None:
        scan.unknown.append((f"{label} (not mounted)",
                             f"{SYS_CLASS_BLOCK}/{vol}/uevent cannot be read"))
        return
    if majmin in used_majmin or disk.host.list_dir(f"{SYS_CLASS_BLOCK}/{vol}/holders"):
        return
    if scan.probed >= MAX_PROBES:
        scan.unknown.append((f"{label} (not mounted)", f"more than {MAX_PROBES} unmounted "
                             "volumes; wfhaudit stops reading headers there"))
        return
    scan.probed += 1
    header = disk.header(vol)
    if header.part_type in NOT_DATA:
        return
    if header.kind == "plain":
        scan.plain.append(f"unmounted:{label}")
    elif header.kind == "unknown":
        scan.unknown.append((f"{label} (not mounted)", header.reason))
    else:
        scan.notes.append(header.reason)
