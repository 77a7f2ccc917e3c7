"""The optimiser against exhaustive enumeration, common random numbers, seeds, resuming."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import shieldlab
from shieldlab.attack import (
    Evaluator,
    Objective,
    SearchSettings,
    load_arsenal,
    optimise_raid,
    paired_difference,
)
from shieldlab.attack.evaluate import outcome_rows
from shieldlab.attack.optimise import rank_leaders, search_raids
from shieldlab.attack.space import RaidChoice, RaidSpace
from shieldlab.scenario import load_scenario

HERE = Path(__file__).parent
SMALL = load_scenario(HERE / "small.yaml")
ARSENAL = load_arsenal(HERE / "small-arsenal.yaml")

# Small enough to enumerate (77 raids within budget), few replications: seconds.
SETTINGS = SearchSettings(
    evaluations=30, replications=60, final_replications=400, leaders=4, seed=11
)


def test_outcome_rows_are_simulates_replications() -> None:
    """The one seam to the engine gives exactly the public simulate()'s means."""
    rows, cols = outcome_rows(SMALL, seed=5, first=0, count=300)
    res = shieldlab.simulate(SMALL, replications=300, seed=5)
    assert rows[:, cols["leakers"]].mean() == pytest.approx(res.metrics["leakers"].mean, abs=0)
    for asset, m in res.by_type["hits_by_asset"].items():
        assert rows[:, cols[f"hits.{asset}"]].mean() == pytest.approx(m.mean, abs=1e-12)
    # Replications are keyed: a block from the middle is the same rows as in the whole.
    mid, _ = outcome_rows(SMALL, seed=5, first=100, count=50)
    np.testing.assert_array_equal(mid, rows[100:150])


def test_common_random_numbers_make_pairs_tighter() -> None:
    """Two nearby raids on the same keyed draws: the paired interval of their difference
    is narrower than the two independent intervals would give (the point of CRN)."""
    space = RaidSpace(SMALL, ARSENAL)
    ev = Evaluator(space=space, objective=Objective(), seed=3)
    a = ev.evaluate(RaidChoice.from_key("2.0.0.0|4.1.0.0"), first=0, count=400)
    b = ev.evaluate(RaidChoice.from_key("2.0.0.0|3.1.0.0"), first=0, count=400)
    d = paired_difference(a.values, b.values)
    independent = 1.96 * math.sqrt((a.values.var(ddof=1) + b.values.var(ddof=1)) / 400)
    assert (d.ci95[1] - d.ci95[0]) / 2 < independent
    assert ev.simulated == 2
    ev.evaluate(RaidChoice.from_key("2.0.0.0|4.1.0.0"), first=0, count=400)
    assert ev.simulated == 2  # served from memory


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=3, max_size=40), st.floats(-2, 2))
def test_paired_difference_is_a_one_sample_t_interval(xs: list[float], shift: float) -> None:
    """Independent recomputation: scipy's t interval of the differences."""
    a = np.asarray(xs)
    rng = np.random.default_rng(len(xs))
    b = a - shift + rng.normal(0, 0.5, a.size)
    d = paired_difference(a, b)
    diff = a - b
    assert d.mean == pytest.approx(diff.mean())
    lo, hi = stats.t.interval(0.95, diff.size - 1, loc=diff.mean(), scale=stats.sem(diff))
    assert d.ci95 == pytest.approx((lo, hi), rel=1e-9, abs=1e-12)
    assert paired_difference(a, a).ci95 == (0.0, 0.0)


def _exhaustive(objective: Objective) -> tuple[Evaluator, list[tuple[float, RaidChoice]]]:
    """Every raid within budget on the screening replications, best first."""
    space = RaidSpace(SMALL, ARSENAL)
    ev = Evaluator(space=space, objective=objective, seed=SETTINGS.seed)
    scored = [
        (ev.evaluate(c, first=0, count=SETTINGS.replications).mean, c) for c in space.enumerate()
    ]
    scored.sort(key=lambda x: (-x[0], space.cost_usd(x[1]), x[1].key()))
    return ev, scored


@pytest.mark.parametrize("kind", ["value", "leakers"])
def test_optimiser_finds_the_exhaustive_optimum_in_fewer_evaluations(kind: str) -> None:
    objective = Objective(kind=kind)  # type: ignore[arg-type]
    res = optimise_raid(SMALL, ARSENAL, objective, settings=SETTINGS)
    ev, scored = _exhaustive(objective)
    n_all = len(scored)
    assert n_all == 77
    assert res.evaluations <= SETTINGS.evaluations < n_all
    # The exhaustive answer, ranked exactly as the optimiser ranks its leaders (fresh
    # replications on the screening leaders), is the reference.
    top = scored[: SETTINGS.leaders]
    finals = [
        ev.evaluate(c, first=SETTINGS.replications, count=SETTINGS.final_replications)
        for _, c in top
    ]
    reference = max(finals, key=lambda f: f.mean)
    # Same replications (CRN), so the comparison is paired: the optimiser's raid is not
    # significantly worse than the exhaustive optimum.
    d = paired_difference(reference.values, res.best.final.values)
    assert d.ci95[0] <= 0.0, (res.best.choice.key(), reference.choice.key(), d)
    # ... and clearly better than a middling raid (the test can fail).
    median = scored[n_all // 2][1]
    mid = ev.evaluate(median, first=SETTINGS.replications, count=SETTINGS.final_replications)
    assert paired_difference(res.best.final.values, mid.values).ci95[0] > 0.0


def test_same_seed_same_answer_and_another_seed_runs() -> None:
    a = optimise_raid(SMALL, ARSENAL, settings=SETTINGS).to_dict()
    b = optimise_raid(SMALL, ARSENAL, settings=SETTINGS).to_dict()
    assert a == b
    other = SearchSettings(**{**SETTINGS.__dict__, "seed": 12})
    c = optimise_raid(SMALL, ARSENAL, settings=other).to_dict()
    assert c["seed"] == 12 and c["best"]["replications"] == SETTINGS.final_replications


def test_storage_resumes_a_study(tmp_path: Path) -> None:
    db = tmp_path / "study.sqlite3"
    first = SearchSettings(**{**SETTINGS.__dict__, "evaluations": 8, "storage": str(db)})
    space = RaidSpace(SMALL, ARSENAL)
    log1 = search_raids(Evaluator(space=space, objective=Objective(), seed=11), first)
    assert len(log1.records) == 8 and log1.resumed_trials == 0
    more = SearchSettings(**{**first.__dict__, "evaluations": 14})
    ev2 = Evaluator(space=space, objective=Objective(), seed=11)
    log2 = search_raids(ev2, more)
    assert log2.resumed_trials == log1.trials
    assert len(log2.records) == 14
    # The first session's candidates come back from storage, not from new simulations.
    assert [r.choice.key() for r in log2.records[:8]] == [r.choice.key() for r in log1.records]
    assert ev2.simulated == 6
    assert len({r.choice.key() for r in log2.records}) == 14
    leaders = rank_leaders(ev2, log2, more)
    assert leaders[0].vs_best.mean == 0.0


def test_storage_refuses_a_study_of_another_seed(tmp_path: Path) -> None:
    from shieldlab.errors import InputError

    db = tmp_path / "study.sqlite3"
    s = SearchSettings(evaluations=3, replications=20, seed=1, storage=str(db), study_name="x")
    space = RaidSpace(SMALL, ARSENAL)
    search_raids(Evaluator(space=space, objective=Objective(), seed=1), s)
    s2 = SearchSettings(**{**s.__dict__, "seed": 2})
    with pytest.raises(InputError, match="made for another scenario"):
        search_raids(Evaluator(space=space, objective=Objective(), seed=2), s2)


def test_best_raid_yaml_runs_and_gives_the_same_numbers(tmp_path: Path) -> None:
    res = optimise_raid(SMALL, ARSENAL, settings=SETTINGS)
    p = tmp_path / "raid.yaml"
    p.write_text(res.scenario_yaml, encoding="utf-8")
    sc = shieldlab.load_scenario(p)
    space = RaidSpace(SMALL, ARSENAL)
    assert sc.raid.total_threats == sum(res.best.choice.counts)
    assert space.cost_usd(res.best.choice) <= ARSENAL.budget.usd  # type: ignore[operator]
    rows, cols = outcome_rows(sc, seed=SETTINGS.seed, first=0, count=SETTINGS.replications)
    direct = Evaluator(space=space, objective=Objective(), seed=SETTINGS.seed).evaluate(
        res.best.choice, first=0, count=SETTINGS.replications
    )
    np.testing.assert_array_equal(rows[:, cols["leakers"]], direct.values)


def test_beats_the_scenarios_own_raid_when_that_raid_is_poor() -> None:
    """The paired margin against the scenario's own raid: here the own raid is resized to
    the budget and aims half its cruise missiles at the low-value depot."""
    res = optimise_raid(SMALL, ARSENAL, Objective(kind="value"), settings=SETTINGS)
    assert res.baseline is not None and res.best_vs_baseline is not None
    assert res.baseline.cost_usd <= ARSENAL.budget.usd  # type: ignore[operator]
    assert res.best_vs_baseline.mean == pytest.approx(res.best.final.mean - res.baseline.mean)
    assert res.best_vs_baseline.significant and res.best_vs_baseline.mean > 0
