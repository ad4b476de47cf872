"""Sharded aggregate on a live PostgreSQL server: N jobs verify slices, one step renders.

The rendered outputs must equal a single-machine run over the same inputs (timing aside).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.fleet.conftest import Fleet
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
from tests.pgserver import PgServer, finish, new_database, spawn

from wfhaudit.app.shards import slice_of
from wfhaudit.cli import cli

pytestmark = pytest.mark.live
TIMING = ("generated_at", "elapsed_s")
GATES = ["--min-ready", "50", "--fail-on", "critical", "--allow-rejected"]


def _trust(org: Org) -> list[str]:
    return ["--trust", str(org.trust_path), "--admin-pubkey", str(org.admin_pub)]


def _aggregate(*args: str) -> Result:
    return CliRunner().invoke(cli, ["aggregate", *args])


def _untimed(doc: dict[str, Any]) -> dict[str, Any]:
    """The JSON summary without what depends on when it ran."""
    out = {k: v for k, v in doc.items() if k not in TIMING}
    out["history"] = [{k: v for k, v in p.items() if k != "at"} for p in doc["history"]]
    out["devices"] = [{k: v for k, v in d.items() if k != "received_at"}
                      for d in doc["devices"]]
    return out


def _outputs(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    return ["--json", str(folder / "f.json"), "--junit", str(folder / "f.xml"),
            "--csv", str(folder / "f.csv"), "--html", str(folder / "f.html")]


def test_three_shard_jobs_at_once_then_render_equal_one_run(
        fleet: Fleet, pg_server: PgServer, tmp_path: Path) -> None:
    share, trust = str(fleet.reports), _trust(fleet.org)
    single = _aggregate(share, *trust, *GATES, "--jobs", "1", "--db",
                        str(tmp_path / "one.sqlite"), *_outputs(tmp_path / "one"))
    assert single.exit_code == 1, single.output  # fail-on critical: unencrypted disks

    url = new_database(pg_server)
    jobs = [spawn(["aggregate", share, *trust, "--jobs", "1", "--db", url,
                   "--shard", f"{i}/3", "--run-id", "ci-77-1"]) for i in (1, 2, 3)]
    done = finish(jobs)
    assert [code for code, _, _ in done] == [0, 0, 0], [err for _, _, err in done]
    stored = [int(re.search(r": (\d+) of 326 inputs verified and stored", err)[1])  # type: ignore[index]
              for _, _, err in done]
    assert sum(stored) == 326 and all(n > 50 for n in stored)  # disjoint, and all of them

    render = _aggregate("--from-db", "--run-id", "ci-77-1", *trust, *GATES, "--db", url,
                        *_outputs(tmp_path / "sharded"))
    assert render.exit_code == 1, render.output
    one = json.loads((tmp_path / "one" / "f.json").read_text())
    many = json.loads((tmp_path / "sharded" / "f.json").read_text())
    assert _untimed(many) == _untimed(one)
    assert many["counts"]["inputs"] == 326 and many["counts"]["rejected"] == 19
    junit = [re.sub(r' (time|timestamp)="[^"]*"', "", (tmp_path / d / "f.xml").read_text())
             for d in ("one", "sharded")]
    assert junit[0] == junit[1]
    assert (tmp_path / "sharded" / "f.html").stat().st_size > 10_000
    import psycopg

    with psycopg.connect(url) as con:  # the rows went with the render; the run is marked
        assert con.execute("SELECT count(*) FROM wfhaudit.shard_rows").fetchall() == [(0,)]
        assert con.execute("SELECT rendered_run FROM wfhaudit.shard_runs").fetchall() == [(1,)]

    # Rendered once: the history has the run; a second render and a late shard are refused.
    again = _aggregate("--from-db", "--run-id", "ci-77-1", *trust, "--db", url)
    assert again.exit_code == 3 and "already rendered" in again.output
    late = _aggregate(share, *trust, "--db", url, "--shard", "2/3", "--run-id", "ci-77-1")
    assert late.exit_code == 3 and "already rendered" in late.output
    # The next plain run over the same share sees every report as received before.
    rerun = _aggregate(share, *trust, "--db", url, "--jobs", "1", "--allow-rejected",
                       "--json", str(tmp_path / "rerun.json"))
    counts = json.loads((tmp_path / "rerun.json").read_text())["counts"]
    assert rerun.exit_code == 0 and counts["previously_received"] == counts["accepted"] == 301


@pytest.fixture
def small(tmp_path: Path) -> tuple[Org, Path]:
    """Four devices, two reports each, one device failing the upload rule."""
    now = dt.datetime.now(UTC).replace(microsecond=0)
    pol = policy_from(FLEET_POLICY)
    org = make_org(tmp_path / "org", ["d1", "d2", "d3", "d4"], [pol], now)
    share = tmp_path / "share"
    for dev in ("d1", "d2", "d3", "d4"):
        for seq in (1, 2):
            values = {**GOOD, "network.upload_mbps": 0.5} if dev == "d4" else GOOD
            write(share, f"{dev}.{seq}.wfh.json",
                  signed(org, predicate(pol, dev, seq, now - dt.timedelta(hours=3 - seq),
                                        values)))
    return org, share


def test_what_if_and_settings_come_from_the_shards(small: tuple[Org, Path], pg_url: str,
                                                   tmp_path: Path) -> None:
    org, share = small
    whatif = ["--policy", "baseline", "--max-age", "2d"]
    single = _aggregate(str(share), *_trust(org), *whatif, "--json", str(tmp_path / "a.json"))
    for i in (1, 2):
        shard = _aggregate(str(share), *_trust(org), *whatif, "--db", pg_url, "--jobs", "1",
                           "--shard", f"{i}/2", "--run-id", "w1")
        assert shard.exit_code == 0, shard.output
    render = _aggregate("--from-db", "--run-id", "w1", *_trust(org), "--db", pg_url,
                        "--json", str(tmp_path / "b.json"))
    assert render.exit_code == single.exit_code, render.output
    one, many = (json.loads((tmp_path / n).read_text()) for n in ("a.json", "b.json"))
    assert many["policy"]["mode"] == "what-if" and many["policy"]["whatif"]["source"] == \
        "baseline"
    assert [g["gate"] for g in many["gate"]["results"]] == ["max-age"]  # the shards' --max-age
    assert _untimed(many) == {**_untimed(one), "history": []}  # what-if runs keep no trend


def test_usage_errors_name_the_problem(small: tuple[Org, Path], tmp_path: Path) -> None:
    org, share = small
    pg = "postgresql://wfh:secret@/db?host=/nonexistent"
    cases = [
        ([str(share), "--shard", "1/3", "--run-id", "r", "--db", str(tmp_path / "x.sqlite")],
         "--shard needs --db postgresql://"),
        ([str(share), "--shard", "1/3", "--run-id", "r"], "--shard needs --db postgresql://"),
        ([str(share), "--shard", "1/3", "--db", pg], "needs --run-id"),
        ([str(share), "--shard", "4/3", "--run-id", "r", "--db", pg], "need 1 <= I <= N"),
        ([str(share), "--shard", "1/3", "--run-id", "r", "--db", pg, "--json", "-"],
         "--json: a shard job only stores verified rows"),
        ([str(share), "--shard", "1/3", "--run-id", "r", "--db", pg, "--min-ready", "90"],
         "--min-ready: a shard job"),
        ([str(share), "--from-db", "--run-id", "r", "--db", pg], "give no PATH"),
        (["--from-db", "--run-id", "r", "--db", pg, "--jobs", "2"], "--jobs: only the shard"),
        (["--from-db", "--run-id", "r", "--db", str(tmp_path / "x.sqlite")],
         "--from-db needs --db postgresql://"),
        ([str(share), "--run-id", "r"], "--run-id names a sharded run"),
        ([str(share), "--from-db", "--shard", "1/2", "--run-id", "r", "--db", pg],
         "separate steps"),
        ([str(share), "--shard", "1/2", "--run-id", "bad id", "--db", pg], "letters, digits"),
        ([], "missing PATH"),
    ]
    for args, message in cases:
        result = _aggregate(*args, *_trust(org))
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
    assert not (tmp_path / "x.sqlite").exists()


def test_incomplete_or_mismatched_runs_are_refused(small: tuple[Org, Path], pg_url: str,
                                                   tmp_path: Path) -> None:
    org, share = small
    base = [*_trust(org), "--db", pg_url, "--jobs", "1", "--run-id", "r7"]
    assert _aggregate(str(share), *base, "--shard", "1/3").exit_code == 0
    other_n = _aggregate(str(share), *base, "--shard", "2/2")
    assert other_n.exit_code == 2 and "has 3 shards" in other_n.output
    render = _aggregate("--from-db", "--run-id", "r7", *_trust(org), "--db", pg_url)
    assert render.exit_code == 3 and "shard 2/3, 3/3 not stored yet" in render.output
    unknown = _aggregate("--from-db", "--run-id", "nope", *_trust(org), "--db", pg_url)
    assert unknown.exit_code == 3 and "no sharded run 'nope'" in unknown.output

    # A job over another share (one more file) is refused when it stores its rows.
    bigger = tmp_path / "bigger"
    shutil.copytree(share, bigger)
    (bigger / "extra.wfh.json").write_text("{}")
    odd = _aggregate(str(bigger), *base, "--shard", "2/3")
    assert odd.exit_code == 3 and "listed different inputs" in odd.output
    for i in (2, 3, 3):  # a shard run again replaces what it stored
        assert _aggregate(str(share), *base, "--shard", f"{i}/3").exit_code == 0
    shutil.copy(org.trust_path, tmp_path / "trust-v1.json")
    org.sign_trust(dt.datetime.now(UTC).replace(microsecond=0))
    changed = _aggregate("--from-db", "--run-id", "r7", *_trust(org), "--db", pg_url)
    assert changed.exit_code == 3 and "another trust file" in changed.output
    late = _aggregate(str(share), *base, "--shard", "1/3")
    assert late.exit_code == 3 and "another trust file" in late.output
    shutil.copy(tmp_path / "trust-v1.json", org.trust_path)
    render = _aggregate("--from-db", "--run-id", "r7", *_trust(org), "--db", pg_url,
                        "--json", str(tmp_path / "r7.json"))
    assert render.exit_code == 0, render.output
    counts = json.loads((tmp_path / "r7.json").read_text())["counts"]
    assert (counts["inputs"], counts["accepted"], counts["superseded"]) == (8, 8, 4)


def test_slices_are_stable_and_cover_every_input() -> None:
    paths = [f"reports/dev-{i:04d}/dev-{i:04d}.{s:03d}.wfh.json"
             for i in range(1000) for s in (1, 2, 3)]
    for count in (1, 2, 3, 7, 16):  # balanced within a few standard deviations
        sizes = [sum(1 for p in paths if slice_of(p, count) == k) for k in range(count)]
        assert sum(sizes) == len(paths) and min(sizes) > len(paths) / count * 0.8
    assert slice_of("reports/a.wfh.json", 5) == 0  # pinned: every machine, every version
