"""Unit tests for the disk probe's parsers and verdict rules."""

from __future__ import annotations

import json

import pytest

from wfhaudit.probes.disk.decide import Verdict, all_of, system_facts
from wfhaudit.probes.disk.linux import parse_passwd_home, parse_uid
from wfhaudit.probes.disk.linux.blockdev import BlockNode, crypt_kind, lvm_dm_name, node_verdict
from wfhaudit.probes.disk.linux.fs import (
    lsblk_verdict,
    parse_fscrypt_status,
    parse_lsattr_flags,
    parse_zfs_get,
    parse_zpool_vdevs,
    zfs_dataset_verdict,
)
from wfhaudit.probes.disk.linux.mounts import find_mount, parse_mountinfo, parse_swaps
from wfhaudit.probes.disk.macos import (
    FileVault,
    filevault_verdict,
    parse_apfs_list,
    parse_fdesetup_status,
    parse_isactive,
)
from wfhaudit.probes.disk.windows.bde import (
    BdeVolume,
    parse_cim,
    parse_manage_bde,
    parse_shell,
    volume_verdict,
)

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
40 27 8:17 / /home rw,relatime shared:5 master:1 - ext4 /dev/sdb1 rw
41 40 8:33 / /home/ann/My\\040Files rw - vfat /dev/sdc1 rw
42 27 8:18 / /homework rw - xfs /dev/sdb2 rw
garbage line
43 27 x:y / /bad rw - ext4 /dev/x rw
"""


def test_mountinfo_fields_and_escapes() -> None:
    mounts = parse_mountinfo(MOUNTINFO)
    assert [m.mount_point for m in mounts] == ["/proc", "/", "/home", "/home/ann/My Files",
                                               "/homework"]
    home = mounts[2]
    assert (home.majmin, home.fstype, home.source) == ("8:17", "ext4", "/dev/sdb1")


@pytest.mark.parametrize(("path", "mount_point"), [
    ("/", "/"), ("/etc/passwd", "/"), ("/home/ann", "/home"), ("/homework/x", "/homework"),
    ("/home/ann/My Files/a", "/home/ann/My Files"), ("/home/../etc", "/")])
def test_find_mount_longest_prefix_component_wise(path: str, mount_point: str) -> None:
    mount = find_mount(parse_mountinfo(MOUNTINFO), path)
    assert mount is not None and mount.mount_point == mount_point


def test_find_mount_last_mounted_wins_and_relative_paths_are_refused() -> None:
    text = MOUNTINFO + "50 27 253:3 / /home rw - ext4 /dev/mapper/home rw\n"
    mount = find_mount(parse_mountinfo(text), "/home/ann")
    assert mount is not None and mount.source == "/dev/mapper/home"
    assert find_mount(parse_mountinfo(MOUNTINFO), "home/ann") is None


def test_swaps() -> None:
    text = ("Filename\tType\tSize\tUsed\tPriority\n/dev/dm-1 partition 8388604 0 -2\n"
            "/swap\\040file file 1024 0 -3\n")
    swaps = parse_swaps(text)
    assert [(s.path, s.kind) for s in swaps] == [("/dev/dm-1", "partition"), ("/swap file", "file")]


@pytest.mark.parametrize(("uuid", "kind", "method"), [
    ("CRYPT-LUKS2-50a260ec7bd44141add7e4f5c270d8f7-luks-50a2", "crypt", "luks2"),
    ("CRYPT-LUKS1-50a260ec7bd44141add7e4f5c270d8f7-root", "crypt", "luks1"),
    ("CRYPT-LUKS2-OPAL-50a260ec7bd44141add7e4f5c270d8f7-root", "crypt", "luks2"),
    ("CRYPT-PLAIN-cryptswap", "crypt", "dm-crypt-plain"),
    ("CRYPT-TCRYPT-vc", "crypt", "veracrypt"),
    ("CRYPT-BITLK-win", "crypt", "bitlocker"),
    ("CRYPT-VERITY-50a260ec7bd44141add7e4f5c270d8f7-usr", "integrity", ""),
    ("CRYPT-INTEGRITY-50a260ec7bd44141add7e4f5c270d8f7-x", "integrity", ""),
    ("CRYPT-SUBDEV-50a260ec7bd44141add7e4f5c270d8f7-x_dif", "helper", ""),
    ("CRYPT-NEWTYPE-abc", "other-crypt", ""),
])
def test_crypt_kind(uuid: str, kind: str, method: str) -> None:
    got = crypt_kind(uuid)
    assert got is not None and (got[0], got[1]) == (kind, method)


@pytest.mark.parametrize("uuid", [None, "", "LVM-abc", "mpath-36001", "part1-mpath-x"])
def test_crypt_kind_not_cryptsetup(uuid: str | None) -> None:
    assert crypt_kind(uuid) is None


def test_lvm_dm_name_doubles_dashes() -> None:
    assert lvm_dm_name("vg-main", "home-ann") == "vg--main-home--ann"


def _dm(name: str, uuid: str | None, *parents: BlockNode) -> BlockNode:
    return BlockNode(name, f"/sys/class/block/{name}", uuid, name + "-map", True, parents=parents)


SDA2 = BlockNode("sda2", "/sys/class/block/sda2", partition=True)


def test_verity_on_top_of_luks_is_still_encrypted_but_verity_alone_is_not() -> None:
    luks = _dm("dm-0", "CRYPT-LUKS2-u-luks", SDA2)
    assert node_verdict(_dm("dm-1", "CRYPT-VERITY-u-v", luks)).state == "encrypted"
    assert node_verdict(_dm("dm-1", "CRYPT-VERITY-u-v", SDA2)).state == "plain"


def test_one_plain_leg_makes_the_stack_plain_and_an_unreadable_leg_unknown() -> None:
    luks = _dm("dm-0", "CRYPT-LUKS2-u-luks", SDA2)
    sdb = BlockNode("sdb1", "/sys/class/block/sdb1")
    assert node_verdict(_dm("dm-2", "LVM-x", luks, sdb)).state == "plain"
    broken = BlockNode("sdc1", "/sys/class/block/sdc1", error="cannot be read")
    assert node_verdict(_dm("dm-2", "LVM-x", luks, broken)).state == "unknown"
    assert node_verdict(_dm("dm-2", "LVM-x", luks, luks)).state == "encrypted"


def test_loop_device_is_judged_by_its_backing_file() -> None:
    loop = BlockNode("loop0", "/sys/class/block/loop0", loop_backing="/var/img")
    seen: list[str] = []

    def backing(path: str) -> Verdict:
        seen.append(path)
        return Verdict.encrypted("luks2", "file on LUKS")

    assert node_verdict(loop, backing).state == "encrypted"
    assert seen == ["/var/img"]


def test_lsattr_and_fscrypt_parsers_on_captured_output() -> None:
    assert parse_lsattr_flags("---------E----e------- m/home\n") == "---------E----e-------"
    assert parse_lsattr_flags("--------------e------- /root\n") == "--------------e-------"
    assert parse_lsattr_flags("lsattr: Operation not supported While reading flags on /proc") \
        is None
    assert parse_lsattr_flags("") is None
    assert parse_fscrypt_status('"m/home" is encrypted with fscrypt.\n\nPolicy: 2de1', "") is True
    assert parse_fscrypt_status("", '[ERROR] fscrypt status: file or directory "m/plain" is not '
                                "encrypted\n") is False
    assert parse_fscrypt_status("", "[ERROR] fscrypt status: encryption not enabled on "
                                "filesystem / (/dev/vda).\n") is False
    assert parse_fscrypt_status("", '[ERROR] fscrypt status: "/etc/fscrypt.conf" doesn\'t '
                                "exist\n") is None


def test_zfs_parsers() -> None:
    props = parse_zfs_get("rpool\tencryption\toff\nrpool/home\tencryption\taes-256-gcm\n"
                          "rpool/home\tkeystatus\tavailable\nbroken line\n")
    assert zfs_dataset_verdict(props, "rpool") is None
    home = zfs_dataset_verdict(props, "rpool/home")
    assert home is not None and home.state == "encrypted" and home.methods == ("zfs",)
    missing = zfs_dataset_verdict(props, "tank")
    assert missing is not None and missing.state == "unknown"
    status = ("  pool: rpool\n state: ONLINE\nconfig:\n\n\tNAME STATE\n\trpool ONLINE\n"
              "\t  mirror-0 ONLINE\n\t    /dev/dm-1  ONLINE 0 0 0\n\t    /dev/dm-2  ONLINE 0 0 0\n"
              "\n  pool: tank\n\t  /dev/sdb ONLINE 0 0 0\n")
    assert parse_zpool_vdevs(status) == {"rpool": ["/dev/dm-1", "/dev/dm-2"], "tank": ["/dev/sdb"]}


def _lsblk(parent_fstype: str | None) -> str:
    return json.dumps({"blockdevices": [
        {"name": "sda", "type": "disk", "fstype": None, "maj:min": "8:0", "children": [
            {"name": "sda2", "type": "part", "fstype": parent_fstype, "maj:min": "8:2",
             "children": [{"name": "root", "type": "crypt", "fstype": "ext4",
                           "maj:min": "253:0"}]}]}]})


def test_lsblk_needs_crypto_luks_under_a_crypt_node() -> None:
    assert lsblk_verdict(_lsblk("crypto_LUKS"), "253:0").state == "encrypted"
    assert lsblk_verdict(_lsblk(None), "253:0").state == "unknown"
    assert lsblk_verdict(_lsblk(None), "8:2").state == "plain"
    assert lsblk_verdict(_lsblk(None), "9:9").state == "unknown"
    assert lsblk_verdict("lsblk: unknown column: MOUNTPOINTS", "8:2").state == "unknown"


def test_uid_and_passwd() -> None:
    assert parse_uid("1000\n", None) == "1000"
    assert parse_uid("4294967295", "Name:\tx\nUid:\t0\t0\t0\t0\n") == "0"
    assert parse_uid(None, "garbage") is None
    assert parse_passwd_home("ann:x:1000:1000:Ann:/home/ann:/bin/bash\n") == "/home/ann"
    assert parse_passwd_home("ann:x:1000") is None


@pytest.mark.parametrize(("text", "on", "converting", "percent"), [
    ("FileVault is On.\n", True, None, None),
    ("FileVault is Off.\n", False, None, None),
    ("FileVault is On.\nEncryption in progress: Percent completed = 37.4\n", True, "encrypting",
     37.4),
    ("FileVault is On.\nDecryption in progress: Percent completed = 12\n", True, "decrypting", 12),
    ("Encryption in progress: Percent completed = 50,5\n", True, "encrypting", 50.5),
    ("Decryption in progress: Percent completed = 80\n", False, "decrypting", 80),
])
def test_fdesetup_status(text: str, on: bool, converting: str | None, percent: float | None
                         ) -> None:
    fv = parse_fdesetup_status(text)
    assert fv is not None and (fv.on, fv.converting, fv.percent) == (on, converting, percent)


def test_fdesetup_garbage_and_isactive() -> None:
    assert parse_fdesetup_status("") is None
    assert parse_fdesetup_status("Something unexpected") is None
    assert parse_isactive("true\n", 0) is True
    assert parse_isactive("false\n", 1) is False
    assert parse_isactive("true\n", 1) is None


def test_hardware_encryption_without_filevault_is_not_enough() -> None:
    vols = parse_apfs_list(
        '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>Containers</key>'
        "<array><dict><key>Volumes</key><array><dict><key>Name</key><string>Data</string>"
        "<key>Roles</key><array><string>Data</string></array><key>Encryption</key><true/>"
        "<key>FileVault</key><false/></dict></array></dict></array></dict></plist>")
    assert vols is not None and vols[0].encryption is True
    verdict = filevault_verdict(FileVault(False), vols)
    assert verdict.state == "plain" and "hardware" in verdict.reason
    assert parse_apfs_list("not a plist") is None
    assert parse_apfs_list('<?xml version="1.0"?><plist version="1.0"><array/></plist>') is None


def test_bitlocker_cim_and_shell_parsers() -> None:
    cim = parse_cim('\ufeff{"SystemDrive":"C:","HomeDrive":"C:","Volumes":{"DriveLetter":"c:",'
                    '"VolumeType":"0","ProtectionStatus":1,"ConversionStatus":1,'
                    '"EncryptionPercentage":100,"LockStatus":0}}')
    assert cim is not None and cim.volume("C:") is not None
    assert volume_verdict(cim.volumes[0]).state == "encrypted"
    # JSON true is not the number 1.
    odd = parse_cim('{"SystemDrive":"C:","Volumes":[{"DriveLetter":"C:","ProtectionStatus":true}]}')
    assert odd is not None and volume_verdict(odd.volumes[0]).state == "unknown"
    shell = parse_shell('{"SystemDrive":"C:","Volumes":[{"Drive":"C:","Protection":7}]}')
    assert shell is not None and volume_verdict(shell.volumes[0]).state == "unknown"
    assert parse_cim("[1,2]") is None and parse_shell("") is None


@pytest.mark.parametrize(("conversion", "protection", "state"), [
    ("Fully Encrypted", "Protection On", "encrypted"),
    ("Used Space Only Encrypted", "Protection On", "encrypted"),
    ("Fully Encrypted", "Protection Off (1 reboots left)", "plain"),
    ("Fully Decrypted", "Protection Off", "plain"),
    ("Encryption in Progress", "Protection Off", "plain"),
    ("Fully Encrypted", "Protection Unknown", "unknown"),
])
def test_manage_bde_english(conversion: str, protection: str, state: str) -> None:
    text = (f"Volume C: [OSDisk]\r\n[OS Volume]\r\n\r\n    Conversion Status:    {conversion}\r\n"
            "    Percentage Encrypted: 100,0%\r\n"
            f"    Protection Status:    {protection}\r\n    Lock Status:          Unlocked\r\n")
    report = parse_manage_bde(text)
    assert report is not None and report.system_drive == "C:"
    vol = report.volumes[0]
    assert vol.percent == 100.0
    assert volume_verdict(vol).state == state


def test_manage_bde_language_outside_the_table_is_refused() -> None:
    german = parse_manage_bde('Volume "C:" [Windows]\n    Schutzstatus:    Der Schutz ist '
                              "aktiviert.\n")
    assert german is not None and german.language == "German"
    assert german.volumes[0].protected is True
    assert parse_manage_bde("Том C: [Windows]\n    Состояние защиты:    Защита включена\n") is None


def test_suspended_and_in_progress_rules() -> None:
    suspended = volume_verdict(BdeVolume("C:", protected=False, conversion="encrypted"))
    assert suspended.state == "plain" and suspended.methods == ("bitlocker",)
    paused = volume_verdict(BdeVolume("C:", protected=True, conversion="encryption paused"))
    assert paused.state == "plain" and paused.in_progress


def test_system_facts_needs_every_part() -> None:
    enc = Verdict.encrypted("luks2", "root")
    facts = {f.key: f for f in system_facts([("root", enc), ("home", Verdict.unknown("nfs"))],
                                            ["x"])}
    assert not facts["disk.system_encrypted"].is_known
    assert facts["disk.method"].value == "luks2"
    facts = {f.key: f for f in system_facts([("root", enc), ("home", Verdict.plain("p"))], [])}
    assert facts["disk.system_encrypted"].value is False
    facts = {f.key: f for f in system_facts(
        [("root", enc), ("home", Verdict.encrypted("fscrypt", "h"))], [])}
    assert (facts["disk.system_encrypted"].value, facts["disk.method"].value) == \
        (True, "luks2+fscrypt")
    assert all_of([], "x").state == "unknown"


def test_zfs_key_not_loaded_is_still_encrypted_at_rest() -> None:
    props = parse_zfs_get("tank/home\tencryption\taes-256-gcm\ntank/home\tkeystatus\tunavailable\n")
    verdict = zfs_dataset_verdict(props, "tank/home")
    assert verdict is not None and verdict.state == "encrypted" and "unavailable" in verdict.reason


def test_apfs_volume_without_filevault_key_makes_the_volume_list_unknown() -> None:
    from wfhaudit.probes.disk.macos import _unencrypted

    vols = parse_apfs_list(
        '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>Containers</key>'
        "<array><dict><key>Volumes</key><array><dict><key>Name</key><string>Data</string>"
        "<key>Roles</key><array><string>Data</string></array></dict></array></dict></array>"
        "</dict></plist>")
    fact = _unencrypted(vols, "", [])
    assert not fact.is_known and "FileVault" in (fact.reason or "")


@pytest.mark.parametrize(("value", "state", "in_progress"), [
    (1, "encrypted", False), (2, "plain", False), (3, "plain", True), (4, "plain", True),
    (5, "plain", False), (6, "encrypted", False), (7, "unknown", False), (8, "plain", False),
    (0, "unknown", False), (None, "unknown", False), ("1", "encrypted", False)])
def test_every_shell_protection_value(value: object, state: str, in_progress: bool) -> None:
    report = parse_shell(json.dumps({"SystemDrive": "C:",
                                     "Volumes": [{"Drive": "C:", "Protection": value}]}))
    assert report is not None
    verdict = volume_verdict(report.volumes[0])
    assert (verdict.state, verdict.in_progress) == (state, in_progress)


@pytest.mark.parametrize(("fstype", "method"), [("ecryptfs", "ecryptfs"),
                                                ("fuse.gocryptfs", "gocryptfs"),
                                                ("fuse.cryfs", "cryfs")])
def test_stacked_encryption_homes(fstype: str, method: str) -> None:
    from disk_fakesys import FakeHost, Machine

    from wfhaudit.probes.disk.linux import LinuxDisk
    from wfhaudit.probes.disk.linux.chain import resolve_mount_chain

    text = ("27 1 8:2 / / rw - ext4 /dev/sda2 rw\n"
            f"40 27 0:48 / /home/ann rw - {fstype} /home/ann/.Private rw\n")
    host = FakeHost(Machine([], text))
    chain = resolve_mount_chain(host, "/home/ann/Documents")
    verdict = LinuxDisk(host, parse_mountinfo(text)).verdict(chain)
    assert (verdict.state, verdict.methods) == ("encrypted", (method,))
