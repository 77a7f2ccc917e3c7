"""Closed-form penetration curves, decoys and the saturation point."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.core.engagement import leakage_with_inventory
from shieldlab.stability.deterrence import missiles_needed
from shieldlab.stability.penetration import (
    CurveCache,
    DefenceModel,
    Requirement,
    closed_form_curve,
    penetration,
    saturation_point,
    saturation_raid_closed_form,
)

defences = st.builds(
    DefenceModel,
    interceptors=st.integers(0, 60),
    shots_per_threat=st.integers(1, 4),
    sspk=st.floats(0.0, 1.0),
    p_detect=st.floats(0.0, 1.0),
    discrimination=st.floats(0.0, 1.0),
)


def test_hand_case_inventory_limited() -> None:
    # I = 10, n = 2 shots, SSPK 0.5, Pd 1: Pk = 1 - 0.5^2 = 0.75, 5 warheads coverable.
    d = DefenceModel(interceptors=10, shots_per_threat=2, sspk=0.5)
    pen = penetration(d, [3, 7], [1, 3])
    # 3 warheads, all engaged: E = 3 * 0.25; P(>= 1) = 1 - 0.75^3.
    # 7 warheads: 5 engaged, 2 leak for sure: E = 2 + 5 * 0.25;
    # P(>= 3) = P(Bin(5, 0.25) >= 1) = 1 - 0.75^5.
    np.testing.assert_allclose(pen.engaged, [3, 5])
    np.testing.assert_allclose(pen.expected, [0.75, 3.25], rtol=1e-14)
    np.testing.assert_allclose(pen.p_at_least_k, [1 - 0.75**3, 1 - 0.75**5], rtol=1e-12)


def test_agrees_with_wilkening_closed_form_without_decoys() -> None:
    # Wilkening (1999), Science & Global Security 8, as in PUBLISHED_VALUES.md: expected
    # leakers N(1 - Pk) and P(no leaker) Pk^N when every threat is engaged; with a finite
    # inventory the core's leakage_with_inventory. Our P(>= 1) must be 1 - P(no leaker).
    # Wilkening's leakage_with_inventory charges a salvo to every warhead, detected or not
    # (Pd inside Pk): the ``pd-in-pk`` convention, named since issue 18 made detected-only
    # the default (test_stability_exact_decoys.py checks that one).
    d = DefenceModel(
        interceptors=37, shots_per_threat=3, sspk=0.6, p_detect=0.95, engagement="pd-in-pk"
    )
    n = np.arange(0, 40)
    pen = penetration(d, n, 1)
    ref = leakage_with_inventory(n, 3, 0.6, 37, 0.95)
    np.testing.assert_allclose(pen.expected, ref.expected_leakers, rtol=1e-14)
    np.testing.assert_allclose(1.0 - pen.p_at_least_k, ref.p_zero_leakers, atol=1e-14)
    pk = 0.95 * (1 - 0.4**3)
    assert pen.expected[12] == pytest.approx(12 * (1 - pk), rel=1e-14)  # 12 = floor(37/3)
    assert 1.0 - pen.p_at_least_k[12] == pytest.approx(pk**12, rel=1e-12)


def test_decoys_hand_case() -> None:
    # I = 10, n = 2, D = 0.5, d = 4 decoys -> 2 unrecognised. 8 warheads get
    # floor(10 * 8 / 10) = 8 shots -> 4 engaged, 4 leak for sure.
    # The mean-field share (the convention before issue 18, named explicitly; the exact
    # random-order model is tested in test_stability_exact_decoys.py).
    d = DefenceModel(
        interceptors=10,
        shots_per_threat=2,
        sspk=0.5,
        discrimination=0.5,
        engagement="pd-in-pk",
        decoy_model="mean-field",
    )
    pen = penetration(d, 8, 1, 4)
    assert float(pen.shots_on_warheads) == 8.0
    assert float(pen.engaged) == 4.0
    assert float(pen.expected) == pytest.approx(4 + 4 * 0.25, rel=1e-14)
    # 3 warheads: floor(10 * 3 / 5) = 6 shots -> all 3 engaged.
    assert float(penetration(d, 3, 1, 4).engaged) == 3.0


def test_perfect_discrimination_makes_decoys_useless() -> None:
    d = DefenceModel(interceptors=20, shots_per_threat=2, sspk=0.7, discrimination=1.0)
    a = penetration(d, np.arange(30), 5, 0)
    b = penetration(d, np.arange(30), 5, 1000)
    np.testing.assert_array_equal(a.expected, b.expected)
    np.testing.assert_array_equal(a.p_at_least_k, b.p_at_least_k)


@settings(max_examples=150, deadline=None)
@given(d=defences, k=st.integers(0, 30), decoys=st.integers(0, 200))
def test_monotone_in_raid_size_and_probabilities_in_range(
    d: DefenceModel, k: int, decoys: int
) -> None:
    n = np.arange(0, 80)
    pen = penetration(d, n, k, decoys)
    assert np.all(np.diff(pen.expected) >= -1e-12)
    assert np.all(np.diff(pen.p_at_least_k) >= -1e-12)
    assert np.all((pen.p_at_least_k >= 0.0) & (pen.p_at_least_k <= 1.0))
    assert np.all((pen.expected >= -1e-12) & (pen.expected <= n + 1e-12))


@settings(max_examples=150, deadline=None)
@given(d=defences, n=st.integers(0, 60), k=st.integers(0, 30), decoys=st.integers(0, 100))
def test_more_interceptors_never_more_penetration_more_decoys_never_less(
    d: DefenceModel, n: int, k: int, decoys: int
) -> None:
    inv = np.arange(0, 80)
    pens = [penetration(d.with_interceptors(i), n, k, decoys) for i in inv]
    e = np.array([float(x.expected) for x in pens])
    p = np.array([float(x.p_at_least_k) for x in pens])
    assert np.all(np.diff(e) <= 1e-12) and np.all(np.diff(p) <= 1e-12)
    dd = np.arange(0, 60)
    pd = penetration(d, n, k, dd)
    assert np.all(np.diff(pd.expected) >= -1e-12) and np.all(np.diff(pd.p_at_least_k) >= -1e-12)


def test_saturation_hand_case() -> None:
    # I = 10, n = 2, Pk = 0.75, w = 1: c = 5 coverable. Steps below 5 missiles add
    # 0.25 penetrators, from 5 on exactly 1: saturation at 5 for eps = 0.05. With
    # eps = 0.8 the threshold is 0.2 <= 0.25, so every step qualifies: 0.
    d = DefenceModel(interceptors=10, shots_per_threat=2, sspk=0.5)
    curve = closed_form_curve(d, np.arange(0, 15))
    assert saturation_point(curve, 0.05) == 5
    assert saturation_point(curve, 0.8) == 0
    assert saturation_raid_closed_form(d, 1, 0.05) == 5
    # MIRVs: w = 2 -> 5 warheads covered by 2.5 missiles; from 3 missiles on, +2 per step.
    c2 = closed_form_curve(d, np.arange(0, 15), warheads_per_missile=2)
    assert saturation_point(c2, 0.05) == 3
    assert saturation_raid_closed_form(d, 2, 0.05) == 3
    # Never saturating within the curve -> None.
    assert saturation_point(closed_form_curve(d, np.arange(0, 4)), 0.05) is None


@settings(max_examples=100, deadline=None)
@given(
    inv=st.integers(0, 60),
    shots=st.integers(1, 3),
    sspk=st.floats(0.05, 1.0),
    w=st.integers(1, 4),
    eps=st.floats(0.0, 0.9),
)
def test_saturation_curve_matches_closed_form(
    inv: int, shots: int, sspk: float, w: int, eps: float
) -> None:
    d = DefenceModel(interceptors=inv, shots_per_threat=shots, sspk=sspk)
    curve = closed_form_curve(d, np.arange(0, inv + 5), warheads_per_missile=w)
    assert saturation_point(curve, eps) == saturation_raid_closed_form(d, w, eps)


def test_curve_cache_matches_direct_search_and_reuses() -> None:
    d = DefenceModel(interceptors=0, shots_per_threat=2, sspk=0.7, p_detect=0.9)
    req = Requirement(warheads=15, probability=0.8)
    cache = CurveCache(defence=d, warheads_per_missile=2, requirement=req)
    for inv in (0, 10, 55, 200, 10):
        assert cache.missiles_needed(inv) == missiles_needed(d.with_interceptors(inv), req, 2)
    assert cache.computed == 4  # the repeated inventory came from the cache
    naive = CurveCache(defence=d, warheads_per_missile=2, requirement=req, enabled=False)
    for inv in (10, 10):
        naive.missiles_needed(inv)
    assert naive.computed == 2


def test_requirement_validation() -> None:
    with pytest.raises(ValueError):
        Requirement(warheads=3)
    with pytest.raises(ValueError):
        Requirement(warheads=3, probability=0.5, expected=2.0)
