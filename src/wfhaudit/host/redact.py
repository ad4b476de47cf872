"""Privacy: replace user names, host names, MAC and IP addresses in evidence by keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from collections.abc import Iterable
from typing import Any

_IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])")
# Any run of hex digits and colons with two or more colons; ipaddress decides if it is one.
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?:%[\w.-]+)?(?![\w:])")
_MAC = re.compile(r"(?<![\w:-])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![\w:-])")
# Addresses that identify nobody and that parsers need to read routes correctly.
_KEEP = {"0.0.0.0",  # noqa: S104 - a literal to leave alone, not a bind address
         "127.0.0.1", "255.255.255.255", "::", "::1", "00:00:00:00:00:00",
         "1.1.1.1", "8.8.8.8", "9.9.9.9"}


class Redactor:
    """Keyed, stable pseudonyms: the same input gives the same token within one device."""

    def __init__(self, key: bytes, literals: Iterable[str] = ()) -> None:
        self._key = key
        self._literals = sorted({x for x in literals if x and len(x) >= 3}, key=len, reverse=True)

    def token(self, kind: str, value: str) -> str:
        """Return e.g. '<ip:3fa9c2d1>' for a value."""
        mac = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:8]
        return f"<{kind}:{mac}>"

    def text(self, text: str) -> str:
        """Redact one string."""
        for literal in self._literals:
            if literal in text:
                text = text.replace(literal, self.token("name", literal))
        text = _MAC.sub(lambda m: m.group(0) if m.group(0) in _KEEP else self.token("mac", m.group(0)), text)
        text = _IPV4.sub(lambda m: m.group(0) if m.group(0) in _KEEP else self.token("ip", m.group(0)), text)
        return _IPV6.sub(self._ipv6, text)

    def _ipv6(self, match: re.Match[str]) -> str:
        found = match.group(0)
        try:
            ipaddress.ip_address(found.split("%")[0])
        except ValueError:
            return found  # e.g. a time of day such as 10:30:15
        return found if found in _KEEP else self.token("ip", found)

    def value(self, obj: Any) -> Any:
        """Redact every string inside a JSON value (keys included)."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, list):
            return [self.value(v) for v in obj]
        if isinstance(obj, dict):
            return {self.text(str(k)): self.value(v) for k, v in obj.items()}
        return obj
