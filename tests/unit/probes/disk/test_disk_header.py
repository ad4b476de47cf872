"""Unit tests for judging a block device by its on-disk header (blkid -p, udev's record)."""

from __future__ import annotations

import pytest
from disk_fakesys import PROC, Dev, FakeHost, Machine, blkid, blkid_denied, mountinfo, udev_db

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.disk import PROBE, linux
from wfhaudit.probes.disk.decide import Verdict
from wfhaudit.probes.disk.linux.blockdev import BlockNode, node_verdict
from wfhaudit.probes.disk.linux.header import (
    Header,
    blkid_argv,
    classify_blkid,
    classify_block_device,
    classify_fields,
    parse_export,
    parse_udev_db,
    read_header,
)
from wfhaudit.probes.disk.linux.unmounted import MAX_PROBES

# Captured here (util-linux 2.38.1) with `blkid -p -o export` on loop devices, as root.
LUKS2_LOOP = ("DEVNAME=/dev/loop0\nVERSION=2\nUUID=cd80f1eb-7916-4145-bd58-573ed6eee99e\n"
              "TYPE=crypto_LUKS\nUSAGE=crypto\n")
LUKS1_LOOP = ("DEVNAME=/dev/loop1\nVERSION=1\nUUID=cc3fcbf0-3791-492c-8e87-1b9775a2e6ba\n"
              "TYPE=crypto_LUKS\nUSAGE=crypto\n")
EXT4_LOOP = ("DEVNAME=/dev/loop2\nUUID=c562fa61-03f0-482f-926e-eff12c6a4e47\nVERSION=1.0\n"
             "BLOCK_SIZE=1024\nTYPE=ext4\nUSAGE=filesystem\n")
SWAP_LOOP = ("DEVNAME=/dev/loop3\nUUID=1652b742-4802-4a37-9960-7f9c0911c611\nVERSION=1\n"
             "TYPE=swap\nUSAGE=other\n")
ESP_NO_FS = ("DEVNAME=/dev/loop4p1\nPART_ENTRY_SCHEME=gpt\n"
             "PART_ENTRY_UUID=e9bff298-6983-064c-aec8-b10810cb5aa6\n"
             "PART_ENTRY_TYPE=c12a7328-f81f-11d2-ba4b-00a0c93ec93b\nPART_ENTRY_NUMBER=1\n"
             "PART_ENTRY_OFFSET=2048\nPART_ENTRY_SIZE=32768\nPART_ENTRY_DISK=7:4\n")
GPT_DISK = ("DEVNAME=/dev/loop4\nPTUUID=5a4303aa-f21b-3b40-b2c6-2e0ac8743dca\nPTTYPE=gpt\n")
# As user nobody (setpriv), and as root on the mounted virtio root disk of this VM.
DENIED = "blkid: error: /dev/loop0: Permission denied\n"
EPERM = "blkid: error: /dev/vda: Operation not permitted\n"


def run(stdout: str, rc: int | None = 0, stderr: str = "", error: str | None = None,
        device: str = "/dev/loop0") -> Header:
    return classify_blkid(CommandResult(blkid_argv(device), rc, stdout, stderr, 3, error), device)


@pytest.mark.parametrize(("stdout", "kind", "method"), [
    (LUKS2_LOOP, "encrypted", "luks2"), (LUKS1_LOOP, "encrypted", "luks1"),
    (EXT4_LOOP, "plain", ""), (SWAP_LOOP, "plain", ""), (ESP_NO_FS, "none", ""),
    (GPT_DISK, "table", ""),
    ("TYPE=crypto_LUKS\nVERSION=3\nUSAGE=crypto\n", "encrypted", "luks"),
    ("UUID=0000000000000000\nVERSION=2\nTYPE=BitLocker\nUSAGE=crypto\n", "encrypted",
     "bitlocker"),
    ("VERSION=1\nTYPE=cs_fvault2\nUSAGE=crypto\n", "encrypted", "filevault"),
    ("TYPE=DM_integrity\nUSAGE=crypto\n", "plain", ""),
    ("TYPE=DM_verity_hash\nUSAGE=crypto\n", "container", ""),
    ("TYPE=swsuspend\nUSAGE=other\n", "plain", ""),
    ("TYPE=zfs_member\nUSAGE=filesystem\n", "container", ""),
    ("TYPE=LVM2_member\nUSAGE=raid\n", "container", ""),
    ("TYPE=isw_raid_member\nUSAGE=raid\n", "container", ""),
    ("TYPE=apfs\nUSAGE=filesystem\n", "unknown", ""),
    ("TYPE=xfs\nUSAGE=filesystem\n", "plain", ""),
    ("TYPE=some_new_crypt\nUSAGE=crypto\n", "unknown", ""),
])
def test_captured_and_known_blkid_outputs(stdout: str, kind: str, method: str) -> None:
    header = run(stdout)
    assert (header.kind, header.method) == (kind, method), header.reason
    assert header.reason.startswith("/dev/loop0 ")


def test_verdicts_and_reasons_name_the_header() -> None:
    assert run(LUKS2_LOOP).verdict == Verdict.encrypted(
        "luks2", "/dev/loop0 holds a LUKS2 header (blkid -p)")
    assert run(EXT4_LOOP).verdict.state == "plain"
    assert "unencrypted ext4 filesystem" in run(EXT4_LOOP).reason
    none = run("", rc=2)
    assert none.kind == "none" and none.verdict.state == "unknown"
    assert "VeraCrypt" in none.reason, "a headerless volume must say VeraCrypt is undetectable"
    assert run(ESP_NO_FS).part_type == "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"


@pytest.mark.parametrize(("rc", "stdout", "stderr", "error", "want"), [
    (2, "", DENIED, None, "blkid needs root to read /dev/loop0"),
    (2, "", EPERM, None, "Operation not permitted"),
    (None, "", "", "not_found", "blkid is not installed"),
    (None, "", "", "timeout", "did not answer in time"),
    (8, "", "/dev/loop0: ambivalent result (probably more filesystems on the device, use "
     "wipefs(8) to see more details)\n", None, "more than one signature"),
    (2, "", "/dev/loop0: ambivalent result (probably more filesystems on the device)\n", None,
     "more than one signature"),
    (0, "\x00garbage without equals\n", "", None, "nothing we recognise"),
    (4, "", "blkid: unknown option\n", None, "exited with status 4"),
])
def test_failures_are_unknown_with_a_reason(rc: int | None, stdout: str, stderr: str,
                                            error: str | None, want: str) -> None:
    header = run(stdout, rc, stderr, error)
    assert header.kind == "unknown" and header.verdict.state == "unknown"
    assert want in header.reason


def test_device_written_text_cannot_steer_the_verdict() -> None:
    label = f"LABEL=Permission denied\n{EXT4_LOOP}"
    assert run(label).kind == "plain", "only stderr may say permission denied"
    odd = run("TYPE=ext4\x1b[31mred\nUSAGE=filesystem\n")
    assert "\x1b" not in odd.reason and "? filesystem" in odd.reason


def test_parsers_keep_only_known_shapes() -> None:
    assert parse_export("TYPE=ext4\nlower=x\nno equals\nUSAGE = x\n") == {"TYPE": "ext4"}
    db = udev_db("ID_FS_TYPE=crypto_LUKS", "ID_FS_VERSION=2", "ID_FS_USAGE=crypto",
                 "ID_FS_UUID=abc", "ID_PART_ENTRY_TYPE=ebd0a0a2-b9e5-4433-87c0-68b6b72699c7")
    assert parse_udev_db("S:disk/by-uuid/x\n" + db) == {
        "TYPE": "crypto_LUKS", "VERSION": "2", "USAGE": "crypto",
        "PART_ENTRY_TYPE": "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7"}
    assert classify_fields(parse_udev_db(db), "/dev/sdb1", "udev").method == "luks2"


def _machine(files: dict[str, str | None] | None = None,
             commands: dict[tuple[str, ...], CommandResult] | None = None) -> FakeHost:
    devices = [Dev("sdb", "8:16"), Dev("sdb1", "8:17", "part", "sdb")]
    return FakeHost(Machine(devices, mountinfo(*PROC), commands=commands or {},
                            extra_files=files or {}))


def test_udev_record_answers_without_root_and_blkid_is_the_fallback() -> None:
    host = _machine({"/run/udev/data/b8:17": udev_db("ID_FS_TYPE=crypto_LUKS",
                                                     "ID_FS_VERSION=2")})
    assert classify_block_device(host, "/dev/sdb1") == (
        True, "luks2", "/dev/sdb1 holds a LUKS2 header (udev)")
    assert host.evidence.commands == [], "udev answered, so blkid must not run"

    host = _machine({"/run/udev/data/b8:17": udev_db("ID_PART_ENTRY_SCHEME=gpt")},
                    dict([blkid_denied("/dev/sdb1")]))
    encrypted, method, reason = classify_block_device(host, "sdb1")
    assert (encrypted, method) == (None, "")
    assert reason == "blkid needs root to read /dev/sdb1: run wfhaudit with sudo to check its header"

    host = _machine(commands=dict([blkid("/dev/sdb1", EXT4_LOOP.replace("loop2", "sdb1"))]))
    assert classify_block_device(host, "/dev/sdb1")[0] is False
    reserved = udev_db("ID_PART_ENTRY_TYPE=E3C9E316-0B5C-4DB8-817D-F92DF00215AE")
    header = read_header(_machine({"/run/udev/data/b8:17": reserved}), "/dev/sdb1")
    assert header.kind == "none" and header.part_type.startswith("e3c9e316")


def _dm(name: str, uuid: str | None, *parents: BlockNode) -> BlockNode:
    return BlockNode(name, f"/sys/class/block/{name}", uuid, name + "-map", True, parents=parents)


SDA2 = BlockNode("sda2", "/sys/class/block/sda2", partition=True)
SDB1 = BlockNode("sdb1", "/sys/class/block/sdb1", partition=True)


def test_dm_device_sysfs_cannot_type_is_judged_by_the_headers_below() -> None:
    headers = {"sda2": Verdict.encrypted("luks2", "/dev/sda2 holds a LUKS2 header"),
               "sdb1": Verdict.plain("/dev/sdb1 holds an unencrypted ext4 filesystem")}
    asked: list[str] = []

    def header(node: BlockNode) -> Verdict:
        asked.append(node.name)
        return headers[node.name]

    v = node_verdict(_dm("dm-0", None, SDA2), None, header)
    assert (v.state, v.methods) == ("encrypted", ("luks2",)) and "LUKS2 header" in v.reason
    assert node_verdict(_dm("dm-0", "CRYPT-LUKS9-u-x", SDA2), None, header).state == "encrypted"
    plain_below = node_verdict(_dm("dm-0", None, SDB1), None, header)
    assert plain_below.state == "unknown" and "dmsetup table" in plain_below.reason
    assert "unencrypted ext4" in plain_below.reason
    assert node_verdict(_dm("dm-0", None, SDA2, SDB1), None, header).state == "unknown"
    assert node_verdict(_dm("dm-0", None, SDA2)).state == "unknown", "no header check: as before"
    asked.clear()
    assert node_verdict(_dm("dm-0", "CRYPT-LUKS2-u-x", SDA2), None, header).state == "encrypted"
    assert node_verdict(SDB1, None, header).state == "plain"
    assert asked == [], "typed dm devices and plain partitions never need a header read"


def _unmounted(count: int, removable: bool = False) -> dict[str, Fact]:
    devices = [Dev("nvme0n1", "259:0"), Dev("nvme0n1p1", "259:1", "part", "nvme0n1"),
               Dev("sdb", "8:16", removable=removable),
               *(Dev(f"sdb{n}", f"8:{16 + n}", "part", "sdb") for n in range(1, count + 1))]
    commands = dict(blkid(f"/dev/sdb{n}", EXT4_LOOP) for n in range(1, count + 1))
    host = FakeHost(Machine(devices, mountinfo(("259:1", "/", "/", "ext4", "/dev/nvme0n1p1"),
                                               *PROC), commands=commands))
    return {f.key: f for f in PROBE.collect(ProbeContext(host=host))}


def test_unmounted_scan_is_bounded_and_skips_removable_disks() -> None:
    facts = _unmounted(2)
    assert facts["disk.unencrypted_volumes"].value == ["/", "unmounted:/dev/sdb1",
                                                       "unmounted:/dev/sdb2"]
    assert _unmounted(3, removable=True)["disk.unencrypted_volumes"].value == ["/"]
    many = _unmounted(MAX_PROBES + 1)["disk.unencrypted_volumes"]
    assert not many.is_known and f"more than {MAX_PROBES}" in (many.reason or "")


def test_unreadable_sys_block_keeps_the_mounted_answer_and_says_so() -> None:
    host = FakeHost(Machine([Dev("vda", "254:0")], mountinfo(("254:0", "/", "/", "ext4",
                                                                "/dev/vda"), *PROC),
                            extra_dirs={"/sys/block": None}))
    fact = linux.collect(ProbeContext(host=host))[-1]
    assert fact.value == ["/"]
    assert "unmounted volumes not checked: /sys/block cannot be read" in (fact.detail or "")
