"""attack cheapest (against enumeration and the closed form), attack duel, the CLI and store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shieldlab.attack import Evaluator, Objective, SearchSettings, load_arsenal
from shieldlab.attack.cheapest import cheapest_raid, closed_form_restore
from shieldlab.attack.duel import duel, load_defence_options
from shieldlab.attack.space import RaidSpace
from shieldlab.cli.main import main
from shieldlab.scenario import load_scenario

HERE = Path(__file__).parent
SMALL_PATH = HERE / "small.yaml"
SMALL = load_scenario(SMALL_PATH)
ARSENAL_PATH = HERE / "small-arsenal.yaml"
ARSENAL = load_arsenal(ARSENAL_PATH)
SETTINGS = SearchSettings(evaluations=30, replications=80, final_replications=400, seed=4)


def test_closed_form_restore_by_hand() -> None:
    """8 rounds, salvo 2 x 2 engagements = 4 shots per warhead, best SSPK 0.72 (the
    short-range round vs cruise x reliability): two warheads are covered with
    Pk = 1 - 0.28^4 = 0.99385, a third is never engaged, so P(>= 1) = 1 needs 3 missiles
    (Wilkening 1999, sec. 3: beyond floor(I/n) warheads every added one leaks)."""
    cf = closed_form_restore(SMALL, RaidSpace(SMALL, ARSENAL), k=1, p=0.9)
    assert (cf.interceptors, cf.shots_per_threat) == (8, 4)
    assert cf.p_kill == pytest.approx(1 - (1 - cf.sspk) ** 4)
    assert 1 - cf.p_kill**2 < 0.9  # two missiles are not enough
    assert cf.missiles == 3
    assert cf.cost_usd == 3 * 1.5e6  # the cheapest lethal round: the cruise missile


def test_cheapest_matches_enumeration() -> None:
    res = cheapest_raid(SMALL, ARSENAL, k=1, p=0.9, settings=SETTINGS)
    assert res.found and res.final is not None and res.choice is not None
    assert res.final.mean >= 0.9
    # Enumeration on the same fresh replications: the cheapest raid meeting P.
    space = RaidSpace(SMALL, ARSENAL)
    ev = Evaluator(space=space, objective=Objective(kind="p_k", k=1), seed=SETTINGS.seed)
    ok = [
        space.cost_usd(c)
        for c in space.enumerate()
        if ev.evaluate(c, first=80, count=400).mean >= 0.9
    ]
    assert res.final.cost_usd == min(ok)
    assert res.evaluations <= SETTINGS.evaluations
    assert len(res.gap) >= 3 and "closed form: 3 missiles" in res.gap[0]


def test_duel_rounds_on_the_small_instance(tmp_path: Path) -> None:
    opts = load_defence_options(HERE / "small-defence.yaml")
    s = SearchSettings(evaluations=15, replications=60, final_replications=120, leaders=3, seed=1)
    res = duel(SMALL, ARSENAL, opts, rounds=3, settings=s, defence_evaluations=15)
    assert 1 <= len(res.rounds) <= 3
    assert res.outcome in ("settled", "cycle", "rounds")
    first = res.rounds[0]
    assert first.attacker_improved
    # A defender's answer never makes things worse for it on the same replications.
    for r in res.rounds:
        assert r.objective_after_defence <= r.objective_after_attack + 1e-12
        if r.defender_improved:
            assert r.defender_gain["ci95"][0] > 0
    again = duel(SMALL, ARSENAL, opts, rounds=3, settings=s, defence_evaluations=15)
    assert again.to_dict() == res.to_dict()  # same seed, same duel

    # The final raid against the final defence is a ready-to-run scenario.
    f = tmp_path / "final.yaml"
    f.write_text(res.final_scenario_yaml, encoding="utf-8")
    assert load_scenario(f).raid.total_threats == sum(w["count"] for w in res.rounds[-1].raid)


def test_cli_optimise_json_store_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    out, rep = tmp_path / "out", tmp_path / "report"
    main(
        ["attack", "optimise", str(SMALL_PATH), str(ARSENAL_PATH), "--evaluations", "12",
         "-n", "40", "--final-replications", "100", "--leaders", "3", "--seed", "2",
         "--json", "--out", str(out), "--report", str(rep)]
    )  # fmt: skip
    obj = json.loads(capsys.readouterr().out)
    assert obj["evaluations"] == 12 and obj["seed"] == 2
    lo, hi = obj["best"]["ci95"]
    assert lo <= obj["best"]["objective"] <= hi
    assert obj["best_minus_baseline"] is not None
    assert len(obj["convergence"]) == 12
    best = [c["best"] for c in obj["convergence"]]
    assert best == sorted(best)  # best so far never falls
    assert json.loads((out / "attack.json").read_text()) == obj
    load_scenario(out / "raid.yaml")
    assert (out / "convergence.png").read_bytes()[:4] == b"\x89PNG"
    con = duckdb.connect(str(out / "attack.duckdb"), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM candidates").fetchone()
        lead = con.execute("SELECT raid_key FROM leaders ORDER BY objective DESC").fetchone()
    finally:
        con.close()
    assert n is not None and n[0] == 12
    assert lead is not None and lead[0] == obj["best"]["raid_key"]
    assert (rep / "index.html").is_file()


def test_cli_cheapest_and_duel_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(
        ["attack", "cheapest", str(SMALL_PATH), str(ARSENAL_PATH), "--k", "1", "--p", "0.9",
         "--evaluations", "10", "-n", "40", "--final-replications", "100", "--json"]
    )  # fmt: skip
    obj = json.loads(capsys.readouterr().out)
    assert obj["closed_form"]["missiles"] == 3 and obj["requirement"] == {"k": 1, "p": 0.9}
    main(
        ["attack", "duel", str(SMALL_PATH), str(ARSENAL_PATH), str(HERE / "small-defence.yaml"),
         "--rounds", "2", "--evaluations", "8", "--defence-evaluations", "8", "-n", "30",
         "--final-replications", "60", "--json", "--out", str(tmp_path / "duel")]
    )  # fmt: skip
    d = json.loads(capsys.readouterr().out)
    assert 1 <= len(d["rounds"]) <= 2 and d["outcome"] in ("settled", "cycle", "rounds")
    assert (tmp_path / "duel" / "rounds.parquet").is_file()


@pytest.mark.parametrize(
    ("args", "field"),
    [(["--k", "1", "--p", "1.5"], "option --p"), (["--k", "0", "--p", "0.5"], "option --k")],
)
def test_cli_cheapest_bad_requirement_exits_2(
    args: list[str], field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["attack", "cheapest", str(SMALL_PATH), str(ARSENAL_PATH), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and field in err[0]
