"""attack cheapest (against enumeration and the closed form), attack duel, the CLI and store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shieldlab.attack import Evaluator, Objective, SearchSettings, load_arsenal
from shieldlab.attack.cheapest import RaidLine, cheapest_raid, closed_form_restore, line_search
from shieldlab.attack.duel import duel, duel_verdict, load_defence_options
from shieldlab.attack.space import RaidChoice, RaidSpace
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


def _exhaustive_cheapest(k: int, p: float) -> float | None:
    """The cheapest of all raids within budget whose P(>= k) on the fresh block reaches p."""
    space = RaidSpace(SMALL, ARSENAL)
    ev = Evaluator(space=space, objective=Objective(kind="p_k", k=k), seed=SETTINGS.seed)
    ok = [
        space.cost_usd(c)
        for c in space.enumerate()
        if ev.evaluate(c, first=SETTINGS.replications, count=SETTINGS.final_replications).mean >= p
    ]
    return min(ok) if ok else None


@pytest.mark.parametrize(("k", "p"), [(1, 0.9), (2, 0.5), (2, 0.8)])
def test_cheapest_matches_enumeration(k: int, p: float) -> None:
    res = cheapest_raid(SMALL, ARSENAL, k=k, p=p, settings=SETTINGS)
    assert res.found and res.final is not None and res.choice is not None
    assert res.final.mean >= p
    # Enumeration of all 77 raids on the same fresh replications: the cheapest meeting P.
    assert res.final.cost_usd == _exhaustive_cheapest(k, p)
    assert res.evaluations <= 2 * SETTINGS.evaluations  # front + optimiser searches
    # Just below: the best raid one round cheaper fails on the same replications.
    assert res.below is not None and res.below.mean < p
    assert res.below.cost_usd < res.final.cost_usd
    # The confirmation block is independent (other replication numbers).
    assert res.confirm is not None and res.confirm.first == 80 + 400
    assert res.confirm.choice == res.choice
    if k == 1:
        assert "closed form: 3 missiles" in res.gap[0]
        assert any("cost ratio engine / closed form" in g for g in res.gap)
    d = res.to_dict()
    assert d["cheapest"]["raid_key"] == res.choice.key()
    assert {r["line"] for r in d["line_searches"]} >= {"cheapest-first"}


def test_cheapest_none_when_the_arsenal_cannot_meet_it() -> None:
    res = cheapest_raid(SMALL, ARSENAL, k=3, p=0.5, settings=SETTINGS)
    assert _exhaustive_cheapest(3, 0.5) is None
    assert not res.found and res.final is None and "no raid" in res.gap[0]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    k=st.integers(1, 2),
    ps=st.tuples(st.floats(0.05, 0.95), st.floats(0.05, 0.95)).map(sorted),
)
def test_a_larger_p_never_gives_a_cheaper_raid(k: int, ps: list[float]) -> None:
    lo, hi = (cheapest_raid(SMALL, ARSENAL, k=k, p=p, settings=SETTINGS) for p in ps)
    if hi.found:
        assert lo.found and lo.final is not None and hi.final is not None
        assert lo.final.cost_usd <= hi.final.cost_usd


@settings(max_examples=200, deadline=None)
@given(
    threshold=st.integers(0, 40),
    top=st.integers(1, 40),
    start=st.integers(-5, 45),
)
def test_line_search_finds_the_first_passing_point(threshold: int, top: int, start: int) -> None:
    """On a monotone requirement the gallop + bisection returns exactly the first t that
    passes, from any warm start; None when even t_max fails."""
    space = RaidSpace(SMALL, ARSENAL)
    line = RaidLine(name="t", kind="fill", configs=((0, 0, 0), (0, 0, 0)), order=(1, 0)).with_t_max(
        space
    )
    t_max = min(top, line.t_max)
    line = RaidLine(name="t", kind="fill", configs=line.configs, order=(1, 0), t_max=t_max)
    asked: list[int] = []

    def passes(raid: RaidChoice) -> bool:
        t = sum(raid.counts)
        asked.append(t)
        return t >= threshold

    got = line_search(line, space, passes, start)
    want = max(threshold, 1) if max(threshold, 1) <= t_max else None
    assert got == want
    assert len(asked) <= 2 * (t_max + 2).bit_length() + 2


def test_cheapest_same_seed_same_answer() -> None:
    a = cheapest_raid(SMALL, ARSENAL, k=1, p=0.9, settings=SETTINGS).to_dict()
    b = cheapest_raid(SMALL, ARSENAL, k=1, p=0.9, settings=SETTINGS).to_dict()
    assert a == b


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


def test_duel_verdict_settles_and_finds_cycles() -> None:
    a, b, c = ("r1", (0,)), ("r2", (1,)), ("r1", (1,))
    assert duel_verdict([], a, improved=True) == (None, None)
    assert duel_verdict([a], a, improved=False) == ("settled", None)
    # a -> b -> a: the attacker's and defender's answers undo each other (2 rounds).
    assert duel_verdict([a, b], a, improved=True) == ("cycle", 2)
    assert duel_verdict([a, b, c], a, improved=True) == ("cycle", 3)
    assert duel_verdict([a, b], c, improved=True) == (None, None)


@settings(max_examples=40, deadline=None)
@given(
    weights=st.lists(st.floats(0.02, 0.6), min_size=6, max_size=6),
    p=st.floats(0.3, 0.95),
)
def test_descent_ends_at_a_passing_local_minimum(weights: list[float], p: float) -> None:
    """On a synthetic P (1 - prod (1 - w)^count, w by option and aim or launch area), the
    descent from the dearest passing raid with the worst aims ends at a passing raid no
    dearer than the start, where no single drop or swap passes and no single
    area/window/aim change raises P."""
    from shieldlab.attack.cheapest import _config_neighbours, _with_gene, descend

    space = RaidSpace(SMALL, ARSENAL)

    def prob(c: RaidChoice) -> float:
        (ns, _a, _w, ms), (nc, ac, _w2, _m2) = c.genes
        miss = (1 - weights[ms]) ** ns * (1 - weights[3 + ac]) ** nc
        return 1.0 - miss

    passing = [c for c in space.enumerate() if prob(c) >= p]
    if not passing:
        return
    full = max(passing, key=lambda c: (space.cost_usd(c), -prob(c), c.key()))
    d = descend(space, full, prob, p, ((0, 0, 0), (0, 0, 0)), max_evaluations=10_000)
    assert d.local_minimum
    end = d.end
    assert prob(end) >= p and d.end_p == prob(end)
    assert space.cost_usd(end) <= space.cost_usd(full)
    shapes = space.option_shapes()
    for i, (c, a, w, m) in enumerate(end.genes):
        if c > shapes[i][0]:
            fewer = _with_gene(space, end, i, c - 1, (a, w, m))
            assert fewer.empty or prob(fewer) < p  # no single drop passes
    # the one swap this space has: an SRBM (3 M USD) for one cruise missile (1.5 M USD)
    (ns, *_), (nc, *_) = end.genes
    if ns > 0 and nc < shapes[1][1]:
        cfg = (end.genes[1][1], end.genes[1][2], end.genes[1][3]) if nc else (0, 0, 0)
        swap = _with_gene(
            space, _with_gene(space, end, 0, ns - 1, end.genes[0][1:]), 1, nc + 1, cfg
        )
        assert prob(swap) < p
    for other in _config_neighbours(space, end):
        assert prob(other) <= prob(end)
