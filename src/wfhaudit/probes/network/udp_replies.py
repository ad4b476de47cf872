"""Sorting STUN replies: what each datagram is, and the recorder the UDP stream fills.

Shared by the preflight (which server answers, and if none, why) and the paced stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.probes.network import stun
from wfhaudit.probes.network.clock import Clock, LiveRtt


@dataclass
class Recorder:
    """What the stream saw besides its answers: ignored datagrams, errors, the address."""

    clock: Clock
    live: LiveRtt
    ignored: dict[str, int] = field(default_factory=lambda: {
        "not_stun": 0, "unknown_transaction": 0, "not_a_response": 0, "preflight_late": 0})
    error_responses: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)
    mapped: str | None = None


def classify(data: bytes, wanted: Mapping[bytes, Any]) -> tuple[str, stun.StunMessage | None]:
    """What a datagram is: not_stun, unknown_transaction, not_a_response, error or ok."""
    msg = stun.parse_message(data)
    if msg is None:
        return "not_stun", None
    if msg.transaction_id not in wanted:
        return "unknown_transaction", msg
    if msg.is_error:
        # A Binding error (e.g. 401 from a server that wants credentials) still proves the
        # round trip: it is timed like a success, counted, and named in the facts.
        return "error", msg
    return ("ok" if msg.is_success else "not_a_response"), msg


def error_code_text(msg: stun.StunMessage | None) -> str:
    """The ERROR-CODE as text ("401"), or "no ERROR-CODE"."""
    code = stun.error_code(msg) if msg is not None else None
    return str(code) if code is not None else "no ERROR-CODE"


def map_address(rec: Recorder, msg: stun.StunMessage) -> None:
    """Keep the first reflexive address a success response carries."""
    if rec.mapped is None:
        found = stun.mapped_address(msg)
        if found:
            rec.mapped = f"[{found[0]}]:{found[1]}" if ":" in found[0] else f"{found[0]}:{found[1]}"
