"""Walk a block device's stack in sysfs (dm, LVM, md, partitions, loop) without root.

Everything here is world-readable: /sys/dev/block/MAJ:MIN (a symlink to the device's sysfs
directory), its dm/uuid and dm/name, slaves/ (the devices below it) and, for partitions,
the parent disk. cryptsetup names every mapping it creates `CRYPT-<TYPE>-...` in dm/uuid
(lib/libdevmapper.c dm_prepare_uuid), which tells a LUKS2 volume from a dm-verity one
without reading the (root-only) device table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from wfhaudit.host import Host
from wfhaudit.probes.disk.decide import Verdict, all_of

SYS_DEV_BLOCK = "/sys/dev/block"
SYS_CLASS_BLOCK = "/sys/class/block"
MAX_NODES = 64
MAX_DEPTH = 12

# dm uuid prefix -> (method, label). Longest prefixes first: LUKS2-OPAL before LUKS2.
CRYPT_TYPES: tuple[tuple[str, str, str], ...] = (
    ("CRYPT-LUKS2-OPAL-", "luks2", "LUKS2 with OPAL self-encrypting drive"),
    ("CRYPT-LUKS1-", "luks1", "LUKS1"),
    ("CRYPT-LUKS2-", "luks2", "LUKS2"),
    ("CRYPT-PLAIN-", "dm-crypt-plain", "plain dm-crypt"),
    ("CRYPT-LOOPAES-", "loop-aes", "loop-AES"),
    ("CRYPT-TCRYPT-", "veracrypt", "VeraCrypt/TrueCrypt"),
    ("CRYPT-BITLK-", "bitlocker", "BitLocker (opened by cryptsetup)"),
    ("CRYPT-FVAULT2-", "filevault", "FileVault2 (opened by cryptsetup)"),
    ("CRYPT-TEMP-", "dm-crypt", "temporary dm-crypt"),
)
# Integrity only, no confidentiality: the data underneath is readable.
NOT_CONFIDENTIAL = ("CRYPT-VERITY-", "CRYPT-INTEGRITY-")
# cryptsetup's own helper layers (LUKS2 integrity, TCRYPT cascades, re-encryption).
HELPER = "CRYPT-SUBDEV-"
# Names cryptsetup gives the helpers of an online LUKS2 re-encryption (luks2_reencrypt.c).
REENCRYPT_SUFFIXES = ("-hotzone-forward", "-hotzone-backward", "-overlay")


@dataclass(frozen=True)
class BlockNode:
    """One block device and the devices its data is stored on (parents)."""

    name: str
    sysdir: str
    dm_uuid: str | None = None
    dm_name: str | None = None
    is_dm: bool = False
    partition: bool = False
    loop_backing: str | None = None
    removable: bool = False
    parents: tuple[BlockNode, ...] = ()
    error: str | None = None

    @property
    def label(self) -> str:
        """Short human name, e.g. `dm-0 (luks-3f2a)`."""
        return f"{self.name} ({self.dm_name})" if self.dm_name else self.name

    def chain(self) -> str:
        """The stack as text, top first, e.g. `dm-1 (vg-root) <- dm-0 (luks) <- sda3`."""
        if not self.parents:
            return self.label
        below = ", ".join(p.chain() for p in self.parents)
        return f"{self.label} <- {below}" if len(self.parents) == 1 else f"{self.label} <- [{below}]"

    def leaves(self) -> list[BlockNode]:
        """The bottom devices of the stack (disks, loops)."""
        if not self.parents:
            return [self]
        return [leaf for p in self.parents for leaf in p.leaves()]


@dataclass
class _Budget:
    nodes: int = 0
    seen: set[str] = field(default_factory=set)


def _uevent_name(text: str | None) -> str | None:
    for line in (text or "").splitlines():
        key, _, value = line.partition("=")
        if key == "DEVNAME" and value.strip():
            return value.strip()
    return None


def _read(host: Host, path: str) -> str | None:
    text = host.read_file(path)
    return text.strip() if text is not None else None


def read_node(host: Host, sysdir: str, depth: int = 0, budget: _Budget | None = None) -> BlockNode:
    """Read one device directory and, recursively, every device below it."""
    budget = budget or _Budget()
    budget.nodes += 1
    fallback = sysdir.rstrip("/").rsplit("/", 1)[-1]
    if budget.nodes > MAX_NODES or depth > MAX_DEPTH:
        return BlockNode(fallback, sysdir, error=f"device stack under {fallback} is too deep")
    entries = host.list_dir(sysdir)
    if entries is None:
        return BlockNode(fallback, sysdir, error=f"{sysdir} cannot be read (sysfs not visible)")
    name = _uevent_name(host.read_file(f"{sysdir}/uevent")) or fallback
    if name in budget.seen:
        return BlockNode(name, sysdir, error=f"device loop through {name}")
    budget.seen.add(name)
    is_dm = "dm" in entries
    dm_uuid = (_read(host, f"{sysdir}/dm/uuid") or None) if is_dm else None
    dm_name = (_read(host, f"{sysdir}/dm/name") or None) if is_dm else None
    parents: list[BlockNode] = []
    if "slaves" in entries:
        parents.extend(read_node(host, f"{SYS_CLASS_BLOCK}/{slave}", depth + 1, budget)
                       for slave in (host.list_dir(f"{sysdir}/slaves") or [])[:16])
    partition = "partition" in entries
    if partition:
        disk = _uevent_name(host.read_file(f"{sysdir}/../uevent"))
        if disk:
            parents.append(read_node(host, f"{SYS_CLASS_BLOCK}/{disk}", depth + 1, budget))
    backing = _read(host, f"{sysdir}/loop/backing_file") if "loop" in entries else None
    removable = "removable" in entries and _read(host, f"{sysdir}/removable") == "1"
    return BlockNode(name, sysdir, dm_uuid, dm_name, is_dm, partition, backing or None,
                     removable, tuple(parents))


def read_majmin(host: Host, majmin: str) -> BlockNode:
    """The device stack for a device number as mountinfo gives it (e.g. `253:1`)."""
    return read_node(host, f"{SYS_DEV_BLOCK}/{majmin}")


def find_dm_by_name(host: Host, dm_name: str) -> str | None:
    """Kernel name (dm-N) of the device-mapper device called dm_name, by scanning sysfs."""
    for entry in (host.list_dir("/sys/block") or [])[:256]:
        if entry.startswith("dm-") and _read(host, f"/sys/block/{entry}/dm/name") == dm_name:
            return entry
    return None


def lvm_dm_name(vg: str, lv: str) -> str:
    """The dm name LVM gives /dev/VG/LV (dashes inside names are doubled)."""
    return f"{vg.replace('-', '--')}-{lv.replace('-', '--')}"


def kname_for_source(host: Host, source: str) -> str | None:
    """Kernel device name for a mount source path such as /dev/mapper/x or /dev/nvme0n1p3."""
    if not source.startswith("/dev/"):
        return None
    rest = source[len("/dev/"):]
    if rest.startswith("mapper/"):
        return find_dm_by_name(host, rest[len("mapper/"):])
    if "/" not in rest:
        return rest if host.list_dir(f"{SYS_CLASS_BLOCK}/{rest}") is not None else None
    parts = rest.split("/")
    if len(parts) == 2 and not rest.startswith("disk/"):
        return find_dm_by_name(host, lvm_dm_name(parts[0], parts[1]))
    return None


def crypt_kind(uuid: str | None) -> tuple[str, str, str] | None:
    """(kind, method, label) for a dm uuid: kind is crypt, integrity, helper or other-crypt."""
    if not uuid or not uuid.startswith("CRYPT-"):
        return None
    for prefix, method, label in CRYPT_TYPES:
        if uuid.startswith(prefix):
            return ("crypt", method, label)
    for prefix in NOT_CONFIDENTIAL:
        if uuid.startswith(prefix):
            return ("integrity", "", prefix[6:-1].lower())
    if uuid.startswith(HELPER):
        return ("helper", "", "cryptsetup helper")
    return ("other-crypt", "", uuid.split("-")[1] if uuid.count("-") else uuid)


def _reencrypting(node: BlockNode) -> bool:
    return any(p.dm_name and p.dm_name.endswith(REENCRYPT_SUFFIXES) for p in node.parents) or \
        any(_reencrypting(p) for p in node.parents if p.is_dm)


BackingCheck = Callable[[str], Verdict]
HeaderCheck = Callable[[BlockNode], Verdict]


def _by_header(node: BlockNode, header: HeaderCheck | None, fallback: str) -> Verdict:
    """A dm device sysfs cannot type: encrypted if every device right below has a LUKS header.

    A filesystem read through a mapping over a LUKS/BitLocker device is only readable if the
    mapping decrypts; anything else below leaves the question open.
    """
    if header is None or not node.parents:
        return Verdict.unknown(fallback)
    below = [header(p) for p in node.parents]
    if all(v.state == "encrypted" for v in below):
        merged = all_of(below, node.label)
        return Verdict("encrypted", merged.methods, f"{node.label} shows no dm type, but every "
                       "device below it carries an encryption header, so what it holds is "
                       f"decrypted on the way up: {merged.reason}")
    notes = "; ".join(dict.fromkeys(v.reason for v in below if v.state != "encrypted"))
    return Verdict.unknown(f"{fallback}; {notes}" if notes else fallback)


def node_verdict(node: BlockNode, backing: BackingCheck | None = None,
                 header: HeaderCheck | None = None) -> Verdict:
    """Is the data written to this device encrypted at rest? Decided from the stack below it.

    `header` classifies a device from its on-disk header; it is asked only about the devices
    right below a dm device whose type sysfs does not show.
    """
    if node.error:
        return Verdict.unknown(node.error)
    kind = crypt_kind(node.dm_uuid)
    if kind and kind[0] == "crypt":
        reason = f"{node.label} is a {kind[2]} mapping"
        if _reencrypting(node):
            return Verdict("unknown", (kind[1],),
                           f"{reason} being re-encrypted online (cryptsetup reencrypt); part of "
                           "the data may still be unencrypted until it finishes", True)
        return Verdict.encrypted(kind[1], reason)
    if kind and kind[0] == "other-crypt":
        return _by_header(node, header, f"{node.label} is a cryptsetup mapping of a type we do "
                          f"not know ({kind[2]}); check it with `sudo cryptsetup status "
                          f"{node.dm_name}`")
    if not node.parents:
        if node.loop_backing and backing is not None:
            return backing(node.loop_backing)
        if node.is_dm:
            return Verdict.unknown(f"{node.label} is a device-mapper device with nothing below it "
                                   "that we can see")
        return Verdict.plain("no encryption layer")
    below = all_of([node_verdict(p, backing, header) for p in node.parents], node.label)
    if node.is_dm and kind is None and not node.dm_uuid and below.state != "encrypted":
        return _by_header(node, header, f"{node.label} is a device-mapper device without a "
                          "uuid, so its type (it could be dm-crypt) cannot be read without root: "
                          f"run `sudo dmsetup table {node.dm_name or node.name}`")
    return below
