"""Pure statistics over recorded STUN samples: matching, loss, RTT, RFC 3550 jitter, windows."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def median(values: Sequence[float]) -> float | None:
    """Median, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def burst_ratio(lost: Sequence[bool]) -> tuple[float | None, int]:
    """(BurstR, number of loss bursts) of a loss pattern in send order.

    BurstR = observed mean burst length / the mean burst length random (Bernoulli) loss at
    the same rate would give, which is 1 / (1 - p): so BurstR = mean length x (1 - p).
    None when nothing or everything was lost (the ratio is undefined there).
    """
    total, nlost = len(lost), sum(lost)
    bursts = sum(1 for i, x in enumerate(lost) if x and (i == 0 or not lost[i - 1]))
    if nlost == 0 or nlost == total:
        return None, bursts
    p = nlost / total
    return (nlost / bursts) * (1.0 - p), bursts


def rfc3550_jitter(transits: Sequence[float]) -> float | None:
    """Interarrival jitter of RFC 3550 §6.4.1 / A.8 over transit times in arrival order.

    transit = arrival time - send time of the same packet (here: the round trip, since the
    STUN server echoes our request). For consecutive packets D = transit_j - transit_i and
    J += (|D| - J) / 16, starting from J = 0. Same unit in and out; None with < 2 packets.
    """
    if len(transits) < 2:
        return None
    jitter = 0.0
    for prev, cur in itertools.pairwise(transits):
        jitter += (abs(cur - prev) - jitter) / 16.0
    return jitter


@dataclass(frozen=True)
class StreamAnalysis:
    """Every probe's fate: answered in time, late, lost, or still pending when listening ended."""

    sent: tuple[float, ...]
    answered: dict[int, float]           # seq -> arrival of the first reply within the timeout
    late: frozenset[int]                 # first reply came after the timeout (counts as lost)
    duplicates: dict[int, int]           # seq -> extra replies after the first
    reordered: frozenset[int]            # answered after a higher seq had been answered
    pending: frozenset[int]              # no reply, but the timeout had not run out
    arrival_order: tuple[int, ...] = field(default=())  # answered seqs in arrival order
    late_arrivals: dict[int, float] = field(default_factory=dict)  # seq -> late first reply


def analyse(sent: Sequence[float], replies: Iterable[Sequence[float]], timeout_s: float,
            listen_end: float) -> StreamAnalysis:
    """Match replies (seq, arrival) to sends; replies must be in arrival order.

    Replies naming an unknown seq are ignored (the recorder already drops foreign
    transaction ids; this keeps hand-edited evidence from crashing the maths).
    """
    first: dict[int, float] = {}
    duplicates: dict[int, int] = {}
    arrival: list[int] = []
    for entry in replies:
        seq, when = int(entry[0]), float(entry[1])
        if not 0 <= seq < len(sent):
            continue
        if seq in first:
            duplicates[seq] = duplicates.get(seq, 0) + 1
            continue
        first[seq] = when
        arrival.append(seq)
    answered: dict[int, float] = {}
    late: set[int] = set()
    reordered: set[int] = set()
    highest = -1
    order: list[int] = []
    for seq in arrival:
        when = first[seq]
        if when - sent[seq] > timeout_s:
            late.add(seq)
            continue
        answered[seq] = when
        order.append(seq)
        if seq < highest:
            reordered.add(seq)
        highest = max(highest, seq)
    pending = {seq for seq, t in enumerate(sent)
               if seq not in first and t + timeout_s > listen_end}
    return StreamAnalysis(tuple(sent), answered, frozenset(late), duplicates,
                          frozenset(reordered), frozenset(pending), tuple(order),
                          {seq: first[seq] for seq in late})


@dataclass(frozen=True)
class WindowStats:
    """Loss, RTT and jitter over one set of probes (idle, or during a transfer)."""

    sent: int
    received: int
    lost: int
    late: int
    duplicates: int
    reordered: int
    pending: int
    rtt_median_ms: float | None
    rtt_min_ms: float | None
    rtt_p95_ms: float | None
    jitter_ms: float | None
    burst_ratio: float | None = None
    loss_bursts: int = 0
    late_ms: tuple[float, float] | None = None   # fastest and slowest late reply

    @property
    def loss_pct(self) -> float | None:
        """Lost share of probes with a verdict, in percent."""
        judged = self.received + self.lost
        return 100.0 * self.lost / judged if judged else None

    def to_dict(self) -> dict[str, float | int | None]:
        """Plain numbers for details and the benchmark."""
        return {"sent": self.sent, "received": self.received, "lost": self.lost,
                "late": self.late, "duplicates": self.duplicates, "reordered": self.reordered,
                "pending": self.pending, "rtt_median_ms": self.rtt_median_ms,
                "rtt_min_ms": self.rtt_min_ms, "rtt_p95_ms": self.rtt_p95_ms,
                "jitter_ms": self.jitter_ms, "loss_pct": self.loss_pct,
                "burst_ratio": self.burst_ratio, "loss_bursts": self.loss_bursts}


def window_stats(analysis: StreamAnalysis, seqs: Iterable[int]) -> WindowStats:
    """Statistics over the probes whose seq is in seqs."""
    chosen = set(seqs)
    rtts = [(analysis.answered[s] - analysis.sent[s]) * 1000.0
            for s in analysis.arrival_order if s in chosen]
    received = len(rtts)
    pending = len(chosen & analysis.pending)
    lost = len(chosen) - received - pending
    # Send order, leaving out probes whose fate is still open at the end.
    pattern = [s not in analysis.answered for s in sorted(chosen) if s not in analysis.pending]
    ratio, bursts = burst_ratio(pattern)
    late = [(t - analysis.sent[s]) * 1000.0 for s, t in analysis.late_arrivals.items()
            if s in chosen]
    return WindowStats(
        sent=len(chosen), received=received, lost=lost,
        late=len(chosen & analysis.late),
        duplicates=sum(n for s, n in analysis.duplicates.items() if s in chosen),
        reordered=len(chosen & analysis.reordered), pending=pending,
        rtt_median_ms=median(rtts), rtt_min_ms=min(rtts) if rtts else None,
        rtt_p95_ms=percentile(rtts, 95), jitter_ms=rfc3550_jitter(rtts),
        burst_ratio=ratio, loss_bursts=bursts,
        late_ms=(min(late), max(late)) if late else None)


def seqs_sent_between(analysis: StreamAnalysis, start: float, end: float) -> list[int]:
    """Seqs of probes sent inside [start, end] (e.g. while the download ran)."""
    return [seq for seq, t in enumerate(analysis.sent) if start <= t <= end]
