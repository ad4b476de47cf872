"""What every audio backend produces: a list of devices and which ones are the defaults."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum


class Direction(str, Enum):
    """Playback (output, a sink) or capture (input, a source)."""

    OUTPUT = "output"
    INPUT = "input"


class Kind(str, Enum):
    """What a device is, as far as a call is concerned."""

    HEADSET = "headset"          # head-worn with a microphone
    HEADPHONES = "headphones"    # head-worn output, no microphone known
    BUILTIN = "built-in"         # laptop speakers / internal microphone
    EXTERNAL = "external"        # other hardware: dock, webcam, display, desk speaker, USB mic
    VIRTUAL = "virtual"          # software device (null sink, Teams/Zoom/BlackHole/VB-Cable)
    MONITOR = "monitor"          # loopback of an output, never a microphone
    REMOTE = "remote"            # audio redirected by a remote desktop session
    UNKNOWN = "unknown"


HEAD_WORN = (Kind.HEADSET, Kind.HEADPHONES)


@dataclass(frozen=True)
class AudioDevice:
    """One input or output device with the raw hints a classifier needs."""

    id: str                           # stable name/id used to match the default
    name: str                         # human name (description)
    direction: Direction
    bus: str | None = None            # usb, bluetooth, pci, platform, builtin, hdmi, virtual ...
    form_factor: str | None = None    # headset, headphone, internal, speaker, microphone ...
    port_type: str | None = None      # active port type (Headphones, Headset, Speaker, Mic ...)
    port_name: str | None = None      # active port name (analog-output-headphones ...)
    bt_profile: str | None = None     # a2dp, hfp, hsp (normalised)
    bt_profiles_available: tuple[str, ...] = ()  # profiles the card offers (a2dp, hfp ...)
    group: str | None = None          # same physical device (card, bus path, BT address)
    is_monitor: bool = False
    is_virtual_hint: bool = False     # the backend knows it is a software device
    is_remote_hint: bool = False      # the backend knows it is a remote desktop device
    available: bool | None = None     # False: present but disabled/unplugged
    sample_rate_hz: int | None = None
    kind: Kind = Kind.UNKNOWN
    decided_by: str = "not classified"

    def classified(self, kind: Kind, decided_by: str) -> AudioDevice:
        """A copy with the classification set."""
        return replace(self, kind=kind, decided_by=decided_by)


@dataclass
class Inventory:
    """Devices seen by one backend, the defaults (or why they are unknown) and caveats."""

    devices: list[AudioDevice] = field(default_factory=list)
    default_output: str | None = None
    default_input: str | None = None
    defaults_unknown: str | None = None      # reason the defaults could not be read
    output_default_unknown: str | None = None  # reason for output only (e.g. not recorded)
    input_default_unknown: str | None = None
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # caveats shown in every detail
    server: str | None = None                # e.g. "PulseAudio 16.1", "PipeWire 1.0.5"

    def outputs(self) -> list[AudioDevice]:
        """Output devices, in listing order."""
        return [d for d in self.devices if d.direction is Direction.OUTPUT]

    def inputs(self) -> list[AudioDevice]:
        """Input devices, monitors included, in listing order."""
        return [d for d in self.devices if d.direction is Direction.INPUT]

    def find(self, direction: Direction, device_id: str | None) -> AudioDevice | None:
        """The device with this id in this direction, or None."""
        if device_id is None:
            return None
        for dev in self.devices:
            if dev.direction is direction and dev.id == device_id:
                return dev
        return None
