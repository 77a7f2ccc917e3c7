"""Monte Carlo runner: streaming statistics, worker-count independence, --precision."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from scenarios import small_scenario

from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import compile_scenario
from shieldlab.errors import InputError
from shieldlab.montecarlo import penetration_curve, scale_raid, simulate
from shieldlab.montecarlo.aggregate import BLOCK, Accumulator, summarise


def _scenario():  # type: ignore[no-untyped-def]
    return small_scenario(snr_ref_db=8.0, m=2, n=3, sspk=0.55, salvo=1, sls=True, max_engagements=2)


def test_streaming_moments_equal_whole_array_statistics() -> None:
    cs = compile_scenario(_scenario())
    rows = run_replications(cs, seed=1, first=0, count=5 * BLOCK + 17)
    acc = Accumulator(n_cols=rows.shape[1])
    for blk in summarise(rows, first=0, leak_col=0):
        acc.add(blk)
    finite = np.isfinite(rows)
    assert acc.n == rows.shape[0]
    assert np.array_equal(acc.count, finite.sum(axis=0).astype(float))
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(rows, axis=0)
        var = np.nanvar(rows, axis=0, ddof=1)
    ok = acc.count > 1
    assert np.allclose(acc.mean[ok], mean[ok], rtol=1e-12, atol=1e-12)
    assert np.allclose(acc.variance()[ok], var[ok], rtol=1e-9, atol=1e-12)
    assert acc.zero_leak == int(np.sum(rows[:, 0] == 0))


def test_blocks_must_merge_in_order() -> None:
    cs = compile_scenario(_scenario())
    rows = run_replications(cs, seed=1, first=0, count=2 * BLOCK)
    blocks = summarise(rows, first=0, leak_col=0)
    acc = Accumulator(n_cols=rows.shape[1])
    with pytest.raises(ValueError):
        acc.add(blocks[1])


def test_results_are_identical_across_worker_counts() -> None:
    sc = _scenario()
    one = simulate(sc, replications=3 * 4096 + 5, seed=7, workers=1).to_dict()
    two = simulate(sc, replications=3 * 4096 + 5, seed=7, workers=2).to_dict()
    one.pop("timing")
    two.pop("timing")
    assert one == two


def test_precision_stops_early_and_meets_target() -> None:
    sc = _scenario()
    res = simulate(sc, replications=1_000_000, seed=3, precision=0.05)
    assert res.precision_met
    assert res.metrics["leakers"].half_width < 0.05
    assert res.replications < 1_000_000
    # The stopping point depends on the seed and target only.
    again = simulate(sc, replications=1_000_000, seed=3, precision=0.05)
    assert again.replications == res.replications


def test_precision_not_met_is_reported() -> None:
    res = simulate(_scenario(), replications=300, seed=3, precision=1e-6)
    assert res.precision_met is False
    assert res.replications == 300


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"replications": 0}, "--replications"),
        ({"seed": -1}, "--seed"),
        ({"workers": 0}, "--workers"),
        ({"precision": -0.1}, "--precision"),
        ({"precision": float("nan")}, "--precision"),
    ],
)
def test_bad_run_options_raise_input_error(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InputError) as exc:
        simulate(_scenario(), **kwargs)  # type: ignore[arg-type]
    assert exc.value.location.field == field


def test_unknown_assigner_is_input_error() -> None:
    sc = _scenario()
    bad = sc.replace(doctrine=sc.doctrine.model_copy(update={"assigner": "no-such-assigner"}))
    with pytest.raises(InputError) as exc:
        simulate(bad, replications=10)
    assert exc.value.location.field == "doctrine.assigner"


def test_python_path_runs_registered_assigner() -> None:
    from shieldlab.c2.greedy import GreedyAssigner
    from shieldlab.c2.registry import register_assigner

    class Copy(GreedyAssigner):
        name = "greedy-python-copy"

    register_assigner("greedy-python-copy", Copy)
    sc = _scenario()
    alt = sc.replace(doctrine=sc.doctrine.model_copy(update={"assigner": "greedy-python-copy"}))
    py = simulate(alt, replications=40, seed=2)
    # The breakdown (engine.breakdown) reads the kernel's events: compiled path only.
    compiled = simulate(sc, replications=40, seed=2, breakdown=False)
    assert py.path == "python" and compiled.path == "compiled"
    assert py.to_dict()["metrics"] == compiled.to_dict()["metrics"]


def test_penetration_curve_grows_with_raid_size() -> None:
    base = small_scenario(threats=6, snr_ref_db=8.0, m=2, n=3, rounds=8)
    pts = penetration_curve(base, [6, 12, 24], replications=1000, seed=1)
    means = [p.leakers.mean for p in pts]
    assert means == sorted(means)
    assert [p.raid_size for p in pts] == [6, 12, 24]
    assert scale_raid(base, 13).raid.total_threats == 13
