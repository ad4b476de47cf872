"""The fleet page an IT manager reads: the device bar, the trend with its gate, only rules that
failed, owners, honest rows for stale and missing devices, rejected newest reports, fixes."""

from __future__ import annotations

import itertools
import re

import pytest
from tests.fleet.showcase import build

from wfhaudit.fleet.context import TrendPoint
from wfhaudit.fleet.writers.html_view import trend_chart


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """100 devices: 62 ready, 10 + 8 failing, 8 unknown, 4 stale, 5 missing, 3 ready whose
    newest report was rejected (see showcase)."""
    return build(tmp_path_factory.mktemp("wfh-fleet-100"), 100).html.read_text(encoding="utf-8")


def _row(page: str, device: str) -> str:
    body = page.split('<table class="sortable" id="devices">')[1].split("</table>")[0]
    return next(r for r in body.split("</tr>") if f'data-v="{device}"' in r)


def test_stacked_bar_counts_every_expected_device_once(page: str) -> None:
    legend = re.findall(r'<span class="swatch ([a-z-]+)"></span><strong>(\d+)</strong> ([a-z ]+) ',
                        page)
    assert legend == [("ready", "65", "ready"), ("not-ready", "18", "not ready"),
                      ("unknown", "8", "unknown"), ("stale", "4", "stale"),
                      ("missing", "5", "missing")]
    widths = [float(w) for w in re.findall(r'<rect class="seg [a-z-]+" x="[0-9.]+" y="0" '
                                           r'width="([0-9.]+)"', page)]
    assert len(widths) == 5 and sum(widths) == pytest.approx(1000.0)
    assert "100 expected devices" in page


def test_trend_is_full_width_with_the_gate_line_and_times(page: str) -> None:
    chart = page.split('<svg class="chart"')[1].split("</svg>")[0]
    assert 'viewBox="0 0 960 240"' in chart and "width=" not in chart.split(">")[0]
    assert '<line class="gate"' in chart and "gate 80%" in chart
    assert re.search(r">\d\d-\d\d</text><text class=\"tick\"[^>]*>\d\d:\d\d UTC</text>", chart)
    assert chart.count('class="dot below"') == 6  # every run was under the 80% gate


def test_worst_rules_lists_only_rules_that_failed_somewhere(page: str) -> None:
    rules = page.split('<table class="rules">')[1].split("</table>")[0]
    listed = re.findall(r"<td><code>([a-z-]+)</code></td>", rules)
    assert listed == ["disk-encrypted", "firewall-enabled", "net-upload", "headset-present"]
    assert "os-supported" not in rules  # passes everywhere
    assert "10 devices (11.0%)" in rules  # of the 91 devices with a current report


def test_rows_show_the_owner_and_no_fake_zero_for_stale_or_missing(page: str) -> None:
    ready = _row(page, "dev-0001")
    assert "agent0001@example.com" in ready and 'data-v="100">100</td><td data-v="0">0</td>' in ready
    for device, word in (("dev-0088", "STALE"), ("dev-0092", "MISSING")):
        row = _row(page, device)
        assert f'<span class="st {word}">{word}</span>' in row
        assert '<td data-v=""></td><td data-v=""></td>' in row  # score and failing: blank
        assert f"agent{device[4:]}@example.com" in row
    assert '<span class="st UNKNOWN">UNKNOWN</span>' in _row(page, "dev-0080")


def test_a_rejected_newest_report_is_shown_on_its_devices_row(page: str) -> None:
    row = _row(page, "dev-0097")
    assert '<span class="st READY">READY</span>' in row  # its older report still counts
    assert "Newest report rejected: <code>POLICY_MISMATCH</code>" in row
    assert "`wfhaudit trust accept-policy contact-center-fleet`" in row
    assert "Newest report rejected" not in _row(page, "dev-0001")


def test_drill_down_says_how_to_fix(page: str) -> None:
    row = _row(page, "dev-0062")
    assert "<strong>System disk is encrypted</strong>" in row
    assert "measured <bdi>no</bdi>, expected yes" in row
    assert "Fix: <bdi>Ask IT to reinstall this machine with disk encryption turned on.</bdi>" in row


def test_trend_time_labels_never_crowd() -> None:
    points = tuple(TrendPoint(f"2026-11-{1 + i // 2:02d}T{12 * (i % 2):02d}:00:00Z",
                              float(50 + i), 1, 2) for i in range(31))
    chart = trend_chart(points)
    assert chart is not None and chart["gate"] is None
    xs = [t["x"] for t in chart["ticks"]]
    assert 5 <= len(xs) <= 8 and min(b - a for a, b in itertools.pairwise(xs)) > 80
    assert chart["ticks"][-1]["date"] == "11-16" and chart["ticks"][-1]["anchor"] == "end"
    assert trend_chart(points[:1]) is None
