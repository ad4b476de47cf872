"""Pure: why no UDP stream ran, in words that name what was observed, and what it says about UDP.

From the recorded preflight of every STUN server: send errors with their errno (a local
firewall answers EPERM), ICMP port unreachable, replies that were not STUN, STUN responses
to transaction ids never sent, replies that came after the timeout (with their delay), or
plain silence. Only a send refused by this computer proves that UDP is blocked; a silent
server and a filtered path look the same from here, so silence stays unknown even when a
TCP fallback connects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from wfhaudit.util.jsonshape import as_mapping, as_number

# Send errors that mean this computer's own firewall or policy dropped the datagram.
LOCAL_BLOCK = ("EPERM", "EACCES")
STUN_ERRORS = {"400": "Bad Request", "401": "Unauthorized", "403": "Forbidden",
               "420": "Unknown Attribute", "438": "Stale Nonce", "500": "Server Error"}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def counted(kinds: Any) -> str:
    """'EPERM (Operation not permitted) x10, ...' from a {text: count} record."""
    parts = [f"{k} x{_int(n)}" for k, n in as_mapping(kinds).items()]
    return ", ".join(parts) or "none"


def error_codes_text(codes: Any) -> str:
    """'401 Unauthorized x12' from a {code: count} record."""
    parts = []
    for code, n in as_mapping(codes).items():
        name = STUN_ERRORS.get(str(code))
        parts.append(f"{code}{' ' + name if name else ''} x{_int(n)}")
    return ", ".join(parts) or "none"


def _spread(values: Sequence[Any]) -> str:
    nums = sorted(float(v) for v in values if isinstance(v, (int, float)))
    if not nums:
        return "?"
    low, high = nums[0], nums[-1]
    return f"{low:.0f} ms" if high - low < 1 else f"{low:.0f}-{high:.0f} ms"


def _legacy_preflight(index: int, pre: Mapping[str, Any]) -> dict[str, Any]:
    """Per-server counts from a recording made before servers carried their own log."""
    sends = [s for s in pre.get("sends") or [] if isinstance(s, list) and s and s[0] == index]
    refused = index in (pre.get("refused") or [])
    return {"sends": len(sends), "refused": "refused" if refused else None}


def server_cause(server: Mapping[str, Any], timeout_ms: Any,
                 legacy: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """(kind, text) for one server's preflight.

    kind is unresolved, socket, local-block, send-error, refused, late, not-stun, wrong-txid
    or silent.
    """
    if not server.get("address"):
        return "unresolved", str(server.get("error") or "not resolved")
    pre = as_mapping(server.get("preflight")) or as_mapping(legacy)
    if not pre or server.get("error"):
        return "socket", str(server.get("error") or "no socket could be opened")
    sends, errors = _int(pre.get("sends")), as_mapping(pre.get("send_errors"))
    failed = sum(_int(n) for n in errors.values())
    if sends and failed >= sends:
        local = all(str(k).startswith(LOCAL_BLOCK) for k in errors)
        tail = (": a firewall on this computer drops outgoing UDP to it" if local else "")
        return ("local-block" if local else "send-error",
                f"all {sends} Binding requests failed to send ({counted(errors)}){tail}")
    late = pre.get("late_ms") or []
    refused = str(pre.get("refused") or "")
    if refused:
        where = ("no STUN server listens on that port" if refused.startswith(("ECONNREFUSED",
                                                                               "refused"))
                 else "the host or the path to it is unreachable")
        return "refused", f"an ICMP unreachable came back ({refused}): {where}"
    if late:
        return "late", (f"it answered only after the {timeout_ms} ms timeout: {len(late)} "
                        f"replies, {_spread(late)} after the request")
    if _int(pre.get("not_stun")):
        return "not-stun", (f"{pre.get('not_stun')} replies came back that were not STUN "
                            f"(first bytes {pre.get('not_stun_sample')}): something else "
                            "answers on that port")
    if _int(pre.get("wrong_txid")):
        return "wrong-txid", (f"{pre.get('wrong_txid')} STUN responses came back for "
                              "transaction ids that were never sent (the server or a "
                              "middlebox rewrites them)")
    note = f", {failed} of them failed to send ({counted(errors)})" if failed else ""
    within = f" in {pre['listened_s']} s" if as_number(pre.get("listened_s")) is not None else ""
    return "silent", f"the STUN server did not answer {sends} Binding requests{within}{note}"


def no_stream_reason(raw: Mapping[str, Any]) -> tuple[str, bool | None]:
    """Why no UDP stream ran, and what that says about UDP.

    The flag is False when UDP is blocked, True when it works, None when it is unknown.
    """
    servers = [s for s in raw.get("servers") or [] if isinstance(s, Mapping)]
    if not servers:
        return "the policy names no STUN servers (settings.network.stun_servers)", None
    top = as_mapping(raw.get("preflight"))
    causes = [(str(s.get("server")),
               *server_cause(s, raw.get("timeout_ms"), _legacy_preflight(i, top) if top else None))
              for i, s in enumerate(servers)]
    listing = "; ".join(f"{name}: {text}" for name, _kind, text in causes)
    kinds = {kind for _name, kind, _text in causes}
    if kinds == {"unresolved"}:
        return f"no STUN server name resolved ({listing}): no network or no DNS", None
    tried = [kind for _name, kind, _text in causes if kind != "unresolved"]
    tcp = as_mapping(raw.get("tcp_fallback"))
    tcp_works = bool(tcp.get("samples_ms"))
    if all(kind == "local-block" for kind in tried):
        return f"UDP is blocked on this computer: {listing}", False
    if "late" in tried:
        return f"no STUN reply came within the timeout: {listing}", True
    tail = (f"; TCP to {tcp.get('target')} connects, so the network works, but a silent "
            "server and a path that drops UDP look the same from here" if tcp_works else
            ", and no TCP fallback answered either")
    if tried and all(kind == "silent" for kind in tried):
        who = "the STUN server did" if len(tried) == 1 else "no STUN server did"
        return f"{who} not answer ({listing}){tail}", None
    return f"no usable STUN reply ({listing}){tail}", None
