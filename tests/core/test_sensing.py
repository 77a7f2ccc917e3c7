"""Detection kernels against their formulas: radar horizon, Pd tables, SNR scaling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shieldlab.core.radar import pd_from_snr
from shieldlab.core.sensing import (
    detection_probability,
    elevation_rad,
    pd_interp,
    pd_table,
    snr_db_at,
    visible,
)

R_EARTH_M = 6_371_000.0


def test_swerling1_table_matches_closed_form() -> None:
    # PUBLISHED_VALUES.md: Swerling 1, single pulse, Pd = Pfa^(1/(1+SNR)).
    table = pd_table(pfa=1e-6, swerling=1)
    for snr_db in (-5.0, 3.3, 10.0, 13.0, 17.77, 25.0):
        snr = 10 ** (snr_db / 10)
        exact = 1e-6 ** (1 / (1 + snr))
        assert pd_interp(table.snr0_db, table.step_db, table.pd, snr_db) == pytest.approx(
            exact, abs=2e-3
        )


def test_swerling0_table_matches_exact_marcum_q() -> None:
    table = pd_table(pfa=1e-6, swerling=0)
    snr = np.array([8.0, 11.2, 13.1, 14.9])
    exact = pd_from_snr(snr, 1e-6, swerling=0)
    got = [pd_interp(table.snr0_db, table.step_db, table.pd, float(s)) for s in snr]
    assert np.allclose(got, exact, atol=3e-3)
    # Albersheim's equation (itself checked against PUBLISHED_VALUES.md in test_radar.py)
    # gives the SNR for Pd 0.5 and 0.9; it is accurate to 0.2 dB, a few hundredths of Pd.
    from shieldlab.core.radar import albersheim_snr_db

    snr_50 = float(albersheim_snr_db(0.5, 1e-6, 1))
    snr_90 = float(albersheim_snr_db(0.9, 1e-6, 1))
    assert pd_interp(table.snr0_db, table.step_db, table.pd, snr_50) == pytest.approx(0.5, abs=0.05)
    assert pd_interp(table.snr0_db, table.step_db, table.pd, snr_90) == pytest.approx(0.9, abs=0.03)


@given(snr=st.floats(-40.0, 60.0))
def test_pd_interp_is_a_probability_and_monotone(snr: float) -> None:
    table = pd_table(pfa=1e-6, swerling=1)
    p = pd_interp(table.snr0_db, table.step_db, table.pd, snr)
    q = pd_interp(table.snr0_db, table.step_db, table.pd, snr + 0.5)
    assert 0.0 <= p <= q <= 1.0


def test_reference_range_snr_scales_as_rcs_over_r4() -> None:
    base = snr_db_at(range_m=100e3, rcs_m2=1.0, ref_snr_db=20.0, ref_range_m=100e3, ref_rcs_m2=1.0)
    assert float(base) == pytest.approx(20.0)
    half = snr_db_at(range_m=50e3, rcs_m2=1.0, ref_snr_db=20.0, ref_range_m=100e3, ref_rcs_m2=1.0)
    assert float(half) - 20.0 == pytest.approx(40 * math.log10(2))
    small = snr_db_at(range_m=100e3, rcs_m2=0.1, ref_snr_db=20.0, ref_range_m=100e3, ref_rcs_m2=1.0)
    assert float(small) == pytest.approx(10.0)


def test_horizon_elevation_and_range_masks() -> None:
    # 4/3 Earth horizon (Skolnik 2001, ch. 8): d = sqrt(2 k R h_r) + sqrt(2 k R h_t).
    kr = 4 / 3 * R_EARTH_M
    d_h = math.sqrt(2 * kr * 10.0) + math.sqrt(2 * kr * 50.0)
    common = {"radar_height_m": 10.0, "target_alt_m": 50.0, "min_elevation_rad": -0.1}
    assert visible(range_m=d_h * 0.99, elevation_rad=0.0, instrumented_range_m=1e6, **common)
    assert not visible(range_m=d_h * 1.01, elevation_rad=0.0, instrumented_range_m=1e6, **common)
    assert not visible(range_m=1e3, elevation_rad=0.0, instrumented_range_m=900.0, **common)
    assert not visible(
        range_m=1e3,
        elevation_rad=0.001,
        radar_height_m=10.0,
        target_alt_m=50.0,
        min_elevation_rad=math.radians(0.5),
        instrumented_range_m=1e6,
    )
    assert float(
        elevation_rad(np.array([1.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0]))
    ) == pytest.approx(math.pi / 4)


def test_detection_probability_zero_outside_mask() -> None:
    table = pd_table(pfa=1e-6, swerling=1)
    pd = detection_probability(
        table=table,
        range_m=np.array([50e3, 50e3]),
        rcs_m2=1.0,
        ref_snr_db=20.0,
        ref_range_m=100e3,
        ref_rcs_m2=1.0,
        mask=np.array([True, False]),
    )
    assert pd[1] == 0.0
    assert pd[0] == pytest.approx(
        1e-6 ** (1 / (1 + 10 ** ((20 + 40 * math.log10(2)) / 10))), abs=2e-3
    )


def test_apparent_elevation_on_the_four_thirds_earth() -> None:
    from shieldlab.core.sensing import apparent_elevation_rad

    re = 4 / 3 * R_EARTH_M
    # Straight up: 90 degrees.
    assert float(
        apparent_elevation_rad(range_m=1000.0, radar_height_m=0.0, target_alt_m=1000.0)
    ) == pytest.approx(math.pi / 2, abs=1e-6)
    # A target dh above the antenna is at zero elevation at d = sqrt(2 R_e dh) (to first
    # order), above it nearer and below it farther.
    d0 = math.sqrt(2 * re * 25.0)
    el = apparent_elevation_rad(
        range_m=np.array([0.5 * d0, d0, 1.5 * d0]), radar_height_m=25.0, target_alt_m=50.0
    )
    assert el[0] > 0 and abs(el[1]) < 1e-5 and el[2] < 0
    # Small-angle form: el ~ dh / d - d / (2 R_e).
    d = 40_000.0
    approx = 1000.0 / d - d / (2 * re)
    got = float(apparent_elevation_rad(range_m=d, radar_height_m=10.0, target_alt_m=1010.0))
    assert got == pytest.approx(approx, abs=1e-4)
