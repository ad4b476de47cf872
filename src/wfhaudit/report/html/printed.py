"""What the printed page says where the screen's full text would make it too long.

On paper a full report must stay a few pages, so print says each long thing once: a command
line hundreds of characters long (a PowerShell script) is named by its start and a number
everywhere, and printed in full once in a numbered list at the end; a reason several rules
share prints under the first of them; evidence printed under one card is pointed to from the
next; short cards go two to a row. The screen and the report file keep every character.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfhaudit.util.jsonshape import as_dict, as_list
from wfhaudit.util.text import clip_count

SOURCE_CHARS = 90
NAMED_CHARS = 48  # the start of a long command print names by its number
SHORT_OUTPUT = 160  # an output this short still fits a card half the page wide
PRINT_REASON_CHARS = 600
TABLE_CHARS = 80  # a value in the printed rules table; the card or the facts table has it all
MAX_LONG = 500


def short_source(source: str) -> str:
    """A source named in a table: a long script cut (the evidence shows it whole)."""
    shown, omitted = clip_count(source, SOURCE_CHARS)
    return f"{shown}\u2026 ({omitted} more characters)" if omitted else shown


class Shortener:
    """Long commands cut short for print, numbered in the order print first names them."""

    def __init__(self, facts: Mapping[str, Any], evidence: Mapping[str, Any] | None) -> None:
        names = {str(s) for fact in facts.values()
                 for s in as_list(as_dict(fact).get("sources"))}
        for cmd in as_list(as_dict(evidence).get("commands")):
            names.add(" ".join(str(a) for a in as_list(as_dict(cmd).get("argv"))))
        # Longest first: a long command that contains another is replaced whole.
        self.longs = sorted((n for n in names if len(n) > SOURCE_CHARS), key=len,
                            reverse=True)[:MAX_LONG]
        self.long_set = set(self.longs)
        self.numbers: dict[str, int] = {}

    def name(self, source: str) -> str:
        """The source as print names it: itself, or its start and its number in the list."""
        if source not in self.long_set:
            return source
        number = self.numbers.setdefault(source, len(self.numbers) + 1)
        return f"{source[:NAMED_CHARS]}\u2026 (long command {number}, in full at the end)"

    def text(self, text: str) -> str:
        """Text for print: each long command quoted in it named short, the whole bounded."""
        for long in self.longs:
            if long in text:
                text = text.replace(long, self.name(long))
        shown, omitted = clip_count(text, PRINT_REASON_CHARS)
        return f"{shown}\u2026 ({omitted} more characters on screen)" if omitted else shown

    def listing(self) -> list[str]:
        """Every command print named short, in full, in the order of their numbers."""
        return sorted(self.numbers, key=self.numbers.__getitem__)


def mark_cards(cards: list[dict[str, Any]], short: Shortener) -> None:
    """Fill each card's print fields, in page order.

    print_reason: the reason shortened, or "same as for X above" when an earlier card printed
    it; print_fact: whether the fact line adds anything the measured value and the reason do
    not say (a detail, another value, another reason); print_seen: per evidence item, the card
    its output was printed under already; print_sources: the evidence's names for print.
    """
    reasons: dict[str, str] = {}
    printed: dict[tuple[str, str], str] = {}
    for card in cards:
        reason, title, fact = card["reason"], card["title"], card["fact"]
        first = reasons.setdefault(reason, title)
        card["print_reason"] = short.text(reason) if first == title \
            else f"same as for \u201c{first}\u201d above"
        card["print_fact"] = bool(fact["detail"]) or (
            fact["value"] != card["measured"] if fact["observed"]
            else not fact["reason"] or fact["reason"] not in reason)
        fact["print_reason"] = short.text(fact["reason"])
        card["print_seen"] = [printed.get((e.kind, e.source)) for e in card["evidence"]]
        card["print_sources"] = [short.name(e.source) for e in card["evidence"]]
        for e in card["evidence"]:
            printed.setdefault((e.kind, e.source), title)


def mark_facts(rows: list[dict[str, Any]], short: Shortener) -> None:
    """A facts table for print: long commands named short, repeated sources said once.

    Sources the row above names too print as "same as above" (four VPN facts come from the
    same four commands).
    """
    previous: list[str] = []
    for row in rows:
        row["print_reason"] = short.text(row["reason"])
        row["print_same_sources"] = bool(row["sources"]) and row["sources"] == previous
        row["print_sources"] = [short.name(s) for s in row["sources"]]
        previous = row["sources"]


def mark_rows(findings: list[dict[str, Any]]) -> None:
    """The rules table's measured and expected values for print, a long one cut short."""
    for f in findings:
        for name in ("measured", "expected"):
            shown, omitted = clip_count(f[name], TABLE_CHARS)
            f[f"print_{name}"] = f"{shown}\u2026 (in full below)" if omitted else shown


def _prints_output(card: dict[str, Any]) -> bool:
    """Whether the printed card shows a recorded output that wants the full width."""
    return any(len(o.print_text) > SHORT_OUTPUT and not seen and not e.summary
               for e, seen in zip(card["evidence"], card["print_seen"], strict=True)
               for o in e.outputs)


def card_runs(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cards in page order, consecutive short ones together: print sets those in two columns.

    A short card prints no long recorded output: an UNKNOWN with its reason and sources, or a
    rule whose evidence is printed under an earlier card.
    """
    runs: list[dict[str, Any]] = []
    for card in cards:
        layout = "one-up" if _prints_output(card) else "two-up"
        if not runs or runs[-1]["layout"] != layout:
            runs.append({"layout": layout, "cards": []})
        runs[-1]["cards"].append(card)
    for run in runs:  # one short card alone would leave the column beside it empty
        run["layout"] = "one-up" if len(run["cards"]) < 2 else run["layout"]
    return runs
