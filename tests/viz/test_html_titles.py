"""Every stand-alone HTML page shieldlab writes has a non-empty <title> (issue 20, item 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shieldlab._html import with_title
from shieldlab.engine.trace import EventTrace
from shieldlab.scenario import Scenario


def _title(path: Path) -> str:
    head = path.read_text().split("</head>", 1)[0]  # plotly.js holds SVG <title>s too
    m = re.search(r"<title>(.*?)</title>", head, flags=re.S)
    return m.group(1).strip() if m else ""


def test_map_and_timeline_pages_have_titles(
    tmp_path: Path, four_batteries: Scenario, four_trace: EventTrace
) -> None:
    pytest.importorskip("plotly")
    from shieldlab.viz.theatre import map_figure, timeline_figure, write_html

    m = write_html(map_figure(four_batteries, four_trace), tmp_path / "map.html")
    t = write_html(timeline_figure(four_trace), tmp_path / "timeline.html")
    assert "four-batteries" in _title(m)
    assert _title(t)


def test_stability_figure_pages_have_titles(tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    pytest.importorskip("matplotlib")
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

    from shieldlab.stability.plots import write_figure_pair

    paths = write_figure_pair(tmp_path, "curve", Figure(), go.Figure())
    html = next(p for p in paths if p.suffix == ".html")
    assert _title(html) == "shieldlab: curve"


def test_with_title_escapes_and_keeps_an_existing_title() -> None:
    page = "<html><head><meta charset='utf-8' /></head><body></body></html>"
    assert "<title>a &lt;b&gt;</title>" in with_title(page, "a <b>")
    assert with_title("<html><head><title>x</title></head></html>", "y").count("<title>") == 1
