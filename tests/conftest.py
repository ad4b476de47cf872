"""Shared fixtures: an isolated WFHAUDIT_HOME per test session and helpers for live tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from tests.pgserver import pg_server, pg_url  # noqa: F401 - fixtures: a live PostgreSQL server

# Property tests on a busy 2-core CI machine: no per-example deadline (a slow example is not a
# failure) and, under CI, a fixed example sequence, so a run is reproducible.
settings.register_profile("wfhaudit", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("wfhaudit-ci", parent=settings.get_profile("wfhaudit"),
                          derandomize=True)
settings.load_profile("wfhaudit-ci" if os.environ.get("CI") else "wfhaudit")


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


# Skips CI accepts: the machine truly cannot do it (kernel features, OS). Anything else, such as
# a program that is not installed, means .ci/run missed an install step and must fail in CI.
_CI_ALLOWED_SKIPS = ("device-mapper is not available", "refused an fscrypt policy",
                     "no /dev/net/tun", "POSIX file modes", "needs FIFOs",
                     "file names with control characters", "neither plainly open nor")
_ci_bad_skips: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember skips that CI must not accept."""
    if os.environ.get("CI") and report.skipped:
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(
            report.longrepr)
        if not any(allowed in reason for allowed in _CI_ALLOWED_SKIPS):
            _ci_bad_skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI, a skip caused by a missing install step fails the run, loudly."""
    if _ci_bad_skips:
        print("\nCI: these tests skipped for a reason CI must fix (install step missing?):")
        for line in _ci_bad_skips:
            print(f"  {line}")
        session.exitstatus = 1
