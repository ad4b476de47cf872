"""Key custody in the trust file, the gates that require a level, and where system keys live."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.security.pki import NOW, Pki

from wfhaudit.cli import cli
from wfhaudit.host.acl import icacls_argv
from wfhaudit.reasons import TrustError
from wfhaudit.trust.draft import public_pem


def _pki(policy: str = "baseline") -> Pki:
    pki = Pki(policy)
    pki.draft["devices"][1]["keys"][0]["custody"] = "system"  # dev-b runs as a service
    return pki


def test_require_custody_rejects_weaker_keys_and_shows_the_custody() -> None:
    pki = _pki()
    verifier = pki.verifier(require_custody="system")
    weak = verifier.verify(pki.envelope("dev-a"))
    strong = verifier.verify(pki.envelope("dev-b"))
    assert (weak.reason, weak.custody) == ("CUSTODY_INSUFFICIENT", "user")
    assert (strong.reason, strong.custody) == ("VERIFIED", "system")
    assert strong.to_json()["custody"] == "system"
    assert pki.verifier(require_custody="tpm").verify(pki.envelope("dev-b")).reason == \
        "CUSTODY_INSUFFICIENT"


def test_policy_can_require_a_custody_level(tmp_path: Path) -> None:
    policy = tmp_path / "service-only.json"
    base = json.loads((Path(__file__).parents[2] / "src/wfhaudit/policies/baseline.json")
                      .read_text())
    base["settings"]["report"]["custody"] = "system"
    policy.write_text(json.dumps(base))
    pki = _pki(str(policy))
    verifier = pki.verifier()
    assert verifier.verify(pki.envelope("dev-a")).reason == "CUSTODY_INSUFFICIENT"
    assert verifier.verify(pki.envelope("dev-b")).reason == "VERIFIED"


def test_aggregate_require_custody(tmp_path: Path) -> None:
    pki = _pki()
    (tmp_path / "trust.json").write_bytes(pki.trust_bytes(now=dt.datetime.now(dt.timezone.utc)))
    (tmp_path / "wfhaudit-admin.pub").write_text(public_pem(pki.admin))
    reports = tmp_path / "reports"
    reports.mkdir()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    for device in ("dev-a", "dev-b"):
        predicate = pki.predicate(device, finished=now - dt.timedelta(hours=1))
        (reports / f"{device}.wfh.json").write_bytes(pki.envelope(device, predicate=predicate))
    res = CliRunner().invoke(cli, ["aggregate", str(reports), "--trust",
                                   str(tmp_path / "trust.json"), "--require-custody", "system",
                                   "--json", str(tmp_path / "f.json"), "--csv",
                                   str(tmp_path / "f.csv"), "--jobs", "1"])
    assert res.exit_code == 4, res.output
    fleet = json.loads((tmp_path / "f.json").read_text())
    assert fleet["counts"]["rejected_by_reason"] == {"CUSTODY_INSUFFICIENT": 1}
    (dev_b,) = [d for d in fleet["devices"] if d["device"] == "dev-b"]
    assert dev_b["report"]["custody"] == "system"
    assert "custody" in (tmp_path / "f.csv").read_text().splitlines()[0]


@pytest.mark.parametrize(("custody", "why"), [("hsm", "expected one of user, system, tpm"),
                                              ("tpm", "a TPM key is ECDSA P-256")])
def test_trust_file_custody_is_validated(custody: str, why: str) -> None:
    pki = Pki()
    pki.draft["devices"][0]["keys"][0]["custody"] = custody
    with pytest.raises(TrustError, match=why):
        pki.trust(NOW)


def test_windows_system_folder_acl_command() -> None:
    argv = icacls_argv(Path(r"C:\ProgramData\wfhaudit"))
    assert argv[0].lower().endswith("icacls.exe") and "/inheritance:r" in argv
    assert "*S-1-5-18:(OI)(CI)F" in argv and "*S-1-5-32-544:(OI)(CI)F" in argv
    assert not any("Users" in a or "S-1-5-32-545" in a for a in argv)
