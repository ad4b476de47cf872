"""Linux audio: PulseAudio or PipeWire (pipewire-pulse) through pactl, ALSA as a fallback.

pactl >= 16 speaks JSON (`-f json`); older ones reject the option, so the text form is parsed
instead. Every pactl call has a 3 s timeout: with no server the answer is immediate
("Connection refused"), and a hung server must not eat the probe's budget. Run as root through
sudo or pkexec, every command runs as the invoking user, in that user's audio session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.audio.classify import classify_all
from wfhaudit.probes.audio.decide import all_unknown, derive_facts
from wfhaudit.probes.audio.linux import alsa, pactl_json, pactl_text, pulse
from wfhaudit.probes.audio.model import Direction, Inventory
from wfhaudit.probes.base import ProbeContext

TIMEOUT = 3.0
JSON = {"info": ("pactl", "-f", "json", "info"),
        "sinks": ("pactl", "-f", "json", "list", "sinks"),
        "sources": ("pactl", "-f", "json", "list", "sources"),
        "cards": ("pactl", "-f", "json", "list", "cards")}
TEXT = {"info": ("pactl", "info"),
        "sinks": ("pactl", "list", "sinks"),
        "sources": ("pactl", "list", "sources"),
        "cards": ("pactl", "list", "cards")}
GET_DEFAULT_SINK = ("pactl", "get-default-sink")
GET_DEFAULT_SOURCE = ("pactl", "get-default-source")
SESSION = ("printenv", "XDG_RUNTIME_DIR")
COMMANDS = [*JSON.values(), *TEXT.values(), GET_DEFAULT_SINK, GET_DEFAULT_SOURCE, SESSION,
            alsa.APLAY, alsa.ARECORD]

_NO_JSON = ("invalid option", "unrecognized option", "unknown option", "invalid format")
_NO_SERVER = ("connection refused", "connection failure", "no such file", "access denied",
              "connection terminated", "timeout")


def _run(ctx: ProbeContext, argv: tuple[str, ...]) -> CommandResult:
    """Run argv as the desktop user (the invoking user under sudo), within the pactl timeout."""
    session = ctx.host.session
    return ctx.host.run(argv, timeout=TIMEOUT, as_user=session.uid if session else None)


def _no_json_support(result: CommandResult) -> bool:
    text = f"{result.stderr}\n{result.stdout}".lower()
    return result.error is None and result.returncode != 0 and any(s in text for s in _NO_JSON)


def _server_failure(ctx: ProbeContext, result: CommandResult) -> str:
    """A person-readable reason no audio server answered."""
    if result.error == "not_found":
        return "pactl is not installed (Debian/Ubuntu package pulseaudio-utils), so the audio server cannot be asked"
    if result.error == "timeout":
        return f"the audio server did not answer pactl within {TIMEOUT:g} s"
    if result.error:
        return result.failure()
    text = f"{result.stderr}\n{result.stdout}".lower()
    user = ctx.host.session
    if user is not None and user.runtime_dir is None:
        return (f"{user.describe()} has no desktop session running (no /run/user/{user.uid}), "
                "so there is no audio server to ask; run the check while logged in to the desktop")
    session = _run(ctx, SESSION)
    if session.error is None and session.returncode == 1 and not session.stdout.strip():
        return ("no user session: XDG_RUNTIME_DIR is not set (cron, ssh, or sudo without "
                "SUDO_UID?), so the user's audio server cannot be found; run wfhaudit (or "
                "`sudo wfhaudit check`) inside the logged-in desktop session")
    if any(s in text for s in _NO_SERVER):
        return (f"no audio server (PulseAudio/PipeWire) is running for this user session "
                f"({result.failure()})")
    return result.failure()


def _default(ctx: ProbeContext, info: dict[str, Any], key: str, argv: tuple[str, ...],
             sources: list[str]) -> str | None:
    value = info.get(key)
    if value and value not in ("(null)", "@DEFAULT_SINK@", "@DEFAULT_SOURCE@"):
        return str(value)
    # Some pipewire-pulse versions leave `info` without defaults; get-default-* (pactl >= 15) asks.
    result = _run(ctx, argv)
    sources.append(result.source)
    name = result.stdout.strip() if result.ok else ""
    return name or None


def _alsa_facts(ctx: ProbeContext, reason: str, sources: list[str]) -> list[Fact]:
    text = ctx.host.read_file(alsa.PROC_CARDS)
    sources = [*sources, alsa.PROC_CARDS]
    cards = alsa.parse_cards(text or "")
    if not cards:
        why = "no ALSA sound card either" if text is not None else f"no {alsa.PROC_CARDS}"
        return all_unknown(f"{reason}; {why}", sources)
    lists = []
    for argv in (alsa.APLAY, alsa.ARECORD):
        result = _run(ctx, argv)
        sources.append(result.source)
        lists.append(alsa.parse_device_list(result.stdout) if result.ok else None)
    devices = classify_all(alsa.to_devices(cards, lists[0], lists[1]))
    inv = Inventory(devices=devices, defaults_unknown=reason, sources=sources, notes=[alsa.NOTE])
    return derive_facts(inv)


def _listing(ctx: ProbeContext, table: dict[str, tuple[str, ...]], what: str,
             parse: Callable[[str], list[dict[str, Any]] | None], sources: list[str]
             ) -> tuple[list[dict[str, Any]] | None, str]:
    result = _run(ctx, table[what])
    sources.append(result.source)
    if not result.ok:
        return None, result.failure()
    parsed = parse(result.stdout)
    return parsed, "" if parsed is not None else f"`{result.source}` printed output that could not be parsed"


def collect(ctx: ProbeContext) -> list[Fact]:
    """The audio facts for Linux."""
    sources: list[str] = []
    info_result = _run(ctx, JSON["info"])
    sources.append(info_result.source)
    table, info = JSON, pactl_json.parse_info(info_result.stdout) if info_result.ok else None
    if info is None and (_no_json_support(info_result) or info_result.ok):
        table = TEXT
        info_result = _run(ctx, TEXT["info"])
        sources.append(info_result.source)
        info = pactl_text.parse_info(info_result.stdout) if info_result.ok else None
    if info is None:
        if info_result.ok:
            return all_unknown(f"`{info_result.source}` printed nothing usable", sources)
        return _alsa_facts(ctx, _server_failure(ctx, info_result), sources)

    is_json = table is JSON
    parsers: dict[str, Callable[[str], list[dict[str, Any]] | None]] = {
        "sinks": pactl_json.parse_devices if is_json else lambda t: pactl_text.parse_list(t, "Sink"),
        "sources": (lambda t: pactl_json.parse_devices(t, sources=True)) if is_json
        else lambda t: pactl_text.parse_list(t, "Source"),
        "cards": pactl_json.parse_cards if is_json else lambda t: pactl_text.parse_list(t, "Card"),
    }
    sinks, why_sinks = _listing(ctx, table, "sinks", parsers["sinks"], sources)
    srcs, why_srcs = _listing(ctx, table, "sources", parsers["sources"], sources)
    if sinks is None or srcs is None:
        return all_unknown(why_sinks or why_srcs, sources)
    cards, _ = _listing(ctx, table, "cards", parsers["cards"], sources)
    devices = (pulse.to_devices(sinks, Direction.OUTPUT, cards or [])
               + pulse.to_devices(srcs, Direction.INPUT, cards or []))
    server = " ".join(str(v) for v in (info.get("server_name"), info.get("server_version")) if v)
    notes = [] if cards is not None else ["card list unavailable: Bluetooth profiles on offer unknown"]
    inv = Inventory(
        devices=classify_all(devices),
        default_output=_default(ctx, info, "default_sink_name", GET_DEFAULT_SINK, sources),
        default_input=_default(ctx, info, "default_source_name", GET_DEFAULT_SOURCE, sources),
        sources=sources, notes=notes, server=server or None)
    return derive_facts(inv)
