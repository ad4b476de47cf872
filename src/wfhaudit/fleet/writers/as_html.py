"""`--html`: one self-contained fleet page (inline CSS/SVG, a hash-pinned sort script, no links).

Sized for large fleets: every count is exact, but the devices table lists at most MAX_ROWS
devices (not-ready first) and drill-down details only for the first MAX_DETAILS of them.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from importlib import resources
from typing import Any, TextIO

from markupsafe import Markup

from wfhaudit import __version__
from wfhaudit.fleet.context import RunContext, TrendPoint, iso
from wfhaudit.fleet.summary import MISSING, NOT_READY, STALE_DEVICE, DeviceState
from wfhaudit.util.text import visible

MAX_ROWS = 5000
MAX_DETAILS = 2000
MAX_REJECTED = 500
MAX_MISSING = 2000



def _asset(name: str) -> tuple[str, str]:
    text = resources.files("wfhaudit.fleet.writers").joinpath(f"templates/{name}").read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"'sha256-{digest}'"


@lru_cache(maxsize=1)
def assets() -> dict[str, tuple[str, str]]:
    """The inline stylesheet and sort script with their CSP hash sources."""
    return {"css": _asset("fleet.css"), "js": _asset("sort.js")}


def content_security_policy() -> str:
    """Nothing loads from anywhere; only our own stylesheet and sort script, pinned by hash."""
    a = assets()
    return (f"default-src 'none'; style-src {a['css'][1]}; script-src {a['js'][1]}; "
            "img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'")


@lru_cache(maxsize=1)
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("wfhaudit.fleet.writers", "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        finalize=visible)
    return env.get_template("fleet.html.j2")


def trend_chart(points: tuple[TrendPoint, ...], width: int = 640, height: int = 180
                ) -> dict[str, Any] | None:
    """Coordinates for an SVG readiness line (None with fewer than two runs)."""
    if len(points) < 2:
        return None
    left, right, top, bottom = 40, 10, 10, 30
    span_x = (width - left - right) / (len(points) - 1)
    span_y = height - top - bottom
    coords = [(round(left + i * span_x, 1), round(top + span_y * (1 - p.ready_pct / 100), 1))
              for i, p in enumerate(points)]
    return {"width": width, "height": height, "left": left, "right": width - right,
            "top": top, "base": height - bottom, "mid": top + span_y / 2,
            "line": " ".join(f"{x},{y}" for x, y in coords),
            "dots": [{"x": x, "y": y, "label": f"{p.at}: {p.ready_pct:g}% ({p.ready}/{p.expected})"}
                     for (x, y), p in zip(coords, points, strict=True)],
            "first": points[0].at[:10], "last": points[-1].at[:10]}


def _device_row(d: DeviceState, with_details: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"id": d.device_id, "status": d.status, "score": "", "failing": 0,
                           "finished": "", "os": "", "name": "", "issues": [], "evidence": [],
                           "details": False, "seq": "", "custody": ""}
    if d.report is not None:
        j = d.report.active
        row.update(score=j.score, failing=len(j.failing_rules), finished=d.report.finished_at,
                   os=f"{d.report.os_family} {d.report.os_version}".strip(),
                   name=d.report.device_name, seq=d.report.sequence,
                   custody=d.report.custody)
        if with_details and j.issues:
            row["details"] = True
            row["issues"] = [{"rule": i.rule, "status": i.status, "severity": i.severity,
                              "measured": i.measured_text(), "expected": i.expected,
                              "reason": i.reason} for i in j.issues]
            row["evidence"] = list(d.report.evidence)
            row["warnings"] = list(d.report.warnings)
    elif d.stale_ts is not None:
        row["finished"] = iso(d.stale_ts)
    return row


def build_view(ctx: RunContext) -> dict[str, Any]:
    """Everything the template shows, already summarised and capped."""
    s, dec = ctx.summary, ctx.decision
    listed = s.devices[:MAX_ROWS]
    rows = [_device_row(d, i < MAX_DETAILS) for i, d in enumerate(listed)]
    with_report = sum(1 for d in s.devices if d.report is not None)
    rules = [{"rule": r.rule, "title": r.title, "severity": r.severity, "failing": r.failing,
              "pct": round(100 * r.failing / with_report, 1) if with_report else 0.0,
              "bar": round(120 * r.failing / with_report) if with_report else 0}
             for r in s.rules[:25]]
    counts = [("Expected devices", s.expected_devices), ("Ready", s.ready_expected),
              ("Not ready", s.count(NOT_READY)), ("Stale", s.count(STALE_DEVICE)),
              ("Missing", s.count(MISSING)), ("Inputs", s.inputs), ("Accepted", s.accepted),
              ("Superseded", s.superseded), ("Rejected", s.rejected_total),
              ("Stale inputs", s.stale_inputs), ("Verdict mismatches", s.verdict_mismatches)]
    whatif = None
    if s.whatif is not None and ctx.whatif is not None:
        whatif = {"policy": ctx.whatif, "changed": s.whatif.changed[:MAX_ROWS],
                  "changed_total": len(s.whatif.changed),
                  "newly_failing": s.whatif.newly_failing.most_common(),
                  "newly_passing": s.whatif.newly_passing.most_common()}
    missing = [d.device_id for d in s.devices if d.status == MISSING]
    return {
        "passed": int(dec.exit_code) == 0, "verdict_line": ctx.verdict_line,
        # With no gate asked for, exit 0 says nothing about readiness: no green "held" box.
        "no_gate": dec.decided_by == "none" and int(dec.exit_code) == 0,
        "headline": "No gate set" if dec.decided_by == "none" and int(dec.exit_code) == 0
        else {0: "Gate held", 1: "Gate failed", 4: "Inputs rejected"}.get(
            int(dec.exit_code), "Error"),
        "decision": dec, "ready_pct": s.ready_pct, "counts": counts,
        "chart": trend_chart(ctx.trend), "history_points": len(ctx.trend), "rules": rules,
        "whatif": whatif, "rows": rows, "rows_total": len(s.devices),
        "rows_hidden": max(0, len(s.devices) - len(listed)),
        "rejected": s.rejected[:MAX_REJECTED], "rejected_total": s.rejected_total,
        "by_reason": sorted(s.rejected_by_reason.items()),
        "missing": missing[:MAX_MISSING], "missing_total": len(missing),
        "generated_at": ctx.generated_at, "trust_version": ctx.trust_version,
        "trust_source": ctx.trust_source, "tool_version": __version__,
    }


def render_html(ctx: RunContext) -> str:
    """The fleet page as one HTML string."""
    a = assets()
    return str(_template().render(
        v=build_view(ctx), csp=content_security_policy(),
        css=Markup(a["css"][0]), js=Markup(a["js"][0])))  # noqa: S704 - our packaged assets


def write_html(ctx: RunContext, out: TextIO) -> None:
    """Write the fleet page (it is capped in size, so rendering it whole is fine)."""
    out.write(render_html(ctx))
