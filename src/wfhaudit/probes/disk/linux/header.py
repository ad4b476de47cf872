"""Classify a block device from its on-disk header: udev's probe record, else `blkid -p` (root).

A LUKS volume that nobody has opened has no device-mapper mapping, so sysfs cannot show it;
its header can. udev's blkid builtin stores what it found in /run/udev/data/b<MAJ>:<MIN>
(world-readable, `E:ID_FS_TYPE=crypto_LUKS`), and `blkid -p -o export /dev/X` reads the
header itself but needs read access to the device node (root). Type names and usages follow
libblkid: crypto_LUKS, BitLocker and cs_fvault2 encrypt; DM_integrity and DM_verity_hash are
also filed under "crypto" by libblkid but hide nothing. VeraCrypt/TrueCrypt and plain dm-crypt
write no header at all, so they look exactly like an empty or random partition.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from wfhaudit.host import CommandResult, Host
from wfhaudit.probes.disk.decide import Verdict

BLKID_TEMPLATE = ("blkid", "-p", "-o", "export", "{device}")
BLKID_TIMEOUT = 3.0
UDEV_DATA = "/run/udev/data"
SYS_CLASS_BLOCK = "/sys/class/block"
# blkid exit status for "more than one signature" (blkid(8) RETURN CODE); older blkid exits 2
# and only says so on stderr.
AMBIVALENT = 8

ENCRYPTING = {"BitLocker": ("bitlocker", "a BitLocker header (Windows)"),
              "cs_fvault2": ("filevault", "an Apple CoreStorage FileVault2 header")}
# Pieces of something bigger: judged through what is built on them, not on their own.
CONTAINERS = {"zfs_member": "a ZFS pool member", "LVM2_member": "an LVM physical volume",
              "LVM1_member": "an LVM1 physical volume", "linux_raid_member": "an md RAID member",
              "DM_verity_hash": "a dm-verity hash tree", "DM_snapshot_cow": "a snapshot store",
              "bcache": "a bcache backing device", "drbd": "a DRBD device",
              "ceph_bluestore": "a Ceph BlueStore device"}
SWAPLIKE = {"swap": "a swap area (memory pages written in the clear)",
            "swsuspend": "a hibernation image (a copy of memory, in the clear)",
            "DM_integrity": "a dm-integrity device (checksums only, no encryption)"}
NO_HEADER_NOTE = ("it is empty, or encrypted without a header: VeraCrypt/TrueCrypt and plain "
                  "dm-crypt write none, so they cannot be told from an empty or random partition")
# Partition type GUIDs (UEFI spec, Microsoft, the Discoverable Partitions Specification) and
# MBR type bytes of partitions that never hold user data.
NOT_DATA = frozenset({
    "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",  # EFI system partition
    "21686148-6449-6e6f-744e-656564454649",  # BIOS boot
    "e3c9e316-0b5c-4db8-817d-f92df00215ae",  # Microsoft reserved
    "de94bba4-06d1-4d40-a16a-bfd50179d6ac",  # Windows recovery environment
    "bc13c2ff-59e6-4262-a352-b275fd6f7172",  # extended boot loader (/boot)
    "0xef", "0x27",  # MBR: EFI system, Windows recovery
    "0x5", "0xf", "0x85",  # MBR extended partitions (containers of logical ones)
})
_TOKEN = re.compile(r"[A-Za-z0-9_.+-]{1,40}")
_UDEV_KEYS = {"ID_FS_TYPE": "TYPE", "ID_FS_VERSION": "VERSION", "ID_FS_USAGE": "USAGE",
              "ID_PART_ENTRY_TYPE": "PART_ENTRY_TYPE", "ID_PART_ENTRY_SCHEME": "PART_ENTRY_SCHEME",
              "ID_PART_TABLE_TYPE": "PTTYPE"}


@dataclass(frozen=True)
class Header:
    """What a device's first sectors say it is, and how sure we are."""

    device: str
    kind: str  # encrypted | plain | container | table | none | unknown
    reason: str
    method: str = ""
    fstype: str = ""
    part_type: str = ""

    @property
    def verdict(self) -> Verdict:
        """The header as an encryption verdict (containers and empty devices are unknown)."""
        if self.kind == "encrypted":
            return Verdict.encrypted(self.method, self.reason)
        if self.kind == "plain":
            return Verdict.plain(self.reason)
        return Verdict.unknown(self.reason)


def blkid_argv(device: str) -> tuple[str, ...]:
    """`blkid -p -o export <device>`: low-level probe of the header, bypassing blkid's cache."""
    return ("blkid", "-p", "-o", "export", device)


def _clean(value: str) -> str:
    """A type/version token fit to show; anything else (device-written text) becomes `?`."""
    return value if _TOKEN.fullmatch(value) else "?"


def parse_export(text: str) -> dict[str, str]:
    """KEY=VALUE lines of `blkid -o export`; other lines are ignored."""
    out: dict[str, str] = {}
    for line in text.split("\n")[:200]:
        key, sep, value = line.partition("=")
        if sep and key.isupper() and key.replace("_", "").isalnum():
            out[key] = value.strip()
    return out


def parse_udev_db(text: str) -> dict[str, str]:
    """The blkid fields udev stored for a device (`E:ID_FS_TYPE=...` lines), in blkid's names."""
    out: dict[str, str] = {}
    for line in text.split("\n")[:500]:
        if not line.startswith("E:"):
            continue
        key, sep, value = line[2:].partition("=")
        if sep and key in _UDEV_KEYS:
            out[_UDEV_KEYS[key]] = value.strip()
    return out


def classify_fields(fields: dict[str, str], device: str, via: str) -> Header:
    """Judge a device from blkid's TYPE/VERSION/USAGE (and the partition entry type)."""
    raw_type = fields.get("TYPE", "")
    fstype = _clean(raw_type) if raw_type else ""
    version = _clean(fields.get("VERSION", "")) if fields.get("VERSION") else ""
    usage = fields.get("USAGE", "")
    part = fields.get("PART_ENTRY_TYPE", "").lower()
    part = part if _TOKEN.fullmatch(part) else ""

    def make(kind: str, what: str, method: str = "") -> Header:
        return Header(device, kind, f"{device} holds {what} ({via})", method, fstype, part)

    if not raw_type:
        if fields.get("PTTYPE"):
            return make("table", f"a {_clean(fields['PTTYPE'])} partition table")
        return Header(device, "none", f"{device} has no filesystem or encryption header "
                      f"({via}): {NO_HEADER_NOTE}", fstype=fstype, part_type=part)
    if raw_type == "crypto_LUKS":
        method = {"1": "luks1", "2": "luks2"}.get(version, "luks")
        label = f"LUKS{version}" if version in ("1", "2") else f"LUKS (version {version or '?'})"
        return make("encrypted", f"a {label} header", method)
    if raw_type in ENCRYPTING:
        method, what = ENCRYPTING[raw_type]
        return make("encrypted", what + (f" version {version}" if version else ""), method)
    if raw_type in SWAPLIKE:
        return make("plain", SWAPLIKE[raw_type])
    if raw_type in CONTAINERS or usage == "raid":
        return make("container", CONTAINERS.get(raw_type, f"a {fstype} RAID/volume member"))
    if raw_type == "apfs":
        return make("unknown", "an APFS container, whose encryption is per volume inside it")
    if usage == "filesystem":
        return make("plain", f"an unencrypted {fstype} filesystem")
    return make("unknown", f"a {fstype} signature (usage {_clean(usage) if usage else '?'}) "
                "that wfhaudit does not judge")


def classify_blkid(result: CommandResult, device: str) -> Header:
    """Judge a device from one `blkid -p -o export` run; every failure is an UNKNOWN reason."""
    if result.error is not None:
        return Header(device, "unknown", result.failure())
    # Only stderr: stdout carries labels that whoever formatted the device chose.
    if "Permission denied" in result.stderr:
        return Header(device, "unknown", f"blkid needs root to read {device}: run wfhaudit "
                      "with sudo to check its header")
    if result.returncode == AMBIVALENT or "ambivalent result" in result.stderr:
        return Header(device, "unknown", f"blkid found more than one signature on {device} "
                      "(ambivalent result; `wipefs` lists them)")
    if result.returncode == 2 and not result.stdout.strip() and not result.stderr.strip():
        return classify_fields({}, device, "blkid -p")
    if result.returncode != 0:
        return Header(device, "unknown", f"blkid could not read {device}: {result.failure()}")
    fields = parse_export(result.stdout)
    if not fields:
        return Header(device, "unknown", f"blkid printed nothing we recognise for {device}")
    return classify_fields(fields, device, "blkid -p")


def device_majmin(host: Host, name: str) -> str | None:
    """MAJ:MIN of a kernel device name, from its sysfs uevent."""
    values: dict[str, str] = {}
    for line in (host.read_file(f"{SYS_CLASS_BLOCK}/{name}/uevent") or "").splitlines():
        key, _, value = line.partition("=")
        values[key] = value.strip()
    major, minor = values.get("MAJOR", ""), values.get("MINOR", "")
    return f"{major}:{minor}" if major.isdecimal() and minor.isdecimal() else None


Runner = Callable[[tuple[str, ...]], CommandResult]


def read_header(host: Host, device: str, run: Runner | None = None,
                sources: list[str] | None = None) -> Header:
    """The header of /dev/<name>: udev's record when it names a type, else `blkid -p`."""
    name = device[len("/dev/"):] if device.startswith("/dev/") else device
    path = f"/dev/{name}"
    majmin = device_majmin(host, name) if "/" not in name else None
    if majmin is not None:
        db = f"{UDEV_DATA}/b{majmin}"
        fields = parse_udev_db(host.read_file(db) or "")
        # No ID_FS_TYPE may just mean udev never probed it, so only a type (or a partition
        # type that never holds data) is an answer; anything else asks blkid.
        if fields.get("TYPE") or fields.get("PART_ENTRY_TYPE", "").lower() in NOT_DATA:
            if sources is not None:
                sources.append(db)
            return classify_fields(fields, path, "udev")
    argv = blkid_argv(path)
    result = run(argv) if run is not None else host.run(argv, timeout=BLKID_TIMEOUT)
    if sources is not None:
        sources.append(" ".join(argv))
    return classify_blkid(result, path)


def classify_block_device(host: Host, device: str) -> tuple[bool | None, str, str]:
    """(encrypted: True/False/None when unknown, method, reason) for one block device."""
    header = read_header(host, device)
    encrypted = {"encrypted": True, "plain": False}.get(header.kind)
    return encrypted, header.method, header.reason
