"""The report and the fleet page as people print and see them, in headless Chromium.

A full report (every probe, a 14 s voice stream, a speed test) prints in at most 10 pages and
the fleet page of 1,000 devices in at most 6 (counted by poppler's pdfinfo); opening a
device's details never moves the other columns; screenshots of both pages are kept under
artifacts/screenshots/ (CI keeps that folder). With WFH_UPDATE_DOCS_IMG=1 the README's small
pictures in docs/img/ are written too.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fleet.showcase import build
from tests.live.chromium import CHROMIUM, Browser

from wfhaudit.report.html.render import load_report, render_html

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
DOCS_IMG = ROOT / "docs" / "img"
REPORTS = ROOT / "tests" / "fixtures" / "reports"
_spec = importlib.util.spec_from_file_location("make_samples", REPORTS / "make_samples.py")
assert _spec and _spec.loader
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)
A4 = {"paperWidth": 8.27, "paperHeight": 11.69}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian package chromium, see .ci/apt-packages.txt)")
    b = Browser()
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="module")
def fleet_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("wfh-fleet-1000"), 1000).html


def pages_of(pdf: bytes, folder: Path) -> int:
    """Page count as poppler's pdfinfo reads it."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("needs pdfinfo (Debian package poppler-utils, see .ci/apt-packages.txt)")
    path = folder / "page.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def pdf_text(pdf: bytes, folder: Path) -> str:
    path = folder / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout


def _open(browser: Browser, page: Path) -> None:
    browser.open(page.as_uri())
    assert browser.requests() == [page.as_uri()], browser.requests()
    assert browser.problems() == []


def _report_page(tmp: Path, name: str) -> Path:
    made = samples.make_full(tmp) if name == "full" else samples.make_sample(name, tmp)
    page = tmp / f"{name}.html"
    page.write_text(render_html(load_report(made)), encoding="utf-8")
    return page


@pytest.mark.parametrize("name", ["full", "windows", "hostile"])
def test_a_full_report_prints_in_at_most_10_pages(browser: Browser, tmp_path: Path,
                                                  name: str) -> None:
    page = _report_page(tmp_path, name)
    _open(browser, page)
    letter, a4 = browser.pdf(), browser.pdf(**A4)
    assert pages_of(letter, tmp_path) <= 10 and pages_of(a4, tmp_path) <= 10
    text = pdf_text(letter, tmp_path)
    assert "Rules (" in text and "Needs attention (" in text
    if name == "full":
        # The raw samples are summarised; every one of them stays in the report file.
        assert "Raw record, summarised for print" in text or "RTT percentiles" in text
        assert "p50" in text and "policy limit" in text
        assert len(json.loads(Path(str(page).replace(".html", ".wfh.json")).read_text())
                   ["evidence"]["measurements"]["stun"]["sent"]) == 700


def test_the_fleet_page_of_1000_devices_prints_in_at_most_6_pages(
        browser: Browser, fleet_page: Path, tmp_path: Path) -> None:
    _open(browser, fleet_page)
    letter, a4 = browser.pdf(), browser.pdf(**A4)
    assert pages_of(letter, tmp_path) <= 6 and pages_of(a4, tmp_path) <= 6
    text = pdf_text(letter, tmp_path)
    assert "1000 expected devices" in text and "Worst rules" in text
    assert "devices needing attention first" in text


def test_opening_a_device_keeps_the_other_columns_in_place(browser: Browser,
                                                           fleet_page: Path) -> None:
    _open(browser, fleet_page)
    measure = ("JSON.stringify([...document.querySelectorAll('#devices thead th')]"
               ".map(th => Math.round(th.getBoundingClientRect().width)))")
    before = json.loads(browser.js(measure))
    opened = browser.js("(() => { const d = document.querySelector('#devices details');"
                        " d.open = true; return d.querySelector('.drill').offsetHeight; })()")
    assert opened > 50  # the drill-down is showing...
    assert json.loads(browser.js(measure)) == before  # ...and no column moved
    drill = browser.js("document.querySelector('#devices details .drill').innerText")
    assert "Fix: " in drill and "measured " in drill and ", expected " in drill


def test_screenshots_of_the_report_and_the_fleet_page(browser: Browser, fleet_page: Path,
                                                      tmp_path: Path) -> None:
    report = _report_page(tmp_path, "full")
    update_docs = os.environ.get("WFH_UPDATE_DOCS_IMG") == "1"
    for name, page in (("report", report), ("fleet", fleet_page)):
        _open(browser, page)
        # The whole report; the fleet page down to its first devices (1,000 rows is 10 MB).
        whole = None if name == "report" else {"x": 0, "y": 0, "width": 1200, "height": 4000,
                                                 "scale": 1}
        shot = browser.screenshot(SHOTS / f"{name}.png", whole)
        assert shot.startswith(b"\x89PNG\r\n\x1a\n") and len(shot) > 50_000
        top = browser.screenshot(SHOTS / f"{name}-top.png",
                                 clip={"x": 0, "y": 0, "width": 1200, "height": 1500,
                                       "scale": 0.6})
        assert top.startswith(b"\x89PNG") and len(top) < 400_000
        if update_docs:
            (DOCS_IMG / f"{name}.png").parent.mkdir(parents=True, exist_ok=True)
            (DOCS_IMG / f"{name}.png").write_bytes(top)


def test_fact_ids_break_only_at_their_dots(browser: Browser, tmp_path: Path) -> None:
    """In a narrow window every wrapped id breaks after a dot, never inside a word."""
    page = _report_page(tmp_path, "full")
    _open(browser, page)
    browser.call("Emulation.setDeviceMetricsOverride", {"width": 520, "height": 900,
                                                        "deviceScaleFactor": 1, "mobile": False},
                 session=True)
    try:
        breaks = json.loads(browser.js("""JSON.stringify((() => {
            const out = [];
            for (const code of document.querySelectorAll('code.key')) {
                const text = code.textContent, range = document.createRange();
                let top = null;
                const nodes = [...code.childNodes].filter(n => n.nodeType === 3);
                let seen = '';
                for (const node of nodes) {
                    for (let i = 0; i < node.length; i++) {
                        range.setStart(node, i); range.setEnd(node, i + 1);
                        const y = Math.round(range.getBoundingClientRect().top);
                        if (top !== null && y > top + 2) out.push([text, seen]);
                        top = y; seen += node.data[i];
                    }
                }
            }
            return out;
        })())"""))
    finally:
        browser.call("Emulation.clearDeviceMetricsOverride", session=True)
    assert breaks, "the narrow window wrapped no id: the test proves nothing"
    assert all(before.endswith(".") for _, before in breaks), breaks
