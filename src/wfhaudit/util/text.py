"""Untrusted text for HTML: escaped, and invisible or direction-changing characters made visible."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from markupsafe import Markup, escape

# C0/C1 controls (tab and newline kept), DEL, Arabic letter mark, zero-width and bidi marks,
# embeddings/overrides/isolates, word joiner and invisible operators, line/paragraph
# separators, BOM, interlinear annotations, and Unicode tag characters ("ASCII smuggling").
_HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _marker(char: str) -> str:
    # No quotes in the marker: even inside a quoted attribute it cannot end the value.
    return f"<span class=ctl>U+{ord(char):04X}</span>"


def visible(value: Any, *, multiline: bool = False) -> Markup:
    """HTML for untrusted text: escaped, with hidden characters shown as U+XXXX badges."""
    if isinstance(value, Markup):
        return value
    text = str(value)
    if multiline:
        text = text.replace("\r\n", "\n")
    out: list[str] = []
    pos = 0
    for match in _HIDDEN.finditer(text):
        out.append(str(escape(text[pos:match.start()])))
        out.append(_marker(match.group(0)))
        pos = match.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))  # noqa: S704 - every piece escaped above


def hidden_count(value: Any) -> int:
    """How many hidden or bidi characters occur in a JSON value (CRLF line ends do not count)."""
    return sum(len(_HIDDEN.findall(s.replace("\r\n", "\n"))) for s in _strings(value))


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


def clip(text: str, limit: int) -> tuple[str, int]:
    """Text cut to limit characters and how many were left out."""
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit
