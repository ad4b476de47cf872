"""Matching replies to probes, loss, RTT percentiles and the RFC 3550 jitter estimator."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfhaudit.probes.network.stats import (
    analyse,
    burst_ratio,
    median,
    percentile,
    rfc3550_jitter,
    seqs_sent_between,
    window_stats,
)


def test_rfc3550_recursion_by_hand() -> None:
    # transits 10, 14, 12: |D| = 4 then 2; J = 4/16 = 0.25, then 0.25 + (2 - 0.25)/16.
    assert rfc3550_jitter([10.0, 14.0, 12.0]) == pytest.approx(0.25 + 1.75 / 16)
    assert rfc3550_jitter([5.0]) is None
    assert rfc3550_jitter([]) is None


def test_rfc3550_converges_to_mean_abs_difference() -> None:
    # Alternating transits differ by 6 each time: J tends to 6.
    assert rfc3550_jitter([20.0, 26.0] * 200) == pytest.approx(6.0, rel=1e-3)


def test_median_and_percentile() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert median([]) is None
    assert percentile(list(map(float, range(1, 101))), 95) == 95.0
    assert percentile([], 95) is None


def test_analyse_duplicates_late_reordered_pending() -> None:
    sent = [0.00, 0.02, 0.04, 0.06, 0.08, 0.10]
    replies = [
        [0, 0.03],          # 30 ms
        [2, 0.065],         # arrives before 1: 1 is reordered
        [1, 0.07],          # 50 ms, reordered
        [1, 0.071],         # duplicate of 1
        [3, 1.50],          # late: after the 1 s timeout
        [99, 0.2],          # unknown seq: ignored
    ]
    a = analyse(sent, replies, timeout_s=1.0, listen_end=1.05)
    assert a.answered == {0: 0.03, 2: 0.065, 1: 0.07}
    assert a.late == {3}
    assert a.duplicates == {1: 1}
    assert a.reordered == {1}
    # 4 and 5 have no reply, but their 1 s timeout had not run out when listening stopped.
    assert a.pending == {4, 5}
    w = window_stats(a, range(6))
    assert (w.sent, w.received, w.lost, w.late, w.duplicates, w.reordered, w.pending) == \
        (6, 3, 1, 1, 1, 1, 2)
    assert w.loss_pct == pytest.approx(25.0)
    assert w.rtt_median_ms == pytest.approx(30.0)
    assert w.rtt_min_ms == pytest.approx(25.0)
    # jitter in arrival order over transits 30, 25, 50 ms
    assert w.jitter_ms == pytest.approx(rfc3550_jitter([30.0, 25.0, 50.0]))


def test_windows_by_send_time() -> None:
    sent = [i * 0.02 for i in range(10)]
    a = analyse(sent, [[i, t + 0.01] for i, t in enumerate(sent)], 1.0, 5.0)
    assert seqs_sent_between(a, 0.05, 0.11) == [3, 4, 5]
    w = window_stats(a, [3, 4, 5])
    assert w.received == 3 and w.loss_pct == 0.0


def test_no_verdict_means_no_loss_figure() -> None:
    a = analyse([0.0], [], timeout_s=1.0, listen_end=0.5)
    assert window_stats(a, [0]).loss_pct is None


times = st.lists(st.floats(min_value=0.0, max_value=0.5, allow_nan=False), min_size=2,
                 max_size=60)


@settings(max_examples=60, deadline=None)
@given(rtts=times, shift=st.floats(min_value=-100.0, max_value=100.0, allow_nan=False))
def test_jitter_ignores_a_constant_clock_offset(rtts: list[float], shift: float) -> None:
    # Sender and receiver clocks need not agree (RFC 3550): shifting every transit changes nothing.
    base = rfc3550_jitter(rtts)
    moved = rfc3550_jitter([r + shift for r in rtts])
    assert base is not None and moved is not None
    assert moved == pytest.approx(base, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(rtts=times, drop=st.sets(st.integers(min_value=0, max_value=59)))
def test_loss_counts_exactly_the_unanswered(rtts: list[float], drop: set[int]) -> None:
    sent = [i * 0.02 for i in range(len(rtts))]
    replies = [[i, s + r] for i, (s, r) in enumerate(zip(sent, rtts, strict=True)) if i not in drop]
    replies.sort(key=lambda x: x[1])
    a = analyse(sent, replies, timeout_s=1.0, listen_end=100.0)
    w = window_stats(a, range(len(sent)))
    lost = len([i for i in range(len(sent)) if i in drop])
    assert w.lost == lost and w.received == len(sent) - lost
    assert w.loss_pct == pytest.approx(100.0 * lost / len(sent))
    if w.rtt_median_ms is not None:
        assert w.rtt_min_ms is not None and w.rtt_p95_ms is not None
        assert w.rtt_min_ms <= w.rtt_median_ms <= w.rtt_p95_ms + 1e-9


@pytest.mark.parametrize(("pattern", "ratio", "bursts"), [
    ("....xx....xx....xx..", 2 * (1 - 6 / 20), 3),     # mean burst 2 at 30 % loss
    ("x.........x.........", 1 * (1 - 2 / 20), 2),     # isolated: below 1, i.e. random
    ("xxxxxxxxxx..........", 10 * 0.5, 1),
    ("....................", None, 0),
    ("xxxx", None, 1),
])
def test_burst_ratio(pattern: str, ratio: float | None, bursts: int) -> None:
    got, count = burst_ratio([c == "x" for c in pattern])
    assert count == bursts
    assert got == (pytest.approx(ratio) if ratio is not None else None)
