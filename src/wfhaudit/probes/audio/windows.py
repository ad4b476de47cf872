"""Windows audio endpoints from the MMDevices registry, defaults from Core Audio.

Endpoints: `HKLM\\...\\MMDevices\\Audio\\{Render,Capture}\\{guid}` is readable without admin and
holds, per endpoint, `DeviceState` (1 active, 2 disabled, 4 not present, 8 unplugged) and a
`Properties` key: `{a45c254e-...},2` endpoint name ("Headset Earphone"), `{b3f8fa53-...},6`
device name ("Jabra Evolve2 65"), `{b3f8fa53-...},2` parent instance id ("{1}.USB\\VID_0B0E..."),
`{1da5d803-...},0` form factor (EndpointFormFactor) and `{f19f064d-...},0` the engine format
(8-byte header, then WAVEFORMATEX: the sample rate is bytes 12-15, little endian).

Defaults: no built-in cmdlet returns them (Get-PnpDevice and Win32_SoundDevice list hardware,
not the selection). IMMDeviceEnumerator::GetDefaultAudioEndpoint through a small inline C#
(`Add-Type`, part of PowerShell; no third-party module) answers for the console and the
communications role. Where Add-Type is blocked (Constrained Language Mode, AppLocker) the
defaults are UNKNOWN with that reason.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.audio.classify import classify_all
from wfhaudit.probes.audio.decide import all_unknown, clean, derive_facts
from wfhaudit.probes.audio.model import AudioDevice, Direction, Inventory
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.powershell import load_json

_PS = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command")
ENDPOINTS = (*_PS, (
    "$ErrorActionPreference='Stop';"
    "$b='HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\MMDevices\\Audio';"
    "@(foreach($f in 'Render','Capture'){foreach($k in Get-ChildItem \"$b\\$f\"){"
    "$s=(Get-ItemProperty -LiteralPath $k.PSPath).DeviceState;"
    "$p=Get-ItemProperty -LiteralPath (Join-Path $k.PSPath 'Properties') -ErrorAction SilentlyContinue;"
    "$m=$p.'{f19f064d-082c-4e27-bc73-6882a1bb8e4c},0';"
    "[pscustomobject]@{Flow=$f;Id=$k.PSChildName;State=$s;"
    "Endpoint=$p.'{a45c254e-df1c-4efd-8020-67d146a850e0},2';"
    "Device=$p.'{b3f8fa53-0004-438e-9003-51a46e139bfc},6';"
    "Parent=$p.'{b3f8fa53-0004-438e-9003-51a46e139bfc},2';"
    "FormFactor=$p.'{1da5d803-d492-4edd-8c23-e0c0ffee7f0e},0';"
    "Format=$(if($m){[Convert]::ToBase64String([byte[]]$m)})}}}) | ConvertTo-Json -Compress"))
_CSHARP = """using System;using System.Runtime.InteropServices;
[ComImport,Guid("A95664D2-9614-4F35-A746-DE8DB63617E6"),InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
interface IWfhEnum{int EnumAudioEndpoints();[PreserveSig]int GetDefaultAudioEndpoint(int flow,int role,out IWfhDev dev);}
[ComImport,Guid("D666063F-1587-4E43-81F1-B948E807363F"),InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
interface IWfhDev{int Activate();int OpenPropertyStore();[PreserveSig]int GetId([MarshalAs(UnmanagedType.LPWStr)]out string id);}
[ComImport,Guid("BCDE0395-E52F-467C-8E3D-C4579291692E")]class WfhEnumCls{}
public static class WfhAudioDefault{public static string Get(int flow,int role){
IWfhDev d;if(((IWfhEnum)new WfhEnumCls()).GetDefaultAudioEndpoint(flow,role,out d)!=0)return null;
string id;return d.GetId(out id)==0?id:null;}}"""
DEFAULTS = (*_PS, (
    "try{Add-Type -Language CSharp -TypeDefinition @'\n" + _CSHARP + "\n'@;"
    "[pscustomobject]@{render_console=[WfhAudioDefault]::Get(0,0);"
    "render_communications=[WfhAudioDefault]::Get(0,2);"
    "capture_console=[WfhAudioDefault]::Get(1,0);"
    "capture_communications=[WfhAudioDefault]::Get(1,2)}|ConvertTo-Json -Compress}"
    "catch{[pscustomobject]@{error=$_.Exception.Message;"
    "language_mode=\"$($ExecutionContext.SessionState.LanguageMode)\"}|ConvertTo-Json -Compress}"))
TIMEOUT = 20.0

_FORM = {1: "speaker", 2: "linelevel", 3: "headphone", 4: "microphone", 5: "headset",
         6: "handset", 7: "spdif", 8: "spdif", 9: "hdmi"}
_GUID = re.compile(r"\{[0-9a-fA-F-]{36}\}\s*$")


COMMANDS = [ENDPOINTS, DEFAULTS]

def _load(text: str) -> Any:
    return load_json(text)


def bus_of(parent: str) -> str | None:
    """usb, bluetooth, hda, virtual or None from the parent instance id ('{1}.USB\\VID_...')."""
    p = parent.upper().split("}.", 1)[-1]
    if p.startswith("USB"):
        return "usb"
    if p.startswith(("BTHENUM", "BTHHFENUM", "BTHLEDEVICE", "BTHLE")):
        return "bluetooth"
    if p.startswith(("HDAUDIO", "INTELAUDIO", "ACPI", "PCI", "SST", "AMDAUDIO")):
        return "hda"
    if p.startswith(("ROOT", "SWD\\", "SW\\")):
        return "virtual"
    return None


def _bt_profile(parent: str) -> str | None:
    p = parent.upper()
    if "BTHHFENUM" in p or "0000111E" in p or "00001108" in p:
        return "hfp"
    if "0000110B" in p:
        return "a2dp"
    return None


def _group(parent: str, device: str, bus: str | None) -> str | None:
    if bus == "usb":
        match = re.search(r"VID_[0-9A-F]{4}&PID_[0-9A-F]{4}", parent.upper())
        if match:
            return f"usb:{match.group(0)}"
    if bus == "bluetooth" and device:
        base = re.sub(r"\s+(hands-free( ag)?( audio)?|stereo|headset)\s*$", "", device.strip(), flags=re.I)
        return f"bt:{base.lower()}"
    return f"dev:{parent.lower()}" if parent else None


def _rate(blob: Any) -> int | None:
    if not isinstance(blob, str):
        return None
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 16:
        return None
    rate = int.from_bytes(raw[12:16], "little")
    return rate if 1000 <= rate <= 768000 else None


def parse_endpoints(text: str) -> tuple[list[AudioDevice], int] | None:
    """(active or disabled endpoints, number of absent ones skipped); None if not the JSON."""
    data = _load(text)
    if isinstance(data, dict):
        data = [data]  # ConvertTo-Json unwraps a one-element array
    if not isinstance(data, list):
        return None
    devices, skipped = [], 0
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("Id"), str):
            continue
        state = item.get("State")
        if state not in (1, 2):
            skipped += 1
            continue
        parent = str(item.get("Parent") or "")
        device = str(item.get("Device") or "")
        endpoint = str(item.get("Endpoint") or "")
        bus = bus_of(parent)
        ff = item.get("FormFactor")
        form = _FORM.get(ff) if isinstance(ff, int) else None
        if form in ("speaker", "microphone") and bus == "hda":
            form = "internal"
        name = f"{endpoint} ({device})" if endpoint and device else (endpoint or device or item["Id"])
        devices.append(AudioDevice(
            id=item["Id"].lower(), name=name,
            direction=Direction.OUTPUT if item.get("Flow") == "Render" else Direction.INPUT,
            bus=bus, form_factor=form, bt_profile=_bt_profile(parent),
            group=_group(parent, device, bus), is_virtual_hint=bus == "virtual" and form != "headset",
            available=False if state == 2 else None, sample_rate_hz=_rate(item.get("Format"))))
    return devices, skipped


def _endpoint_guid(value: Any) -> str | None:
    """'{0.0.0.00000000}.{GUID}' -> '{guid}' (the registry key name)."""
    if not isinstance(value, str):
        return None
    match = _GUID.search(value)
    return match.group(0).strip().lower() if match else None


def collect(ctx: ProbeContext) -> list[Fact]:
    """The audio facts for Windows."""
    result = ctx.host.run(ENDPOINTS, timeout=TIMEOUT)
    sources = ["MMDevices registry (powershell)"]
    if not result.ok:
        return all_unknown(f"audio endpoints could not be read: {result.failure()}", sources)
    parsed = parse_endpoints(result.stdout)
    if parsed is None:
        return all_unknown("the audio endpoint listing was not the expected JSON", sources)
    devices, skipped = parsed
    notes = [f"{skipped} absent or unplugged endpoints not listed"] if skipped else []
    inv = Inventory(devices=classify_all(devices), sources=sources, notes=notes,
                    server="Windows Core Audio")
    defaults = ctx.host.run(DEFAULTS, timeout=TIMEOUT)
    inv.sources.append("Core Audio default endpoints (powershell Add-Type)")
    data = _load(defaults.stdout) if defaults.ok else None
    if not isinstance(data, dict):
        inv.defaults_unknown = ("the default device could not be asked from Core Audio: "
                                + (defaults.failure() if not defaults.ok else "unexpected output"))
    elif data.get("error"):
        mode = clean(str(data.get("language_mode") or ""), 40)
        inv.defaults_unknown = (
            "the default device needs a small inline C# (Add-Type) that this PowerShell refused"
            + (f" (language mode {mode})" if mode else "") + f": {clean(str(data['error']), 120)}")
    else:
        inv.default_output = _endpoint_guid(data.get("render_console"))
        inv.default_input = _endpoint_guid(data.get("capture_console"))
        for role, key, current in (("output", "render_communications", inv.default_output),
                                   ("input", "capture_communications", inv.default_input)):
            comm = _endpoint_guid(data.get(key))
            if comm and comm != current:
                dev = inv.find(Direction.OUTPUT if role == "output" else Direction.INPUT, comm)
                inv.notes.append(f"communications default {role} (used by Teams/Zoom) differs: "
                                 f"{clean(dev.name) if dev else comm}")
    return derive_facts(inv)
