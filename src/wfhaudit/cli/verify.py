"""`wfhaudit verify`: check signed reports against IT's trust file, one result per input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from wfhaudit.app.verify import VerifyOptions, run_verify
from wfhaudit.cli.output import json_line
from wfhaudit.errors import UsageError
from wfhaudit.reasons import TrustError
from wfhaudit.util.durations import parse_duration
from wfhaudit.util.text import for_terminal
from wfhaudit.verify.result import VerifyResult


@click.command()
@click.argument("reports", nargs=-1, required=True, metavar="REPORT...",
                type=click.Path(path_type=Path))
@click.option("--trust", "trust_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="IT's signed trust file.")
@click.option("--admin-pubkey", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Pinned IT admin public key (default: wfhaudit-admin.pub beside --trust).")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per input on stdout.")
@click.option("--max-age", default="7d", show_default=True, metavar="DUR",
              help="Reject reports that finished longer ago (e.g. 36h, 7d).")
@click.option("--db", metavar="FILE|URL",
              help="State (trust version, last sequence per device, seen reports): a SQLite "
                   "file or a postgresql:// URL.")
@click.option("--require-custody", type=click.Choice(["user", "system", "tpm"]),
              help="Reject reports signed by a key in weaker custody (system: a service "
                   "account holds it; tpm: it cannot leave the TPM).")
@click.pass_context
def verify(ctx: click.Context, reports: tuple[Path, ...], trust_path: Path,
           admin_pubkey: tuple[Path, ...], as_json: bool, max_age: str, db: str | None,
           require_custody: str | None) -> None:
    """Verify signed reports; a rejected report never counts as a pass.

    Exit 0 when every report verified, 4 when any was rejected, 3 when the trust file is
    unusable (nothing is verified then). Folders are searched recursively for *.wfh.json
    files; symbolic links are listed and refused, never followed.

    \b
    Example:
      wfhaudit verify reports/*.wfh.json --trust trust.json
      wfhaudit verify reports/ --trust trust.json --json --db verify-state.sqlite
    """
    try:
        age = dt.timedelta(seconds=parse_duration(max_age))
    except ValueError as exc:
        raise UsageError(f"--max-age: {exc}") from None

    def show(result: VerifyResult) -> None:
        if result.accepted:
            extra = f"  [{', '.join(result.warnings)}: {for_terminal(result.detail)}]" \
                if result.warnings else ""
            click.echo(f"verified  {result.device_id}  #{result.sequence}  {result.verdict}"
                       f"  custody {result.custody}  {for_terminal(result.source)}{extra}",
                       err=True)
        else:
            click.echo(f"REJECTED  {result.reason}  {for_terminal(result.source)}: "
                       f"{for_terminal(result.detail)}", err=True)
        if as_json:
            click.echo(json_line(result.to_json()))

    opts = VerifyOptions(tuple(str(p) for p in reports), trust_path, admin_pubkey, age, db,
                         require_custody)
    try:
        summary = run_verify(opts, show)
    except TrustError as exc:
        if as_json:
            click.echo(json_line({"input": str(trust_path), "verdict": "rejected",
                                  "reason": exc.reason.value, "detail": str(exc)}))
        raise
    note = f", {summary.mismatched} with VERDICT_MISMATCH (the verifier's verdict counts)" \
        if summary.mismatched else ""
    click.echo(f"{summary.verified} verified{note}, {summary.rejected} rejected "
               f"({summary.trust})", err=True)
    ctx.exit(int(summary.exit_code))
