"""The watcher around speedtest-cli's opener: statuses, errors and stalls land in the log."""

from __future__ import annotations

import io
import time
import urllib.error
from email.message import Message
from typing import Any

import pytest

from wfhaudit.probes.network import speed_http
from wfhaudit.probes.network.speed_http import HttpLog, RecordingOpener, describe


class FakeResponse(io.BytesIO):
    status = 200
    code = 200


class FakeOpener:
    """Answers by URL: 'ok' with 3 bytes, 'forbidden' with HTTP 403, 'down' with a timeout."""

    def open(self, url: str, *_args: Any, **_kwargs: Any) -> Any:
        if url == "forbidden":
            raise urllib.error.HTTPError(url, 403, "Forbidden", Message(), None)
        if url == "down":
            raise urllib.error.URLError(TimeoutError("timed out"))
        return FakeResponse(b"abc")


def test_statuses_errors_and_bytes_by_phase() -> None:
    log = HttpLog()
    opener = RecordingOpener(FakeOpener(), log)
    log.phase = "download"
    response = opener.open("ok")
    assert response.read(2) == b"ab" and response.code == 200   # the rest is the real response
    response.close()
    with pytest.raises(urllib.error.HTTPError):
        opener.open("forbidden")
    log.phase = "upload"
    with pytest.raises(urllib.error.URLError):
        opener.open("down")
    snap = log.snapshot()
    assert snap["download"] == {"requests": 2, "status": {"200": 1, "403": 1},
                                "errors": {"HTTP 403 Forbidden": 1}, "bytes": 2}
    assert snap["upload"]["errors"] == {"timed out": 1}


def test_a_response_that_goes_quiet_is_a_stall(monkeypatch: pytest.MonkeyPatch) -> None:
    log = HttpLog()
    log.phase = "download"
    response = RecordingOpener(FakeOpener(), log).open("ok")
    response.read(1)
    later = time.monotonic() + speed_http.STALL_S + 0.5
    monkeypatch.setattr(speed_http.time, "monotonic", lambda: later)
    stalled = log.snapshot()["download"]["stalled"]
    assert stalled["count"] == 1 and stalled["bytes"] == 1 and stalled["idle_s"] >= 1.5


def test_an_upload_waiting_for_its_answer_is_not_a_stall(monkeypatch: pytest.MonkeyPatch) -> None:
    log = HttpLog()
    log.phase = "upload"
    token = log.begin()          # the body is still going out: no response yet
    later = time.monotonic() + 10
    monkeypatch.setattr(speed_http.time, "monotonic", lambda: later)
    assert "stalled" not in log.snapshot()["upload"]
    log.end(token)


def test_describe() -> None:
    import ssl

    assert describe(urllib.error.URLError(ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED]"))).startswith("TLS failure")
    assert describe(TimeoutError()) == "timed out"
    assert describe(ConnectionResetError(104, "Connection reset by peer")) == \
        "ConnectionResetError: [Errno 104] Connection reset by peer"
