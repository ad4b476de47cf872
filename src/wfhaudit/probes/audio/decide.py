"""Turn a classified Inventory into the five audio facts (same rules on every OS)."""

from __future__ import annotations

import re
import unicodedata

from wfhaudit.facts import Fact, keys_of
from wfhaudit.probes.audio.model import HEAD_WORN, AudioDevice, Direction, Inventory, Kind

KEYS = keys_of("audio")
MAX_NAME = 80


def clean(text: str, limit: int = MAX_NAME) -> str:
    """Device-produced text made safe to show: no control/format characters, bounded length."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
                   for c in text)
    kept = re.sub(r"\s+", " ", kept).strip()
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def describe(dev: AudioDevice, inv: Inventory) -> str:
    """One line about a device: name [bus, form factor, default] kind (what decided)."""
    tags = [dev.bus or "bus ?", dev.form_factor or "form factor ?"]
    if dev.bt_profile:
        tags.append(f"bluetooth {dev.bt_profile}")
    if dev.port_type or dev.port_name:
        tags.append(f"port {clean(dev.port_type or dev.port_name or '', 30)}")
    if dev.sample_rate_hz:
        tags.append(f"{dev.sample_rate_hz} Hz")
    if dev.available is False:
        tags.append("disabled or unplugged")
    default = inv.default_output if dev.direction is Direction.OUTPUT else inv.default_input
    if default is not None and dev.id == default:
        tags.append("DEFAULT")
    return f"{clean(dev.name)} [{', '.join(tags)}] {dev.kind.value} ({dev.decided_by})"


def device_list(inv: Inventory) -> str:
    """The classified device list, outputs then inputs, for a fact's detail."""
    def section(label: str, devs: list[AudioDevice]) -> str:
        body = "; ".join(describe(d, inv) for d in devs) if devs else "none"
        return f"{label}: {body}"
    parts = [section("outputs", inv.outputs()), section("inputs", inv.inputs())]
    if inv.server:
        parts.insert(0, f"audio server: {clean(inv.server)}")
    parts.extend(inv.notes)
    return " | ".join(parts)


def _usable(dev: AudioDevice) -> bool:
    return dev.available is not False


def _headset(inv: Inventory) -> AudioDevice | None:
    """The headset the facts talk about: the default output's, the default input's, or the first."""
    candidates = [inv.find(Direction.OUTPUT, inv.default_output),
                  inv.find(Direction.INPUT, inv.default_input)]
    candidates += [d for d in inv.outputs() + inv.inputs() if d.kind is Kind.HEADSET]
    for dev in candidates:
        if dev is not None and dev.kind is Kind.HEADSET and _usable(dev):
            return dev
    return None


def _a2dp_hint(inv: Inventory) -> str:
    a2dp = [d for d in inv.outputs() if d.kind is Kind.HEADSET and d.bt_profile == "a2dp"]
    if not a2dp:
        return ""
    return (f"; Bluetooth headset {clean(a2dp[0].name)!r} is in the A2DP (music) profile, which "
            "has no microphone: switch it to the HSP/HFP (headset) profile")


def _default_fact(key: str, inv: Inventory, direction: Direction) -> Fact:
    dev_id = inv.default_output if direction is Direction.OUTPUT else inv.default_input
    unknown = inv.defaults_unknown or (inv.output_default_unknown if direction is Direction.OUTPUT
                                       else inv.input_default_unknown)
    if unknown:
        return Fact.unknown(key, unknown, inv.sources)
    word = "output" if direction is Direction.OUTPUT else "input"
    devices = inv.outputs() if direction is Direction.OUTPUT else inv.inputs()
    if dev_id is None:
        if not devices:
            return Fact.observed(key, False, inv.sources, detail=f"there is no {word} device at all"
                                 + (_a2dp_hint(inv) if direction is Direction.INPUT else ""))
        return Fact.unknown(key, f"the audio system names no default {word}", inv.sources)
    dev = inv.find(direction, dev_id)
    if dev is None:
        return Fact.unknown(key, f"the default {word} {clean(dev_id)!r} is not in the device list",
                            inv.sources)
    if direction is Direction.OUTPUT:
        value = dev.kind in HEAD_WORN and _usable(dev)
        extra = " (headphones without a microphone of their own)" if dev.kind is Kind.HEADPHONES else ""
    else:
        value = dev.kind is Kind.HEADSET and _usable(dev)
        extra = ""
        if dev.kind is Kind.MONITOR:
            extra = " (a monitor of an output: no microphone is selected)"
        if not value:
            extra += _a2dp_hint(inv)
    detail = f"default {word}: {describe(dev, inv)}{extra}"
    return Fact.observed(key, value, inv.sources, detail=detail)


def _remote_reason(inv: Inventory) -> str | None:
    defaults = [inv.find(Direction.OUTPUT, inv.default_output),
                inv.find(Direction.INPUT, inv.default_input)]
    remote = [d for d in defaults if d is not None and d.kind is Kind.REMOTE]
    if not remote and inv.devices and all(d.kind in (Kind.REMOTE, Kind.MONITOR) for d in inv.devices):
        remote = [d for d in inv.devices if d.kind is Kind.REMOTE]
    if not remote:
        return None
    return (f"remote desktop session: audio goes to the remote client's devices through "
            f"{clean(remote[0].name)!r}, which this machine cannot inspect; run the check on the "
            "computer the headset is plugged into")


def derive_facts(inv: Inventory) -> list[Fact]:
    """The five audio facts from an inventory whose devices are already classified."""
    src = inv.sources
    remote = _remote_reason(inv)
    if remote:
        return [Fact.unknown(k, remote, src) for k in KEYS]
    listing = device_list(inv)
    headset = _headset(inv)
    heads = [d for d in inv.devices if d.kind is Kind.HEADSET and _usable(d)]
    present = Fact.observed("audio.headset_present", bool(heads), src, detail=listing)
    if headset is not None:
        name = Fact.observed("audio.headset_name", clean(headset.name), src,
                             detail=f"{describe(headset, inv)}")
    else:
        phones = [d for d in inv.devices if d.kind is Kind.HEADPHONES and _usable(d)]
        why = "no headset is connected" + (
            f" (headphones without a microphone: {clean(phones[0].name)!r})" if phones else "")
        name = Fact.unknown("audio.headset_name", why, src)
    facts = [present,
             _default_fact("audio.default_output_is_headset", inv, Direction.OUTPUT),
             _default_fact("audio.default_input_is_headset", inv, Direction.INPUT),
             name, _rate_fact(inv)]
    return facts


def _rate_fact(inv: Inventory) -> Fact:
    key = "audio.input_sample_rate_hz"
    unknown = inv.defaults_unknown or inv.input_default_unknown
    if unknown:
        return Fact.unknown(key, unknown, inv.sources)
    dev = inv.find(Direction.INPUT, inv.default_input)
    if dev is None:
        return Fact.unknown(key, "no default input device", inv.sources)
    if not dev.sample_rate_hz:
        return Fact.unknown(key, f"the default input {clean(dev.name)!r} reports no sample rate",
                            inv.sources)
    return Fact.observed(key, dev.sample_rate_hz, inv.sources,
                         detail=f"default input: {clean(dev.name)}")


def all_unknown(reason: str, sources: list[str]) -> list[Fact]:
    """Every audio fact unknown for one reason."""
    return [Fact.unknown(k, reason, sources) for k in KEYS]
