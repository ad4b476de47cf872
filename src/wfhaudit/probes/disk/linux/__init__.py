"""Linux disk encryption: `/` and the user's home mapped through dm/LVM/md/loop in sysfs, no root.

Order of evidence: mountinfo -> sysfs device stack (dm uuid CRYPT-<TYPE>-...) -> ZFS native
encryption or ZFS on LUKS -> fscrypt on the home folder (lsattr E flag, fscrypt status) ->
lsblk only when sysfs could not be walked. cryptsetup status needs root and is never used.
A device's on-disk header (udev's record, else `blkid -p`, root) types a dm device sysfs
cannot, and judges fixed volumes nothing mounts (a locked LUKS partition is encrypted).
"""

from __future__ import annotations

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult, Host
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.disk.decide import Verdict, all_of, system_facts, unknown_all
from wfhaudit.probes.disk.linux.blockdev import (
    SYS_CLASS_BLOCK,
    BlockNode,
    kname_for_source,
    node_verdict,
    read_node,
)
from wfhaudit.probes.disk.linux.chain import (
    MountChain,
    chain_for_mount,
    read_mounts,
    resolve_mount_chain,
)
from wfhaudit.probes.disk.linux.fs import (
    LSBLK,
    ZFS_GET,
    ZPOOL_STATUS,
    fscrypt_argv,
    lsattr_argv,
    lsblk_verdict,
    parse_fscrypt_status,
    parse_lsattr_flags,
    parse_zfs_get,
    parse_zpool_vdevs,
    zfs_dataset_verdict,
)
from wfhaudit.probes.disk.linux.header import BLKID_TEMPLATE, BLKID_TIMEOUT, Header, read_header
from wfhaudit.probes.disk.linux.mounts import MOUNTINFO, Mount, find_mount
from wfhaudit.probes.disk.linux.volumes import unencrypted_volumes

LOGINUID = "/proc/self/loginuid"
STATUS = "/proc/self/status"
NO_LOGINUID = "4294967295"
FSCRYPT_FS = frozenset({"ext4", "f2fs"})
CONTAINER_MARKERS = ("/.dockerenv", "/run/.containerenv")
MAX_BACKING_DEPTH = 2

COMMANDS = [("getent", "passwd", "{uid}"), lsattr_argv("{home}"), fscrypt_argv("{home}"),
            ZFS_GET, ZPOOL_STATUS, LSBLK, BLKID_TEMPLATE]


def getent_argv(uid: str) -> tuple[str, ...]:
    """Look up one passwd entry (NSS-aware: LDAP, systemd-homed) for the home directory."""
    return ("getent", "passwd", uid)


def parse_uid(loginuid: str | None, status: str | None) -> str | None:
    """The login uid (survives sudo) or else the real uid from /proc/self/status."""
    value = (loginuid or "").strip()
    if value.isdecimal() and value != NO_LOGINUID:
        return value
    for line in (status or "").splitlines():
        if line.startswith("Uid:"):
            fields = line.split()
            if len(fields) >= 2 and fields[1].isdecimal():
                return fields[1]
    return None


def parse_passwd_home(text: str) -> str | None:
    """The home directory field of one passwd line."""
    fields = text.strip().splitlines()[0].split(":") if text.strip() else []
    if len(fields) >= 7 and fields[5].startswith("/"):
        return fields[5]
    return None


class LinuxDisk:
    """One collection run: caches zfs/zpool/lsblk answers and records the sources used."""

    def __init__(self, host: Host, mounts: list[Mount]) -> None:
        self.host = host
        self.mounts = mounts
        self.sources: list[str] = [MOUNTINFO]
        self._cmd: dict[tuple[str, ...], CommandResult] = {}
        self._headers: dict[str, Header] = {}

    def src(self) -> list[str]:
        """The sources so far, each once."""
        return list(dict.fromkeys(self.sources))

    def run(self, argv: tuple[str, ...], timeout: float = 5.0) -> CommandResult:
        """Run a command once per collection and remember it as a source."""
        if argv not in self._cmd:
            self._cmd[argv] = self.host.run(argv, timeout=timeout)
            self.sources.append(" ".join(argv))
        return self._cmd[argv]

    def header(self, name: str) -> Header:
        """The on-disk header of /dev/<name> (udev record or blkid -p), once per run."""
        if name not in self._headers:
            self._headers[name] = read_header(
                self.host, name, lambda argv: self.run(argv, BLKID_TIMEOUT), self.sources)
        return self._headers[name]

    def verdict(self, chain: MountChain, depth: int = 0) -> Verdict:
        """Encryption verdict for one mount."""
        mount = chain.mount
        if mount is None:
            return Verdict.unknown(chain.note or f"no mount holds {chain.path}")
        mp, fs = mount.mount_point, mount.fstype
        if chain.kind == "stacked":
            return Verdict.encrypted(chain.note, f"{mp} is an {fs} mount (file-level encryption)")
        if chain.kind == "overlay":
            hint = next((f" (this looks like a container: {m} exists)" for m in CONTAINER_MARKERS
                         if self.host.read_file(m) is not None), "")
            return Verdict.unknown(f"{mp} is an overlay filesystem{hint}: the disk that holds it "
                                   "cannot be seen from here; run wfhaudit on the host itself")
        if chain.kind == "network":
            return Verdict.unknown(f"{mp} is on a network filesystem ({fs} {mount.source}); its "
                                   "encryption is decided on the server")
        if chain.kind == "memory":
            return Verdict.unknown(f"{mp} is {fs}, kept in memory (a live or container system): "
                                   "there is no installed disk to judge")
        if chain.kind == "zfs":
            return self.zfs_verdict(mount.source)
        if chain.node is None:
            return Verdict.unknown(f"{mp} is a {fs} filesystem without a block device we can follow")
        return self.node_verdict(chain.node, mount, depth)

    def node_verdict(self, node: BlockNode, mount: Mount | None, depth: int) -> Verdict:
        """Verdict for a device stack, with lsblk as a second opinion when sysfs failed."""
        self.sources.append(node.sysdir)
        v = node_verdict(node, lambda path: self.backing_verdict(path, depth + 1),
                         lambda below: self.header(below.name).verdict)
        if v.state == "unknown" and node.error and mount is not None and mount.major:
            result = self.run(LSBLK)
            if result.ok:
                second = lsblk_verdict(result.stdout, mount.majmin)
                if second.state != "unknown":
                    return second
                return Verdict.unknown(f"{node.error}; {second.reason}")
            return Verdict.unknown(f"{node.error}; {result.failure()}")
        return Verdict(v.state, v.methods, f"{node.chain()}: {v.reason}", v.in_progress)

    def backing_verdict(self, path: str, depth: int) -> Verdict:
        """A loop device stores its data in a file: judge the filesystem holding that file."""
        if path.endswith("(deleted)"):
            return Verdict.unknown(f"the file behind a loop device was deleted ({path})")
        if depth > MAX_BACKING_DEPTH:
            return Verdict.unknown(f"loop devices nested too deep at {path}")
        chain = resolve_mount_chain(self.host, path, self.mounts)
        v = self.verdict(chain, depth)
        where = chain.mount.mount_point if chain.mount else "?"
        return Verdict(v.state, v.methods, f"loop file {path} on {where}: {v.reason}", v.in_progress)

    def zfs_verdict(self, dataset: str) -> Verdict:
        """Native ZFS encryption, else LUKS under the pool's vdevs."""
        result = self.run(ZFS_GET)
        if not result.ok:
            return Verdict.unknown(f"{dataset} is a ZFS dataset and {result.failure()}")
        native = zfs_dataset_verdict(parse_zfs_get(result.stdout), dataset)
        if native is not None:
            return native
        pool = dataset.split("/", 1)[0]
        status = self.run(ZPOOL_STATUS)
        paths = parse_zpool_vdevs(status.stdout).get(pool, []) if status.ok else []
        if not paths:
            why = status.failure() if not status.ok else f"zpool status lists no devices for {pool}"
            return Verdict.unknown(f"ZFS dataset {dataset} has encryption=off and the devices "
                                   f"under pool {pool} could not be checked for LUKS: {why}")
        parts = []
        for path in paths:
            kname = kname_for_source(self.host, path)
            if kname is None:
                parts.append(Verdict.unknown(f"vdev {path} of pool {pool} not found in sysfs"))
                continue
            parts.append(self.node_verdict(read_node(self.host, f"{SYS_CLASS_BLOCK}/{kname}"),
                                           None, 0))
        below = all_of(parts, f"pool {pool}")
        if below.state == "plain":
            return Verdict.plain(f"ZFS dataset {dataset} has encryption=off and pool {pool} sits "
                                 f"on unencrypted devices ({below.reason})")
        return Verdict(below.state, below.methods, f"ZFS pool {pool} on {below.reason}",
                       below.in_progress)

    def fscrypt_verdict(self, home: str) -> Verdict:
        """Judge whether the home folder itself is fscrypt-encrypted (ext4/f2fs, per folder)."""
        res = self.run(lsattr_argv(home))
        flags = parse_lsattr_flags(res.stdout) if res.ok else None
        if flags is not None:
            if "E" in flags:
                return Verdict.encrypted("fscrypt", f"{home} has an fscrypt policy (lsattr: {flags})")
            return Verdict.plain(f"{home} has no fscrypt policy (lsattr: {flags})")
        res2 = self.run(fscrypt_argv(home))
        answer = parse_fscrypt_status(res2.stdout, res2.stderr) if res2.error is None else None
        if answer is True:
            return Verdict.encrypted("fscrypt", f"`fscrypt status` says {home} is encrypted")
        if answer is False:
            return Verdict.plain(f"`fscrypt status` says {home} is not encrypted")
        why = res.failure() if not res.ok else "lsattr printed no flags"
        return Verdict.unknown(f"whether {home} uses fscrypt is unknown: {why}; {res2.failure()}")

    def home_path(self) -> tuple[str | None, str]:
        """The user's home directory (from the login uid, so sudo does not turn it into /root)."""
        self.sources.append(LOGINUID)
        uid = parse_uid(self.host.read_file(LOGINUID), None)
        if uid is None:
            self.sources.append(STATUS)
            uid = parse_uid(None, self.host.read_file(STATUS))
        if uid is None:
            return None, f"the user id could not be read from {STATUS}"
        result = self.run(getent_argv(uid))
        home = parse_passwd_home(result.stdout) if result.ok else None
        if home is None:
            return None, result.failure() if not result.ok else f"no home in passwd for uid {uid}"
        return home, ""

    def home_verdict(self, home: str, root: MountChain, root_v: Verdict) -> tuple[Verdict, bool]:
        """Verdict for the home folder and whether it shares the root mount."""
        chain = resolve_mount_chain(self.host, home, self.mounts)
        same = chain.mount is not None and root.mount is not None and \
            chain.mount.mount_id == root.mount.mount_id
        v = root_v if same else self.verdict(chain)
        if v.state == "encrypted" or chain.mount is None or chain.mount.fstype not in FSCRYPT_FS:
            return v, same
        fv = self.fscrypt_verdict(home)
        if fv.state == "encrypted":
            return Verdict("encrypted", fv.methods, fv.reason, v.in_progress), False
        if fv.state == "unknown" and v.state == "plain":
            return Verdict.unknown(f"{v.reason}; {fv.reason}"), False
        return v, same


def collect(ctx: ProbeContext) -> list[Fact]:
    """The four disk facts for Linux."""
    host = ctx.host
    mounts = read_mounts(host)
    if not mounts:
        return unknown_all(f"{MOUNTINFO} could not be read", [MOUNTINFO])
    run = LinuxDisk(host, mounts)
    root_mount = find_mount(mounts, "/")
    if root_mount is None:
        return unknown_all(f"no root filesystem in {MOUNTINFO}", [MOUNTINFO])
    root = chain_for_mount(host, "/", root_mount)
    root_v = run.verdict(root)
    home, why = run.home_path()
    if home is None:
        parts = [("the system volume /", root_v),
                 ("your home folder", Verdict.unknown(f"it could not be found: {why}"))]
    else:
        home_v, same = run.home_verdict(home, root, root_v)
        if same:
            parts = [(f"the system volume / (also holds your home {home})", root_v)]
        else:
            parts = [("the system volume /", root_v), (f"your home {home}", home_v)]
    return [*system_facts(parts, run.sources), unencrypted_volumes(run, root, root_v)]
