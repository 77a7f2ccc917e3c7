"""`shieldlab check` logic: exact agreement on degenerate scenarios, bounds elsewhere."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.analytic import crosscheck as cc
from shieldlab.cli import main as cli_main
from shieldlab.montecarlo import simulate
from shieldlab.scenario import Scenario, builtin_scenario

REPS = 4096


def _variant(sc: Scenario, **launcher: Any) -> Scenario:
    bats = [b.model_dump() for b in sc.batteries]
    bats[0]["launchers"][0].update(launcher)
    return sc.replace(batteries=bats)


def _with_sspk(sc: Scenario, p: float) -> Scenario:
    its = [it.model_dump() for it in sc.interceptor_types]
    its[0]["sspk"] = {k: p for k in its[0]["sspk"]}
    return sc.replace(interceptor_types=its)


def test_closed_form_values_of_the_degenerate_scenario() -> None:
    # Wilkening (1999) arithmetic by hand: p = 0.6, n = 2 -> Pk = 0.84; N = 16:
    # E[leakers] = 16 * 0.16 = 2.56, P(no leaker) = 0.84^16, 32 interceptors.
    cf = cc.closed_form_for(builtin_scenario("closed-form"))
    assert cf.p_shot == 0.6 and cf.shots_per_threat == 2 and cf.inventory == 200
    assert cf.p_kill_per_threat == pytest.approx(0.84)
    assert cf.expected_leakers == pytest.approx(2.56)
    assert cf.p_zero_leakers == pytest.approx(0.84**16)
    assert cf.expected_shots == 32
    # With ample rounds the best case equals the nominal form.
    assert cf.bound_expected_leakers == pytest.approx(2.56)


def test_exact_agreement_on_the_degenerate_scenario() -> None:
    rep = cc.check(builtin_scenario("closed-form"), replications=REPS, seed=11)
    assert rep.exact and rep.why == ()
    assert [r.relation for r in rep.rows] == ["equal"] * 4
    assert rep.agree, rep.to_dict()


def test_exact_agreement_with_a_binding_inventory() -> None:
    # One launcher of 20 rounds, 2 per threat: floor(20/2) = 10 of 16 threats engaged,
    # 6 leak for sure: E[leakers] = 10 * 0.16 + 6 = 7.6, P(no leaker) = 0.
    sc = _variant(builtin_scenario("closed-form"), count=1)
    cf = cc.closed_form_for(sc)
    assert cf.threats_engaged == 10 and cf.expected_leakers == pytest.approx(7.6)
    assert cf.p_zero_leakers == 0.0
    rep = cc.check(sc, replications=REPS, seed=3)
    assert rep.exact, rep.why
    assert rep.agree, rep.to_dict()


def test_disagreement_is_reported() -> None:
    # The Monte Carlo of SSPK 0.6 judged against the closed form of SSPK 0.9: 2.56 leakers
    # against 16 * 0.01 = 0.16 must be flagged.
    sc = builtin_scenario("closed-form")
    res = simulate(sc, replications=REPS, seed=5)
    rep = cc.compare(_with_sspk(sc, 0.9), res)
    assert rep.exact
    assert not rep.agree
    bad = {r.quantity for r in rep.rows if r.agree is False}
    assert {"p_kill_per_threat", "expected_leakers", "p_zero_leakers"} <= bad


def test_bound_scenario_says_why_and_which_way() -> None:
    rep = cc.check(builtin_scenario("single-battery"), replications=2048, seed=2)
    assert not rep.exact
    assert any("kill probabilities per shot" in w for w in rep.why)
    rel = {r.quantity: r.relation for r in rep.rows}
    assert rel["expected_leakers"] == "engine >= closed"
    assert rel["p_kill_per_threat"] == "engine <= closed"
    assert rel["p_zero_leakers"] == "engine <= closed"
    assert rel["interceptors_fired"] == "reference"
    assert rep.agree


def _radars_blind_below(sc: Scenario, min_elevation_deg: float) -> Scenario:
    batteries = []
    for b in sc.model_dump()["batteries"]:
        for r in b["radars"]:
            r["min_elevation_deg"] = min_elevation_deg
        batteries.append(b)
    return sc.replace(batteries=batteries)


def test_bound_holds_when_detection_limits_the_engine() -> None:
    # Four batteries whose radars cannot look below 0.5 deg: low fliers are never seen and
    # never engaged; the best case must stay below the engine's leakers (and the report
    # must name the engagement shortfall).
    sc = _radars_blind_below(builtin_scenario("four-batteries"), 0.5)
    rep = cc.check(sc, replications=1024, seed=0)
    assert not rep.exact
    assert any("engaged" in w for w in rep.why)
    assert any("decoys" in w for w in rep.why)
    assert rep.agree


def test_even_split_bound_hand_values() -> None:
    # 5 rounds over 2 targets, cap 4, p = 0.5: split 3 + 2 -> kills 0.875 + 0.75;
    # P(both) = 0.875 * 0.75.
    kills, p_all = cc._even_split_kill(5, 2, 4, 0.5)
    assert kills == pytest.approx(1.625) and p_all == pytest.approx(0.65625)
    # The cap binds: 100 rounds, 2 targets, cap 2 -> 2 shots each.
    kills, _ = cc._even_split_kill(100, 2, 2, 0.5)
    assert kills == pytest.approx(1.5)
    # An even split beats the salvo doctrine (2 + 2 + 1 vs 2 + 2 + 0 on 3 targets).
    kills_even, _ = cc._even_split_kill(5, 3, 2, 0.6)
    assert kills_even > 2 * 0.84


def test_report_json_shape() -> None:
    sc = builtin_scenario("closed-form")
    rep = cc.compare(sc, simulate(sc, replications=512, seed=0))
    d = rep.to_dict()
    assert set(d) == {
        "scenario", "replications", "seed", "confidence", "closed_form_is", "why_bound",
        "agree", "rows", "doctrine", "leakers_ratio_to_closed_form", "references",
    }  # fmt: skip
    assert d["closed_form_is"] == "exact" and d["confidence"] == 0.99
    assert d["rows"][0]["monte_carlo"]["interval"][0] <= d["rows"][0]["monte_carlo"]["mean"]


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        cli_main.main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_check_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(["check", "closed-form", "-n", "2048", "--seed", "1", "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["agree"] is True and d["closed_form_is"] == "exact"
    assert d["rows"][1]["quantity"] == "expected_leakers"
    assert d["rows"][1]["closed_form"] == pytest.approx(2.56)


def test_cli_check_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(["check", "closed-form", "-n", "1024"], capsys)
    assert code == 0
    assert "closed form is exact" in out and "AGREE" in out


@pytest.mark.parametrize(
    "args,needle",
    [
        (["check", "closed-form", "-n", "0"], "--replications"),
        (["check", "closed-form", "--seed", "-1"], "--seed"),
        (["check", "no-such-scenario"], "no-such-scenario"),
    ],
)
def test_cli_check_bad_input_exits_2(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(args, capsys)
    assert code == 2 and out == ""
    assert needle in err and "Traceback" not in err


def test_cli_check_disagreement_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = cc.check

    def skewed(scenario: Scenario, **kw: Any) -> cc.CheckReport:
        rep = real(scenario, **kw)
        rows = tuple(dataclasses.replace(r, agree=False) for r in rep.rows)
        return dataclasses.replace(rep, rows=rows)

    monkeypatch.setattr(cc, "check", skewed)
    code, out, _ = _cli(["check", "closed-form", "-n", "256"], capsys)
    assert code == 3 and "DISAGREE" in out


def _doctrine(sc: Scenario, **changes: Any) -> Scenario:
    d = sc.doctrine.model_dump()
    d.update(changes)
    return sc.replace(doctrine=d)


def test_two_salvos_without_look_is_exact() -> None:
    # Two salvos of 2 fired without assessment: n = 4, Pk = 1 - 0.4^4 = 0.9744,
    # E[leakers] = 16 * 0.0256 = 0.4096, 64 interceptors.
    sc = _doctrine(builtin_scenario("closed-form"), max_engagements_per_threat=2)
    cf = cc.closed_form_for(sc)
    assert cf.expected_leakers == pytest.approx(0.4096) and cf.expected_shots == 64
    rep = cc.check(sc, replications=REPS, seed=4)
    assert rep.exact and rep.agree, rep.to_dict()


def test_shoot_look_shoot_is_a_bound_unless_one_engagement() -> None:
    base = builtin_scenario("closed-form")
    one = cc.check(_doctrine(base, shoot_look_shoot=True), replications=1024, seed=0)
    assert one.exact and one.agree
    # Two stages: expected shots 2 * (1 + 0.16) = 2.32 per threat -> 37.12 for 16.
    two_sc = _doctrine(base, shoot_look_shoot=True, max_engagements_per_threat=2)
    assert cc.closed_form_for(two_sc).expected_shots == pytest.approx(37.12)
    two = cc.check(two_sc, replications=1024, seed=0)
    assert not two.exact and any("shoot-look-shoot" in w for w in two.why)
    assert two.agree


def test_adaptive_best_case_hand_values() -> None:
    # 2 threats, 3 rounds, p = 0.5, at most 2 shots each. Looking after each shot: one
    # shot each (1 kill expected), then the third at a survivor (P 3/4) kills with 1/2:
    # 1 + 3/8 = 1.375; all killed: both first shots hit (1/4), or one does and the third
    # shot hits (1/2 * 1/2): 1/2. The best fixed spread (2 + 1 shots) gives only 1.25 and
    # 0.375, so with shoot-look-shoot the even spread is no bound.
    assert cc._adaptive_best_kill(3, 2, 2, 0.5) == pytest.approx((1.375, 0.5))
    assert cc._even_split_kill(3, 2, 2, 0.5) == pytest.approx((1.25, 0.375))
    # Ample rounds: every threat gets its cap, N (1 - (1-p)^cap) and (1 - (1-p)^cap)^N.
    assert cc._adaptive_best_kill(1000, 16, 2, 0.6) == pytest.approx((16 * 0.84, 0.84**16))
    # Fewer rounds than threats: not all can die.
    assert cc._adaptive_best_kill(5, 6, 3, 0.9)[1] == 0.0


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(0, 120), st.integers(1, 4), st.floats(0.0, 1.0))
def test_adaptive_best_case_dominates_every_fixed_spread(
    n: int, rounds: int, cap: int, p: float
) -> None:
    # The best doctrine that looks can always do what the best fixed spread does.
    kills, p_all = cc._adaptive_best_kill(rounds, n, cap, p)
    kills_even, p_all_even = cc._even_split_kill(rounds, n, cap, p)
    assert kills >= kills_even - 1e-9 and p_all >= p_all_even - 1e-12
    assert kills <= min(n * (1 - (1 - p) ** cap), rounds * p) + 1e-9


def test_shoot_look_shoot_with_spare_rounds_stays_within_the_bound() -> None:
    # 24 single-shot rounds for 16 threats, two looks each: the engine re-engages
    # survivors with the 8 spare rounds and leaks about 2.73 -- below the best fixed
    # spread's 4.48, which `check` once reported as a disagreement. The adaptive best
    # case (2.70 leakers) bounds it.
    sc = builtin_scenario("closed-form")
    bats = [b.model_dump() for b in sc.batteries]
    bats[0]["launchers"][0]["count"] = 1
    bats[0]["launchers"][0]["loadout"][0]["rounds"] = 24
    sc = _doctrine(
        sc.replace(batteries=bats),
        salvo_size=1,
        max_engagements_per_threat=2,
        shoot_look_shoot=True,
    )
    assert cc._even_split_kill(24, 16, 2, 0.6)[0] == pytest.approx(16 - 4.48)
    rep = cc.check(sc, replications=2048, seed=0)
    assert not rep.exact
    assert rep.agree, rep.to_dict()


def test_check_reports_the_ratio_and_a_doctrine_loss(capsys: pytest.CaptureFixture[str]) -> None:
    """single-battery run with time_to_impact: the bound ratio is printed, and the layered
    reference on the same replications leaks significantly less (a visible doctrine loss);
    the paired difference equals the difference of the two runs' means."""
    sc = _doctrine(builtin_scenario("single-battery"), engagement_priority="time_to_impact")
    rep = cc.check(sc, replications=1024, seed=0)
    row = next(r for r in rep.rows if r.quantity == "expected_leakers")
    assert rep.leakers_ratio == pytest.approx(row.mc_mean / row.closed_form)
    assert rep.leakers_ratio > 2.0 and not rep.exact and rep.why
    refs = {r.doctrine: r for r in rep.references}
    assert set(refs) == {"layered", "asset_value"}
    layered = refs["layered"]
    assert layered.loss and rep.doctrine_losses[0].doctrine == "layered"
    assert layered.difference == pytest.approx(layered.leakers - row.mc_mean, abs=1e-12)
    assert layered.ratio == pytest.approx(layered.leakers / row.closed_form)
    assert layered.ratio < 1.25  # the default reaches the bound here
    d = rep.to_dict()
    assert d["references"][0]["doctrine_loss"] in (True, False)
    code, out, _ = _cli(["check", "single-battery", "-n", "512", "--seed", "0"], capsys)
    assert code == 0 and "leakers / best-case bound" in out and "asset_value" in out


def test_no_loss_when_the_doctrine_is_the_best() -> None:
    rep = cc.check(builtin_scenario("closed-form"), replications=512, seed=0)
    assert rep.exact and rep.references and not rep.doctrine_losses
    assert all(r.difference == 0.0 for r in rep.references)  # one layer: rules coincide
