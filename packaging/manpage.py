"""Generate the wfhaudit(1) man page (roff) from the click command tree, so it never drifts.

Usage: python packaging/manpage.py [-o wfhaudit.1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from wfhaudit import __version__
from wfhaudit.cli import cli
from wfhaudit.util.files import write_atomic

ENVIRONMENT = (
    ("WFHAUDIT_HOME", "Data folder for the device key, device id, report sequence and "
     "redaction key (default: the per-user data folder of the OS)."),
    ("WFHAUDIT_SCHEDULE_ROOT", "Same as schedule --root: write scheduler files under this "
     "folder instead of the live system."),
    ("NO_COLOR, CI", "When set, no colours and no live progress lines."),
)
FILES = (
    ("/usr/lib/systemd/system/wfhaudit-check.service, wfhaudit-check.timer",
     "Machine-wide daily check as root (from the Debian package; enable with "
     "systemctl enable --now wfhaudit-check.timer)."),
    ("/usr/lib/systemd/user/wfhaudit-check.service, wfhaudit-check.timer",
     "The same check per user session (systemctl --global enable wfhaudit-check.timer)."),
    ("/var/lib/wfhaudit", "Data folder and reports of the machine-wide check."),
)


def esc(text: str) -> str:
    """Escape text for roff: backslashes, hyphens and a control character at line start."""
    out = text.replace("\\", "\\e").replace("-", "\\-")
    lines = [("\\&" + line) if line.startswith((".", "'")) else line for line in out.split("\n")]
    return "\n".join(lines)


def paragraphs(help_text: str) -> str:
    """Click help to roff: blank lines split paragraphs, a \\b paragraph keeps its lines."""
    out: list[str] = []
    for block in click.unstyle(help_text).strip().split("\n\n"):
        lines = block.split("\n")
        if lines[0].strip() == "\b":
            body = "\n".join(line.rstrip() for line in lines[1:])
            out.append(".PP\n.nf\n.RS 2\n" + esc(body) + "\n.RE\n.fi")
        else:
            out.append(".PP\n" + esc(" ".join(line.strip() for line in lines)))
    return "\n".join(out)


def walk(cmd: click.Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...],
                                                                      click.Command]]:
    """Every command under cmd, depth first, in the order `--help` lists them."""
    yield path, cmd
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd, info_name=path[-1])
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, (*path, name))


def command_section(path: tuple[str, ...], cmd: click.Command) -> str:
    """One .SS block: usage, help text and options of one command."""
    ctx = click.Context(cmd, info_name=" ".join(path))
    usage = " ".join(cmd.collect_usage_pieces(ctx))
    parts = [f'.SS "{esc(" ".join(path))}"', f".B {esc(' '.join(path))}", esc(usage)]
    if cmd.help:
        parts.append(paragraphs(cmd.help))
    for param in cmd.get_params(ctx):
        record = None if isinstance(param, click.Argument) else param.get_help_record(ctx)
        if record is None:
            continue
        opts, text = record
        parts += [".TP", f".B {esc(opts)}", esc(click.unstyle(text)) or "\\&"]
    return "\n".join(parts)


def render(cli: click.Command, version: str, date: str) -> str:
    """The whole page."""
    root, *subs = list(walk(cli, ("wfhaudit",)))
    head = [f'.TH WFHAUDIT 1 "{date}" "wfhaudit {esc(version)}" "User Commands"',
            ".SH NAME", "wfhaudit \\- remote\\-work security and VoIP readiness auditor",
            ".SH SYNOPSIS", ".B wfhaudit", "[\\fB\\-\\-debug\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
            ".SH DESCRIPTION", paragraphs(root[1].help or ""), ".SH COMMANDS"]
    body = [command_section(path, cmd) for path, cmd in subs]
    tail = [".SH EXIT STATUS", ".TP\n0\nREADY, or the command succeeded.",
            ".TP\n1\nNOT READY: a required rule failed or is UNKNOWN (also: a fleet gate failed).",
            ".TP\n2\nUsage error.", ".TP\n3\nInvalid input: policy, report, evidence, key or "
            "trust file.", ".TP\n4\nVerification failed: a report was rejected.",
            ".TP\n70\nInternal error (re\\-run with \\-\\-debug).", ".SH ENVIRONMENT"]
    tail += [f".TP\n.B {esc(name)}\n{esc(text)}" for name, text in ENVIRONMENT]
    tail.append(".SH FILES")
    tail += [f".TP\n.I {esc(name)}\n{esc(text)}" for name, text in FILES]
    tail += [".SH SEE ALSO", "systemd.timer(5), systemctl(1)"]
    return "\n".join([*head, *body, *tail]) + "\n"


def main() -> int:
    """Write the page to -o or stdout."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()

    # Reproducible builds: SOURCE_DATE_EPOCH fixes the date printed in the page footer.
    stamp = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or None
    when = dt.datetime.fromtimestamp(stamp, dt.timezone.utc) if stamp else dt.datetime.now(
        dt.timezone.utc)
    page = render(cli, __version__, when.strftime("%Y-%m-%d"))
    if args.output:

        write_atomic(args.output, page)
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
