"""`wfhaudit render`: one self-contained HTML page for a report file."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("render")
@click.argument("report", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the page ('-' for stdout). Default: beside the report, "
                   "x.wfh.json -> x.wfh.html.")
def render(report: Path, output: Path | None) -> None:
    """Render a report as one self-contained HTML page (no network, no script).

    The page says NOT VERIFIED: rendering never trusts the report's own claims.

    \b
    Example:
      wfhaudit render reports/dev-1234.20261123T104000Z.wfh.json -o report.html
    """
    from wfhaudit.report.html import load_report, render_html, write_html
    from wfhaudit.terminal import clean

    if output is not None and str(output) == "-":
        sys.stdout.write(render_html(load_report(report)))
        return
    path = write_html(report, output)
    click.echo(f"HTML written to {clean(path)}", err=True)
