"""The static study page (``study show --plot``), opened in a real headless Chromium: it
renders offline without console errors, every figure is drawn with its axis titles, and
the tables hold every cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from shieldlab.study import run_study
from shieldlab.study.figures import write_study_figures

pytest.importorskip("plotly", reason="figures need the plot extra")

PROBE = """
const divs = [...document.querySelectorAll('.plotly-graph-div')];
return {
  title: document.title,
  figures: divs.length,
  drawn: divs.map(d => d.querySelectorAll('svg.main-svg').length),
  xtitles: divs.map(d => [...d.querySelectorAll('.g-xtitle, .g-x2title')].map(e => e.textContent)),
  heatmaps: divs.map(d => d.querySelectorAll('.hm image, .heatmaplayer image').length),
  bands: divs.map(d => d.querySelectorAll('.scatterlayer .js-fill').length),
  rows: [...document.querySelectorAll('table')].map(t => t.querySelectorAll('tbody tr').length),
  external: [...document.querySelectorAll('script[src], link[href], img[src]')].length,
};
"""

GRID = """\
version: 1
name: grid2
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 8]}
  - {name: salvo, path: doctrine.salvo_size, values: [1, 2]}
replications: 100
seed: 2
"""
SWEEP = """\
version: 1
name: sweep1
base: {scenario: closed-form}
factors:
  - {name: raid_size, path: raid.size, values: [2, 4, 8]}
replications: 100
seed: 1
"""


@pytest.mark.parametrize(
    ("text", "figures", "xtitle"), [(SWEEP, 1, "raid_size"), (GRID, 2, "raid_size")]
)
def test_study_page_renders(
    tmp_path: Path, render: object, text: str, figures: int, xtitle: str
) -> None:
    study = tmp_path / "s.yaml"
    study.write_text(text, encoding="utf-8")
    res = run_study(study)
    write_study_figures(res, tmp_path)
    page = render(tmp_path / "study.html", PROBE)  # type: ignore[operator]
    assert page.errors == [], page.errors
    p = page.probe
    assert p["title"] == f"shieldlab study {res.name}"
    assert p["figures"] == figures and all(n >= 1 for n in p["drawn"]), p
    assert all(xtitle in t for t in p["xtitles"]), p["xtitles"]
    if figures == 1:  # the sweep: leakers and p_any_leak, each with its band
        assert p["bands"] == [2], p
    else:
        assert all(n >= 1 for n in p["heatmaps"]), p
    assert p["rows"][-1] == len(res.records)
    assert p["external"] == 0
