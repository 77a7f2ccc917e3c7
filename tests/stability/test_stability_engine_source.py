"""Engine-backed curves as a curve source for restore, races and the restraint map.

Reference: Wilkening, "A simple model for calculating ballistic missile defense
effectiveness", Science & Global Security 8 (1999) 183-215 (PUBLISHED_VALUES.md): with
I interceptors fired n per warhead, min(N, floor(I/n)) are engaged and each is killed
with Pk = Pd (1 - (1 - SSPK)^n); the rest leak. The built-in "closed-form" scenario is the
engine's case where this model is exact (Pd = 1, SSPK 0.6, n = 2), so a posture with that
defence is where the engine and closed-form curve sources coincide.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from posture_builders import make_posture, side_dict

from shieldlab.cli.main import main
from shieldlab.stability.deterrence import missiles_needed, restore_deterrence
from shieldlab.stability.engine_curves import (
    EngineCurveCache,
    EngineRuns,
    EngineSource,
    load_engine_scenario,
)
from shieldlab.stability.penetration import DefenceModel, Requirement, penetration
from shieldlab.stability.race import RaceCaches, action_reaction
from shieldlab.stability.restraint import restraint_map

REPS = 400
# z for a two-sided 99.9 % interval: the closed-form probability must lie within this many
# binomial standard errors of the engine's estimate at the engine's answer.
Z999 = 3.29


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return load_engine_scenario("closed-form")


def _coinciding_side(**over):  # type: ignore[no-untyped-def]
    return side_dict(
        defence__shots_per_threat=2,
        defence__sspk=0.6,
        defence__p_detect=1.0,
        defence__discrimination=1.0,
        **over,
    )


def _brackets(defence: DefenceModel, req: Requirement, w: int, m: int) -> None:
    """The engine's answer m is where the closed-form curve crosses, within MC noise."""
    pen = penetration(defence, np.array([m - 1, m]) * w, req.warheads)
    if req.probability is not None:
        tol = Z999 * math.sqrt(req.probability * (1 - req.probability) / REPS) + 1e-9
        assert pen.p_at_least_k[1] >= req.probability - tol
        assert m == 0 or pen.p_at_least_k[0] < req.probability + tol
    else:
        assert req.expected is not None
        sd = math.sqrt(max(pen.expected[1], 1.0))  # leakers' sd is below sqrt(mean) here
        tol = Z999 * sd / math.sqrt(REPS) + 1e-9
        assert pen.expected[1] >= req.expected - tol
        assert m == 0 or pen.expected[0] < req.expected + tol


@pytest.mark.parametrize(
    "req",
    [Requirement(warheads=20, probability=0.9), Requirement(warheads=20, expected=20.0)],
    ids=["probability", "expected"],
)
@pytest.mark.parametrize("w", [1, 2])
def test_engine_missiles_needed_agree_with_closed_form(scenario, req, w) -> None:  # type: ignore[no-untyped-def]
    exact = EngineCurveCache(
        runs=EngineRuns(
            EngineSource(scenario=scenario, replications=REPS, raid_step=1, inventory_step=1)
        ),
        warheads_per_missile=w,
        requirement=req,
    )
    coarse = EngineCurveCache(
        runs=EngineRuns(EngineSource(scenario=scenario, replications=REPS, inventory_step=1)),
        warheads_per_missile=w,
        requirement=req,
    )
    for inv in (0, 30, 60, 200, 400):
        d = DefenceModel(interceptors=inv, shots_per_threat=2, sspk=0.6)
        m = exact.needed_at(inv)
        _brackets(d, req, w, m)
        if inv == 0:
            assert m == missiles_needed(None, req, w)
        # Interpolating between raid sizes 25 threats apart (documented trade-off): exact
        # where the crossing is saturated, within 3 % + 1 missile elsewhere.
        assert abs(coarse.needed_at(inv) - m) <= 0.03 * m + 1


def test_inventory_grid_interpolation_is_monotone_and_exact_on_the_grid(scenario) -> None:  # type: ignore[no-untyped-def]
    req = Requirement(warheads=20, probability=0.9)
    runs = EngineRuns(EngineSource(scenario=scenario, replications=200, inventory_step=50))
    cache = EngineCurveCache(runs=runs, warheads_per_missile=1, requirement=req)
    invs = np.arange(0, 201, 10)
    needed = np.array([cache.missiles_needed(int(i)) for i in invs])
    assert np.all(np.diff(needed) >= 0)  # more interceptors never lower the missiles needed
    for i in (0, 50, 100, 150, 200):
        assert cache.missiles_needed(i) == cache.needed_at(i)
    assert cache.computed == 5  # one curve per defence size on the grid
    # Reuse: asking again simulates nothing new.
    before = runs.simulations
    cache.missiles_needed(135)
    assert runs.simulations == before


def test_restore_with_engine_source(scenario) -> None:  # type: ignore[no-untyped-def]
    p = make_posture(_coinciding_side())
    src = EngineSource(scenario=scenario, replications=REPS, raid_step=1)
    cf = restore_deterrence(p, "blue")
    eng = restore_deterrence(p, "blue", engine=src)
    assert cf.curve_source == "closed-form" and eng.curve_source.startswith("engine")
    assert eng.missiles_without_defence == cf.missiles_without_defence
    req = Requirement(warheads=20, probability=0.9)
    _brackets(
        DefenceModel(interceptors=60, shots_per_threat=2, sspk=0.6),
        req,
        1,
        eng.missiles_with_defence,
    )


def test_engine_restraint_map_matches_closed_form_where_models_coincide(scenario) -> None:  # type: ignore[no-untyped-def]
    p = make_posture(_coinciding_side(), _coinciding_side(offence__warheads_per_launcher=2))
    kw = dict(
        x_cap="interceptors", x_values=[0, 50, 100, 200], y_cap="launchers", y_values=[20, 40, 80]
    )
    cf = restraint_map(p, **kw)  # type: ignore[arg-type]
    src = EngineSource(scenario=scenario, replications=REPS)
    eng = restraint_map(p, caches=RaceCaches(p, engine=src), **kw)  # type: ignore[arg-type]
    # Missiles needed against each capped defence: the closed-form crossing within MC noise
    # plus the documented interpolation allowance (3 % + 1 missile).
    for side in ("blue", "red"):
        a = getattr(cf, f"{side}_needed_vs_cap")
        b = getattr(eng, f"{side}_needed_vs_cap")
        assert np.all(np.abs(a - b) <= 0.03 * a + 2), (side, a, b)
    # Stability flags coincide wherever the closed-form margins are not within those noise
    # bands; on this grid that is every cell.
    np.testing.assert_array_equal(cf.stable, eng.stable)
    np.testing.assert_array_equal(cf.race_converged, eng.race_converged)


def test_engine_race_runs_and_reuses_runs(scenario) -> None:  # type: ignore[no-untyped-def]
    p = make_posture(_coinciding_side())
    caches = RaceCaches(p, engine=EngineSource(scenario=scenario, replications=100))
    res = action_reaction(p, periods=10, caches=caches)
    assert res.blue_missiles.size >= 2
    assert caches.engine_runs is not None and caches.engine_runs.simulations > 0
    cf = action_reaction(p, periods=10)
    assert (
        abs(int(res.forces["blue_missiles"]) - int(cf.forces["blue_missiles"]))
        <= 0.05 * int(cf.forces["blue_missiles"]) + 2
    )


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_cli_engine_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        [
            "stability",
            "restraint",
            "--json",
            "--engine",
            "closed-form",
            "--replications",
            "100",
            "--x-values",
            "0,100",
            "--y-values",
            "50,100",
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["curve_source"].startswith("engine scenario closed-form")
    assert data["engine_simulations"] > 0
    assert np.asarray(data["map"]["stable"]).shape == (2, 2)
    code, out, _ = _run(
        [
            "stability",
            "restore",
            "--json",
            "--attacker",
            "red",
            "--engine",
            "closed-form",
            "--replications",
            "100",
        ],
        capsys,
    )
    assert code == 0 and json.loads(out)["results"][0]["curve_source"].startswith("engine")
    code, out, _ = _run(
        [
            "stability",
            "race",
            "--json",
            "--periods",
            "3",
            "--engine",
            "closed-form",
            "--replications",
            "50",
        ],
        capsys,
    )
    assert code == 0 and json.loads(out)["curve_source"].startswith("engine")
    code, out, _ = _run(
        [
            "stability",
            "penetration",
            "--json",
            "--engine",
            "closed-form",
            "--k",
            "3",
            "--raid-sizes",
            "16,40",
            "--replications",
            "200",
            "--engine-interceptors",
            "40",
        ],
        capsys,
    )
    assert code == 0
    curve = json.loads(out)["engine"]["curve"]
    assert curve["k"] == 3 and curve["interceptors"] == 40
    lo, hi = curve["p_at_least_k_ci95"][0]
    assert lo <= curve["p_at_least_k"][0] <= hi


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["stability", "race", "--replications", "10"], "--replications"),
        (
            ["stability", "restraint", "--engine", "closed-form", "--replications", "0"],
            "--replications",
        ),
        (["stability", "restore", "--engine", "closed-form", "--raid-step", "0"], "--raid-step"),
        (["stability", "restraint", "--engine", "nope-not-a-scenario"], ""),
        (
            ["stability", "penetration", "--engine", "closed-form", "--engine-interceptors", "-1"],
            "--engine-interceptors",
        ),
    ],
)
def test_cli_engine_bad_options_exit_2(argv, field, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = _run(argv, capsys)
    assert code == 2
    assert field in err
    assert "Traceback" not in err
