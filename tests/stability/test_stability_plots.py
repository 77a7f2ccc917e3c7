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
    closed_form_curve,
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
        "Blue's deterrent fails": ~m["blue_deterrent_holds"],
        "Red's deterrent fails": ~m["red_deterrent_holds"],
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
    assert any("deterrent fails" in lab or "below" in lab for lab in labels)


def test_cli_tables_show_money_with_units_and_no_raw_booleans(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # wide enough that no label cell wraps (rich splits a wrapped label around its value)
    monkeypatch.setenv("COLUMNS", "250")
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


# -- issue 18, item 8 -----------------------------------------------------------------------


def _named_posture_file(tmp_path: Path) -> Path:
    import yaml
    from posture_builders import posture_dict

    d = posture_dict()
    d["blue"]["name"] = "Northland"
    d["red"]["name"] = "Southland"
    d["red"]["offence"]["launchers"] = 140
    f = tmp_path / "named.yaml"
    f.write_text(yaml.safe_dump(d, sort_keys=False))
    return f


def _texts(pfig: Any) -> list[str]:
    """Every trace name and annotation of a plotly figure."""
    names = [str(t.name) for t in pfig.data if t.name]
    return names + [str(a.text) for a in pfig.layout.annotations]


def test_penetration_curve_reaches_past_the_current_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: dict[str, Any]
) -> None:
    # Red's 150 missiles: the default curve stopped at 64 and the marker sat at the curve's
    # last value (79.6) instead of the model's value at 150.
    p = builtin_posture()
    defence = DefenceModel.from_posture(p.blue.defence)
    w, k = p.red.offence.warheads_per_launcher, p.red.deterrence.warheads
    ref = closed_form_curve(defence, np.arange(0, 151), warheads_per_missile=w, k=k)
    for extra in ([], ["--max-raid", "20"]):
        code, out = run(
            capsys, "penetration", "--attacker", "red", "--json", "--plot", str(tmp_path), *extra
        )
        assert code == 0
        _, pfig = figures["penetration"]
        curve = next(t for t in pfig.data if t.name == "Red vs Blue")
        assert max(curve.x) > p.red.offence.launchers
        mark = next(t for t in pfig.data if "current force" in t.name)
        assert mark.x[0] == 150
        assert mark.y[0] == pytest.approx(ref.expected_penetrating[150])
        if not extra:  # the JSON curve (default range) covers the force too
            assert json.loads(out)["curve"]["raid_missiles"][-1] > 150


def test_a_mark_beyond_the_curve_is_refused() -> None:
    p = builtin_posture()
    cv = closed_form_curve(
        DefenceModel.from_posture(p.blue.defence), np.arange(0, 65), warheads_per_missile=1, k=40
    )
    with pytest.raises(ValueError, match="outside the curve"):
        plots.penetration_plot(
            [plots.CurveSpec(curve=cv, label="x", side="red", current=150)], title="t"
        )


@pytest.mark.parametrize(
    ("cmd", "name"),
    [
        ("restore", "restore"),
        ("race", "race"),
        ("first-strike", "first_strike"),
        ("restraint", "restraint"),
    ],
)
def test_figures_use_the_posture_side_names(
    cmd: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: dict[str, Any]
) -> None:
    f = _named_posture_file(tmp_path)
    extra = ["--x-values", "0,50", "--y-values", "20,100"] if cmd == "restraint" else []
    code, _ = run(capsys, cmd, str(f), "--plot", str(tmp_path), *extra)
    assert code == 0
    mpl_fig, pfig = figures[name]
    texts = _texts(pfig)
    assert any("Northland" in t for t in texts) and any("Southland" in t for t in texts), texts
    assert not [t for t in texts if re.search(r"\b(Blue|Red)\b", t)], texts
    mpl_texts = [
        t.get_text() for ax in mpl_fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()
    ]
    mpl_texts += [t.get_text() for lg in mpl_fig.legends for t in lg.get_texts()]
    assert mpl_texts and not [t for t in mpl_texts if re.search(r"\b(Blue|Red)\b", t)], mpl_texts


def _overlaps(a: Any, b: Any) -> bool:
    return bool(a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1)


def test_restore_labels_do_not_overlap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: dict[str, Any]
) -> None:
    code, _ = run(capsys, "restore", "--plot", str(tmp_path))
    assert code == 0
    mpl_fig, pfig = figures["restore"]
    renderer = mpl_fig.canvas.get_renderer()
    mpl_fig.draw(renderer)
    for ax in mpl_fig.axes:
        # No label on the plotting area (where it covered curves and other labels) ...
        assert len(ax.texts) == 0, [t.get_text() for t in ax.texts]
        # ... every reference line is named in a legend outside it.
        legend = ax.get_legend()
        assert legend is not None
        assert not _overlaps(legend.get_window_extent(renderer), ax.get_window_extent(renderer))
    labels = [t for ax in mpl_fig.axes for t in ax.get_legend().get_texts()]
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlaps(a, b)
    assert any("needs 171 missiles" in t.get_text() for t in labels)  # detected-only
    # HTML: labels of the same kind for the two sides are placed apart.
    for kind in ("saturation:", "needs "):
        ann = [a for a in pfig.layout.annotations if kind in a.text]
        assert len(ann) == 2
        assert (ann[0].yshift, ann[0].xanchor) != (ann[1].yshift, ann[1].xanchor)


def test_html_figures_share_one_plotlyjs_per_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for cmd in ("penetration", "restore", "race", "first-strike"):
        assert run(capsys, cmd, "--plot", str(tmp_path))[0] == 0
    js = list(tmp_path.glob("*.js"))
    assert [p.name for p in js] == ["plotly.min.js"]
    assert js[0].stat().st_size > 1_000_000
    pages = list(tmp_path.glob("*.html"))
    assert len(pages) == 4
    total = sum(p.stat().st_size for p in pages)
    assert total < 500_000  # before: 4.8 MB of plotly.js in each page
    for page in pages:
        text = page.read_text()
        assert re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", text) == ["plotly.min.js"]
    # Writing again leaves the shared file alone (same contents, not rewritten).
    before = js[0].stat().st_mtime_ns
    assert run(capsys, "race", "--plot", str(tmp_path))[0] == 0
    assert js[0].stat().st_mtime_ns == before


def test_engine_curve_has_markers_and_its_interval_band() -> None:
    from shieldlab.stability.penetration import PenetrationCurve

    x = np.array([4, 8, 16, 32])
    e = np.array([0.5, 1.0, 4.0, 18.0])
    half = np.array([0.1, 0.2, 0.5, 1.0])
    p = np.array([0.0, 0.1, 0.6, 1.0])
    ci = np.array([[0.0, 0.02], [0.05, 0.17], [0.5, 0.7], [0.98, 1.0]])
    cv = PenetrationCurve(
        raid_missiles=x,
        warheads_per_missile=1,
        decoys_per_missile=0.0,
        interceptors=None,
        k=5,
        expected_penetrating=e,
        p_at_least_k=p,
        source="engine",
        expected_ci95_half_width=half,
        p_at_least_k_ci95=ci,
    )
    mpl_fig, pfig = plots.penetration_plot(
        [plots.CurveSpec(curve=cv, label="engine: s", side="blue")], title="t"
    )
    curves = [t for t in pfig.data if t.name in ("engine: s", "engine: s, K = 5")]
    assert len(curves) == 2 and all("markers" in t.mode for t in curves)
    bands = [t for t in pfig.data if t.fill == "toself"]
    assert len(bands) == 2
    e_band, p_band = bands
    np.testing.assert_allclose(sorted(e_band.y), sorted(np.concatenate([e - half, e + half])))
    np.testing.assert_allclose(sorted(p_band.y), sorted(ci.ravel()))
    assert e_band.xaxis == "x" and p_band.xaxis == "x2"
    for ax in mpl_fig.axes:
        assert ax.collections, "no band in the PNG"  # fill_between
        assert any(ln.get_marker() == "o" for ln in ax.get_lines())


def test_race_png_is_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "race", "--plot", str(tmp_path))[0] == 0
    head = (tmp_path / "race.png").read_bytes()[16:24]
    width, height = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:], "big")
    # Before: 2475 x 528 (three panels in a row, text 8 pt at 1/3 of the width each).
    assert width <= 1400 and height >= 0.6 * width, (width, height)


def test_first_strike_marker_lies_on_its_curve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: dict[str, Any]
) -> None:
    # Default sweep 0..2000 by 100: Blue's 128 interceptors were not on it, and the marker
    # (128, index) floated off the straight segment drawn between 100 and 200.
    code, out = run(capsys, "first-strike", "--json", "--plot", str(tmp_path))
    assert code == 0
    assert 128 not in json.loads(out)["sweep"]["interceptors"]  # the JSON sweep is unchanged
    _, pfig = figures["first_strike"]
    for side in ("Blue", "Red"):
        curve = next(t for t in pfig.data if t.name == f"{side} adds interceptors")
        mark = next(t for t in pfig.data if t.name.startswith(f"{side} current"))
        xs = list(curve.x)
        assert mark.x[0] in xs
        assert curve.y[xs.index(mark.x[0])] == pytest.approx(mark.y[0])


def test_restraint_colour_scale_fits_the_data_and_says_what_never_binds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: dict[str, Any]
) -> None:
    # The built-in map: the index never falls below the 0.5 threshold (lowest about 0.80),
    # so that condition never binds; before, nothing said so and the colours spanned [0, 1].
    args = ["--x-values", "0:900:300", "--y-values", "200:1000:400"]
    code, out = run(capsys, "restraint", "--json", "--plot", str(tmp_path), *args)
    assert code == 0
    idx = np.asarray(json.loads(out)["map"]["stability_index"], dtype=float)
    assert idx.min() > 0.5
    mpl_fig, pfig = figures["restraint"]
    heat = next(t for t in pfig.data if t.type == "heatmap")
    assert heat.zmin <= idx.min() < heat.zmin + 0.05 and heat.zmax - 0.05 < idx.max() <= heat.zmax
    assert (heat.zmin, heat.zmax) != (0, 1)
    mesh = mpl_fig.axes[0].collections[0]
    assert mesh.norm.vmin == heat.zmin and mesh.norm.vmax == heat.zmax
    note = [t.name for t in pfig.data if t.name and t.name.startswith("never fails")]
    assert len(note) == 1 and "index below threshold" in note[0]
    assert f"lowest index {idx.min():.2f}" in note[0]
    assert note[0] in [t.get_text() for t in mpl_fig.legends[0].get_texts()]
    # Every legend entry is inside the figure (not cut at its edges).
    renderer = mpl_fig.canvas.get_renderer()
    mpl_fig.draw(renderer)
    page = mpl_fig.bbox
    for t in mpl_fig.legends[0].get_texts():
        b = t.get_window_extent(renderer)
        assert page.x0 <= b.x0 and b.x1 <= page.x1, t.get_text()


def test_colour_range_rounds_out_and_stays_in_unit_interval() -> None:
    assert plots.colour_range(np.array([0.81, 0.97])) == (0.8, 1.0)
    assert plots.colour_range(np.array([0.0, 0.33])) == (0.0, 0.35)
    lo, hi = plots.colour_range(np.array([1.0, 1.0]))
    assert (lo, hi) == (0.95, 1.0)
    lo, hi = plots.colour_range(np.array([0.5, 0.5]))
    assert lo <= 0.5 <= hi and hi - lo >= 0.05
