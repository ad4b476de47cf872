"""Keyed pseudonyms for addresses that parsers can still read and decide on.

An IP address becomes another valid address of the same family and the same kind (private,
carrier-grade NAT, link-local, loopback, multicast, documentation, public, or one of the
networks the policy names) and the mapping keeps prefixes: two addresses that share their first
n bits map to two that share their first n bits, so "is this address inside that route" gives
the same answer on pseudonyms. The construction is the one of prefix-preserving anonymisation
(Crypto-PAn): bit i of the output is bit i of the input XOR a keyed function of bits 0..i-1;
the bits that decide the kind are copied unchanged.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from functools import lru_cache

Net = ipaddress.IPv4Network | ipaddress.IPv6Network
Addr = ipaddress.IPv4Address | ipaddress.IPv6Address

_SPECIAL_V4 = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
               "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
               "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
               "224.0.0.0/4", "240.0.0.0/4")
_SPECIAL_V6 = ("::/127", "::ffff:0:0/96", "64:ff9b::/96", "100::/64", "2001::/23",
               "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8")


def _bits(addr: Addr) -> str:
    return format(int(addr), f"0{addr.max_prefixlen}b")


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class AddressMapper:
    """Maps addresses to same-kind, prefix-preserving keyed pseudonyms (cached per value)."""

    def __init__(self, key: bytes, networks: Iterable[str] = ()) -> None:
        self._key = hashlib.sha256(b"wfhaudit-ip-pseudonym" + key).digest()
        special: list[Net] = [ipaddress.ip_network(n) for n in (*_SPECIAL_V4, *_SPECIAL_V6)]
        for text in networks:
            try:
                special.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                continue
        self._special = [(n, _bits(n.network_address)) for n in special]
        self._map = lru_cache(maxsize=65536)(self._pseudonym)

    def _keep_bits(self, addr: Addr, bits: str) -> int:
        """How many leading bits to copy so the pseudonym stays in the same kind of network."""
        keep = 0
        for net, net_bits in self._special:
            if net.version != addr.version:
                continue
            if addr in net:
                keep = max(keep, net.prefixlen)
            else:  # keep the first bit that tells the address apart from this network
                keep = max(keep, min(_common(bits, net_bits), net.prefixlen - 1) + 1)
        return keep

    def _pseudonym(self, addr: Addr) -> Addr:
        bits = _bits(addr)
        keep = self._keep_bits(addr, bits)
        out = list(bits[:keep])
        for i in range(keep, len(bits)):
            flip = hashlib.blake2b(f"{addr.version}|{bits[:i]}".encode(), key=self._key,
                                   digest_size=1).digest()[0] & 1
            out.append("1" if (bits[i] == "1") != bool(flip) else "0")
        value = int("".join(out), 2)
        return ipaddress.IPv4Address(value) if addr.version == 4 else ipaddress.IPv6Address(value)

    def address(self, addr: Addr) -> Addr:
        """The pseudonym of one address."""
        return self._map(addr)

    def network(self, addr: Addr, prefixlen: int) -> Addr:
        """The pseudonym of a network's address: host bits stay zero when they were."""
        mapped = self.address(addr)
        host_bits = addr.max_prefixlen - prefixlen
        if host_bits > 0 and int(addr) & ((1 << host_bits) - 1) == 0:
            value = int(mapped) >> host_bits << host_bits
            return ipaddress.IPv4Address(value) if addr.version == 4 else ipaddress.IPv6Address(value)
        return mapped


def is_netmask(addr: Addr) -> bool:
    """True for 255.255.255.0 style masks (leading ones then zeros), which identify nobody."""
    value = int(addr)
    inverted = ~value & ((1 << addr.max_prefixlen) - 1)
    return value != 0 and inverted & (inverted + 1) == 0


def mac_pseudonym(key: bytes, mac: str) -> str:
    """A locally administered MAC with the same separator, case and multicast bit."""
    sep = mac[2]
    raw = bytes(int(part, 16) for part in mac.split(sep))
    digest = hashlib.blake2b(b"mac|" + raw, key=hashlib.sha256(key).digest(), digest_size=6).digest()
    first = (digest[0] & 0xFC) | 0x02 | (raw[0] & 0x01)
    out = sep.join(f"{b:02x}" for b in (first, *digest[1:]))
    return out.upper() if any(c.isupper() for c in mac) else out
