"""RTT samples from a report's (untrusted) STUN measurement, and the speed test's windows.

Two raw shapes are read: the network probe's own (`sent` times and `replies`) and a plain
list of samples. Only finite numbers in a sane range come out.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wfhaudit.util.jsonshape import as_number

MAX_POINTS = 5000


@dataclass(frozen=True)
class Samples:
    """Send time (s since the first probe) and RTT in ms, or None for a lost probe."""

    points: tuple[tuple[float, float | None], ...]
    origin: float = 0.0  # the probe clock's value at time 0 of the chart

    @property
    def received(self) -> list[float]:
        """RTTs of the probes that came back."""
        return [r for _, r in self.points if r is not None]

    @property
    def lost(self) -> int:
        """How many probes never came back."""
        return sum(1 for _, r in self.points if r is None)

    def percentiles(self) -> dict[str, float] | None:
        """p50, p90, p99 and max of the received RTTs (ms), None with no reply at all."""
        got = sorted(self.received)
        if not got:
            return None
        if len(got) == 1:
            return {"p50": got[0], "p90": got[0], "p99": got[0], "max": got[0]}
        cuts = statistics.quantiles(got, n=100, method="inclusive")
        return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98], "max": got[-1]}

    def jitter(self) -> float | None:
        """Mean absolute difference of consecutive received RTTs (ms)."""
        got = self.received
        if len(got) < 2:
            return None
        return sum(abs(b - a) for a, b in itertools.pairwise(got)) / (len(got) - 1)


def _num(value: Any) -> float | None:
    return as_number(value, limit=1e9)


def _first(d: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    return next((d[k] for k in keys if k in d), None)


def _sample_lists(measurement: Mapping[str, Any]) -> list[Any]:
    if isinstance(measurement.get("samples"), list):
        return list(measurement["samples"])
    for key in ("servers", "targets", "results", "runs"):
        groups = [g for g in measurement.get(key) or [] if isinstance(g, dict)
                  and isinstance(g.get("samples"), list)]
        if groups:
            return list(max(groups, key=lambda g: len(g["samples"]))["samples"])
    rtts = measurement.get("rtt_ms")
    return list(rtts) if isinstance(rtts, list) else []


def _from_sends_and_replies(measurement: Mapping[str, Any]) -> list[tuple[float, float | None]]:
    """The network probe's raw form: `sent` send times (s) by seq, `replies` [seq, arrival s].

    Same rules as its statistics: the first reply counts, one later than timeout_ms is lost,
    and a probe whose timeout had not run out when listening ended (`listen_end`) is left out.
    """
    sent = [_num(t) for t in measurement["sent"][:MAX_POINTS]]
    timeout = (_num(measurement.get("timeout_ms")) or 1000.0) / 1000.0
    listen_end = _num(measurement.get("listen_end"))
    first: dict[int, float] = {}
    for reply in measurement.get("replies") or []:
        if not isinstance(reply, list) or len(reply) < 2:
            continue
        seq, when = _num(reply[0]), _num(reply[1])
        if seq is None or when is None or seq != int(seq) or not 0 <= seq < len(sent):
            continue
        first.setdefault(int(seq), when)
    points: list[tuple[float, float | None]] = []
    for seq, t in enumerate(sent):
        if t is None:
            continue
        arrival = first.get(seq)
        if arrival is not None and 0 <= arrival - t <= timeout:
            points.append((t, (arrival - t) * 1000.0))
        elif arrival is None and listen_end is not None and t + timeout > listen_end:
            continue  # still pending: neither received nor lost
        else:
            points.append((t, None))
    return points


def extract_samples(measurement: Any) -> Samples | None:
    """Normalise a raw STUN measurement into (time, rtt) points; None when there are none."""
    if not isinstance(measurement, Mapping):
        return None
    if isinstance(measurement.get("sent"), list):
        found = _from_sends_and_replies(measurement)
        if not found:
            return None
        begin = min(t for t, _ in found)
        return Samples(tuple((t - begin, r) for t, r in found), begin)
    interval = (_num(measurement.get("interval_ms")) or 20.0) / 1000.0
    points: list[tuple[float, float | None]] = []
    for i, item in enumerate(_sample_lists(measurement)[:MAX_POINTS]):
        t: float | None = i * interval
        if isinstance(item, Mapping):
            rtt = _num(_first(item, ("rtt_ms", "rtt", "ms")))
            if rtt is None and _num(item.get("rtt_us")) is not None:
                rtt = float(item["rtt_us"]) / 1000.0
            sent = _num(_first(item, ("t_ms", "sent_ms", "time_ms", "offset_ms")))
            t = sent / 1000.0 if sent is not None else _num(item.get("t")) or t
            if item.get("lost") is True:
                rtt = None
        else:
            rtt = _num(item)
            if item is not None and rtt is None:
                continue  # garbage, neither a number nor a recorded loss
        points.append((float(t or 0.0), rtt if rtt is None or rtt >= 0 else None))
    if not points:
        return None
    start = min(t for t, _ in points)
    return Samples(tuple((t - start, r) for t, r in points), start)


def transfer_windows(speedtest: Any, samples: Samples) -> list[tuple[str, float, float]]:
    """(phase, start, end) of the speed test's transfers on the chart's time axis."""
    out: list[tuple[str, float, float]] = []
    if not isinstance(speedtest, Mapping):
        return out
    for phase in ("download", "upload"):
        data = speedtest.get(phase)
        if not isinstance(data, Mapping):
            continue
        start, end = _num(data.get("start")), _num(data.get("end"))
        if start is not None and end is not None and end > start:
            out.append((phase, start - samples.origin, end - samples.origin))
    return out
