"""Shared helpers for the WTA tests: brute force, random instances, benchmark location."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest

from shieldlab.wta import WTAInstance, objective

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path | None:
    """`<repo>/../shared` or $SHIELDLAB_SHARED, if it exists."""
    env = os.environ.get("SHIELDLAB_SHARED")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared"]:
        if cand.is_dir():
            return cand
    return None


def benchmark_dir() -> Path:
    """The WTA benchmark folder, or skip the test with the reason."""
    base = shared_dir()
    if base is None or not (base / "benchmarks" / "wta").is_dir():
        pytest.skip(
            "WTA benchmark data absent: needs <repo>/../shared/benchmarks/wta "
            "or SHIELDLAB_SHARED pointing at the shared folder"
        )
    return base / "benchmarks" / "wta"


def _compositions(total_max: int, n: int) -> list[tuple[int, ...]]:
    """All (x_1..x_n) >= 0 with sum <= total_max."""
    return [c for c in itertools.product(range(total_max + 1), repeat=n) if sum(c) <= total_max]


def brute_force(inst: WTAInstance) -> float:
    """Minimum of F over every feasible assignment (tiny instances only)."""
    per_type = [_compositions(int(c), inst.n_targets) for c in inst.weapon_counts]
    best = np.inf
    for combo in itertools.product(*per_type):
        best = min(best, objective(inst, np.array(combo, dtype=np.int64)))
    return float(best)


def random_instance(rng: np.random.Generator, m: int, n: int, mu: int) -> WTAInstance:
    """Instance drawn like the benchmark: V integer 1..99, p uniform, mu copies per type."""
    return WTAInstance(
        target_values=rng.integers(1, 100, n).astype(float),
        kill_probability=rng.uniform(0.0, 1.0, (m, n)),
        weapon_counts=np.full(m, mu),
    )
