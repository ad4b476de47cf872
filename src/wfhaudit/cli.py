"""Click commands only: parse options, call app, map errors to exit codes."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from wfhaudit import __version__
from wfhaudit.errors import ExitCode, WfhauditError


class WfhGroup(click.Group):
    """A group that turns WfhauditError into a one-line diagnostic and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; errors become diagnostics (tracebacks only with --debug)."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except WfhauditError as exc:
            if ctx.meta.get("wfhaudit.debug"):
                raise
            click.echo(f"wfhaudit: error: {exc.diagnostics()}", err=True)
            ctx.exit(int(exc.exit_code))
        except Exception as exc:
            if ctx.meta.get("wfhaudit.debug"):
                raise
            click.echo(f"wfhaudit: internal error: {type(exc).__name__}: {exc} "
                       "(re-run with --debug for the traceback)", err=True)
            ctx.exit(int(ExitCode.INTERNAL))


def emit_json(data: Any) -> None:
    """Print JSON to stdout (machine output only ever goes there)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))


@click.group(cls=WfhGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wfhaudit")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Audit a home workstation for secure remote work and voice calls.

    \b
    Example:
      wfhaudit check                     # default policy: contact-center
      wfhaudit check --policy baseline --json > report.json
    """
    ctx.meta["wfhaudit.debug"] = debug
    if debug:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)


def _register() -> None:
    from wfhaudit.cli_check import check, evaluate_cmd, probe
    from wfhaudit.cli_policy import policy
    from wfhaudit.cli_render import render

    cli.add_command(check)
    cli.add_command(probe)
    cli.add_command(evaluate_cmd)
    cli.add_command(policy)
    cli.add_command(render)
    from wfhaudit.cli_keys import keys
    from wfhaudit.cli_trust import trust
    from wfhaudit.cli_verify import verify

    cli.add_command(keys)
    cli.add_command(trust)
    cli.add_command(verify)
    from wfhaudit.cli_aggregate import aggregate

    cli.add_command(aggregate)
    from wfhaudit.cli_schedule import schedule

    cli.add_command(schedule)


_register()


def main(argv: list[str] | None = None) -> NoReturn:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="wfhaudit")
    sys.exit(0)  # pragma: no cover - click always exits in standalone mode


__all__ = ["Path", "cli", "emit_json", "main"]
