"""Parsers for the Linux commands the disk probe runs: zfs, zpool, lsattr, fscrypt and lsblk.

All pure functions of recorded text; anything they do not recognise gives None or UNKNOWN.
"""

from __future__ import annotations

import json
from typing import Any

from wfhaudit.probes.disk.decide import Verdict

ZFS_GET = ("zfs", "get", "-H", "-p", "-o", "name,property,value", "-t", "filesystem",
           "encryption,keystatus")
ZPOOL_STATUS = ("zpool", "status", "-P", "-L")
LSBLK = ("lsblk", "-J", "-o", "NAME,KNAME,TYPE,FSTYPE,MOUNTPOINT,PKNAME,MAJ:MIN")


def lsattr_argv(path: str) -> tuple[str, ...]:
    """`lsattr -d <dir>`: the E flag marks an fscrypt-encrypted directory (e2fsprogs >= 1.43)."""
    return ("lsattr", "-d", path)


def fscrypt_argv(path: str) -> tuple[str, ...]:
    """`fscrypt status <dir>` (only when lsattr could not answer)."""
    return ("fscrypt", "status", path)


def parse_zfs_get(text: str) -> dict[str, dict[str, str]]:
    """Dataset -> {property: value} from `zfs get -H` tab-separated output."""
    out: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] and parts[1]:
            out.setdefault(parts[0], {})[parts[1]] = parts[2].strip()
    return out


def zfs_dataset_verdict(props: dict[str, dict[str, str]], dataset: str) -> Verdict | None:
    """Native ZFS encryption of one dataset; None when it says encryption=off (look below)."""
    entry = props.get(dataset)
    if entry is None or "encryption" not in entry:
        return Verdict.unknown(f"`zfs get` did not report the encryption of dataset {dataset}")
    enc = entry["encryption"]
    if enc == "off":
        return None
    if enc in ("", "-"):
        return Verdict.unknown(f"`zfs get` gave no usable encryption value for {dataset}")
    key = entry.get("keystatus", "-")
    return Verdict.encrypted("zfs", f"ZFS dataset {dataset} uses native encryption {enc} "
                             f"(key {key})")


def parse_zpool_vdevs(text: str) -> dict[str, list[str]]:
    """Pool -> device paths of its vdevs from `zpool status -P -L`."""
    pools: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("pool:"):
            current = stripped[5:].strip() or None
            if current:
                pools.setdefault(current, [])
            continue
        token = stripped.split(" ", 1)[0].split("\t", 1)[0]
        if current and token.startswith("/dev/") and len(pools[current]) < 64:
            pools[current].append(token)
    return pools


def parse_lsattr_flags(text: str) -> str | None:
    """The flag string of `lsattr -d` (e.g. `---------E----e-------`), None when not there."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    flags = first.split(" ", 1)[0]
    if flags and len(flags) >= 4 and all(c == "-" or c.isalpha() for c in flags):
        return flags
    return None


def parse_fscrypt_status(stdout: str, stderr: str) -> bool | None:
    """True: the directory is fscrypt-encrypted; False: it is not; None: cannot tell."""
    text = f"{stdout}\n{stderr}"
    if "is encrypted with fscrypt" in text:
        return True
    if "is not encrypted" in text or "encryption not enabled on filesystem" in text:
        return False
    return None


def _walk(nodes: Any, stack: list[dict[str, Any]], target: str,
          found: list[list[dict[str, Any]]]) -> None:
    if not isinstance(nodes, list):
        return
    for node in nodes:
        if not isinstance(node, dict):
            continue
        path = [*stack, node]
        if node.get("maj:min") == target:
            found.append(path)
        _walk(node.get("children"), path, target, found)


def lsblk_verdict(text: str, majmin: str) -> Verdict:
    """Cross-check from `lsblk -J` for a device number, when sysfs could not be walked.

    lsblk's TYPE=crypt also covers dm-verity/integrity, so only a crypt layer sitting on a
    `crypto_LUKS` device proves encryption; FSTYPE is often null without udev.
    """
    try:
        data = json.loads(text)
    except ValueError:
        return Verdict.unknown("lsblk printed no JSON")
    found: list[list[dict[str, Any]]] = []
    _walk(data.get("blockdevices") if isinstance(data, dict) else None, [], majmin, found)
    if not found:
        return Verdict.unknown(f"lsblk does not list device {majmin}")
    verdicts = []
    for path in found:
        below = list(reversed(path))  # the device itself, then what it sits on, down to the disk
        luks = [n for i, n in enumerate(below[:-1])
                if n.get("type") == "crypt" and below[i + 1].get("fstype") == "crypto_LUKS"]
        crypt = [n for n in below if n.get("type") == "crypt"]
        if luks:
            verdicts.append(Verdict.encrypted("luks", f"lsblk shows {luks[0].get('name')} on a "
                                              "crypto_LUKS device"))
        elif crypt:
            verdicts.append(Verdict.unknown(
                f"lsblk shows a crypt layer ({crypt[0].get('name')}) but cannot tell dm-crypt "
                "from dm-verity/integrity; run `sudo cryptsetup status` on it"))
        else:
            chain = " <- ".join(str(n.get("name")) for n in below)
            verdicts.append(Verdict.plain(f"lsblk shows no crypt layer in {chain}"))
    if any(v.state == "plain" for v in verdicts):
        return next(v for v in verdicts if v.state == "plain")
    if all(v.state == "encrypted" for v in verdicts):
        return verdicts[0]
    return next(v for v in verdicts if v.state == "unknown")
