"""`--html`: one self-contained fleet page (inline CSS/SVG, a hash-pinned sort script, no links).

Sized for large fleets: every count is exact, but the devices table lists at most MAX_ROWS
devices (not-ready first) and drill-down details only for the first MAX_DETAILS of them; in
print only the devices that need attention (see html_view). The view is built in html_view.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from importlib import resources
from typing import Any, TextIO

from markupsafe import Markup

from wfhaudit import __version__
from wfhaudit.fleet.context import RunContext
from wfhaudit.fleet.summary import MISSING, READY
from wfhaudit.fleet.writers.html_view import (
    MAX_DETAILS,
    MAX_MISSING,
    MAX_REJECTED,
    MAX_ROWS,
    device_bar,
    device_rows,
    newest_rejections,
    trend_chart,
    worst_rules,
)
from wfhaudit.util.display import plural
from wfhaudit.util.text import visible

__all__ = ["MAX_DETAILS", "MAX_MISSING", "MAX_REJECTED", "MAX_ROWS", "build_view",
           "render_html", "write_html"]
PRINT_MISSING = 60  # missing device ids printed (all are on screen and in the JSON)

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


def build_view(ctx: RunContext) -> dict[str, Any]:
    """Everything the template shows, already summarised and capped."""
    s, dec = ctx.summary, ctx.decision
    newest_rejected = newest_rejections(s.rejected)
    rows = device_rows(ctx, newest_rejected)
    whatif = None
    if s.whatif is not None and ctx.whatif is not None:
        whatif = {"policy": ctx.whatif, "changed": s.whatif.changed[:MAX_ROWS],
                  "changed_total": len(s.whatif.changed),
                  "devices": plural(len(s.whatif.changed), "device"),
                  "newly_failing": s.whatif.newly_failing.most_common(),
                  "newly_passing": s.whatif.newly_passing.most_common()}
    missing = [d.device_id for d in s.devices if d.status == MISSING]
    not_expected = sum(1 for d in s.devices if not d.expected)
    return {
        "passed": int(dec.exit_code) == 0, "verdict_line": ctx.verdict_line,
        # With no gate asked for, exit 0 says nothing about readiness: no green "held" box.
        "no_gate": dec.decided_by == "none" and int(dec.exit_code) == 0,
        "headline": "No gate set" if dec.decided_by == "none" and int(dec.exit_code) == 0
        else {0: "Gate held", 1: "Gate failed", 4: "Inputs rejected"}.get(
            int(dec.exit_code), "Error"),
        "decision": dec, "ready_pct": s.ready_pct, "bar": device_bar(s.devices),
        "not_expected": plural(not_expected, "reporting device") if not_expected else "",
        "inputs": {"total": plural(s.inputs, "input"), "accepted": s.accepted,
                   "superseded": s.superseded, "rejected": s.rejected_total,
                   "stale": s.stale_inputs, "mismatches": s.verdict_mismatches},
        "chart": trend_chart(ctx.trend, ctx.min_ready), "history_points": len(ctx.trend),
        "rules": worst_rules(ctx), "whatif": whatif, "rows": rows,
        "rows_total": len(s.devices), "rows_hidden": max(0, len(s.devices) - len(rows)),
        "rows_hidden_words": plural(max(0, len(s.devices) - len(rows)), "more device"),
        "print_rows": sum(1 for r in rows if r["printed"]),
        "attention_total": sum(1 for d in s.devices if d.status != READY),
        "rejected": s.rejected[:MAX_REJECTED], "rejected_total": s.rejected_total,
        "by_reason": sorted(s.rejected_by_reason.items()),
        "missing": missing[:MAX_MISSING], "missing_total": len(missing),
        "print_missing": PRINT_MISSING,
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
