"""Parse the text of `pactl info` and `pactl list sinks|sources|cards` (run with LC_ALL=C).

Used when pactl has no JSON output (PulseAudio <= 15) or its JSON is broken. Produces the same
records as `pactl_json`. Indentation is one tab per level in real output; pasted copies often
have 8 spaces per level, which is accepted too. Port lines look like
`analog-output-headphones: Headphones (type: Headphones, priority: 9900, availability group:
Legacy 2, not available)`; older versions omit `type:` or print `(priority. 9900)`.
"""

from __future__ import annotations

import re
from typing import Any

Record = dict[str, Any]

_HEADER = re.compile(r"^(Sink|Source|Card) #(\d+)\s*$")
_PROP = re.compile(r'^([A-Za-z0-9_.:-]+) = "(.*)"\s*$')


def _level(line: str) -> int:
    """Indent level: tabs count one, each run of 8 spaces counts one."""
    n = 0
    spaces = 0
    for ch in line:
        if ch == "\t":
            n += 1
        elif ch == " ":
            spaces += 1
        else:
            break
    return n + spaces // 8


def parse_info(text: str) -> Record | None:
    """Server name/version and defaults from `pactl info`; None when none of them is there."""
    fields = {"Server Name": "server_name", "Server Version": "server_version",
              "Default Sink": "default_sink_name", "Default Source": "default_source_name"}
    out: Record = dict.fromkeys(fields.values())
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in fields:
            out[fields[key.strip()]] = value.strip() or None
    return out if any(v is not None for v in out.values()) else None


def _split_attrs(line: str) -> tuple[str, str, dict[str, str], list[str]]:
    """'name: desc (k: v, flag)' -> (name, desc, {k: v}, [flag])."""
    name, _, rest = line.partition(": ")
    desc, attrs_text = rest, ""
    if rest.endswith(")") and " (" in rest:
        desc, _, attrs_text = rest[:-1].rpartition(" (")
    attrs: dict[str, str] = {}
    flags: list[str] = []
    for part in attrs_text.split(", "):
        key, sep, value = part.partition(": ")
        if sep:
            attrs[key.strip().lower()] = value.strip()
        elif ". " in part:  # ancient "(priority. 9900)"
            key, _, value = part.partition(". ")
            attrs[key.strip().lower()] = value.strip()
        elif part.strip():
            flags.append(part.strip().lower())
    return name.strip(), desc.strip(), attrs, flags


def _availability(attrs: dict[str, str], flags: list[str]) -> str | None:
    for flag in flags:
        if flag in ("available", "not available", "availability unknown"):
            return flag
    avail = attrs.get("available")
    if avail is not None:
        return {"yes": "available", "no": "not available"}.get(avail, "availability unknown")
    return None


def _blocks(text: str) -> list[tuple[str, int, list[str]]]:
    blocks: list[tuple[str, int, list[str]]] = []
    for line in text.splitlines():
        match = _HEADER.match(line.strip()) if _level(line) == 0 else None
        if match:
            blocks.append((match.group(1), int(match.group(2)), []))
        elif blocks:
            blocks[-1][2].append(line)
    return blocks


def _parse_block(kind: str, index: int, lines: list[str]) -> Record:
    rec: Record = {"index": index, "name": None, "description": None, "driver": None,
                   "sample_spec": None, "properties": {}, "ports": [], "active_port": None,
                   "monitor_of": None, "profiles": {}, "active_profile": None}
    section = ""
    for raw in lines:
        if not raw.strip():
            continue
        level, line = _level(raw), raw.strip()
        if level <= 1:
            key, sep, value = line.partition(":")
            section = key if sep and not value.strip() else ""
            value = value.strip()
            simple = {"Name": "name", "Description": "description", "Driver": "driver",
                      "Sample Specification": "sample_spec", "Active Port": "active_port",
                      "Active Profile": "active_profile", "Monitor of Sink": "monitor_of"}
            if sep and key in simple and value:
                rec[simple[key]] = None if value == "n/a" else value
            continue
        if section == "Properties" and level == 2:
            match = _PROP.match(line)
            if match:
                rec["properties"][match.group(1)] = match.group(2)
        elif section == "Ports" and level == 2:
            name, desc, attrs, flags = _split_attrs(line)
            rec["ports"].append({"name": name, "description": desc, "type": attrs.get("type"),
                                 "availability": _availability(attrs, flags)})
        elif section == "Profiles" and level == 2:
            name, _desc, attrs, _flags = _split_attrs(line)
            avail = attrs.get("available")
            rec["profiles"][name] = {
                "sinks": int(attrs["sinks"]) if attrs.get("sinks", "").isdecimal() else None,
                "sources": int(attrs["sources"]) if attrs.get("sources", "").isdecimal() else None,
                "available": {"yes": True, "no": False}.get(avail or "")}
    return rec


def parse_list(text: str, kind: str) -> list[Record] | None:
    """Records of one kind ('Sink', 'Source' or 'Card'); None when the text has no such block."""
    blocks = [b for b in _blocks(text) if b[0] == kind]
    if not blocks and text.strip():
        return None
    out = []
    for _kind, index, lines in blocks:
        rec = _parse_block(kind, index, lines)
        if rec["name"]:
            out.append(rec)
    return out
