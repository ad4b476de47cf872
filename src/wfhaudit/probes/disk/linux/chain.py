"""Resolve a path to the mount that holds it and the block device stack under that mount."""

from __future__ import annotations

from dataclasses import dataclass

from wfhaudit.host import Host
from wfhaudit.probes.disk.linux.blockdev import (
    SYS_CLASS_BLOCK,
    BlockNode,
    kname_for_source,
    read_majmin,
    read_node,
)
from wfhaudit.probes.disk.linux.mounts import MOUNTINFO, Mount, find_mount, parse_mountinfo

BTRFS_SYS = "/sys/fs/btrfs"
NETWORK_FS = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "9p",
                        "virtiofs", "afs", "lustre", "fuse.sshfs", "davfs", "fuse.rclone"})
MEMORY_FS = frozenset({"tmpfs", "ramfs"})
OVERLAY_FS = frozenset({"overlay", "aufs", "overlayfs", "fuse-overlayfs", "fuse.fuse-overlayfs"})
# Stacked file-level encryption: protects what is under that mount point only.
STACKED_CRYPT_FS = {"ecryptfs": "ecryptfs", "fuse.gocryptfs": "gocryptfs",
                    "fuse.cryfs": "cryfs", "fuse.encfs": "encfs", "fuse.securefs": "securefs"}


@dataclass(frozen=True)
class MountChain:
    """Where a path lives: its mount, what kind of storage that is, and the device stack."""

    path: str
    mount: Mount | None
    kind: str  # block | btrfs | zfs | stacked | overlay | network | memory | other | missing
    node: BlockNode | None = None
    note: str = ""

    @property
    def sources(self) -> list[str]:
        """The evidence this chain was read from."""
        out = [MOUNTINFO]
        if self.node is not None:
            out.append(self.node.sysdir)
        return out


def _btrfs_node(host: Host, mount: Mount) -> BlockNode:
    """Follow btrfs, which reports an anonymous 0:N device: go through the mount source and the fs members."""
    kname = kname_for_source(host, mount.source)
    if kname is None:
        return BlockNode(mount.source, "", error=f"the btrfs source {mount.source} could not be "
                         "matched to a block device in sysfs")
    members = [kname]
    for fsid in (host.list_dir(BTRFS_SYS) or [])[:64]:
        if fsid == "features":
            continue
        devices = host.list_dir(f"{BTRFS_SYS}/{fsid}/devices") or []
        if kname in devices:
            members = devices[:16]
            break
    if len(members) == 1:
        return read_node(host, f"{SYS_CLASS_BLOCK}/{members[0]}")
    parts = tuple(read_node(host, f"{SYS_CLASS_BLOCK}/{m}") for m in members)
    return BlockNode(f"btrfs[{','.join(members)}]", f"{BTRFS_SYS}", parents=parts)


def chain_for_mount(host: Host, path: str, mount: Mount) -> MountChain:
    """Classify one mount and read its device stack when it sits on block devices."""
    fs = mount.fstype
    if fs in STACKED_CRYPT_FS:
        return MountChain(path, mount, "stacked", note=STACKED_CRYPT_FS[fs])
    if fs == "zfs":
        return MountChain(path, mount, "zfs", note=mount.source)
    if fs in OVERLAY_FS:
        return MountChain(path, mount, "overlay")
    if fs in NETWORK_FS:
        return MountChain(path, mount, "network")
    if fs in MEMORY_FS:
        return MountChain(path, mount, "memory")
    if fs == "btrfs" and mount.major == 0:
        return MountChain(path, mount, "btrfs", _btrfs_node(host, mount))
    if mount.major == 0:
        return MountChain(path, mount, "other")
    return MountChain(path, mount, "block", read_majmin(host, mount.majmin))


def read_mounts(host: Host) -> list[Mount]:
    """This process's mount table (empty when it cannot be read)."""
    return parse_mountinfo(host.read_file(MOUNTINFO) or "")


def resolve_mount_chain(host: Host, path: str, mounts: list[Mount] | None = None) -> MountChain:
    """Map a path to its mount and device stack, reading only mountinfo and sysfs.

    The product asks about `/` and the home directory; tests ask about any mount point.
    """
    if mounts is None:
        mounts = read_mounts(host)
    if not mounts:
        return MountChain(path, None, "missing", note=f"{MOUNTINFO} could not be read")
    mount = find_mount(mounts, path)
    if mount is None:
        return MountChain(path, None, "missing", note=f"no mount holds {path}")
    return chain_for_mount(host, path, mount)
