"""Facts (observed value or unknown with a reason) and the catalogue of every fact key."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class FactType(str, Enum):
    """The JSON type of a fact's value; policies are type-checked against it."""

    BOOL = "boolean"
    INT = "integer"
    NUMBER = "number"
    STRING = "string"
    STRING_LIST = "string_list"


class FactStatus(str, Enum):
    """Whether a probe observed the fact or could not determine it."""

    OBSERVED = "observed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FactSpec:
    """One entry of the catalogue: key, type, unit and what it means."""

    key: str
    type: FactType
    description: str
    unit: str | None = None
    choices: tuple[str, ...] | None = None

    @property
    def probe(self) -> str:
        """Name of the probe that owns this fact (the key's prefix)."""
        return self.key.split(".", 1)[0]


def _spec(key: str, type_: FactType, description: str, unit: str | None = None,
          choices: tuple[str, ...] | None = None) -> FactSpec:
    return FactSpec(key, type_, description, unit, choices)


B, INT, N, S, L = FactType.BOOL, FactType.INT, FactType.NUMBER, FactType.STRING, FactType.STRING_LIST

CATALOGUE: Mapping[str, FactSpec] = {
    s.key: s
    for s in (
        _spec("os.family", S, "Operating system family", choices=("linux", "macos", "windows")),
        _spec("os.version", S, "Operating system name and version"),
        _spec("firewall.enabled", B, "A host firewall is filtering inbound traffic"),
        _spec("firewall.source", S, "Which mechanism decided firewall.enabled",
              choices=("ufw", "firewalld", "nftables", "iptables", "alf", "pf", "windows",
                       "third-party")),
        _spec("firewall.profiles_off", L, "Windows firewall profiles that are switched off"),
        _spec("vpn.active", B, "A VPN tunnel is up and carries public traffic or some routes"),
        _spec("vpn.full_tunnel", B, "All public traffic goes through the VPN (not split)"),
        _spec("vpn.interface", S, "Name of the VPN tunnel interface (\"\" when there is none)"),
        _spec("vpn.client", S, "VPN client software identified from processes or adapters",
              choices=("", "checkpoint", "cisco-anyconnect", "clash", "cloudflare-warp",
                       "expressvpn", "forticlient", "globalprotect", "l2tp", "libreswan",
                       "macos-builtin", "mullvad", "nordvpn", "openconnect", "openfortivpn",
                       "openvpn", "pptp", "protonvpn", "pulse-secure", "sing-box", "sstp",
                       "strongswan", "tailscale", "windows-builtin", "wireguard", "zerotier")),
        _spec("disk.system_encrypted", B, "The volume holding the OS and the user's home is encrypted"),
        _spec("disk.method", S, "Encryption method (luks1, luks2, zfs, fscrypt, filevault, bitlocker)"),
        _spec("disk.encryption_in_progress", B, "Encryption or decryption is still running"),
        _spec("disk.unencrypted_volumes", L, "Fixed data volumes that are not encrypted"),
        _spec("network.download_mbps", N, "Download throughput", "Mbit/s"),
        _spec("network.upload_mbps", N, "Upload throughput", "Mbit/s"),
        _spec("network.rtt_ms", N, "Median round-trip time at voice pacing", "ms"),
        _spec("network.jitter_ms", N, "Round-trip interarrival jitter (RFC 3550 estimator over "
              "round trips: both directions added)", "ms"),
        _spec("network.jitter_oneway_ms", N, "Estimated one-way jitter (round-trip jitter / "
              "sqrt 2)", "ms"),
        _spec("network.loss_pct", N, "Packet loss at voice pacing", "%"),
        _spec("network.loaded_rtt_ms", N, "Median round-trip time while downloading", "ms"),
        _spec("network.mos", N, "Estimated mean opinion score (ITU-T G.107 E-model)"),
        _spec("network.udp_ok", B, "UDP reaches the media/STUN servers"),
        _spec("network.link", S, "Kind of link to the router", choices=("wired", "wifi", "cellular")),
        _spec("network.wifi_signal_dbm", N, "Wi-Fi signal strength", "dBm"),
        _spec("location.office_network", B, "The device sits on one of the policy's office networks"),
        _spec("audio.headset_present", B, "A headset (output and microphone) is connected"),
        _spec("audio.default_output_is_headset", B, "The default output device is a headset"),
        _spec("audio.default_input_is_headset", B, "The default input device is a headset microphone"),
        _spec("audio.headset_name", S, "Name of the headset found"),
        _spec("audio.input_sample_rate_hz", INT, "Sample rate of the default input", "Hz"),
        _spec("screenlock.enabled", B, "The screen locks by itself after a period of inactivity"),
        _spec("screenlock.idle_minutes", N, "Longest inactivity before the screen locks by itself "
              "(worst power source)", "min"),
        _spec("screenlock.password_required", B, "Waking the screen after it blanks or locks "
              "needs the password"),
        _spec("signin.autologin_enabled", B, "The computer signs a user in at start-up without "
              "a password"),
        _spec("secureboot.enabled", B, "Secure Boot is on (UEFI Secure Boot, Apple secure boot)"),
        _spec("updates.security_pending", INT, "Security updates offered but not installed "
              "(packages; patches on SUSE; on macOS updates for the installed major version)"),
        _spec("updates.days_since_last", N, "Days since updates were last installed", "days"),
        _spec("updates.reboot_pending", B, "Installed updates wait for a restart"),
        _spec("updates.os_build", INT, "OS build for a policy minimum: Windows build number "
              "(26100 = 11 24H2), macOS major*100+minor (1501 = 15.1); unknown on Linux"),
        _spec("malware.protection_on", B, "Malware protection is active: real-time (on-access) "
              "scanning or an EDR agent the policy names"),
        _spec("malware.product", S, "Malware protection found, comma-separated (\"\" for none)"),
        _spec("malware.signature_age_days", N, "Age of the newest malware signatures", "days"),
        _spec("malware.edr_running", B, "An EDR agent named in settings.malware.edr_processes runs"),
        _spec("wifi.security", S, "Security of the Wi-Fi network in use (a mixed or transition "
              "network counts as its weaker mode unless the OS says which was negotiated)",
              choices=("open", "owe", "wep", "wpa", "wpa2", "wpa3", "enterprise", "not-wifi")),
    )
}


def _check_value(spec: FactSpec, value: Any) -> None:
    """Raise ValueError when a value does not fit the fact's declared type."""
    t = spec.type
    ok = (
        (t is FactType.BOOL and isinstance(value, bool))
        or (t is FactType.INT and isinstance(value, int) and not isinstance(value, bool))
        or (t is FactType.NUMBER and isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))
        or (t is FactType.STRING and isinstance(value, str))
        or (t is FactType.STRING_LIST and isinstance(value, list)
            and all(isinstance(v, str) for v in value))
    )
    if not ok:
        raise ValueError(f"{spec.key}: {value!r} is not a valid {t.value}")


@dataclass(frozen=True)
class Fact:
    """A fact as a probe saw it: observed with a value, or unknown with a reason."""

    key: str
    status: FactStatus
    value: Any = None
    reason: str | None = None
    sources: tuple[str, ...] = ()
    detail: str | None = None

    @classmethod
    def observed(cls, key: str, value: Any, sources: Iterable[str] = (),
                 detail: str | None = None) -> Fact:
        """Build an observed fact, checking the value against the catalogue type."""
        spec = CATALOGUE[key]
        if spec.type is FactType.NUMBER and isinstance(value, float):
            value = round(value, 3)
        _check_value(spec, value)
        return cls(key, FactStatus.OBSERVED, value, None, tuple(sources), detail)

    @classmethod
    def unknown(cls, key: str, reason: str, sources: Iterable[str] = ()) -> Fact:
        """Build an unknown fact; the reason says why it could not be determined."""
        if key not in CATALOGUE:
            raise KeyError(key)
        return cls(key, FactStatus.UNKNOWN, None, reason, tuple(sources), None)

    @property
    def is_known(self) -> bool:
        """True when the fact was observed."""
        return self.status is FactStatus.OBSERVED

    def to_dict(self) -> dict[str, Any]:
        """Serialise for reports (JSON-safe, deterministic)."""
        out: dict[str, Any] = {"status": self.status.value, "sources": list(self.sources)}
        if self.is_known:
            out["value"] = self.value
        else:
            out["reason"] = self.reason
        if self.detail:
            out["detail"] = self.detail
        unit = CATALOGUE[self.key].unit
        if unit:
            out["unit"] = unit
        return out

    @classmethod
    def from_dict(cls, key: str, data: Mapping[str, Any]) -> Fact:
        """Rebuild a fact from its report form; raises ValueError/KeyError on bad data."""
        sources = tuple(str(s) for s in data.get("sources", []))
        detail = data.get("detail")
        if data.get("status") == FactStatus.OBSERVED.value:
            f = cls.observed(key, data.get("value"), sources)
            return cls(f.key, f.status, f.value, None, f.sources, detail)
        if data.get("status") == FactStatus.UNKNOWN.value:
            return cls.unknown(key, str(data.get("reason") or "unknown"), sources)
        raise ValueError(f"{key}: status must be 'observed' or 'unknown'")


@dataclass
class FactSet:
    """Facts keyed by catalogue key; a key never set reads as unknown."""

    facts: dict[str, Fact] = field(default_factory=dict)

    def add(self, fact: Fact) -> None:
        """Add or replace a fact."""
        self.facts[fact.key] = fact

    def get(self, key: str) -> Fact:
        """Return the fact, or an unknown one saying no probe reported it."""
        return self.facts.get(key) or Fact.unknown(key, "not collected")

    def to_dict(self) -> dict[str, Any]:
        """Serialise every fact, sorted by key."""
        return {k: self.facts[k].to_dict() for k in sorted(self.facts)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FactSet:
        """Rebuild from report form; unknown keys raise KeyError."""
        fs = cls()
        for key, value in data.items():
            if key not in CATALOGUE:
                raise KeyError(f"unknown fact key {key!r}")
            fs.add(Fact.from_dict(key, value))
        return fs


def keys_of(probe: str) -> tuple[str, ...]:
    """Every catalogue key a probe owns (the keys whose prefix names it), in catalogue order."""
    return tuple(k for k, spec in CATALOGUE.items() if spec.probe == probe)
