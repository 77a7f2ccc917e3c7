"""Motion models keep F and Q of the last shared time step: same matrices as built afresh."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.tracking import ConstantAcceleration, ConstantVelocity
from shieldlab.tracking.base import MotionModel

MODELS = [
    lambda: ConstantVelocity(q=5.0),
    lambda: ConstantVelocity(q=0.3, noise="discrete"),
    lambda: ConstantAcceleration(q=2.0),
]


@settings(max_examples=60)
@given(
    which=st.integers(0, len(MODELS) - 1),
    calls=st.lists(
        st.tuples(
            st.sampled_from([0.5, 1.0, 1.0, 2.0, 0.0]),  # shared step
            st.integers(1, 4),  # tracks
            st.booleans(),  # one track on another step
            st.sampled_from([6, 9]),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_kept_matrices_equal_fresh_ones(
    which: int, calls: list[tuple[float, int, bool, int]]
) -> None:
    model = MODELS[which]()
    for dt, n, odd, dim in calls:
        if isinstance(model, ConstantAcceleration) and dim < 9:
            dim = 9
        steps = np.full(n, dt)
        if odd:
            steps[0] += 0.25
        f, q = model.matrices(steps, dim)
        f0, q0 = MODELS[which]().matrices(steps, dim)  # a fresh model: nothing kept
        np.testing.assert_array_equal(f, f0)
        np.testing.assert_array_equal(q, q0)


def test_same_step_returns_the_kept_read_only_arrays() -> None:
    model: MotionModel = ConstantVelocity(q=5.0)
    f1, q1 = model.matrices(np.full(3, 1.0), 6)
    f2, q2 = model.matrices(np.full(7, 1.0), 6)
    assert f2 is f1 and q2 is q1 and f1.shape == (1, 6, 6)
    with pytest.raises(ValueError):
        q1[0, 0, 0] = 1.0  # read-only: a caller cannot corrupt what the next one gets
    f3, _ = model.matrices(np.full(3, 2.0), 6)
    assert f3 is not f1 and f3[0, 0, 3] == 2.0
    f4, _ = model.matrices(np.full(3, 2.0), 9)
    assert f4.shape == (1, 9, 9)


def test_memo_does_not_change_equality_or_repr() -> None:
    a, b = ConstantVelocity(q=5.0), ConstantVelocity(q=5.0)
    a.matrices(np.ones(2), 6)
    assert a == b and hash(a) == hash(b) and repr(a) == repr(b)
