"""The fault suite: every test here is marked `faults` and needs root (mounts, namespaces)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.faults.kit import REPLAY_POLICY

from wfhaudit.cli import cli


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/faults with `faults`."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)


@pytest.fixture(autouse=True)
def _needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("the fault suite needs root (tmpfs mounts, mount namespaces)")


@pytest.fixture(scope="session")
def replay(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(evidence bundle recorded here with `check --only os --record`, a policy file for it)."""
    folder = tmp_path_factory.mktemp("replay")
    policy = folder / "faults-policy.json"
    policy.write_text(json.dumps(REPLAY_POLICY, ensure_ascii=False))
    bundle = folder / "evidence.json"
    home = folder / "home"
    home.mkdir(mode=0o700)
    result = CliRunner(env={"WFHAUDIT_HOME": str(home)}).invoke(cli, [
        "check", "--only", "os", "--policy", str(policy), "--record", str(bundle),
        "--no-sign", "--out", str(folder / "reports")])
    assert result.exit_code == 0, result.output
    return bundle, policy
