"""Outputs: JUnit against the schema, CSV formula injection, Markdown and HTML escaping, caps."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from tests.conftest import FIXTURES
from tests.fleet.conftest import Fleet
from tests.fleet.fleetgen import (
    FLEET_POLICY,
    GOOD,
    UTC,
    make_org,
    policy_from,
    predicate,
    signed,
    write,
)

from wfhaudit.cli import cli

XSD = FIXTURES / "junit" / "junit-10.xsd"

HOSTILE = {
    "dev-h1": '=HYPERLINK("http://evil.example/x","click")',
    "dev-h2": "+1+cmd|' /C calc'!A0",
    "dev-h3": "-2+3",
    "dev-h4": "@SUM(A1:A9)",
    "dev-h5": "\tTAB<script>alert(1)</script>",
    "dev-h6": '\r"><img src=x onerror=alert(1)>',
    "dev-h7": "javascript:alert(1) | [x](javascript:alert(2)) **b** </script><!--",
    "dev-h8": "\u202eevil\u2028line",
}
BAD_NAME = "x|<b>y<script>[z](javascript:alert(1)).wfh.json"


def run_all(reports: Path, trust: Path, out: Path, *extra: str) -> Any:
    out.mkdir(parents=True, exist_ok=True)
    return CliRunner().invoke(cli, [
        "aggregate", str(reports), "--trust", str(trust), "--jobs", "1",
        "--json", str(out / "f.json"), "--junit", str(out / "f.xml"), "--csv", str(out / "f.csv"),
        "--markdown", str(out / "f.md"), "--html", str(out / "f.html"), *extra])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fleet whose device names (signed by the devices themselves) are attacks."""
    now = dt.datetime.now(UTC).replace(microsecond=0)
    root = tmp_path_factory.mktemp("hostile")
    pol = policy_from(FLEET_POLICY)
    org = make_org(root / "org", list(HOSTILE), [pol], now)
    for dev, name in HOSTILE.items():
        values = {**GOOD, "disk.system_encrypted": False, "network.upload_mbps": None}
        write(root / "reports", f"{dev}.wfh.json", signed(org, predicate(
            pol, dev, 1, now - dt.timedelta(hours=1), values, name=name)))
    write(root / "reports", BAD_NAME, "junk")
    out = root / "out"
    result = run_all(root / "reports", org.trust_path, out)
    assert result.exit_code == 4, result.output
    return out


def test_junit_validates_against_the_common_schema(fleet: Fleet, tmp_path: Path) -> None:
    result = run_all(fleet.reports, fleet.org.trust_path, tmp_path)
    assert result.exit_code == 4
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    doc = etree.parse(str(tmp_path / "f.xml"))
    assert schema.validate(doc), schema.error_log
    suites = {s.get("name"): s for s in doc.getroot().iter("testsuite")}
    ver = suites["verification"]
    assert (ver.get("failures"), ver.get("errors")) == ("10", "19")  # 8 missing + 2 stale
    up = suites["rule net-upload"]
    assert (up.get("tests"), up.get("failures")) == ("30", "5")
    assert suites["rule firewall-enabled"].get("failures") == "0"
    fail = up.find("testcase[@name='dev-20']/failure")
    assert fail is not None
    assert fail.get("message") == "measured 0.5 Mbit/s, expected ≥ 1 Mbit/s"
    assert "observed 0.5" in (fail.text or "")
    total = sum(int(s.get("tests")) for s in suites.values())
    assert doc.getroot().get("tests") == str(total)


def test_the_schema_rejects_broken_junit() -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    broken = etree.fromstring(b'<testsuites><testsuite name="x" failures="0" errors="0">'
                              b'<testcase name="a"/></testsuite></testsuites>')
    assert not schema.validate(broken)  # no tests attribute
    broken = etree.fromstring(b'<testsuites><testsuite name="x" tests="1" failures="0" '
                              b'errors="0"><testcase/></testsuite></testsuites>')
    assert not schema.validate(broken)  # testcase without a name


def test_junit_of_hostile_names_is_valid_xml(hostile: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    doc = etree.parse(str(hostile / "f.xml"))
    assert schema.validate(doc), schema.error_log
    names = [c.get("name") for c in doc.getroot().iter("testcase")]
    assert any(n and n.endswith(BAD_NAME) for n in names)


def test_csv_cells_cannot_start_a_formula(hostile: Path) -> None:
    with open(hostile / "f.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert header[0] == "kind"
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    names = {r[header.index("device")]: r[header.index("device_name")] for r in body
             if r[0] == "device"}
    for dev, name in HOSTILE.items():
        # Control, bidi and line-separator characters become U+FFFD: a CSV printed in a
        # terminal cannot redraw it, and no cell can start a formula.
        shown = re.sub("[\r\u202e\u2028]", "\ufffd", name)
        expected = "'" + shown if shown.startswith(("=", "+", "-", "@", "\t")) else shown
        assert names[dev] == expected
    for row in body:
        for cell in row:
            assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", cell), row


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_html_is_inert_self_contained_and_csp_pinned(hostile: Path) -> None:
    page = (hostile / "f.html").read_text()
    parser = _Tags()
    parser.feed(page)
    names = [t for t, _ in parser.tags]
    assert names.count("script") == 1 and "img" not in names and "a" not in names
    assert "iframe" not in names and "link" not in names and "form" not in names
    for tag, attrs in parser.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert "href" not in attrs and "src" not in attrs and "style" not in attrs
    csp = next(a["content"] for t, a in parser.tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    assert f"script-src {_sha(parser.scripts[0])};" in csp
    assert f"style-src {_sha(parser.styles[0])};" in csp
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "U+202E" in page and "U+2028" in page and "\u202e" not in page
    assert "<details>" in page  # drill-down of the not-ready devices, no links


def test_markdown_escapes_markup_and_pipes(hostile: Path) -> None:
    text = (hostile / "f.md").read_text()
    assert "<b>" not in text and "](" not in text and "\u202e" not in text
    for line in text.splitlines():
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line)
            assert len(cells) - 2 in (3, 4, 9), line  # the tables have 3, 4 or 9 columns
    assert "x\\|\\<b\\>y\\<script\\>\\[z\\]" in text


def test_json_keeps_device_text_exactly(hostile: Path) -> None:
    doc = json.loads((hostile / "f.json").read_text())
    names = {d["device"]: d["report"]["device_name"] for d in doc["devices"]}
    assert names == HOSTILE


def test_html_caps_rows_and_details(fleet: Fleet, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from wfhaudit.fleet.writers import as_html as html
    from wfhaudit.fleet.writers import html_view

    monkeypatch.setattr(html_view, "MAX_ROWS", 5)
    monkeypatch.setattr(html_view, "MAX_DETAILS", 2)
    monkeypatch.setattr(html, "MAX_REJECTED", 3)
    run_all(fleet.reports, fleet.org.trust_path, tmp_path)
    page = (tmp_path / "f.html").read_text()
    body = page.split('<table class="sortable" id="devices">')[1].split("</table>")[0]
    assert body.count("<tr>") + body.count("<tr class=") == 6  # header + 5 devices
    assert body.count("<details>") == 2
    assert "35 more devices are not listed" in page
    assert "16 more are listed in the JSON output" in page


@pytest.mark.live
def test_sorting_works_under_the_csp_in_chromium(fleet: Fleet, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("needs chromium (Debian package chromium) to run the page's script")
    run_all(fleet.reports, fleet.org.trust_path, tmp_path)
    page = tmp_path / "f.html"

    def dom(url: str) -> str:
        proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                               "--virtual-time-budget=3000", "--dump-dom", url],
                              capture_output=True, text=True, timeout=90, check=False)
        return proc.stdout

    out = dom(page.as_uri() + "#sort=3-desc")  # column 3: score, descending
    assert 'data-sort-ready="yes"' in out
    body = out.split('id="devices"')[1].split("</tbody>")[0]
    scores = [float(s) for s in re.findall(r'<td data-v="(\d+)">\d+</td><td data-v="\d+">',
                                           body)]
    assert len(scores) == 30 and scores == sorted(scores, reverse=True) and scores[0] == 100
    # A changed script no longer matches the CSP hash and is not run.
    tampered = tmp_path / "tampered.html"
    tampered.write_text(page.read_text().replace("data-sort-ready", "data-sort-redy"))
    assert 'data-sort-redy="yes"' not in dom(tampered.as_uri())


def test_fleet_page_without_a_gate_is_not_shown_as_passing(fleet: Fleet, tmp_path: Path) -> None:
    result = run_all(fleet.reports, fleet.org.trust_path, tmp_path, "--allow-rejected")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "f.html").read_text()
    assert '<section class="verdict neutral"' in page and "No gate set" in page
    assert "Gate held" not in page
    assert (tmp_path / "f.md").read_text().startswith("## ℹ️ wfhaudit fleet: NO GATE: ")
    gated = run_all(fleet.reports, fleet.org.trust_path, tmp_path / "g", "--allow-rejected",
                    "--min-ready", "1")
    assert gated.exit_code == 0, gated.output
    assert "Gate held" in (tmp_path / "g" / "f.html").read_text()
