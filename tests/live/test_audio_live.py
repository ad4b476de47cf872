"""Live audio probe tests against a real PulseAudio daemon started per test module.

Null sinks and pipe sources carry the properties real hardware has (device.bus,
device.form_factor, device.bus_path, bluetooth.protocol, device.string): a USB headset, a
Bluetooth headset in A2DP (sink only) and another in HFP (sink + source), built-in speakers
and microphone. Each test switches the defaults with pactl and checks every fact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.live.audio_server import PulseServer, available, sink, source

from wfhaudit.facts import Fact
from wfhaudit.host import LiveHost
from wfhaudit.probes import load_probe
from wfhaudit.probes.audio.linux import pactl_json, pactl_text
from wfhaudit.probes.base import ProbeContext

pytestmark = pytest.mark.live

BUILTIN_OUT = "alsa_output.pci-0000_00_1f.3.analog-stereo"
BUILTIN_IN = "alsa_input.pci-0000_00_1f.3.analog-stereo"
USB_OUT = "alsa_output.usb-GN_Netcom_A_S_Jabra_EVOLVE_LINK-00.analog-stereo"
USB_IN = "alsa_input.usb-GN_Netcom_A_S_Jabra_EVOLVE_LINK-00.mono-fallback"
A2DP_OUT = "bluez_sink.00_1B_66_AA_BB_01.a2dp_sink"
HFP_OUT = "bluez_sink.00_1B_66_AA_BB_02.handsfree_head_unit"
HFP_IN = "bluez_source.00_1B_66_AA_BB_02.handsfree_head_unit"

PCI = "device.bus=pci device.form_factor=internal device.bus_path=pci-0000:00:1f.3 device.api=alsa"
USB = "device.bus=usb device.form_factor=headset device.bus_path=pci-0000:00:14.0-usb-0:2:1.0 device.api=alsa"
BT_A2DP = ("device.bus=bluetooth device.api=bluez device.form_factor=headset "
           "bluetooth.protocol=a2dp_sink device.string=00:1B:66:AA:BB:01")
BT_HFP = ("device.bus=bluetooth device.api=bluez device.form_factor=headset "
          "bluetooth.protocol=handsfree_head_unit device.string=00:1B:66:AA:BB:02")

FULL_SETUP = [
    sink(BUILTIN_OUT, "Built-in Audio Analog Stereo", PCI, rate=44100),
    source(BUILTIN_IN, "Built-in Audio Analog Stereo", PCI, Path("{dir}/builtin.fifo"), rate=48000),
    sink(USB_OUT, "Jabra EVOLVE LINK Analog Stereo", USB, rate=48000),
    source(USB_IN, "Jabra EVOLVE LINK Mono", USB, Path("{dir}/usb.fifo"), rate=16000, channels=1),
    sink(A2DP_OUT, "WH-1000XM4", BT_A2DP, rate=44100),
    sink(HFP_OUT, "Poly Voyager 4320", BT_HFP, rate=16000, channels=1),
    source(HFP_IN, "Poly Voyager 4320", BT_HFP, Path("{dir}/hfp.fifo"), rate=16000, channels=1),
]


def _skip_unless_possible() -> None:
    why = available()
    if why:
        pytest.skip(f"live audio test skipped: {why}")


@pytest.fixture(scope="module")
def server() -> Iterator[PulseServer]:
    _skip_unless_possible()
    srv = PulseServer(FULL_SETUP)
    try:
        yield srv
    finally:
        srv.stop()


def _facts(env: dict[str, str]) -> dict[str, Fact]:
    host = LiveHost(env=env)
    facts = load_probe("audio").collect(ProbeContext(host=host))
    return {f.key: f for f in facts}


def _values(facts: dict[str, Fact]) -> dict[str, object]:
    return {k: (f.value if f.is_known else "UNKNOWN") for k, f in facts.items()}


def test_builtin_selected_while_headsets_are_connected(server: PulseServer) -> None:
    server.set_defaults(BUILTIN_OUT, BUILTIN_IN)
    facts = _facts(server.host_env())
    assert _values(facts) == {
        "audio.headset_present": True, "audio.default_output_is_headset": False,
        "audio.default_input_is_headset": False,
        "audio.headset_name": "Jabra EVOLVE LINK Analog Stereo",
        "audio.input_sample_rate_hz": 48000}
    detail = facts["audio.headset_present"].detail or ""
    assert "pulseaudio 16" in detail.lower()
    assert "Jabra EVOLVE LINK Mono [usb, headset, 16000 Hz] headset (properties: form factor headset)" in detail
    assert "Built-in Audio Analog Stereo [pci, internal, 44100 Hz, DEFAULT] built-in" in detail
    assert "monitor (properties: monitor" in detail
    assert "Poly Voyager 4320 [bluetooth, headset, bluetooth hfp, 16000 Hz]" in detail


def test_usb_headset_selected(server: PulseServer) -> None:
    server.set_defaults(USB_OUT, USB_IN)
    facts = _facts(server.host_env())
    assert _values(facts) == {
        "audio.headset_present": True, "audio.default_output_is_headset": True,
        "audio.default_input_is_headset": True,
        "audio.headset_name": "Jabra EVOLVE LINK Analog Stereo",
        "audio.input_sample_rate_hz": 16000}
    assert "form factor headset" in (facts["audio.default_input_is_headset"].detail or "")


def test_bluetooth_headset_in_a2dp_has_no_microphone(server: PulseServer) -> None:
    server.set_defaults(A2DP_OUT, BUILTIN_IN)
    facts = _facts(server.host_env())
    assert _values(facts) == {
        "audio.headset_present": True, "audio.default_output_is_headset": True,
        "audio.default_input_is_headset": False, "audio.headset_name": "WH-1000XM4",
        "audio.input_sample_rate_hz": 48000}
    detail = facts["audio.default_input_is_headset"].detail or ""
    assert "A2DP (music) profile" in detail and "HSP/HFP" in detail


def test_bluetooth_headset_in_hfp_selected(server: PulseServer) -> None:
    server.set_defaults(HFP_OUT, HFP_IN)
    facts = _facts(server.host_env())
    assert _values(facts) == {
        "audio.headset_present": True, "audio.default_output_is_headset": True,
        "audio.default_input_is_headset": True, "audio.headset_name": "Poly Voyager 4320",
        "audio.input_sample_rate_hz": 16000}
    assert "bluetooth hfp" in (facts["audio.default_output_is_headset"].detail or "")


def test_monitor_source_is_never_a_microphone(server: PulseServer) -> None:
    server.set_defaults(USB_OUT, f"{USB_OUT}.monitor")
    facts = _facts(server.host_env())
    assert facts["audio.default_output_is_headset"].value is True
    assert facts["audio.default_input_is_headset"].value is False
    assert "monitor of an output" in (facts["audio.default_input_is_headset"].detail or "")
    assert facts["audio.input_sample_rate_hz"].value == 48000


def test_remote_desktop_sink_gives_unknown(server: PulseServer) -> None:
    module = server.pactl("load-module", "module-null-sink", "sink_name=xrdp-sink").stdout.strip()
    try:
        server.set_defaults("xrdp-sink", BUILTIN_IN)
        facts = _facts(server.host_env())
        for fact in facts.values():
            assert not fact.is_known
            assert "remote desktop session" in (fact.reason or "")
    finally:
        server.pactl("unload-module", module)


def test_text_parser_agrees_with_json_on_the_same_server(server: PulseServer) -> None:
    for what, kind in (("sinks", "Sink"), ("sources", "Source")):
        as_json = pactl_json.parse_devices(server.pactl("-f", "json", "list", what).stdout,
                                           sources=what == "sources")
        as_text = pactl_text.parse_list(server.pactl("list", what).stdout, kind)
        assert as_json is not None and as_text is not None
        assert len(as_json) == len(as_text) >= 3
        for j, t in zip(as_json, as_text, strict=True):
            for key in ("name", "description", "driver", "sample_spec", "properties", "active_port",
                        "monitor_of"):
                assert j[key] == t[key], (what, key)
    info_j = pactl_json.parse_info(server.pactl("-f", "json", "info").stdout)
    info_t = pactl_text.parse_info(server.pactl("info").stdout)
    assert info_j == info_t


def test_only_builtin_devices() -> None:
    _skip_unless_possible()
    srv = PulseServer(FULL_SETUP[:2])
    try:
        srv.set_defaults(BUILTIN_OUT, BUILTIN_IN)
        facts = _facts(srv.host_env())
        assert _values(facts) == {
            "audio.headset_present": False, "audio.default_output_is_headset": False,
            "audio.default_input_is_headset": False, "audio.headset_name": "UNKNOWN",
            "audio.input_sample_rate_hz": 48000}
        assert "no headset is connected" in (facts["audio.headset_name"].reason or "")
    finally:
        srv.stop()


def _expected_without_server(facts: dict[str, Fact]) -> None:
    for key in ("audio.default_output_is_headset", "audio.default_input_is_headset",
                "audio.input_sample_rate_hz"):
        assert not facts[key].is_known, key
    if not os.path.exists("/proc/asound/cards"):  # no ALSA here: nothing to fall back to
        assert all(not f.is_known for f in facts.values())


def test_server_not_running_is_unknown_quickly() -> None:
    _skip_unless_possible()
    tmp = Path(tempfile.mkdtemp(prefix="wfh-audio-"))
    try:
        (tmp / "run").mkdir(mode=0o700)
        start = time.monotonic()
        facts = _facts({"XDG_RUNTIME_DIR": str(tmp / "run"), "HOME": str(tmp)})
        elapsed = time.monotonic() - start
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert elapsed < 3.0, elapsed
    _expected_without_server(facts)
    assert "no audio server" in (facts["audio.default_output_is_headset"].reason or "")


def test_no_session_says_xdg_runtime_dir() -> None:
    _skip_unless_possible()
    tmp = Path(tempfile.mkdtemp(prefix="wfh-audio-"))
    try:
        start = time.monotonic()
        facts = _facts({"HOME": str(tmp)})
        elapsed = time.monotonic() - start
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert elapsed < 3.0, elapsed
    _expected_without_server(facts)
    assert "XDG_RUNTIME_DIR is not set" in (facts["audio.default_input_is_headset"].reason or "")
