"""`wfhaudit verify`: check signed reports against IT's trust file, one result per input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click

from wfhaudit.errors import ExitCode, UsageError


def _inputs(paths: tuple[Path, ...]) -> Iterator[tuple[Path, str | None]]:
    """(path, reason not to read it) for each file; folders give their *.wfh.json files."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for child in sorted(path.iterdir()):
                if child.name.endswith(".wfh.json"):
                    yield child, ("symbolic link not followed" if child.is_symlink() else None)
        else:
            yield path, None


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
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite state: trust version, last sequence per device, seen reports.")
@click.pass_context
def verify(ctx: click.Context, reports: tuple[Path, ...], trust_path: Path,
           admin_pubkey: tuple[Path, ...], as_json: bool, max_age: str, db: Path | None) -> None:
    """Verify signed reports; a rejected report never counts as a pass.

    Exit 0 when every report verified, 4 when any was rejected, 3 when the trust file is
    unusable (nothing is verified then). Folders are read for *.wfh.json files.

    \b
    Example:
      wfhaudit verify reports/*.wfh.json --trust trust.json
      wfhaudit verify reports/ --trust trust.json --json --db verify-state.sqlite
    """
    import datetime as dt

    from wfhaudit.store.verifier_state import MemoryStore, SQLiteStore, VerifierStore
    from wfhaudit.trust.file import describe
    from wfhaudit.util.durations import parse_duration
    from wfhaudit.util.text import for_terminal
    from wfhaudit.verify.reasons import Reason, TrustError
    from wfhaudit.verify.result import rejected as make_rejected
    from wfhaudit.verify.verifier import Verifier

    try:
        age = dt.timedelta(seconds=parse_duration(max_age))
    except ValueError as exc:
        raise UsageError(f"--max-age: {exc}") from None
    store: VerifierStore = SQLiteStore(db) if db else MemoryStore()
    ok = bad = mismatched = 0
    try:
        try:
            verifier = Verifier.from_files(trust_path, admin_pubkey, store=store, max_age=age)
        except TrustError as exc:
            if as_json:
                click.echo(json.dumps({"input": str(trust_path), "verdict": "rejected",
                                       "reason": exc.reason.value, "detail": str(exc)}))
            raise
        for path, refuse in _inputs(reports):
            if refuse:
                result = make_rejected(str(path), Reason.ENVELOPE_MALFORMED, refuse,
                                       trust_version=verifier.trust.version)
            else:
                result = verifier.verify_file(path)
            if result.accepted:
                ok += 1
                mismatched += bool(result.warnings)
                extra = f"  [{', '.join(result.warnings)}: {for_terminal(result.detail)}]" \
                    if result.warnings else ""
                click.echo(f"verified  {result.device_id}  #{result.sequence}  {result.verdict}"
                           f"  {for_terminal(path)}{extra}", err=True)
            else:
                bad += 1
                click.echo(f"REJECTED  {result.reason}  {for_terminal(path)}: {for_terminal(result.detail)}",
                           err=True)
            if as_json:
                click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        store.commit()
    finally:
        store.close()
    note = f", {mismatched} with VERDICT_MISMATCH (the verifier's verdict counts)" \
        if mismatched else ""
    click.echo(f"{ok} verified{note}, {bad} rejected ({describe(verifier.trust)})", err=True)
    ctx.exit(int(ExitCode.VERIFY_FAILED if bad else ExitCode.OK))
