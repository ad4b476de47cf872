"""`wfhaudit aggregate`: verify, judge and gate a fleet of signed reports in one CI step."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from wfhaudit.app.aggregate import AggregateOptions, run_aggregate
from wfhaudit.app.shards import Shard, render_run
from wfhaudit.cli.shards import check_modes, parse_run_id, parse_shard, run_shard_job
from wfhaudit.errors import UsageError
from wfhaudit.fleet.gates import GateSpec
from wfhaudit.util.display import plural
from wfhaudit.util.durations import parse_duration
from wfhaudit.util.text import for_terminal

_OUT = click.Path(dir_okay=False, allow_dash=True, path_type=Path)
SEVERITIES = click.Choice(["critical", "high", "medium", "low", "info"])


def percent(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """--min-ready: 95, 95.5 or 95% -> the number from 0 to 100; anything else is a usage error."""
    if value is None:
        return None
    try:
        number = float(value.strip().removesuffix("%").strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a percentage (e.g. 95 or 95%)") from None
    if not 0 <= number <= 100:
        raise click.BadParameter(f"{value!r} is not between 0 and 100")
    return number


@click.command()
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option("--trust", "trust_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="IT's signed trust file.")
@click.option("--admin-pubkey", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Pinned IT admin public key (default: wfhaudit-admin.pub beside --trust).")
@click.option("--policy", "policy_ref", metavar="NAME|PATH",
              help="What-if: judge every report under this policy instead of its own.")
@click.option("--json", "json_out", type=_OUT,
              help="Write the fleet summary as JSON ('-' for stdout, as every output here).")
@click.option("--junit", "junit_out", type=_OUT, help="Write JUnit XML for CI test viewers.")
@click.option("--csv", "csv_out", type=_OUT, help="Write one CSV row per device/rejection.")
@click.option("--markdown", "md_out", type=_OUT, help="Write a Markdown job summary.")
@click.option("--html", "html_out", type=_OUT, help="Write the self-contained fleet page.")
@click.option("--db", metavar="FILE|URL",
              help="History and verifier state (trends, replay detection): a SQLite file or "
                   "a postgresql:// URL.")
@click.option("--min-ready", callback=percent, metavar="PCT",
              help="Gate: at least PCT % of the trust file's devices are READY (95 or 95%).")
@click.option("--fail-on", type=SEVERITIES, metavar="SEVERITY",
              help="Gate: no device fails a rule of this severity or worse.")
@click.option("--max-age", metavar="DUR",
              help="Reject reports older than DUR (default 7d) and gate: every device has one "
                   "newer (e.g. 36h, 7d).")
@click.option("--allow-rejected", is_flag=True,
              help="Rejected inputs are listed but do not force exit 4; gates decide.")
@click.option("--jobs", type=click.IntRange(1, 256), help="Worker processes (default: all cores).")
@click.option("--require-custody", type=click.Choice(["user", "system", "tpm"]),
              help="Reject reports signed by a key in weaker custody than this.")
@click.option("--shard", callback=parse_shard, metavar="I/N",
              help="Verify slice I of N of the inputs and store the rows in the PostgreSQL "
                   "--db under --run-id (one of N jobs; no outputs).")
@click.option("--run-id", callback=parse_run_id, metavar="ID",
              help="The sharded run's name, the same in every job (e.g. the CI run id).")
@click.option("--from-db", is_flag=True,
              help="Final step of a sharded run: gate and write every output from the rows "
                   "the --shard jobs stored (reads no report).")
@click.pass_context
def aggregate(ctx: click.Context, paths: tuple[str, ...], trust_path: Path,
              admin_pubkey: tuple[Path, ...], policy_ref: str | None, json_out: Path | None,
              junit_out: Path | None, csv_out: Path | None, md_out: Path | None,
              html_out: Path | None, db: str | None, min_ready: float | None,
              fail_on: str | None, max_age: str | None, allow_rejected: bool,
              jobs: int | None, require_custody: str | None, shard: Shard | None,
              run_id: str | None, from_db: bool) -> None:
    """Verify and aggregate signed reports from files, folders (recursive) and globs.

    Every input is verified like `wfhaudit verify`; the latest verified report per device
    counts, re-judged here from its facts. Exit 0 when the gates hold, 1 when one fails, 4 when
    an input was rejected (unless --allow-rejected), 3 for an unusable trust file or policy.

    \b
    Example:
      wfhaudit aggregate reports/ --trust trust.json --min-ready 95 --fail-on critical \\
          --json fleet.json --junit fleet.xml --html fleet.html --db fleet.sqlite
      wfhaudit aggregate 'uploads/**/*.wfh.json' --trust trust.json --policy strict \\
          --markdown "$GITHUB_STEP_SUMMARY"
      wfhaudit aggregate reports/ --trust trust.json --shard 2/3 --run-id 1234-1 \\
          --db "$FLEET_DB_URL"     # one of 3 jobs, then once:
      wfhaudit aggregate --from-db --run-id 1234-1 --trust trust.json \\
          --db "$FLEET_DB_URL" --min-ready 95 --json fleet.json --html fleet.html
    """
    age_s = None
    if max_age is not None:
        try:
            age_s = parse_duration(max_age)
        except ValueError as exc:
            raise UsageError(f"--max-age: {exc}") from None
    outputs = {fmt: path for fmt, path in (("json", json_out), ("junit", junit_out),
                                           ("csv", csv_out), ("markdown", md_out),
                                           ("html", html_out)) if path is not None}
    if len(set(outputs.values())) < len(outputs):
        raise UsageError("two outputs name the same file")
    check_modes(paths, shard, run_id, from_db, db, outputs,
                {"--min-ready": min_ready is not None, "--fail-on": fail_on is not None,
                 "--allow-rejected": allow_rejected}, {"--jobs": jobs is not None})
    tty = sys.stderr.isatty()

    def progress(n: int) -> None:
        if tty:
            click.echo(f"\rverified {plural(n, 'input')}", nl=False, err=True)

    opts = AggregateOptions(
        inputs=paths, trust=trust_path, admin_pubkeys=admin_pubkey, policy=policy_ref,
        outputs=outputs, db=db,
        gates=GateSpec(min_ready, fail_on, age_s, allow_rejected),
        max_age=dt.timedelta(seconds=age_s) if age_s is not None else None,
        jobs=jobs or 0, progress=progress, stdout=sys.stdout,
        require_custody=require_custody)
    if shard is not None and run_id is not None:
        run_shard_job(opts, shard, run_id)
        if tty:
            click.echo("", err=True)
        ctx.exit(0)
    result = render_run(opts, run_id) if from_db and run_id else run_aggregate(opts)
    if tty:
        click.echo("", err=True)

    s = result.summary
    click.echo(f"{plural(s.inputs, 'input')}: {s.accepted} accepted ({s.superseded} superseded), "
               f"{s.rejected_total} rejected, {s.stale_inputs} stale; "
               f"{plural(s.expected_devices, 'device')} expected", err=True)
    for r in s.rejected[:20]:
        click.echo(f"REJECTED  {r.reason}  {for_terminal(r.input)}: {for_terminal(r.detail)}", err=True)
    if s.rejected_total > 20:
        click.echo(f"... and {s.rejected_total - 20} more rejected", err=True)
    click.echo(for_terminal(result.verdict_line), err=True)
    ctx.exit(int(result.decision.exit_code))
