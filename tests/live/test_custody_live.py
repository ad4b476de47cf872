"""Privileged collection: the key in a root-only folder; the user can neither read it nor sign.

The service (root) creates the key with `keys init --custody system`, IT enrols it with
`--custody system`, the service's reports verify under `--require-custody system`. The worker
(user nobody) then tries: reading the key file (`runuser -u nobody -- cat`), running `check`
with the service's folder, and signing with a key of their own. The worker's attempts run in a
Python process that dropped to nobody with setresuid after importing everything (the test
interpreter lives under /root, which nobody cannot enter).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require_root_tool

pytestmark = pytest.mark.live
SRC = Path(__file__).resolve().parents[2] / "src"
NOBODY = 65534
OS_IS_LINUX = [{"id": "os", "title": "Runs Linux", "fact": "os.family",
                "expect": {"equals": "linux"}, "severity": "high"}]

_AS_NOBODY = """
import json, os, sys
from click.testing import CliRunner
from wfhaudit.cli import cli
argv = json.loads(sys.argv[1])
home = os.environ.get("WFHAUDIT_HOME")
os.environ["WFHAUDIT_HOME"] = os.environ["WARM_HOME"]
warm = CliRunner().invoke(cli, ["check", "--only", "os", "--policy", os.environ["WARM_POLICY"],
                                "--no-sign", "--out", os.environ["WARM_OUT"]])
assert warm.exit_code in (0, 1), warm.output
if home is None:
    del os.environ["WFHAUDIT_HOME"]
else:
    os.environ["WFHAUDIT_HOME"] = home
os.setgroups([])
os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 65534)
res = CliRunner().invoke(cli, argv)
print(json.dumps({"code": res.exit_code, "stderr": res.stderr}))
"""


def wfh(*args: Any, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh process (as root, the service)."""
    return subprocess.run([sys.executable, "-m", "wfhaudit", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def as_nobody(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """The CLI run by user nobody; its exit code and stderr."""
    warm = Path(tempfile.mkdtemp(prefix="wfh-warm-"))
    policy = warm / "policy.json"
    policy.write_text(json.dumps({"id": "w", "version": "1", "title": "W", "rules": OS_IS_LINUX}))
    (warm / "home").mkdir(mode=0o700)
    env = {**env, "WARM_OUT": str(warm / "out"), "WARM_POLICY": str(policy),
           "WARM_HOME": str(warm / "home")}
    done = subprocess.run([sys.executable, "-c", _AS_NOBODY, json.dumps(argv)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    shutil.rmtree(warm)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture
def base() -> Iterator[Path]:
    require_root_tool("runuser")
    path = Path(tempfile.mkdtemp(prefix="wfh-custody-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFHAUDIT_")}
    env["PYTHONPATH"] = f"{SRC}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return {**env, **extra}


def test_service_key_verifies_and_the_worker_cannot_sign(base: Path) -> None:
    system = base / "var-lib-wfhaudit"
    policy = base / "policy.json"
    policy.write_text(json.dumps({"id": "t", "version": "1", "title": "T", "rules": OS_IS_LINUX}))
    root_env = _env(WFHAUDIT_SYSTEM_DIR=str(system))
    made = wfh("keys", "init", "--custody", "system", env=root_env)
    assert made.returncode == 0, made.stderr
    st = system.stat()
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o700)
    key_file = system / "device-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    service = _env(WFHAUDIT_HOME=str(system), WFHAUDIT_SYSTEM_DIR=str(system))
    shown = wfh("keys", "show", "--json", env=service)
    assert json.loads(shown.stdout)["custody"] == "system", shown.stderr
    it = base / "it"
    it.mkdir()
    assert wfh("keys", "export", "-o", it / "dev.pub", env=service).returncode == 0
    draft, admin = it / "trust.draft.json", it / "admin.pem"
    for argv in (("trust", "init", "--admin-key", admin, "--create-admin-key"),
                 ("trust", "add-device", "--key", it / "dev.pub", "--custody", "system"),
                 ("trust", "accept-policy", policy),
                 ("trust", "sign", "--admin-key", admin, "--out", it / "trust.json")):
        done = wfh(*argv, "--draft", draft, env=root_env)
        assert done.returncode == 0, done.stderr

    reports = base / "reports"
    done = wfh("check", "--only", "os", "--policy", policy, "--out", reports, env=service)
    assert done.returncode == 0, done.stderr
    verified = wfh("verify", reports, "--trust", it / "trust.json", "--json",
                   "--require-custody", "system", env=root_env)
    (line,) = [json.loads(x) for x in verified.stdout.splitlines()]
    assert (verified.returncode, line["reason"], line["custody"]) == (0, "VERIFIED", "system")

    # The worker: cannot read the key, cannot run the check with it, cannot sign otherwise.
    cat = subprocess.run(["runuser", "-u", "nobody", "--", "cat", str(key_file)],
                         capture_output=True, text=True, timeout=30, check=False)
    assert cat.returncode != 0 and "Permission denied" in cat.stderr
    worker_out = base / "worker-reports"
    worker_out.mkdir()
    os.chown(worker_out, NOBODY, NOBODY)
    tried = as_nobody(["check", "--only", "os", "--policy", str(policy), "--out",
                       str(worker_out)], service)
    assert tried["code"] == 3, tried
    assert "Permission denied" in tried["stderr"] or "another user" in tried["stderr"]
    assert not list(worker_out.glob("*.wfh.json"))

    own_home = base / "nobody-home"
    own_home.mkdir(mode=0o700)
    os.chown(own_home, NOBODY, NOBODY)
    tried = as_nobody(["check", "--only", "os", "--policy", str(policy), "--out",
                       str(worker_out)], _env(WFHAUDIT_HOME=str(own_home)))
    assert tried["code"] == 0, tried
    (own,) = worker_out.glob("*.wfh.json")
    rejected = wfh("verify", own, "--trust", it / "trust.json", "--json", env=root_env)
    assert json.loads(rejected.stdout)["reason"] == "UNKNOWN_KEY"


def test_system_custody_needs_root_and_a_root_only_folder(base: Path) -> None:
    system = base / "sys"
    system.mkdir(mode=0o755)
    os.chown(system, NOBODY, NOBODY)
    done = wfh("keys", "init", "--custody", "system", env=_env(WFHAUDIT_SYSTEM_DIR=str(system)))
    assert done.returncode == 3 and "not a root-owned folder" in done.stderr
    tried = as_nobody(["keys", "init", "--custody", "system"],
                      _env(WFHAUDIT_SYSTEM_DIR=str(base / "other")))
    assert tried["code"] == 3 and "needs root" not in tried["stderr"].lower() \
        and "sudo wfhaudit keys init --custody system" in tried["stderr"]
    assert not (base / "other").exists()
