"""`--csv`: one row per device and per rejected input, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any, TextIO

from wfhaudit.fleet.context import RunContext, iso
from wfhaudit.util.text import for_csv

COLUMNS = ("kind", "device", "status", "verdict", "score", "failing_rules", "sequence",
           "finished_at", "received_at", "device_name", "os", "tool_version", "policy_id",
           "policy_digest", "own_verdict", "whatif_verdict", "warnings", "input", "reason",
           "detail", "custody")


def write_csv(ctx: RunContext, out: TextIO) -> None:
    """Devices first (not ready first), then rejected inputs (RFC 4180, CRLF)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for d in ctx.summary.devices:
        row: dict[str, Any] = {"kind": "device", "device": d.device_id, "status": d.status}
        if d.report is not None:
            r, j = d.report, d.report.active
            row.update(verdict=j.verdict, score=j.score,
                       failing_rules=" ".join(sorted(j.failing_rules)), sequence=r.sequence,
                       finished_at=r.finished_at, received_at=d.received_at,
                       device_name=r.device_name, os=f"{r.os_family} {r.os_version}".strip(),
                       tool_version=r.tool_version, policy_id=j.policy_id,
                       policy_digest=j.policy_digest, own_verdict=r.own.verdict,
                       whatif_verdict=r.whatif.verdict if r.whatif else "",
                       warnings=" ".join(r.warnings), input=r.input, custody=r.custody)
        elif d.stale_ts is not None:
            row["finished_at"] = iso(d.stale_ts)
        writer.writerow([for_csv(row.get(c)) for c in COLUMNS])
    for rej in ctx.summary.rejected:
        row = {"kind": "rejected", "device": rej.device_id, "status": "REJECTED",
               "input": rej.input, "reason": rej.reason, "detail": rej.detail}
        writer.writerow([for_csv(row.get(c)) for c in COLUMNS])


def render_csv(ctx: RunContext) -> str:
    """The CSV as a string (see write_csv)."""
    buf = io.StringIO()
    write_csv(ctx, buf)
    return buf.getvalue()
