"""Linux firewall front-ends: `ufw status verbose`, /etc/ufw/ufw.conf and `firewall-cmd --state`.

They are asked only when the kernel ruleset could not be read (or the nft binary is missing):
the ruleset decides, a front-end at most explains or, for ufw run as root, confirms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wfhaudit.host import CommandResult

UFW_STATUS = ("ufw", "status", "verbose")
UFW_CONF = "/etc/ufw/ufw.conf"
FIREWALLD_STATE = ("firewall-cmd", "--state")

# firewall-cmd(1) EXIT CODES.
FIREWALLD_CODES = {251: "firewalld is running but failed to start (RUNNING_BUT_FAILED)",
                   252: "firewalld is not running",
                   253: "firewall-cmd was not authorised by polkit (NOT_AUTHORIZED)",
                   254: "firewall-cmd hit an unknown error"}

_UFW_STATUS = re.compile(r"^Status:\s*(active|inactive)\s*$", re.MULTILINE)
_UFW_DEFAULT_IN = re.compile(r"^Default:\s*(\w+)\s*\(incoming\)", re.MULTILINE)


@dataclass(frozen=True)
class UfwStatus:
    """What `ufw status verbose` said."""

    active: bool | None  # None when the output could not be read
    default_incoming: str | None = None  # deny / reject / allow
    reason: str | None = None  # why active is None


def parse_ufw_status(result: CommandResult) -> UfwStatus:
    """Read `LC_ALL=C ufw status verbose`; a non-root run or strange text gives active=None."""
    if result.error:
        return UfwStatus(None, reason=result.failure())
    text = result.stdout + "\n" + result.stderr
    if "need to be root" in text:
        return UfwStatus(None, reason="ufw needs root: run with sudo")
    m = _UFW_STATUS.search(result.stdout)
    if result.returncode != 0 or not m:
        first = (result.stdout.strip().splitlines() or ["no output"])[0][:80]
        reason = (result.failure() if result.returncode != 0
                  else f"ufw printed a status wfhaudit cannot read ({first!r})")
        return UfwStatus(None, reason=reason)
    default = _UFW_DEFAULT_IN.search(result.stdout)
    return UfwStatus(m.group(1) == "active", default.group(1).lower() if default else None)


def parse_ufw_conf(text: str | None) -> bool | None:
    """ENABLED=yes|no from /etc/ufw/ufw.conf (configuration for boot, not the live state)."""
    if text is None:
        return None
    value = None
    for line in text.splitlines():
        key, sep, raw = line.strip().partition("=")
        if sep and key.strip() == "ENABLED":
            value = raw.strip().strip("'\"").lower()
    if value in ("yes", "no"):
        return value == "yes"
    return None


def describe_firewalld(result: CommandResult) -> str | None:
    """One phrase about firewalld from `firewall-cmd --state`; None when it is not installed."""
    if result.error == "not_found":
        return None
    if result.error:
        return result.failure()
    if result.returncode == 0 and result.stdout.strip() == "running":
        return "firewalld reports it is running"
    if result.returncode in FIREWALLD_CODES:
        return FIREWALLD_CODES[result.returncode]
    return f"firewall-cmd: {result.failure()}"
