"""The stability HTML figures, opened in a real headless Chromium: they render, without
console errors, with their axis titles, reference lines and annotations on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from shieldlab.cli.main import main

PROBE = """
const d = document.querySelector('.plotly-graph-div');
return {
  svg: d.querySelectorAll('svg.main-svg').length,
  xtitles: [...d.querySelectorAll('.g-xtitle, .g-x2title, .g-x3title')].map(e => e.textContent),
  ytitles: [...d.querySelectorAll('.g-ytitle, .g-y2title, .g-y3title')].map(e => e.textContent),
  shapes: d.querySelectorAll('.shapelayer path').length,
  annotations: [...d.querySelectorAll('.annotation-text')].map(e => e.textContent),
  layout_shapes: (d.layout.shapes || []).length,
};
"""


def _plot(tmp_path: Path, *args: str) -> None:
    try:
        main(["stability", *args, "--plot", str(tmp_path)])
    except SystemExit as exc:
        assert not exc.code


@pytest.mark.parametrize(
    ("cmd", "extra", "name", "n_axes"),
    [
        ("restore", [], "restore", 2),
        ("penetration", [], "penetration", 2),
        ("race", [], "race", 3),
        ("first-strike", ["--steps", "5"], "first_strike", 1),
        ("crisis", ["--steps", "5"], "crisis", 1),
        ("restraint", ["--x-values", "0:400:200", "--y-values", "50,500"], "restraint", 1),
    ],
)
def test_stability_html_renders_with_titles_and_lines(
    tmp_path: Path,
    render: object,
    capsys: pytest.CaptureFixture[str],
    cmd: str,
    extra: list[str],
    name: str,
    n_axes: int,
) -> None:
    _plot(tmp_path, cmd, *extra)
    capsys.readouterr()
    page = render(tmp_path / f"{name}.html", PROBE)  # type: ignore[operator]
    assert page.errors == [], page.errors
    p = page.probe
    assert p["svg"] >= 1
    assert len(p["xtitles"]) == n_axes and all(p["xtitles"]), p
    assert len(p["ytitles"]) == n_axes and all(p["ytitles"]), p
    assert p["shapes"] == p["layout_shapes"]  # every reference line is drawn
    if name in ("restore", "penetration"):
        assert p["shapes"] >= 2
        assert any("requirement K" in a for a in p["annotations"]), p["annotations"]
        assert any("saturation" in a for a in p["annotations"]), p["annotations"]
    if name == "restore":
        assert any("needs" in a for a in p["annotations"]), p["annotations"]
