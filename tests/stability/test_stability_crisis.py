"""Crisis time (issue 18 item 6): warning, decision and C2 latency set the share of the
fixed force that launches under attack, which enters the first-strike exchange."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.cli.main import main
from shieldlab.stability import plots
from shieldlab.stability.crisis import CrisisTime, crisis_stability, crisis_study, launch_share
from shieldlab.stability.first_strike import (
    ExchangeSettings,
    SideForces,
    exchange_settings,
    first_strike_stability,
    posture_stability,
)
from shieldlab.stability.posture import builtin_posture

P = builtin_posture()


def _forces() -> tuple[SideForces, SideForces]:
    return SideForces.from_posture(P.blue), SideForces.from_posture(P.red)


def test_launch_share_by_hand() -> None:
    # Window W - D - C; launchers away uniformly between t_min and t_max after the order.
    t = CrisisTime(warning_s=600, decision_s=300, c2_s=120, launch_min_s=60, launch_max_s=600)
    assert t.window_s == 180
    assert launch_share(t) == pytest.approx(0.9 * (180 - 60) / (600 - 60))  # 0.2
    assert replace(t, warning_s=400).launch_share == 0.0  # window -20 s
    assert replace(t, warning_s=480).launch_share == 0.0  # window = t_min: none away yet
    assert replace(t, warning_s=1020).launch_share == pytest.approx(0.9)  # window = t_max
    assert replace(t, warning_s=1e5, max_share=1.0).launch_share == 1.0
    step = replace(t, launch_min_s=100, launch_max_s=100)
    assert replace(step, warning_s=519).launch_share == 0.0
    assert replace(step, warning_s=520).launch_share == 0.9
    with pytest.raises(ValueError, match="launch_max_s"):
        CrisisTime(launch_min_s=10, launch_max_s=5)
    with pytest.raises(ValueError, match="warning_s"):
        CrisisTime(warning_s=float("nan"))


def test_no_time_is_no_launch_under_attack_and_ample_time_is_kent_thaler_u() -> None:
    short = CrisisTime(warning_s=0.0)
    long = CrisisTime(warning_s=3600.0)
    # No window: u = 0, the posture's own (linear) exchange: index 0.743.
    none = crisis_stability(P, short, short)
    assert none.blue_launch_share == none.red_launch_share == 0.0
    assert none.index == pytest.approx(posture_stability(P).index)
    assert none.index == pytest.approx(0.7431, abs=5e-5)
    # Ample warning: u = max_share = 0.9, as the exchange with launch_under_attack 0.9.
    full = crisis_stability(P, long, long)
    ref = first_strike_stability(
        *_forces(), rules=replace(exchange_settings(P), launch_under_attack=0.9)
    )
    assert full.index == pytest.approx(ref.index)
    assert full.blue_cost_first == pytest.approx(ref.blue_cost_first)
    # And under Kent & Thaler's preset (e 0.75, g 0.9, u 0.9) the same holds.
    kt = ExchangeSettings.kent_thaler()
    got = crisis_stability(P, long, long, rules=kt)
    assert got.index == pytest.approx(first_strike_stability(*_forces(), rules=kt).index)


def test_only_the_victims_time_line_enters_its_exchange() -> None:
    base = CrisisTime(warning_s=3600.0)
    a = crisis_stability(P, base, base)
    b = crisis_stability(P, base, replace(base, warning_s=0.0))  # Red has no warning
    # Blue striking first meets Red's time line; Red striking first meets Blue's.
    assert b.red_cost_first == a.red_cost_first and b.blue_cost_second == a.blue_cost_second
    assert (
        b.blue_strikes_first.victim_surviving_launchers
        < a.blue_strikes_first.victim_surviving_launchers
    )
    assert b.blue_cost_first < a.blue_cost_first  # striking a side that cannot launch is cheaper


@settings(max_examples=40, deadline=None)
@given(
    w1=st.floats(0, 3000),
    w2=st.floats(0, 3000),
    decision=st.floats(0, 600),
    spread=st.floats(0, 900),
)
def test_more_victim_warning_never_makes_striking_first_cheaper(
    w1: float, w2: float, decision: float, spread: float
) -> None:
    lo, hi = sorted((w1, w2))
    t = CrisisTime(decision_s=decision, launch_min_s=30, launch_max_s=30 + spread)
    blue = replace(t, warning_s=1500.0)
    early = crisis_stability(P, blue, replace(t, warning_s=lo))
    late = crisis_stability(P, blue, replace(t, warning_s=hi))
    assert late.red_launch_share >= early.red_launch_share
    # More of Red's fixed force launches: Blue's best first strike can only cost it more.
    assert late.blue_cost_first >= early.blue_cost_first - 1e-9
    assert 0.0 <= early.index <= 1.0 and 0.0 <= late.index <= 1.0


def test_study_sweep_holds_each_sides_warning_and_reaches_past_full_launch() -> None:
    blue, red = CrisisTime(warning_s=700.0), CrisisTime(warning_s=1100.0)
    s = crisis_study(P, blue, red, steps=5)
    assert 700.0 in s.warning_s and 1100.0 in s.warning_s
    assert s.warning_s[-1] >= 300 + 120 + 600  # past the time every launcher is away
    for side, t in (("blue", blue), ("red", red)):
        i = int(np.flatnonzero(s.warning_s == t.warning_s)[0])
        assert s.sweep[side][i] == pytest.approx(s.result.index)
    j = int(np.flatnonzero(s.warning_s == 700.0)[0])
    same = crisis_stability(P, blue, replace(red, warning_s=700.0)).index
    assert s.sweep["both"][j] == pytest.approx(same)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(["stability", "crisis", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_table_and_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    got: dict[str, Any] = {}

    def record(directory: Any, name: str, mpl_fig: Any, plotly_fig: Any) -> list[Path]:
        got[name] = (mpl_fig, plotly_fig)
        return [Path(directory) / f"{name}.png"]

    monkeypatch.setattr(plots, "write_figure_pair", record)
    code, out, _ = _run(
        capsys, "--json", "--red-warning", "600", "--steps", "5", "--plot", str(tmp_path)
    )
    assert code == 0
    d = json.loads(out)
    assert d["result"]["red_launch_share"] == pytest.approx(0.2)
    assert d["result"]["blue_launch_share"] == pytest.approx(0.9)
    _, pfig = got["crisis"]
    for side, minutes in (("Blue", 25.0), ("Red", 10.0)):
        curve = next(t for t in pfig.data if t.name == f"{side}'s warning only")
        mark = next(t for t in pfig.data if t.name.startswith(f"{side} now"))
        xs = [round(x, 9) for x in curve.x]
        assert mark.x[0] == pytest.approx(minutes) and round(mark.x[0], 9) in xs
        assert curve.y[xs.index(round(mark.x[0], 9))] == pytest.approx(mark.y[0])
    code, out, _ = _run(capsys, "--steps", "3")
    assert code == 0 and "stability index (product of the ratios, range [0, 1]): 1.0000" in out


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--c2", "-1"], "--c2"),
        (["--blue-warning", "-5"], "--blue-warning"),
        (["--launch-min", "90", "--launch-max", "60"], "--launch-max"),
        (["--max-share", "1.5"], "--max-share"),
        (["--steps", "1"], "--steps"),
        (["--max-warning", "0"], "--max-warning"),
    ],
)
def test_cli_bad_options_exit_2(
    args: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, *args)
    assert code == 2 and out == "" and f"option {option}:" in err and err.count("\n") == 1


def test_built_in_posture_numbers_in_the_docs() -> None:
    # docs/stability.md "Crisis time": same time line for both sides, linear preset.
    def index(minutes: float) -> float:
        t = CrisisTime(warning_s=60.0 * minutes)
        return crisis_stability(P, t, t).index

    assert index(8) == pytest.approx(0.7431, abs=5e-5)
    assert index(9) == pytest.approx(0.9377, abs=5e-5)
    assert index(10) == pytest.approx(0.4564, abs=5e-5)
    assert index(15) == pytest.approx(0.9653, abs=5e-5)
    assert index(16) == index(25) == 1.0
    # At 10 minutes Blue's best first strike leaves Red's launchers alone.
    t = CrisisTime(warning_s=600.0)
    assert crisis_stability(P, t, t).blue_strikes_first.counterforce_warheads == 0.0
