"""Commands whose output names Wi-Fi networks: keep only scrubbed text, in facts and evidence."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from wfhaudit.host import CommandResult, Host

SSID_TOKEN = "<ssid>"  # noqa: S105 - a placeholder, not a secret
BSSID_TOKEN = "<bssid>"  # noqa: S105 - a placeholder, not a secret
_MAC = re.compile(r"(?<![0-9A-Fa-f:-])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])")


def run_private(host: Host, argv: Sequence[str], timeout: float,
                scrub: Callable[[str], str]) -> CommandResult:
    """Run argv so that only the scrubbed output is ever recorded or parsed."""
    return host.run(argv, timeout=timeout, scrub=scrub)


def scrub_iw_station(text: str) -> str:
    """`iw dev X station dump`: hide the access point's MAC (BSSID) on the Station lines."""
    return _MAC.sub(BSSID_TOKEN, text)


def scrub_netsh(text: str) -> str:
    """`netsh wlan show interfaces`: hide SSID values (also where Profile repeats them), BSSIDs.

    Labels are localised, but "SSID"/"BSSID" stay as they are in every language seen.
    """
    names: set[str] = set()
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        if sep and label.strip().upper() == "SSID" and value.strip():
            names.add(value.strip())
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, SSID_TOKEN)
    lines = []
    for line in text.splitlines(keepends=True):
        label = line.partition(":")[0]
        lines.append(_MAC.sub(BSSID_TOKEN, line) if "BSSID" in label.upper() else line)
    return "".join(lines)


def _blank_names(node: Any, in_network: bool = False) -> Any:
    if isinstance(node, dict):
        is_network = any(str(k).startswith(("spairport_network_", "spairport_signal_noise",
                                             "spairport_security_mode")) for k in node)
        out = {}
        for key, value in node.items():
            if key == "_name" and (is_network or in_network):
                out[key] = SSID_TOKEN
            elif key in ("spairport_network_bssid",):
                out[key] = BSSID_TOKEN
            else:
                out[key] = _blank_names(value, key.startswith("spairport_airport_other")
                                        or key == "spairport_current_network_information")
        return out
    if isinstance(node, list):
        return [_blank_names(v, in_network) for v in node]
    return node


def scrub_airport_json(text: str) -> str:
    """`system_profiler SPAirPortDataType -json`: blank every network name; drop non-JSON."""
    if not text.strip():
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return "[wfhaudit: output was not JSON and was dropped because it may name networks]\n"
    return json.dumps(_blank_names(data), indent=2, sort_keys=True) + "\n"
