"""Hardware-bound device keys against a real TPM 2.0 simulator (swtpm on loopback TCP).

Create the key inside the TPM, certify it with an attestation key, enrol it (IT checks the
certification), sign a report with it and verify; refuse an exportable key as `tpm`, a
certification by an attestation key IT did not pin, and a machine without a TPM.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.conftest import require_root_tool

from wfhaudit.cli import cli
from wfhaudit.crypto.identity import data_dir
from wfhaudit.trust.tpm_cert import certification_line

pytestmark = pytest.mark.live
OS_IS_LINUX = [{"id": "os", "title": "Runs Linux", "fact": "os.family",
                "expect": {"equals": "linux"}, "severity": "high"}]


def run(*args: Any) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a, socket.socket() as b:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return int(port)
    raise RuntimeError("no two free adjacent loopback ports")


@pytest.fixture
def swtpm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh TPM 2.0 simulator; its TCTI string is exported as WFHAUDIT_TPM_TCTI."""
    require_root_tool("swtpm", "tpm2_createprimary")
    state = tmp_path / "tpm-state"
    state.mkdir()
    port = _free_port_pair()
    log = (tmp_path / "swtpm.log").open("wb")
    proc = subprocess.Popen(
        ["swtpm", "socket", "--tpm2", "--server", f"type=tcp,port={port},bindaddr=127.0.0.1",
         "--ctrl", f"type=tcp,port={port + 1},bindaddr=127.0.0.1", "--tpmstate",
         f"dir={state}", "--flags", "not-need-init,startup-clear"],
        stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait(timeout=10)
                log.close()
                text = (tmp_path / "swtpm.log").read_text(errors="replace")
                raise RuntimeError(f"swtpm did not start: {text}") from None
            time.sleep(0.05)
    tcti = f"swtpm:host=127.0.0.1,port={port}"
    monkeypatch.setenv("WFHAUDIT_TPM_TCTI", tcti)
    try:
        yield tcti
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def _it(root: Path, pub: Path, *extra: Any) -> Any:
    draft, admin = root / "trust.draft.json", root / "admin.pem"
    if not draft.exists():
        assert run("trust", "init", "--admin-key", admin, "--create-admin-key", "--draft",
                   draft).exit_code == 0
    return run("trust", "add-device", "--key", pub, "--custody", "tpm", *extra, "--draft", draft)


def test_tpm_key_signs_reports_that_verify(tmp_path: Path, swtpm: str) -> None:
    res = run("keys", "init", "--custody", "tpm")
    assert res.exit_code == 0, res.output
    shown = json.loads(run("keys", "show", "--json").stdout)
    assert (shown["alg"], shown["custody"]) == ("ecdsa-p256-sha256", "tpm")
    home = data_dir()
    assert not (home / "device-key.pem").exists()  # no private key file: it is in the TPM
    pub = tmp_path / "dev.pub"
    assert run("keys", "export", "-o", pub).exit_code == 0
    assert "wfhaudit-tpm-certification:" in pub.read_text()

    it = tmp_path / "it"
    it.mkdir()
    res = _it(it, pub)
    assert res.exit_code == 3 and "--tpm-ak" in res.stderr  # a certification needs a pinned AK
    ak = it / "device-ak.pub"
    shutil.copy(home / "device-ak.tpm.pub", ak)  # IT's inventory of the device's TPM
    res = _it(it, pub, "--tpm-ak", ak)
    assert res.exit_code == 0, res.output
    entry = json.loads((it / "trust.draft.json").read_text())["devices"][0]["keys"][0]
    assert (entry["alg"], entry["custody"]) == ("ecdsa-p256-sha256", "tpm")
    assert entry["certification"]["format"] == "tpm2-certify"

    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"id": "t", "version": "1", "title": "T", "rules": OS_IS_LINUX}))
    draft = it / "trust.draft.json"
    assert run("trust", "accept-policy", policy, "--draft", draft).exit_code == 0
    assert run("trust", "sign", "--admin-key", it / "admin.pem", "--out", it / "trust.json",
               "--draft", draft).exit_code == 0
    res = run("check", "--only", "os", "--policy", policy, "--out", tmp_path / "r")
    assert res.exit_code == 0, res.output
    res = run("verify", tmp_path / "r", "--trust", it / "trust.json", "--json",
              "--require-custody", "tpm")
    line = json.loads(res.stdout)
    assert (res.exit_code, line["reason"], line["custody"]) == (0, "VERIFIED", "tpm"), res.output


def _tools(tcti: str, cwd: Path, *argv: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "TPM2TOOLS_TCTI": tcti}
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=60, check=False)
    subprocess.run(["tpm2_flushcontext", "-t"], cwd=cwd, env=env, capture_output=True,
                   timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_exportable_key_is_refused_as_tpm(tmp_path: Path, swtpm: str) -> None:
    """A key that may leave the TPM (no fixedTPM/fixedParent), certified by the pinned AK."""
    assert run("keys", "init", "--custody", "tpm").exit_code == 0
    home = data_dir()
    work = tmp_path / "w"
    work.mkdir()
    shutil.copy(home / "device-ak.tpm.pub", work / "ak.pub")
    shutil.copy(home / "device-ak.tpm.priv", work / "ak.priv")
    _tools(swtpm, work, "tpm2_createprimary", "-C", "o", "-g", "sha256", "-G", "ecc256", "-c",
           "primary.ctx", "-Q")
    _tools(swtpm, work, "tpm2_create", "-C", "primary.ctx", "-G", "ecc256:ecdsa-sha256", "-a",
           "sensitivedataorigin|userwithauth|sign", "-u", "key.pub", "-r", "key.priv", "-Q")
    for name in ("key", "ak"):
        _tools(swtpm, work, "tpm2_load", "-C", "primary.ctx", "-u", f"{name}.pub", "-r",
               f"{name}.priv", "-c", f"{name}.ctx", "-Q")
    _tools(swtpm, work, "tpm2_certify", "-c", "key.ctx", "-C", "ak.ctx", "-g", "sha256", "-o",
           "attest", "-s", "attest.sig", "-f", "plain", "-Q")
    _tools(swtpm, work, "tpm2_readpublic", "-c", "key.ctx", "-f", "pem", "-o", "key.pem", "-Q")
    export = tmp_path / "exportable.pub"
    export.write_text("wfhaudit-device-id: dev-exportable\n" + (work / "key.pem").read_text()
                      + certification_line({
                          "public": (work / "key.pub").read_bytes(),
                          "attest": (work / "attest").read_bytes(),
                          "signature": (work / "attest.sig").read_bytes(),
                          "akPublic": (work / "ak.pub").read_bytes()}))
    it = tmp_path / "it"
    it.mkdir()
    res = _it(it, export, "--tpm-ak", home / "device-ak.tpm.pub")
    assert res.exit_code == 3
    assert "the key can leave the TPM" in res.stderr


def test_certification_by_an_unpinned_ak_is_refused(tmp_path: Path, swtpm: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("keys", "init", "--custody", "tpm").exit_code == 0
    first = data_dir()
    other = tmp_path / "other-home"
    other.mkdir(mode=0o700)
    monkeypatch.setenv("WFHAUDIT_HOME", str(other))
    assert run("keys", "init", "--custody", "tpm").exit_code == 0
    assert run("keys", "export", "-o", tmp_path / "other.pub").exit_code == 0
    it = tmp_path / "it"
    it.mkdir()
    res = _it(it, tmp_path / "other.pub", "--tpm-ak", first / "device-ak.tpm.pub")
    assert res.exit_code == 3 and "not one of the --tpm-ak keys" in res.stderr


def test_no_tpm_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("WFHAUDIT_TPM_TCTI", raising=False)
    monkeypatch.setattr("wfhaudit.host.tpm.TPM_DEVICES", (str(tmp_path / "tpmrm0"),))
    res = run("keys", "init", "--custody", "tpm")
    assert res.exit_code == 3
    assert "no TPM 2.0 found" in res.stderr and "Traceback" not in res.output
    assert not list(data_dir().glob("device-key*"))


def test_unreachable_tpm_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    require_root_tool("tpm2_createprimary")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("WFHAUDIT_TPM_TCTI", f"swtpm:host=127.0.0.1,port={port}")
    res = run("keys", "init", "--custody", "tpm")
    assert res.exit_code == 3 and "tpm2_createprimary failed" in res.stderr
    assert os.environ["WFHAUDIT_TPM_TCTI"].endswith(str(port))
