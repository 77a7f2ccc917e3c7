"""The shoot-look-shoot fire-control assigner (``doctrine.assigner: dynamic``).

Closed form used below (Hosein & Athans 1990 model; the worked example of
``shieldlab.wta.dynamic``): two threats of equal value, three rounds of kill
probability p = 0.5, salvos of up to 2 rounds, shoot-look-shoot with two engagements
per threat. Firing everything at once (2 at one threat, 1 at the other: what greedy and
the per-decision optimum do) leaves (1-p)^2 + (1-p) = 0.75 expected leakers with 3
rounds fired. One round at each, a look, then the third at a survivor leaves
P(one survives) (1-p) + P(both survive) (1 + (1-p)) = 0.5 * 0.5 + 0.25 * 1.5 = 0.625
expected leakers with 2 + P(not both killed) = 2 + 0.75 = 2.75 rounds fired.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.c2.base import (
    PRIORITY_ASSET_VALUE,
    PRIORITY_TIME_TO_IMPACT,
    AssignmentProblem,
    Salvo,
    WeaponAssigner,
    check_salvos,
)
from shieldlab.c2.greedy import GreedyAssigner
from shieldlab.c2.registry import assigner_names, make_assigner
from shieldlab.c2.wta_assigners import DynamicAssigner, OptimalAssigner
from shieldlab.engine.compiled import compile_scenario
from shieldlab.engine.oracle import look_chances, run_replications_py
from shieldlab.engine.outcomes import layout_of
from shieldlab.scenario import Scenario, scenario_from_data
from shieldlab.wta import WTAInstance
from shieldlab.wta.dynamic import optimal_dynamic_value

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from scenarios import small_scenario


@st.composite
def problems(draw: st.DrawFn, *, looks: bool = True) -> AssignmentProblem:
    m = draw(st.integers(1, 5))
    n = draw(st.integers(1, 4))
    n_bat = draw(st.integers(1, 2))
    salvo = draw(st.integers(1, 3))
    floats = st.floats(0.05, 0.95)
    pk = np.array([[draw(floats) for _ in range(n)] for _ in range(m)])
    it = np.array([[draw(st.sampled_from([-1.0, 10.0, 30.0])) for _ in range(n)] for _ in range(m)])
    engaging = np.array(
        [[draw(st.booleans()) for _ in range(m)] for _ in range(n_bat)], dtype=bool
    ).reshape(n_bat, m)
    return AssignmentProblem(
        time_s=0.0,
        threat=np.arange(m, dtype=np.int64),
        threat_value=np.array([draw(st.floats(0.5, 10.0)) for _ in range(m)]),
        impact_s=np.array([draw(st.floats(20.0, 400.0)) for _ in range(m)]),
        survive=np.array([draw(st.sampled_from([1.0, 0.5, 0.2])) for _ in range(m)]),
        salvos_left=np.array([draw(st.integers(0, 1)) for _ in range(m)], dtype=np.int64),
        weapon=np.arange(n, dtype=np.int64),
        weapon_battery=np.array([draw(st.integers(0, n_bat - 1)) for _ in range(n)]),
        ready=np.array([draw(st.integers(0, 6)) for _ in range(n)], dtype=np.int64),
        pk=pk,
        intercept_s=it,
        battery_free_targets=np.array([draw(st.integers(0, 3)) for _ in range(n_bat)]),
        battery_free_guided=np.array([draw(st.integers(0, 8)) for _ in range(n_bat)]),
        battery_engaging=engaging,
        salvo_size=salvo,
        priority=draw(st.sampled_from([PRIORITY_ASSET_VALUE, PRIORITY_TIME_TO_IMPACT])),
        looks_left=(
            np.array([draw(st.integers(0, 4)) for _ in range(m)], dtype=np.int64) if looks else None
        ),
    )


def _rounds(p: AssignmentProblem, salvos: list[Salvo]) -> np.ndarray:
    x = np.zeros(p.pk.shape, dtype=np.int64)
    for s in salvos:
        x[s.threat, s.weapon] += s.rounds
    return x


@settings(max_examples=60, deadline=None)
@given(p=problems())
def test_salvos_always_feasible_and_within_the_optimal_ones(p: AssignmentProblem) -> None:
    dyn = DynamicAssigner().assign(p)
    check_salvos(p, dyn)  # raises on any broken limit
    opt = OptimalAssigner().assign(p)
    # the planner only holds rounds back from the optimal salvos
    assert np.all(_rounds(p, dyn) <= _rounds(p, opt))
    assert len(dyn) <= len(opt)


@settings(max_examples=30, deadline=None)
@given(p=problems(), no_sls=st.booleans())
def test_one_engagement_left_is_the_static_optimum(p: AssignmentProblem, no_sls: bool) -> None:
    # every threat that may be engaged now has this engagement only (or no
    # shoot-look-shoot at all): nothing can be done after a look, fire the optimum
    looks = None if no_sls else np.where(p.salvos_left > 0, 1, 0).astype(np.int64)
    one = AssignmentProblem(**{**p.__dict__, "looks_left": looks})
    assert DynamicAssigner().assign(one) == OptimalAssigner().assign(one)


def test_holds_the_third_round_in_the_worked_example() -> None:
    p = AssignmentProblem(
        time_s=0.0,
        threat=np.arange(2, dtype=np.int64),
        threat_value=np.ones(2),
        impact_s=np.array([100.0, 101.0]),
        survive=np.ones(2),
        salvos_left=np.ones(2, dtype=np.int64),
        weapon=np.zeros(1, dtype=np.int64),
        weapon_battery=np.zeros(1, dtype=np.int64),
        ready=np.array([3]),
        pk=np.full((2, 1), 0.5),
        intercept_s=np.full((2, 1), 30.0),
        battery_free_targets=np.array([10]),
        battery_free_guided=np.array([10]),
        battery_engaging=np.zeros((1, 2), dtype=bool),
        salvo_size=2,
        priority=PRIORITY_TIME_TO_IMPACT,
        looks_left=np.array([2, 2], dtype=np.int64),
    )
    # the per-decision optimum fires one full salvo at the first threat (the third
    # round would go to the second threat next cycle); the planner fires one round,
    # keeping two for a look: 0.625 against 0.75 expected surviving value
    assert [(s.threat, s.rounds) for s in OptimalAssigner().assign(p)] == [(0, 2)]
    dyn = DynamicAssigner().assign(p)
    assert [(s.threat, s.rounds) for s in dyn] == [(0, 1)]


def two_threats(assigner: str) -> Scenario:
    """Two threats launched together at sites of equal value; 3 rounds; SLS, 2 looks."""
    sc = small_scenario(threats=2, sspk=0.5, salvo=2, sls=True, max_engagements=2, rounds=3)
    data: dict[str, Any] = sc.model_dump()
    data["raid"]["waves"][0].update({"interval_s": 0.0})
    data["raid"]["waves"][0]["launch_area"]["radius_m"] = 0
    for a in data["assets"]:
        a["value"] = 1
    data["doctrine"]["assigner"] = assigner
    return scenario_from_data(data)


def _mean_ci(x: np.ndarray) -> tuple[float, float, float]:
    half = 1.96 * float(x.std(ddof=1)) / math.sqrt(x.size)
    return float(x.mean()), float(x.mean()) - half, float(x.mean()) + half


def test_engine_matches_the_closed_form_and_beats_the_static_optimum() -> None:
    # the closed form is the two-stage optimum of the dynamic-programming recursion
    inst = WTAInstance(target_values=[1.0, 1.0], kill_probability=[[0.5, 0.5]], weapon_counts=[3])
    assert optimal_dynamic_value(inst, 2) == pytest.approx((0.625, 2.75))
    cs = compile_scenario(two_threats("dynamic"))
    assert np.all(look_chances(cs) >= 0)
    col = layout_of(cs).columns()
    reps = 1200
    rows = {
        name: run_replications_py(cs, seed=4, first=0, count=reps, assigner=make_assigner(name))
        for name in ("optimal", "dynamic")
    }
    leak = {k: v[:, col["leakers"]] for k, v in rows.items()}
    fired = {k: v[:, col["interceptors_fired"]] for k, v in rows.items()}
    for name, (want_leak, want_fired) in {"optimal": (0.75, 3.0), "dynamic": (0.625, 2.75)}.items():
        mean, lo, hi = _mean_ci(leak[name])
        assert lo <= want_leak <= hi, (name, mean)
        if name == "optimal":
            assert np.all(fired[name] == 3.0)
        else:
            mean, lo, hi = _mean_ci(fired[name])
            assert lo <= want_fired <= hi, (name, mean)
    # paired (common random numbers): the dynamic assigner leaks less and fires less
    _, _, hi = _mean_ci(leak["dynamic"] - leak["optimal"])
    assert hi < 0.0
    assert np.all(fired["dynamic"] <= fired["optimal"])


def test_same_seed_same_results_whatever_the_chunks() -> None:
    cs = compile_scenario(two_threats("dynamic"))
    whole = run_replications_py(cs, seed=9, first=0, count=8, assigner=make_assigner("dynamic"))
    parts = np.vstack(
        [
            run_replications_py(cs, seed=9, first=a, count=4, assigner=make_assigner("dynamic"))
            for a in (0, 4)
        ]
    )
    assert np.array_equal(whole, parts, equal_nan=True)


class _Recorder(WeaponAssigner):
    """Greedy, recording the looks left when a threat is first engaged and its salvos."""

    name = "recorder"

    def __init__(self) -> None:
        self.first: dict[int, int] = {}
        self.salvos: dict[int, int] = {}

    def assign(self, problem: AssignmentProblem) -> list[Salvo]:
        out = GreedyAssigner().assign(problem)
        assert problem.looks_left is not None
        for s in out:
            i = int(problem.threat[s.threat])
            self.first.setdefault(i, int(problem.looks_left[s.threat]))
            self.salvos[i] = self.salvos.get(i, 0) + 1
        return out


def test_looks_left_bounds_the_engagements_and_is_reached() -> None:
    # weak rounds, many engagements allowed: threats are re-engaged until time runs out
    sc = small_scenario(threats=4, sspk=0.05, salvo=1, sls=True, max_engagements=16)
    cs = compile_scenario(sc)
    tight = 0
    for rep in range(3):
        rec = _Recorder()
        run_replications_py(cs, seed=1, first=rep, count=1, assigner=rec)
        assert rec.first
        assert all(rec.salvos[i] <= rec.first[i] for i in rec.first), (rec.salvos, rec.first)
        tight += sum(rec.salvos[i] == rec.first[i] and rec.first[i] >= 2 for i in rec.first)
    assert tight > 0


def test_registered_and_unknown_names_are_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shieldlab.cli import main as cli_main

    assert "dynamic" in assigner_names()
    assert isinstance(make_assigner("dynamic"), DynamicAssigner)
    text = yaml.safe_dump(two_threats("dynamic").model_dump(mode="json"))
    bad_text = text.replace("assigner: dynamic", "assigner: no-such-assigner", 1)
    assert bad_text != text
    bad = tmp_path / "bad.yaml"
    bad.write_text(bad_text, encoding="utf-8")
    line = 1 + bad_text[: bad_text.index("no-such-assigner")].count("\n")
    for command in (["run", str(bad), "-n", "10"], ["validate", str(bad)]):
        with pytest.raises(SystemExit) as exc:
            cli_main.main(command)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert f"{bad}:{line}" in err and "doctrine.assigner" in err, err
        assert all(name in err for name in ("dynamic", "greedy", "optimal")), err


def test_shieldlab_run_with_the_dynamic_assigner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shieldlab.cli import main as cli_main

    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(two_threats("dynamic").model_dump(mode="json")), "utf-8")
    outs = []
    for _ in range(2):
        code = 0
        try:
            cli_main.main(["run", str(path), "-n", "40", "--seed", "3", "--json"])
        except SystemExit as exc:
            code = int(exc.code or 0)
        assert code == 0
        outs.append(json.loads(capsys.readouterr().out))
    d = outs[0]
    assert d["metrics"]["interceptors_fired"]["mean"] < 3.0  # a round was held at least once
    assert outs[0]["metrics"] == outs[1]["metrics"]
