"""Render a report as one self-contained HTML page.

Inline CSS (allowed by its hash in a strict Content-Security-Policy) and inline SVG, no script,
nothing fetched, every device string escaped.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup

from wfhaudit import __version__
from wfhaudit.errors import ReportError
from wfhaudit.report.html.view import build_view
from wfhaudit.report.reading import schema_problem, unwrap_predicate
from wfhaudit.report.validate import REPORT_FORMAT
from wfhaudit.util import jsonstrict
from wfhaudit.util.files import read_bytes, write_atomic
from wfhaudit.util.text import json_for_script, visible

# A printed card shows the evidence of this many sources (the page and file keep them all).
PRINT_SOURCES = 3


@dataclass(frozen=True)
class SignatureStatus:
    """What the renderer was told about the envelope's signature.

    The report's own claims never count. Filled by the CLI: not verified unless a verifier
    checked the envelope against a trust file.
    """

    verified: bool = False
    key: str | None = None  # fingerprint / keyid of the verifying key
    device: str | None = None  # the trust file's device for that key
    owner: str | None = None  # the person the trust file names for the device
    trust_file: str | None = None
    trust_version: int | None = None
    detail: str = "No trust file was given, so the signature was not checked"
    rejected: bool = False  # a verifier checked it and said no
    reason: str | None = None  # the verifier's reason code when rejected
    verifier_verdict: str | None = None  # the verifier's own re-judgement of the evidence
    warnings: tuple[str, ...] = ()  # e.g. VERDICT_MISMATCH
    warning_detail: str = ""

    @property
    def headline(self) -> str:
        """'Verified: signed by device D (owner O)', or 'NOT VERIFIED' / 'REJECTED'."""
        if self.verified:
            owner = f" (owner {self.owner})" if self.owner else ""
            return f"Verified: signed by device {self.device or 'unknown'}{owner}"
        return "REJECTED" if self.rejected else "NOT VERIFIED"

    @property
    def key_line(self) -> str:
        """The key and trust file behind a verification, for the small print."""
        return f"key {self.key} in trust file {self.trust_file} v{self.trust_version}"


@dataclass(frozen=True)
class LoadedReport:
    """A report file read for rendering: its bytes' digest, its form and the predicate."""

    name: str
    sha256: str
    form: str  # "DSSE envelope" | "in-toto Statement" | "plain report"
    predicate: dict[str, Any]


def load_report(path: Path) -> LoadedReport:
    """Read a report file (envelope, Statement or plain predicate) without verifying it."""
    raw = read_bytes(path, "report")
    try:
        data = jsonstrict.loads(raw)
    except jsonstrict.JSONProblem as exc:
        raise ReportError(f"{path}: not a JSON report ({exc})") from None
    form = "plain report"
    if isinstance(data, dict) and "payloadType" in data:
        form = "DSSE envelope"
    elif isinstance(data, dict) and "_type" in data:
        form = "in-toto Statement"
    predicate = unwrap_predicate(data, str(path))
    if not isinstance(predicate, dict) or predicate.get("format") != REPORT_FORMAT:
        raise ReportError(f"{path}: $.format: expected {REPORT_FORMAT!r}")
    # An unverified file is shown as it is; what the validator refuses is said beside its form.
    problem = schema_problem(predicate)
    if problem is not None:
        form += f"; not a valid report: {problem}"
    return LoadedReport(path.name, hashlib.sha256(raw).hexdigest(), form, predicate)


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("wfhaudit.report.html", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        # Every {{ }} goes through visible(): escaped, hidden characters shown as badges.
        finalize=lambda v: v if isinstance(v, Markup) else visible("" if v is None else v))
    env.filters["pre"] = lambda v: visible(v, multiline=True)
    return env


@lru_cache(maxsize=1)
def stylesheet() -> tuple[str, str]:
    """The inline CSS and its CSP source ('sha256-<base64>')."""
    css = resources.files("wfhaudit.report.html").joinpath("templates/report.css").read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return css, f"'sha256-{digest}'"


def content_security_policy() -> str:
    """Nothing may load or run; only the page's own stylesheet, pinned by its hash."""
    return (f"default-src 'none'; style-src {stylesheet()[1]}; img-src 'none'; "
            "script-src 'none'; base-uri 'none'; form-action 'none'")


def render_html(report: LoadedReport, signature: SignatureStatus | None = None) -> str:
    """The HTML page for a loaded report under the given signature status."""
    signature = signature or SignatureStatus()
    css, _ = stylesheet()
    view: dict[str, Any] = {} if signature.rejected else build_view(report.predicate)
    if view and signature.verified and signature.verifier_verdict:
        _verifier_wins(view, signature)

    context = {"csp": content_security_policy(), "css": Markup(css),  # noqa: S704 - our packaged stylesheet
               "sig": signature, "print_sources": PRINT_SOURCES,
               "renderer_version": __version__,
               "file": report, "v": view,
               "data_json": json_for_script(view.get("data", {"format": "wfhaudit-html-data/1",
                                                             "rejected": True}))}
    template = _environment().get_template("report.html.j2")
    return str(template.render(**context))


def _verifier_wins(view: dict[str, Any], signature: SignatureStatus) -> None:
    """Show the verifier's verdict; the device's own claim is kept only as a note."""
    ours = signature.verifier_verdict
    device = view["data"]["verdict"]
    if ours != device:
        view["verdict_note"] = (f"The device reported {device or 'no verdict'}; the verifier "
                                f"re-judged the evidence under the policy: "
                                f"{signature.warning_detail or ours}.")
    view["ready"] = ours == "READY"
    view["verdict"] = "READY" if ours == "READY" else "NOT READY"


def default_output(report_path: Path) -> Path:
    """Where the HTML goes beside a report: x.wfh.json -> x.wfh.html."""
    name = report_path.name
    stem = name[:-5] if name.endswith(".json") else name
    return report_path.with_name(stem + ".html")


def write_html(report_path: Path, output: Path | None = None,
               signature: SignatureStatus | None = None) -> Path:
    """Render the report file at report_path and write the page atomically."""
    page = render_html(load_report(report_path), signature)
    return write_atomic(output or default_output(report_path), page, mode=0o644)
