"""The animated replay (``replay --animate``), opened in a real headless Chromium: it renders
offline without console errors, opens paused on the first frame, the slider and the Play
button are on screen, and moving to a frame puts on the map what that frame's state holds.
Waits are on the page's state (polled), never on a fixed delay."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))

from scenarios import small_scenario

from shieldlab.engine.trace import record_replication
from shieldlab.viz.animation import DYNAMIC, frame_state, frame_times, write_animation

pytest.importorskip("plotly", reason="the animation needs the plot extra")

STATE = """
const g = document.querySelector('.plotly-graph-div');
const n = g.data.length, dyn = DYN;
const len = t => (t.x || []).filter(v => v !== null).length;
return {
  frame: g.layout.sliders[0].active,
  frames: g._transitionData._frames.length,
  counts: g.data.slice(n - dyn).map(len),
  // what is on screen: the marker points of each dynamic trace's SVG group
  drawn: [...g.querySelectorAll('.scatterlayer .trace')].slice(-dyn)
           .map(t => t.querySelectorAll('.point').length),
  current: ([...document.querySelectorAll('.slider-label')]
             .map(e => e.textContent).find(t => t.startsWith('t = ')) || null),
  buttons: [...document.querySelectorAll('.updatemenu-button text')].map(e => e.textContent),
  points: document.querySelectorAll('.scatterlayer .point').length,
  external: document.querySelectorAll('script[src], link[href]').length,
};
""".replace("DYN", str(len(DYNAMIC)))

GOTO = """
const g = document.querySelector('.plotly-graph-div');
Plotly.animate(g, [arguments[0]], {mode: 'immediate', frame: {duration: 0, redraw: false},
                                   transition: {duration: 0}}).catch(() => null);
"""

CLICK = """
const b = [...document.querySelectorAll('.updatemenu-button')]
  .find(e => e.textContent.includes(arguments[0]));
b.dispatchEvent(new MouseEvent('click', {bubbles: true}));
"""


def _wait(browser: Any, probe: str, ok: Any, timeout_s: float = 30.0) -> Any:
    end = time.monotonic() + timeout_s
    while True:
        state = browser.execute_script(probe)
        if ok(state) or time.monotonic() > end:
            return state
        time.sleep(0.1)


def test_animation_renders_and_frames_show_their_state(
    tmp_path: Path, render: Any, browser: Any
) -> None:
    sc = small_scenario(sspk=0.3, sls=True, max_engagements=3, salvo=1, threats=12)
    tr = record_replication(sc, seed=3, replication=0)
    page = write_animation(sc, tr, tmp_path / "anim.html", max_frames=30)
    seen = render(page, STATE)
    assert seen.errors == [], seen.errors
    p = seen.probe
    assert p["frames"] == 30 and p["frame"] == 0 and p["external"] == 0
    assert any("Play" in b for b in p["buttons"]) and any("Pause" in b for b in p["buttons"])
    assert p["current"] and p["current"].startswith("t = 0 s: 0 leaked")
    times = frame_times(tr, 30)
    lethal = tr.threat_lethal.astype(bool)
    for k in (0, 12, 29, 3):  # and back to an earlier frame: old marks must go
        browser.execute_script(GOTO, str(k))
        st = frame_state(tr, float(times[k]))
        n_lethal = int(lethal[st.threats].sum())
        want = [
            n_lethal,
            st.threats.size - n_lethal,
            st.salvos.size,
            st.events["kill"].size,
            st.events["miss"].size,
            st.events["leak"].size,
        ]
        got = _wait(
            browser,
            STATE,
            lambda s, k=k, w=want: s["frame"] == k and s["counts"][1:] == w == s["drawn"][1:],
        )
        assert got["frame"] == k and got["counts"][1:] == want, (k, got, want)
        assert got["drawn"][1:] == want, (k, got, want)  # old points cleared from the screen
        if k == 29:
            assert want[-1] == tr.outcome[tr.outcome_columns["leakers"]] > 0  # every leak drawn
    # Play moves the frames on by itself; Pause stops them
    browser.execute_script(GOTO, "0")
    _wait(browser, STATE, lambda s: s["frame"] == 0)
    browser.execute_script(CLICK, "Play")
    played = _wait(browser, STATE, lambda s: s["frame"] >= 3)
    assert played["frame"] >= 3, played
    browser.execute_script(CLICK, "Pause")
    assert browser.get_log("browser") == []
