"""`--markdown`: a short summary that fits a CI job summary page (GitHub, GitLab)."""

from __future__ import annotations

from typing import TextIO

from wfhaudit.fleet.context import RunContext, iso
from wfhaudit.fleet.summary import MISSING, NOT_READY, STALE_DEVICE
from wfhaudit.util.display import plural
from wfhaudit.util.text import for_markdown

MAX_ROWS = 50


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def render_markdown(ctx: RunContext) -> str:
    """Verdict line, counts, worst rules, not-ready devices and rejected inputs."""
    s, dec = ctx.summary, ctx.decision
    icon = {0: "✅", 1: "❌", 4: "⛔"}.get(int(dec.exit_code), "⚠️")
    if dec.decided_by == "none" and int(dec.exit_code) == 0:
        icon = "ℹ️"  # no gate asked for: not a pass
    # The verdict line and gate details are wfhaudit's own words and numbers, no device text.
    lines = [f"## {icon} wfhaudit fleet: {ctx.verdict_line}", ""]
    mode = "each report's own policy"
    if ctx.whatif:
        mode = f"what-if policy {for_markdown(ctx.whatif.id, 60)} {for_markdown(ctx.whatif.version, 20)}"
    lines += [f"Judged under {mode}; trust file version {ctx.trust_version}; "
              f"generated {ctx.generated_at}.", ""]
    lines += _table(("ready", "not ready", "stale", "missing", "expected", "inputs",
                     "accepted", "superseded", "rejected"),
                    [tuple(str(x) for x in (s.ready_expected, s.count(NOT_READY),
                                            s.count(STALE_DEVICE), s.count(MISSING),
                                            s.expected_devices, s.inputs, s.accepted,
                                            s.superseded, s.rejected_total))])
    if dec.results:
        lines += ["", "**Gates**", ""]
        lines += [f"- {'✅' if r.held else '❌'} `{r.name}`: {r.detail}"
                  for r in dec.results]
    worst = [r for r in s.rules if r.failing][:10]
    if worst:
        lines += ["", "### Worst rules", ""]
        lines += _table(("rule", "severity", "failing devices", "title"),
                        [(for_markdown(r.rule), r.severity, str(r.failing), for_markdown(r.title)) for r in worst])
    if s.whatif is not None:
        lines += ["", "### What-if against each report's own policy", "",
                  f"{plural(len(s.whatif.changed), 'device')} "
                  f"{'changes' if len(s.whatif.changed) == 1 else 'change'} verdict."]
        if s.whatif.newly_failing:
            lines += ["Newly failing: " + ", ".join(
                f"{for_markdown(k)} ({v})" for k, v in s.whatif.newly_failing.most_common(10))]
    bad = [d for d in s.devices if d.status in (NOT_READY, STALE_DEVICE, MISSING)]
    if bad:
        lines += ["", f"### Devices not ready ({len(bad)})", ""]
        rows: list[tuple[str, ...]] = []
        for d in bad[:MAX_ROWS]:
            if d.report is not None:
                why = ", ".join(
                    f"{i.rule}: {i.measured_text()} (expected {i.expected})"
                    for i in d.report.active.issues if i.failing)
            elif d.status == STALE_DEVICE:
                why = f"newest report {iso(d.stale_ts)}"
            else:
                why = "no verified report"
            rows.append((for_markdown(d.device_id, 64), d.status, for_markdown(why, 300)))
        lines += _table(("device", "status", "why"), rows)
        if len(bad) > MAX_ROWS:
            lines.append(f"\n…and {len(bad) - MAX_ROWS} more (see the JSON/CSV output).")
    if s.rejected_total:
        lines += ["", f"### Rejected inputs ({s.rejected_total})", ""]
        lines += _table(("input", "reason", "detail"),
                        [(for_markdown(r.input, 100), r.reason, for_markdown(r.detail, 160))
                         for r in s.rejected[:MAX_ROWS]])
        if s.rejected_total > MAX_ROWS:
            lines.append(f"\n…and {s.rejected_total - MAX_ROWS} more.")
    return "\n".join(lines) + "\n"


def write_markdown(ctx: RunContext, out: TextIO) -> None:
    """Write the Markdown summary."""
    out.write(render_markdown(ctx))
