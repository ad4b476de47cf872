"""Untrusted text made safe for each place it is shown: terminal, HTML, Markdown, CSV, XML.

One class of hidden characters serves every output, so a report, a terminal line and a CSV cell
never disagree about what a device may smuggle in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from markupsafe import Markup, escape

# C0/C1 controls (tab and newline kept), DEL, Arabic letter mark, Mongolian vowel separator,
# zero-width and bidi marks, embeddings/overrides/isolates, word joiner and invisible operators,
# line/paragraph separators, BOM, interlinear annotations, Unicode tag characters ("ASCII
# smuggling") and lone surrogates (Python keeps them from invalid UTF-8 via surrogateescape).
HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f\ud800-\udfff]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Whole terminal escape sequences: CSI (7- and 8-bit), OSC/DCS/SOS/PM/APC strings, two-byte
# escapes. Removed before HIDDEN so no parameter bytes of a sequence are left behind.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x1b][\]PX^_].*?(?:\x07|\x1b\\|$)|[\x9d\x90\x98\x9e\x9f].*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]?", re.DOTALL)
# Every ASCII punctuation character (CommonMark lets each be backslash-escaped). Escaping all of
# them keeps GFM from autolinking 'http://…', 'www.…' and 'name@host.example' addresses.
_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
# Characters XML 1.0 cannot carry at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A spreadsheet treats a cell starting with one of these as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def for_terminal(value: Any) -> str:
    """Text safe to print on a terminal: escape sequences removed, hidden characters as U+FFFD."""
    return HIDDEN.sub("\ufffd", _ESCAPES.sub("", str(value)))


def _marker(char: str) -> str:
    # No quotes in the marker: even inside a quoted attribute it cannot end the value.
    return f"<span class=ctl>U+{ord(char):04X}</span>"


def visible(value: Any, *, multiline: bool = False) -> Markup:
    """HTML for untrusted text: escaped, with hidden characters shown as U+XXXX badges."""
    if isinstance(value, Markup):
        return value
    text = "" if value is None else str(value)
    if multiline:
        text = text.replace("\r\n", "\n")
    out: list[str] = []
    pos = 0
    for match in HIDDEN.finditer(text):
        out.append(str(escape(text[pos:match.start()])))
        out.append(_marker(match.group(0)))
        pos = match.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))  # noqa: S704 - every piece escaped above


def for_markdown(value: object, limit: int = 120) -> str:
    """Untrusted text as inert Markdown: one line, all punctuation escaped, length bounded."""
    text = HIDDEN.sub(" ", str(value)).replace("\n", " ").replace("\t", " ")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", text)


def for_csv(value: Any) -> Any:
    """A CSV cell: numbers stay numbers; text loses hidden characters and never reads as a formula.

    Control bytes (CR, ESC, OSC …) are replaced too: a CSV file printed in a terminal must not be
    able to redraw the screen or set the clipboard.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = HIDDEN.sub("\ufffd", _ESCAPES.sub("", str(value)).replace("\n", " "))
    return "'" + text if text.startswith(_FORMULA_START) else text


def xml_chars(value: object) -> str:
    """Text XML 1.0 can carry: characters it cannot hold written as \\uXXXX (not yet escaped)."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))


def printable_path(path: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as lone surrogates) as \\xNN."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def hidden_count(value: Any) -> int:
    """How many hidden or bidi characters occur in a JSON value (CRLF line ends do not count)."""
    return sum(len(HIDDEN.findall(s.replace("\r\n", "\n"))) for s in _strings(value))


def has_bidi(value: Any) -> bool:
    """True when any string in a JSON value carries a bidi control."""
    return any(_BIDI.search(s) for s in _strings(value))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def json_for_script(data: Any) -> Markup:
    """JSON safe inside <script type="application/json">: no '<', '>', '&' or raw U+2028."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - JSON with <, >, & escaped


def clip(text: Any, limit: int) -> str:
    """Untrusted text cut to at most limit characters, with an ellipsis when it was cut."""
    s = str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def clip_count(text: str, limit: int) -> tuple[str, int]:
    """Text cut to limit characters and how many were left out."""
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit
