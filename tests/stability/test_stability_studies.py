"""The library owns the studies: ``shieldlab.stability.studies`` gives the CLI's answers.

Each study function is checked against the lower-level functions it combines (computed
here independently), and its ``to_dict()`` against the CLI's ``--json`` output.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from shieldlab.cli.main import main
from shieldlab.stability.deterrence import restore_deterrence
from shieldlab.stability.first_strike import posture_stability, stability_vs_interceptors
from shieldlab.stability.penetration import (
    DefenceModel,
    closed_form_curve,
    saturation_raid_closed_form,
)
from shieldlab.stability.posture import builtin_posture
from shieldlab.stability.race import action_reaction
from shieldlab.stability.restraint import Caps, evaluate_caps
from shieldlab.stability.studies import (
    Table,
    first_strike_study,
    money,
    penetration_study,
    race_study,
    restore_study,
    restraint_axes,
    restraint_study,
)


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    try:
        main(["stability", *args, "--json"])
    except SystemExit as exc:
        assert not exc.code
    out, _ = capsys.readouterr()
    return dict(json.loads(out))


def _roundtrip(d: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(d, default=float)))


def test_penetration_study_is_the_closed_form_curve(capsys: pytest.CaptureFixture[str]) -> None:
    p = builtin_posture()
    st = penetration_study(p, "red", k=3)
    defence = DefenceModel.from_posture(p.blue.defence)
    w = p.red.offence.warheads_per_launcher
    sat = saturation_raid_closed_form(defence, w, 0.05)
    assert st.saturation_raid == st.saturation_raid_closed_form == sat
    ref = closed_form_curve(defence, np.arange(0, st.top + 1), warheads_per_missile=w, k=3)
    np.testing.assert_array_equal(st.curve.expected_penetrating, ref.expected_penetrating)
    np.testing.assert_array_equal(st.curve.p_at_least_k, ref.p_at_least_k)
    assert st.defender == "blue" and st.engine is None
    assert _roundtrip(st.to_dict()) == _cli_json(
        capsys, "penetration", "--attacker", "red", "--k", "3"
    )
    table, note = st.report()[:2]
    assert isinstance(table, Table) and table.columns[-1] == "P(>= 3)"
    assert table.rows[-1][0] == st.top  # the last raid size is always shown
    assert isinstance(note, str) and f": {sat} missiles" in note


def test_restore_study_is_restore_deterrence_per_side(capsys: pytest.CaptureFixture[str]) -> None:
    p = builtin_posture()
    st = restore_study(p, ["blue", "red"])
    assert [r.to_dict() for r in st.results] == [
        restore_deterrence(p, s).to_dict()  # type: ignore[arg-type]
        for s in ("blue", "red")
    ]
    assert _roundtrip(st.to_dict()) == _roundtrip(_cli_json(capsys, "restore"))
    rows = st.rows()
    blue = st.results[0]
    assert [
        f"  blue missiles needed against red's {blue.interceptors} interceptors",
        str(blue.missiles_with_defence),
    ] in rows


def test_first_strike_study_sweeps_each_side(capsys: pytest.CaptureFixture[str]) -> None:
    p = builtin_posture()
    st = first_strike_study(p, max_interceptors=256, steps=3)
    assert st.interceptors.tolist() == [0, 128, 256]
    assert st.result.index == posture_stability(p).index
    for side in ("blue", "red"):
        ref = stability_vs_interceptors(p, side, st.interceptors)  # type: ignore[arg-type]
        np.testing.assert_array_equal(st.sweep[side], ref)
    # Blue fields 128 interceptors now, Red 256: those sweep points are the posture itself.
    assert st.sweep["blue"][1] == pytest.approx(st.result.index)
    assert st.sweep["red"][2] == pytest.approx(st.result.index)
    got = _cli_json(capsys, "first-strike", "--max-interceptors", "256", "--steps", "3")
    assert _roundtrip(st.to_dict()) == got


def test_race_study_rows_are_cumulative_spending_in_millions() -> None:
    p = builtin_posture()
    st = race_study(p)
    ref = action_reaction(p)
    np.testing.assert_array_equal(st.result.blue_missiles, ref.blue_missiles)
    assert st.curve_source == "closed-form"
    assert st.richardson is not None  # the built-in posture gives Richardson's coefficients
    for row in st.rows():
        t = row[0]
        assert row[5] == pytest.approx(ref.blue_spending[: t + 1].sum() / 1e6)
        assert row[6] == pytest.approx(ref.red_spending[: t + 1].sum() / 1e6)
    assert st.rows()[-1][0] == ref.blue_missiles.size - 1
    notes = st.notes()
    # Richardson's block is labelled as its own model with its own units (issue 18).
    assert any(n.startswith("Richardson's model (a separate continuous model") for n in notes)
    assert any("own units, not the missiles and interceptors" in n for n in notes)
    # Gross spending and net acquisition are reported apart, in USD.
    sp = ref.spending("blue")
    line = next(n for n in notes if n.startswith("blue spending"))
    assert f"bought {money(sp['gross'])} (gross)" in line
    assert f"net acquisition {money(sp['net_acquisition'])}" in line
    # Red's missiles fall (150 -> 71): a plain note says the race shrinks them.
    assert "the race shrinks red's missiles: 150 -> 71" in " ".join(notes)
    assert notes[0].startswith("settled (alternating moves, adjustment speed 1) from period 20")
    assert st.report()[1:] == notes
    # Simultaneous moves: the table's notes never call the cycling forces settled.
    sim = race_study(p, moves="simultaneous", periods=60)
    assert sim.notes()[0].startswith("does NOT settle (simultaneous moves")
    assert sim.to_dict()["action_reaction"]["forces_basis"] == "cycle maximum"


def test_restraint_study_axes_and_detailed_cell() -> None:
    p = builtin_posture()
    rs = p.restraint
    assert rs is not None
    xc, xv, yc, yv, thr = restraint_axes(p)
    assert (xc, xv, yc, yv, thr) == (
        rs.x_cap,
        list(rs.x_values),
        rs.y_cap,
        list(rs.y_values),
        rs.stability_threshold,
    )
    # A cap the posture does not default gets the generic grid.
    assert restraint_axes(p, x_cap="warheads_per_launcher")[1] == list(range(0, 1000, 50))
    caps = Caps(interceptors=100, launchers=200)
    st = restraint_study(
        p,
        x_cap="interceptors",
        x_values=[0, 100],
        y_cap="launchers",
        y_values=[200],
        threshold=0.5,
        at=caps,
    )
    ref = evaluate_caps(p, caps, threshold=0.5)
    assert st.cell == ref
    assert st.map.stability_index[0, 1] == pytest.approx(ref.stability_index)
    d = st.to_dict()
    assert d["at"]["stable"] == ref.stable and "engine_simulations" not in d
    lines = [b for b in st.report() if isinstance(b, str)]
    assert lines[0].startswith("Stability index by cap (launchers down, interceptors across)")
    assert f"{int(st.map.stable.sum())} of 2 cap pairs stable" in lines[-5]
    assert lines[-4:] == st.map.condition_notes(p.labels)  # each condition, or "never binds"


def test_penetration_study_with_the_engine_draws_its_band(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("plotly")
    pytest.importorskip("matplotlib")
    from shieldlab.stability import plots
    from shieldlab.stability.engine_curves import engine_curve, load_engine_scenario

    scenario = load_engine_scenario("closed-form")
    st = penetration_study(
        builtin_posture(), "blue", engine=scenario, raid_sizes=[4, 8, 16], replications=40
    )
    assert st.engine is not None
    ref = engine_curve(scenario, [4, 8, 16], k=st.curve.k, replications=40, seed=0)
    np.testing.assert_array_equal(st.engine.curve.expected_penetrating, ref.expected_penetrating)
    got: dict[str, Any] = {}

    def record(directory: Any, name: str, mpl_fig: Any, plotly_fig: Any) -> list[Any]:
        got[name] = plotly_fig
        return []

    monkeypatch.setattr(plots, "write_figure_pair", record)
    st.write_figures(tmp_path)
    pfig = got["penetration_engine"]
    assert pfig.layout.xaxis.title.text == "raid size (threats)"
    assert len([t for t in pfig.data if t.fill == "toself"]) == 2
    assert any(t.mode == "lines+markers" for t in pfig.data)
