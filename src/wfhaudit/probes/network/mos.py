"""Estimated MOS from RTT, jitter and loss: the simplified E-model of voip.md §3.3.

Formula (PingPlotter / NetBeez simplification of ITU-T G.107, R0 = G.107's default R):

    effective = rtt_ms + 2 * jitter_ms + 10            # +10 ms for codec/protocol delay
    R = 93.2 - effective / 40                           if effective < 160
    R = 93.2 - (effective - 120) / 10                   otherwise
    R = R - 2.5 * loss_pct
    MOS = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R)       G.107 Annex B, for 6.52 <= R <= 100
    MOS = 1 below R = 6.52, 4.5 above R = 100

Inputs as wfhaudit measures them: rtt_ms is the median STUN round trip (a round trip, not
one-way delay), jitter_ms is the RFC 3550 interarrival estimator over those round trips,
loss_pct is the share of STUN probes not answered within the timeout. The Annex B cubic dips
below 1 for R under 6.52 (Twilio clamps there too), so the clamp keeps MOS monotonic. The
result is an estimate for comparing lines, not a listening test.
"""

from __future__ import annotations

from dataclasses import dataclass

R0 = 93.2
R_FLOOR = 6.52
DELAY_KNEE_MS = 160.0


def r_factor(rtt_ms: float, jitter_ms: float, loss_pct: float) -> float:
    """Transmission rating R (unclamped; may be negative on a very bad line)."""
    effective = rtt_ms + 2.0 * jitter_ms + 10.0
    # Two slopes: 1/40 R per ms below the 160 ms knee, 1/10 R per ms above it.
    r = R0 - effective / 40.0 if effective < DELAY_KNEE_MS else R0 - (effective - 120.0) / 10.0
    return r - 2.5 * loss_pct


def mos_from_r(r: float) -> float:
    """G.107 Annex B R -> MOS mapping, clamped to [1, 4.5]."""
    if r < R_FLOOR:
        return 1.0
    if r > 100.0:
        return 4.5
    return 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)


@dataclass(frozen=True)
class MosEstimate:
    """R-factor and MOS, plus the inputs they came from."""

    rtt_ms: float
    jitter_ms: float
    loss_pct: float
    r: float
    mos: float

    def explain(self) -> str:
        """One line for the fact's detail (the R-factor goes into the evidence here)."""
        return (f"E-model estimate (voip.md §3.3): R = {self.r:.2f} from RTT {self.rtt_ms:.1f} ms"
                f" + 2 x jitter {self.jitter_ms:.2f} ms + 10 ms, loss {self.loss_pct:.2f} %;"
                f" MOS = {self.mos:.2f}")


def estimate(rtt_ms: float, jitter_ms: float, loss_pct: float) -> MosEstimate:
    """R-factor and MOS for one line."""
    r = r_factor(rtt_ms, jitter_ms, loss_pct)
    return MosEstimate(rtt_ms, jitter_ms, loss_pct, r, mos_from_r(r))
