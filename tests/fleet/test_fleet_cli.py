"""Exit codes 0/1/2/3/4 of `wfhaudit aggregate`, input expansion and unusable trust files."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.fleet.fleetgen import (
    FLEET_POLICY,
    GOOD,
    UTC,
    Org,
    make_org,
    policy_from,
    predicate,
    signed,
    write,
)

from wfhaudit.cli import cli
from wfhaudit.trust.draft import sign_draft
from wfhaudit.verify.inputs import iter_inputs


@pytest.fixture
def org(tmp_path: Path) -> Org:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    pol = policy_from(FLEET_POLICY)
    org = make_org(tmp_path / "org", ["d1", "d2"], [pol], now)
    write(tmp_path / "share", "d1.wfh.json",
          signed(org, predicate(pol, "d1", 1, now - dt.timedelta(hours=1), GOOD)))
    write(tmp_path / "share" / "sub", "d2.wfh.json", signed(org, predicate(
        pol, "d2", 1, now - dt.timedelta(hours=1), {**GOOD, "disk.system_encrypted": False})))
    return org


def agg(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["aggregate", *args])
    return result.exit_code, result.output


def test_exit_codes_0_and_1(org: Org, tmp_path: Path) -> None:
    share, trust = str(tmp_path / "share"), str(org.trust_path)
    assert agg(share, "--trust", trust)[0] == 0  # no gate asked: report only
    assert agg(share, "--trust", trust, "--min-ready", "50")[0] == 0
    code, out = agg(share, "--trust", trust, "--min-ready", "51")
    assert code == 1 and "decided by min-ready" in out
    assert agg(share, "--trust", trust, "--fail-on", "high")[0] == 1
    assert agg(share, "--trust", trust, "--max-age", "1d", "--min-ready", "50")[0] == 0


def test_exit_4_and_allow_rejected(org: Org, tmp_path: Path) -> None:
    write(tmp_path / "share", "unsigned.wfh.json", "{}")
    share, trust = str(tmp_path / "share"), str(org.trust_path)
    code, out = agg(share, "--trust", trust, "--min-ready", "50")
    assert code == 4 and "REJECTED  UNSIGNED" in out
    assert agg(share, "--trust", trust, "--min-ready", "50", "--allow-rejected")[0] == 0
    assert agg(share, "--trust", trust, "--min-ready", "90", "--allow-rejected")[0] == 1


def test_exit_3_for_unusable_trust(org: Org, tmp_path: Path) -> None:
    share = str(tmp_path / "share")
    env = json.loads(org.trust_path.read_bytes())
    env["signatures"][0]["sig"] = env["signatures"][0]["sig"][::-1]
    bad = tmp_path / "org" / "bad-sig.json"
    bad.write_text(json.dumps(env))
    code, out = agg(share, "--trust", str(bad), "--json", str(tmp_path / "f.json"))
    assert code == 3 and "TRUST_UNTRUSTED" in out and not (tmp_path / "f.json").exists()
    elsewhere = tmp_path / "lonely" / "trust.json"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(org.trust_path.read_bytes())  # no pinned admin key beside it
    code, out = agg(share, "--trust", str(elsewhere))
    assert code == 3 and "admin" in out
    assert agg(share, "--trust", str(elsewhere), "--admin-pubkey", str(org.admin_pub))[0] == 0
    expired = tmp_path / "org" / "expired.json"
    past = dt.datetime.now(UTC) - dt.timedelta(days=3)
    expired.write_bytes(sign_draft(org.draft, org.admin, past, 1))
    code, out = agg(share, "--trust", str(expired))
    assert code == 3 and "TRUST_EXPIRED" in out
    assert agg(share, "--trust", str(tmp_path / "nope.json"))[0] == 3


def test_exit_3_for_bad_inputs_and_db(org: Org, tmp_path: Path) -> None:
    trust = str(org.trust_path)
    code, out = agg(str(tmp_path / "missing-folder"), "--trust", trust)
    assert code == 3 and "no such file or folder" in out
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    assert agg(str(tmp_path / "share"), "--trust", trust, "--db", str(junk))[0] == 3


def test_unwritable_output_is_refused_before_any_work(org: Org, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "plain-file"
    not_a_folder.write_text("x")
    db = tmp_path / "fleet.sqlite"
    code, out = agg(str(tmp_path / "share"), "--trust", str(org.trust_path), "--db", str(db),
                    "--html", str(not_a_folder / "f.html"))
    assert code == 3 and "is not writable" in out
    assert not db.exists()
    code, out = agg(str(tmp_path / "share"), "--trust", str(org.trust_path),
                    "--json", str(tmp_path))
    assert code == 2 and "directory" in out  # click refuses a folder for a file option


def test_usage_errors_are_exit_2(org: Org, tmp_path: Path) -> None:
    share, trust = str(tmp_path / "share"), str(org.trust_path)
    assert agg(share, "--trust", trust, "--max-age", "soon")[0] == 2
    assert agg(share, "--trust", trust, "--min-ready", "101")[0] == 2
    assert agg(share, "--trust", trust, "--fail-on", "severe")[0] == 2
    same = str(tmp_path / "x")
    assert agg(share, "--trust", trust, "--json", same, "--csv", same)[0] == 2
    assert agg("--trust", trust)[0] == 2


def test_input_expansion(tmp_path: Path) -> None:
    root = tmp_path / "in"
    for rel in ("a/1.wfh.json", "a/b/2.wfh.json", "a/b/c/3.wfh.json", "a/skip.json",
                "x/4.wfh.json", "named.json"):
        write((root / rel).parent, Path(rel).name, "{}")
    os.symlink(root / "x", root / "a" / "linked-dir")
    os.symlink(root / "x" / "4.wfh.json", root / "a" / "linked.wfh.json")
    got = [os.path.relpath(p, root) for p in iter_inputs([
        str(root / "a"), str(root / "a" / "1.wfh.json"), str(root / "named.json"),
        str(root / "**" / "4.wfh.json"), str(root / "nothing-*.wfh.json")])]
    assert got == ["a/1.wfh.json", "a/b/2.wfh.json", "a/b/c/3.wfh.json",
                   "a/linked.wfh.json",  # listed, then refused as a symbolic link
                   "named.json", "x/4.wfh.json"]


def test_glob_input_on_the_command_line(org: Org, tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    code, _ = agg(str(tmp_path / "share" / "**" / "*.wfh.json"), "--trust",
                  str(org.trust_path), "--json", str(out))
    assert code == 0
    assert json.loads(out.read_text())["counts"]["accepted"] == 2
