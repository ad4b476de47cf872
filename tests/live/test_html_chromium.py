"""Rendered reports opened offline in headless Chromium, driven over the DevTools protocol.

For each page: a screenshot is produced, no request other than the file itself is made (the
browser's own Network events), no console error, warning, exception or DevTools issue, and
for the A38-A41 samples no injected script ran (a sentinel global stays unset) while the
payloads show as visible text. A canary page without our CSP proves each check can fail.
The browser runs with a dead proxy and no DNS, so even a request we missed could not leave.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.live.chromium import CHROMIUM, Browser

from wfhaudit.report.html.render import load_report, render_html

REPORTS = Path(__file__).parent.parent / "fixtures" / "reports"
SHOTS = Path(os.environ.get("WFH_RENDER_SHOTS", tempfile.gettempdir())) / "wfh-render-shots"
_spec = importlib.util.spec_from_file_location("make_samples", REPORTS / "make_samples.py")
assert _spec and _spec.loader
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)

pytestmark = pytest.mark.live


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
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Rendered pages of fresh sample reports, plus one with STUN samples to draw."""
    out = tmp_path_factory.mktemp("wfh-render-pages")
    reports = {name: samples.make_sample(name, out) for name in samples.SAMPLES}
    reports["forged"] = samples.make_forged(out)
    predicate = load_report(reports["linux"]).predicate
    sent = [round(i * 0.02, 6) for i in range(150)]
    replies = [[i, round(t + 0.025 + (i % 7) * 0.002, 6)] for i, t in enumerate(sent)
               if i not in (20, 21, 90)]
    predicate["evidence"]["measurements"]["stun"] = {
        "interval_ms": 20, "timeout_ms": 1000, "sent": sent, "replies": replies,
        "listen_end": 4.0}
    reports["voip"] = out / "voip.wfh.json"
    reports["voip"].write_text(json.dumps(predicate), encoding="utf-8")
    html = {}
    for name, path in reports.items():
        html[name] = out / f"{name}.html"
        html[name].write_text(render_html(load_report(path)), encoding="utf-8")
    return html


def _open_clean(browser: Browser, page: Path, name: str) -> bytes:
    url = page.as_uri()
    browser.open(url)
    assert browser.requests() == [url], browser.requests()
    assert browser.problems() == []
    shot = browser.screenshot(SHOTS / f"{name}.png")
    assert shot.startswith(b"\x89PNG\r\n\x1a\n") and len(shot) > 20_000
    return shot


@pytest.mark.parametrize("name", ["linux", "windows", "voip", "hostile", "forged"])
def test_page_opens_offline_with_no_request_and_no_error(browser: Browser, pages: dict[str, Path],
                                                         name: str) -> None:
    _open_clean(browser, pages[name], name)
    assert browser.js("document.querySelectorAll('article.finding').length") > 0
    assert browser.js("document.querySelector('h2#verdict-h').innerText").startswith("Verdict:")


def test_voip_chart_is_drawn(browser: Browser, pages: dict[str, Path]) -> None:
    _open_clean(browser, pages["voip"], "voip")
    box = browser.js("(() => { const r = document.querySelector('svg.chart')"
                     ".getBoundingClientRect(); return [r.width, r.height]; })()")
    assert box[0] > 300 and box[1] > 100
    assert browser.js("document.querySelector('svg.chart path.lost')"
                      ".getAttribute('d').split('M').length - 1") == 3


@pytest.mark.parametrize("name", ["hostile", "forged"])
def test_injected_payloads_never_run_and_show_as_text(browser: Browser, pages: dict[str, Path],
                                                      name: str) -> None:
    _open_clean(browser, pages[name], name)
    state = browser.js("JSON.stringify({pwned: window.__wfhPwned === undefined ? null : "
                       "window.__wfhPwned, images: document.images.length, "
                       "scripts: document.scripts.length, "
                       "svgs: document.querySelectorAll('svg:not(.chart), svg *[onload]').length, "
                       "handlers: [...document.querySelectorAll('*')].filter(e => "
                       "[...e.attributes].some(a => a.name.startsWith('on'))).length})")
    assert json.loads(state) == {"pwned": None, "images": 0, "scripts": 1, "svgs": 0,
                                 "handlers": 0}
    text = browser.js("document.body.innerText")
    for payload in ("<script>window.__wfhPwned=1</script>", "onerror=\"window.__wfhPwned=2\"",
                    "javascript:window.__wfhPwned=4", "</script><!--", "[bold red]markup[/]"):
        assert payload in text, payload
    assert "U+202E" in text and "\u202e" not in text
    data = json.loads(browser.js("document.getElementById('wfhaudit-data').textContent"))
    assert "</script><!--" in data["device"]["name"]


def test_print_expands_evidence_and_keeps_findings_whole(browser: Browser,
                                                         pages: dict[str, Path]) -> None:
    _open_clean(browser, pages["linux"], "linux")
    screen = browser.js("[...document.querySelectorAll('.evidence-print')].map(e => "
                        "getComputedStyle(e).display)")
    assert set(screen) == {"none"}
    browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session=True)
    state = json.loads(browser.js(
        "JSON.stringify([...document.querySelectorAll('article.finding')].map(a => ({"
        "details: getComputedStyle(a.querySelector('details.evidence')).display, "
        "print: getComputedStyle(a.querySelector('.evidence-print')).display, "
        "height: a.querySelector('.evidence-print').offsetHeight, "
        "brk: getComputedStyle(a).breakInside})))"))
    assert state and all(s == {"details": "none", "print": "block", "height": s["height"],
                               "brk": "avoid"} and s["height"] > 0 for s in state)
    pdf = base64.b64decode(browser.call("Page.printToPDF", {}, session=True)["data"])
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert browser.requests() == [pages["linux"].as_uri()] and browser.problems() == []


def test_csp_blocks_markup_that_got_in_anyway(browser: Browser, pages: dict[str, Path],
                                              tmp_path: Path) -> None:
    """Defence in depth: even raw markup spliced into our page can neither run nor load."""
    page = pages["linux"].read_text(encoding="utf-8").replace(
        "<main>", '<main><img src="http://127.0.0.1:9/leak.png">'
        "<script>window.__wfhPwned=7</script><div onclick=\"x()\" style=\"color:red\">x</div>", 1)
    spliced = tmp_path / "wfh-render-spliced.html"
    spliced.write_text(page, encoding="utf-8")
    browser.open(spliced.as_uri())
    assert browser.js("window.__wfhPwned === undefined")
    # Chromium announces the image request, then fails it on the CSP: it never leaves.
    ids = {e["params"]["requestId"] for e in browser.events
           if e["method"] == "Network.requestWillBeSent"
           and e["params"]["request"]["url"].endswith("/leak.png")}
    blocked = {e["params"]["requestId"] for e in browser.events
               if e["method"] == "Network.loadingFailed"
               and e["params"].get("blockedReason") == "csp"}
    assert ids and ids <= blocked
    assert not [e for e in browser.events if e["method"] == "Network.responseReceived"
                and e["params"]["response"]["url"].startswith("http")]
    assert browser.problems(), "the CSP violations were not reported"


def test_canary_page_trips_every_check(browser: Browser, tmp_path: Path) -> None:
    """Without our CSP a request, a console error and a script are all seen by the harness."""
    canary = tmp_path / "wfh-render-canary.html"
    canary.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/canary.png">'
                      "<script>console.error('canary'); window.__wfhPwned = 9;</script>"
                      "</body></html>", encoding="utf-8")
    browser.open(canary.as_uri())
    assert "http://127.0.0.1:9/canary.png" in browser.requests()
    assert any("canary" in p for p in browser.problems())
    assert browser.js("window.__wfhPwned") == 9


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_text_contrast_meets_wcag_aa(browser: Browser, pages: dict[str, Path]) -> None:
    """Status badges, headings and body text: contrast at least 4.5:1 against what is behind."""
    _open_clean(browser, pages["hostile"], "hostile")
    pairs = json.loads(browser.js("""JSON.stringify((() => {
        const rgb = s => s.match(/[0-9.]+/g).map(Number);
        const bg = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e)
            .backgroundColor; if (rgb(c).length < 4 || rgb(c)[3] > 0) return rgb(c); }
            return [255, 255, 255]; };
        const sel = '.badge, h1, h2, h3, .blocks, dt, dd, p, .ctl, .kind, .meta, pre, td, th';
        return [...document.querySelectorAll(sel)].filter(e => e.innerText.trim()).map(e =>
            [e.tagName + '.' + e.className, rgb(getComputedStyle(e).color), bg(e)]);
    })())"""))
    assert len(pairs) > 50
    for name, fg, bg in pairs:
        hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
        ratio = (hi + 0.05) / (lo + 0.05)
        assert ratio >= 4.5, (name, fg, bg, round(ratio, 2))
