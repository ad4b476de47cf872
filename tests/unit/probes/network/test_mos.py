"""The G.107 E-model: each term against hand-computed values, codecs, clamps, monotonicity."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfhaudit.probes.network import mos


def reference_mos(rtt_ms: float, jitter_oneway_ms: float, loss_pct: float, burst: float = 1.0,
                  ie: float = 0.0, bpl: float = 25.1, codec_ms: float = 20.0) -> tuple[float, float]:
    """(R, MOS) written out from G.107 here, independently of the product code."""
    ta = rtt_ms / 2 + 2 * jitter_oneway_ms + codec_ms
    delay = 0.024 * ta + (0.11 * (ta - 177.3) if ta > 177.3 else 0.0)
    equipment = ie + (95 - ie) * loss_pct / (loss_pct / burst + bpl) if loss_pct else ie
    r = 93.2 - delay - equipment
    if r < 6.52:
        return r, 1.0
    return r, min(4.5, 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r))


@pytest.mark.parametrize(("rtt", "jitter", "loss", "burst"), [
    (20, 1.4, 0, 1), (40, 2, 10, 3.4), (40, 2, 10, 1), (160, 13.2, 0, 1), (300, 20, 3, 2),
    (500, 50, 30, 5)])
def test_matches_the_reference(rtt: float, jitter: float, loss: float, burst: float) -> None:
    est = mos.estimate(rtt, jitter, loss, burst)
    r, score = reference_mos(rtt, jitter, loss, burst)
    assert est.r == pytest.approx(r, abs=1e-9)
    assert est.mos == pytest.approx(score, abs=1e-9)


def test_terms_by_hand() -> None:
    # Ta = 100/2 + 2 x 5 + 20 = 80 ms: below the knee, Id = 0.024 x 80 = 1.92.
    est = mos.estimate(100, 5, 2, 2.0)
    assert est.ta_ms == pytest.approx(80.0)
    assert est.id == pytest.approx(1.92)
    # Ie,eff = 0 + 95 x 2 / (2/2 + 25.1) = 7.2797
    assert est.ie_eff == pytest.approx(190 / 26.1)
    assert est.r == pytest.approx(93.2 - 1.92 - 190 / 26.1)
    # Above the knee the slope is 0.024 + 0.11 per ms.
    assert mos.delay_impairment(277.3) == pytest.approx(0.024 * 277.3 + 11.0)


def test_no_loss_is_93_2_minus_delay() -> None:
    assert mos.estimate(0, 0, 0).r == pytest.approx(93.2 - 0.024 * 20)
    assert mos.effective_equipment_impairment(mos.CODECS["g729"], 0, 3) == 11.0


@pytest.mark.parametrize(("r", "score"), [(93.2, 4.41), (90, 4.34), (80, 4.02), (70, 3.60),
                                          (60, 3.10), (50, 2.58)])
def test_g107_annex_b_spot_values(r: float, score: float) -> None:
    assert round(mos.mos_from_r(r), 2) == score


def test_clamps() -> None:
    assert mos.mos_from_r(-20) == 1.0
    assert mos.mos_from_r(3.0) == 1.0            # the cubic dips below 1 here
    assert mos.mos_from_r(mos.R_FLOOR) == pytest.approx(1.0, abs=1e-3)
    assert mos.mos_from_r(100) == pytest.approx(4.5)
    assert mos.mos_from_r(130) == 4.5


def test_burst_ratio_below_one_counts_as_random() -> None:
    assert mos.estimate(40, 2, 10, 0.5).ie_eff == mos.estimate(40, 2, 10, 1.0).ie_eff


def test_codecs() -> None:
    g729 = mos.codec_from_setting("g729")
    assert (g729.ie, g729.bpl) == (11.0, 19.0)
    assert mos.codec_from_setting(None) is mos.DEFAULT_CODEC
    custom = mos.codec_from_setting({"name": "opus-wb", "ie": 5, "bpl": 20, "delay_ms": 26.5})
    assert (custom.ie, custom.bpl, custom.delay_ms, custom.label) == (5, 20, 26.5, "opus-wb")
    r, _ = reference_mos(40, 2, 1, 1, ie=11, bpl=19, codec_ms=25)
    assert mos.estimate(40, 2, 1, 1, g729).r == pytest.approx(r)
    for bad in ("ilbc", {"ie": 5}, {"ie": 100, "bpl": 1}, 7):
        with pytest.raises(ValueError):
            mos.codec_from_setting(bad)


def test_explanation_shows_every_term() -> None:
    text = mos.estimate(20, 1.5, 10, 3.4).explain()
    for part in ("G.711", "Ta = RTT/2 10.0 + jitter buffer 2 x 1.50 + codec 20 = 33.0 ms",
                 "burst ratio 3.40", "R = ", "MOS = "):
        assert part in text


def test_oneway_jitter_is_round_trip_over_root_two() -> None:
    assert mos.oneway_jitter_ms(30.0) == pytest.approx(30.0 / math.sqrt(2))


impairment = st.floats(min_value=0.0, max_value=1000.0, allow_nan=False)
loss = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
bump = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)
burst = st.floats(min_value=0.5, max_value=20.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(rtt=impairment, jitter=impairment, lost=loss, more=bump, b=burst)
def test_monotonic_in_each_impairment(rtt: float, jitter: float, lost: float, more: float,
                                      b: float) -> None:
    base = mos.estimate(rtt, jitter, lost, b).mos
    assert mos.estimate(rtt + more, jitter, lost, b).mos <= base + 1e-12
    assert mos.estimate(rtt, jitter + more, lost, b).mos <= base + 1e-12
    assert mos.estimate(rtt, jitter, min(100.0, lost + more / 2), b).mos <= base + 1e-12
    assert mos.estimate(rtt, jitter, lost, b + more / 10).mos <= base + 1e-12
    assert 1.0 <= base <= 4.5


@settings(max_examples=200, deadline=None)
@given(r1=st.floats(min_value=-50, max_value=150, allow_nan=False),
       r2=st.floats(min_value=-50, max_value=150, allow_nan=False))
def test_mos_never_decreases_with_r(r1: float, r2: float) -> None:
    lo, hi = sorted((r1, r2))
    assert mos.mos_from_r(lo) <= mos.mos_from_r(hi) + 1e-12
