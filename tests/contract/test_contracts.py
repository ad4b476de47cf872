"""Contracts: pinned exit codes, probe registry complete per OS, commands covered by fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wfhaudit.errors import ExitCode
from wfhaudit.facts import CATALOGUE
from wfhaudit.host.platform_info import OS_FAMILIES
from wfhaudit.probes import load_probe, probe_names

CASES = Path(__file__).parent.parent / "fixtures" / "cases"


def _matches(template: tuple[str, ...], argv: tuple[str, ...]) -> bool:
    """A listed argv element written as {name} stands for any one argument (a device, a path)."""
    return len(template) == len(argv) and all(
        t == a or (t.startswith("{") and t.endswith("}")) for t, a in zip(template, argv, strict=False))


def test_exit_codes_are_pinned() -> None:
    assert {c.name: c.value for c in ExitCode} == {
        "OK": 0, "NOT_READY": 1, "USAGE": 2, "INVALID_INPUT": 3, "VERIFY_FAILED": 4,
        "INTERNAL": 70, "INTERRUPTED": 130, "TERMINATED": 143}


def test_design_catalogue_keys_all_present() -> None:
    design = ["firewall.enabled", "firewall.source", "firewall.profiles_off", "vpn.active", "vpn.full_tunnel", "vpn.interface", "vpn.client", "disk.system_encrypted", "disk.method", "disk.encryption_in_progress", "disk.unencrypted_volumes", "network.download_mbps", "network.upload_mbps", "network.rtt_ms", "network.jitter_ms", "network.loss_pct", "network.loaded_rtt_ms", "network.mos", "network.udp_ok", "network.link", "network.wifi_signal_dbm", "audio.headset_present", "audio.default_output_is_headset", "audio.default_input_is_headset", "audio.headset_name", "audio.input_sample_rate_hz", "os.family", "os.version"]
    assert set(design) <= set(CATALOGUE)


@pytest.mark.parametrize("name", probe_names())
def test_probe_declares_its_facts_and_a_backend_per_os(name: str) -> None:
    probe = load_probe(name)
    assert probe.name == name
    assert all(CATALOGUE[k].probe == name for k in probe.fact_keys)
    assert set(probe.backends) == set(OS_FAMILIES), "a missing OS must be an explicit decision"


@pytest.mark.parametrize("name", probe_names())
def test_every_listed_command_has_a_recorded_case(name: str) -> None:
    probe = load_probe(name)
    recorded: dict[str, set[tuple[str, ...]]] = {os: set() for os in OS_FAMILIES}
    for path in CASES.glob(f"{name}/*/*.json"):
        case = json.loads(path.read_text())
        for cmd in case["evidence"]["commands"]:
            recorded[path.parent.name].add(tuple(cmd["argv"]))
    for os_family, argvs in ((f, probe.commands(f)) for f in OS_FAMILIES):
        for argv in argvs:
            assert any(_matches(tuple(argv), r) for r in recorded[os_family]), \
                f"{name}/{os_family}: no recorded case runs {argv}"


@pytest.mark.parametrize("name", probe_names())
def test_backends_only_run_listed_commands(name: str) -> None:
    probe = load_probe(name)
    for path in CASES.glob(f"{name}/*/*.json"):
        case = json.loads(path.read_text())
        listed = {tuple(a) for a in probe.commands(path.parent.name)}
        for cmd in case["evidence"]["commands"]:
            assert any(_matches(t, tuple(cmd["argv"])) for t in listed), \
                f"{path.name}: {cmd['argv']} is not in the probe's commands list"
