"""Find the recorded evidence behind a fact, from a report's (untrusted) evidence bundle.

The commands, files, listings, snapshots and measurements named in the fact's `sources`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wfhaudit.util.jsonshape import as_dict, as_list
from wfhaudit.util.text import clip_count

MAX_SHOWN_CHARS = 16_000


@dataclass(frozen=True)
class Output:
    """One block of recorded text, possibly cut short for the page."""

    label: str
    text: str
    omitted: int = 0


@dataclass(frozen=True)
class EvidenceItem:
    """One source of a fact with what was recorded for it."""

    kind: str  # command | file | directory | snapshot | measurement | missing
    source: str
    meta: str
    outputs: tuple[Output, ...] = ()


def _output(label: str, text: str) -> Output:
    shown, omitted = clip_count(text, MAX_SHOWN_CHARS)
    return Output(label, shown, omitted)


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
            names = dirs[source]
            listing = "\n".join(str(n) for n in as_list(names))
            found.append(EvidenceItem("directory", source, "absent" if names is None
                                      else f"{len(as_list(names))} entries",
                                      (_output("entries", listing),) if names is not None else ()))
        name = source.split(":", 1)[1] if source.startswith(("measurement:", "snapshot:")) else source
        for kind, store in (("snapshot", snapshots), ("measurement", measurements)):
            value = _lookup(store, name)
            if value is not None:
                found.append(EvidenceItem(kind, source, f"raw {kind}",
                                          (_output("data", _json_text(value)),)))
        items.extend(found or [EvidenceItem("missing", source,
                                            "no recorded output for this source in the report")])
    return items
