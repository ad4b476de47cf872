"""Classification: properties decide before names; every documented name pattern has an example."""

from __future__ import annotations

import pytest

from wfhaudit.probes.audio.classify import (
    HEADPHONE_NAMES,
    HEADSET_NAMES,
    REMOTE_NAMES,
    VIRTUAL_NAMES,
    classify_all,
    classify_device,
    name_hint,
)
from wfhaudit.probes.audio.decide import clean
from wfhaudit.probes.audio.model import AudioDevice, Direction, Kind

OUT, IN = Direction.OUTPUT, Direction.INPUT


def dev(name: str = "x", direction: Direction = OUT, **kw: object) -> AudioDevice:
    return AudioDevice(id=name, name=name, direction=direction, **kw)  # type: ignore[arg-type]


# One real-world name per pattern (same order as the tables).
HEADSET_EXAMPLES = ["USB Headset", "Hands-Free AG Audio", "Jabra Evolve2 65", "Poly Blackwire 3220",
                    "EPOS ADAPT 360", "Logitech H390", "AirPods Pro", "Galaxy Buds2",
                    "WH-1000XM4", "Yealink UH36", "Beats Studio Pro", "HyperX Cloud II"]
HEADPHONE_EXAMPLES = ["External Headphones", "USB Earphones"]
VIRTUAL_EXAMPLES = ["BlackHole 2ch", "Microsoft Teams Audio"]
REMOTE_EXAMPLES = ["xrdp-sink", "Remote Audio"]


def test_every_pattern_has_an_example() -> None:
    assert len(HEADSET_EXAMPLES) == len(HEADSET_NAMES)
    assert len(HEADPHONE_EXAMPLES) == len(HEADPHONE_NAMES)
    assert len(VIRTUAL_EXAMPLES) == len(VIRTUAL_NAMES)
    assert len(REMOTE_EXAMPLES) == len(REMOTE_NAMES)


@pytest.mark.parametrize(("examples", "table", "kind"), [
    (HEADSET_EXAMPLES, HEADSET_NAMES, Kind.HEADSET),
    (HEADPHONE_EXAMPLES, HEADPHONE_NAMES, Kind.HEADPHONES),
    (VIRTUAL_EXAMPLES, VIRTUAL_NAMES, Kind.VIRTUAL),
    (REMOTE_EXAMPLES, REMOTE_NAMES, Kind.REMOTE)])
def test_name_patterns(examples: list[str], table: tuple[tuple[str, str], ...], kind: Kind) -> None:
    for name, (_pattern, label) in zip(examples, table, strict=True):
        hint = name_hint(name)
        assert hint == (kind, f"name matches {label}"), name


@pytest.mark.parametrize("name", ["Built-in Audio Analog Stereo", "HDA Intel PCH", "Speakers",
                                  "DELL U2724DE", "C922 Pro Stream Webcam", "Polycom-free zone",
                                  "Apollo Twin", "Scarlett 2i2 USB"])
def test_names_that_are_not_headsets(name: str) -> None:
    assert name_hint(name) is None


def test_properties_beat_the_name() -> None:
    # A Jabra speakerphone is tagged speaker: the property decides, not the brand.
    d = classify_device(dev("Jabra Speak 510", bus="usb", form_factor="speaker"))
    assert (d.kind, d.decided_by) == (Kind.EXTERNAL, "properties: form factor speaker")
    d = classify_device(dev("Speakers", bus="usb", form_factor="headset"))
    assert d.kind is Kind.HEADSET and d.decided_by.startswith("properties")


def test_name_decides_when_properties_are_silent() -> None:
    d = classify_device(dev("Jabra EVOLVE LINK", bus="usb"))
    assert (d.kind, d.decided_by) == (Kind.HEADSET, "name matches Jabra")


def test_monitor_is_never_a_microphone_even_with_headset_properties() -> None:
    d = classify_device(dev("Monitor of Jabra", IN, is_monitor=True, form_factor="headset"))
    assert d.kind is Kind.MONITOR


def test_bluetooth_profiles() -> None:
    assert classify_device(dev("x", bus="bluetooth", bt_profile="hfp")).kind is Kind.HEADSET
    phones = dev("Teufel", bus="bluetooth", form_factor="headphone", bt_profile="a2dp")
    assert classify_device(phones).kind is Kind.HEADPHONES
    offers = classify_device(AudioDevice(id="t", name="Teufel", direction=OUT, bus="bluetooth",
                                         form_factor="headphone", bt_profile="a2dp",
                                         bt_profiles_available=("a2dp", "hfp")))
    assert offers.kind is Kind.HEADSET and "HFP/HSP" in offers.decided_by


def test_3_5mm_headset_on_builtin_card() -> None:
    out = dev("Built-in", OUT, bus="pci", form_factor="internal", port_type="Headphones",
              port_name="analog-output-headphones", group="alsa:0")
    mic = dev("Built-in", IN, bus="pci", form_factor="internal", port_type="Headset",
              port_name="analog-input-headset-mic", group="alsa:0")
    internal = dev("Built-in 2", IN, bus="pci", form_factor="internal", port_type="Mic",
                   port_name="analog-input-internal-mic", group="alsa:0")
    got = classify_all([out, mic, internal])
    assert [d.kind for d in got] == [Kind.HEADSET, Kind.HEADSET, Kind.BUILTIN]
    assert "same device as headset" in got[0].decided_by


def test_usb_with_playback_and_capture_is_a_weak_headset_unless_named_otherwise() -> None:
    pair = [dev("INZONE H3", OUT, bus="usb", group="u1"), dev("INZONE H3", IN, bus="usb", group="u1")]
    got = classify_all(pair)
    assert all(d.kind is Kind.HEADSET and "(weak)" in d.decided_by for d in got)
    dock = [dev("ThinkPad Dock USB Audio", OUT, bus="usb", group="u2"),
            dev("ThinkPad Dock USB Audio", IN, bus="usb", group="u2")]
    assert all(d.kind is Kind.EXTERNAL for d in classify_all(dock))
    webcam = [dev("Unknown USB", IN, bus="usb", group="u3")]
    assert classify_all(webcam)[0].kind is Kind.EXTERNAL


def test_bus_fallbacks() -> None:
    assert classify_device(dev("HDA Intel PCH", bus="pci")).kind is Kind.BUILTIN
    assert classify_device(dev("Foo", bus="hdmi")).kind is Kind.EXTERNAL
    assert classify_device(dev("Foo")).kind is Kind.UNKNOWN


def test_clean_strips_control_and_bidi_and_bounds_length() -> None:
    assert clean("Jab\x1b[31mra\u202e Evolve\n2") == "Jab [31mra Evolve 2"
    assert len(clean("x" * 500)) == 80
