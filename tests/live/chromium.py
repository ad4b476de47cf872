"""Headless Chromium driven over the DevTools protocol, for the HTML tests (no extra packages).

`Browser` starts one Chromium with a dead proxy and no DNS, so nothing can leave the machine,
attaches one page and records every protocol event (requests, console messages, issues).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"


class WebSocket:
    """Just enough RFC 6455 for the DevTools protocol: masked text frames out, frames in."""

    def __init__(self, url: str, timeout: float = 20.0) -> None:
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            assert chunk, "DevTools closed the connection during the handshake"
            head += chunk
        assert head.split(b"\r\n", 1)[0].split()[1] == b"101", head[:200]
        self.buffer = head.split(b"\r\n\r\n", 1)[1]

    def _frame(self) -> tuple[int, int, bytes]:
        """The next whole frame; a timeout leaves a half-received frame in the buffer."""
        while True:
            buf = self.buffer
            if len(buf) >= 2:
                length, start = buf[1] & 0x7F, 2
                if length == 126 and len(buf) >= 4:
                    length, start = struct.unpack("!H", buf[2:4])[0], 4
                elif length == 127 and len(buf) >= 10:
                    length, start = struct.unpack("!Q", buf[2:10])[0], 10
                if (length < 126 or start > 2) and len(buf) >= start + length:
                    self.buffer = buf[start + length:]
                    return buf[0], buf[0] & 0x0F, buf[start:start + length]
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buffer += chunk

    def send(self, text: str) -> None:
        data = text.encode()
        head = bytearray([0x81])
        if len(data) < 126:
            head.append(0x80 | len(data))
        elif len(data) < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack("!H", len(data))
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", len(data))
        mask = os.urandom(4)
        self.sock.sendall(bytes(head) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self) -> str:
        message = b""
        while True:
            b0, opcode, payload = self._frame()
            if opcode == 0x8:
                raise ConnectionError("DevTools sent close")
            if opcode == 0x9:  # ping -> pong
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()


class Browser:
    """One headless Chromium and one page (a flattened DevTools session)."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="wfh-render-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--window-size=1200,900", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
            assert self.proc.poll() is None, "Chromium exited at start"
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = WebSocket(f"ws://127.0.0.1:{port}{path}")
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log", "Audits"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: bool = False, timeout: float = 30.0) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                assert "error" not in reply, (method, reply["error"])
                result: dict[str, Any] = reply["result"]
                return result
            if "method" in reply:
                self.events.append(reply)
        raise TimeoutError(method)

    def wait_for(self, event: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(e["method"] == event for e in self.events):
            assert time.monotonic() < deadline, f"no {event}"
            self.ws.sock.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))

    def settle(self, seconds: float) -> None:
        """Collect events for a while (late requests, deferred console messages)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.ws.sock.settimeout(left)
            try:
                self.events.append(json.loads(self.ws.recv()))
            except TimeoutError:
                break
        self.ws.sock.settimeout(30)

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Emulation.setEmulatedMedia", {"media": ""}, session=True)
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("Page.loadEventFired")
        self.settle(0.4)

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                           session=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]

    def problems(self) -> list[str]:
        out = []
        for e in self.events:
            method, params = e["method"], e.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning",
                                                                               "assert"):
                out.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                out.append(f"log {params['entry']['level']}: {params['entry']['text']}")
            elif method == "Audits.issueAdded":
                out.append(f"issue: {params['issue']['code']}")
        return out

    def screenshot(self, path: Path, clip: dict[str, float] | None = None) -> bytes:
        """A PNG of the whole page (or of `clip`: x, y, width, height, scale), written to path."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": True}
        if clip is not None:
            params["clip"] = clip
        data = base64.b64decode(self.call("Page.captureScreenshot", params,
                                          session=True)["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return data

    def pdf(self, **params: Any) -> bytes:
        """The page printed to PDF (print media, Chromium's defaults unless params say else)."""
        return base64.b64decode(self.call("Page.printToPDF", params, session=True,
                                          timeout=120)["data"])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.ws.sock.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)
