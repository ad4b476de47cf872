"""Turn pactl records (JSON or text) into AudioDevices: bus, form factor, port, Bluetooth profile.

Property names come from PulseAudio's proplist.h (`device.bus`, `device.form_factor`,
`device.class`, `device.bus_path`, `device.string`, `bluetooth.protocol`) and PipeWire
(`api.bluez5.profile`, `api.bluez5.address`, `device.id`, `node.virtual`). PipeWire often
keeps `device.form_factor` and `device.bus` on the card only, so card properties fill gaps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from wfhaudit.probes.audio.model import AudioDevice, Direction

Record = dict[str, Any]

_MAC = re.compile(r"([0-9A-Fa-f]{2}(?:[:_][0-9A-Fa-f]{2}){5})")
_RATE = re.compile(r"(\d+)\s*Hz")


def bt_profile(*hints: str | None) -> str | None:
    """Normalise a Bluetooth profile/protocol name to a2dp, hfp, hsp or bap (None if none)."""
    for hint in hints:
        h = (hint or "").lower()
        if "a2dp" in h:
            return "a2dp"
        # PipeWire's headset-head-unit covers HSP and HFP; PulseAudio's handsfree_head_unit is HFP.
        if "handsfree" in h or "hfp" in h or "headset-head-unit" in h:
            return "hfp"
        if "headset_head_unit" in h or "hsp" in h:
            return "hsp"
        if "bap" in h:
            return "bap"
    return None


def sample_rate(spec: str | None) -> int | None:
    """44100 from 's16le 2ch 44100Hz'."""
    match = _RATE.search(spec or "")
    return int(match.group(1)) if match else None


def _bt_address(rec: Record) -> str | None:
    props = rec.get("properties", {})
    name = str(rec.get("name") or "")
    hints = [props.get("api.bluez5.address"), props.get("device.string")]
    if name.startswith("bluez"):
        hints.append(name)
    for value in hints:
        match = _MAC.search(str(value or ""))
        if match:
            return match.group(1).replace("_", ":").upper()
    return None


def _keys(rec: Record) -> list[str]:
    """Identities that tie a sink/source to its card (and siblings to each other)."""
    props = rec.get("properties", {})
    keys = []
    addr = _bt_address(rec)
    if addr:
        keys.append(f"bt:{addr}")
    if props.get("device.bus_path"):
        keys.append(f"path:{props['device.bus_path']}")
    for k in ("alsa.card", "api.alsa.card", "api.alsa.pcm.card"):
        if props.get(k, "").isdecimal():
            keys.append(f"alsa:{props[k]}")
            break
    if props.get("device.id", "").isdecimal():
        keys.append(f"pw:{props['device.id']}")
    return keys


def _card_keys(card: Record) -> list[str]:
    keys = _keys(card)
    props = card.get("properties", {})
    if props.get("object.id", "").isdecimal():
        keys.append(f"pw:{props['object.id']}")
    elif isinstance(card.get("index"), int) and card.get("name", "").startswith(("alsa_card", "bluez_card")):
        keys.append(f"pw:{card['index']}")
    return keys


def _bus(props: dict[str, str], name: str) -> str | None:
    bus = props.get("device.bus")
    if bus:
        return bus.lower()
    api = props.get("device.api", "").lower()
    if api.startswith("bluez") or name.startswith("bluez_"):
        return "bluetooth"
    path = props.get("device.bus_path", "")
    if "usb" in path:
        return "usb"
    if path.startswith("platform-"):
        return "platform"
    if path.startswith("pci-"):
        return "pci"
    return None


def _profiles_offered(card: Record | None) -> tuple[str, ...]:
    if not card:
        return ()
    out = []
    for name, info in card.get("profiles", {}).items():
        if info.get("available") is False:
            continue
        prof = bt_profile(name)
        if prof and prof not in out:
            out.append(prof)
    return tuple(out)


def _is_virtual(rec: Record, props: dict[str, str]) -> bool:
    if props.get("node.virtual") == "true" or props.get("device.class") in ("filter",):
        return True
    driver = (rec.get("driver") or "").lower()
    no_hw = not props.get("device.bus") and not props.get("device.form_factor")
    return no_hw and (props.get("device.class") == "abstract" or "null" in driver
                      or rec.get("name") == "auto_null")


def to_devices(records: Iterable[Record], direction: Direction,
               cards: Iterable[Record] = ()) -> list[AudioDevice]:
    """AudioDevices for sinks (OUTPUT) or sources (INPUT), enriched from their cards."""
    card_index: dict[str, Record] = {}
    for card in cards:
        for key in _card_keys(card):
            card_index.setdefault(key, card)
    out = []
    for rec in records:
        props: dict[str, str] = dict(rec.get("properties", {}))
        keys = _keys(rec)
        match: Record | None = next((card_index[k] for k in keys if k in card_index), None)
        card_props = match.get("properties", {}) if match else {}
        for k in ("device.form_factor", "device.bus", "device.bus_path", "device.api"):
            if k not in props and k in card_props:
                props[k] = card_props[k]
        name = rec["name"]
        port: Record = next((p for p in rec.get("ports", [])
                             if p.get("name") == rec.get("active_port")), {})
        monitor_of = rec.get("monitor_of")
        is_monitor = direction is Direction.INPUT and (
            props.get("device.class") == "monitor" or bool(monitor_of) or name.endswith(".monitor"))
        driver = (rec.get("driver") or "").lower()
        out.append(AudioDevice(
            id=name,
            name=rec.get("description") or props.get("device.description") or name,
            direction=direction,
            bus=_bus(props, name),
            form_factor=(props.get("device.form_factor") or "").lower() or None,
            port_type=port.get("type"),
            port_name=rec.get("active_port"),
            bt_profile=bt_profile(props.get("bluetooth.protocol"), props.get("api.bluez5.profile"),
                                  name if name.startswith("bluez") else None,
                                  match.get("active_profile") if match and _bus(props, name) == "bluetooth" else None),
            bt_profiles_available=_profiles_offered(match),
            group=keys[0] if keys else None,
            is_monitor=is_monitor,
            is_virtual_hint=not is_monitor and _is_virtual(rec, props),
            is_remote_hint="xrdp" in driver or name.startswith("xrdp"),
            available=False if port.get("availability") == "not available" else None,
            sample_rate_hz=sample_rate(rec.get("sample_spec")),
        ))
    return out
