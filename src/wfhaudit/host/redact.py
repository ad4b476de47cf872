"""Privacy: names, MAC and IP addresses in evidence become keyed pseudonyms parsers can still read.

A redacted bundle must still let IT's verifier re-derive every fact the report claims (see
`wfhaudit.verify.rederive`), so a pseudonym keeps what a decision depends on and hides what
identifies a person: an IP address becomes another valid address of the same kind with the same
prefix relations (see `host.pseudonym`), a MAC another locally administered MAC, a user or host
name a `<name:…>` token. Addresses a probe itself asks about (its well-known route-lookup
targets), netmasks and the policy's own networks and servers are kept as they are.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from wfhaudit.host.pseudonym import AddressMapper, is_netmask, mac_pseudonym

_IPV4 = re.compile(r"(?<![\w.])((?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d))"
                   r"(/\d{1,2})?(?![\w.])")
# Any run of hex digits and colons with two or more colons; ipaddress decides if it is one.
_IPV6 = re.compile(r"(?<![\w:.])([0-9A-Fa-f]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)(%[\w.-]+)?"
                   r"(/\d{1,3})?(?![\w:])")
_MAC = re.compile(r"(?<![\w:-])(?:[0-9A-Fa-f]{2}([:_-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}"
                  r"(?![\w:-])")
# Addresses that identify nobody, and the public destinations probes look routes up for (their
# argv must stay what the probe runs on replay).
KEEP = frozenset({
    "0.0.0.0",  # noqa: S104 - a literal to leave alone, not a bind address
    "127.0.0.1", "255.255.255.255", "::", "::1", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff",
    "1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4", "9.9.9.9", "149.112.112.112",
    "208.67.222.222", "208.67.220.220", "2606:4700:4700::1111", "2001:4860:4860::8888"})


class Redactor:
    """Keyed, stable pseudonyms: the same input gives the same output within one device."""

    def __init__(self, key: bytes, literals: Iterable[str] = (),
                 keep: Iterable[str] = ()) -> None:
        """`keep`: the policy's addresses, host:port servers and networks, left readable."""
        self._key = key
        self._literals = sorted({x for x in literals if x and len(x) >= 3}, key=len, reverse=True)
        kept = list(keep)
        self._keep = KEEP | {k.rsplit(":", 1)[0].strip("[]") if "." in k or "]" in k else k
                             for k in kept}
        self._networks = [n for n in kept if "/" in n]
        self._mapper = AddressMapper(key, self._networks)
        self._kept_nets = []
        for text in self._networks:
            try:
                self._kept_nets.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                continue

    def token(self, kind: str, value: str) -> str:
        """Return e.g. '<name:3fa9c2d1>' for a value."""
        mac = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:8]
        return f"<{kind}:{mac}>"

    def text(self, text: str) -> str:
        """Redact one string."""
        for literal in self._literals:
            if literal in text:
                text = text.replace(literal, self.token("name", literal))
        text = _MAC.sub(self._mac, text)
        text = _IPV4.sub(self._ip, text)
        return _IPV6.sub(self._ip, text)

    def _mac(self, match: re.Match[str]) -> str:
        found = match.group(0)
        if found.lower().replace("-", ":").replace("_", ":") in self._keep:
            return found
        return mac_pseudonym(self._key, found)

    def _ip(self, match: re.Match[str]) -> str:
        whole, text = match.group(0), match.group(1)
        prefix = match.group(match.lastindex) if match.lastindex and \
            match.group(match.lastindex).startswith("/") else None
        try:
            addr = ipaddress.ip_address(text)
        except ValueError:
            return whole  # e.g. a time of day such as 10:30:15
        if text in self._keep or (prefix is None and is_netmask(addr)) \
                or any(addr in n for n in self._kept_nets):
            return whole
        if prefix is not None and int(prefix[1:]) <= addr.max_prefixlen:
            mapped = self._mapper.network(addr, int(prefix[1:]))
        else:
            mapped = self._mapper.address(addr)
        return whole.replace(text, mapped.compressed if addr.version == 6 else str(mapped), 1)

    def value(self, obj: Any) -> Any:
        """Redact every string inside a JSON value (keys included)."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, list):
            return [self.value(v) for v in obj]
        if isinstance(obj, dict):
            return {self.text(str(k)): self.value(v) for k, v in obj.items()}
        return obj
