"""`wfhaudit render`: one self-contained HTML page for a report file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from wfhaudit.app.render import verify_for_render
from wfhaudit.cli.output import emit_utf8
from wfhaudit.errors import ExitCode
from wfhaudit.report.html.render import default_output, load_report, render_html
from wfhaudit.util.durations import parse_duration
from wfhaudit.util.files import write_atomic
from wfhaudit.util.text import for_terminal


@click.command("render")
@click.argument("report", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the page ('-' for stdout). Default: beside the report, "
                   "x.wfh.json -> x.wfh.html.")
@click.option("--trust", type=click.Path(dir_okay=False, path_type=Path),
              help="Verify the signature against this trust file first.")
@click.option("--admin-pubkey", "admin_pubkeys", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Pinned IT admin public key (default: wfhaudit-admin.pub beside --trust).")
@click.option("--max-age", metavar="DUR",
              help="With --trust: also reject reports older than this (e.g. 7d). "
                   "Default: age is not judged when rendering.")
@click.pass_context
def render(ctx: click.Context, report: Path, output: Path | None, trust: Path | None,
           admin_pubkeys: tuple[Path, ...], max_age: str | None) -> None:
    """Render a report as one self-contained HTML page (no network, no script).

    Without --trust the page says NOT VERIFIED: the report's own claims are never trusted.
    With --trust a rejected report gives a page with only the file name, reason and digest,
    and exit status 4.

    \b
    Example:
      wfhaudit render reports/dev-1234.20261123T104000Z.wfh.json -o report.html
      wfhaudit render reports/dev-1234.20261123T104000Z.wfh.json --trust trust.json
    """
    if (admin_pubkeys or max_age) and trust is None:
        raise click.UsageError("--admin-pubkey and --max-age need --trust")
    if trust is None:
        loaded, status = load_report(report), None
    else:

        loaded, status = verify_for_render(report, trust, admin_pubkeys, _age(max_age))
    page = render_html(loaded, status)
    if output is not None and str(output) == "-":
        emit_utf8(page)
    else:

        path = write_atomic(output or default_output(report), page, mode=0o644)
        click.echo(f"HTML written to {for_terminal(path)}", err=True)
    if status is not None:
        click.echo(f"{for_terminal(report)}: {status.headline}"
                   + (f" ({for_terminal(status.reason)}: {for_terminal(status.detail)})" if status.rejected
                      else ""), err=True)
        if status.rejected:
            ctx.exit(int(ExitCode.VERIFY_FAILED))


def _age(text: str | None) -> dt.timedelta | None:
    if text is None:
        return None

    try:
        return dt.timedelta(seconds=parse_duration(text))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-age") from None
