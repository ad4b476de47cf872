"""ALSA fallback when no audio server answers: /proc/asound/cards plus `aplay -l` / `arecord -l`.

Reduced confidence, and said so: ALSA knows card names and buses but not which device the
user selected, not Bluetooth headsets (those live in the audio server), and `USB-Audio` covers
docks and webcams too. Defaults and the sample rate are therefore always UNKNOWN here.
"""

from __future__ import annotations

import re

from wfhaudit.probes.audio.model import AudioDevice, Direction

PROC_CARDS = "/proc/asound/cards"
APLAY = ("aplay", "-l")
ARECORD = ("arecord", "-l")

_CARD = re.compile(r"^\s*(\d+)\s+\[([^\]]*)\]\s*:\s*(\S+)\s+-\s+(.*?)\s*$")
_DEV = re.compile(r"^card\s+(\d+):\s*\S+\s+\[(.*?)\],\s*device\s+\d+:")
NOTE = ("ALSA card list only (no audio server answered): reduced confidence, names and buses "
        "only, no defaults and no Bluetooth devices")


def parse_cards(text: str) -> list[dict[str, str]]:
    """Cards from /proc/asound/cards: number, id, driver, name and long name."""
    cards: list[dict[str, str]] = []
    for line in text.splitlines():
        match = _CARD.match(line)
        if match:
            cards.append({"number": match.group(1), "id": match.group(2).strip(),
                          "driver": match.group(3), "name": match.group(4), "longname": ""})
        elif cards and line.strip() and not cards[-1]["longname"]:
            cards[-1]["longname"] = line.strip()
    return cards


def parse_device_list(text: str) -> set[str]:
    """Card numbers that have at least one PCM in `aplay -l` / `arecord -l` output."""
    return {m.group(1) for line in text.splitlines() if (m := _DEV.match(line.strip()))}


def card_bus(card: dict[str, str]) -> str | None:
    """usb, pci, platform or None, from the driver and the long name."""
    text = f"{card['driver']} {card['longname']}".lower()
    if "usb" in text:
        return "usb"
    if re.search(r"\bat 0x[0-9a-f]+", text) or "hda" in text:
        return "pci"
    if "platform" in text or "soc" in text:
        return "platform"
    return None


def to_devices(cards: list[dict[str, str]], playback: set[str] | None,
               capture: set[str] | None) -> list[AudioDevice]:
    """One output and/or input per card (both when aplay/arecord could not tell)."""
    out = []
    for card in cards:
        for direction, numbers in ((Direction.OUTPUT, playback), (Direction.INPUT, capture)):
            if numbers is not None and card["number"] not in numbers:
                continue
            out.append(AudioDevice(
                id=f"hw:{card['number']}", name=card["name"] or card["id"], direction=direction,
                bus=card_bus(card), group=f"alsa:{card['number']}"))
    return out
