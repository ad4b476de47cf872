"""Estimated MOS from the measured line: the ITU-T G.107 E-model, simplified for a network probe.

Equations (numbered as in ITU-T G.107 (06/2015); the MOS mapping is its Annex B):

    (7-1)   R = Ro - Is - Id - Ie,eff + A
            Every non-network input keeps its G.107 default (clause 7.7), which gives
            Ro - Is = 93.2; the advantage factor A is 0 (a wired/fixed-line expectation).
    Id      The delay impairment of clause 7.4 for default echo and sidetone settings, in the
            closed form fitted by Cole and Rosenbluth (SIGCOMM CCR, 2001):
                Id = 0.024 Ta + 0.11 (Ta - 177.3) H(Ta - 177.3)      H = unit step
            Ta, the absolute one-way delay, is built from what the probe measures:
                Ta = RTT / 2 + jitter buffer + codec delay
            with a jitter buffer of JITTER_BUFFER_FACTOR x the estimated one-way jitter.
    (7-29)  Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl)
            Ppl is the loss in percent; Ie and Bpl are the codec's values from ITU-T G.113
            Appendix I (G.711 with packet-loss concealment: Ie = 0, Bpl = 25.1).
    (7-30)  BurstR = mean length of the observed loss bursts
                     / mean burst length expected for random loss at the same rate
            (measured from the probe's own loss pattern, see stats.burst_ratio).
    (B-4)   MOS = 1                                         R < 0
            MOS = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R)   0 <= R <= 100
            MOS = 4.5                                       R > 100

The Annex B cubic dips below 1 for 0 < R < 6.52, so MOS is held at 1 up to there (it must not
rise as the line gets worse). The result is an estimate for comparing lines and enforcing a
floor, not a listening test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RO_MINUS_IS = 93.2          # G.107 clause 7.7 defaults
ADVANTAGE = 0.0             # A in (7-1)
DELAY_KNEE_MS = 177.3       # where the delay impairment steepens
JITTER_BUFFER_FACTOR = 2.0  # playout buffer ~ twice the one-way interarrival jitter
R_FLOOR = 6.52              # below this the Annex B cubic is under 1


@dataclass(frozen=True)
class Codec:
    """E-model inputs of one codec: impairment, loss robustness and its own delay."""

    key: str
    label: str
    ie: float         # equipment impairment factor at zero loss
    bpl: float        # packet-loss robustness factor
    delay_ms: float   # packetisation plus look-ahead, one way
    source: str


# Narrowband values only. G.113 lists Opus (and G.722, AMR-WB) in its wideband and fullband
# appendices, for the wideband and fullband E-models (G.107.1, G.107.2), whose R scale goes
# beyond 100; those numbers do not belong in this narrowband model, so there is no Opus entry.
# A policy can still give its own narrowband-equivalent Ie and Bpl (codec_from_setting).
CODECS: Mapping[str, Codec] = {
    # 20 ms packets; G.711 has no look-ahead.
    "g711": Codec("g711", "G.711 with packet-loss concealment", 0.0, 25.1, 20.0,
                  "ITU-T G.113 Appendix I"),
    # Two 10 ms frames per packet plus 5 ms look-ahead.
    "g729": Codec("g729", "G.729A with voice activity detection", 11.0, 19.0, 25.0,
                  "ITU-T G.113 Appendix I"),
}
DEFAULT_CODEC = CODECS["g711"]


def codec_from_setting(value: Any) -> Codec:
    """settings.network.codec: a name from CODECS or {name, ie, bpl, delay_ms}; ValueError if bad."""
    if value is None:
        return DEFAULT_CODEC
    if isinstance(value, str):
        if value not in CODECS:
            raise ValueError(f"codec {value!r} is not one of {', '.join(sorted(CODECS))}")
        return CODECS[value]
    if isinstance(value, Mapping):
        try:
            ie, bpl = float(value["ie"]), float(value["bpl"])
            delay = float(value.get("delay_ms", 20.0))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"codec needs numeric ie and bpl: {exc}") from None
        if not (0 <= ie <= 95 and bpl > 0 and delay >= 0):
            raise ValueError("codec ie must be 0..95, bpl above 0, delay_ms 0 or more")
        name = str(value.get("name") or "custom")
        return Codec(name, name, ie, bpl, delay, "the policy (settings.network.codec)")
    raise ValueError("codec must be a name or an object with ie and bpl")


def delay_impairment(ta_ms: float) -> float:
    """Id for a one-way delay Ta in ms (the 177.3 ms knee form)."""
    return 0.024 * ta_ms + 0.11 * max(0.0, ta_ms - DELAY_KNEE_MS)


def effective_equipment_impairment(codec: Codec, loss_pct: float, burst_ratio: float) -> float:
    """Ie,eff of (7-29); burst_ratio below 1 is taken as 1 (random loss)."""
    if loss_pct <= 0:
        return codec.ie
    burst = max(1.0, burst_ratio)
    return codec.ie + (95.0 - codec.ie) * loss_pct / (loss_pct / burst + codec.bpl)


def mos_from_r(r: float) -> float:
    """(B-4): R -> MOS, held at 1 where the cubic would dip below it."""
    if r < R_FLOOR:
        return 1.0
    if r > 100.0:
        return 4.5
    return 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)


def oneway_jitter_ms(rtt_jitter_ms: float) -> float:
    """One-way jitter estimated from round-trip jitter: divide by sqrt 2.

    A round trip adds the two directions' delays; when both vary independently and alike,
    the variation of the sum is sqrt 2 times that of one direction.
    """
    return rtt_jitter_ms / math.sqrt(2.0)


@dataclass(frozen=True)
class MosEstimate:
    """R-factor and MOS, with every intermediate term for the fact's detail."""

    rtt_ms: float
    jitter_oneway_ms: float
    loss_pct: float
    burst_ratio: float
    codec: Codec
    ta_ms: float
    id: float
    ie_eff: float
    r: float
    mos: float

    def explain(self) -> str:
        """One line for the fact's detail: the inputs, each term, R and MOS."""
        c = self.codec
        return (f"ITU-T G.107 E-model for {c.label} (Ie {c.ie:g}, Bpl {c.bpl:g}, {c.source}): "
                f"Ta = RTT/2 {self.rtt_ms / 2:.1f} + jitter buffer "
                f"{JITTER_BUFFER_FACTOR:g} x {self.jitter_oneway_ms:.2f} + codec {c.delay_ms:g}"
                f" = {self.ta_ms:.1f} ms, Id {self.id:.2f}; loss {self.loss_pct:.2f} % with "
                f"burst ratio {self.burst_ratio:.2f}, Ie,eff {self.ie_eff:.2f}; "
                f"R = {self.r:.2f}; MOS = {self.mos:.2f}")


def estimate(rtt_ms: float, jitter_oneway_ms: float, loss_pct: float, burst_ratio: float = 1.0,
             codec: Codec = DEFAULT_CODEC) -> MosEstimate:
    """R-factor and MOS for one line from RTT, one-way jitter, loss % and burst ratio."""
    ta = rtt_ms / 2.0 + JITTER_BUFFER_FACTOR * jitter_oneway_ms + codec.delay_ms
    id_ = delay_impairment(ta)
    burst = max(1.0, burst_ratio)
    ie_eff = effective_equipment_impairment(codec, loss_pct, burst)
    r = RO_MINUS_IS - id_ - ie_eff + ADVANTAGE
    return MosEstimate(rtt_ms, jitter_oneway_ms, loss_pct, burst, codec, ta, id_, ie_eff, r,
                       mos_from_r(r))
