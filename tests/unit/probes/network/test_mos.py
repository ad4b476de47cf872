"""The The simplified ITU-T G.107 E-model: worked values and monotonicity in each impairment."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfhaudit.probes.network import mos

# Worked values of the simplified E-model: (RTT ms, jitter ms, loss %) -> (R with R0 93.2, MOS)
WORKED = [
    (20, 2, 0, 92.35, 4.39),
    (50, 10, 0.5, 89.95, 4.34),
    (100, 30, 1, 85.70, 4.22),
    (240, 20, 2, 71.20, 3.65),
    (300, 30, 1, 65.70, 3.39),
    (400, 30, 3, 50.70, 2.61),
]


@pytest.mark.parametrize(("rtt", "jitter", "loss", "r", "score"), WORKED)
def test_worked_values(rtt: float, jitter: float, loss: float, r: float, score: float) -> None:
    est = mos.estimate(rtt, jitter, loss)
    assert est.r == pytest.approx(r, abs=0.005)
    assert round(est.mos, 2) == score


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


def test_knee_is_continuous() -> None:
    # effective = rtt + 2 * jitter + 10 = 160 from both sides
    below = mos.r_factor(149.999, 0, 0)
    above = mos.r_factor(150.0, 0, 0)
    assert below == pytest.approx(above, abs=1e-3)


def test_explanation_carries_the_r_factor() -> None:
    text = mos.estimate(20, 2, 0).explain()
    assert "R = 92.35" in text and "MOS = 4.39" in text and "RTT 20.0 ms" in text


impairment = st.floats(min_value=0.0, max_value=1000.0, allow_nan=False)
loss = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
bump = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(rtt=impairment, jitter=impairment, lost=loss, more=bump)
def test_monotonic_in_each_impairment(rtt: float, jitter: float, lost: float,
                                      more: float) -> None:
    base = mos.estimate(rtt, jitter, lost).mos
    assert mos.estimate(rtt + more, jitter, lost).mos <= base + 1e-12
    assert mos.estimate(rtt, jitter + more, lost).mos <= base + 1e-12
    assert mos.estimate(rtt, jitter, min(100.0, lost + more / 2)).mos <= base + 1e-12
    assert 1.0 <= base <= 4.5


@settings(max_examples=200, deadline=None)
@given(r1=st.floats(min_value=-50, max_value=150, allow_nan=False),
       r2=st.floats(min_value=-50, max_value=150, allow_nan=False))
def test_mos_never_decreases_with_r(r1: float, r2: float) -> None:
    lo, hi = sorted((r1, r2))
    assert mos.mos_from_r(lo) <= mos.mos_from_r(hi) + 1e-12
