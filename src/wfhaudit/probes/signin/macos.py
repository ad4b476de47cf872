"""macOS automatic sign-in: the `autoLoginUser` key of the login window's preferences.

`defaults read` prints the user name and exits 0 when automatic login is set, and says the
"domain/default pair ... does not exist" with exit 1 when it is not. The name itself is
replaced before it is recorded: the evidence needs only that one is set.
"""

from __future__ import annotations

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.signin.decide import Findings, autologin_fact

DEFAULTS = ("defaults", "read", "/Library/Preferences/com.apple.loginwindow", "autoLoginUser")
COMMANDS = [DEFAULTS]
NAME_REMOVED = "(a user name, removed by wfhaudit)"


def scrub_name(text: str) -> str:
    """Replace a printed user name; keep error text, which names no user."""
    if text.strip() and "does not exist" not in text and "\n" not in text.strip():
        return NAME_REMOVED + "\n"
    return text


def parse_defaults(result: CommandResult) -> bool | None:
    """True when autoLoginUser is set, False when it does not exist, None otherwise."""
    if result.ok and result.stdout.strip():
        return True
    if result.returncode == 1 and "does not exist" in f"{result.stderr}{result.stdout}":
        return False
    return None


def collect(ctx: ProbeContext) -> list[Fact]:
    """Fact signin.autologin_enabled for this Mac."""
    result = ctx.host.run(DEFAULTS, timeout=5, scrub=scrub_name)
    found = Findings(evidence=[result.source])
    state = parse_defaults(result)
    if state:
        found.enabled_by.append("autoLoginUser is set in /Library/Preferences/com.apple.loginwindow")
    elif state is None:
        found.problems.append(f"the login window preferences could not be read: {result.failure()}")
    return [autologin_fact(found, "autoLoginUser is not set in the login window preferences")]
