"""The vpn probe: does public traffic leave through a VPN tunnel, all of it or only some.

Decided from where the OS routes public destinations (four IPv4 addresses, two in each half of
the address space, and two IPv6 ones), never from "a tunnel interface exists".

Value forms (stable, for policy rules with `equals`/`in`/`matches`):
- vpn.active: true when public traffic or some routes go through a tunnel that is up.
- vpn.full_tunnel: true when every public address tried (IPv4 and, if the machine has IPv6
  routes, IPv6) goes through a VPN tunnel; false for a split tunnel and when no VPN is active.
- vpn.interface: the OS's interface name of the tunnel: Linux/macOS kernel names (`tun0`,
  `wg0`, `cscotun0`, `utun4`, `ppp0`), on Windows the connection name (`Ethernet 3`,
  `Contoso VPN`). The empty string "" when no VPN is active (observed, not unknown: we know
  there is none).
- vpn.client: one of `clients.CLIENTS` (e.g. `openvpn`, `wireguard`, `cisco-anyconnect`,
  `globalprotect`, `forticlient`, `windows-builtin`), "" when no VPN is active, UNKNOWN when a
  VPN is up but nothing ties it to a known client.
"""

from __future__ import annotations

from wfhaudit.probes.base import Probe, os_backends

PROBE = Probe(
    name="vpn",
    description="Whether public traffic goes through a VPN tunnel (full or split) and which",
    backends=os_backends(__name__),
    budget_s=30.0,
)
