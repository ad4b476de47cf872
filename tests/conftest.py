"""Shared fixtures: an isolated WFHAUDIT_HOME per test session and helpers for live tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                   ) -> Iterator[None]:
    """Never touch the real per-user data folder (device id, keys) from a test."""
    home = tmp_path_factory.mktemp("wfhaudit-home")
    home.chmod(0o700)
    monkeypatch.setenv("WFHAUDIT_HOME", str(home))
    yield


def require_root_tool(*tools: str) -> None:
    """Skip (with the reason printed) when not root or a needed program is missing."""
    if os.geteuid() != 0:
        pytest.skip("live test needs root (network namespaces, loop devices)")
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"live test needs {', '.join(missing)}: install them (see .ci/apt-packages.txt)")


FIXTURES = Path(__file__).parent / "fixtures"
