"""Run the network probe once with given settings and print its facts as JSON (for namespaces).

    python probe_child.py '<settings json>'

A "{tcp}" in the settings becomes the port of a TCP listener this process opens on 127.0.0.1
first (a TCP fallback that connects, inside whatever namespace the process runs in). Prints
{"facts": {key: fact}, "wall": seconds, "measurements": {...}, "evidence": {...}} on one
line.
"""

from __future__ import annotations

import json
import socket
import sys
import time

from wfhaudit.host import LiveHost
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.network import PROBE


def main() -> None:
    """Open the listener if asked, run the probe, print the result."""
    text = sys.argv[1]
    listener = None
    if "{tcp}" in text:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        text = text.replace("{tcp}", str(listener.getsockname()[1]))
    host = LiveHost()
    start = time.monotonic()
    facts = PROBE.collect(ProbeContext(host=host, settings={"network": json.loads(text)},
                                       budget_s=PROBE.budget_s))
    wall = time.monotonic() - start
    print(json.dumps({"facts": {f.key: f.to_dict() for f in facts}, "wall": wall,
                      "measurements": host.evidence.measurements,
                      "evidence": host.evidence.to_dict()}))
    if listener is not None:
        listener.close()


if __name__ == "__main__":
    main()
