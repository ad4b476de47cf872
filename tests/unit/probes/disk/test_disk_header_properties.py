"""Property tests for the blkid/udev header parsers: any output gives a header or UNKNOWN."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfhaudit.host import CommandResult
from wfhaudit.probes.disk.linux.header import (
    ENCRYPTING,
    blkid_argv,
    classify_blkid,
    parse_export,
    parse_udev_db,
)

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = {"encrypted", "plain", "container", "table", "none", "unknown"}
KEY = st.sampled_from(["TYPE", "VERSION", "USAGE", "UUID", "LABEL", "PTTYPE", "DEVNAME",
                       "PART_ENTRY_TYPE", "PART_ENTRY_SCHEME", "BLOCK_SIZE"])
VALUE = st.sampled_from(["crypto_LUKS", "BitLocker", "cs_fvault2", "ext4", "swap", "1", "2",
                         "crypto", "filesystem", "raid", "other", "gpt", "DM_integrity",
                         "zfs_member", ""]) | st.text(max_size=12)
LINES = st.lists(st.tuples(KEY, VALUE).map(lambda kv: f"{kv[0]}={kv[1]}") | st.text(max_size=30),
                 max_size=12).map("\n".join)
RC = st.sampled_from([0, 1, 2, 4, 8, None])
STDERR = st.sampled_from(["", "blkid: error: /dev/sdz1: Permission denied\n",
                          "/dev/sdz1: ambivalent result (probably more filesystems)\n"]) | \
    st.text(max_size=40)
SAFE_VALUE = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\x00"), max_size=20)


def _result(stdout: str, rc: int | None, stderr: str) -> CommandResult:
    error = "timeout" if rc is None else None
    return CommandResult(blkid_argv("/dev/sdz1"), rc, stdout, stderr, 1, error)


@FAST
@given(LINES | st.text(max_size=300), RC, STDERR)
def test_any_blkid_output_gives_a_header_never_an_exception(stdout: str, rc: int | None,
                                                             stderr: str) -> None:
    header = classify_blkid(_result(stdout, rc, stderr), "/dev/sdz1")
    assert header.kind in KINDS and header.reason
    assert header.verdict.state in ("encrypted", "plain", "unknown")
    fields = parse_export(stdout)
    if header.kind == "encrypted":
        # Only a recognised encryption header, from a successful run, counts as encrypted.
        assert rc == 0 and fields.get("TYPE") in {"crypto_LUKS", *ENCRYPTING}
        assert header.method
    if header.kind in ("encrypted", "plain"):
        assert "Permission denied" not in stderr and "ambivalent" not in stderr
    if rc not in (0, 2):
        assert header.kind == "unknown"


@FAST
@given(st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,15}", fullmatch=True), SAFE_VALUE,
                       max_size=10), st.lists(st.text(max_size=20), max_size=5))
def test_export_round_trip_ignores_noise(fields: dict[str, str], noise: list[str]) -> None:
    lines = [f"{k}={v}" for k, v in fields.items()]
    lines += [n.replace("=", "") for n in noise]  # lines without `=` are never fields
    parsed = parse_export("\n".join(lines))
    assert parsed == {k: v.strip() for k, v in fields.items()}


@FAST
@given(st.text(max_size=400))
def test_udev_parser_takes_any_text(text: str) -> None:
    fields = parse_udev_db(text)
    assert set(fields) <= {"TYPE", "VERSION", "USAGE", "PART_ENTRY_TYPE", "PART_ENTRY_SCHEME",
                           "PTTYPE"}


@FAST
@given(st.sampled_from(["1", "2"]), st.lists(st.tuples(st.sampled_from(["LABEL", "UUID",
                                                                          "SUBSYSTEM"]),
                                                         SAFE_VALUE), max_size=4))
def test_luks_header_is_encrypted_whatever_else_it_says(version: str,
                                                       extra: list[tuple[str, str]]) -> None:
    text = "".join(f"{k}={v}\n" for k, v in extra) + \
        f"VERSION={version}\nTYPE=crypto_LUKS\nUSAGE=crypto\n"
    header = classify_blkid(_result(text, 0, ""), "/dev/sdz1")
    assert (header.kind, header.method) == ("encrypted", f"luks{version}")
