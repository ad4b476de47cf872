"""HTML report: structure (every finding, evidence under it), CSP, signature status, VoIP SVG,
and adversarial cases A37-A41 (forged claims, markup, script URLs, JSON breakout, bidi)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wfhaudit.cli import cli
from wfhaudit.report.html.evidence import evidence_for
from wfhaudit.report.html.render import SignatureStatus, load_report, render_html
from wfhaudit.report.html.svg import extract_samples, rtt_chart, transfer_windows

REPORTS = Path(__file__).parent.parent / "fixtures" / "reports"
_spec = importlib.util.spec_from_file_location("make_samples", REPORTS / "make_samples.py")
assert _spec and _spec.loader
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)

VOID = {"meta", "link", "br", "img", "input", "hr", "wbr", "source", "col", "area", "base"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    content: list[Node | str] = field(default_factory=list)  # text and elements, in order

    @property
    def children(self) -> list[Node]:
        return [c for c in self.content if isinstance(c, Node)]

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.content)

    def iter(self) -> list[Node]:
        out = [self]
        for c in self.children:
            out.extend(c.iter())
        return out

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if n.tag == tag
                and (cls is None or cls in n.attrs.get("class", "").split())]


class Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].content.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].content.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
        raise AssertionError(f"stray </{tag}>")

    def handle_data(self, data: str) -> None:
        self.stack[-1].content.append(data)


def parse(page: str) -> Node:
    tree = Tree()
    tree.feed(page)
    tree.close()
    assert tree.stack == [tree.root], f"unclosed elements: {[n.tag for n in tree.stack]}"
    return tree.root


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Sample reports made now by a replayed check (they follow the current code)."""
    out = tmp_path_factory.mktemp("wfh-render-samples")
    made = {name: samples.make_sample(name, out) for name in samples.SAMPLES}
    made["forged"] = samples.make_forged(out)
    return made


def _render(path: Path, sig: SignatureStatus | None = None) -> tuple[str, Node, dict[str, Any]]:
    report = load_report(path)
    page = render_html(report, sig)
    return page, parse(page), report.predicate


def _visible(text: str) -> str:
    """What the page shows for device text: hidden characters become their U+XXXX badge."""
    text = text.replace("\r\n", "\n")
    return re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e"
                  "\u2060-\u2069\ufeff]", lambda m: f"U+{ord(m.group(0)):04X}", text)


def _article_rule(article: Node) -> str:
    """The rule id a card or a passed rule names in its first `rule <code>id</code>`."""
    for p in article.find_all("p"):
        if " rule " in f" {p.text()}" and p.find_all("code"):
            return p.find_all("code")[0].text()
    raise AssertionError("article without its rule id")


@pytest.mark.parametrize("name", ["linux", "macos", "windows", "hostile"])
def test_every_finding_present_with_its_evidence_under_it(fresh: dict[str, Path], name: str) -> None:
    """The table lists every rule; a card for each that needs attention, PASS folded away."""
    _, root, predicate = _render(fresh[name])
    rows = root.find_all("table", "rules")[0].find_all("tbody")[0].find_all("tr")
    assert len(rows) == len(predicate["findings"]) > 0
    cards = root.find_all("article", "finding")
    passed = root.find_all("details", "passed")[0].find_all("article", "passed-rule")
    by_rule = {_article_rule(a): a for a in cards + passed}
    statuses = {_visible(f["rule"]): f["status"] for f in predicate["findings"]}
    assert {_article_rule(a) for a in cards} == {r for r, s in statuses.items()
                                                 if s not in ("PASS", "NOT_APPLICABLE")}
    assert {_article_rule(a) for a in passed} == {r for r, s in statuses.items() if s == "PASS"}
    evidence = predicate["evidence"]
    shown = 0
    for finding in predicate["findings"]:
        if finding["status"] == "NOT_APPLICABLE":
            continue
        article = by_rule[_visible(finding["rule"])]
        assert _visible(finding["title"]) in article.find_all("h3")[0].text()
        assert finding["status"].replace("_", " ") in article.find_all("h3")[0].text()
        sources = predicate["facts"].get(finding["fact"], {}).get("sources", [])
        outputs = [evidence["files"][s] for s in sources if evidence["files"].get(s)]
        outputs += [c["stdout"] for c in evidence["commands"]
                    for s in sources if " ".join(c["argv"]) == s and c["stdout"]]
        pres = [p.text() for p in article.find_all("details", "evidence")[0].find_all("pre")]
        for out in outputs:
            assert _visible(out) in pres, f"{finding['rule']}: evidence missing"
            shown += 1
        if finding["status"] != "PASS":  # printed: each output cut short, or said to be above
            printed = article.find_all("div", "evidence-print")[0].text()
            assert all(_visible(out)[:200] in printed for out in outputs) or \
                "Printed above" in printed or "more source" in printed, finding["rule"]
    assert shown > 0, "no finding showed any evidence"


def test_printed_evidence_is_short_and_said_once(tmp_path: Path) -> None:
    """Raw STUN samples print as their shape; a source printed under one card is not repeated."""
    predicate = load_report(samples.make_sample("linux", tmp_path)).predicate
    stun = {"interval_ms": 20, "timeout_ms": 1000, "sent": [i * 0.02 for i in range(700)],
            "replies": [[i, i * 0.02 + 0.03] for i in range(700) if i % 50]}
    predicate["evidence"]["measurements"]["stun"] = stun
    stun_facts = ("network.rtt_ms", "network.jitter_ms", "network.jitter_oneway_ms")
    for key in stun_facts:
        predicate["facts"][key] = {"status": "unknown", "reason": "test", "sources":
                                   ["measurement:stun"]}
    for f in predicate["findings"]:
        if f["fact"] in stun_facts:
            f["status"], f["measured"] = "UNKNOWN", None
    path = tmp_path / "stun.wfh.json"
    path.write_text(json.dumps(predicate), encoding="utf-8")
    _, root, _ = _render(path)
    printed = [a.find_all("div", "evidence-print")[0].text()
               for a in root.find_all("article", "finding") if "network." in a.text()]
    assert len(printed) == 2
    assert "Raw record, summarised for print" in printed[0]
    assert "sent: 700 values; replies: 686 values" in printed[0]
    assert "Printed above, under" in printed[1]
    screen = [a.find_all("details", "evidence")[0].text()
              for a in root.find_all("article", "finding") if "network." in a.text()]
    assert all('"replies": [' in text for text in screen)  # on screen: the raw record


def test_counts_verdict_and_details_come_first(fresh: dict[str, Path]) -> None:
    page, root, predicate = _render(fresh["linux"])
    main = root.find_all("main")[0]
    first = next(n for n in main.children if n.tag == "section")
    assert "verdict" in first.attrs["class"]
    text = first.text()
    assert "Verdict: NOT READY" in text and f"Score {predicate['summary']['score']} out of 100" in text
    for status, n in predicate["summary"]["counts"].items():
        assert f"{status.replace('_', ' ')}: {n}" in text
    about = next(n for n in root.find_all("section") if n.attrs.get("aria-labelledby") == "about-h")
    for value in (predicate["policy"]["digest"], predicate["policy"]["version"],
                  predicate["tool"]["version"], predicate["finished_at"],
                  predicate["device"]["id"], predicate["os"]["version"]):
        assert value in about.text()
    assert page.index("verdict-h") < page.index("sig-h") < page.index("rules-h") \
        < page.index("findings-h") < page.index("about-h") < page.index("facts-h")


def test_csp_is_strict_and_pins_the_stylesheet(fresh: dict[str, Path]) -> None:
    _, root, _ = _render(fresh["linux"])
    head = root.find_all("head")[0]
    metas = [n for n in head.children if n.tag == "meta"]
    csp = next(m for m in metas if m.attrs.get("http-equiv") == "Content-Security-Policy")
    assert head.children.index(csp) < head.children.index(head.find_all("style")[0])
    policy = dict(part.strip().split(" ", 1) for part in csp.attrs["content"].split(";"))
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'none'"
    assert "unsafe" not in csp.attrs["content"]
    styles = root.find_all("style")
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].text().encode()).digest()).decode()
    assert policy["style-src"] == f"'sha256-{digest}'"
    # Nothing that could fetch: no src/srcset/style attributes, links only to fragments.
    for node in root.iter():
        assert not {"src", "srcset", "style", "action", "formaction", "background"} & set(node.attrs)
        if "href" in node.attrs:
            assert re.fullmatch(r"#[a-z0-9-]+", node.attrs["href"]), node.attrs["href"]
    assert "@import" not in styles[0].text() and "url(" not in styles[0].text()


ALLOWED_TAGS = {"#root", "html", "head", "meta", "title", "style", "body", "a", "header", "p", "h1",
                "h2", "h3", "h4", "main", "section", "ul", "li", "dl", "dt", "dd", "span", "bdi",
                "code", "em", "article", "details", "summary", "div", "pre", "table", "caption",
                "thead", "tbody", "tr", "th", "td", "footer", "script", "figure", "figcaption",
                "svg", "desc", "line", "text", "rect", "polyline", "circle", "path",
                "colgroup", "col", "wbr", "strong"}
ATTR_VALUE = re.compile(r"[A-Za-z0-9 #:;,.'()/=_+-]*")


@pytest.mark.parametrize("name", ["hostile", "forged"])
def test_device_strings_never_become_markup(fresh: dict[str, Path], name: str) -> None:
    """A38/A39: no element or attribute from data; script URLs stay inert text."""
    _, root, _ = _render(fresh[name])
    for node in root.iter():
        assert node.tag in ALLOWED_TAGS, node.tag
        for attr, value in node.attrs.items():
            assert not attr.startswith("on"), attr
            assert "wfhPwned" not in value and "javascript" not in value and "<" not in value
            if attr != "content":
                assert ATTR_VALUE.fullmatch(value), (attr, value)
    text = root.find_all("body")[0].text()
    for payload in samples.PAYLOADS:
        assert _visible(payload) in text, payload
    assert samples.PAYLOADS[0] in root.find_all("h1")[0].text()  # the host name, as text


@pytest.mark.parametrize("name", ["hostile", "forged"])
def test_embedded_json_cannot_break_out(fresh: dict[str, Path], name: str) -> None:
    """A40: `</script><!--` and U+2028 in data embedded as JSON are escaped."""
    page, root, predicate = _render(fresh[name])
    scripts = root.find_all("script")
    assert len(scripts) == 1 and scripts[0].attrs == {"type": "application/json",
                                                      "id": "wfhaudit-data"}
    raw = scripts[0].text()
    assert "<" not in raw and ">" not in raw and "\u2028" not in raw and "\u2029" not in raw
    data = json.loads(raw)
    assert data["device"] == predicate["device"]
    assert "</script><!--" in data["device"]["name"]  # the payload survived, as data
    assert "\u2028" in data["device"]["name"]
    assert page.count("</script>") == 1


@pytest.mark.parametrize("name", ["hostile", "forged"])
def test_bidi_and_controls_are_shown_not_obeyed(fresh: dict[str, Path], name: str) -> None:
    """A41: U+202E and other controls never reach the page raw; they show as U+XXXX badges."""
    page, root, _ = _render(fresh[name])
    for char in "\u202e\u2028\u2029\x1b\x07":
        assert char not in page, repr(char)
    badges = {n.text() for n in root.find_all("span", "ctl")}
    assert {"U+202E", "U+001B"} <= badges
    note = root.find_all("section", "note")[0].text()
    assert "reverse the direction of text" in note


def test_forged_claims_do_not_change_the_signature_status(fresh: dict[str, Path]) -> None:
    """A37: `signatureVerified: true` in the payload never makes the page say verified."""
    page, root, predicate = _render(fresh["forged"])
    assert predicate["signatureVerified"] is True
    sig = root.find_all("section", "signature")[0]
    assert "NOT VERIFIED" in sig.text() and "Verified:" not in page


def test_signature_status_words() -> None:
    ok = SignatureStatus(verified=True, key="sha256:ab12", device="dev-1", owner="ann@example.com",
                         trust_file="trust.json", trust_version=7)
    assert ok.headline == "Verified: signed by device dev-1 (owner ann@example.com)"
    assert ok.key_line == "key sha256:ab12 in trust file trust.json v7"
    assert SignatureStatus().headline == "NOT VERIFIED"
    assert SignatureStatus(rejected=True, reason="BAD_SIGNATURE").headline == "REJECTED"


def test_verified_page_names_device_and_owner_and_the_key_small(fresh: dict[str, Path]) -> None:
    sig = SignatureStatus(verified=True, key="sha256:ab12", device="dev-1", owner="ann@example.com",
                          trust_file="trust.json", trust_version=7)
    _, root, _ = _render(fresh["linux"], sig)
    section = root.find_all("section", "signature")[0]
    assert "verified" in section.attrs["class"].split()
    headline = section.find_all("p", "headline")[0]
    assert headline.text() == "Verified: signed by device dev-1 (owner ann@example.com)"
    small = section.find_all("p", "note-small")[0]
    assert small.text() == "key sha256:ab12 in trust file trust.json v7"


def test_rejected_report_shows_only_name_reason_and_digest(fresh: dict[str, Path]) -> None:
    sig = SignatureStatus(rejected=True, reason="BAD_SIGNATURE",
                          detail="The signature does not match the report")
    page, root, predicate = _render(fresh["hostile"], sig)
    assert "REJECTED: BAD_SIGNATURE" in root.text()
    assert hashlib.sha256(fresh["hostile"].read_bytes()).hexdigest() in root.text()
    assert "wfhPwned" not in page and predicate["device"]["id"] not in page
    assert not root.find_all("article")


def test_file_form_is_stated_and_never_called_verified(fresh: dict[str, Path],
                                                       tmp_path: Path) -> None:
    plain = samples.make_sample("linux", tmp_path, sign=False)
    _, root, _ = _render(plain)
    sig = root.find_all("section", "signature")[0].text()
    assert "(plain report)" in sig and "NOT VERIFIED" in sig
    signed = fresh["linux"]
    if json.loads(signed.read_text()).get("payloadType"):  # once check signs its reports
        sig = _render(signed)[1].find_all("section", "signature")[0].text()
        assert "(DSSE envelope)" in sig and "NOT VERIFIED" in sig


def _stun(rtts: list[Any]) -> dict[str, Any]:
    return {"interval_ms": 20, "samples": [{"seq": i, "t_ms": 20 * i, "rtt_ms": r}
                                           for i, r in enumerate(rtts)]}


def test_voip_chart_marks_every_lost_probe() -> None:
    rtts = [20.0 + (i % 5) for i in range(100)]
    for i in (10, 11, 50):
        rtts[i] = None  # type: ignore[call-overload]
    svg = str(rtt_chart(extract_samples(_stun(rtts)), jitter_ms=2.5))  # type: ignore[arg-type]
    root = parse(svg)
    paths = root.find_all("path", "lost")
    assert len(paths) == 1 and paths[0].attrs["d"].count("M") == 3
    assert len(root.find_all("polyline", "rtt")) == 3  # the line breaks at each gap
    assert "3 lost" in root.find_all("desc")[0].text()
    assert "± 2.5 ms" in root.text()
    band = root.find_all("rect", "band")[0]
    assert float(band.attrs["height"]) > 0


def test_voip_samples_garbage_is_dropped_not_drawn() -> None:
    samples_in = _stun([1.5, "<script>", float("nan"), 1e300, -4, True, 2.5])
    got = extract_samples(samples_in)
    assert got is not None
    svg = str(rtt_chart(got))
    assert "script" not in svg and "nan" not in svg.lower() and "inf" not in svg.lower()
    assert extract_samples({"samples": []}) is None and extract_samples("x") is None


def test_report_without_samples_says_no_samples(fresh: dict[str, Path]) -> None:
    _, root, predicate = _render(fresh["macos"])
    assert "stun" not in predicate["evidence"]["measurements"]
    assert "No samples" in root.text() and not root.find_all("svg")


@pytest.mark.parametrize("name", ["linux", "hostile"])
def test_chart_counts_match_the_network_probe(fresh: dict[str, Path], name: str) -> None:
    """Recorded STUN streams: the lost marks are the probe's own lost probes."""
    _, root, predicate = _render(fresh[name])
    stun = predicate["evidence"]["measurements"]["stun"]
    got = extract_samples(stun)
    assert got is not None
    idle = [r for _, r in got.points[:stun["count"]]]
    loss = predicate["facts"]["network.loss_pct"]["value"]
    assert 100.0 * idle.count(None) / len(idle) == pytest.approx(loss, abs=0.01)
    svg = root.find_all("svg")[0]
    lost_marks = svg.find_all("path", "lost")
    assert (lost_marks[0].attrs["d"].count("M") if lost_marks else 0) == got.lost
    assert f"{len(got.points)} voice-paced probes, {got.lost} lost" in root.text()
    speed = predicate["evidence"]["measurements"].get("speedtest", {})
    assert bool(svg.find_all("rect", "download")) == isinstance(speed.get("download"), dict)


def test_report_with_samples_draws_the_chart(fresh: dict[str, Path], tmp_path: Path) -> None:
    predicate = load_report(fresh["linux"]).predicate
    predicate["evidence"]["measurements"]["stun"] = _stun([30.0, None, 31.0, 29.5])
    path = tmp_path / "with-stun.wfh.json"
    path.write_text(json.dumps(predicate), encoding="utf-8")
    _, root, _ = _render(path)
    svg = root.find_all("svg")
    assert len(svg) == 1 and svg[0].attrs["role"] == "img"
    assert "4 voice-paced probes, 1 lost" in root.find_all("figcaption")[0].text()


def test_odd_shapes_render_without_crashing(fresh: dict[str, Path], tmp_path: Path) -> None:
    predicate = load_report(fresh["linux"]).predicate
    predicate["findings"] = [42, None, {"status": {"x": 1}, "references": "nope"}, *predicate["findings"]]
    predicate["facts"]["os.version"] = ["not", "a", "fact"]
    predicate["device"] = {"name": {"nested": True}}
    predicate["evidence"] = {"commands": "nope", "files": [1, 2]}
    predicate["summary"] = {"verdict": "MAYBE"}
    path = tmp_path / "odd.wfh.json"
    path.write_text(json.dumps(predicate), encoding="utf-8")
    _, root, _ = _render(path)
    assert "UNRECOGNISED VERDICT: MAYBE" in root.text()
    rows = root.find_all("table", "rules")[0].find_all("tbody")[0].find_all("tr")
    assert len(rows) == len(predicate["findings"])


def test_committed_samples_still_render() -> None:
    names = sorted(p.name for p in REPORTS.glob("*.wfh.json"))
    assert {"linux.wfh.json", "hostile.wfh.json", "forged.wfh.json"} <= set(names)
    for name in names:
        _, root, predicate = _render(REPORTS / name)
        rows = root.find_all("table", "rules")[0].find_all("tbody")[0].find_all("tr")
        assert len(rows) == len(predicate["findings"])


def test_render_command_writes_beside_the_report(fresh: dict[str, Path], tmp_path: Path) -> None:
    report = tmp_path / "r.wfh.json"
    report.write_bytes(fresh["linux"].read_bytes())
    res = CliRunner().invoke(cli, ["render", str(report)])
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "r.wfh.html").read_text().startswith("<!DOCTYPE html>")
    res = CliRunner().invoke(cli, ["render", str(report), "-o", "-"])
    assert res.exit_code == 0 and res.stdout.startswith("<!DOCTYPE html>")
    res = CliRunner().invoke(cli, ["render", str(report), "-o", str(tmp_path / "x" / "a.html")])
    assert res.exit_code == 0 and (tmp_path / "x" / "a.html").exists()


def test_render_rejects_a_non_report_with_exit_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    res = CliRunner().invoke(cli, ["render", str(bad)])
    assert res.exit_code == 3 and res.stderr.startswith("wfhaudit: error: ")
    assert "Traceback" not in res.stderr
    res = CliRunner().invoke(cli, ["render", str(tmp_path / "missing.json")])
    assert res.exit_code == 3


def test_check_html_writes_the_page_beside_the_report(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["check", "--policy", str(samples.POLICY), "--only", "os",
                                   "--out", str(tmp_path), "--html", "--no-sign"])
    assert res.exit_code == 1, res.stderr
    reports = list(tmp_path.glob("dev-*.wfh.unsigned.json"))
    pages = list(tmp_path.glob("dev-*.wfh.unsigned.html"))
    assert len(reports) == 1 and [p.name for p in pages] == [reports[0].name[:-5] + ".html"]
    assert f"HTML for the auditor: {pages[0]}" in res.stderr.replace("\n", "")
    assert "NOT VERIFIED" in pages[0].read_text()


def test_network_probe_shape_with_late_pending_and_transfer_windows() -> None:
    """The network probe's raw record: `sent` times, `replies` [seq, arrival], on one clock."""
    raw = {"interval_ms": 20, "timeout_ms": 500, "listen_end": 100.9,
           "sent": [100.0, 100.02, 100.04, 100.06, 100.5],
           "replies": [[0, 100.03], [0, 100.05], [2, 100.9], [3, 100.08], [7, 1.0], ["x", 2]]}
    got = extract_samples(raw)
    assert got is not None and got.origin == 100.0
    # seq 0 answered (duplicate ignored), 1 lost, 2 late = lost, 3 answered, 4 still pending
    assert [r is None for _, r in got.points] == [False, True, True, False]
    assert got.points[0][1] == pytest.approx(30.0) and got.points[3][1] == pytest.approx(20.0)
    windows = transfer_windows({"download": {"start": 100.02, "end": 100.05},
                                "upload": {"start": "x", "end": 3}}, got)
    assert windows == [("download", pytest.approx(0.02), pytest.approx(0.05))]
    root = parse(str(rtt_chart(got, windows=windows)))
    assert len(root.find_all("rect", "download")) == 1 and not root.find_all("rect", "upload")


def test_dotted_measurement_sources_find_nested_records() -> None:
    evidence = {"measurements": {"stun": {"tcp_fallback": {"samples_ms": [21.5, 22.0]}}}}
    items = evidence_for(["measurement:stun.tcp_fallback", "measurement:nope"], evidence)
    assert items[0].kind == "measurement" and "21.5" in items[0].outputs[0].text
    assert items[1].kind == "missing"
