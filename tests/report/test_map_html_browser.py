"""The HTML theatre map in a real headless Chromium (issue 20, item 10): it opens on the
defended area with no two labels overlapping, and a button shows the whole theatre."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from shieldlab.engine.trace import record_replication
from shieldlab.scenario import builtin_scenario

pytest.importorskip("plotly")

from shieldlab.viz import theatre

_PROBE = """
const gd = document.querySelector('.plotly-graph-div');
const fl = gd._fullLayout;
const boxes = [...gd.querySelectorAll('.scatterlayer g.textpoint text')]
  .filter(t => t.textContent.length > 0)
  .map(t => { const r = t.getBoundingClientRect();
              return {name: t.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom}; });
const buttons = [...gd.querySelectorAll('.updatemenu-button')].map(b => b.textContent);
return {x: fl.xaxis.range, y: fl.yaxis.range, boxes: boxes, buttons: buttons,
        title: document.title};
"""

_CLICK = """
const b = [...document.querySelectorAll('.updatemenu-button')]
  .find(e => e.textContent === arguments[0]);
b.dispatchEvent(new MouseEvent('click', {bubbles: true}));
"""


def _overlaps(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    bad = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if min(a["r"], b["r"]) > max(a["l"], b["l"]) and min(a["b"], b["b"]) > max(
                a["t"], b["t"]
            ):
                bad.append((a["name"], b["name"]))
    return bad


def _wait_for(browser: Any, probe: str, done: Any, timeout_s: float = 30.0) -> Any:
    end = time.monotonic() + timeout_s
    while True:
        got = browser.execute_script(probe)
        if done(got) or time.monotonic() > end:
            return got
        time.sleep(0.1)


def test_map_opens_on_the_defended_area_with_labels_apart(
    tmp_path: Path, render: Any, browser: Any
) -> None:
    sc = builtin_scenario("four-batteries")
    tr = record_replication(sc, seed=1, replication=2)
    path = theatre.write_html(theatre.map_figure(sc, tr), tmp_path / "map.html")
    page = render(path, _PROBE)
    assert page.errors == []
    got = page.probe
    # opening view: the defended area (sites, intercepts, leaks), not the 12-degree theatre
    x0, x1, y0, y1 = theatre.defended_area(sc, tr)
    assert got["x"][0] <= x0 + 1e-6 and got["x"][1] >= x1 - 1e-6
    assert got["y"][0] <= y0 + 1e-6 and got["y"][1] >= y1 - 1e-6
    assert got["x"][1] - got["x"][0] < 4.0
    names = sorted(b["name"] for b in got["boxes"])
    assert names == sorted([a.name for a in sc.assets] + [b.name for b in sc.batteries])
    assert _overlaps(got["boxes"]) == []
    assert got["buttons"] == ["defended area", "whole theatre"]
    # the whole theatre: every ring and track in view, the names on hover only
    lon = [p for t in theatre.map_figure(sc, tr).data for p in t.x if p is not None]
    browser.execute_script(_CLICK, "whole theatre")
    wide = _wait_for(browser, _PROBE, lambda g: g["x"][1] - g["x"][0] > 8.0)
    assert wide["x"][0] <= min(lon) and wide["x"][1] >= max(lon)
    assert wide["boxes"] == []
    browser.execute_script(_CLICK, "defended area")
    back = _wait_for(browser, _PROBE, lambda g: len(g["boxes"]) == len(names))
    assert _overlaps(back["boxes"]) == [] and back["x"][1] - back["x"][0] < 4.0


def test_labels_apart_on_a_crowded_site(tmp_path: Path, render: Any) -> None:
    """Batteries on top of the sites they defend (0.02 degrees away): still readable."""
    sc = builtin_scenario("four-batteries")
    bats = [
        b.model_copy(
            update={
                "position": a.position.model_copy(update={"lat_deg": a.position.lat_deg + 0.02})
            }
        )
        for a, b in zip(sc.assets, sc.batteries, strict=False)
    ]
    crowded = sc.replace(batteries=bats)
    path = theatre.write_html(theatre.map_figure(crowded), tmp_path / "crowded.html")
    got = render(path, _PROBE).probe
    assert len(got["boxes"]) == len(sc.assets) + len(sc.batteries)
    assert _overlaps(got["boxes"]) == []
