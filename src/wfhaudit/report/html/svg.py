"""VoIP figure as inline SVG: RTT samples over time, jitter band, lost packets marked.

Only numbers reach the SVG; the samples come from untrusted evidence.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from wfhaudit.util.jsonshape import as_number

MAX_POINTS = 5000
_W, _H = 640, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 14, 34


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


def _nice_max(value: float) -> float:
    for step in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000):
        if value <= step:
            return float(step)
    return math.ceil(value / 10_000) * 10_000.0


def rtt_chart(samples: Samples, jitter_ms: float | None = None,
              windows: list[tuple[str, float, float]] | None = None,
              rtt_ms: float | None = None) -> Markup:
    """An SVG figure of the samples.

    rtt_ms and jitter_ms (the judged figures, from the idle probes) place the band when given,
    else the samples' median and mean delta do; windows (phase, start s, end s) shade when a
    download or upload loaded the line.
    """
    got = samples.received
    median = rtt_ms if rtt_ms is not None else statistics.median(got) if got else 0.0
    jitter = jitter_ms if jitter_ms is not None else (samples.jitter() or 0.0)
    t_end = max((t for t, _ in samples.points), default=0.0) or 1.0
    y_max = _nice_max(max([*got, median + jitter, 1.0]))
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(t: float) -> float:
        return _LEFT + plot_w * t / t_end

    def y(ms: float) -> float:
        return _TOP + plot_h * (1 - min(ms, y_max) / y_max)

    lost = samples.lost
    desc = (f"{len(samples.points)} probes over {t_end:.1f} s; {lost} lost; RTT "
            f"{median:.1f} ms; jitter {jitter:.1f} ms")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_W} {_H}" '
             f'role="img" aria-labelledby="voip-t voip-d">',
             '<title id="voip-t">Round-trip time of each voice-paced probe over time</title>',
             f'<desc id="voip-d">{escape(desc)}</desc>']
    for k in range(5):
        ms = y_max * k / 4
        parts.append(f'<line class="grid" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(ms):.1f}" '
                     f'y2="{y(ms):.1f}"/><text class="tick" x="{_LEFT - 6}" y="{y(ms) + 4:.1f}" '
                     f'text-anchor="end">{ms:g}</text>')
    for k in range(5):
        t = t_end * k / 4
        anchor = "start" if k == 0 else "end" if k == 4 else "middle"
        parts.append(f'<text class="tick" x="{x(t):.1f}" y="{_H - _BOTTOM + 16}" '
                     f'text-anchor="{anchor}">{t:.1f} s</text>')
    parts.append(f'<text class="axis" x="12" y="{_TOP + plot_h / 2:.0f}" '
                 f'transform="rotate(-90 12 {_TOP + plot_h / 2:.0f})" text-anchor="middle">RTT (ms)</text>')
    for phase, start, end in windows or []:
        x0, x1 = x(max(0.0, min(start, t_end))), x(max(0.0, min(end, t_end)))
        if x1 > x0:
            parts.append(f'<rect class="{"download" if phase == "download" else "upload"}" '
                         f'x="{x0:.1f}" y="{_TOP}" width="{x1 - x0:.1f}" height="{plot_h}"/>'
                         f'<text class="tick" x="{x0 + 3:.1f}" y="{_TOP + 11}">{phase}</text>')
    if got:
        lo, hi = y(median + jitter), y(max(median - jitter, 0.0))
        parts.append(f'<rect class="band" x="{_LEFT}" y="{lo:.1f}" width="{plot_w}" '
                     f'height="{max(hi - lo, 1.0):.1f}"/>')
        parts.append(f'<line class="median" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(median):.1f}" '
                     f'y2="{y(median):.1f}"/>')
    segment: list[str] = []
    lines: list[str] = []
    for t, rtt in [*samples.points, (0.0, None)]:
        if rtt is None:
            if segment:
                lines.append(" ".join(segment))
            segment = []
        else:
            segment.append(f"{x(t):.1f},{y(rtt):.1f}")
    parts.extend(f'<polyline class="rtt" points="{pts}"/>' if " " in pts else
                 f'<circle class="dot" r="1.5" cx="{pts.split(",")[0]}" cy="{pts.split(",")[1]}"/>'
                 for pts in lines)
    marks = " ".join(f"M{x(t):.1f},{_TOP}V{_TOP + plot_h}" for t, r in samples.points if r is None)
    if marks:
        parts.append(f'<path class="lost" d="{marks}"/>')
    legend_y = _H - 4
    parts.append(f'<text class="legend" x="{_LEFT}" y="{legend_y}">line: RTT per probe · band: '
                 f'RTT ± jitter ({median:.1f} ± {jitter:.1f} ms) · red marks: {lost} lost</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers and escaped text only
