"""The stability figures carry what their titles promise: inspect the figure objects.

Each ``--plot`` command is run through the CLI with ``write_figure_pair`` replaced by a
recorder, so the tests see the very matplotlib and plotly figures the command built, and
check them against numbers computed independently (closed-form saturation raid, the
restore answer from ``--json``, the posture's forces).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("plotly")
pytest.importorskip("matplotlib")

from shieldlab._palette import SIDE_COLOURS
from shieldlab.cli.main import main
from shieldlab.stability import plots
from shieldlab.stability.penetration import (
    DefenceModel,
    saturation_raid_closed_form,
)
from shieldlab.stability.posture import builtin_posture


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = 0
    try:
        main(["stability", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, _ = capsys.readouterr()
    return code, out


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[Any, Any]]:
    """Figures the next command writes, by name, instead of files."""
    got: dict[str, tuple[Any, Any]] = {}

    def record(directory: Any, name: str, mpl_fig: Any, plotly_fig: Any) -> list[Path]:
        got[name] = (mpl_fig, plotly_fig)
        return [Path(directory) / f"{name}.png", Path(directory) / f"{name}.html"]

    monkeypatch.setattr(plots, "write_figure_pair", record)
    return got


def _shapes(pfig: Any, kind: str, ref: str) -> list[Any]:
    """Vertical (kind 'v') or horizontal ('h') line shapes on axis ``ref`` ('x', 'y2'...)."""
    out = []
    for s in pfig.layout.shapes:
        if kind == "v" and s.x0 == s.x1 and s.xref == ref:
            out.append(s)
        if kind == "h" and s.y0 == s.y1 and s.yref == ref:
            out.append(s)
    return out


def _axis_titles(pfig: Any) -> dict[str, str]:
    lay = pfig.layout
    names = [k for k in lay.to_plotly_json() if re.fullmatch(r"[xy]axis\d*", k)]
    return {k: (lay[k].title.text or "") for k in names}


def _assert_titled(mpl_fig: Any, pfig: Any) -> None:
    titles = _axis_titles(pfig)
    assert titles and all(titles.values()), titles
    assert pfig.layout.title.text
    for ax in mpl_fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title(), ax


def _trace_colour(t: Any) -> str | None:
    return t.line.color if t.mode != "markers" else t.marker.color


def _assert_side_colours(pfig: Any) -> None:
    """Every trace named after a side has that side's colour, and both sides appear."""
    seen = set()
    for t in pfig.data:
        for side, colour in SIDE_COLOURS.items():
            if t.name and t.name.startswith(side.capitalize()):
                assert _trace_colour(t) == colour, (t.name, _trace_colour(t))
                seen.add(side)
    assert seen == {"blue", "red"}


def test_restore_figure_has_saturation_requirement_answer_and_current_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: dict[str, Any]
) -> None:
    code, out = run(capsys, "restore", "--json", "--plot", str(tmp_path))
    assert code == 0
    answers = {r["attacker"]: r for r in json.loads(out)["results"]}
    mpl_fig, pfig = figures["restore"]
    _assert_titled(mpl_fig, pfig)
    _assert_side_colours(pfig)
    assert pfig.layout.showlegend is not False
    p = builtin_posture()
    ann = " | ".join(a.text for a in pfig.layout.annotations)
    left_vertical = {s.x0 for s in _shapes(pfig, "v", "x")}
    right_vertical = {s.x0 for s in _shapes(pfig, "v", "x2")}
    for side, other in (("blue", "red"), ("red", "blue")):
        a = p.side(side)
        w = a.offence.warheads_per_launcher
        sat = saturation_raid_closed_form(DefenceModel.from_posture(p.side(other).defence), w)
        need = answers[side]["missiles_with_defence"]
        assert sat in left_vertical, (side, sat, left_vertical)  # the saturation line
        assert need in left_vertical and need in right_vertical  # the restore answer
        assert f"{side.capitalize()} saturation: {sat}" in ann
        assert f"{side.capitalize()} needs {need} missiles" in ann
        k = a.deterrence.warheads
        assert k in {s.y0 for s in _shapes(pfig, "h", "y")}  # requirement K on E panel
        assert a.deterrence.probability in {s.y0 for s in _shapes(pfig, "h", "y2")}
        current = [
            t
            for t in pfig.data
            if t.name and "current force" in t.name and t.name.startswith(side.capitalize())
        ]
        assert current and current[0].x[0] == a.offence.launchers
        # matplotlib draws the same vertical lines.
        ax_e = mpl_fig.axes[0]
        xs = {ln.get_xdata()[0] for ln in ax_e.get_lines() if len(set(ln.get_xdata())) == 1}
        assert sat in xs and need in xs


def test_penetration_html_keeps_k_line_and_axis_titles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: dict[str, Any]
) -> None:
    code, _ = run(capsys, "penetration", "--plot", str(tmp_path))
    assert code == 0
    mpl_fig, pfig = figures["penetration"]
    _assert_titled(mpl_fig, pfig)
    k = builtin_posture().blue.deterrence.warheads
    assert k in {s.y0 for s in _shapes(pfig, "h", "y")}
    assert any("requirement K" in a.text for a in pfig.layout.annotations)


def test_first_strike_marks_the_current_posture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: dict[str, Any]
) -> None:
    code, out = run(capsys, "first-strike", "--json", "--plot", str(tmp_path))
    assert code == 0
    index = json.loads(out)["result"]["index"]
    mpl_fig, pfig = figures["first_strike"]
    _assert_titled(mpl_fig, pfig)
    _assert_side_colours(pfig)
    p = builtin_posture()
    for side in ("blue", "red"):
        mark = [t for t in pfig.data if t.name.startswith(f"{side.capitalize()} current")]
        assert len(mark) == 1
        assert mark[0].x[0] == p.side(side).defence.interceptors
        assert mark[0].y[0] == pytest.approx(index)


def test_race_colours_legend_and_titles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: dict[str, Any]
) -> None:
    code, _ = run(capsys, "race", "--plot", str(tmp_path))
    assert code == 0
    mpl_fig, pfig = figures["race"]
    _assert_titled(mpl_fig, pfig)
    _assert_side_colours(pfig)
    names = [t.name for t in pfig.data]
    assert "Richardson x (Blue)" in names and "Richardson y (Red)" in names
    assert "cumulative spending (million USD)" in _axis_titles(pfig).values()
    for ax in mpl_fig.axes:
        assert ax.get_legend() is not None


def test_restraint_map_says_why_each_cell_is_unstable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: dict[str, Any]
) -> None:
    args = ["--x-values", "0:900:100", "--y-values", "50:1000:150", "--threshold", "0.9"]
    code, out = run(capsys, "restraint", "--json", "--plot", str(tmp_path), *args)
    assert code == 0
    m = {k: np.asarray(v) for k, v in json.loads(out)["map"].items() if isinstance(v, list)}
    mpl_fig, pfig = figures["restraint"]
    _assert_titled(mpl_fig, pfig)
    heat = next(t for t in pfig.data if t.type == "heatmap")
    text = np.asarray(heat.text)
    unstable = ~m["stable"]
    assert unstable.any() and m["stable"].any()  # the check below sees both kinds
    checks = {
        "race does not settle": ~m["race_converged"],
        "Blue not deterred": ~m["blue_deterred"],
        "Red not deterred": ~m["red_deterred"],
        "index below threshold": m["stability_index"] < 0.9,
    }
    for iy, ix in np.ndindex(text.shape):
        cell = str(text[iy, ix])
        assert cell.startswith("stable") == bool(m["stable"][iy, ix]), cell
        for reason, bad in checks.items():
            assert (reason in cell) == bool(bad[iy, ix]), (iy, ix, cell)
    # One marker trace per failing condition, placed on exactly the failing cells.
    for reason, bad in checks.items():
        tr = [t for t in pfig.data if t.name == reason]
        assert len(tr) == int(bad.any())
        if tr:
            yy, xx = np.nonzero(bad)
            assert sorted(zip(tr[0].x, tr[0].y, strict=True)) == sorted(
                zip(m["x_values"][xx], m["y_values"][yy], strict=True)
            )
    p = builtin_posture()
    for side in ("blue", "red"):
        mark = [t for t in pfig.data if t.name.startswith(f"{side.capitalize()} current")]
        assert len(mark) == 1 and mark[0].marker.color == SIDE_COLOURS[side]
        assert mark[0].x[0] == p.side(side).defence.interceptors
        assert mark[0].y[0] == p.side(side).offence.launchers
    labels = [t.get_label() for t in mpl_fig.axes[0].collections]
    assert any("not deterred" in lab or "below" in lab for lab in labels)


def test_cli_tables_show_money_with_units_and_no_raw_booleans(
    capsys: pytest.CaptureFixture[str],
) -> None:
    outs = []
    for args in (
        ["restore"],
        ["race"],
        ["first-strike", "--steps", "3"],
        [
            "restraint",
            "--x-values",
            "0,200",
            "--y-values",
            "100,400",
            "--at",
            "interceptors=100,launchers=300",
        ],
    ):
        code, out = run(capsys, *args)
        assert code == 0
        outs.append(out)
        assert re.search(r"\b(True|False)\b", out) is None, out
    restore, race = outs[0], outs[1]
    # issue 18: the deterrence row names who is deterred by what
    assert "million USD" in restore and "red deterred by blue's current 200 missiles" in restore
    assert "USD" in race  # the spending columns say their unit
