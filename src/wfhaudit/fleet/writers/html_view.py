"""What the fleet page shows, as plain values: the device bar, the trend, rules, device rows.

Every count is exact; the table lists at most MAX_ROWS devices (worst first) with drill-down
details for the first MAX_DETAILS, and print keeps only the devices that need attention.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wfhaudit.fleet.context import RunContext, TrendPoint, iso
from wfhaudit.fleet.summary import MISSING, NOT_READY, READY, STALE_DEVICE, DeviceState
from wfhaudit.judge.rows import Rejected
from wfhaudit.util.display import format_value, plural

MAX_ROWS = 5000
MAX_DETAILS = 2000
MAX_REJECTED = 500
MAX_MISSING = 2000
PRINT_ROWS = 100  # devices needing attention printed (the rest are on screen and in CSV)
UNKNOWN = "UNKNOWN"  # not ready only because required rules could not be checked

# (status, label, css class) in bar order: the colours are the page's status colours.
BAR = ((READY, "ready", "ready"), (NOT_READY, "not ready", "not-ready"),
       (UNKNOWN, "unknown", "unknown"), (STALE_DEVICE, "stale", "stale"),
       (MISSING, "missing", "missing"))
WORDS = {READY: "READY", NOT_READY: "NOT READY", UNKNOWN: "UNKNOWN", STALE_DEVICE: "STALE",
         MISSING: "MISSING"}


def category(d: DeviceState) -> str:
    """The device's place in the bar: NOT_READY splits into failed and could-not-check."""
    if d.status != NOT_READY or d.report is None:
        return d.status
    issues = d.report.active.issues
    return NOT_READY if any(i.blocking and i.status == "FAIL" for i in issues) else UNKNOWN


def device_bar(devices: Iterable[DeviceState], width: float = 1000.0) -> dict[str, Any]:
    """Segments of the stacked bar over the expected devices (x and width in bar units)."""
    counts = dict.fromkeys((s for s, _, _ in BAR), 0)
    for d in devices:
        if d.expected:
            counts[category(d)] = counts.get(category(d), 0) + 1
    total = sum(counts.values())
    segments, x = [], 0.0
    for status, label, css in BAR:
        n = counts[status]
        w = width * n / total if total else 0.0
        pct = 100.0 * n / total if total else 0.0
        segments.append({"label": label, "css": css, "count": n, "pct": f"{pct:.0f}",
                         "x": round(x, 2), "w": round(w, 2)})
        x += w
    return {"width": width, "total": total, "segments": segments}


@dataclass(frozen=True)
class _Scale:
    left: float
    right: float
    top: float
    base: float

    def y(self, pct: float) -> float:
        return round(self.top + (self.base - self.top) * (1 - max(0.0, min(pct, 100.0)) / 100), 1)


def trend_chart(points: tuple[TrendPoint, ...], gate: float | None = None,
                width: int = 960, height: int = 240) -> dict[str, Any] | None:
    """Coordinates for the readiness trend, its gate line and time labels (None under 2 runs)."""
    if len(points) < 2:
        return None
    sc = _Scale(52, width - 16, 14, height - 44)
    step = (sc.right - sc.left) / (len(points) - 1)
    coords = [(round(sc.left + i * step, 1), sc.y(p.ready_pct)) for i, p in enumerate(points)]
    every = max(1, round(len(points) / 6))
    shown = [i for i in range(len(points)) if i % every == 0 or i == len(points) - 1]
    if len(shown) > 2 and shown[-1] - shown[-2] < every / 2:
        del shown[-2]  # the last run's label would overlap the one before it
    ticks = [{"x": coords[i][0], "date": points[i].at[5:10], "time": points[i].at[11:16],
              "anchor": "start" if i == 0 else "end" if i == len(points) - 1 else "middle"}
             for i in shown]
    return {"width": width, "height": height, "left": sc.left, "right": sc.right,
            "top": sc.top, "base": sc.base,
            "grid": [{"y": sc.y(v), "label": f"{v}%"} for v in (0, 25, 50, 75, 100)],
            "line": " ".join(f"{x},{y}" for x, y in coords),
            "dots": [{"x": x, "y": y, "below": gate is not None and p.ready_pct < gate,
                      "label": f"{p.at}: {p.ready_pct:g}% ({p.ready}/{p.expected})"}
                     for (x, y), p in zip(coords, points, strict=True)],
            "gate": None if gate is None else {"y": sc.y(gate), "label": f"gate {gate:g}%"},
            "ticks": ticks, "first": points[0].at[:10], "last": points[-1].at[:10]}


def newest_rejections(rejected: Iterable[Rejected]) -> dict[str, Rejected]:
    """Per device, the rejected input that finished last (signature-checked device ids only)."""
    out: dict[str, Rejected] = {}
    for r in rejected:
        if r.device_id is None or r.finished_ts is None:
            continue
        held = out.get(r.device_id)
        if held is None or (held.finished_ts or 0) < r.finished_ts:
            out[r.device_id] = r
    return out


def _issues(d: DeviceState) -> list[dict[str, str]]:
    assert d.report is not None  # noqa: S101 - only called with a report
    return [{"rule": i.rule, "title": i.title, "status": i.status, "severity": i.severity,
             "measured": format_value(i.measured, i.unit) if i.measured is not None
             else "unknown", "expected": i.expected, "reason": i.reason, "fix": i.fix}
            for i in d.report.active.issues]


def device_row(d: DeviceState, owner: str, rejected: Rejected | None, with_details: bool,
               printed: bool) -> dict[str, Any]:
    """One row: status word, owner, and the numbers that exist for the device (no fake 0)."""
    cat = category(d)
    row: dict[str, Any] = {"id": d.device_id, "status": cat, "word": WORDS.get(cat, cat),
                           "owner": owner, "score": "", "failing": "", "finished": "",
                           "finished_short": "",
                           "os": "", "name": "", "seq": "", "issues": [], "evidence": [],
                           "warnings": [], "details": False, "printed": printed,
                           "rejected": None, "custody": ""}
    if d.report is not None:
        j = d.report.active
        row.update(score=j.score, failing=len(j.failing_rules), finished=d.report.finished_at,
                   os=f"{d.report.os_family} {d.report.os_version}".strip(),
                   name=d.report.device_name, seq=d.report.sequence, custody=d.report.custody)
        if rejected is not None and (rejected.finished_ts or 0) <= d.report.finished_ts:
            rejected = None  # an older rejected copy: the accepted report is the newest
        if with_details and j.issues:
            row.update(details=True, issues=_issues(d), evidence=list(d.report.evidence),
                       warnings=list(d.report.warnings))
    elif d.stale_ts is not None:
        row["finished"] = iso(d.stale_ts)
    row["finished_short"] = str(row["finished"])[:16].replace("T", " ")
    if rejected is not None:
        row["rejected"] = {"reason": rejected.reason, "detail": rejected.detail,
                           "input": rejected.input, "finished": iso(rejected.finished_ts)}
    return row


def device_rows(ctx: RunContext, rejected: Mapping[str, Rejected]) -> list[dict[str, Any]]:
    """Rows for the listed devices, worst first; printed: the first PRINT_ROWS not READY."""
    rows, printed = [], 0
    for i, d in enumerate(ctx.summary.devices[:MAX_ROWS]):
        row = device_row(d, ctx.owners.get(d.device_id, ""), rejected.get(d.device_id),
                         i < MAX_DETAILS, False)
        if (d.status != READY or row["rejected"]) and printed < PRINT_ROWS:
            row["printed"] = True
            printed += 1
        rows.append(row)
    return rows


def worst_rules(ctx: RunContext) -> list[dict[str, Any]]:
    """Rules that failed on at least one device, most failing first (at most 25)."""
    with_report = sum(1 for d in ctx.summary.devices if d.report is not None)
    return [{"rule": r.rule, "title": r.title, "severity": r.severity, "failing": r.failing,
             "devices": plural(r.failing, "device"),
             "pct": round(100 * r.failing / with_report, 1) if with_report else 0.0,
             "bar": round(200 * r.failing / with_report) if with_report else 0}
            for r in ctx.summary.rules if r.failing > 0][:25]
