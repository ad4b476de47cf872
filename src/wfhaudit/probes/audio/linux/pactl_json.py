"""Parse `pactl -f json` output (PulseAudio >= 16, and pipewire-pulse through the same pactl).

The parser returns plain records shared with the text parser (see `pulse.py`):
info -> {"server_name", "server_version", "default_sink_name", "default_source_name"};
sinks/sources -> {"index", "name", "description", "driver", "sample_spec", "properties",
"ports": [{"name", "description", "type", "availability"}], "active_port", "monitor_of"};
cards -> {"index", "name", "properties", "profiles": {name: {"sinks", "sources",
"available"}}, "active_profile"}. None means "not usable JSON" (the caller falls back to text).
"""

from __future__ import annotations

import json
from typing import Any

Record = dict[str, Any]


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _props(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def parse_info(text: str) -> Record | None:
    """Server name/version and default sink/source names from `pactl -f json info`."""
    data = _load(text)
    if not isinstance(data, dict):
        return None
    return {k: _str(data.get(k)) for k in
            ("server_name", "server_version", "default_sink_name", "default_source_name")}


def _ports(value: Any) -> list[Record]:
    if isinstance(value, dict):  # cards key their ports by name
        value = [dict(v, name=k) for k, v in value.items() if isinstance(v, dict)]
    if not isinstance(value, list):
        return []
    return [{"name": _str(p.get("name")), "description": _str(p.get("description")),
             "type": _str(p.get("type")), "availability": _str(p.get("availability"))}
            for p in value if isinstance(p, dict)]


def parse_devices(text: str, sources: bool = False) -> list[Record] | None:
    """Sinks (or, with sources=True, sources) from `pactl -f json list sinks|sources`."""
    data = _load(text)
    if not isinstance(data, list):
        return None
    out = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        out.append({
            "index": item.get("index") if isinstance(item.get("index"), int) else None,
            "name": item["name"],
            "description": _str(item.get("description")),
            "driver": _str(item.get("driver")),
            "sample_spec": _str(item.get("sample_specification")),
            "properties": _props(item.get("properties")),
            "ports": _ports(item.get("ports")),
            "active_port": _str(item.get("active_port")),
            # For sources pactl reuses the key monitor_source for "monitor of sink".
            "monitor_of": (_str(item.get("monitor_source")) or None) if sources else None,
        })
    return out


def _profiles(value: Any) -> dict[str, Record]:
    if isinstance(value, list):
        value = {p.get("name"): p for p in value if isinstance(p, dict)}
    if not isinstance(value, dict):
        return {}
    out: dict[str, Record] = {}
    for name, p in value.items():
        if not isinstance(name, str) or not isinstance(p, dict):
            continue
        avail = p.get("available")
        out[name] = {"sinks": p.get("sinks") if isinstance(p.get("sinks"), int) else None,
                     "sources": p.get("sources") if isinstance(p.get("sources"), int) else None,
                     "available": avail if isinstance(avail, bool) else None}
    return out


def parse_cards(text: str) -> list[Record] | None:
    """Cards from `pactl -f json list cards` (profiles tell A2DP from HFP/HSP)."""
    data = _load(text)
    if not isinstance(data, list):
        return None
    return [{"index": c.get("index") if isinstance(c.get("index"), int) else None,
             "name": c["name"], "properties": _props(c.get("properties")),
             "profiles": _profiles(c.get("profiles")),
             "active_profile": _str(c.get("active_profile"))}
            for c in data if isinstance(c, dict) and isinstance(c.get("name"), str)]
