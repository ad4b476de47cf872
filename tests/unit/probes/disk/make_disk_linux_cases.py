"""Build the constructed Linux disk cases (tests/fixtures/cases/disk/linux/c-*.json).

Run `python tests/unit/probes/disk/make_disk_linux_cases.py` to rewrite them; a unit test
checks the committed files still match. Each case runs the real probe over a constructed
machine (disk_fakesys) and saves exactly what it read and ran.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from disk_fakesys import PROC, Dev, FakeHost, Machine, blkid_denied, failed, mountinfo, ok, udev_db

from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.disk import PROBE
from wfhaudit.probes.disk.linux.fs import LSBLK, ZFS_GET, ZPOOL_STATUS

OUT = Path(__file__).resolve().parents[3] / "fixtures" / "cases" / "disk" / "linux"
SOURCE = ("Constructed, not captured: this development kernel has no device-mapper, so no "
          "dm-crypt/LVM device could be made here. sysfs layout (uevent, slaves/, partition "
          "parent, removable, loop/backing_file) as captured for vda and loop devices on the "
          "Debian 12 machine; dm/uuid and dm/name as written by drivers/md/dm-sysfs.c with "
          "uuids in cryptsetup's CRYPT-<TYPE>-<uuid>-<name> format (lib/libdevmapper.c "
          "dm_prepare_uuid) and LVM's LVM-<vg uuid><lv uuid>. Built by "
          "tests/unit/probes/disk/make_disk_linux_cases.py.")

U = "50a260ec7bd44141add7e4f5c270d8f7"
LUKS2 = f"CRYPT-LUKS2-{U}-luks-50a260ec-7bd4-4141-add7-e4f5c270d8f7"
LUKS1 = f"CRYPT-LUKS1-{U}-cryptroot"
LVM = "LVM-Qm1cR2x4kU8cVtO0mY3hLQwqfZ0F2b9v"
NVME = [Dev("nvme0n1", "259:0"), Dev("nvme0n1p1", "259:1", "part", "nvme0n1"),
        Dev("nvme0n1p2", "259:2", "part", "nvme0n1"), Dev("nvme0n1p3", "259:3", "part", "nvme0n1")]


def sda(*numbers: int) -> list[Dev]:
    """Disk sda with only the partitions a case uses (unused ones would be probed by header)."""
    return [Dev("sda", "8:0"), *(Dev(f"sda{n}", f"8:{n}", "part", "sda") for n in numbers)]


BOOT = (("259:2", "/", "/boot", "ext4", "/dev/nvme0n1p2"),
        ("259:1", "/", "/boot/efi", "vfat", "/dev/nvme0n1p1"))
LSATTR_PLAIN = ok("--------------e------- /home/ann\n", ("lsattr", "-d", "/home/ann"))


def crypt(name: str, majmin: str, uuid: str | None, mapname: str, *slaves: str) -> Dev:
    """A device-mapper device."""
    return Dev(name, majmin, "dm", slaves=list(slaves), dm_uuid=uuid, dm_name=mapname)


def luks_root(uuid: str = LUKS2) -> Machine:
    """Plain partition layout: / on LUKS on nvme0n1p3, home on /."""
    return Machine([*NVME, crypt("dm-0", "253:0", uuid, "luks-50a2", "nvme0n1p3")],
                   mountinfo(("253:0", "/", "/", "ext4", "/dev/mapper/luks-50a2"), *BOOT, *PROC))


def _zfs(enc_root: str, enc_home: str) -> str:
    return (f"rpool\tencryption\toff\nrpool\tkeystatus\t-\n"
            f"rpool/ROOT/ubuntu_x1\tencryption\t{enc_root}\n"
            f"rpool/ROOT/ubuntu_x1\tkeystatus\t{'-' if enc_root == 'off' else 'available'}\n"
            f"rpool/USERDATA/ann_x1\tencryption\t{enc_home}\n"
            f"rpool/USERDATA/ann_x1\tkeystatus\t{'-' if enc_home == 'off' else 'available'}\n")


def zfs_machine(enc: str, vdev: str, devices: list[Dev], zfs_ok: bool = True) -> Machine:
    """Ubuntu-style ZFS root with a per-user dataset on /home/ann."""
    status = (f"  pool: rpool\n state: ONLINE\nconfig:\n\n\tNAME        STATE     READ WRITE "
              f"CKSUM\n\trpool       ONLINE       0     0     0\n\t  {vdev}  ONLINE       0"
              "     0     0\n\nerrors: No known data errors\n")
    commands = {ZFS_GET: ok(_zfs(enc, enc), ZFS_GET), ZPOOL_STATUS: ok(status, ZPOOL_STATUS)}
    if not zfs_ok:
        commands = {}
    # udev's record of the pool partition, which nothing mounts: a zfs_member is judged
    # through the pool, not as an unmounted volume.
    vdev_udev = udev_db("ID_PART_ENTRY_SCHEME=gpt",
                        "ID_PART_ENTRY_TYPE=6a898cc3-1dd2-11b2-99a6-080020736631",
                        "ID_FS_VERSION=5000", "ID_FS_LABEL=rpool", "ID_FS_TYPE=zfs_member",
                        "ID_FS_USAGE=filesystem")
    return Machine([*NVME, *devices], mountinfo(
        ("0:45", "/", "/", "zfs", "rpool/ROOT/ubuntu_x1"),
        ("0:52", "/", "/home/ann", "zfs", "rpool/USERDATA/ann_x1"), *BOOT, *PROC),
        commands=commands, extra_files={"/run/udev/data/b259:3": vdev_udev})


def cases() -> dict[str, tuple[str, Machine, dict[str, Any]]]:
    """Case name -> (description, machine, expected facts)."""
    enc = {"disk.system_encrypted": True, "disk.encryption_in_progress": False,
           "disk.unencrypted_volumes": []}
    lvm_on_luks = Machine(
        [*NVME, crypt("dm-0", "253:0", LUKS2, "luks-50a2", "nvme0n1p3"),
         crypt("dm-1", "253:1", LVM + "root", "vg-root", "dm-0"),
         crypt("dm-2", "253:2", LVM + "home", "vg-home", "dm-0"),
         crypt("dm-3", "253:3", LVM + "swap", "vg-swap", "dm-0")],
        mountinfo(("253:1", "/", "/", "ext4", "/dev/mapper/vg-root"),
                  ("253:2", "/", "/home", "ext4", "/dev/mapper/vg-home"), *BOOT, *PROC),
        swaps=f"{'Filename'}\tType\tSize\tUsed\tPriority\n/dev/dm-3 partition 8388604 0 -2\n")
    luks_on_lvm = Machine(
        [*sda(1, 2), crypt("dm-0", "253:0", LVM + "root", "vg-root", "sda2"),
         crypt("dm-1", "253:1", LVM + "home", "vg-home", "sda2"),
         crypt("dm-2", "253:2", LUKS2, "root_crypt", "dm-0"),
         crypt("dm-3", "253:3", LUKS2.replace("50a2", "77b1"), "home_crypt", "dm-1")],
        mountinfo(("253:2", "/", "/", "xfs", "/dev/mapper/root_crypt"),
                  ("253:3", "/", "/home", "xfs", "/dev/mapper/home_crypt"),
                  ("8:1", "/", "/boot", "xfs", "/dev/sda1"), *PROC))
    home_plain = Machine(
        [*NVME, Dev("sdb", "8:16"), Dev("sdb1", "8:17", "part", "sdb"),
         crypt("dm-0", "253:0", LUKS2, "luks-50a2", "nvme0n1p3")],
        mountinfo(("253:0", "/", "/", "ext4", "/dev/mapper/luks-50a2"),
                  ("8:17", "/", "/home", "ext4", "/dev/sdb1"), *BOOT, *PROC),
        commands={("lsattr", "-d", "/home/ann"): LSATTR_PLAIN})
    verity = Machine(
        [*sda(2, 4), crypt("dm-0", "253:0", f"CRYPT-VERITY-{U}-usr", "usr", "sda2"),
         crypt("dm-1", "253:1", f"CRYPT-INTEGRITY-{U}-home_int", "home_int", "sda4")],
        mountinfo(("253:0", "/", "/", "ext4", "/dev/mapper/usr"),
                  ("253:1", "/", "/home", "ext4", "/dev/mapper/home_int"), *PROC),
        commands={("lsattr", "-d", "/home/ann"): LSATTR_PLAIN})
    luks_integrity = Machine(
        [*NVME, crypt("dm-0", "253:0", f"CRYPT-SUBDEV-{U}-luks_dif", "luks_dif", "nvme0n1p3"),
         crypt("dm-1", "253:1", LUKS2, "luks", "dm-0")],
        mountinfo(("253:1", "/", "/", "ext4", "/dev/mapper/luks"), *BOOT, *PROC))
    btrfs = Machine(
        [*NVME, crypt("dm-0", "253:0", LUKS2, "luks-50a2", "nvme0n1p3")],
        mountinfo(("0:30", "/@", "/", "btrfs", "/dev/mapper/luks-50a2"),
                  ("0:30", "/@home", "/home", "btrfs", "/dev/mapper/luks-50a2"), *BOOT, *PROC),
        btrfs={"0a7e3c2d-5b8f-4e21-9c1a-3f6d2b8e4a10": ["dm-0"]})
    md = Machine(
        [*sda(1), Dev("sdb", "8:16"), Dev("sdb1", "8:17", "part", "sdb"),
         Dev("md0", "9:0", "md", slaves=["sda1", "sdb1"]),
         crypt("dm-0", "253:0", LUKS2, "md0_crypt", "md0")],
        mountinfo(("253:0", "/", "/", "ext4", "/dev/mapper/md0_crypt"), *PROC))
    multi_pv = Machine(
        [*sda(2), Dev("sdb", "8:16"), Dev("sdb1", "8:17", "part", "sdb"),
         crypt("dm-0", "253:0", LUKS2, "pv0_crypt", "sda2"),
         crypt("dm-1", "253:1", LVM + "root", "vg-root", "dm-0", "sdb1")],
        mountinfo(("253:1", "/", "/", "ext4", "/dev/mapper/vg-root"), *PROC),
        commands={("lsattr", "-d", "/home/ann"): LSATTR_PLAIN})
    swap_plain = luks_root()
    swap_plain.devices = [*sda(5), *swap_plain.devices]
    swap_plain.swaps += "/dev/sda5                               partition\t8388604\t\t0\t\t-2\n"
    swap_random = luks_root()
    swap_random.devices = [*sda(5), *swap_random.devices,
                           crypt("dm-1", "253:1", "CRYPT-PLAIN-cryptswap", "cryptswap", "sda5")]
    swap_random.swaps += "/dev/dm-1 partition 8388604 0 -2\n"
    reenc = Machine(
        [*NVME, crypt("dm-1", "253:1", f"CRYPT-SUBDEV-{U}-luks-hotzone-forward",
                      "luks-hotzone-forward", "nvme0n1p3"),
         crypt("dm-2", "253:2", f"CRYPT-SUBDEV-{U}-luks-overlay", "luks-overlay", "nvme0n1p3"),
         crypt("dm-0", "253:0", LUKS2, "luks", "dm-1", "dm-2")],
        mountinfo(("253:0", "/", "/", "ext4", "/dev/mapper/luks"), *BOOT, *PROC))
    no_uuid = Machine(
        [*sda(2), crypt("dm-0", "253:0", None, "manual", "sda2")],
        mountinfo(("253:0", "/", "/", "ext4", "/dev/mapper/manual"), *PROC),
        commands=dict([blkid_denied("/dev/sda2")]))
    lsblk_json = json.dumps({"blockdevices": [{"name": "nvme0n1", "kname": "nvme0n1",
        "type": "disk", "fstype": None, "mountpoint": None, "pkname": None, "maj:min": "259:0",
        "children": [{"name": "nvme0n1p3", "kname": "nvme0n1p3", "type": "part",
                      "fstype": "crypto_LUKS", "mountpoint": None, "pkname": "nvme0n1",
                      "maj:min": "259:3", "children": [{
                          "name": "luks-50a2", "kname": "dm-0", "type": "crypt",
                          "fstype": "ext4", "mountpoint": "/", "pkname": "nvme0n1p3",
                          "maj:min": "253:0"}]}]}]}, indent=3)
    no_sysfs = luks_root()
    no_sysfs.sysfs = False
    no_sysfs.commands = {LSBLK: ok(lsblk_json, LSBLK)}
    no_sysfs_null = luks_root()
    no_sysfs_null.sysfs = False
    no_sysfs_null.commands = {LSBLK: ok(lsblk_json.replace('"crypto_LUKS"', "null"), LSBLK)}
    overlay = Machine([], "620 540 0:160 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/"
                      "docker/overlay2/l/A:/var/lib/docker/overlay2/l/B,upperdir=/var/lib/docker/"
                      "overlay2/x/diff,workdir=/var/lib/docker/overlay2/x/work\n"
                      "633 620 254:0 /var/lib/docker/containers/x/hosts /etc/hosts rw - ext4 "
                      "/dev/vda rw\n", loginuid="", passwd="app:x:1000:1000::/home/app:/bin/sh\n",
                      extra_files={"/.dockerenv": "", "/run/.containerenv": None})
    nfs_home = luks_root()
    nfs_home.mountinfo += "90 20 0:60 /home /home rw - nfs4 files.example.lan:/home rw\n"
    ecryptfs = Machine(
        sda(2), mountinfo(("8:2", "/", "/", "ext4", "/dev/sda2"),
                       ("0:48", "/", "/home/ann", "ecryptfs", "/home/ann/.Private"), *PROC))
    homed = luks_root()
    homed.devices = [*homed.devices, Dev("loop0", "7:0", "loop", backing="/home/ann.home"),
                     crypt("dm-1", "253:1", LUKS2.replace("50a2", "99c3"), "home-ann", "loop0")]
    homed.mountinfo += "95 20 253:1 / /home/ann rw,nosuid - ext4 /dev/mapper/home-ann rw\n"
    homed_plain_root = Machine(
        [*sda(2), Dev("loop0", "7:0", "loop", backing="/home/ann.home"),
         crypt("dm-1", "253:1", LUKS2, "home-ann", "loop0")],
        mountinfo(("8:2", "/", "/", "ext4", "/dev/sda2"),
                  ("253:1", "/", "/home/ann", "ext4", "/dev/mapper/home-ann"), *PROC))
    getent_fails = luks_root()
    getent_fails.passwd = ""
    lsattr, fscrypt = ("lsattr", "-d", "/home/ann"), ("fscrypt", "status", "/home/ann")
    fs_fallback = Machine(home_plain.devices, home_plain.mountinfo, commands={fscrypt: ok(
        '"/home/ann" is encrypted with fscrypt.\n\nPolicy:   2de1bcdc8edc623abb96737ec2095c7a\n'
        "Options:  padding:32 contents:AES_256_XTS filenames:AES_256_CTS policy_version:2 \n"
        "Unlocked: Yes\n\nProtected with 1 protector:\nPROTECTOR         LINKED  DESCRIPTION\n"
        '6dd2bb77786e21db  No      login protector for ann\n', fscrypt)})
    fs_not_setup = Machine(home_plain.devices, home_plain.mountinfo, commands={
        lsattr: failed(lsattr, 1, "lsattr: Operation not supported While reading flags on "
                       "/home/ann\n"),
        fscrypt: failed(fscrypt, 1, '[ERROR] fscrypt status: "/etc/fscrypt.conf" doesn\'t exist'
                        '\n\nRun "sudo fscrypt setup" to create this file.\n')})
    zfs_garbage = zfs_machine("off", "/dev/nvme0n1p3", [])
    zfs_garbage.commands = {ZFS_GET: ok("\x00\x01 segfault?\n", ZFS_GET)}
    zfs_rc = zfs_machine("off", "/dev/nvme0n1p3", [])
    zfs_rc.commands = {ZFS_GET: failed(ZFS_GET, 1, "The ZFS modules are not loaded.\nTry running "
                                       "'/sbin/modprobe zfs' as root to load them.\n")}
    data_disks = luks_root()
    data_disks.devices = [*data_disks.devices, Dev("sdb", "8:16"), Dev("sdb1", "8:17", "part", "sdb"),
                          Dev("sdc", "8:32", removable=True), Dev("sdc1", "8:33", "part", "sdc"),
                          Dev("loop5", "7:5", "loop", backing="/var/lib/snapd/snaps/core_1.snap")]
    data_disks.mountinfo += ("96 20 8:17 / /data rw - ext4 /dev/sdb1 rw\n"
                             "97 20 8:33 / /mnt/stick rw - vfat /dev/sdc1 rw\n"
                             "98 20 8:33 / /media/ann/STICK rw - vfat /dev/sdc1 rw\n"
                             "99 20 7:5 / /snap/core/1 ro - squashfs /dev/loop5 ro\n")
    return {
        "c-luks2-root": ("/ on LUKS2 (dm-crypt) on an NVMe partition; home on /; /boot and the "
                         "ESP plain (not counted)", luks_root(), {**enc, "disk.method": "luks2"}),
        "c-luks1-root": ("/ on LUKS1", luks_root(LUKS1), {**enc, "disk.method": "luks1"}),
        "c-lvm-on-luks": ("LVM inside one LUKS2 container (Ubuntu/Fedora installer default): / "
                          "and /home are LVs on the crypt device, swap LV too", lvm_on_luks,
                          {**enc, "disk.method": "luks2"}),
        "c-luks-on-lvm": ("LUKS2 inside each LV (LVM below LUKS): / and /home", luks_on_lvm,
                          {**enc, "disk.method": "luks2"}),
        "c-unencrypted-home": ("/ on LUKS2 but /home on a second, plain disk", home_plain,
                               {"disk.system_encrypted": False, "disk.method": "luks2",
                                "disk.unencrypted_volumes": ["/home"]}),
        "c-verity-integrity-not-counted": (
            "dm-verity / and dm-integrity /home: lsblk calls both TYPE=crypt, but neither "
            "hides the data", verity,
            {"disk.system_encrypted": False, "disk.method": "none",
             "disk.unencrypted_volumes": ["/", "/home"]}),
        "c-luks2-with-integrity": ("LUKS2 with authenticated encryption: a CRYPT-SUBDEV "
                                   "dm-integrity device under the LUKS2 mapping", luks_integrity,
                                   {**enc, "disk.method": "luks2"}),
        "c-btrfs-on-luks": ("btrfs (anonymous 0:30 device) on LUKS2, subvolumes @ and @home: "
                            "resolved through the mount source and /sys/fs/btrfs", btrfs,
                            {**enc, "disk.method": "luks2"}),
        "c-md-raid-under-luks": ("LUKS2 on md RAID1 of two partitions", md,
                                 {**enc, "disk.method": "luks2"}),
        "c-multi-pv-one-plain": ("root LV spans a LUKS2 PV and a plain PV: not encrypted",
                                 multi_pv, {"disk.system_encrypted": False,
                                            "disk.unencrypted_volumes": ["/"]}),
        "c-plain-swap": ("/ on LUKS2, swap on a plain partition", swap_plain,
                         {**enc, "disk.unencrypted_volumes": ["swap:/dev/sda5"]}),
        "c-random-key-swap": ("/ on LUKS2, swap on plain dm-crypt with a random key", swap_random,
                              {**enc, "disk.method": "luks2"}),
        "c-luks2-reencrypt-running": (
            "online `cryptsetup reencrypt`: hotzone and overlay helper devices under the "
            "mapping", reenc, {"disk.system_encrypted": {"unknown": "re-encrypted online"},
                               "disk.encryption_in_progress": True, "disk.method": "luks2"}),
        "c-dm-without-uuid": ("a dmsetup-made device with no uuid: its target type needs root",
                              no_uuid, {"disk.system_encrypted": {"unknown": "dmsetup table"}}),
        "c-no-sysfs-lsblk-luks": ("sysfs not visible; lsblk shows the crypt device on a "
                                  "crypto_LUKS partition", no_sysfs,
                                  {"disk.system_encrypted": True, "disk.method": "luks"}),
        "c-no-sysfs-lsblk-fstype-null": (
            "sysfs not visible and lsblk FSTYPE null (no udev): a crypt layer that could be "
            "verity", no_sysfs_null, {"disk.system_encrypted": {"unknown": "dm-verity"}}),
        "c-container-overlay-root": (
            "inside a Docker container: overlay root", overlay,
            {"disk.system_encrypted": {"unknown": "overlay filesystem"},
             "disk.unencrypted_volumes": {"unknown": "container"}}),
        "c-nfs-home": ("/ on LUKS2, /home on NFS", nfs_home,
                       {"disk.system_encrypted": {"unknown": "network filesystem"},
                        "disk.method": "luks2", "disk.unencrypted_volumes": []}),
        "c-ecryptfs-home": ("plain /, home encrypted with eCryptfs", ecryptfs,
                            {"disk.system_encrypted": False, "disk.method": "ecryptfs",
                             "disk.unencrypted_volumes": ["/"]}),
        "c-systemd-homed-luks": ("/ on LUKS2 and a systemd-homed LUKS home (dm-crypt on a loop "
                                 "file)", homed, {**enc, "disk.method": "luks2"}),
        "c-homed-on-plain-root": ("systemd-homed LUKS home on a plain root", homed_plain_root,
                                  {"disk.system_encrypted": False, "disk.method": "luks2",
                                   "disk.unencrypted_volumes": ["/"]}),
        "c-zfs-native-encrypted": ("ZFS root and home datasets with native aes-256-gcm",
                                   zfs_machine("aes-256-gcm", "/dev/nvme0n1p3", []),
                                   {**enc, "disk.method": "zfs"}),
        "c-zfs-unencrypted": ("ZFS with encryption=off on a plain partition",
                              zfs_machine("off", "/dev/nvme0n1p3", []),
                              {"disk.system_encrypted": False, "disk.method": "none",
                               "disk.unencrypted_volumes": ["/", "/home/ann"]}),
        "c-zfs-on-luks": ("ZFS encryption=off, pool vdev is a LUKS2 mapping",
                          zfs_machine("off", "/dev/dm-0", [crypt("dm-0", "253:0", LUKS2,
                                                                 "luks-zfs", "nvme0n1p3")]),
                          {**enc, "disk.method": "luks2"}),
        "c-zfs-not-installed": ("ZFS root but the zfs command is missing",
                                zfs_machine("off", "/dev/nvme0n1p3", [], zfs_ok=False),
                                {"disk.system_encrypted": {"unknown": "zfs is not installed"}}),
        "c-getent-fails": ("LUKS2 root, but the home folder cannot be looked up", getent_fails,
                           {"disk.system_encrypted": {"unknown": "home folder"},
                            "disk.method": "luks2"}),
        "c-fscrypt-status-fallback": (
            "/ on LUKS2, /home on a plain disk, the home folder fscrypt-encrypted; lsattr missing "
            "so `fscrypt status` (output format as captured here) decides", fs_fallback,
            {**enc, "disk.method": "luks2+fscrypt", "disk.unencrypted_volumes": ["/home"]}),
        "c-fscrypt-not-set-up": (
            "plain /home: lsattr cannot read flags and fscrypt is not set up (messages as "
            "captured here)", fs_not_setup, {"disk.system_encrypted": {"unknown": "fscrypt"},
                                             "disk.method": "luks2"}),
        "c-zfs-garbage": ("ZFS root, `zfs get` prints garbage", zfs_garbage,
                          {"disk.system_encrypted": {"unknown": "did not report"}}),
        "c-zfs-nonzero-exit": ("ZFS root, `zfs get` exits 1 (modules not loaded)", zfs_rc,
                               {"disk.system_encrypted": {"unknown": "exited with status 1"}}),
        "c-data-disk-usb-snap": (
            "LUKS2 root plus a plain internal data disk (/data), a removable USB stick (two "
            "mounts) and a snap: only /data counts", data_disks,
            {**enc, "disk.unencrypted_volumes": ["/data"]}),
        "c-no-mountinfo": ("/proc/self/mountinfo unreadable (empty)", Machine([], ""),
                           {k: {"unknown": "mountinfo"} for k in enc} | {
                               "disk.method": {"unknown": "mountinfo"}}),
    }


def build(name: str, description: str, machine: Machine, expect: dict[str, Any]) -> dict[str, Any]:
    """Run the probe over the machine and return the case document."""
    host = FakeHost(machine)
    PROBE.collect(ProbeContext(host=host))
    return {"description": description, "source": SOURCE,
            "evidence": host.evidence.to_dict(), "expect": expect}


def render(doc: dict[str, Any]) -> str:
    """The case file text."""
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"


def render_all() -> dict[Path, str]:
    """Every constructed Linux case file, path -> text."""
    return {OUT / f"{name}.json": render(build(name, description, machine, expect))
            for name, (description, machine, expect) in cases().items()}


def main() -> None:
    """Write every constructed case."""
    OUT.mkdir(parents=True, exist_ok=True)
    for path, text in render_all().items():
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
