"""The command line: click only. Parse options, call a use case in `app`, print, exit.

Subcommands are imported when they are invoked (the one lazy boundary of the CLI), so
`wfhaudit check` never pays for the fleet, trust or verify code.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any, NoReturn

import click

from wfhaudit import __version__
from wfhaudit.errors import ExitCode, WfhauditError
from wfhaudit.util import signals
from wfhaudit.util.files import storage_error

# Command name -> "module:attribute", in the order `--help` lists them.
COMMANDS = {
    "check": "wfhaudit.cli.check:check",
    "probe": "wfhaudit.cli.check:probe",
    "evaluate": "wfhaudit.cli.check:evaluate_cmd",
    "policy": "wfhaudit.cli.policy:policy",
    "render": "wfhaudit.cli.render:render",
    "keys": "wfhaudit.cli.keys:keys",
    "trust": "wfhaudit.cli.trust:trust",
    "verify": "wfhaudit.cli.verify:verify",
    "aggregate": "wfhaudit.cli.aggregate:aggregate",
    "schedule": "wfhaudit.cli.schedule:schedule",
}


class WfhGroup(click.Group):
    """Lazily loaded subcommands; WfhauditError becomes a one-line diagnostic and its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every subcommand name, in a fixed order."""
        return [*COMMANDS, *(n for n in super().list_commands(ctx) if n not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import a subcommand's module only when it is asked for."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, _, attr = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; errors become diagnostics (tracebacks only with --debug)."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt as exc:
            # Before click turns it into "Aborted!" and exit 1, which means NOT READY here.
            code = getattr(exc, "exit_code", ExitCode.INTERRUPTED)
            signals.run_callbacks()
            name = str(exc) or "SIGINT"
            click.echo(f"wfhaudit: stopped by {name}; nothing partial was left", err=True)
            ctx.exit(int(code))
        except OSError as exc:
            # The environment, not a bug: a full disk, a read-only or missing folder.
            if ctx.meta.get("wfhaudit.debug"):
                raise
            text = storage_error(exc, exc.filename, "use it") if exc.filename else exc
            click.echo(f"wfhaudit: error: {text}", err=True)
            ctx.exit(int(ExitCode.INVALID_INPUT))
        except (UnicodeEncodeError, UnicodeDecodeError) as exc:
            # A file name or argument the locale's encoding cannot represent both ways.
            if ctx.meta.get("wfhaudit.debug"):
                raise
            click.echo(f"wfhaudit: error: text this locale ({exc.encoding}) cannot represent "
                       f"({exc.reason}); run with a UTF-8 locale, e.g. LC_ALL=C.UTF-8", err=True)
            ctx.exit(int(ExitCode.INVALID_INPUT))
        except WfhauditError as exc:
            if ctx.meta.get("wfhaudit.debug"):
                raise
            click.echo(f"wfhaudit: error: {exc.diagnostics()}", err=True)
            ctx.exit(int(exc.exit_code))
        except Exception as exc:
            stop = _stop_signal_behind(exc)
            if stop is not None:
                # Cleanup failed while a stop signal unwound the command (e.g. a worker pool
                # interrupted while it started): the signal is what ended the run.
                raise stop from None
            if ctx.meta.get("wfhaudit.debug"):
                raise
            click.echo(f"wfhaudit: internal error: {type(exc).__name__}: {exc} "
                       "(re-run with --debug for the traceback)", err=True)
            ctx.exit(int(ExitCode.INTERNAL))


def _stop_signal_behind(exc: BaseException) -> signals.Interrupted | None:
    """The stop signal an error was raised while handling, if any (bounded walk)."""
    seen: BaseException | None = exc
    for _ in range(20):
        if seen is None:
            return None
        if isinstance(seen, signals.Interrupted):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


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


def _stopped(exc: BaseException | None) -> int:
    """Exit code (and a line on stderr) for a stop signal that arrived outside a command."""
    code = int(getattr(exc, "exit_code", ExitCode.INTERRUPTED))
    click.echo(f"wfhaudit: stopped by {exc or 'SIGINT'}", err=True)
    return code


def main(argv: list[str] | None = None) -> NoReturn:
    """Console-script entry point."""
    signals.install()
    # Text for people must never crash on a locale that cannot show it (JSON is ASCII anyway).
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    # Not standalone: click would turn a Ctrl-C that lands outside a command into "Aborted!"
    # and exit 1, which here means NOT READY or "a gate failed".
    try:
        code = cli.main(args=argv, prog_name="wfhaudit", standalone_mode=False)
    except click.exceptions.Abort as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, KeyboardInterrupt):
            code = _stopped(cause)
        else:
            click.echo("Aborted!", err=True)
            code = 1
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except KeyboardInterrupt as exc:
        code = _stopped(exc)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["cli", "main"]
