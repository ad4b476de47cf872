"""`wfhaudit check`, `probe` and `evaluate`: run probes, judge, report."""

from __future__ import annotations

from pathlib import Path

import click

from wfhaudit.app.check import CheckOptions, evaluate_file, probe_commands, run_check, run_probes
from wfhaudit.cli import plain
from wfhaudit.cli.console import plain_output
from wfhaudit.cli.output import emit_json
from wfhaudit.cli.terminal import print_check_result, print_evaluation, print_facts, probe_display
from wfhaudit.errors import ExitCode
from wfhaudit.facts import CATALOGUE
from wfhaudit.host.platform_info import current_os_info
from wfhaudit.report.html.render import write_html

PLATFORMS = click.Choice(["linux", "macos", "windows"])


@click.command()
@click.option("--policy", "policy_ref", default="contact-center", show_default=True,
              metavar="NAME|PATH", help="Bundled policy name or a policy file.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports"), show_default=True, help="Folder for the report.")
@click.option("--json", "as_json", is_flag=True, help="Print the report predicate on stdout.")
@click.option("--only", multiple=True, metavar="PROBE", help="Run only these probes.")
@click.option("--skip", multiple=True, metavar="PROBE", help="Do not run these probes.")
@click.option("--record", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the full evidence bundle here.")
@click.option("--replay", type=click.Path(dir_okay=False, path_type=Path),
              help="Judge a recorded evidence bundle instead of this machine.")
@click.option("--campaign", type=click.Path(dir_okay=False, path_type=Path),
              help="IT's campaign challenge file; its nonce goes into the signed report.")
@click.option("--no-sign", is_flag=True, help="Write an unsigned report (never verifies).")
@click.option("--quiet", is_flag=True, help="Print only the verdict line and the report's path.")
@click.option("--html", "html", is_flag=True, help="Also write <report>.html beside the report.")
@click.pass_context
def check(ctx: click.Context, policy_ref: str, out_dir: Path, as_json: bool,
          only: tuple[str, ...], skip: tuple[str, ...], record: Path | None,
          replay: Path | None, campaign: Path | None, no_sign: bool, quiet: bool,
          html: bool) -> None:
    """Check this machine against a policy and write a report.

    Exit 0 when READY, 1 when NOT READY.

    \b
    Example:
      wfhaudit check --policy contact-center --out reports/
      wfhaudit check --only firewall --only disk --json
      wfhaudit check --html       # also writes reports/<device>.<time>.wfh.html
    """
    # Not a terminal (a log, CI): plain lines, and rich is never imported.
    text = plain_output()
    with plain.PlainProbeDisplay() if text and not quiet else probe_display(quiet=quiet) \
            as display:
        result = run_check(CheckOptions(policy=policy_ref, out_dir=out_dir, only=only, skip=skip,
                                        record=record, replay=replay, sign=not no_sign,
                                        campaign=campaign, events=display.event))
    html_path = None
    if html and result.report_path:

        html_path = write_html(result.report_path)
    if as_json:

        emit_json(result.report)
    (plain.print_check_result if text else print_check_result)(result, quiet=quiet,
                                                                html_path=html_path)
    ctx.exit(int(result.exit_code))


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME...]")
@click.option("--json", "as_json", is_flag=True, help="Print facts and evidence as JSON.")
@click.option("--replay", type=click.Path(dir_okay=False, path_type=Path),
              help="Read facts from a recorded evidence bundle.")
@click.option("--commands", "list_commands", is_flag=True,
              help="List every command a probe may run, instead of probing.")
@click.option("--os", "os_family", type=PLATFORMS, default=None,
              help="With --commands: which OS (default: this one).")
@click.option("--list-facts", is_flag=True, help="List the fact catalogue.")
def probe(names: tuple[str, ...], as_json: bool, replay: Path | None, list_commands: bool,
          os_family: str | None, list_facts: bool) -> None:
    """Collect raw facts and evidence, without judging.

    \b
    Example:
      wfhaudit probe firewall vpn
      wfhaudit probe --commands --os windows
    """
    if list_facts:

        for spec in CATALOGUE.values():
            unit = f" [{spec.unit}]" if spec.unit else ""
            click.echo(f"{spec.key}\t{spec.type.value}{unit}\t{spec.description}")
        return
    if list_commands:

        family = os_family or current_os_info().family
        commands = probe_commands(family)
        if as_json:
            emit_json({"os": family, "commands": commands})
            return
        for name, argvs in commands.items():
            for argv in argvs:
                click.echo(f"{name}\t{' '.join(argv)}")
        return

    facts, evidence = run_probes(names, replay)
    if as_json:
        emit_json({"facts": facts.to_dict(), "evidence": evidence})
        return

    print_facts(facts)


@click.command("evaluate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path),
                metavar="REPORT_OR_EVIDENCE")
@click.option("--policy", "policy_ref", required=True, metavar="NAME|PATH",
              help="Policy to judge under.")
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON.")
@click.pass_context
def evaluate_cmd(ctx: click.Context, path: Path, policy_ref: str, as_json: bool) -> None:
    """Re-judge a report's facts or an evidence bundle under another policy.

    \b
    Example:
      wfhaudit evaluate reports/dev-1234.20261123T104000Z.wfh.json --policy strict
    """
    policy, evaluation, extra = evaluate_file(path, policy_ref)
    if as_json:

        emit_json({"policy": {"id": policy.id, "version": policy.version,
                              "digest": policy.digest},
                   "summary": evaluation.summary(),
                   "findings": [f.to_dict() for f in evaluation.findings], **extra})
    elif plain_output():
        plain.print_evaluation(evaluation, policy.title)
    else:
        print_evaluation(evaluation, policy.title)
    code = ExitCode.OK if evaluation.verdict.value == "READY" else ExitCode.NOT_READY
    ctx.exit(int(code))
