"""Linux updates: pending security updates (apt, dnf, zypper), last upgrade, pending reboot.

Pending updates come from the package manager's local metadata only (nothing is downloaded):
`apt-get -s dist-upgrade` (the stable apt interface; security = a candidate from a `*-security`
archive or a `*Security*` label), `dnf -C updateinfo list --security`, `zypper --no-refresh
list-patches --category security`. The count is as current as the last metadata refresh.
The last upgrade is the newest `upgrade` line of dpkg's log (local time, converted with the
machine's UTC offset) or the newest rpm INSTALLTIME. A reboot is pending when
/run/reboot-required exists (Debian/Ubuntu packages create it) or /boot holds a newer kernel
of the running kernel's flavour
(zypper's /run/reboot-needed counts too).
"""

from __future__ import annotations

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.updates.decide import days_fact, pending_fact
from wfhaudit.probes.updates.linux import parse as lp
from wfhaudit.probes.wallclock import host_now, iso_minute

APT_SIM = ("apt-get", "-s", "-o", "Debug::NoLocking=1", "dist-upgrade")
APT_UNATTENDED = ("apt-config", "shell", "UU", "APT::Periodic::Unattended-Upgrade")
DPKG_UNATTENDED = ("dpkg-query", "-W", "-f=${db:Status-Abbrev}", "unattended-upgrades")
DNF_SECURITY = ("dnf", "-C", "-q", "updateinfo", "list", "--security")
ZYPPER_SECURITY = ("zypper", "--non-interactive", "--no-refresh", "--xmlout", "list-patches",
                   "--category", "security")
# One line for the first entry, one for the last upgrade: the log itself can be megabytes.
AWK_PROGRAM = 'NR == 1 { first = $1 " " $2 } $3 == "upgrade" { last = $1 " " $2 } ' \
              "END { print first; print last }"
DPKG_LOG = "/var/log/dpkg.log"
DPKG_LAST = ("awk", AWK_PROGRAM, DPKG_LOG)
DPKG_LAST_OLD = ("awk", AWK_PROGRAM, DPKG_LOG + ".1")
UTC_OFFSET = ("date", "+%z")
RPM_TIMES = ("rpm", "-qa", "--qf", "%{INSTALLTIME}\\n")
UNAME = ("uname", "-r")
REBOOT_REQUIRED = "/run/reboot-required"  # Debian and Ubuntu packages
REBOOT_NEEDED = "/run/reboot-needed"  # zypper on SUSE
BOOT = "/boot"
COMMANDS = [APT_SIM, APT_UNATTENDED, DPKG_UNATTENDED, DNF_SECURITY, ZYPPER_SECURITY, DPKG_LAST,
            DPKG_LAST_OLD, UTC_OFFSET, RPM_TIMES, UNAME]
OS_BUILD_REASON = ("Linux distributions have no common build number; a policy can check "
                   "os.version with `matches` for a minimum release")


def _unattended(ctx: ProbeContext, sources: list[str]) -> str:
    status = ctx.host.run(DPKG_UNATTENDED, timeout=10)
    sources.append(status.source)
    if not status.ok or not status.stdout.startswith("ii"):
        return "unattended-upgrades is not installed"
    conf = ctx.host.run(APT_UNATTENDED, timeout=10)
    sources.append(conf.source)
    on = conf.ok and conf.stdout.strip().strip("'\"").endswith("1")
    return "unattended-upgrades is installed and " + (
        "on" if on else "off (APT::Periodic::Unattended-Upgrade)")


def _apt(ctx: ProbeContext, result: CommandResult) -> Fact:
    key = "updates.security_pending"
    if not result.ok:
        return Fact.unknown(key, result.failure(), [result.source])
    parsed = lp.parse_apt_simulation(result.stdout)
    if parsed is None:
        return Fact.unknown(key, "apt-get printed no upgrade summary", [result.source])
    names = ", ".join(parsed.security[:10]) + (" ..." if len(parsed.security) > 10 else "")
    found = (f"{len(parsed.security)} of {len(parsed.upgrades)} upgradable packages come from "
             "a security archive" + (f" ({names})" if names else "")) if parsed.upgrades \
        else "no upgradable packages"
    held = [f"{parsed.held_back} more held back"] if parsed.held_back else []
    sources = [result.source]
    parts = [found, *held, "from the package lists of the last `apt update`",
             _unattended(ctx, sources)]
    return pending_fact(len(parsed.security), sources, "; ".join(parts))


def _rpm_pending(ctx: ProbeContext) -> tuple[Fact, str] | None:
    key = "updates.security_pending"
    dnf = ctx.host.run(DNF_SECURITY, timeout=90)
    if dnf.error != "not_found":
        if not dnf.ok:
            return Fact.unknown(key, dnf.failure() + " (dnf reads only its cached metadata "
                                "here; run `dnf makecache` as root)", [dnf.source]), "dnf"
        names = lp.parse_dnf_security(dnf.stdout)
        return pending_fact(len(names), [dnf.source], "packages with a security advisory: "
                            + (", ".join(names[:10]) or "none")), "dnf"
    zypper = ctx.host.run(ZYPPER_SECURITY, timeout=90)
    if zypper.error == "not_found":
        return None
    patches = lp.parse_zypper_patches(zypper.stdout) if zypper.returncode in (0, 100, 101) \
        else None
    if patches is None:
        why = zypper.failure() if zypper.returncode not in (0, 100, 101) else \
            "zypper printed no XML"
        return Fact.unknown(key, why, [zypper.source]), "zypper"
    return pending_fact(len(patches), [zypper.source], "needed security patches: "
                        + (", ".join(patches[:10]) or "none")), "zypper"


def _pending(ctx: ProbeContext) -> tuple[Fact, str | None]:
    apt = ctx.host.run(APT_SIM, timeout=90)
    if apt.error != "not_found":
        return _apt(ctx, apt), "apt"
    found = _rpm_pending(ctx)
    if found is not None:
        return found
    return Fact.unknown("updates.security_pending", "no supported package manager (apt-get, "
                        "dnf, zypper) is installed", [apt.source]), None


def _dpkg_last(ctx: ProbeContext, now: float | None) -> Fact:
    key = "updates.days_since_last"
    sources = [" ".join(DPKG_LAST)]
    log = ctx.host.run(DPKG_LAST, timeout=20)
    if not log.ok:
        return Fact.unknown(key, log.failure(), sources)
    first, last = lp.parse_dpkg_log_times(log.stdout)
    if last is None:
        old = ctx.host.run(DPKG_LAST_OLD, timeout=20)
        sources.append(old.source)
        if old.ok:
            old_first, last = lp.parse_dpkg_log_times(old.stdout)
            first = old_first or first
    if last is None:
        since = f" since {first}" if first else ""
        return Fact.unknown(key, f"no package upgrade in dpkg's logs{since} (older logs are "
                                 "compressed and not read)", sources)
    tz = ctx.host.run(UTC_OFFSET, timeout=5)
    sources.append(tz.source)
    offset = lp.parse_utc_offset(tz.stdout) if tz.ok else None
    if offset is None:
        return Fact.unknown(key, "the machine's time zone is unknown: " + tz.failure(), sources)
    return days_fact(now, lp.local_stamp_to_unix(last, offset), sources,
                     f"last package upgrade in dpkg's log: {last} local time")


def _rpm_last(ctx: ProbeContext, now: float | None) -> Fact:
    result = ctx.host.run(RPM_TIMES, timeout=30)
    newest = lp.parse_rpm_install_times(result.stdout) if result.ok else None
    if newest is None:
        why = result.failure() if not result.ok else "rpm listed no installed package"
        return Fact.unknown("updates.days_since_last", why, [result.source])
    return days_fact(now, float(newest), [result.source], "newest package install or upgrade "
                     f"in the rpm database: {iso_minute(newest)}")


def _reboot(ctx: ProbeContext) -> Fact:
    key = "updates.reboot_pending"
    if ctx.host.read_file(REBOOT_REQUIRED) is not None:
        pkgs = (ctx.host.read_file(REBOOT_REQUIRED + ".pkgs") or "").split()
        detail = f"{REBOOT_REQUIRED} exists" + (f" (for {', '.join(pkgs[:8])})" if pkgs else "")
        return Fact.observed(key, True, [REBOOT_REQUIRED], detail=detail)
    if ctx.host.read_file(REBOOT_NEEDED) is not None:
        return Fact.observed(key, True, [REBOOT_REQUIRED, REBOOT_NEEDED],
                             detail=f"{REBOOT_NEEDED} exists")
    uname = ctx.host.run(UNAME, timeout=5)
    entries = ctx.host.list_dir(BOOT)
    sources = [REBOOT_REQUIRED, REBOOT_NEEDED, uname.source, BOOT]
    running = uname.stdout.strip() if uname.ok else ""
    found = lp.newer_kernels(running, entries or []) if running else None
    if found is None:
        why = uname.failure() if not running else f"{BOOT} holds no kernel like the running " \
            f"{running} to compare with"
        return Fact.unknown(key, f"no {REBOOT_REQUIRED} or {REBOOT_NEEDED}, and {why}", sources)
    newer, installed = found
    if newer:
        return Fact.observed(key, True, sources, detail=f"running kernel {running}; newer "
                             f"kernel installed: {newer[-1]}")
    if not installed:
        return Fact.unknown(key, f"the running kernel {running} is not in {BOOT} (booted from "
                                 "elsewhere?) and no newer one is installed", sources)
    return Fact.observed(key, False, sources, detail=f"no {REBOOT_REQUIRED}; the running kernel "
                         f"{running} is the newest installed")


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts updates.* for Linux."""
    now = host_now(ctx.host)
    pending, manager = _pending(ctx)
    last = _dpkg_last(ctx, now) if manager == "apt" else _rpm_last(ctx, now)
    return [pending, last, _reboot(ctx), Fact.unknown("updates.os_build", OS_BUILD_REASON)]
