"""Find the recorded evidence behind a fact, from a report's (untrusted) evidence bundle.

The commands, files, listings, snapshots and measurements named in the fact's `sources`.
On screen each output is shown up to MAX_SHOWN_CHARS; in print up to PRINT_CHARS, and a large
raw record (thousands of STUN samples) is summarised by its shape: the report file keeps it all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wfhaudit.util.jsonshape import as_dict, as_list
from wfhaudit.util.text import clip_count

MAX_SHOWN_CHARS = 16_000
PRINT_CHARS = 500


@dataclass(frozen=True)
class Output:
    """One block of recorded text, possibly cut short for the page."""

    label: str
    text: str
    omitted: int = 0
    print_text: str = ""
    print_omitted: int = 0


@dataclass(frozen=True)
class EvidenceItem:
    """One source of a fact with what was recorded for it."""

    kind: str  # command | file | directory | snapshot | measurement | missing
    source: str
    meta: str
    outputs: tuple[Output, ...] = ()
    summary: str = ""  # for print: the shape of a raw record too large to print


def shape_of(value: Any) -> str:
    """'sent: 700 values; replies: 693 values; server: stun.example:3478' (top level only)."""
    if not isinstance(value, dict):
        return f"{len(value)} values" if isinstance(value, list) else clip_count(str(value), 80)[0]
    parts = []
    for key, item in list(value.items())[:12]:
        if isinstance(item, list):
            parts.append(f"{key}: {len(item)} values")
        elif isinstance(item, dict):
            parts.append(f"{key}: {len(item)} fields")
        else:
            parts.append(f"{key}: {clip_count(json.dumps(item, ensure_ascii=False), 40)[0]}")
    more = f"; and {len(value) - 12} more fields" if len(value) > 12 else ""
    return "; ".join(parts) + more


def _output(label: str, text: str, for_print: str | None = None) -> Output:
    shown, omitted = clip_count(text, MAX_SHOWN_CHARS)
    printed, print_omitted = clip_count(text if for_print is None else for_print, PRINT_CHARS)
    return Output(label, shown, omitted, printed, print_omitted)


def _json_text(value: Any) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True)


def _command_items(source: str, commands: list[Any]) -> list[EvidenceItem]:
    items = []
    for cmd in commands:
        cmd = as_dict(cmd)
        argv = [str(a) for a in as_list(cmd.get("argv"))]
        if " ".join(argv) != source:
            continue
        error, rc = cmd.get("error"), cmd.get("returncode")
        meta = f"could not run: {error}" if error else f"exit status {rc}"
        meta += f", {cmd.get('duration_ms', 0)} ms" if isinstance(cmd.get("duration_ms"), int) else ""
        outputs = [_output("output", str(cmd.get("stdout") or ""))]
        if cmd.get("stderr"):
            outputs.append(_output("error output", str(cmd["stderr"])))
        items.append(EvidenceItem("command", source, meta, tuple(outputs)))
    return items


def _lookup(store: dict[str, Any], name: str) -> Any:
    """store[name], or a dotted path into it ('stun.tcp_fallback'); None when absent."""
    if name in store:
        return store[name]
    head, _, rest = name.partition(".")
    node: Any = store.get(head) if rest else None
    for part in rest.split(".") if rest else []:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def evidence_for(sources: list[Any], evidence: Mapping[str, Any] | None) -> list[EvidenceItem]:
    """Evidence items for each source, in order; a source with no record says so."""
    items: list[EvidenceItem] = []
    if evidence is None:
        return items
    commands = as_list(evidence.get("commands"))
    files, dirs = as_dict(evidence.get("files")), as_dict(evidence.get("dirs"))
    snapshots, measurements = as_dict(evidence.get("snapshots")), as_dict(evidence.get("measurements"))
    for raw in sources:
        source = str(raw)
        found = _command_items(source, commands)
        if source in files:
            content = files[source]
            found.append(EvidenceItem("file", source, "absent" if content is None else "read",
                                      (_output("content", str(content)),) if content is not None
                                      else ()))
        if source in dirs:
            names = [str(n) for n in as_list(dirs[source])]
            found.append(EvidenceItem("directory", source, "absent" if dirs[source] is None
                                      else f"{len(names)} entries",
                                      (_output("entries", "\n".join(names), ", ".join(names)),)
                                      if dirs[source] is not None else ()))
        name = source.split(":", 1)[1] if source.startswith(("measurement:", "snapshot:")) else source
        for kind, store in (("snapshot", snapshots), ("measurement", measurements)):
            value = _lookup(store, name)
            if value is not None:
                text = _json_text(value)
                dense = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                found.append(EvidenceItem(kind, source, f"raw {kind}",
                                          (_output("data", text, dense),),
                                          shape_of(value) if len(dense) > PRINT_CHARS else ""))
        items.extend(found or [EvidenceItem("missing", source,
                                            "no recorded output for this source in the report")])
    return items
