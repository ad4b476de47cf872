"""Live disk-probe tests on real loop devices: LUKS2 via dm-crypt, plain ext4, btrfs, fscrypt.

Locked (never opened) LUKS1/LUKS2 headers, plain ext4 and header-less loop devices are also
judged by their on-disk header through `classify_block_device`, as root and as user nobody;
that part needs no device-mapper.

The probe's real readers run against this kernel's /proc/self/mountinfo and sysfs through a
LiveHost; only the path asked about differs from the product (a temp mount instead of / and
the home folder). Everything created is named wfh-disk-* and removed in teardown.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.conftest import require_root_tool

from wfhaudit.host import LiveHost, RecordedHost
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.disk import PROBE
from wfhaudit.probes.disk.linux import LinuxDisk
from wfhaudit.probes.disk.linux.blockdev import node_verdict
from wfhaudit.probes.disk.linux.chain import read_mounts, resolve_mount_chain
from wfhaudit.probes.disk.linux.header import classify_block_device

pytestmark = pytest.mark.live

_COUNTER = itertools.count()
# FS_IOC_SET_ENCRYPTION_POLICY = _IOR('f', 19, struct fscrypt_policy_v1) (12 bytes).
_FS_IOC_SET_ENCRYPTION_POLICY = 0x800C6613


def _run(*argv: str, timeout: float = 30, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): "
                           f"{(result.stderr or result.stdout).strip()}")
    return result


@dataclass
class Scratch:
    """A temp folder plus everything set up inside it, torn down in reverse order."""

    root: Path
    undo: list[list[str]] = field(default_factory=list)

    def loop(self, size: str = "32M") -> tuple[str, Path]:
        """A fresh image file attached to a loop device (skips when none can be made)."""
        image = self.root / f"wfh-disk-{os.getpid()}-{next(_COUNTER)}.img"
        _run("truncate", "-s", size, str(image))
        result = _run("losetup", "--find", "--show", str(image), check=False)
        if result.returncode != 0:
            pytest.skip(f"no loop device could be attached: {result.stderr.strip()}")
        device = result.stdout.strip()
        self.undo.append(["losetup", "-d", device])
        return device, image

    def mount(self, device: str, name: str) -> Path:
        """Mount a device on a new folder in the scratch area."""
        target = self.root / name
        target.mkdir()
        _run("mount", device, str(target))
        self.undo.append(["umount", str(target)])
        return target

    def cleanup(self) -> None:
        """Undo everything, newest first; keep going past failures (bounded retries)."""
        for argv in reversed(self.undo):
            for attempt in range(3):
                if _run(*argv, check=False).returncode == 0:
                    break
                time.sleep(0.2 * (attempt + 1))
            else:
                if argv[0] == "umount":
                    _run("umount", "-l", argv[1], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def scratch() -> Iterator[Scratch]:
    """A wfh-disk-* temp folder that is always cleaned up."""
    area = Scratch(Path(tempfile.mkdtemp(prefix="wfh-disk-")))
    try:
        yield area
    finally:
        area.cleanup()


def _kname(device: str) -> str:
    return Path(device).name


def test_luks2_mapping_on_a_loop_device_is_encrypted(scratch: Scratch) -> None:
    require_root_tool("cryptsetup", "losetup", "mkfs.ext4", "truncate")
    device, _ = scratch.loop()
    key = scratch.root / "wfh-disk-key"
    key.write_bytes(os.urandom(32))
    _run("cryptsetup", "luksFormat", "--type", "luks2", "--batch-mode", "--pbkdf", "pbkdf2",
         "--pbkdf-force-iterations", "1000", "--key-file", str(key), device)
    assert _run("cryptsetup", "isLuks", "--type", "luks2", device, check=False).returncode == 0
    mapper = f"wfh-disk-{os.getpid()}-{next(_COUNTER)}"
    opened = _run("cryptsetup", "open", "--key-file", str(key), device, mapper, check=False)
    if opened.returncode != 0:
        pytest.skip("device-mapper is not available in this kernel, so a LUKS2 mapping cannot "
                    f"be opened: `cryptsetup open` said: {opened.stderr.strip().splitlines()[0]}")
    scratch.undo.append(["cryptsetup", "close", mapper])
    _run("mkfs.ext4", "-q", f"/dev/mapper/{mapper}")
    target = scratch.mount(f"/dev/mapper/{mapper}", "mnt")

    host = LiveHost()
    chain = resolve_mount_chain(host, str(target))
    assert chain.node is not None and chain.node.dm_uuid is not None
    assert chain.node.dm_uuid.startswith("CRYPT-LUKS2-")
    assert [p.name for p in chain.node.parents] == [_kname(device)]
    verdict = LinuxDisk(host, read_mounts(host)).verdict(chain)
    assert (verdict.state, verdict.methods) == ("encrypted", ("luks2",)), verdict.reason
    assert "/proc/self/mountinfo" in host.evidence.files


def test_plain_ext4_on_a_loop_device_is_not_encrypted(scratch: Scratch) -> None:
    require_root_tool("losetup", "mkfs.ext4", "truncate")
    device, image = scratch.loop()
    _run("mkfs.ext4", "-q", device)
    target = scratch.mount(device, "mnt")

    host = LiveHost()
    chain = resolve_mount_chain(host, str(target / "some" / "file"))
    assert chain.kind == "block" and chain.node is not None
    assert chain.mount is not None and chain.mount.mount_point == str(target)
    node = chain.node
    assert (node.name, node.dm_uuid, node.loop_backing) == (_kname(device), None, str(image))
    assert node_verdict(node).state == "plain"
    # The loop's data lives in the image file, so the full answer is that of the filesystem
    # holding the image (the plain root here).
    run = LinuxDisk(host, read_mounts(host))
    holder = run.verdict(resolve_mount_chain(host, str(image)))
    verdict = run.verdict(chain)
    assert verdict.state == holder.state
    if holder.state == "plain":
        assert "no encryption layer" in verdict.reason


def test_btrfs_on_a_loop_device_is_followed_through_sys_fs_btrfs(scratch: Scratch) -> None:
    require_root_tool("losetup", "mkfs.btrfs", "truncate")
    device, image = scratch.loop("160M")
    _run("mkfs.btrfs", "-q", device)
    target = scratch.mount(device, "mnt")

    host = LiveHost()
    chain = resolve_mount_chain(host, str(target))
    assert chain.mount is not None and chain.mount.major == 0, "btrfs shows an anonymous device"
    assert chain.kind == "btrfs" and chain.node is not None
    assert chain.node.name == _kname(device) and chain.node.loop_backing == str(image)
    assert any(path.startswith("/sys/fs/btrfs/") for path in host.evidence.dirs)


def test_fscrypt_home_folder_is_seen_by_lsattr(scratch: Scratch) -> None:
    require_root_tool("losetup", "mkfs.ext4", "truncate", "lsattr")
    device, _ = scratch.loop()
    _run("mkfs.ext4", "-q", "-O", "encrypt", device)
    target = scratch.mount(device, "mnt")
    home, plain = target / "home", target / "plain"
    home.mkdir()
    plain.mkdir()
    # A v1 policy (AES-256-XTS contents, AES-256-CTS names) can be set on an empty folder
    # without the key in a keyring; that is all the probe needs to see.
    policy = struct.pack("BBBB8s", 0, 1, 4, 0, b"wfhdisk!")
    fd = os.open(home, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, _FS_IOC_SET_ENCRYPTION_POLICY, policy)
    except OSError as exc:
        pytest.skip(f"this kernel refused an fscrypt policy: {os.strerror(exc.errno or 0)}")
    finally:
        os.close(fd)

    host = LiveHost()
    run = LinuxDisk(host, read_mounts(host))
    root = resolve_mount_chain(host, "/")
    verdict, _ = run.home_verdict(str(home), root, run.verdict(root))
    assert (verdict.state, verdict.methods) == ("encrypted", ("fscrypt",)), verdict.reason
    other, _ = run.home_verdict(str(plain), root, run.verdict(root))
    assert "fscrypt" not in other.methods
    assert ("lsattr", "-d", str(home)) in [c.argv for c in host.evidence.commands]


def test_whole_probe_on_this_machine_is_fast_and_complete() -> None:
    if os.uname().sysname != "Linux":
        pytest.skip("the live probe run needs Linux")
    host = LiveHost()
    start = time.monotonic()
    facts = {f.key: f for f in PROBE.collect(ProbeContext(host=host))}
    elapsed = time.monotonic() - start
    assert set(facts) == set(PROBE.fact_keys)
    for fact in facts.values():
        assert fact.is_known or (fact.reason and "probe failed" not in fact.reason), fact
    assert elapsed < 2.0, f"disk probe took {elapsed:.2f} s"
    # The evidence replays to the same facts.
    replayed = {f.key: f for f in PROBE.collect(ProbeContext(host=RecordedHost(host.evidence)))}
    assert {k: (f.value, f.reason) for k, f in replayed.items()} == \
        {k: (f.value, f.reason) for k, f in facts.items()}



def _luks_format(scratch: Scratch, device: str, kind: str) -> None:
    key = scratch.root / f"wfh-disk-key-{kind}"
    key.write_bytes(os.urandom(32))
    _run("cryptsetup", "luksFormat", "--type", kind, "--batch-mode", "--pbkdf", "pbkdf2",
         "--pbkdf-force-iterations", "1000", "--key-file", str(key), device)


def _udev_type(device: str) -> str | None:
    """ID_FS_TYPE udev recorded for the device, if this machine runs udev."""
    majmin = Path(f"/sys/class/block/{_kname(device)}/dev").read_text().strip()
    try:
        text = Path(f"/run/udev/data/b{majmin}").read_text()
    except OSError:
        return None
    return next((line.split("=", 1)[1] for line in text.splitlines()
                 if line.startswith("E:ID_FS_TYPE=")), None)


@pytest.mark.parametrize(("kind", "method", "label"), [("luks2", "luks2", "LUKS2"),
                                                       ("luks1", "luks1", "LUKS1")])
def test_locked_luks_header_on_a_loop_device_is_encrypted(scratch: Scratch, kind: str,
                                                          method: str, label: str) -> None:
    require_root_tool("cryptsetup", "losetup", "truncate", "blkid")
    device, _ = scratch.loop()
    _luks_format(scratch, device, kind)
    host = LiveHost()
    encrypted, got_method, reason = classify_block_device(host, device)
    assert (encrypted, got_method) == (True, method), reason
    assert f"{device} holds a {label} header" in reason
    if _udev_type(device) is None:
        assert [c.argv for c in host.evidence.commands] == [
            ("blkid", "-p", "-o", "export", device)]
    # The recorded evidence replays to the same answer.
    assert classify_block_device(RecordedHost(host.evidence), device) == \
        (encrypted, got_method, reason)


def test_plain_ext4_loop_device_is_not_encrypted_by_its_header(scratch: Scratch) -> None:
    require_root_tool("losetup", "mkfs.ext4", "truncate", "blkid")
    device, _ = scratch.loop()
    _run("mkfs.ext4", "-q", device)
    encrypted, method, reason = classify_block_device(LiveHost(), device)
    assert (encrypted, method) == (False, ""), reason
    assert "unencrypted ext4 filesystem" in reason


def test_headerless_loop_device_is_unknown_and_says_veracrypt_cannot_be_seen(
        scratch: Scratch) -> None:
    require_root_tool("losetup", "truncate", "blkid")
    device, image = scratch.loop("8M")
    with image.open("r+b") as fh:  # random bytes, as a VeraCrypt volume looks from outside
        fh.write(os.urandom(1024 * 1024))
    encrypted, method, reason = classify_block_device(LiveHost(), device)
    assert (encrypted, method) == (None, ""), reason
    assert "no filesystem or encryption header" in reason and "VeraCrypt" in reason


def test_header_read_as_a_normal_user_is_unknown_with_the_reason(scratch: Scratch) -> None:
    require_root_tool("cryptsetup", "losetup", "truncate", "blkid", "setpriv")
    device, _ = scratch.loop()
    _luks_format(scratch, device, "luks2")
    code = ("import json, sys\n"
            "from wfhaudit.host import LiveHost\n"
            "from wfhaudit.probes.disk.linux.header import classify_block_device\n"
            "print(json.dumps(classify_block_device(LiveHost(), sys.argv[1])))\n")
    result = _run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                  sys.executable, "-c", code, device, check=False)
    assert result.returncode == 0, result.stderr
    encrypted, method, reason = json.loads(result.stdout)
    if _udev_type(device) == "crypto_LUKS":
        # udev's record is world-readable: no root needed to see the header.
        assert (encrypted, method) == (True, "luks2") and reason.endswith("(udev)")
    else:
        assert (encrypted, method) == (None, "")
        assert reason == (f"blkid needs root to read {device}: run wfhaudit with sudo to "
                          "check its header")
