"""Study figures (``study show --plot``) and the static study page: each design gets the
figure it calls for, drawn from the right numbers; the page is one offline file.

The figures are checked by reading the plotted arrays back out of the plotly figures
(the matplotlib twin is drawn from the same arrays) against the cells and indices.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shieldlab.core.stats import wilson_interval
from shieldlab.study import StudyResults, run_study
from shieldlab.study.figures import band, grid_matrix, study_figures, study_page

pytest.importorskip("plotly", reason="figures need the plot extra")
pytest.importorskip("matplotlib", reason="figures need the plot extra")

SWEEP = """\
version: 1
name: sweep1
base: {scenario: closed-form}
factors:
  - {name: raid_size, path: raid.size, values: [8, 2, 4]}
replications: 200
seed: 1
"""
GRID = """\
version: 1
name: grid2
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 8, 12]}
  - {name: salvo, path: doctrine.salvo_size, values: [1, 2]}
replications: 100
seed: 2
"""
SOBOL = """\
version: 1
name: sob
base: {posture: example}
design: {kind: sobol, samples: 32, bootstrap: 50}
factors:
  - {name: blue_sspk, path: posture.blue.defence.sspk, range: [0.2, 0.9]}
  - {name: red_alpha, path: posture.red.valuation.alpha, range: [0.0, 0.0001]}
"""
MORRIS = """\
version: 1
name: mor
base: {posture: example}
design: {kind: morris, samples: 6, levels: 4, bootstrap: 50}
factors:
  - {name: blue_sspk, path: posture.blue.defence.sspk, range: [0.2, 0.9]}
  - {name: blue_inv, path: posture.blue.defence.interceptors, range: [0, 1600]}
  - {name: red_alpha, path: posture.red.valuation.alpha, range: [0.0, 0.0001]}
"""


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StudyResults]:
    d = tmp_path_factory.mktemp("studies")
    out = {}
    for name, text in (("sweep", SWEEP), ("grid", GRID), ("sobol", SOBOL), ("morris", MORRIS)):
        p = d / f"{name}.yaml"
        p.write_text(text, encoding="utf-8")
        out[name] = run_study(p)
    return out


def _trace(fig: Any, name: str) -> Any:
    (t,) = [t for t in fig.data if t.name == name]
    return t


def test_sweep_lines_and_bands(studies: dict[str, StudyResults]) -> None:
    res = studies["sweep"]
    (pair,) = study_figures(res)
    assert pair.name == "sweep"
    x = res.column("raid_size")
    order = np.argsort(x)
    for o in ("leakers", "p_any_leak"):
        line = _trace(pair.plotly, o)
        np.testing.assert_array_equal(line.x, x[order])  # sorted by the factor: 2, 4, 8
        np.testing.assert_array_equal(line.y, res.column(o)[order])
        fill = _trace(pair.plotly, f"{o}: 95 % interval")
        n = len(x)
        hi, lo_rev = np.asarray(fill.y[:n]), np.asarray(fill.y[n:])
        if o == "leakers":
            want_lo, want_hi = res.column("leakers_ci_low"), res.column("leakers_ci_high")
        else:  # Wilson from k = p n of n = 200 replications
            ci = np.array([wilson_interval(round(p * 200), 200) for p in res.column(o)])
            want_lo, want_hi = ci[:, 0], ci[:, 1]
        np.testing.assert_allclose(hi, want_hi[order], rtol=1e-12)
        np.testing.assert_allclose(lo_rev[::-1], want_lo[order], rtol=1e-12)
        assert np.all(hi >= line.y) and np.all(lo_rev[::-1] <= line.y)
    assert pair.plotly.layout.xaxis2.title.text == "raid_size"
    assert len(pair.mpl.axes) == 2


def test_p_any_leak_has_no_band_without_replications(studies: dict[str, StudyResults]) -> None:
    res = dataclasses.replace(studies["sweep"], replications=None)
    assert band(res, "p_any_leak") is None
    assert band(res, "leakers") is not None


def test_grid_heatmap_puts_each_cell_at_its_levels(studies: dict[str, StudyResults]) -> None:
    res = studies["grid"]
    figs = study_figures(res)
    assert [f.name for f in figs] == ["heatmap_leakers", "heatmap_p_any_leak"]
    hm = figs[0].plotly.data[0]
    assert list(hm.x) == ["4", "8", "12"] and list(hm.y) == ["1", "2"]
    z = np.asarray(hm.z)
    for r in res.records:
        size, salvo = r["values"]
        j, i = [4, 8, 12].index(size), [1, 2].index(salvo)
        assert z[i, j] == r["outputs"]["leakers"]
        assert hm.text[i][j] == f"{r['outputs']['leakers']:,.2f}"
    # an interrupted study: the missing cell is blank, not zero
    part = dataclasses.replace(res, records=res.records[:-1])
    *_, zp = grid_matrix(part, "leakers")
    assert np.isnan(zp).sum() == 1 and np.isnan(zp[1, 2])


def _index(res: StudyResults, output: str, factor: str, measure: str) -> dict[str, Any]:
    (s,) = [
        s
        for s in res.sensitivity or []
        if (s["output"], s["factor"], s["measure"]) == (output, factor, measure)
    ]
    return s


@pytest.mark.parametrize(("study", "measures", "key"), [
    ("sobol", ("first order S1", "total ST"), "ST"),
    ("morris", ("mu*", "sigma"), "mu_star"),
])  # fmt: skip
def test_index_bars_sorted_with_intervals(
    studies: dict[str, StudyResults], study: str, measures: tuple[str, str], key: str
) -> None:
    res = studies[study]
    figs = study_figures(res)
    assert [f.name for f in figs] == ["scatter", study]
    fig = figs[1].plotly
    code = {"first order S1": "S1", "total ST": "ST", "mu*": "mu_star", "sigma": "sigma"}
    for name in measures:
        bar = _trace(fig, name)
        assert bar.orientation == "h"
        factors = list(bar.y)
        assert sorted(factors) == sorted(res.factors)
        keyed = [abs(_index(res, "stability_index", f, key)["value"]) for f in factors]
        assert keyed == sorted(keyed)  # largest on top (plotly draws y upwards)
        for f, v, plus, minus in zip(
            factors, bar.x, bar.error_x.array, bar.error_x.arrayminus, strict=True
        ):
            s = _index(res, "stability_index", f, code[name])
            assert v == s["value"]
            want_plus = 0.0 if np.isnan(s["high"]) else s["high"] - s["value"]
            want_minus = 0.0 if np.isnan(s["low"]) else s["value"] - s["low"]
            assert plus == pytest.approx(want_plus) and minus == pytest.approx(want_minus)
    top = list(_trace(fig, measures[0]).y)[-1]
    assert top == "blue_sspk" if study == "sobol" else top in ("blue_sspk", "blue_inv")


def test_scatter_shows_every_cell_against_each_factor(studies: dict[str, StudyResults]) -> None:
    res = studies["sobol"]
    fig = study_figures(res)[0].plotly
    assert [t.name for t in fig.data] == list(res.factors)
    for t in fig.data:
        np.testing.assert_array_equal(t.x, res.column(t.name))
        np.testing.assert_array_equal(t.y, res.column("stability_index"))


def test_page_is_one_offline_file_with_escaped_text(studies: dict[str, StudyResults]) -> None:
    res = dataclasses.replace(studies["grid"], name="g<&>")
    page = study_page(res)
    head = page[: page.index("</head>")]
    assert head.count("<title>") == 1 and "<title>shieldlab study g&lt;&amp;&gt;</title>" in head
    assert "g<&>" not in page
    assert not re.search(r"<script[^>]+src=", page)  # nothing fetched: plotly.js inline
    assert not re.search(r"<link[^>]+href=", page)
    assert page.count('class="plotly-graph-div"') == 2
    assert len(re.findall(r"plotly\.js v\d", page)) == 1  # plotly.js embedded once
    assert page.count("<tr>") == 1 + len(res.records)  # header + every cell


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_show_plot_writes_figures_and_page(write: Callable[..., Path], tmp_path: Path) -> None:
    pytest.importorskip("duckdb", reason="the results store needs the store extra")
    out = tmp_path / "out"
    ran = run_cli("study", "run", str(write(SWEEP)), "--out", str(out), "--json")
    assert ran.returncode == 0, ran.stderr
    figs = tmp_path / "figs" / "new"
    shown = run_cli("study", "show", str(out), "--plot", str(figs), "--json")
    assert shown.returncode == 0, shown.stderr
    got = json.loads(shown.stdout)
    names = sorted(Path(p).name for p in got["figures"])
    assert names == ["study.html", "sweep.html", "sweep.png"]
    assert (figs / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<title>shieldlab study sweep1: sweep</title>" in (figs / "sweep.html").read_text()
    page = (figs / "study.html").read_text()
    assert "200 replications per cell; seed 1" in page
    table = run_cli("study", "show", str(out), "--plot", str(figs))
    assert table.returncode == 0 and "wrote" in table.stdout and "study.html" in table.stdout


def test_cli_plot_into_a_file_is_exit_2(write: Callable[..., Path], tmp_path: Path) -> None:
    pytest.importorskip("duckdb", reason="the results store needs the store extra")
    out = tmp_path / "out"
    assert run_cli("study", "run", str(write(SWEEP)), "--out", str(out), "--json").returncode == 0
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = run_cli("study", "show", str(out), "--plot", str(blocker))
    assert res.returncode == 2
    assert "--plot" in res.stderr and "not a directory" in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
