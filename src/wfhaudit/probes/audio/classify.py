"""Decide what each audio device is: properties first, the name second, and say which decided.

Order of evidence (first match wins):

1. Properties: a monitor source; a remote-desktop device; form factor headset / hands-free /
   handset; a Bluetooth HFP/HSP profile; an active port of type Headset; form factor headphone
   or a Headphones port (a headset if its Bluetooth card offers HFP/HSP); a software device;
   form factor internal or a built-in bus; form factor speaker/microphone/webcam/... (external).
2. Name patterns (`HEADSET_NAMES`, `HEADPHONE_NAMES`, `VIRTUAL_NAMES`, `REMOTE_NAMES` below),
   case-insensitive. Every pattern has an example in tests/unit/probes/audio/test_classify.py.
3. Bus only: USB/Bluetooth/HDMI -> external, PCI/platform -> built-in.

Then per physical device (same `group`): a device sharing a card or Bluetooth address with a
headset becomes part of that headset (the 3.5 mm headset microphone makes the headphone port a
headset), and a USB device with both playback and capture whose name does not say dock,
webcam, display, speakerphone or audio interface is taken as a headset (weak; said so).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from wfhaudit.probes.audio.model import AudioDevice, Direction, Kind

# (pattern, label): the label is what the report says decided.
HEADSET_NAMES: tuple[tuple[str, str], ...] = (
    (r"head[\s_-]?set", "'headset'"),
    (r"hands[\s_-]?free", "'hands-free'"),
    (r"\bjabra\b", "Jabra"),
    (r"\bplantronics\b|\bpoly\b|\bblackwire\b|\bvoyager\b|\bsavi\b|\bencorepro\b", "Plantronics/Poly"),
    (r"\bepos\b|\bsennheiser\b", "EPOS/Sennheiser"),
    (r"\blogitech\s+h\d{3}|\blogi\s+(usb\s+)?headset|\b(logitech\s+)?zone\s+(wired|vibe|wireless|30\d|750|900)",
     "Logitech headset"),
    (r"\bairpods\b", "AirPods"),
    (r"\bearbuds?\b|\b(galaxy|pixel|jabra|sony)\s+buds\b|\bbuds\s?(\d|\+|pro|live)", "earbuds"),
    (r"\bw[hf]-1000xm\d\b", "Sony WH/WF-1000XM"),
    (r"\byealink\b", "Yealink"),
    (r"\bbeats\b", "Beats"),
    (r"\bhyperx\s+cloud|\barctis\b|\bkraken\b|\bcorsair\s+(void|hs\d+)", "gaming headset"),
)
HEADPHONE_NAMES: tuple[tuple[str, str], ...] = (
    (r"head[\s_-]?phones?", "'headphones'"),
    (r"\bearphones?\b", "'earphones'"),
)
VIRTUAL_NAMES: tuple[tuple[str, str], ...] = (
    (r"blackhole|soundflower|loopback\s+audio|\bvb-audio|\bcable\s+(input|output)\b|voicemeeter",
     "virtual audio cable"),
    (r"microsoft\s+teams\s+audio|zoomaudiodevice|\bzoom\s+audio\b|\bkrisp\b|nvidia\s+broadcast"
     r"|noisetorch|easy\s?effects|\bdummy\s+output\b|\bnull\s+(output|sink)\b", "conferencing/virtual device"),
)
REMOTE_NAMES: tuple[tuple[str, str], ...] = (
    (r"\bxrdp\b|xrdp[-_](sink|source)", "xrdp"),
    (r"\bremote\s+audio\b|\brdp\b|remote\s+desktop|\bcitrix\b|\bnomachine\b|\bfreerdp\b",
     "remote desktop"),
)
# USB devices with playback and capture that are not headsets.
NOT_HEADSET_USB = re.compile(
    r"dock|\bhub\b|webcam|camera|\bc9\d\d\b|\bbrio\b|display|monitor|hdmi|speak|conference"
    r"|soundbar|scarlett|focusrite|\bumc\d|audio\s+interface|mixer|\bdac\b|capture", re.I)

_HEADSET_FF = {"headset", "hands-free", "handsfree", "handset"}
_HEADPHONE_FF = {"headphone", "headphones"}
_EXTERNAL_FF = {"speaker", "microphone", "webcam", "tv", "computer", "portable", "car", "hifi",
                "linelevel", "line", "spdif", "hdmi"}
_HEADSET_PORTS = {"headset", "handset", "handsfree"}
_HEADPHONE_PORTS = {"headphones", "earpiece"}
_MIC_PROFILES = {"hfp", "hsp"}


def _match(table: tuple[tuple[str, str], ...], name: str) -> str | None:
    for pattern, label in table:
        if re.search(pattern, name, re.I):
            return label
    return None


def name_hint(name: str) -> tuple[Kind, str] | None:
    """Classify by name alone (remote, virtual, headset, headphones), or None."""
    for table, kind in ((REMOTE_NAMES, Kind.REMOTE), (VIRTUAL_NAMES, Kind.VIRTUAL),
                        (HEADSET_NAMES, Kind.HEADSET), (HEADPHONE_NAMES, Kind.HEADPHONES)):
        label = _match(table, name)
        if label:
            return kind, f"name matches {label}"
    return None


def _low(value: str | None) -> str:
    return (value or "").strip().lower()


def _by_properties(dev: AudioDevice) -> tuple[Kind, str] | None:
    ff, port, bus = _low(dev.form_factor), _low(dev.port_type), _low(dev.bus)
    port_name = _low(dev.port_name)
    offers_mic = bool(_MIC_PROFILES & set(dev.bt_profiles_available))
    if dev.is_monitor:
        return Kind.MONITOR, "properties: monitor of an output (not a microphone)"
    if dev.is_remote_hint:
        return Kind.REMOTE, "properties: remote desktop audio device"
    if ff in _HEADSET_FF:
        return Kind.HEADSET, f"properties: form factor {ff}"
    if dev.bt_profile in _MIC_PROFILES:
        return Kind.HEADSET, f"properties: Bluetooth {dev.bt_profile.upper()} profile"
    if port in _HEADSET_PORTS or "headset" in port_name:
        return Kind.HEADSET, f"properties: active port {dev.port_name or port}"
    if ff in _HEADPHONE_FF or port in _HEADPHONE_PORTS or "headphone" in port_name:
        what = f"form factor {ff}" if ff in _HEADPHONE_FF else f"active port {dev.port_name or port}"
        if offers_mic:
            return Kind.HEADSET, f"properties: {what}, Bluetooth card offers HFP/HSP (microphone)"
        return Kind.HEADPHONES, f"properties: {what}"
    if bus == "bluetooth" and offers_mic:
        return Kind.HEADSET, "properties: Bluetooth device offering HFP/HSP (microphone)"
    if dev.is_virtual_hint or bus == "virtual":
        return Kind.VIRTUAL, "properties: software (virtual) device"
    if ff == "internal" or bus == "builtin":
        return Kind.BUILTIN, f"properties: {'form factor internal' if ff == 'internal' else 'built-in transport'}"
    if ff in _EXTERNAL_FF:
        return Kind.EXTERNAL, f"properties: form factor {ff}"
    return None


def _by_bus(dev: AudioDevice) -> tuple[Kind, str]:
    bus = _low(dev.bus)
    if bus in ("usb", "bluetooth", "firewire", "hdmi", "displayport", "thunderbolt", "airplay"):
        return Kind.EXTERNAL, f"properties: {bus} device; nothing marks it as a headset"
    if bus in ("pci", "platform", "isa", "hda"):
        return Kind.BUILTIN, f"properties: on the {bus} bus (built-in sound card)"
    return Kind.UNKNOWN, "neither its properties nor its name say what it is"


def classify_device(dev: AudioDevice) -> AudioDevice:
    """Classify one device on its own (no knowledge of its siblings)."""
    decided = _by_properties(dev) or name_hint(dev.name) or _by_bus(dev)
    return dev.classified(*decided)


def _upgrade_groups(devices: list[AudioDevice]) -> list[AudioDevice]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, dev in enumerate(devices):
        if dev.group:
            groups[dev.group].append(i)
    out = list(devices)
    for members in groups.values():
        headsets = [out[i] for i in members if out[i].kind is Kind.HEADSET]
        if headsets:
            anchor = headsets[0]
            for i in members:
                dev = out[i]
                if dev.kind in (Kind.HEADPHONES, Kind.EXTERNAL, Kind.UNKNOWN):
                    out[i] = dev.classified(
                        Kind.HEADSET, f"same device as headset {anchor.name!r} ({anchor.decided_by})")
            continue
        ext = [out[i] for i in members if _low(out[i].bus) in ("usb", "bluetooth")
               and out[i].kind in (Kind.EXTERNAL, Kind.UNKNOWN)]
        directions = {d.direction for d in ext}
        if directions == {Direction.INPUT, Direction.OUTPUT} and not any(
                NOT_HEADSET_USB.search(d.name) for d in ext):
            for i in members:
                if out[i] in ext:
                    out[i] = out[i].classified(
                        Kind.HEADSET, f"properties: {_low(out[i].bus)} device with both playback "
                        "and capture (weak)")
    return out


def classify_all(devices: Iterable[AudioDevice]) -> list[AudioDevice]:
    """Classify every device, then let devices of the same physical unit inform each other."""
    return _upgrade_groups([classify_device(d) for d in devices])
