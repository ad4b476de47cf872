"""Gates on the fleet summary and the exit code they give; the decision names its gate."""

from __future__ import annotations

from dataclasses import dataclass, field

from wfhaudit.errors import ExitCode
from wfhaudit.fleet.summary import STALE_DEVICE, FleetSummary
from wfhaudit.judge.rows import SEVERITY_RANK
from wfhaudit.util.display import duration_words, plural


@dataclass(frozen=True)
class GateSpec:
    """The gates asked for on the command line (None: not asked)."""

    min_ready: float | None = None
    fail_on: str | None = None
    max_age_s: int | None = None
    allow_rejected: bool = False


@dataclass(frozen=True)
class GateResult:
    """One gate: whether it held and the numbers behind it."""

    name: str
    held: bool
    detail: str
    devices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """The exit code, the gate that decided it and every gate's result."""

    exit_code: ExitCode
    decided_by: str
    reason: str
    results: tuple[GateResult, ...] = field(default_factory=tuple)


def _min_ready(summary: FleetSummary, pct: float) -> GateResult:
    ready = summary.ready_pct
    held = summary.expected_devices > 0 and ready >= pct
    return GateResult("min-ready", held,
                      f"{ready:g}% of {plural(summary.expected_devices, 'expected device')} ready "
                      f"(minimum {pct:g}%)")


def _fail_on(summary: FleetSummary, severity: str) -> GateResult:
    floor = SEVERITY_RANK[severity]
    bad = tuple(
        d.device_id for d in summary.devices
        if d.expected and d.report is not None and any(
            i.failing and SEVERITY_RANK.get(i.severity, 0) >= floor
            for i in d.report.active.issues))
    return GateResult("fail-on", not bad,
                      f"{plural(len(bad), 'device')} {'fails' if len(bad) == 1 else 'fail'} a rule "
                      f"of severity {severity} or worse", bad)


def _max_age(summary: FleetSummary, max_age_s: int) -> GateResult:
    limit = int(summary.generated_at.timestamp()) - max_age_s
    old = tuple(
        d.device_id for d in summary.devices if d.expected and (
            d.status == STALE_DEVICE or (d.report is not None and d.report.finished_ts < limit)))
    return GateResult("max-age", not old,
                      f"{plural(len(old), 'device')} {'has' if len(old) == 1 else 'have'} no report "
                      f"newer than {duration_words(max_age_s)}", old)


def decide(summary: FleetSummary, spec: GateSpec) -> Decision:
    """Exit 4 for rejected inputs (unless allowed), else 1 if a gate failed, else 0."""
    results: list[GateResult] = []
    if spec.min_ready is not None:
        results.append(_min_ready(summary, spec.min_ready))
    if spec.fail_on is not None:
        results.append(_fail_on(summary, spec.fail_on))
    if spec.max_age_s is not None:
        results.append(_max_age(summary, spec.max_age_s))
    if summary.rejected_total and not spec.allow_rejected:
        return Decision(ExitCode.VERIFY_FAILED, "rejected-inputs",
                        f"{plural(summary.rejected_total, 'input')} rejected by verification "
                        "(use --allow-rejected to gate on the rest)", tuple(results))
    failed = [r for r in results if not r.held]
    if failed:
        return Decision(ExitCode.NOT_READY, failed[0].name, failed[0].detail, tuple(results))
    if not results:
        return Decision(ExitCode.OK, "none", "no gate asked for (--min-ready, --fail-on, "
                        "--max-age)", ())
    return Decision(ExitCode.OK, "all-gates-held", "; ".join(r.detail for r in results),
                    tuple(results))
