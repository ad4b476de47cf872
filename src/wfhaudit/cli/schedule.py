"""`wfhaudit schedule install|remove|status`: run `check` from the OS scheduler."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wfhaudit.app import schedule as manage
from wfhaudit.cli.output import emit_json
from wfhaudit.errors import UsageError
from wfhaudit.host import LiveHost
from wfhaudit.policy.loader import bundled_names, load_policy
from wfhaudit.schedule import local
from wfhaudit.util.text import for_terminal

ROOT_ENV = "WFHAUDIT_SCHEDULE_ROOT"

_os_option = click.option(
    "--os", "family", type=click.Choice(["linux", "macos", "windows"]), default=None,
    help="Target OS (default: this machine's). Another OS needs --root and --system.")
_root_option = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), envvar=ROOT_ENV, default=None,
    help=f"Write under this folder instead of the live system (env {ROOT_ENV}); the scheduler "
         "is not touched, except systemd's system level, enabled offline.")
_system_option = click.option(
    "--system", is_flag=True,
    help="Machine-wide, as root/SYSTEM (pairs with system-level key custody). Default: this user.")
_json_option = click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")


@click.group()
def schedule() -> None:
    """Run `wfhaudit check` on a schedule: systemd timer, launchd job or Windows task.

    \b
    Example:
      wfhaudit schedule install --every 1d --policy contact-center --out /srv/wfh-reports
      sudo wfhaudit schedule install --system --every 6h
      wfhaudit schedule status
    """


def _target(family: str | None, root: Path | None, system: bool) -> str:

    here = local.this_family()
    target = family or here
    if target not in ("linux", "macos", "windows"):
        raise UsageError(f"scheduled checks are not supported on this OS ({here}); use --os")
    if target != here and root is None:
        raise UsageError(f"--os {target} on a {here} machine writes files only: add --root DIR")
    if target != here and not system:
        raise UsageError(f"--os {target} on a {here} machine makes system-level files only "
                         "(add --system): a user-level schedule belongs to a user of that machine")
    return target


def _report(outcome: Any, as_json: bool, verb: str) -> None:

    if as_json:

        emit_json(outcome.to_dict())
        return
    for item in outcome.files:
        state = {True: "yes", False: "no"}
        extra = (f"exists: {state[item['exists']]}" if "exists" in item else
                 f"removed: {state[item['removed']]}" if "removed" in item else verb)
        click.echo(f"{for_terminal(item['written'])}  ({extra})", err=True)
    for run in outcome.ran:
        status = "ok" if run["ok"] else for_terminal(run["problem"])
        click.echo(f"$ {for_terminal(' '.join(run['argv']))}  -> {status}", err=True)
        if run["output"] and verb == "status":
            for line in run["output"].splitlines()[:40]:
                click.echo(f"    {for_terminal(line)}", err=True)
    for argv in outcome.not_run:
        click.echo(f"not run (--root): {for_terminal(' '.join(argv))}", err=True)


def _live(fn: Callable[..., Any], family: str, system: bool, root: Path | None) -> Any:

    try:
        return fn(family, system, local.this_account(), LiveHost(), root)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@schedule.command("install")
@click.option("--every", default="1d", show_default=True,
              help="15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 1d or 7d (Mondays).")
@click.option("--at", "at", default="10:00", show_default=True,
              help="Local time of day for 1d and 7d (a random delay up to 15 min spreads a fleet).")
@_system_option
@click.option("--policy", default="contact-center", show_default=True, metavar="NAME|PATH",
              help="Bundled policy name or a policy file (stored as an absolute path).")
@click.option("--out", "out_dir", default=None, metavar="DIR",
              help="Report folder (default: wfhaudit's data folder for the level, /reports).")
@click.option("--exe", default=None, metavar="PATH",
              help="Program to run (default: this wfhaudit; the packaged path for another OS).")
@_os_option
@_root_option
@_json_option
def install_cmd(every: str, at: str, system: bool, policy: str, out_dir: str | None,
                exe: str | None, family: str | None, root: Path | None, as_json: bool) -> None:
    """Write the scheduler's files and enable them (replaces an earlier schedule).

    Example: wfhaudit schedule install --every 1d --at 09:30 --out ~/wfh-reports
    """
    target = _target(family, root, system)
    if target == local.this_family() or policy in bundled_names():
        load_policy(policy)  # a policy that cannot load would fail every night: fail now
    account = local.this_account()
    try:
        spec = local.build_spec(target, system, every, at, policy, out_dir, exe, account)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if system and root is None:
        problem = local.unsafe_for_system(spec.program[0])
        if problem:
            raise UsageError(f"refusing to run {spec.program[0]} as root from a schedule: "
                             f"{problem}. Install wfhaudit system-wide and pass --exe PATH")
    try:
        outcome = manage.install(spec, account, LiveHost(), root)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    _report(outcome, as_json, "written")
    if not as_json:
        click.echo(f"Scheduled: {spec.describe()}", err=True)


@schedule.command("remove")
@_system_option
@_os_option
@_root_option
@_json_option
def remove_cmd(system: bool, family: str | None, root: Path | None, as_json: bool) -> None:
    """Disable the schedule and delete its files (reports already written stay).

    Example: wfhaudit schedule remove --system
    """
    outcome = _live(manage.remove, _target(family, root, system), system, root)
    _report(outcome, as_json, "removed")


@schedule.command("status")
@_system_option
@_os_option
@_root_option
@_json_option
def status_cmd(system: bool, family: str | None, root: Path | None, as_json: bool) -> None:
    """Show the schedule's files and what the scheduler says; exit 1 when not installed.

    Example: wfhaudit schedule status --json
    """
    outcome = _live(manage.status, _target(family, root, system), system, root)
    _report(outcome, as_json, "status")
    if not manage.installed(outcome):
        raise SystemExit(1)

