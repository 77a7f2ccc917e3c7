"""Compile (or load) the numba kernels once, before any test that measures time."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _warm_numba_kernels() -> None:
    from shieldlab.wta import WTAInstance, solve

    inst = WTAInstance(
        target_values=[1.0, 2.0], kill_probability=[[0.5, 0.4], [0.3, 0.9]], weapon_counts=[2, 1]
    )
    solve(inst, "local-search", time_limit_s=0.1)
    one = WTAInstance(
        target_values=[1.0, 2.0], kill_probability=[[0.5, 0.4], [0.3, 0.9]], weapon_counts=[1, 1]
    )
    solve(one, "exact", time_limit_s=60.0)  # the single-copy kernels
