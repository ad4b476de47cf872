"""What the printed report says shorter than the screen, and that nothing is lost by it.

Long commands are named by their start and a number and listed in full once; a reason several
cards share prints under the first; short cards go two to a row; the screen's text stays whole.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from tests.unit.test_html import Node, _visible, parse

from wfhaudit.report.html.printed import (
    NAMED_CHARS,
    PRINT_REASON_CHARS,
    SOURCE_CHARS,
    Shortener,
    card_runs,
    mark_cards,
)
from wfhaudit.report.html.render import load_report, render_html
from wfhaudit.report.html.view import build_view

REPORTS = Path(__file__).parent.parent / "fixtures" / "reports"
_spec = importlib.util.spec_from_file_location("make_samples", REPORTS / "make_samples.py")
assert _spec and _spec.loader
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)

SCRIPT = "powershell.exe -NoProfile -Command " + "; ".join(f"$v{i} = Get-Thing {i}"
                                                          for i in range(40))


@pytest.fixture(scope="module")
def windows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The windows sample (many UNKNOWN rules whose reasons quote long PowerShell scripts)."""
    made = samples.make_sample("windows", tmp_path_factory.mktemp("wfh-printed"))
    predicate = load_report(made).predicate
    return {"predicate": predicate, "view": build_view(predicate),
            "root": parse(render_html(load_report(made)))}


def _classes(node: Node) -> list[str]:
    return node.attrs.get("class", "").split()


def _printed_text(node: Node) -> str:
    """The text print shows: screen-only parts left out, print-only parts kept."""
    if "screen-only" in _classes(node) or node.tag == "details":
        return ""
    return "".join(c if isinstance(c, str) else _printed_text(c) for c in node.content)


def test_a_long_command_is_named_by_number_and_listed_once_in_full() -> None:
    facts = {"a": {"status": "unknown", "reason": f"`{SCRIPT}` is not in the recorded evidence",
                   "sources": [SCRIPT, "uname -r"]}}
    short = Shortener(facts, {"commands": [{"argv": SCRIPT.split(" ")}]})
    printed = short.text(facts["a"]["reason"])
    assert SCRIPT not in printed and printed.startswith("`" + SCRIPT[:NAMED_CHARS] + "\u2026")
    assert "(long command 1, in full at the end)` is not in the recorded evidence" in printed
    assert short.name("uname -r") == "uname -r"  # a short source is itself
    assert short.name(SCRIPT) == printed[1:printed.index("`", 1)]
    assert short.listing() == [SCRIPT]
    huge = short.text("x" * 10_000)  # a device's reason cannot fill pages either
    assert len(huge) < PRINT_REASON_CHARS + 60 and "9400 more characters on screen" in huge


def test_a_shared_reason_prints_once_and_evidence_points_back() -> None:
    def card(title: str, reason: str) -> dict[str, Any]:
        return {"title": title, "reason": reason, "measured": "unknown", "raw_status": "UNKNOWN",
                "evidence": [], "fact": {"observed": False, "detail": "", "reason": reason,
                                          "value": "unknown"}}

    cards = [card("One", "no STUN measurement"), card("Two", "no STUN measurement"),
             card("Three", "something else")]
    mark_cards(cards, Shortener({}, None))
    assert [c["print_reason"] for c in cards] == [
        "no STUN measurement", "same as for \u201cOne\u201d above", "something else"]
    assert not any(c["print_fact"] for c in cards)  # the reason already says it
    runs = card_runs(cards)
    assert [(r["layout"], len(r["cards"])) for r in runs] == [("two-up", 3)]
    assert [(r["layout"], len(r["cards"])) for r in card_runs(cards[:1])] == [("one-up", 1)]


def test_printed_page_names_every_long_command_and_lists_each_in_full(
        windows: dict[str, Any]) -> None:
    view, root = windows["view"], windows["root"]
    longs = [s for f in windows["predicate"]["facts"].values() for s in f.get("sources", [])
             if len(s) > SOURCE_CHARS]
    assert longs, "the sample has no long command: the test proves nothing"
    section = next(s for s in root.find_all("section")
                   if s.attrs.get("aria-labelledby") == "long-h")
    assert "print-only" in _classes(section)
    listed = [li.find_all("code")[0].text() for li in section.find_all("li")]
    assert listed == [_visible(c) for c in view["long_commands"]]
    assert set(view["long_commands"]) >= set(longs) and len(set(listed)) == len(listed)
    cards = "".join(_printed_text(a) for a in root.find_all("article", "finding"))
    facts = _printed_text(root.find_all("table", "all-facts")[0])
    for number, command in enumerate(view["long_commands"], start=1):
        assert _visible(command) not in cards + facts  # printed once: in the list
        assert f"(long command {number}, in full at the end)" in cards + facts


def test_screen_keeps_every_reason_and_source_whole(windows: dict[str, Any]) -> None:
    root, predicate = windows["root"], windows["predicate"]
    cards = {a.attrs["id"]: a for a in root.find_all("article", "finding")}
    reasons = [f["reason"] for f in predicate["findings"]
               if f["status"] not in ("PASS", "NOT_APPLICABLE") and f.get("reason")]
    screen = "".join(_screen_text(a) for a in cards.values())
    for reason in reasons:
        assert _visible(reason) in screen
    on_screen = "".join(d.text() for d in root.find_all("details", "evidence"))
    for fact in predicate["facts"].values():
        for source in fact.get("sources", []):
            if any(source == " ".join(c["argv"]) for c in predicate["evidence"]["commands"]):
                assert _visible(source) in on_screen


def _screen_text(node: Node) -> str:
    if "print-only" in _classes(node):
        return ""
    return "".join(c if isinstance(c, str) else _screen_text(c) for c in node.content)


def test_short_cards_go_two_up_and_cards_with_long_output_full_width(
        windows: dict[str, Any]) -> None:
    runs = windows["view"]["card_runs"]
    assert sum(len(r["cards"]) for r in runs) == len(windows["view"]["cards"])
    assert any(r["layout"] == "two-up" for r in runs)
    for run in runs:
        assert run["layout"] == "one-up" or len(run["cards"]) >= 2
    root = windows["root"]
    two_up = [d for d in root.find_all("div", "cards") if "two-up" in _classes(d)]
    assert two_up and all(d.find_all("article", "finding") for d in two_up)
    for d in two_up:
        for pre in (p for a in d.find_all("div", "evidence-print") for p in a.find_all("pre")):
            assert len(pre.text()) <= 160 + 20, pre.text()[:80]
