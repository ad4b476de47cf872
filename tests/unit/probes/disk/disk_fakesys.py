"""A constructed Linux machine for disk-probe tests: sysfs block devices, mountinfo, commands.

It answers exactly like the kernel lays sysfs out (captured for vda/loop on the Debian 12
development machine; dm entries follow drivers/md/dm-sysfs.c and cryptsetup's
dm_prepare_uuid format, because that kernel has no device-mapper to capture from) and
records every read like LiveHost does, so a run can be saved as a fixture case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.host import CommandResult, Evidence
from wfhaudit.host.platform_info import OsInfo

SWAPS_HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"


@dataclass
class Dev:
    """One block device as sysfs shows it."""

    name: str
    majmin: str
    kind: str = "disk"  # disk | part | dm | loop | md
    parent: str | None = None
    slaves: list[str] = field(default_factory=list)
    dm_uuid: str | None = None
    dm_name: str | None = None
    backing: str | None = None
    removable: bool = False

    def uevent(self) -> str:
        """The device's uevent file."""
        major, minor = self.majmin.split(":")
        devtype = "partition" if self.kind == "part" else "disk"
        return f"MAJOR={major}\nMINOR={minor}\nDEVNAME={self.name}\nDEVTYPE={devtype}\n"

    def entries(self) -> list[str]:
        """Names in the device's sysfs directory."""
        names = ["alignment_offset", "dev", "holders", "inflight", "power", "ro", "size",
                 "slaves", "stat", "subsystem", "uevent"]
        if self.kind == "dm":
            names.append("dm")
        if self.kind == "md":
            names.append("md")
        if self.kind == "part":
            names += ["partition", "start"]
        else:
            names += ["bdi", "queue", "removable"]
        if self.kind == "loop":
            names.append("loop")
        return sorted(names)


@dataclass
class Machine:
    """Everything the probe may read or run on one constructed Linux box."""

    devices: Sequence[Dev]
    mountinfo: str
    swaps: str = SWAPS_HEADER
    commands: Mapping[tuple[str, ...], CommandResult] = field(default_factory=dict)
    loginuid: str = "1000"
    passwd: str = "ann:x:1000:1000:Ann:/home/ann:/bin/bash\n"
    extra_files: Mapping[str, str | None] = field(default_factory=dict)
    extra_dirs: Mapping[str, list[str] | None] = field(default_factory=dict)
    btrfs: Mapping[str, list[str]] = field(default_factory=dict)  # fsid -> member knames
    sysfs: bool = True

    def tree(self) -> tuple[dict[str, str | None], dict[str, list[str] | None]]:
        """All files and directories of this machine."""
        files: dict[str, str | None] = {"/proc/self/mountinfo": self.mountinfo,
                                        "/proc/swaps": self.swaps,
                                        "/proc/self/loginuid": self.loginuid + "\n" if
                                        self.loginuid else None,
                                        "/proc/self/status": "Name:\twfhaudit\nUid:\t1000\t1000"
                                                             "\t1000\t1000\n"}
        dirs: dict[str, list[str] | None] = {}
        by_name = {d.name: d for d in self.devices}
        # A disk's sysfs directory holds its partitions' directories; holders/ is the
        # reverse of slaves/ (drivers/block/holder.c).
        parts = {d.name: sorted(p.name for p in self.devices if p.parent == d.name)
                 for d in self.devices}
        holders = {d.name: sorted(h.name for h in self.devices if d.name in h.slaves)
                   for d in self.devices}
        if self.sysfs:
            dirs["/sys/block"] = sorted(d.name for d in self.devices if d.kind != "part")
            for dev in self.devices:
                aliases = [f"/sys/dev/block/{dev.majmin}", f"/sys/class/block/{dev.name}"]
                if dev.kind != "part":
                    aliases.append(f"/sys/block/{dev.name}")
                for base in aliases:
                    dirs[base] = sorted(dev.entries() + parts[dev.name])
                    files[f"{base}/uevent"] = dev.uevent()
                    dirs[f"{base}/slaves"] = sorted(dev.slaves)
                    dirs[f"{base}/holders"] = holders[dev.name]
                    if dev.kind == "dm":
                        files[f"{base}/dm/uuid"] = (dev.dm_uuid or "") + "\n"
                        files[f"{base}/dm/name"] = (dev.dm_name or dev.name) + "\n"
                    if dev.kind == "part" and dev.parent:
                        files[f"{base}/../uevent"] = by_name[dev.parent].uevent()
                    if dev.kind != "part":
                        files[f"{base}/removable"] = "1\n" if dev.removable else "0\n"
                    if dev.kind == "loop" and dev.backing:
                        files[f"{base}/loop/backing_file"] = dev.backing + "\n"
            if self.btrfs:
                dirs["/sys/fs/btrfs"] = sorted([*self.btrfs, "features"])
                for fsid, members in self.btrfs.items():
                    dirs[f"/sys/fs/btrfs/{fsid}/devices"] = sorted(members)
        files.update(self.extra_files)
        dirs.update(self.extra_dirs)
        return files, dirs


def ok(stdout: str, argv: Sequence[str], stderr: str = "") -> CommandResult:
    """A command that exited 0."""
    return CommandResult(tuple(argv), 0, stdout, stderr, 3)


def failed(argv: Sequence[str], rc: int, stderr: str, stdout: str = "") -> CommandResult:
    """A command that exited non-zero."""
    return CommandResult(tuple(argv), rc, stdout, stderr, 3)


class FakeHost:
    """A Host over a Machine that records what the probe touched, as LiveHost does."""

    is_live = False

    def __init__(self, machine: Machine, release: str = "6.1.0-constructed") -> None:
        self.os = OsInfo("linux", release, "x86_64")
        self.evidence = Evidence(self.os)
        self._files, self._dirs = machine.tree()
        self._commands = dict(machine.commands)
        self._passwd = machine.passwd

    def run(self, argv: Sequence[str], timeout: float = 5.0) -> CommandResult:
        """Answer from the machine's commands; getent reads its passwd; others are missing."""
        key = tuple(argv)
        result = self._commands.get(key)
        if result is None and key[:2] == ("getent", "passwd"):
            line = next((ln for ln in self._passwd.splitlines()
                         if ln.split(":")[2:3] == [key[2]]), None)
            result = ok(line + "\n", key) if line else failed(key, 2, "")
        if result is None:
            result = CommandResult(key, None, error="not_found")
        self.evidence.commands.append(result)
        return result

    def read_file(self, path: str) -> str | None:
        """The machine's file, or None."""
        value = self._files.get(path)
        self.evidence.files[path] = value
        return value

    def list_dir(self, path: str) -> list[str] | None:
        """The machine's directory listing, or None."""
        value = self._dirs.get(path)
        self.evidence.dirs[path] = value
        return value

    def snapshot(self, name: str) -> Any:
        """No snapshots here."""
        return None

    def measure(self, name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        """No measurements here."""
        return None


def mountinfo(*rows: tuple[str, str, str, str, str]) -> str:
    """Build mountinfo text from (majmin, root, mount point, fstype, source) rows."""
    lines = []
    for i, (majmin, root, mp, fstype, source) in enumerate(rows, start=20):
        parent = 1 if mp == "/" else 20
        lines.append(f"{i} {parent} {majmin} {root} {mp} rw,relatime shared:{i} - {fstype} "
                     f"{source} rw")
    return "\n".join(lines) + "\n"


PROC = (("0:21", "/", "/proc", "proc", "proc"), ("0:22", "/", "/sys", "sysfs", "sysfs"),
        ("0:5", "/", "/dev", "devtmpfs", "udev"), ("0:25", "/", "/run", "tmpfs", "tmpfs"))


def blkid(device: str, stdout: str) -> tuple[tuple[str, ...], CommandResult]:
    """A `blkid -p -o export` run (as root) that printed stdout; exit 2 when it found nothing."""
    argv = ("blkid", "-p", "-o", "export", device)
    return argv, CommandResult(argv, 0 if stdout else 2, stdout, "", 3)


def blkid_denied(device: str) -> tuple[tuple[str, ...], CommandResult]:
    """`blkid -p` as a normal user: exit 2 and this stderr (captured with setpriv as nobody)."""
    argv = ("blkid", "-p", "-o", "export", device)
    return argv, CommandResult(argv, 2, "", f"blkid: error: {device}: Permission denied\n", 3)


def udev_db(*props: str) -> str:
    """A /run/udev/data/b<MAJ:MIN> file in systemd's format (sd-device/device-private.c)."""
    return ("I:4312517\n" + "".join(f"E:{p}\n" for p in props)
            + "G:systemd\nQ:systemd\nV:1\n")
