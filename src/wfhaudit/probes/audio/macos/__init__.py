"""macOS audio from `system_profiler SPAudioDataType -json`.

Each CoreAudio device is one `_items` entry (older macOS nests another `_items` level, so the
walk is recursive). `coreaudio_device_input`/`_output` hold channel counts; a device with both
is listed once per direction. Defaults are flagged `"spaudio_yes"`; the transport says
builtin/usb/bluetooth/virtual/... A built-in device whose output source is "External
Headphones" (or its translation: `macos_sources`) is the 3.5 mm jack. `spaudio_default` is a placeholder, never a name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.audio.classify import classify_all
from wfhaudit.probes.audio.decide import all_unknown, derive_facts
from wfhaudit.probes.audio.macos.sources import source_form
from wfhaudit.probes.audio.model import AudioDevice, Direction, Inventory
from wfhaudit.probes.base import ProbeContext

SYSTEM_PROFILER = ("system_profiler", "SPAudioDataType", "-json")
TIMEOUT = 20.0
_YES = "spaudio_yes"
_TRANSPORT = {"builtin": "builtin", "usb": "usb", "bluetooth": "bluetooth",
              "bluetooth_le": "bluetooth", "bluetoothle": "bluetooth", "hdmi": "hdmi",
              "displayport": "displayport", "airplay": "airplay", "virtual": "virtual",
              "aggregate": "virtual", "pci": "pci", "firewire": "firewire",
              "thunderbolt": "thunderbolt", "continuity_capture": "continuity"}


COMMANDS = [SYSTEM_PROFILER]

def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        items = node.get("_items")
        if isinstance(items, list):
            yield from _walk(items)
        elif any(str(k).startswith("coreaudio_") for k in node):
            yield node


def _channels(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _source_hint(value: Any) -> tuple[str | None, str | None]:
    """(form factor, port label) from coreaudio_output_source / input_source (any language)."""
    text = value if isinstance(value, str) and value != "spaudio_default" else ""
    return source_form(text), text or None


def parse(text: str) -> tuple[list[AudioDevice], str | None, str | None] | None:
    """(devices, default output id, default input id), or None when not an SPAudio report."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("SPAudioDataType"), list):
        return None
    devices: list[AudioDevice] = []
    default_out = default_in = None
    for n, item in enumerate(_walk(data["SPAudioDataType"])):
        raw_name = item.get("_name")
        name = raw_name if isinstance(raw_name, str) and raw_name else f"device {n}"
        transport = str(item.get("coreaudio_device_transport") or "")
        bus = _TRANSPORT.get(transport.removeprefix("coreaudio_device_type_"))
        rate = item.get("coreaudio_device_srate")
        rate = int(rate) if isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 0 else None
        for direction, count_key, src_key, default_key in (
                (Direction.OUTPUT, "coreaudio_device_output", "coreaudio_output_source",
                 "coreaudio_default_audio_output_device"),
                (Direction.INPUT, "coreaudio_device_input", "coreaudio_input_source",
                 "coreaudio_default_audio_input_device")):
            flagged = item.get(default_key) == _YES
            if not _channels(item.get(count_key)) and not flagged:
                continue
            form, port = _source_hint(item.get(src_key)) if bus == "builtin" else (None, None)
            dev_id = f"{n}:{name}"
            devices.append(AudioDevice(
                id=dev_id, name=name, direction=direction, bus=bus, form_factor=form,
                port_name=port, group=f"coreaudio:{n}", sample_rate_hz=rate,
                is_virtual_hint=bus == "virtual"))
            if flagged and direction is Direction.OUTPUT:
                default_out = dev_id
            elif flagged:
                default_in = dev_id
    return devices, default_out, default_in


def collect(ctx: ProbeContext) -> list[Fact]:
    """The audio facts for macOS."""
    result = ctx.host.run(SYSTEM_PROFILER, timeout=TIMEOUT)
    sources = [result.source]
    if not result.ok:
        return all_unknown(result.failure(), sources)
    parsed = parse(result.stdout)
    if parsed is None:
        return all_unknown("system_profiler printed no SPAudioDataType report", sources)
    devices, default_out, default_in = parsed
    inv = Inventory(devices=classify_all(devices), default_output=default_out,
                    default_input=default_in, sources=sources, server="CoreAudio")
    return derive_facts(inv)
