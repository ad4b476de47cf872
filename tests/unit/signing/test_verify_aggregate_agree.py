"""verify and aggregate read the same inputs the same way: expansion, refusals, odd file names."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.unit.signing.test_signing_cli import It, check, lines, run
from tests.unit.signing.test_signing_cli import it as enrolled  # noqa: F401 - fixture


@pytest.fixture
def share(enrolled: It) -> It:  # noqa: F811 - the fixture imported above
    """A share with a good report at the top, one in a subfolder, a symlink and a FIFO."""
    it = enrolled
    first = check(it)
    sub = it.root / "reports" / "team-a"
    sub.mkdir()
    second = check(it)
    second.rename(sub / second.name)
    secret = it.root / "secret.txt"
    secret.write_text("root:x:0:0")
    (it.root / "reports" / "link.wfh.json").symlink_to(secret)
    if hasattr(os, "mkfifo"):
        os.mkfifo(it.root / "reports" / "pipe.wfh.json")
    assert first.exists()
    return it


def _verify(it: It, *paths: Path) -> dict[str, tuple[str, str]]:
    res = run("verify", *paths, "--trust", it.trust, "--json")
    assert res.exit_code in (0, 4), res.output
    return {Path(r["input"]).name: (r["reason"], r["detail"]) for r in lines(res.stdout)}


def _aggregate(it: It, *paths: Path) -> dict[str, str]:
    out = it.root / "fleet.json"
    res = run("aggregate", *paths, "--trust", it.trust, "--json", out)
    assert res.exit_code in (0, 1, 4), res.output
    doc = json.loads(out.read_text())
    seen = {Path(r["input"]).name: r["reason"] for r in doc["rejected"]}
    return seen


def test_a_folder_is_searched_recursively_by_both(share: It) -> None:
    verified = _verify(share, share.root / "reports")
    assert sum(1 for r, _ in verified.values() if r == "VERIFIED") == 2
    rejected = _aggregate(share, share.root / "reports")
    assert set(rejected) == {n for n, (r, _) in verified.items() if r != "VERIFIED"}


def test_a_named_symlink_is_refused_by_both(share: It) -> None:
    link = share.root / "reports" / "link.wfh.json"
    assert _verify(share, link)["link.wfh.json"] == ("ENVELOPE_MALFORMED",
                                                      "symbolic link not followed")
    assert _aggregate(share, link)["link.wfh.json"] == "ENVELOPE_MALFORMED"


def test_a_missing_named_input_is_invalid_input_for_both(share: It) -> None:
    missing = share.root / "nope.wfh.json"
    assert run("verify", missing, "--trust", share.trust).exit_code == 3
    assert run("aggregate", missing, "--trust", share.trust).exit_code == 3


def test_a_name_that_is_not_utf8_never_aborts_a_fleet_run(share: It) -> None:
    folder = os.fsencode(share.root / "reports")
    try:
        fd = os.open(folder + b"/bad-\xff-name.wfh.json", os.O_CREAT | os.O_WRONLY, 0o600)
    except OSError:
        pytest.skip("file names with control characters are refused by this file system")
    os.write(fd, b"{}")
    os.close(fd)
    outs = {f: share.root / f"fleet.{f}" for f in ("json", "csv", "markdown")}
    res = run("aggregate", share.root / "reports", "--trust", share.trust,
              "--db", share.root / "state.db",
              *[a for f, p in outs.items() for a in (f"--{f}", p)])
    assert res.exit_code in (1, 4), res.output
    doc = json.loads(outs["json"].read_text(encoding="utf-8"))
    assert any(r["input"].endswith("bad-\\xff-name.wfh.json") for r in doc["rejected"])
    assert "bad-\\xff-name.wfh.json" in outs["csv"].read_text(encoding="utf-8")
    assert "xff" in outs["markdown"].read_text(encoding="utf-8")
    verified = _verify(share, share.root / "reports")
    assert "bad-\\xff-name.wfh.json" in verified
