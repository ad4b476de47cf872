"""One sanitizer for every output: terminal, HTML, Markdown, CSV and XML agree on hidden text."""

from __future__ import annotations

import csv
import io

import pytest

from wfhaudit.util.text import (
    HIDDEN,
    clip,
    for_csv,
    for_markdown,
    for_terminal,
    visible,
    xml_chars,
)

HOSTILE = ["host\r\x1b[2Kfake,row", "\x1b]52;c;ZXZpbA==\x07clip", "lone\udcffsurrogate",
           "bidi\u202egnp.exe", "tag\U000e0041smuggle", "zero\u200bwidth"]


@pytest.mark.parametrize("text", HOSTILE)
def test_every_output_removes_hidden_characters(text: str) -> None:
    assert not HIDDEN.search(for_terminal(text))
    assert "\x1b" not in for_terminal(text)
    cell = for_csv(text)
    assert isinstance(cell, str)
    assert not HIDDEN.search(cell)
    assert "\x1b" not in cell and "\r" not in cell
    assert not HIDDEN.search(for_markdown(text))
    assert "<span class=ctl>U+" in str(visible(text))


def test_csv_cell_with_cr_and_escape_cannot_redraw_a_terminal() -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(["a", for_csv("evil\r\x1b[2Kok,1,2")])
    line = out.getvalue()
    assert line.count("\r") == 1 and "\x1b" not in line


def test_csv_keeps_numbers_and_guards_formulas() -> None:
    assert for_csv(3) == 3
    assert for_csv(True) == "true"
    assert for_csv(None) == ""
    assert for_csv("=HYPERLINK(1)") == "'=HYPERLINK(1)"


def test_markdown_never_autolinks_an_address_or_url() -> None:
    out = for_markdown("helpdesk@it-support.example.wfh.json")
    assert "\\@" in out and "\\." in out
    assert for_markdown("http://x.example/a") == "http\\:\\/\\/x\\.example\\/a"


def test_markdown_is_one_line_and_bounded() -> None:
    out = for_markdown("a\nb|c" + "x" * 500, limit=50)
    assert "\n" not in out and "\\|" in out and out.endswith("…")


def test_xml_chars_keeps_text_and_marks_what_xml_cannot_hold() -> None:
    assert xml_chars("ok\x01\udc80") == "ok\\u0001\\udc80"


def test_clip_marks_a_cut() -> None:
    assert clip("abcdef", 4) == "abc…"
    assert clip("abc", 4) == "abc"
