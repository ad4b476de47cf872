"""Live Secure Boot: this machine's firmware view and the real mokutil."""

from __future__ import annotations

import os

import pytest
from tests.conftest import require_root_tool

from wfhaudit.host import LiveHost
from wfhaudit.probes import load_probe
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.secureboot import linux

pytestmark = pytest.mark.live


def test_probe_matches_this_machines_boot_mode() -> None:
    fact = load_probe("secureboot").collect(ProbeContext(host=LiveHost()))[0]
    if not os.path.isdir(linux.EFI):
        if os.listdir(linux.FIRMWARE):
            assert fact.value is False
            assert "legacy BIOS" in (fact.detail or "")
        else:
            assert "hidden" in (fact.reason or "")
        return
    try:
        with open(linux.SECUREBOOT_VAR, "rb") as fh:
            raw = fh.read()
    except OSError:
        assert fact.sources[-1] == " ".join(linux.MOKUTIL)
        return
    assert fact.value is (raw[-1] == 1)


def test_real_mokutil_is_understood() -> None:
    require_root_tool("mokutil")
    result = LiveHost().run(linux.MOKUTIL, timeout=20)
    value, why = linux.parse_mokutil(result)
    if os.path.isdir(f"{linux.EFI}/efivars") and os.listdir(f"{linux.EFI}/efivars"):
        assert value is not None, why
    else:
        assert value is None
        assert "EFI variables are not supported" in why
