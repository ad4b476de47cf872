"""The voice-quality chart as inline SVG, with a legend.

RTT of each probe over time, the jitter band, lost probes, the policy's limits and when the
speed test loaded the line. Only numbers and fixed words reach the SVG; the samples come from untrusted evidence. Each part
of the figure is drawn by its own function on a shared frame (the scales).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from wfhaudit.report.html.samples import Samples, extract_samples, transfer_windows

__all__ = ["Samples", "extract_samples", "rtt_chart", "transfer_windows"]

_W, _H = 960, 330
_LEFT, _RIGHT, _TOP, _BOTTOM = 60, 20, 16, 96
_LEGEND_ROWS = (_H - 48, _H - 18)
_CHAR_W = 8.0  # legend text advance per character at its font size, for laying out rows

Window = tuple[str, float, float]
Limit = tuple[str, float]


@dataclass(frozen=True)
class _Frame:
    """Scales from (seconds, ms) to SVG coordinates."""

    t_end: float
    y_max: float

    @property
    def plot_w(self) -> float:
        return _W - _LEFT - _RIGHT

    @property
    def plot_h(self) -> float:
        return _H - _TOP - _BOTTOM

    def x(self, t: float) -> float:
        return _LEFT + self.plot_w * max(0.0, min(t, self.t_end)) / self.t_end

    def y(self, ms: float) -> float:
        return _TOP + self.plot_h * (1 - min(max(ms, 0.0), self.y_max) / self.y_max)


# Axis tops that split into four round steps, and time steps that read as round seconds.
_Y_TOPS = (4, 8, 12, 16, 20, 40, 60, 80, 100, 120, 160, 200, 240, 300, 400, 500, 600, 800,
           1000, 1200, 1600, 2000, 3000, 4000, 5000, 8000, 10_000)
_T_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300)


def _nice_max(value: float) -> float:
    for top in _Y_TOPS:
        if value <= top:
            return float(top)
    return math.ceil(value / 10_000) * 10_000.0


def _time_ticks(t_end: float) -> list[float]:
    step = next((s for s in _T_STEPS if t_end / s <= 8), t_end / 6)
    return [k * step for k in range(int(t_end / step + 1e-9) + 1)]


def _grid(f: _Frame) -> list[str]:
    """Horizontal grid with ms ticks, time ticks under the plot, the axis title."""
    out = []
    for k in range(5):
        ms, yy = f.y_max * k / 4, f.y(f.y_max * k / 4)
        out.append(f'<line class="grid" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{yy:.1f}" '
                   f'y2="{yy:.1f}"/><text class="tick" x="{_LEFT - 8}" y="{yy + 5:.1f}" '
                   f'text-anchor="end">{ms:g}</text>')
    base = _TOP + f.plot_h
    for t in _time_ticks(f.t_end):
        anchor = "start" if t == 0 else "end" if f.x(t) > _W - _RIGHT - 20 else "middle"
        out.append(f'<line class="grid" x1="{f.x(t):.1f}" x2="{f.x(t):.1f}" y1="{base:.0f}" '
                   f'y2="{base + 5:.0f}"/><text class="tick" x="{f.x(t):.1f}" '
                   f'y="{base + 22:.0f}" text-anchor="{anchor}">{t:g} s</text>')
    mid = _TOP + f.plot_h / 2
    out.append(f'<text class="axis" x="16" y="{mid:.0f}" transform="rotate(-90 16 {mid:.0f})" '
               'text-anchor="middle">RTT (ms)</text>')
    return out


def _windows(f: _Frame, windows: Sequence[Window]) -> list[str]:
    """Shaded spans while the speed test downloaded or uploaded (latency under load)."""
    out = []
    for phase, start, end in windows:
        x0, x1 = f.x(start), f.x(end)
        if x1 > x0:
            kind = "download" if phase == "download" else "upload"
            out.append(f'<rect class="{kind}" x="{x0:.1f}" y="{_TOP}" width="{x1 - x0:.1f}" '
                       f'height="{f.plot_h:.0f}"/><text class="tick" x="{x0 + 4:.1f}" '
                       f'y="{_TOP + 16}">{kind}</text>')
    return out


def _band(f: _Frame, median: float, jitter: float) -> list[str]:
    """RTT ± jitter as a band, the median as a dashed line."""
    top, bottom = f.y(median + jitter), f.y(max(median - jitter, 0.0))
    return [f'<rect class="band" x="{_LEFT}" y="{top:.1f}" width="{f.plot_w:.0f}" '
            f'height="{max(bottom - top, 1.0):.1f}"/>',
            f'<line class="median" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{f.y(median):.1f}" '
            f'y2="{f.y(median):.1f}"/>']


def _series(f: _Frame, points: Sequence[tuple[float, float | None]]) -> list[str]:
    """The RTT line, broken at every lost probe (a lone sample is a dot)."""
    runs: list[list[str]] = [[]]
    for t, rtt in points:
        if rtt is None:
            runs.append([])
        else:
            runs[-1].append(f"{f.x(t):.1f},{f.y(rtt):.1f}")
    out = []
    for run in (r for r in runs if r):
        if len(run) > 1:
            out.append(f'<polyline class="rtt" points="{" ".join(run)}"/>')
        else:
            cx, cy = run[0].split(",")
            out.append(f'<circle class="dot" r="2" cx="{cx}" cy="{cy}"/>')
    return out


def _lost(f: _Frame, points: Sequence[tuple[float, float | None]]) -> list[str]:
    """A red mark from top to bottom at each lost probe."""
    marks = " ".join(f"M{f.x(t):.1f},{_TOP}V{_TOP + f.plot_h:.0f}" for t, r in points if r is None)
    return [f'<path class="lost" d="{marks}"/>'] if marks else []


def _limits(f: _Frame, limits: Sequence[Limit]) -> list[str]:
    """The policy's thresholds as labelled dashed lines."""
    out = []
    for label, ms in limits:
        yy = f.y(ms)
        out.append(f'<line class="limit" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{yy:.1f}" '
                   f'y2="{yy:.1f}"/><text class="limit-label" x="{_W - _RIGHT - 4}" '
                   f'y="{yy - 5:.1f}" text-anchor="end">{escape(label)} {ms:g} ms</text>')
    return out


def _legend(items: Sequence[tuple[str, str]]) -> list[str]:
    """Swatch and words per item, in rows under the time axis."""
    out, row, x = [], 0, float(_LEFT)
    for kind, words in items:
        width = 30 + _CHAR_W * len(words)
        if x + width > _W - _RIGHT and x > _LEFT and row + 1 < len(_LEGEND_ROWS):
            row, x = row + 1, float(_LEFT)
        yy = _LEGEND_ROWS[row]
        # Swatches carry key-* classes: styled like the marks, never counted as marks.
        if kind in ("rtt", "limit"):
            out.append(f'<line class="key-{kind}" x1="{x:.0f}" x2="{x + 22:.0f}" '
                       f'y1="{yy - 5}" y2="{yy - 5}"/>')
        elif kind == "lost":
            out.append(f'<path class="key-lost" d="M{x + 11:.0f},{yy - 14}V{yy + 4}"/>')
        else:
            out.append(f'<rect class="key-{kind}" x="{x:.0f}" y="{yy - 13}" width="22" '
                       'height="14"/>')
        out.append(f'<text class="legend" x="{x + 28:.0f}" y="{yy}">{escape(words)}</text>')
        x += width + 18
    return out


def rtt_chart(samples: Samples, jitter_ms: float | None = None,
              windows: Sequence[Window] | None = None, rtt_ms: float | None = None,
              limits: Sequence[Limit] = ()) -> Markup:
    """The SVG figure of the samples.

    rtt_ms and jitter_ms (the judged figures, from the idle probes) place the band when given,
    else the samples' median and mean delta do; windows (phase, start s, end s) shade when a
    download or upload loaded the line; limits (label, ms) draw the policy's thresholds.
    """
    got = samples.received
    median = rtt_ms if rtt_ms is not None else statistics.median(got) if got else 0.0
    jitter = jitter_ms if jitter_ms is not None else (samples.jitter() or 0.0)
    t_end = max((t for t, _ in samples.points), default=0.0) or 1.0
    # Head room above the highest limit, so its line and label stay inside the plot.
    top = max([*got, median + jitter, *(1.15 * ms for _, ms in limits), 1.0])
    frame = _Frame(t_end, _nice_max(top))
    lost = samples.lost
    desc = (f"{len(samples.points)} probes over {t_end:.1f} s; {lost} lost; RTT "
            f"{median:.1f} ms; jitter {jitter:.1f} ms")
    legend = [("rtt", "RTT per probe")]
    if got:
        legend.append(("band", f"RTT ± jitter ({median:.1f} ± {jitter:.1f} ms)"))
    legend.append(("lost", f"lost probe ({lost} lost)"))
    legend += [("limit", "policy limit")] if limits else []
    legend += [(phase, f"{phase} running") for phase in dict.fromkeys(p for p, _, _ in windows or [])]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_W} {_H}" '
             'role="img" aria-labelledby="voip-t voip-d">',
             '<title id="voip-t">Round-trip time of each voice-paced probe over time</title>',
             f'<desc id="voip-d">{escape(desc)}</desc>',
             *_grid(frame), *_windows(frame, windows or []),
             *(_band(frame, median, jitter) if got else []), *_limits(frame, limits),
             *_series(frame, samples.points), *_lost(frame, samples.points), *_legend(legend),
             "</svg>"]
    return Markup("".join(parts))  # noqa: S704 - numbers, fixed words and escaped text only
