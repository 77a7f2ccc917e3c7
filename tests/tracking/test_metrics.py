"""OSPA / GOSPA on hand-computed cases, metric properties, continuity counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from shieldlab.tracking.metrics import Frame, gospa, ospa, track_continuity


def test_gospa_hand_computed_cases() -> None:
    # One pair at distance 5 (3-4-5 triangle), c = 10, p = 2: GOSPA = 5, all localisation.
    r = gospa([[0.0, 0.0]], [[3.0, 4.0]], c=10.0, p=2.0)
    assert r.distance == pytest.approx(5.0)
    assert (r.localisation, r.missed, r.false) == (pytest.approx(25.0), 0.0, 0.0)
    # A missed target: c^p / 2 = 50 -> sqrt(50).
    r = gospa([[0.0, 0.0], [100.0, 0.0]], [[0.0, 0.0]], c=10.0, p=2.0)
    assert r.distance == pytest.approx(math.sqrt(50.0))
    assert (r.n_missed, r.n_false, r.missed) == (1, 0, 50.0)
    # Pair farther than c: one missed + one false = c^p -> GOSPA = c.
    r = gospa([[0.0, 0.0]], [[20.0, 0.0]], c=10.0, p=2.0)
    assert r.distance == pytest.approx(10.0)
    assert (r.n_missed, r.n_false, r.localisation) == (1, 1, 0.0)
    # Mixed, p = 1: truths (0,0), (10,0); estimates (1,0), (10,2), (50,50); c = 5.
    # Localisation 1 + 2 = 3; one false target c/2 = 2.5 -> 5.5.
    r = gospa([[0, 0], [10, 0]], [[1, 0], [10, 2], [50, 50]], c=5.0, p=1.0)
    assert r.distance == pytest.approx(5.5)
    assert r.assignment.tolist() == [0, 1]
    # Empty sets.
    assert gospa(np.zeros((0, 2)), np.zeros((0, 2)), c=5.0).distance == 0.0
    assert gospa(np.zeros((0, 2)), [[1.0, 1.0]], c=4.0, p=2.0).distance == pytest.approx(
        math.sqrt(8.0)
    )


def test_ospa_hand_computed_case() -> None:
    # X = {(0,0), (10,0)}, Y = {(1,0)}, c = 5, p = 1: (1 + 5 * 1) / 2 = 3.
    assert ospa([[0, 0], [10, 0]], [[1, 0]], c=5.0, p=1.0) == pytest.approx(3.0)
    # p = 2: sqrt((1 + 25) / 2).
    assert ospa([[0, 0], [10, 0]], [[1, 0]], c=5.0, p=2.0) == pytest.approx(math.sqrt(13.0))
    assert ospa(np.zeros((0, 3)), np.zeros((0, 3)), c=5.0) == 0.0
    assert ospa([[0, 0, 0]], np.zeros((0, 3)), c=5.0) == pytest.approx(5.0)


points = st.integers(0, 5).flatmap(
    lambda n: arrays(np.float64, (n, 2), elements=st.floats(-50, 50, allow_nan=False))
)


@settings(max_examples=150, deadline=None)
@given(x=points, y=points, z=points)
def test_gospa_is_a_metric(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
    # Rahmathullah et al. (2017): GOSPA with alpha = 2 is a metric for 1 <= p < inf.
    dxy = gospa(x, y, c=20.0, p=2.0).distance
    assert dxy >= 0.0
    assert dxy == pytest.approx(gospa(y, x, c=20.0, p=2.0).distance, abs=1e-9)
    assert gospa(x, x, c=20.0, p=2.0).distance == pytest.approx(0.0, abs=1e-9)
    dxz = gospa(x, z, c=20.0, p=2.0).distance
    dzy = gospa(z, y, c=20.0, p=2.0).distance
    assert dxy <= dxz + dzy + 1e-9
    r = gospa(x, y, c=20.0, p=2.0)
    assert r.localisation + r.missed + r.false == pytest.approx(dxy**2, abs=1e-6)


def _frame(t: float, truth: list[list[float]], ids: list[int], pos: list[list[float]]) -> Frame:
    return Frame(
        time_s=t,
        truth_ids=np.array([0, 1][: len(truth)]),
        truth_pos=np.array(truth, dtype=float).reshape(-1, 2),
        track_ids=np.array(ids, dtype=np.int64),
        track_pos=np.array(pos, dtype=float).reshape(-1, 2),
    )


def test_continuity_counts_switches_breaks_and_time_to_track() -> None:
    truth = [[0.0, 0.0], [100.0, 0.0]]
    frames = [
        _frame(0.0, truth, [], []),
        _frame(1.0, truth, [7], [[1.0, 0.0]]),  # truth 0 tracked by 7
        _frame(2.0, truth, [7, 8], [[1.0, 0.0], [101.0, 0.0]]),  # truth 1 by 8
        _frame(3.0, truth, [8], [[101.0, 0.0]]),  # truth 0 lost: a gap
        _frame(4.0, truth, [9, 8], [[0.5, 0.0], [101.0, 0.0]]),  # back, as 9: break + switch
        _frame(5.0, truth, [9, 8], [[0.5, 0.0], [101.0, 0.0]]),
    ]
    res = track_continuity(frames, c=10.0, first_detectable_s={1: 0.5})
    assert res.id_switches == 1
    assert res.breaks == 1
    assert res.time_to_track_s == {0: 1.0, 1: 1.5}
    assert res.mean_time_to_track_s == pytest.approx(1.25)


@settings(max_examples=100, deadline=None)
@given(x=points, y=points, z=points)
def test_ospa_is_a_bounded_metric(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
    # Schuhmacher et al. (2008): OSPA is a metric with values in [0, c].
    c = 20.0
    dxy = ospa(x, y, c=c, p=2.0)
    assert 0.0 <= dxy <= c + 1e-9
    assert dxy == pytest.approx(ospa(y, x, c=c, p=2.0), abs=1e-9)
    assert ospa(x, x, c=c, p=2.0) == pytest.approx(0.0, abs=1e-9)
    assert dxy <= ospa(x, z, c=c, p=2.0) + ospa(z, y, c=c, p=2.0) + 1e-9
