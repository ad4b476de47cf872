"""Build the constructed Linux cases judged from on-disk headers (blkid -p, udev's record).

Run `python tests/unit/probes/disk/make_disk_header_cases.py` to rewrite them; the sync test
checks the committed files still match. The blkid texts are the ones captured on the Debian 12
development machine (util-linux 2.38.1) from loop devices, with device names, partition
numbers and the disk's MAJ:MIN changed to fit each machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from disk_fakesys import PROC, Dev, Machine, blkid, blkid_denied, mountinfo, udev_db
from make_disk_linux_cases import BOOT, LUKS2, NVME, OUT, crypt, render, sda
from make_disk_linux_cases import build as build_case

from wfhaudit.host import CommandResult

SOURCE = (
    "Constructed around real blkid output: `blkid -p -o export` was run as root on this "
    "development machine (util-linux 2.38.1) against loop devices carrying a LUKS2 header, a "
    "LUKS1 header, ext4, a swap signature, a GPT partition with no signature, and as user "
    "nobody (setpriv) for the 'Permission denied' stderr; device names, partition numbers and "
    "PART_ENTRY_DISK were changed to fit each machine. The BitLocker, NTFS and Microsoft "
    "reserved outputs are reconstructed from libblkid's probers (superblocks/bitlocker.c: "
    "TYPE=BitLocker, USAGE=crypto, VERSION from the FVE metadata) and the GPT type GUIDs; "
    "the ambivalent-result stderr from misc-utils/blkid.c; udev records follow systemd's "
    "sd-device/device-private.c (E:KEY=VALUE lines). sysfs as in make_disk_linux_cases.py. "
    "Built by tests/unit/probes/disk/make_disk_header_cases.py.")

LINUX_DATA = "0fc63daf-8483-4772-8e79-3d69d8477de4"
MS_BASIC = "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7"
MS_RESERVED = "e3c9e316-0b5c-4db8-817d-f92df00215ae"
WIN_RECOVERY = "de94bba4-06d1-4d40-a16a-bfd50179d6ac"
LUKS2_SB = ("VERSION=2\nUUID=5b6d8ce4-c5de-4695-a4fa-7c08d31c4be1\nTYPE=crypto_LUKS\n"
            "USAGE=crypto\n")
LUKS1_SB = ("VERSION=1\nUUID=cc3fcbf0-3791-492c-8e87-1b9775a2e6ba\nTYPE=crypto_LUKS\n"
            "USAGE=crypto\n")
EXT4_SB = ("UUID=bc44699b-d697-4b8a-b72a-56bfc142f3a7\nVERSION=1.0\nBLOCK_SIZE=1024\n"
           "TYPE=ext4\nUSAGE=filesystem\n")
SWAP_SB = "UUID=1652b742-4802-4a37-9960-7f9c0911c611\nVERSION=1\nTYPE=swap\nUSAGE=other\n"
BITLOCKER_SB = "UUID=0000000000000000\nVERSION=2\nTYPE=BitLocker\nUSAGE=crypto\n"
NTFS_SB = "UUID=4A3C2B1D3C2B0563\nBLOCK_SIZE=512\nTYPE=ntfs\nUSAGE=filesystem\n"
AMBIVALENT = ("{dev}: ambivalent result (probably more filesystems on the device, use wipefs(8) "
              "to see more details)\n")


def part(dev: str, disk: str, number: int, ptype: str, superblock: str = "") -> str:
    """`blkid -p -o export` text for a GPT partition, in the order blkid printed it here."""
    offset = 2048 + (number - 1) * 32768
    return (f"DEVNAME={dev}\n{superblock}PART_ENTRY_SCHEME=gpt\n"
            f"PART_ENTRY_UUID=aac6ef96-c1b3-0242-bed8-10300{number:07d}\n"
            f"PART_ENTRY_TYPE={ptype}\nPART_ENTRY_NUMBER={number}\n"
            f"PART_ENTRY_OFFSET={offset}\nPART_ENTRY_SIZE=32768\nPART_ENTRY_DISK={disk}\n")


def data_disks(*extra: Dev) -> list[Dev]:
    """LUKS2 root on NVMe, a second disk sdb with four partitions, an optical drive, a loop."""
    return [*NVME, crypt("dm-0", "253:0", LUKS2, "luks-50a2", "nvme0n1p3"), Dev("sdb", "8:16"),
            *(Dev(f"sdb{n}", f"8:{16 + n}", "part", "sdb") for n in range(1, 5)),
            Dev("sr0", "11:0", removable=True), Dev("loop0", "7:0", "loop"), *extra]


ROOT_MOUNTS = mountinfo(("253:0", "/", "/", "ext4", "/dev/mapper/luks-50a2"), *BOOT, *PROC)
ENC = {"disk.system_encrypted": True, "disk.method": "luks2",
       "disk.encryption_in_progress": False}


def cases() -> dict[str, tuple[str, Machine, dict[str, Any]]]:
    """Case name -> (description, machine, expected facts)."""
    locked = {
        **dict([blkid("/dev/sdb1", part("/dev/sdb1", "8:16", 1, LINUX_DATA, LUKS2_SB)),
                blkid("/dev/sdb2", part("/dev/sdb2", "8:16", 2, MS_BASIC, BITLOCKER_SB)),
                blkid("/dev/sdb3", part("/dev/sdb3", "8:16", 3, MS_RESERVED)),
                blkid("/dev/sdb4", part("/dev/sdb4", "8:16", 4, WIN_RECOVERY, NTFS_SB)),
                blkid("/dev/sdc", f"DEVNAME=/dev/sdc\n{LUKS1_SB}")])}
    plain = {
        **dict([blkid("/dev/sdb1", part("/dev/sdb1", "8:16", 1, LINUX_DATA, EXT4_SB)),
                blkid("/dev/sdb2", part("/dev/sdb2", "8:16", 2, LINUX_DATA, SWAP_SB)),
                blkid("/dev/sdb3", part("/dev/sdb3", "8:16", 3, LINUX_DATA)),
                blkid("/dev/sdb4", part("/dev/sdb4", "8:16", 4, MS_BASIC, LUKS2_SB))])}
    denied = dict(blkid_denied(f"/dev/sdb{n}") for n in range(1, 5)) | dict(
        [blkid_denied("/dev/sdc")])
    udev = {"/run/udev/data/b8:17": udev_db("ID_PART_ENTRY_SCHEME=gpt",
                                            f"ID_PART_ENTRY_TYPE={LINUX_DATA}",
                                            "ID_FS_VERSION=2", "ID_FS_TYPE=crypto_LUKS",
                                            "ID_FS_USAGE=crypto"),
            "/run/udev/data/b8:18": udev_db("ID_PART_ENTRY_SCHEME=gpt",
                                            f"ID_PART_ENTRY_TYPE={LINUX_DATA}",
                                            "ID_FS_VERSION=1.0", "ID_FS_TYPE=ext4",
                                            "ID_FS_USAGE=filesystem"),
            # udev found no filesystem here; the reserved partition type alone is enough.
            "/run/udev/data/b8:19": udev_db("ID_PART_ENTRY_SCHEME=gpt",
                                            f"ID_PART_ENTRY_TYPE={MS_RESERVED}"),
            "/run/udev/data/b8:20": udev_db("ID_PART_ENTRY_SCHEME=gpt",
                                            f"ID_PART_ENTRY_TYPE={MS_BASIC}",
                                            "ID_FS_VERSION=2", "ID_FS_TYPE=BitLocker",
                                            "ID_FS_USAGE=crypto")}
    sdc = Dev("sdc", "8:32")
    no_uuid = Machine([*sda(2), crypt("dm-0", "253:0", None, "manual", "sda2")],
                      mountinfo(("253:0", "/", "/", "ext4", "/dev/mapper/manual"), *PROC),
                      commands=dict([blkid("/dev/sda2", part("/dev/sda2", "8:0", 2, LINUX_DATA,
                                                              LUKS2_SB))]))
    sdb1 = ("blkid", "-p", "-o", "export", "/dev/sdb1")
    ambivalent = {**plain, sdb1: CommandResult(sdb1, 8, "", AMBIVALENT.format(dev="/dev/sdb1"),
                                               3)}
    return {
        "c-unmounted-locked-luks2-bitlocker": (
            "LUKS2 root, plus (run as root) a second disk nothing mounts: a locked LUKS2 "
            "partition, a locked BitLocker partition, Microsoft reserved and Windows recovery "
            "partitions, and a whole-disk LUKS1 sdc: all encrypted or not data, so none is "
            "listed", Machine(data_disks(sdc), ROOT_MOUNTS, commands=locked),
            {**ENC, "disk.unencrypted_volumes": []}),
        "c-unmounted-plain-ext4-and-swap": (
            "LUKS2 root, plus (run as root) unmounted partitions: plain ext4 and an inactive "
            "swap signature are listed; one with no header (empty, or VeraCrypt, which cannot "
            "be detected) and a locked LUKS2 one are not",
            Machine(data_disks(), ROOT_MOUNTS, commands=plain),
            {**ENC, "disk.unencrypted_volumes": ["unmounted:/dev/sdb1", "unmounted:/dev/sdb2"]}),
        "c-unmounted-not-root": (
            "the locked-partitions machine probed as a normal user without udev records: blkid "
            "cannot open the devices, so the unmounted volumes are UNKNOWN (the system volume "
            "is still judged from sysfs)", Machine(data_disks(sdc), ROOT_MOUNTS, commands=denied),
            {**ENC, "disk.unencrypted_volumes": {"unknown": "blkid needs root to read /dev/sdb1"}}),
        "c-unmounted-udev-not-root": (
            "as a normal user, udev's world-readable records name LUKS2, ext4 and BitLocker and "
            "the Microsoft reserved partition type, so blkid (which would be refused) is not "
            "needed: only the ext4 partition is listed",
            Machine(data_disks(), ROOT_MOUNTS, extra_files=udev),
            {**ENC, "disk.unencrypted_volumes": ["unmounted:/dev/sdb2"]}),
        "c-unmounted-blkid-ambivalent": (
            "an unmounted partition with two signatures: blkid refuses to choose (exit 8), so "
            "the volume list is UNKNOWN", Machine(data_disks(), ROOT_MOUNTS, commands=ambivalent),
            {**ENC, "disk.unencrypted_volumes": {"unknown": "more than one signature"}}),
        "c-dm-without-uuid-on-luks-header": (
            "a dm device with no uuid (made by dmsetup) over sda2, which carries a LUKS2 header "
            "(run as root): a filesystem readable through it is decrypted, so it is encrypted",
            no_uuid, {**ENC, "disk.unencrypted_volumes": []}),
    }


def render_all() -> dict[Path, str]:
    """Every header case file, path -> text."""
    out = {}
    for name, (description, machine, expect) in cases().items():
        doc = build_case(name, description, machine, expect)
        doc["source"] = SOURCE
        out[OUT / f"{name}.json"] = render(doc)
    return out


def main() -> None:
    """Write every header case."""
    for path, text in render_all().items():
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
