"""Linux: which fixed data volumes (mounted, swap, or unmounted by header) are not encrypted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfhaudit.facts import Fact
from wfhaudit.probes.disk.decide import Verdict
from wfhaudit.probes.disk.linux.blockdev import (
    SYS_CLASS_BLOCK,
    BlockNode,
    kname_for_source,
    read_node,
)
from wfhaudit.probes.disk.linux.chain import MountChain, chain_for_mount, resolve_mount_chain
from wfhaudit.probes.disk.linux.mounts import MOUNTINFO, SWAPS, Mount, parse_swaps
from wfhaudit.probes.disk.linux.unmounted import SYS_BLOCK, scan_unmounted

if TYPE_CHECKING:
    from wfhaudit.probes.disk.linux import LinuxDisk

IMAGE_FS = frozenset({"squashfs", "iso9660", "udf", "erofs", "cramfs"})
SKIP_POINTS = frozenset({"/boot", "/boot/efi", "/efi"})
# udisks mounts removable and external media here; snaps are loop images.
SKIP_PREFIXES = ("/boot/", "/media/", "/run/media/", "/snap/", "/var/snap/")


def unencrypted_volumes(disk: LinuxDisk, root: MountChain, root_v: Verdict) -> Fact:
    """Fixed data volumes (and swap) that are not encrypted.

    Named by mount point, `swap:<path>`, or `unmounted:/dev/<name>` for a plain filesystem
    that nothing mounts.
    """
    key = "disk.unencrypted_volumes"
    if root_v.state == "unknown" and root.kind not in ("block", "btrfs", "zfs"):
        return Fact.unknown(key, f"the system volume /: {root_v.reason}", disk.src())
    picked: dict[str, Mount] = {}
    for m in disk.mounts:
        mp = m.mount_point
        if mp in SKIP_POINTS or mp.startswith(SKIP_PREFIXES) or m.fstype in IMAGE_FS:
            continue
        if m.fstype == "zfs":
            if "@" in m.source:
                continue
            dev = f"zfs:{m.source}"
        elif m.major == 0:
            if m.fstype != "btrfs":
                continue
            dev = f"btrfs:{m.source}"
        else:
            dev = m.majmin
        if dev not in picked or len(mp) < len(picked[dev].mount_point):
            picked[dev] = m
    plain: list[str] = []
    unknown: list[tuple[str, str]] = []
    used = {m.majmin for m in disk.mounts if m.major != 0}
    names: set[str] = set()
    for m in picked.values():
        chain = chain_for_mount(disk.host, m.mount_point, m)
        if chain.node is not None:
            names.update(_names(chain.node))
        if chain.node is not None and _not_fixed(chain.node):
            continue
        v = disk.verdict(chain)
        if v.state == "plain":
            plain.append(m.mount_point)
        elif v.state == "unknown":
            unknown.append((m.mount_point, v.reason))
    _swaps(disk, plain, unknown, names)
    scan = scan_unmounted(disk, names, used)
    plain += scan.plain
    unknown += scan.unknown
    if unknown:
        mp, why = unknown[0]
        return Fact.unknown(key, f"could not tell whether {mp} is encrypted: {why}", disk.src())
    detail = f"checked {len(picked)} mounted volume(s) and swap in {MOUNTINFO} and {SWAPS}"
    if not scan.listed:
        detail += f"; unmounted volumes not checked: {SYS_BLOCK} cannot be read"
    else:
        detail += f"; judged {scan.probed} unmounted fixed volume(s) by their on-disk headers"
        detail += "".join(f"; {note}" for note in scan.notes)
    return Fact.observed(key, sorted(plain), disk.src(), detail)


def _swaps(disk: LinuxDisk, plain: list[str], unknown: list[tuple[str, str]],
           names: set[str]) -> None:
    """Add active swap areas that are not encrypted (random-key plain dm-crypt counts)."""
    disk.sources.append(SWAPS)
    for swap in parse_swaps(disk.host.read_file(SWAPS) or ""):
        name = f"swap:{swap.path}"
        if swap.kind == "partition":
            kname = kname_for_source(disk.host, swap.path)
            if kname is None:
                unknown.append((name, f"{swap.path} not found in sysfs"))
                continue
            node = read_node(disk.host, f"{SYS_CLASS_BLOCK}/{kname}")
            names.update(_names(node))
            if _not_fixed(node):
                continue
            v = disk.node_verdict(node, None, 0)
        else:
            v = disk.verdict(resolve_mount_chain(disk.host, swap.path, disk.mounts))
        if v.state == "plain":
            plain.append(name)
        elif v.state == "unknown":
            unknown.append((name, v.reason))


def _names(node: BlockNode) -> set[str]:
    """Every device name in a stack (the device and all below it)."""
    return {node.name}.union(*(_names(p) for p in node.parents))


def _not_fixed(node: BlockNode) -> bool:
    """Loop images, compressed RAM (zram) and removable media are not fixed data volumes."""
    leaves = node.leaves()
    return any(leaf.removable for leaf in leaves) or all(
        leaf.name.startswith(("loop", "zram", "ram")) for leaf in leaves)
