"""Live vpn probe tests: a network namespace with a real tun device and real routes.

Each test builds its own namespace `wfh-vpn-<pid>-<n>` with a veth pair as the "physical"
link (default route via 192.168.50.1) and a persistent tun0. A helper process attaches to tun0
so it has carrier, like a running VPN client; it renames itself `openvpn` so the probe's
process-based client naming is exercised for real. The probe runs its real commands inside the
namespace through NetnsHost, a test-only LiveHost that prefixes argv with `ip netns exec NS`.

Set WFH_VPN_CAPTURE=DIR to also write each scenario's evidence as a fixture case skeleton
(that is how tests/fixtures/cases/vpn/linux was recorded).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require_root_tool

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult, LiveHost
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.vpn import PROBE

pytestmark = pytest.mark.live

_COUNTER = itertools.count()

# Attach to an existing tun device (IFF_TUN | IFF_NO_PI) so it gets carrier (device "-": no
# device), then wait for stdin to close. prctl(PR_SET_NAME) makes the process show up in
# psutil under a client's name (`openvpn`, `charon`).
_HOLDER = r"""
import ctypes, fcntl, os, struct, sys
ctypes.CDLL(None).prctl(15, sys.argv[2].encode(), 0, 0, 0)
if sys.argv[1] != "-":
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", sys.argv[1].encode(), 0x0001 | 0x1000))
print("ready", flush=True)
sys.stdin.read()
"""


class NetnsHost(LiveHost):
    """LiveHost whose commands run inside one network namespace (tests only)."""

    def __init__(self, netns: str, unprivileged: bool = False) -> None:
        super().__init__()
        self.netns = netns
        # setpriv drops to nobody, as a worker without sudo would run the probe.
        self.prefix: tuple[str, ...] = ("ip", "netns", "exec", netns) + (
            ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
            if unprivileged else ())

    def run(self, argv: Sequence[str], timeout: float = 5.0) -> CommandResult:
        """Run argv under `ip netns exec`, record it under the probe's own argv."""
        inner = self._execute((*self.prefix, *argv), timeout)
        result = CommandResult(tuple(argv), inner.returncode, inner.stdout, inner.stderr,
                               inner.duration_ms, inner.error)
        self.evidence.commands.append(result)
        return result


class Netns:
    """A throw-away namespace with a veth 'physical' link and a tun0; removed on close."""

    def __init__(self) -> None:
        self.name = f"wfh-vpn-{os.getpid()}-{next(_COUNTER)}"
        self.holders: list[subprocess.Popen[str]] = []
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True)

    def ip(self, *args: str) -> None:
        """Run `ip ARGS` inside the namespace; fail the test on error."""
        proc = subprocess.run(["ip", "netns", "exec", self.name, "ip", *args],
                              capture_output=True, text=True, timeout=10)
        assert proc.returncode == 0, f"ip {' '.join(args)}: {proc.stderr.strip()}"

    def physical(self, ipv6: bool = False) -> None:
        """veth pair phy0/phy0p up, 192.168.50.10/24, default via 192.168.50.1."""
        self.ip("link", "set", "lo", "up")
        veth = subprocess.run(["ip", "netns", "exec", self.name, "ip", "link", "add", "phy0",
                               "type", "veth", "peer", "name", "phy0p"],
                              capture_output=True, text=True, timeout=10)
        if veth.returncode != 0:
            pytest.skip(f"cannot create a veth pair here: {veth.stderr.strip()}")
        self.ip("link", "set", "phy0p", "up")
        self.ip("link", "set", "phy0", "up")
        self.ip("addr", "add", "192.168.50.10/24", "dev", "phy0")
        self.ip("route", "add", "default", "via", "192.168.50.1", "dev", "phy0")
        if ipv6:
            self.ip("-6", "addr", "add", "fd50::10/64", "dev", "phy0", "nodad")
            self.ip("-6", "route", "add", "default", "via", "fd50::1", "dev", "phy0")

    def tun(self, address: str | None = "10.8.0.2/24", carrier: bool = True,
            process_name: str = "openvpn") -> None:
        """Persistent tun0 (`ip tuntap add`), optionally addressed, up, and held open."""
        self.ip("tuntap", "add", "dev", "tun0", "mode", "tun")
        if address is None:
            return
        if carrier:
            self.hold("tun0", process_name)
        self.ip("addr", "add", address, "dev", "tun0")
        self.ip("link", "set", "tun0", "up")

    def hold(self, dev: str, process_name: str) -> None:
        """Start the helper that attaches to `dev`, as a VPN client would."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.name, sys.executable, "-c", _HOLDER, dev, process_name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.holders.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line

    def close(self) -> None:
        """Stop helpers and delete the namespace (its interfaces go with it)."""
        for proc in self.holders:
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=10)


@pytest.fixture
def netns() -> Iterator[Netns]:
    """A fresh namespace per test, always deleted."""
    require_root_tool("ip")
    if not os.path.exists("/dev/net/tun"):
        pytest.skip("no /dev/net/tun: the kernel has no tun driver here")
    try:
        ns = Netns()
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot create a network namespace here: {exc.stderr.strip()}")
    try:
        yield ns
    finally:
        ns.close()


def probe(ns: Netns, case: str | None = None, unprivileged: bool = False) -> dict[str, Fact]:
    """Run the vpn probe inside the namespace; optionally capture its evidence as a case."""
    if unprivileged:
        require_root_tool("setpriv")
    host = NetnsHost(ns.name, unprivileged)
    start = time.monotonic()
    facts = {f.key: f for f in PROBE.collect(ProbeContext(host=host))}
    assert time.monotonic() - start < 5, "the vpn probe must stay fast"
    target = os.environ.get("WFH_VPN_CAPTURE")
    if target and case:
        _capture(Path(target), case, host, facts)
    return facts


def _capture(target: Path, case: str, host: NetnsHost, facts: dict[str, Fact]) -> None:
    evidence: dict[str, Any] = host.evidence.to_dict()
    # Keep only VPN-relevant processes: the machine's full list is noise and private.
    procs = evidence["snapshots"].get("processes")
    if isinstance(procs, list):
        evidence["snapshots"]["processes"] = [
            {**p, "exe": ""} for p in procs if p.get("name") in ("openvpn", "charon")]
    expect = {k: (f.value if f.is_known else {"unknown": (f.reason or "")[:40]})
              for k, f in facts.items()}
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{case}.json").write_text(json.dumps(
        {"description": case, "source": "captured", "evidence": evidence, "expect": expect},
        indent=1) + "\n", encoding="utf-8")


def value(facts: dict[str, Fact], key: str) -> Any:
    """The observed value of a fact; fails with the reason when it is UNKNOWN."""
    fact = facts[key]
    assert fact.is_known, f"{key} is UNKNOWN: {fact.reason}"
    return fact.value


def test_no_tunnel_default_via_physical_link(netns: Netns) -> None:
    netns.physical()
    netns.tun(address=None)  # an idle persistent tun0: present, down, no routes
    facts = probe(netns, "netns-no-tunnel")
    assert value(facts, "vpn.active") is False
    assert value(facts, "vpn.full_tunnel") is False
    assert value(facts, "vpn.interface") == ""
    assert value(facts, "vpn.client") == ""
    assert "phy0" in (facts["vpn.active"].detail or "")


def test_full_tunnel_default_route_via_tun(netns: Netns) -> None:
    netns.physical()
    netns.tun()
    netns.ip("route", "replace", "default", "dev", "tun0")
    facts = probe(netns, "netns-full-default-via-tun")
    assert value(facts, "vpn.active") is True
    assert value(facts, "vpn.full_tunnel") is True
    assert value(facts, "vpn.interface") == "tun0"
    assert value(facts, "vpn.client") == "openvpn"


def test_full_tunnel_openvpn_def1_split_default_routes(netns: Netns) -> None:
    netns.physical()
    netns.tun()
    # OpenVPN redirect-gateway def1: two /1 routes beat the untouched physical default.
    netns.ip("route", "add", "0.0.0.0/1", "dev", "tun0")
    netns.ip("route", "add", "128.0.0.0/1", "dev", "tun0")
    netns.ip("route", "add", "203.0.113.7/32", "via", "192.168.50.1", "dev", "phy0")
    facts = probe(netns, "netns-openvpn-def1")
    assert value(facts, "vpn.active") is True
    assert value(facts, "vpn.full_tunnel") is True
    assert value(facts, "vpn.interface") == "tun0"


def test_only_one_half_of_ipv4_is_not_a_full_tunnel(netns: Netns) -> None:
    netns.physical()
    netns.tun()
    netns.ip("route", "add", "0.0.0.0/1", "dev", "tun0")
    facts = probe(netns)
    assert value(facts, "vpn.active") is True
    assert value(facts, "vpn.full_tunnel") is False
    assert "phy0" in (facts["vpn.full_tunnel"].detail or "")


def test_wg_quick_style_policy_routing(netns: Netns) -> None:
    netns.physical()
    netns.tun()
    # What wg-quick does for AllowedIPs=0.0.0.0/0: main table keeps the physical default.
    netns.ip("route", "add", "default", "dev", "tun0", "table", "51820")
    netns.ip("rule", "add", "not", "fwmark", "0xca6c", "table", "51820")
    netns.ip("rule", "add", "table", "main", "suppress_prefixlength", "0")
    facts = probe(netns, "netns-wg-quick-policy-routing")
    assert value(facts, "vpn.active") is True
    assert value(facts, "vpn.full_tunnel") is True
    assert value(facts, "vpn.interface") == "tun0"
    assert "51820" in (facts["vpn.active"].detail or "")


def test_split_tunnel_only_corporate_prefix(netns: Netns) -> None:
    netns.physical()
    netns.tun(address="10.8.0.2/32")
    netns.ip("route", "add", "10.0.0.0/8", "dev", "tun0")
    facts = probe(netns, "netns-split-10-8")
    assert value(facts, "vpn.active") is True
    assert value(facts, "vpn.full_tunnel") is False
    assert value(facts, "vpn.interface") == "tun0"
    assert "10.0.0.0/8" in (facts["vpn.active"].detail or "")
    assert value(facts, "vpn.client") == "openvpn"


def test_ipv6_leak_around_an_ipv4_tunnel(netns: Netns) -> None:
    netns.physical(ipv6=True)
    netns.tun()
    netns.ip("route", "replace", "default", "dev", "tun0")
    facts = probe(netns, "netns-ipv6-leak")
    assert value(facts, "vpn.active") is True
    assert value(facts, "vpn.full_tunnel") is False
    assert "IPv6 via phy0" in (facts["vpn.full_tunnel"].detail or "")


def test_ipv6_blackholed_by_kill_switch_is_still_full(netns: Netns) -> None:
    netns.physical(ipv6=True)
    netns.tun()
    netns.ip("route", "replace", "default", "dev", "tun0")
    netns.ip("-6", "route", "add", "unreachable", "::/1")
    netns.ip("-6", "route", "add", "unreachable", "8000::/1")
    facts = probe(netns)
    assert value(facts, "vpn.full_tunnel") is True


def test_tunnel_without_carrier_is_not_an_active_vpn(netns: Netns) -> None:
    netns.physical()
    netns.tun(carrier=False)  # routes point into tun0 but no client holds it
    netns.ip("route", "add", "0.0.0.0/1", "dev", "tun0")
    netns.ip("route", "add", "128.0.0.0/1", "dev", "tun0")
    facts = probe(netns, "netns-tunnel-no-carrier")
    assert value(facts, "vpn.active") is False
    assert value(facts, "vpn.interface") == ""
    assert "tun0" in (facts["vpn.active"].detail or "")


def test_client_unknown_when_no_known_process_holds_the_tunnel(netns: Netns) -> None:
    netns.physical()
    netns.tun(process_name="wfh-vpn-holder")
    netns.ip("route", "replace", "default", "dev", "tun0")
    facts = probe(netns)
    assert value(facts, "vpn.active") is True
    client = facts["vpn.client"]
    assert not client.is_known
    assert "tun0" in (client.reason or "")


def _ipsec_policies(netns: Netns, dst: str) -> None:
    netns.ip("xfrm", "policy", "add", "src", "10.1.2.3/32", "dst", dst, "dir", "out", "tmpl",
             "src", "192.168.50.10", "dst", "203.0.113.5", "proto", "esp", "reqid", "1",
             "mode", "tunnel")
    netns.ip("xfrm", "policy", "add", "src", dst, "dst", "10.1.2.3/32", "dir", "in", "tmpl",
             "src", "203.0.113.5", "dst", "192.168.50.10", "proto", "esp", "reqid", "1",
             "mode", "tunnel")


def test_policy_based_ipsec_full_tunnel_read_as_root(netns: Netns) -> None:
    netns.physical()
    netns.hold("-", "charon")
    _ipsec_policies(netns, "0.0.0.0/0")
    facts = probe(netns, "netns-ipsec-policy-full")
    assert value(facts, "vpn.active") is True
    assert value(facts, "vpn.full_tunnel") is True
    assert value(facts, "vpn.interface") == ""
    assert value(facts, "vpn.client") == "strongswan"


def test_policy_based_ipsec_split(netns: Netns) -> None:
    netns.physical()
    netns.hold("-", "charon")
    _ipsec_policies(netns, "10.0.0.0/8")
    facts = probe(netns)
    assert value(facts, "vpn.active") is True
    assert value(facts, "vpn.full_tunnel") is False


def test_ipsec_daemon_without_policies_is_no_vpn(netns: Netns) -> None:
    netns.physical()
    netns.hold("-", "charon")
    facts = probe(netns)
    assert value(facts, "vpn.active") is False


def test_ipsec_without_root_is_unknown_with_reason(netns: Netns) -> None:
    netns.physical()
    netns.hold("-", "charon")
    _ipsec_policies(netns, "0.0.0.0/0")
    facts = probe(netns, "netns-ipsec-nonroot", unprivileged=True)
    for key in ("vpn.active", "vpn.full_tunnel", "vpn.interface", "vpn.client"):
        assert not facts[key].is_known
        assert "sudo" in (facts[key].reason or "")


def test_unprivileged_user_sees_the_full_tunnel(netns: Netns) -> None:
    netns.physical()
    netns.tun()
    netns.ip("route", "add", "0.0.0.0/1", "dev", "tun0")
    netns.ip("route", "add", "128.0.0.0/1", "dev", "tun0")
    facts = probe(netns, unprivileged=True)
    assert value(facts, "vpn.active") is True
    assert value(facts, "vpn.full_tunnel") is True
    assert value(facts, "vpn.client") == "openvpn"
