"""Parser properties (Hypothesis): never raise on garbage, and round-trip what pactl prints."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfhaudit.probes.audio import macos, windows
from wfhaudit.probes.audio.linux import alsa, pactl_json, pactl_text
from wfhaudit.probes.audio.linux.pulse import bt_profile, sample_rate, to_devices
from wfhaudit.probes.audio.macos.sources import source_form
from wfhaudit.probes.audio.model import Direction

FAST = settings(max_examples=150, deadline=None)
name_chars = string.ascii_letters + string.digits + "._-:"
names = st.text(name_chars, min_size=1, max_size=40).filter(lambda s: s.strip() == s and s != "n/a")
values = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40)
prop_keys = st.text(string.ascii_lowercase + ".", min_size=1, max_size=20)
props = st.dictionaries(prop_keys, values, max_size=6)
descriptions = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\n"),
                       min_size=1, max_size=40).map(str.strip).filter(bool)


@FAST
@given(st.text(max_size=400))
def test_parsers_never_raise_on_garbage(text: str) -> None:
    pactl_json.parse_info(text)
    pactl_json.parse_devices(text)
    pactl_json.parse_cards(text)
    pactl_text.parse_info(text)
    for kind in ("Sink", "Source", "Card"):
        pactl_text.parse_list(text, kind)
    alsa.parse_cards(text)
    alsa.parse_device_list(text)
    macos.parse(text)
    windows.parse_endpoints(text)


json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=3)
                           | st.dictionaries(st.text(max_size=8), c, max_size=3), max_leaves=12)


@FAST
@given(json_values)
def test_parsers_never_raise_on_odd_json(value: object) -> None:
    text = json.dumps(value)
    devices = pactl_json.parse_devices(text, sources=True) or []
    to_devices(devices, Direction.INPUT, pactl_json.parse_cards(text) or [])
    macos.parse(json.dumps({"SPAudioDataType": value}))
    windows.parse_endpoints(text)


def _render_text(kind: str, recs: list[dict[str, object]]) -> str:
    blocks = []
    for i, r in enumerate(recs):
        lines = [f"{kind} #{i}", "\tState: SUSPENDED", f"\tName: {r['name']}",
                 f"\tDescription: {r['description']}", "\tDriver: PipeWire",
                 f"\tSample Specification: s16le 2ch {r['rate']}Hz", "\tProperties:"]
        lines += [f'\t\t{k} = "{v}"' for k, v in r["props"].items()]  # type: ignore[attr-defined]
        lines += ["\tPorts:", f"\t\t{r['port']}: Head (set) (type: Headset, priority: 1, available)",
                  f"\tActive Port: {r['port']}"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


records = st.lists(st.fixed_dictionaries({
    "name": names, "description": descriptions, "props": props, "port": names,
    "rate": st.integers(8000, 192000)}), max_size=4)


@FAST
@given(records, st.sampled_from(["\t", "        "]))
def test_text_round_trip(recs: list[dict[str, object]], indent: str) -> None:
    text = _render_text("Sink", recs).replace("\t", indent)
    parsed = pactl_text.parse_list(text, "Sink")
    assert parsed is not None and len(parsed) == len(recs)
    for got, want in zip(parsed, recs, strict=True):
        assert got["name"] == want["name"]
        assert got["description"] == want["description"]
        assert got["properties"] == want["props"]
        assert got["active_port"] == want["port"]
        assert got["ports"][0]["type"] == "Headset"
        assert got["ports"][0]["availability"] == "available"
        assert sample_rate(got["sample_spec"]) == want["rate"]


@FAST
@given(records)
def test_json_round_trip(recs: list[dict[str, object]]) -> None:
    data = [{"index": i, "name": r["name"], "description": r["description"],
             "sample_specification": f"s16le 1ch {r['rate']}Hz", "properties": r["props"],
             "ports": [{"name": r["port"], "type": "Mic", "availability": "available"}],
             "active_port": r["port"], "monitor_source": ""} for i, r in enumerate(recs)]
    parsed = pactl_json.parse_devices(json.dumps(data), sources=True)
    assert parsed is not None
    assert [p["name"] for p in parsed] == [r["name"] for r in recs]
    assert [p["properties"] for p in parsed] == [r["props"] for r in recs]
    assert all(p["monitor_of"] is None for p in parsed)


def test_text_port_and_profile_variants() -> None:
    text = ("Card #3\n\tName: bluez_card.00_11\n\tDriver: x\n\tProperties:\n\t\tdevice.bus = \"bluetooth\"\n"
            "\tProfiles:\n\t\theadset-head-unit: Headset Head Unit (HSP/HFP) (sinks: 1, sources: 1, priority: 1, available: yes)\n"
            "\t\ta2dp-sink: High Fidelity Playback (A2DP Sink) (sinks: 1, sources: 0, priority: 18, available: no)\n"
            "\tActive Profile: a2dp-sink\n")
    [card] = pactl_text.parse_list(text, "Card") or []
    assert card["profiles"]["headset-head-unit"] == {"sinks": 1, "sources": 1, "available": True}
    assert card["profiles"]["a2dp-sink"]["available"] is False
    assert card["active_profile"] == "a2dp-sink"
    old = "Sink #0\n\tName: s\n\tPorts:\n\t\tanalog-output: Analog Output (priority. 9900)\n\tActive Port: analog-output\n"
    [sink] = pactl_text.parse_list(old, "Sink") or []
    assert sink["ports"][0]["type"] is None and sink["ports"][0]["name"] == "analog-output"


def test_bt_profile_names() -> None:
    assert bt_profile("a2dp_sink") == bt_profile("a2dp-sink-sbc_xq") == "a2dp"
    assert bt_profile("handsfree_head_unit") == bt_profile("headset-head-unit-msbc") == "hfp"
    assert bt_profile("headset_head_unit") == "hsp"
    assert bt_profile(None, "", "off") is None


def test_alsa_cards_and_bus() -> None:
    text = (" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n                      HDA Intel PCH at 0xf7f30000 irq 32\n"
            " 1 [Dock           ]: USB-Audio - ThinkPad Thunderbolt 3 Dock USB Audio\n"
            "                      Lenovo ThinkPad Thunderbolt 3 Dock USB Audio at usb-0000:3c:00.0-1.5, high speed\n")
    cards = alsa.parse_cards(text)
    assert [c["name"] for c in cards] == ["HDA Intel PCH", "ThinkPad Thunderbolt 3 Dock USB Audio"]
    assert [alsa.card_bus(c) for c in cards] == ["pci", "usb"]
    assert alsa.parse_cards("--- no soundcards ---\n") == []


def test_windows_rate_and_bus() -> None:
    assert windows.bus_of("{1}.USB\\VID_0B0E&PID_24E4&MI_00\\7&1") == "usb"
    assert windows.bus_of("{1}.BTHHFENUM\\BthHFPAudio\\8&1") == "bluetooth"
    assert windows.bus_of("{1}.HDAUDIO\\FUNC_01&VEN_10EC") == "hda"
    assert windows.bus_of("") is None
    one = json.dumps({"Flow": "Capture", "Id": "{A}", "State": 1, "Endpoint": "Mic",
                      "Device": "X", "Parent": "", "FormFactor": 4, "Format": "not base64!"})
    devices, skipped = windows.parse_endpoints(one) or ([], -1)
    assert skipped == 0 and devices[0].sample_rate_hz is None and devices[0].id == "{a}"


@pytest.mark.parametrize(("name", "form"), [
    ("External Headphones", "headphone"),
    ("Externe Kopfhörer", "headphone"),
    ("Écouteurs externes", "headphone"),
    ("Auriculares externos", "headphone"),
    ("外部ヘッドフォン", "headphone"),
    ("外置耳机", "headphone"),
    ("External Microphone", "headset"),
    ("Microfono esterno", "headset"),
    ("外部マイク", "headset"),
    ("Internal Speakers", "internal"),
    ("Interne Lautsprecher", "internal"),
    ("Głośniki wewnętrzne", "internal"),
    ("内建麦克风", "internal"),
    ("Micro interne", "internal"),
    ("Digital Out", None),
    ("", None),
])
def test_macos_source_names_in_several_languages(name: str, form: str | None) -> None:
    assert source_form(name) == form
