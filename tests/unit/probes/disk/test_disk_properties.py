"""Property tests: any text gives facts or UNKNOWN, never a crash; stack rules hold for any stack."""

from __future__ import annotations

import json
from typing import Any

from disk_fakesys import PROC, Dev, FakeHost, Machine, mountinfo, ok
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfhaudit.facts import CATALOGUE, Fact, FactType
from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.disk import linux, macos, windows
from wfhaudit.probes.disk.decide import KEYS
from wfhaudit.probes.disk.linux.chain import resolve_mount_chain
from wfhaudit.probes.disk.linux.fs import (
    ZFS_GET,
    lsblk_verdict,
    parse_fscrypt_status,
    parse_lsattr_flags,
    parse_zfs_get,
    parse_zpool_vdevs,
)
from wfhaudit.probes.disk.linux.mounts import Mount, find_mount, parse_mountinfo, parse_swaps
from wfhaudit.probes.disk.windows.bde import parse_cim, parse_manage_bde, parse_shell

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
TEXT = st.text(max_size=400)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["Volumes", "SystemDrive", "HomeDrive", "DriveLetter", "Drive",
                         "Protection", "ProtectionStatus", "ConversionStatus", "VolumeType",
                         "LockStatus", "EncryptionPercentage", "blockdevices", "children",
                         "maj:min", "type", "fstype", "name"]), inner, max_size=6),
    max_leaves=20)


def _assert_facts(facts: list[Fact]) -> None:
    assert sorted(f.key for f in facts) == sorted(KEYS)
    for fact in facts:
        if fact.is_known:
            spec = CATALOGUE[fact.key]
            assert spec.type is not FactType.BOOL or isinstance(fact.value, bool)
        else:
            assert fact.reason and "probe failed" not in fact.reason


@FAST
@given(TEXT)
def test_text_parsers_never_crash(text: str) -> None:
    parse_mountinfo(text)
    parse_swaps(text)
    parse_zfs_get(text)
    parse_zpool_vdevs(text)
    parse_lsattr_flags(text)
    parse_fscrypt_status(text, text)
    lsblk_verdict(text, "8:0")
    macos.parse_fdesetup_status(text)
    macos.parse_isactive(text, 0)
    macos.parse_apfs_list(text)
    parse_cim(text)
    parse_shell(text)
    parse_manage_bde(text)
    linux.parse_uid(text, text)
    linux.parse_passwd_home(text)


@FAST
@given(JSON)
def test_json_parsers_take_any_json(value: Any) -> None:
    text = json.dumps(value)
    for report in (parse_cim(text), parse_shell(text)):
        if report is not None:
            assert all(v.drive.endswith(":") for v in report.volumes)
    assert lsblk_verdict(text, "8:0").state in ("encrypted", "plain", "unknown")


# The kernel prints canonical mount points, so no `.` or `..` components (find_mount
# normalises the path it is asked about, not the mount points).
SEGMENT = st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1,
                  max_size=8).filter(lambda s: s not in (".", ".."))


@FAST
@given(st.lists(SEGMENT, min_size=1, max_size=4), st.integers(1, 300), st.integers(0, 300))
def test_mountinfo_round_trip_with_escapes(parts: list[str], major: int, minor: int) -> None:
    mount_point = "/" + "/".join(parts)

    def esc(s: str) -> str:
        return "".join(f"\\{ord(c):03o}" if c in " \t\n\\" else c for c in s)

    line = f"40 27 {major}:{minor} / {esc(mount_point)} rw - ext4 {esc('/dev/my disk')} rw\n"
    mounts = parse_mountinfo(line)
    assert len(mounts) == 1
    assert (mounts[0].mount_point, mounts[0].source, mounts[0].majmin) == \
        (mount_point, "/dev/my disk", f"{major}:{minor}")
    found = find_mount(mounts, mount_point + "/deeper")
    assert found is not None and found.mount_point == mount_point


def _replay(family: str, argvs: list[tuple[str, ...]], outs: list[tuple[str, int | None]]
            ) -> RecordedHost:
    commands = [CommandResult(a, rc, out, "", 1, None if rc is not None else "timeout")
                for a, (out, rc) in zip(argvs, outs, strict=False)]
    return RecordedHost(Evidence(OsInfo(family, "", ""), commands))


OUT = st.tuples(TEXT | st.sampled_from(["FileVault is On.\n", "true\n", "false\n", ""]),
                st.sampled_from([0, 1, 2, None]))


@FAST
@given(st.lists(OUT, min_size=3, max_size=3))
def test_macos_backend_on_any_output(outs: list[tuple[str, int | None]]) -> None:
    host = _replay("macos", [macos.FDESETUP_STATUS, macos.FDESETUP_ISACTIVE, macos.APFS_LIST],
                   outs)
    _assert_facts(macos.collect(ProbeContext(host=host)))


WIN_OUT = st.tuples(TEXT | JSON.map(json.dumps), st.sampled_from([0, 1, None]))


@FAST
@given(st.lists(WIN_OUT, min_size=3, max_size=3))
def test_windows_backend_on_any_output(outs: list[tuple[str, int | None]]) -> None:
    host = _replay("windows", [windows.BDE_CIM, windows.BDE_SHELL, windows.MANAGE_BDE], outs)
    _assert_facts(windows.collect(ProbeContext(host=host)))


@FAST
@given(TEXT, TEXT, TEXT)
def test_linux_backend_on_any_mountinfo_and_output(mounts: str, lsattr: str, zfs: str) -> None:
    machine = Machine([Dev("sda", "8:0")], mounts + "\n27 1 8:0 / / rw - zfs rpool/x rw\n",
                      commands={("lsattr", "-d", "/home/ann"): ok(lsattr, ("lsattr",)),
                                ZFS_GET: ok(zfs, ZFS_GET)})
    _assert_facts(linux.collect(ProbeContext(host=FakeHost(machine))))


LAYER = st.sampled_from(["LUKS1", "LUKS2", "PLAIN", "VERITY", "INTEGRITY", "LVM", "md",
                         "nouuid", "SUBDEV"])


@settings(max_examples=300, deadline=None)
@given(st.lists(LAYER, min_size=0, max_size=6))
def test_any_stack_is_encrypted_exactly_when_a_confidential_layer_is_in_it(layers: list[str]
                                                                            ) -> None:
    devices = [Dev("sda", "8:0"), Dev("sda2", "8:2", "part", "sda")]
    below = "sda2"
    for i, layer in enumerate(layers):
        name = f"dm-{i}" if layer != "md" else f"md{i}"
        if layer == "md":
            devices.append(Dev(name, f"9:{i}", "md", slaves=[below]))
        else:
            uuid = {"LVM": "LVM-abc", "nouuid": None}.get(layer, f"CRYPT-{layer}-u-n{i}")
            devices.append(Dev(name, f"253:{i}", "dm", slaves=[below], dm_uuid=uuid,
                               dm_name=f"n{i}"))
        below = name
    top = next(d for d in devices if d.name == below)
    host = FakeHost(Machine(devices, mountinfo((top.majmin, "/", "/", "ext4", f"/dev/{below}"),
                                               *PROC)))
    chain = resolve_mount_chain(host, "/")
    assert isinstance(chain.mount, Mount) and chain.node is not None
    verdict = linux.LinuxDisk(host, parse_mountinfo(host.read_file("/proc/self/mountinfo") or "")
                           ).verdict(chain)
    confidential = [i for i, layer in enumerate(layers) if layer in ("LUKS1", "LUKS2", "PLAIN")]
    if confidential:
        # A dm device without uuid *above* the crypt layer still sits on encrypted data.
        assert verdict.state == "encrypted"
    elif "nouuid" in layers:
        assert verdict.state == "unknown"
    else:
        assert verdict.state == "plain"
